/*
 * Datasets in the state store: staged loads swapped in atomically, the
 * dataset summaries, and the key index the rounds read. Layouts are in
 * store_impl.h. The key index is ordered by (type, value, slot, record id)
 * so that a round takes each key type's distinct values in one pass.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/keytype.h"
#include "daemon/log.h"
#include "daemon/store_impl.h"

/* A load's buffer is sorted and written as one run (one short write
 * transaction) when it holds this much. Runs are written sequentially, so
 * their size bounds memory, not speed; the commit merges them. */
#define RUN_MAX_BYTES   (8u << 20)
#define RUN_MAX_ENTRIES 262144u
#define DSINFO_BYTES    85
#define DSINFO_FORMAT   1

struct sp_store_load {
    struct sp_store *s;
    char name[SP_STORE_NAME_MAX + 1];
    uint32_t slot;     /* staging slot (sp.stage) */
    uint32_t key_slot; /* version slot being built at commit, 0 before */
    uint32_t nruns;
    uint64_t records;
    uint64_t keys;
    uint8_t *buf; /* entries: u16 KEY length, u8 class, KEY */
    size_t buf_len, buf_cap, nentries;
    int failed;
};

bool sp_store_dataset_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > SP_STORE_NAME_MAX || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- dataset summaries ------------------------------------------------- */

static void dsinfo_encode(uint8_t out[DSINFO_BYTES], uint32_t slot, const struct sp_dataset_info *d)
{
    out[0] = DSINFO_FORMAT;
    sp_be32_put(out + 1, slot);
    sp_be32_put(out + 5, d->version);
    sp_be64_put(out + 9, d->loaded_at);
    sp_be64_put(out + 17, d->records);
    sp_be64_put(out + 25, d->keys);
    sp_be64_put(out + 33, d->rejected_fields);
    sp_be64_put(out + 41, d->structural_errors);
    sp_be32_put(out + 49, d->key_mask);
    memcpy(out + 53, d->input_sha256, SP_STORE_SHA256_BYTES);
}

static int dsinfo_decode(const MDB_val *k, const MDB_val *v, uint32_t *slot,
                         struct sp_dataset_info *d)
{
    const uint8_t *p = v->mv_data;
    if (v->mv_size != DSINFO_BYTES || p[0] != DSINFO_FORMAT || k->mv_size == 0 ||
        k->mv_size > SP_STORE_NAME_MAX) {
        sp_log_error("store: malformed dataset summary");
        return SP_ERR_STORE;
    }
    memset(d, 0, sizeof *d);
    memcpy(d->name, k->mv_data, k->mv_size);
    *slot = sp_be32_get(p + 1);
    d->version = sp_be32_get(p + 5);
    d->loaded_at = sp_be64_get(p + 9);
    d->records = sp_be64_get(p + 17);
    d->keys = sp_be64_get(p + 25);
    d->rejected_fields = sp_be64_get(p + 33);
    d->structural_errors = sp_be64_get(p + 41);
    d->key_mask = sp_be32_get(p + 49);
    memcpy(d->input_sha256, p + 53, SP_STORE_SHA256_BYTES);
    return 0;
}

static int dsinfo_get(struct sp_store *s, MDB_txn *txn, const char *name, uint32_t *slot,
                      struct sp_dataset_info *d)
{
    MDB_val k = {strlen(name), (void *)(uintptr_t)name}, v;
    int rc = mdb_get(txn, s->dbi[SP_DB_DATASETS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return SP_ERR_NOT_FOUND;
    if (rc)
        return sp_store_mdb_err(rc, "read dataset");
    return dsinfo_decode(&k, &v, slot, d);
}

int sp_store_dataset_get(struct sp_store *store, const char *name, struct sp_dataset_info *out)
{
    if (!sp_store_dataset_name_valid(name))
        return SP_ERR_NOT_FOUND;
    MDB_txn *txn = NULL;
    uint32_t slot;
    struct sp_dataset_info d;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = dsinfo_get(store, txn, name, &slot, &d);
    mdb_txn_abort(txn);
    if (!err)
        *out = d;
    return err;
}

int sp_store_datasets_foreach(struct sp_store *store, sp_store_dataset_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    struct sp_dataset_info d;
    uint32_t slot;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn), rc;
    if (err)
        return err;
    if ((rc = mdb_cursor_open(txn, store->dbi[SP_DB_DATASETS], &cur))) {
        err = sp_store_mdb_err(rc, "list datasets");
        goto out;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        err = dsinfo_decode(&k, &v, &slot, &d);
        if (!err)
            err = fn(ctx, &d);
    }
    if (!err && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "list datasets");
out:
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

int sp_store_datasets_count(struct sp_store *store, uint32_t *out)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    int rc = mdb_stat(txn, store->dbi[SP_DB_DATASETS], &st);
    mdb_txn_abort(txn);
    if (rc)
        return sp_store_mdb_err(rc, "count datasets");
    *out = st.ms_entries > UINT32_MAX ? UINT32_MAX : (uint32_t)st.ms_entries;
    return 0;
}

/* ---- loads ------------------------------------------------------------- */

static int name_is_loading(struct sp_store *s, MDB_txn *txn, const char *name, bool *busy)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t n = strlen(name);
    int rc = mdb_cursor_open(txn, s->dbi[SP_DB_LOADS], &cur);
    if (rc)
        return sp_store_mdb_err(rc, "check loads");
    *busy = false;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !*busy;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        *busy = v.mv_size == n && memcmp(v.mv_data, name, n) == 0;
    mdb_cursor_close(cur);
    return (rc == 0 || rc == MDB_NOTFOUND) ? 0 : sp_store_mdb_err(rc, "check loads");
}

