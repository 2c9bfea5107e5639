/*
 * A dataset load: input/ingest turns CSV bytes into records with derived
 * keys; each record's id and keys go into the store's staging; nothing else
 * of the file is kept. The SHA-256 of the bytes identifies the file in the
 * dataset summary (and later in the audit log).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/keytype.h"
#include "round/audit_events.h"
#include "daemon/audit_log.h"
#include "daemon/dataset.h"
#include "daemon/log.h"
#include "input/mapping.h"

struct sp_dataset_load {
    struct sp_store *store;
    struct sp_store_load *staging;
    struct sp_mapping *mapping;
    struct sp_ingest *ingest;
    crypto_hash_sha256_state sha;
    uint64_t bytes;
    int failed;
    char name[SP_STORE_NAME_MAX + 1];
};

int sp_dataset_load_new(struct sp_store *store, const char *name, const char *mapping,
                        size_t mapping_len, int today_yyyymmdd, struct sp_dataset_load **out,
                        char *diag, size_t diag_cap)
{
    if (!sp_store_dataset_name_valid(name)) {
        snprintf(diag, diag_cap, "invalid dataset name (use a-z, 0-9, '_' and '-')");
        return SP_ERR_INVALID_ARG;
    }
    diag[0] = '\0';
    struct sp_dataset_load *l = calloc(1, sizeof *l);
    char mdiag[SP_DATASET_DIAG_BYTES] = "";
    if (!l)
        return SP_ERR_NOMEM;
    l->store = store;
    memcpy(l->name, name, strlen(name) + 1);
    crypto_hash_sha256_init(&l->sha);
    int err = sp_mapping_parse(mapping, mapping_len, &l->mapping, mdiag, sizeof mdiag);
    if (err == SP_ERR_INPUT_MAPPING)
        snprintf(diag, diag_cap, "mapping %s", mdiag);
    if (!err)
        err = sp_ingest_new(l->mapping, &l->ingest);
    if (!err && today_yyyymmdd)
        err = sp_ingest_set_today(l->ingest, today_yyyymmdd);
    if (!err) {
        err = sp_store_load_begin(store, name, &l->staging);
        if (err == SP_ERR_BUSY)
            snprintf(diag, diag_cap, "dataset %s is already being loaded", name);
    }
    if (err) {
        if (!diag[0])
            snprintf(diag, diag_cap, "%s", sp_strerror(err));
        sp_dataset_load_free(&l);
        return err;
    }
    *out = l;
    return 0;
}

/* Ingest callback: one record's id and keys into the staging. */
static int stage_record(void *ctx, const struct sp_record_keys *rec)
{
    struct sp_dataset_load *l = ctx;
    struct sp_store_key keys[SP_DERIVE_MAX_KEYS];
    size_t n = rec->nkeys < SP_DERIVE_MAX_KEYS ? rec->nkeys : SP_DERIVE_MAX_KEYS;
    for (size_t i = 0; i < n; i++)
        keys[i] = (struct sp_store_key){rec->keys[i].type, rec->keys[i].klass,
                                        rec->keys[i].value_len, rec->keys[i].value};
    int err = sp_store_load_put(l->staging, rec->record_id, keys, n);
    /* A key the store refuses is a bug in the input layer's contract, not
     * bad input: ingest caps ids and values at the store's limits. */
    if (err == SP_ERR_INVALID_ARG)
        sp_log_error("dataset %s: record at line %llu has a key the store refuses", l->name,
                     (unsigned long long)rec->line);
    return err;
}

static int ingest_error(struct sp_dataset_load *l, int err, char *diag, size_t diag_cap)
{
    const char *d = sp_ingest_diagnostic(l->ingest);
    if (d && *d)
        snprintf(diag, diag_cap, "%s", d);
    else
        snprintf(diag, diag_cap, "%s", sp_strerror(err));
    l->failed = 1;
    return err;
}

int sp_dataset_load_feed(struct sp_dataset_load *load, const uint8_t *data, size_t len, char *diag,
                         size_t diag_cap)
{
    if (load->failed)
        return SP_ERR_STATE;
    crypto_hash_sha256_update(&load->sha, data, len);
    load->bytes += len;
    /* Records are staged in short write transactions of their own as the
     * store's buffer fills (store.h); none is held between chunks. */
    int err = sp_ingest_feed(load->ingest, data, len, stage_record, load);
    if (err == SP_ERR_STORE || err == SP_ERR_STORE_FULL || err == SP_ERR_NOMEM) {
        snprintf(diag, diag_cap, "cannot store the records: %s", sp_strerror(err));
        load->failed = 1;
        return err;
    }
    if (err)
        return ingest_error(load, err, diag, diag_cap);
    return 0;
}