int sp_store_slot_next(struct sp_store *s, MDB_txn *txn, uint32_t *slot)
{
    MDB_val mk = {9, "next_slot"}, mv;
    uint8_t buf[4];
    uint32_t next = 1;
    int rc = mdb_get(txn, s->dbi[SP_DB_META], &mk, &mv);
    if (rc == 0 && mv.mv_size == 4)
        next = sp_be32_get(mv.mv_data);
    else if (rc == 0)
        rc = MDB_CORRUPTED;
    else if (rc == MDB_NOTFOUND)
        rc = 0;
    if (!rc && next == UINT32_MAX)
        rc = MDB_MAP_FULL; /* 4 billion versions: treat as a full store */
    sp_be32_put(buf, next + 1);
    mv = (MDB_val){4, buf};
    if (!rc)
        rc = mdb_put(txn, s->dbi[SP_DB_META], &mk, &mv, 0);
    if (rc)
        return sp_store_mdb_err(rc, "allocate a version");
    *slot = next;
    return 0;
}

/* Takes a fresh slot and registers it as a load of name, in one transaction
 * (so that a crash leaves it to garbage collection). */
static int load_register(struct sp_store *s, const char *name, bool check_busy, uint32_t *slot_out)
{
    MDB_txn *txn = NULL;
    bool busy = false;
    uint32_t slot = 0;
    uint8_t sk[4];
    int err = sp_store_txn_begin(s, 0, &txn);
    if (err)
        return err;
    if (check_busy && !(err = name_is_loading(s, txn, name, &busy)) && busy)
        err = SP_ERR_BUSY;
    if (!err)
        err = sp_store_slot_next(s, txn, &slot);
    sp_be32_put(sk, slot);
    MDB_val k = {4, sk}, v = {strlen(name), (void *)(uintptr_t)name};
    int rc = err ? 0 : mdb_put(txn, s->dbi[SP_DB_LOADS], &k, &v, 0);
    if (rc)
        err = sp_store_mdb_err(rc, "begin load");
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    err = sp_store_txn_commit(txn, "begin load");
    if (!err)
        *slot_out = slot;
    return err;
}

int sp_store_load_begin(struct sp_store *store, const char *name, struct sp_store_load **out)
{
    if (!sp_store_dataset_name_valid(name) || !out)
        return SP_ERR_INVALID_ARG;
    struct sp_store_load *l = calloc(1, sizeof *l);
    if (!l)
        return SP_ERR_NOMEM;
    l->s = store;
    memcpy(l->name, name, strlen(name) + 1);
    int err = load_register(store, name, true, &l->slot);
    if (err) {
        free(l);
        return err;
    }
    *out = l;
    return 0;
}

static int key_valid(const struct sp_store_key *k)
{
    return sp_key_type_valid(k->type) && k->klass >= SP_CLASS_A && k->klass <= SP_CLASS_C &&
           k->value_len >= 1 && k->value_len <= SP_STORE_VALUE_MAX && k->value &&
           !memchr(k->value, 0, k->value_len);
}

static int buf_reserve(struct sp_store_load *l, size_t more)
{
    if (l->buf_len + more <= l->buf_cap)
        return 0;
    size_t cap = l->buf_cap ? l->buf_cap : 65536;
    while (cap < l->buf_len + more)
        cap *= 2;
    uint8_t *nb = realloc(l->buf, cap);
    if (!nb)
        return SP_ERR_NOMEM;
    l->buf = nb;
    l->buf_cap = cap;
    return 0;
}

int sp_store_load_put(struct sp_store_load *load, const char *record_id,
                      const struct sp_store_key *keys, size_t nkeys)
{
    size_t idlen = record_id ? strlen(record_id) : 0;
    if (load->failed)
        return SP_ERR_STATE;
    if (idlen == 0 || idlen > SP_STORE_RECORD_ID_MAX || (nkeys && !keys))
        return SP_ERR_INVALID_ARG;
    for (size_t i = 0; i < nkeys; i++)
        if (!key_valid(&keys[i]))
            return SP_ERR_INVALID_ARG;
    int err = buf_reserve(load, nkeys * (3 + SP_STORE_KEY_MAX));
    if (err)
        return load->failed = 1, err;
    for (size_t i = 0; i < nkeys; i++) {
        uint8_t *p = load->buf + load->buf_len;
        size_t n = sp_store_key_encode(p + 3, &keys[i], record_id, idlen);
        sp_be16_put(p, (uint16_t)n);
        p[2] = keys[i].klass;
        load->buf_len += 3 + n;
    }
    load->records++;
    load->keys += nkeys;
    load->nentries += nkeys;
    if (load->buf_len >= RUN_MAX_BYTES || load->nentries >= RUN_MAX_ENTRIES)
        return sp_store_load_flush(load);
    return 0;
}

uint64_t sp_store_load_records(const struct sp_store_load *load)
{
    return load->records;
}