static uint64_t rejected_fields(const struct sp_ingest_stats *st)
{
    uint64_t n = 0;
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        for (int r = SP_REJECT_FORMAT; r < SP_REJECT_REASON_COUNT; r++)
            n += st->fields[f].rejected[r];
    return n;
}

/* Stages the audit entry of the swap about to happen: the version it will
 * get is the current one + 1 (loads commit on this thread only). */
static int stage_entry(struct sp_dataset_load *load, struct sp_audit_log *log,
                       const struct sp_dataset_info *d, const struct sp_ingest_stats *st)
{
    struct sp_dataset_info cur;
    struct sp_audit_entry *e = NULL;
    int err = sp_store_dataset_get(load->store, load->name, &cur);
    if (err && err != SP_ERR_NOT_FOUND)
        return err;
    struct sp_auditev_dataset ev = {load->name,
                                    err ? 1 : (uint64_t)cur.version + 1,
                                    st->records,
                                    st->records_usable,
                                    d->keys,
                                    d->rejected_fields,
                                    d->structural_errors,
                                    d->input_sha256};
    err = sp_auditev_dataset_load(&ev, &e);
    return err ? err : sp_audit_log_stage(log, &e, (uint64_t)time(NULL));
}

int sp_dataset_load_commit(struct sp_dataset_load *load, struct sp_audit_log *log,
                           struct sp_dataset_info *info, char *diag, size_t diag_cap)
{
    if (load->failed || !load->staging)
        return SP_ERR_STATE;
    int err = sp_ingest_finish(load->ingest, stage_record, load);
    if (err)
        return ingest_error(load, err, diag, diag_cap);
    const struct sp_ingest_stats *st = sp_ingest_stats(load->ingest);
    if (st->duplicate_record_ids > 0 &&
        sp_mapping_duplicate_ids(load->mapping) == SP_DUPLICATE_IDS_REFUSE) {
        snprintf(diag, diag_cap,
                 "%llu record id(s) occur on more than one line, and the mapping refuses that "
                 "(duplicate_ids = refuse): nothing was loaded, the previous version stays "
                 "(`snijpunt check` counts them)",
                 (unsigned long long)st->duplicate_record_ids);
        load->failed = 1;
        return SP_ERR_INPUT_DUPLICATE;
    }
    struct sp_dataset_info d = {0};
    d.records = st->records_usable;
    d.keys = st->keys;
    d.rejected_fields = rejected_fields(st);
    d.structural_errors = st->structural_errors;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (st->keys_by_type[t])
            d.key_mask |= SP_KEY_MASK(t);
    crypto_hash_sha256_final(&load->sha, d.input_sha256);
    if (log && (err = stage_entry(load, log, &d, st)) != 0) {
        snprintf(diag, diag_cap, "cannot record the load in the audit log: %s", sp_strerror(err));
        load->failed = 1;
        return err;
    }
    err = sp_store_load_commit(&load->staging, &d, info);
    if (log)
        sp_audit_log_discard(log); /* written with the swap, or dropped with it */
    if (err) {
        snprintf(diag, diag_cap, "cannot store the new version: %s", sp_strerror(err));
        load->failed = 1;
        return err;
    }
    sp_log_info("dataset %s: version %u loaded: %llu records, %llu keys, %llu "
                "rows skipped",
                load->name, info->version, (unsigned long long)d.records,
                (unsigned long long)d.keys, (unsigned long long)d.structural_errors);
    return 0;
}

uint64_t sp_dataset_load_bytes(const struct sp_dataset_load *load)
{
    return load->bytes;
}

const struct sp_ingest_stats *sp_dataset_load_stats(const struct sp_dataset_load *load)
{
    return sp_ingest_stats(load->ingest);
}

const char *sp_dataset_load_name(const struct sp_dataset_load *load)
{
    return load->name;
}

void sp_dataset_load_free(struct sp_dataset_load **load)
{
    if (!load || !*load)
        return;
    struct sp_dataset_load *l = *load;
    if (l->staging)
        sp_log_info("dataset %s: load discarded; the previous version stays", l->name);
    sp_store_load_abort(&l->staging);
    sp_ingest_free(&l->ingest);
    sp_mapping_free(&l->mapping);
    sodium_memzero(&l->sha, sizeof l->sha);
    free(l);
    *load = NULL;
}