/* LMDB's default key order on KEY: bytes, then the shorter first. */
static int entry_cmp(const void *a, const void *b)
{
    const uint8_t *x = *(const uint8_t *const *)a, *y = *(const uint8_t *const *)b;
    size_t lx = sp_be16_get(x), ly = sp_be16_get(y);
    int c = memcmp(x + 3, y + 3, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

/* Staged runs are packed into chunks of this size: a few large values per
 * run instead of one LMDB entry per key. */
#define RUN_CHUNK_BYTES 65536

static int put_chunk(struct sp_store_load *l, MDB_txn *txn, uint32_t chunk, const uint8_t *data,
                     size_t len)
{
    uint8_t rk[12];
    sp_be32_put(rk, l->slot);
    sp_be32_put(rk + 4, l->nruns);
    sp_be32_put(rk + 8, chunk);
    MDB_val k = {sizeof rk, rk}, v = {len, (void *)(uintptr_t)data};
    int rc = mdb_put(txn, l->s->dbi[SP_DB_STAGE], &k, &v, 0);
    return rc ? sp_store_mdb_err(rc, "stage keys") : 0;
}

/* Writes the sorted entries as run number l->nruns of the staging slot. */
static int write_run(struct sp_store_load *l, const uint8_t **ptr, uint8_t *chunk)
{
    MDB_txn *txn = NULL;
    uint32_t nchunk = 0;
    size_t used = 0;
    int err = sp_store_txn_begin(l->s, 0, &txn);
    for (size_t i = 0; !err && i < l->nentries; i++) {
        size_t n = 3u + sp_be16_get(ptr[i]);
        if (used + n > RUN_CHUNK_BYTES) {
            err = put_chunk(l, txn, nchunk++, chunk, used);
            used = 0;
        }
        memcpy(chunk + used, ptr[i], n);
        used += n;
    }
    if (!err && used)
        err = put_chunk(l, txn, nchunk, chunk, used);
    if (!err)
        return sp_store_txn_commit(txn, "stage keys");
    if (txn)
        mdb_txn_abort(txn);
    return err;
}

int sp_store_load_flush(struct sp_store_load *load)
{
    if (load->failed)
        return SP_ERR_STATE;
    if (load->nentries == 0)
        return 0;
    const uint8_t **ptr = malloc(load->nentries * sizeof *ptr);
    uint8_t *chunk = malloc(RUN_CHUNK_BYTES);
    if (!ptr || !chunk) {
        free(ptr);
        free(chunk);
        return load->failed = 1, SP_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t off = 0; off < load->buf_len; off += 3u + sp_be16_get(load->buf + off))
        ptr[n++] = load->buf + off;
    qsort(ptr, n, sizeof *ptr, entry_cmp);
    int err = write_run(load, ptr, chunk);
    free(ptr);
    free(chunk);
    if (err)
        return load->failed = 1, err;
    load->nruns++;
    load->buf_len = 0;
    load->nentries = 0;
    return 0;
}

/* The swap: one small transaction makes the built slot current. */
static int load_swap(struct sp_store_load *l, const struct sp_dataset_info *info,
                     struct sp_dataset_info *out)
{
    MDB_txn *txn = NULL;
    struct sp_dataset_info old, now = *info;
    uint32_t old_slot = 0;
    uint8_t sk[3][4], ds[DSINFO_BYTES];
    int err = sp_store_txn_begin(l->s, 0, &txn), rc = 0;
    if (err)
        return err;
    err = dsinfo_get(l->s, txn, l->name, &old_slot, &old);
    memcpy(now.name, l->name, sizeof now.name);
    now.version = err == SP_ERR_NOT_FOUND ? 1 : old.version + 1;
    now.loaded_at = (uint64_t)time(NULL);
    sp_be32_put(sk[0], l->slot);
    sp_be32_put(sk[1], l->key_slot);
    sp_be32_put(sk[2], old_slot);
    MDB_val stage = {4, sk[0]}, built = {4, sk[1]}, prev = {4, sk[2]}, empty = {0, ""};
    if (err == SP_ERR_NOT_FOUND)
        err = 0;
    else if (!err && (rc = mdb_put(txn, l->s->dbi[SP_DB_GARBAGE], &prev, &empty, 0)))
        err = sp_store_mdb_err(rc, "commit load");
    if (!err && ((rc = mdb_put(txn, l->s->dbi[SP_DB_GARBAGE], &stage, &empty, 0)) ||
                 (rc = mdb_del(txn, l->s->dbi[SP_DB_LOADS], &stage, NULL)) ||
                 (rc = mdb_del(txn, l->s->dbi[SP_DB_LOADS], &built, NULL))))
        err = rc == MDB_NOTFOUND ? SP_ERR_STATE : sp_store_mdb_err(rc, "commit load");
    dsinfo_encode(ds, l->key_slot, &now);
    MDB_val dk = {strlen(l->name), l->name}, dv = {sizeof ds, ds};
    if (!err && (rc = mdb_put(txn, l->s->dbi[SP_DB_DATASETS], &dk, &dv, 0)))
        err = sp_store_mdb_err(rc, "commit load");
    if (!err)
        err = sp_store_txn_commit_hooked(l->s, txn, "commit load");
    else
        sp_store_txn_abort_hooked(l->s, txn);
    if (!err && out)
        *out = now;
    return err;
}

int sp_store_load_commit(struct sp_store_load **load, const struct sp_dataset_info *info,
                         struct sp_dataset_info *out_info)
{
    struct sp_store_load *l = *load;
    int err = sp_store_load_flush(l);
    if (!err)
        err = load_register(l->s, l->name, false, &l->key_slot);
    if (!err)
        err = sp_store_runs_merge(l->s, l->slot, l->nruns, l->key_slot);
    if (!err)
        err = load_swap(l, info, out_info);
    if (err) {
        sp_store_load_abort(load);
        return err;
    }
    free(l->buf);
    free(l);
    *load = NULL;
    return 0;
}

/* Moves a registered slot from sp.loads to sp.garbage inside txn. */
static int slot_to_garbage(struct sp_store *s, MDB_txn *txn, uint32_t slot)
{
    uint8_t sk[4];
    sp_be32_put(sk, slot);
    MDB_val k = {4, sk}, v = {0, ""};
    int rc = mdb_del(txn, s->dbi[SP_DB_LOADS], &k, NULL);
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = mdb_put(txn, s->dbi[SP_DB_GARBAGE], &k, &v, 0);
    return rc;
}

void sp_store_load_abort(struct sp_store_load **load)
{
    if (!load || !*load)
        return;
    struct sp_store_load *l = *load;
    MDB_txn *txn = NULL;
    /* If this fails the slots stay listed as loading, and the next start-up
     * turns them into garbage: the staging is never visible either way. */
    if (sp_store_txn_begin(l->s, 0, &txn) == 0) {
        int rc = slot_to_garbage(l->s, txn, l->slot);
        if (!rc && l->key_slot)
            rc = slot_to_garbage(l->s, txn, l->key_slot);
        if (rc) {
            sp_store_mdb_err(rc, "abort load");
            mdb_txn_abort(txn);
        } else if (sp_store_txn_commit(txn, "abort load") != 0) {
            sp_log_warn("store: staging of dataset %s is released at the next start", l->name);
        }
    }
    free(l->buf);
    free(l);
    *load = NULL;
}
