/*
 * Control reply bodies: DATASET_INFO, ROUND_INFO, INGEST_STATS and the lists
 * that replies carry. Framing (version, op, status, error replies) is in
 * control.c; this file provides one descriptor per op (codec.h).
 */
#include <string.h>

#include "common/keytype.h"
#include "proto/codec.h"
#include "proto/control.h"

#define STATS_ELEMENTS 10 /* INGEST_STATS tuple */

/* ---- names ---- */

static int check_dataset_name(const char *s)
{
    size_t n = sp_wire_strnlen(s, SP_PROTO_DATASET_MAX + 1);

    return sp_proto_dataset_name_valid(s, n) ? 0 : SP_ERR_PROTO_FIELD;
}

static int get_dataset_name(struct sp_wire_reader *r, char *dst)
{
    int err = sp_wire_get_text(r, 1, SP_PROTO_DATASET_MAX, dst);

    return err ? err : check_dataset_name(dst);
}

/* ---- STATUS ---- */

static int check_peer_info(const void *elem)
{
    const struct sp_ctl_peer_info *p = elem;

    if (sp_codec_check_node(p->name) != 0 ||
        sp_codec_check_text(p->endpoint, 1, SP_CTL_ENDPOINT_MAX) != 0)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

static int get_peer_info(struct sp_wire_reader *r, void *elem)
{
    struct sp_ctl_peer_info *p = elem;
    int err = sp_wire_get_tuple(r, 3);

    if (err == 0)
        err = sp_codec_get_node(r, p->name);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_CTL_ENDPOINT_MAX, p->endpoint);
    if (err == 0)
        err = sp_wire_get_bool(r, &p->connected);
    return err;
}

static int check_status(const struct sp_ctl_reply *rep)
{
    const struct sp_ctl_status_reply *s = &rep->status_info;

    if (sp_codec_check_node(s->node) != 0 ||
        sp_codec_check_text(s->version, 1, SP_CTL_VERSION_MAX) != 0 ||
        (s->audit_entries == 0 && s->audit_head_time != 0) ||
        s->store_used_bytes > s->store_map_bytes)
        return SP_ERR_PROTO_FIELD;
    return sp_codec_check_list(s->peers, s->npeers, SP_CTL_MAX_PEERS, sizeof(*s->peers),
                               check_peer_info);
}

static void put_status(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    const struct sp_ctl_status_reply *s = &rep->status_info;

    sp_wire_put_cstr(w, s->node, SP_PROTO_NAME_MAX);
    sp_wire_put_cstr(w, s->version, SP_CTL_VERSION_MAX);
    sp_wire_put_uint(w, s->uptime_s);
    sp_wire_put_uint(w, s->datasets);
    sp_wire_put_uint(w, s->rounds_active);
    sp_wire_put_array(w, s->npeers);
    for (uint32_t i = 0; i < s->npeers; i++) {
        sp_wire_put_array(w, 3);
        sp_wire_put_cstr(w, s->peers[i].name, SP_PROTO_NAME_MAX);
        sp_wire_put_cstr(w, s->peers[i].endpoint, SP_CTL_ENDPOINT_MAX);
        sp_wire_put_bool(w, s->peers[i].connected);
    }
    sp_wire_put_uint(w, s->cert_not_after);
    sp_wire_put_uint(w, s->crl_next_update);
    sp_wire_put_uint(w, s->audit_entries);
    sp_wire_put_uint(w, s->audit_head_time);
    sp_wire_put_uint(w, s->store_file_bytes);
    sp_wire_put_uint(w, s->store_used_bytes);
    sp_wire_put_uint(w, s->store_map_bytes);
}

/* The fields after the peers (issue 12). */
static int get_status_ops(struct sp_wire_reader *r, struct sp_ctl_status_reply *s)
{
    uint64_t *const f[] = {&s->cert_not_after,  &s->crl_next_update,  &s->audit_entries,
                           &s->audit_head_time, &s->store_file_bytes, &s->store_used_bytes,
                           &s->store_map_bytes};
    int err = 0;

    for (size_t i = 0; err == 0 && i < sizeof f / sizeof f[0]; i++)
        err = sp_wire_get_u64(r, f[i]);
    if (err == 0 && ((s->audit_entries == 0 && s->audit_head_time != 0) ||
                     s->store_used_bytes > s->store_map_bytes))
        err = SP_ERR_PROTO_FIELD;
    return err;
}

static int get_status(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    struct sp_ctl_status_reply *s = &rep->status_info;
    int err = sp_codec_get_node(r, s->node);

    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_CTL_VERSION_MAX, s->version);
    if (err == 0)
        err = sp_wire_get_u64(r, &s->uptime_s);
    if (err == 0)
        err = sp_wire_get_u32(r, &s->datasets);
    if (err == 0)
        err = sp_wire_get_u32(r, &s->rounds_active);
    if (err == 0)
        err = sp_codec_get_list(r, SP_CTL_MAX_PEERS, sizeof(*s->peers), get_peer_info, &rep->owned_,
                                &s->npeers);
    s->peers = rep->owned_;
    if (err == 0)
        err = get_status_ops(r, s);
    return err;
}

/* ---- LOAD_BEGIN, LOAD_CHUNK, ROUND_START, ROUND_CANCEL ---- */

static int check_none(const struct sp_ctl_reply *rep)
{
    (void)rep;
    return 0;
}

static void put_none(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    (void)w;
    (void)rep;
}

static int get_none(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    (void)r;
    (void)rep;
    return 0;
}

static void put_load_begin(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_uint(w, rep->load_id);
}

static int get_load_begin(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    return sp_wire_get_u32(r, &rep->load_id);
}

static void put_load_chunk(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_uint(w, rep->load_chunk.bytes_received);
    sp_wire_put_uint(w, rep->load_chunk.records);
}

static int get_load_chunk(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_wire_get_u64(r, &rep->load_chunk.bytes_received);

    return err ? err : sp_wire_get_u64(r, &rep->load_chunk.records);
}

static void put_round_start(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_bin(w, rep->round_id, SP_ROUND_ID_BYTES);
}

static int get_round_start(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    return sp_wire_get_fixed(r, rep->round_id, SP_ROUND_ID_BYTES);
}

/* ---- DATASET_INFO ---- */

static int check_dataset_info(const void *elem)
{
    const struct sp_ctl_dataset_info *d = elem;

    return check_dataset_name(d->name) == 0 && d->version >= 1 ? 0 : SP_ERR_PROTO_FIELD;
}

static void put_dataset_info(struct sp_wire_writer *w, const struct sp_ctl_dataset_info *d)
{
    sp_wire_put_array(w, 8);
    sp_wire_put_cstr(w, d->name, SP_PROTO_DATASET_MAX);
    sp_wire_put_uint(w, d->version);
    sp_wire_put_uint(w, d->loaded_at);
    sp_wire_put_uint(w, d->records);
    sp_wire_put_uint(w, d->keys);
    sp_wire_put_uint(w, d->rejected_fields);
    sp_wire_put_uint(w, d->structural_errors);
    sp_wire_put_bin(w, d->input_sha256, SP_CTL_SHA256_BYTES);
}

static int get_dataset_info(struct sp_wire_reader *r, void *elem)
{
    struct sp_ctl_dataset_info *d = elem;
    int err = sp_wire_get_tuple(r, 8);

    if (err == 0)
        err = get_dataset_name(r, d->name);
    if (err == 0)
        err = sp_wire_get_u32(r, &d->version);
    if (err == 0)
        err = sp_wire_get_u64(r, &d->loaded_at);
    if (err == 0)
        err = sp_wire_get_u64(r, &d->records);
    if (err == 0)
        err = sp_wire_get_u64(r, &d->keys);
    if (err == 0)
        err = sp_wire_get_u64(r, &d->rejected_fields);
    if (err == 0)
        err = sp_wire_get_u64(r, &d->structural_errors);
    if (err == 0)
        err = sp_wire_get_fixed(r, d->input_sha256, SP_CTL_SHA256_BYTES);
    return err;
}

static int check_datasets(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_list(rep->datasets.datasets, rep->datasets.ndatasets, SP_CTL_MAX_DATASETS,
                               sizeof(struct sp_ctl_dataset_info), check_dataset_info);
}

static void put_datasets(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_array(w, rep->datasets.ndatasets);
    for (uint32_t i = 0; i < rep->datasets.ndatasets; i++)
        put_dataset_info(w, &rep->datasets.datasets[i]);
}

static int get_datasets(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_codec_get_list(r, SP_CTL_MAX_DATASETS, sizeof(struct sp_ctl_dataset_info),
                                get_dataset_info, &rep->owned_, &rep->datasets.ndatasets);

    rep->datasets.datasets = rep->owned_;
    return err;
}

/* ---- INGEST_STATS (LOAD_END) ---- */

static int check_stats(const struct sp_ctl_ingest_stats *s)
{
    if (s->nerror_lines > SP_CTL_STATS_MAX_ERROR_LINES || s->nfields > SP_CTL_STATS_MAX_FIELDS ||
        s->nreasons > SP_CTL_STATS_MAX_REASONS)
        return SP_ERR_PROTO_OVERSIZED;
    /* The reasons count travels as the length of every field's array; with
     * no fields it cannot travel, so it must then be 0. */
    if (s->keys_by_type[0] != 0 || (s->nfields == 0 && s->nreasons != 0))
        return SP_ERR_PROTO_FIELD;
    for (uint32_t i = 0; i < s->nerror_lines; i++) {
        if (s->error_codes[i] >= 0)
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

static void put_u64s(struct sp_wire_writer *w, const uint64_t *v, uint32_t n)
{
    sp_wire_put_array(w, n);
    for (uint32_t i = 0; i < n; i++)
        sp_wire_put_uint(w, v[i]);
}

static void put_stats(struct sp_wire_writer *w, const struct sp_ctl_ingest_stats *s)
{
    const uint64_t head[5] = {s->lines, s->records, s->records_usable, s->records_without_keys,
                              s->keys};

    sp_wire_put_array(w, STATS_ELEMENTS);
    for (size_t i = 0; i < 5; i++)
        sp_wire_put_uint(w, head[i]);
    put_u64s(w, s->keys_by_type, SP_CTL_STATS_KEY_TYPES);
    sp_wire_put_uint(w, s->structural_errors);
    sp_wire_put_uint(w, s->duplicate_record_ids);
    sp_wire_put_array(w, s->nerror_lines);
    for (uint32_t i = 0; i < s->nerror_lines; i++) {
        sp_wire_put_array(w, 2);
        sp_wire_put_uint(w, s->error_lines[i]);
        sp_wire_put_int(w, s->error_codes[i]);
    }
    sp_wire_put_array(w, s->nfields);
    for (uint32_t i = 0; i < s->nfields; i++) {
        sp_wire_put_array(w, 4);
        sp_wire_put_uint(w, i);
        sp_wire_put_uint(w, s->fields[i].accepted);
        sp_wire_put_uint(w, s->fields[i].empty);
        put_u64s(w, s->fields[i].rejected, s->nreasons);
    }
}

static int get_u64s(struct sp_wire_reader *r, uint32_t max, uint64_t *v, uint32_t *n)
{
    int err = sp_wire_get_array(r, max, n);

    for (uint32_t i = 0; err == 0 && i < *n; i++)
        err = sp_wire_get_u64(r, &v[i]);
    return err;
}

static int get_error_lines(struct sp_wire_reader *r, struct sp_ctl_ingest_stats *s)
{
    int err = sp_wire_get_array(r, SP_CTL_STATS_MAX_ERROR_LINES, &s->nerror_lines);

    for (uint32_t i = 0; err == 0 && i < s->nerror_lines; i++) {
        err = sp_wire_get_tuple(r, 2);
        if (err == 0)
            err = sp_wire_get_u64(r, &s->error_lines[i]);
        if (err == 0)
            err = sp_wire_get_i32(r, &s->error_codes[i]);
    }
    return err;
}

/* Field entry i: [i, accepted, empty, rejected[nreasons]]; the first entry
 * fixes nreasons, the others must agree. */
static int get_field(struct sp_wire_reader *r, struct sp_ctl_ingest_stats *s, uint32_t i)
{
    struct sp_ctl_field_stats *f = &s->fields[i];
    uint32_t field, n = 0;
    int err = sp_wire_get_tuple(r, 4);

    if (err == 0)
        err = sp_wire_get_u32(r, &field);
    if (err == 0 && field != i)
        err = SP_ERR_PROTO_FIELD;
    if (err == 0)
        err = sp_wire_get_u64(r, &f->accepted);
    if (err == 0)
        err = sp_wire_get_u64(r, &f->empty);
    if (err == 0)
        err = get_u64s(r, SP_CTL_STATS_MAX_REASONS, f->rejected, &n);
    if (err == 0 && i > 0 && n != s->nreasons)
        err = SP_ERR_PROTO_FIELD;
    s->nreasons = n;
    return err;
}

static int get_stats(struct sp_wire_reader *r, struct sp_ctl_ingest_stats *s)
{
    uint64_t *head[5] = {&s->lines, &s->records, &s->records_usable, &s->records_without_keys,
                         &s->keys};
    uint32_t nkt = 0;
    int err = sp_wire_get_tuple(r, STATS_ELEMENTS);

    for (size_t i = 0; err == 0 && i < 5; i++)
        err = sp_wire_get_u64(r, head[i]);
    if (err == 0)
        err = get_u64s(r, SP_CTL_STATS_KEY_TYPES, s->keys_by_type, &nkt);
    if (err == 0 && nkt != SP_CTL_STATS_KEY_TYPES)
        err = SP_ERR_PROTO_FIELD;
    if (err == 0)
        err = sp_wire_get_u64(r, &s->structural_errors);
    if (err == 0)
        err = sp_wire_get_u64(r, &s->duplicate_record_ids);
    if (err == 0)
        err = get_error_lines(r, s);
    if (err == 0)
        err = sp_wire_get_array(r, SP_CTL_STATS_MAX_FIELDS, &s->nfields);
    for (uint32_t i = 0; err == 0 && i < s->nfields; i++)
        err = get_field(r, s, i);
    return err;
}

static int check_load_end(const struct sp_ctl_reply *rep)
{
    int err = check_dataset_info(&rep->load_end.summary);

    return err ? err : check_stats(&rep->load_end.stats);
}

static void put_load_end(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    put_dataset_info(w, &rep->load_end.summary);
    put_stats(w, &rep->load_end.stats);
}

static int get_load_end(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = get_dataset_info(r, &rep->load_end.summary);

    return err ? err : get_stats(r, &rep->load_end.stats);
}

/* ---- ROUNDS ---- */

#define ROUND_INFO_FIELDS 19

static int check_round_info(const void *elem)
{
    const struct sp_ctl_round_info *ri = elem;
    size_t slen = sp_wire_strnlen(ri->state, SP_CTL_STATE_MAX + 1);
    size_t plen = sp_wire_strnlen(ri->phase, SP_CTL_STATE_MAX + 1);

    if (slen > SP_CTL_STATE_MAX || !sp_proto_dataset_name_valid(ri->state, slen) ||
        plen > SP_CTL_STATE_MAX || !sp_proto_dataset_name_valid(ri->phase, plen) ||
        ri->mode < SP_PROPOSAL_MODE_COUNTS || ri->mode > SP_PROPOSAL_MODE_CASE ||
        sp_codec_check_text(ri->reason, 0, SP_PROTO_TEXT_MAX) != 0 ||
        sp_codec_check_text(ri->case_ref, 0, SP_PROTO_CASE_REF_MAX) != 0 ||
        ri->phase_done > ri->phase_total || ri->matched[0] != 0)
        return SP_ERR_PROTO_FIELD;
    if (ri->nparticipants > SP_PROTO_MAX_PARTICIPANTS)
        return SP_ERR_PROTO_OVERSIZED;
    for (uint32_t i = 0; i < ri->nparticipants; i++) {
        if (sp_codec_check_node(ri->participants[i]) != 0)
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

static void put_round_info(struct sp_wire_writer *w, const struct sp_ctl_round_info *ri)
{
    sp_wire_put_array(w, ROUND_INFO_FIELDS);
    sp_wire_put_bin(w, ri->round_id, SP_ROUND_ID_BYTES);
    sp_wire_put_cstr(w, ri->state, SP_CTL_STATE_MAX);
    sp_wire_put_uint(w, ri->mode);
    sp_wire_put_array(w, ri->nparticipants);
    for (uint32_t i = 0; i < ri->nparticipants; i++)
        sp_wire_put_cstr(w, ri->participants[i], SP_PROTO_NAME_MAX);
    sp_wire_put_uint(w, ri->started_at);
    sp_wire_put_uint(w, ri->finished_at);
    sp_wire_put_cstr(w, ri->reason, SP_PROTO_TEXT_MAX);
    sp_wire_put_uint(w, ri->records_matched);
    sp_wire_put_cstr(w, ri->case_ref, SP_PROTO_CASE_REF_MAX);
    sp_wire_put_uint(w, ri->min_holders);
    sp_wire_put_uint(w, ri->retention_days);
    sp_wire_put_bool(w, ri->initiator);
    sp_wire_put_uint(w, ri->created_at);
    sp_wire_put_cstr(w, ri->phase, SP_CTL_STATE_MAX);
    sp_wire_put_uint(w, ri->phase_done);
    sp_wire_put_uint(w, ri->phase_total);
    sp_wire_put_uint(w, ri->phase_elapsed_ms);
    sp_wire_put_uint(w, ri->phase_rate);
    sp_codec_put_entity_counts(w, ri->matched);
}

/* The fields after records_matched (the first 8 are older). */
static int get_round_progress(struct sp_wire_reader *r, struct sp_ctl_round_info *ri)
{
    int err = sp_wire_get_text(r, 0, SP_PROTO_CASE_REF_MAX, ri->case_ref);

    if (err == 0)
        err = sp_wire_get_u8(r, &ri->min_holders);
    if (err == 0)
        err = sp_wire_get_u32(r, &ri->retention_days);
    if (err == 0)
        err = sp_wire_get_bool(r, &ri->initiator);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->created_at);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_CTL_STATE_MAX, ri->phase);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->phase_done);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->phase_total);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->phase_elapsed_ms);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->phase_rate);
    if (err == 0)
        err = sp_codec_get_entity_counts(r, ri->matched);
    return err;
}

static int get_round_info(struct sp_wire_reader *r, void *elem)
{
    struct sp_ctl_round_info *ri = elem;
    int err = sp_wire_get_tuple(r, ROUND_INFO_FIELDS);

    if (err == 0)
        err = sp_wire_get_fixed(r, ri->round_id, SP_ROUND_ID_BYTES);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_CTL_STATE_MAX, ri->state);
    if (err == 0)
        err = sp_wire_get_u8(r, &ri->mode);
    if (err == 0)
        err = sp_wire_get_array(r, SP_PROTO_MAX_PARTICIPANTS, &ri->nparticipants);
    for (uint32_t i = 0; err == 0 && i < ri->nparticipants; i++)
        err = sp_codec_get_node(r, ri->participants[i]);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->started_at);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->finished_at);
    if (err == 0)
        err = sp_wire_get_text(r, 0, SP_PROTO_TEXT_MAX, ri->reason);
    if (err == 0)
        err = sp_wire_get_u64(r, &ri->records_matched);
    if (err == 0)
        err = get_round_progress(r, ri);
    return err;
}

static int check_rounds(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_list(rep->rounds.rounds, rep->rounds.nrounds, SP_CTL_MAX_ROUNDS,
                               sizeof(struct sp_ctl_round_info), check_round_info);
}

static void put_rounds(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_array(w, rep->rounds.nrounds);
    for (uint32_t i = 0; i < rep->rounds.nrounds; i++)
        put_round_info(w, &rep->rounds.rounds[i]);
}

static int get_rounds(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_codec_get_list(r, SP_CTL_MAX_ROUNDS, sizeof(struct sp_ctl_round_info),
                                get_round_info, &rep->owned_, &rep->rounds.nrounds);

    rep->rounds.rounds = rep->owned_;
    return err;
}

/* ---- RESULTS ---- */

/* A result row's partner: a node name, SP_CTL_PARTNER_ANY in threshold
 * mode, where a node learns only that enough nodes hold its record, or
 * empty in a case question's row for a subject no partner knows. */
static int check_partner(const char *partner)
{
    if (partner[0] == '\0' || strcmp(partner, SP_CTL_PARTNER_ANY) == 0)
        return 0;
    return sp_codec_check_node(partner);
}

static int get_partner(struct sp_wire_reader *r, char *dst)
{
    int err = sp_wire_get_text(r, 0, SP_PROTO_NAME_MAX, dst);

    if (err == 0 && check_partner(dst) != 0)
        err = SP_ERR_PROTO_FIELD;
    return err;
}

static int check_row(const void *elem)
{
    const struct sp_ctl_result_row *row = elem;

    if (check_dataset_name(row->dataset) != 0 ||
        sp_codec_check_text(row->record_id, 1, SP_CTL_RECORD_ID_MAX) != 0 ||
        check_partner(row->partner) != 0)
        return SP_ERR_PROTO_FIELD;
    /* "nobody knows this subject" (a case question): no partner, no key
     * types, no class; every other row names what matched */
    if (row->partner[0] == '\0')
        return row->key_types == 0 && row->klass == 0 ? 0 : SP_ERR_PROTO_FIELD;
    if (sp_codec_check_key_mask(row->key_types) != 0 || row->klass < SP_CLASS_A ||
        row->klass > SP_CLASS_C)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

static int get_row(struct sp_wire_reader *r, void *elem)
{
    struct sp_ctl_result_row *row = elem;
    int err = sp_wire_get_tuple(r, 5);

    if (err == 0)
        err = get_dataset_name(r, row->dataset);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_CTL_RECORD_ID_MAX, row->record_id);
    if (err == 0)
        err = get_partner(r, row->partner);
    if (err == 0)
        err = sp_wire_get_u32(r, &row->key_types);
    if (err == 0)
        err = sp_wire_get_u8(r, &row->klass);
    return err;
}

static int check_results(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_list(rep->results.rows, rep->results.nrows, SP_CTL_RESULTS_MAX_LIMIT,
                               sizeof(struct sp_ctl_result_row), check_row);
}

static void put_results(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_uint(w, rep->results.total);
    sp_wire_put_array(w, rep->results.nrows);
    for (uint32_t i = 0; i < rep->results.nrows; i++) {
        const struct sp_ctl_result_row *row = &rep->results.rows[i];
        sp_wire_put_array(w, 5);
        sp_wire_put_cstr(w, row->dataset, SP_PROTO_DATASET_MAX);
        sp_wire_put_cstr(w, row->record_id, SP_CTL_RECORD_ID_MAX);
        sp_wire_put_cstr(w, row->partner, SP_PROTO_NAME_MAX);
        sp_wire_put_uint(w, row->key_types);
        sp_wire_put_uint(w, row->klass);
    }
}

static int get_results(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_wire_get_u64(r, &rep->results.total);

    if (err == 0)
        err = sp_codec_get_list(r, SP_CTL_RESULTS_MAX_LIMIT, sizeof(struct sp_ctl_result_row),
                                get_row, &rep->owned_, &rep->results.nrows);
    rep->results.rows = rep->owned_;
    return err;
}

/* ---- COUNTS ---- */

static int check_counts(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_counts(rep->counts.entries, rep->counts.nentries);
}

static void put_counts(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_uint(w, rep->counts.suppressed_below);
    sp_wire_put_uint(w, rep->counts.suppressed_cells);
    sp_codec_put_counts(w, rep->counts.entries, rep->counts.nentries);
}

static int get_counts(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_wire_get_u32(r, &rep->counts.suppressed_below);

    if (err == 0)
        err = sp_wire_get_u32(r, &rep->counts.suppressed_cells);
    if (err == 0)
        err = sp_codec_get_counts(r, &rep->owned_, &rep->counts.entries, &rep->counts.nentries);
    return err;
}

/* ---- SUBJECTS ---- */

static int check_subjects(const struct sp_ctl_reply *rep)
{
    const struct sp_ctl_subjects_reply *s = &rep->subjects;

    if (!s->available && s->ncells != 0)
        return SP_ERR_PROTO_FIELD;
    return sp_codec_check_subjects(s->cells, s->ncells);
}

static void put_subjects(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_bool(w, rep->subjects.available);
    sp_wire_put_uint(w, rep->subjects.suppressed_below);
    sp_wire_put_uint(w, rep->subjects.suppressed_cells);
    sp_codec_put_subjects(w, rep->subjects.cells, rep->subjects.ncells);
}

static int get_subjects(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    struct sp_ctl_subjects_reply *s = &rep->subjects;
    int err = sp_wire_get_bool(r, &s->available);

    if (err == 0)
        err = sp_wire_get_u32(r, &s->suppressed_below);
    if (err == 0)
        err = sp_wire_get_u32(r, &s->suppressed_cells);
    if (err == 0)
        err = sp_codec_get_subjects(r, &rep->owned_, &s->cells, &s->ncells);
    if (err == 0 && !s->available && s->ncells != 0)
        err = SP_ERR_PROTO_FIELD;
    return err;
}

/* ---- AUDIT_EXPORT ---- */

static int check_blob(const void *elem)
{
    const struct sp_ctl_blob *b = elem;

    if (b->len > SP_CTL_AUDIT_ENTRY_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    return b->len >= 1 && b->data != NULL ? 0 : SP_ERR_PROTO_FIELD;
}

static int get_blob(struct sp_wire_reader *r, void *elem)
{
    struct sp_ctl_blob *b = elem;

    return sp_wire_get_bin(r, SP_CTL_AUDIT_ENTRY_MAX_BYTES, &b->data, &b->len);
}

static int check_audit(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_list(rep->audit.entries, rep->audit.nentries, SP_CTL_AUDIT_MAX_LIMIT,
                               sizeof(struct sp_ctl_blob), check_blob);
}

static void put_audit(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_array(w, rep->audit.nentries);
    for (uint32_t i = 0; i < rep->audit.nentries; i++)
        sp_wire_put_bin(w, rep->audit.entries[i].data, rep->audit.entries[i].len);
}

static int get_audit(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_codec_get_list(r, SP_CTL_AUDIT_MAX_LIMIT, sizeof(struct sp_ctl_blob), get_blob,
                                &rep->owned_, &rep->audit.nentries);

    rep->audit.entries = rep->owned_;
    return err;
}

/* ---- AUDIT_HEAD ---- */

static int check_audit_head(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_node(rep->audit_head.node);
}

/* As LOG_HEAD (peer.c). */
static void put_audit_head(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    const struct sp_ctl_audit_head *h = &rep->audit_head;

    sp_codec_put_signed_head(w, h->node, h->seq, h->head_hash, h->signature);
}

static int get_audit_head(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    struct sp_ctl_audit_head *h = &rep->audit_head;

    return sp_codec_get_signed_head(r, h->node, &h->seq, h->head_hash, h->signature);
}

/* ---- BACKUP ---- */

static int check_backup(const struct sp_ctl_reply *rep)
{
    return sp_codec_check_text(rep->backup.path, 1, SP_CTL_PATH_MAX) != 0 ? SP_ERR_PROTO_FIELD : 0;
}

static void put_backup(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    sp_wire_put_cstr(w, rep->backup.path, SP_CTL_PATH_MAX);
    sp_wire_put_uint(w, rep->backup.bytes);
}

static int get_backup(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    int err = sp_wire_get_text(r, 1, SP_CTL_PATH_MAX, rep->backup.path);

    return err ? err : sp_wire_get_u64(r, &rep->backup.bytes);
}

/* ---- CASE_STATUS, CASE_EPOCH ---- */

#define CASE_OWN_FIELDS    6
#define CASE_FILTER_FIELDS 6

static int check_state(const char *state)
{
    size_t n = sp_wire_strnlen(state, SP_CTL_STATE_MAX + 1);

    return n <= SP_CTL_STATE_MAX && sp_proto_dataset_name_valid(state, n) ? 0 : SP_ERR_PROTO_FIELD;
}

static int check_filter_info(const void *elem)
{
    const struct sp_ctl_case_filter_info *f = elem;

    return sp_codec_check_node(f->peer) == 0 && check_state(f->state) == 0 ? 0 : SP_ERR_PROTO_FIELD;
}

static int check_case_status(const struct sp_ctl_reply *rep)
{
    const struct sp_ctl_case_status_reply *c = &rep->case_status;

    if (c->own.values[0] != 0)
        return SP_ERR_PROTO_FIELD;
    return sp_codec_check_list(c->filters, c->nfilters, SP_CTL_MAX_PEERS, sizeof(*c->filters),
                               check_filter_info);
}

/* CASE_EPOCH reports the own epoch only. */
static int check_case_epoch(const struct sp_ctl_reply *rep)
{
    int err = check_case_status(rep);

    return err == 0 && rep->case_status.nfilters != 0 ? SP_ERR_PROTO_FIELD : err;
}

/* values: per key type 1..SP_KEY_TYPE_MAX ([0] is not sent), as the
 * entity counts. */
static void put_case_own(struct sp_wire_writer *w, const struct sp_ctl_case_own *o)
{
    sp_wire_put_array(w, CASE_OWN_FIELDS);
    sp_wire_put_uint(w, o->epoch);
    sp_wire_put_uint(w, o->version);
    sp_wire_put_uint(w, o->started_at);
    sp_wire_put_bool(w, o->ready);
    sp_wire_put_uint(w, o->pending);
    put_u64s(w, o->values + SP_KEY_TYPE_MIN, SP_KEY_TYPE_MAX);
}

static void put_filter_info(struct sp_wire_writer *w, const struct sp_ctl_case_filter_info *f)
{
    sp_wire_put_array(w, CASE_FILTER_FIELDS);
    sp_wire_put_cstr(w, f->peer, SP_PROTO_NAME_MAX);
    sp_wire_put_uint(w, f->epoch);
    sp_wire_put_uint(w, f->version);
    sp_wire_put_uint(w, f->values);
    sp_wire_put_uint(w, f->synced_at);
    sp_wire_put_cstr(w, f->state, SP_CTL_STATE_MAX);
}

static void put_case_status(struct sp_wire_writer *w, const struct sp_ctl_reply *rep)
{
    const struct sp_ctl_case_status_reply *c = &rep->case_status;

    put_case_own(w, &c->own);
    sp_wire_put_array(w, c->nfilters);
    for (uint32_t i = 0; i < c->nfilters; i++)
        put_filter_info(w, &c->filters[i]);
}

static int get_case_own(struct sp_wire_reader *r, struct sp_ctl_case_own *o)
{
    int err = sp_wire_get_tuple(r, CASE_OWN_FIELDS);

    if (err == 0)
        err = sp_wire_get_u32(r, &o->epoch);
    if (err == 0)
        err = sp_wire_get_u64(r, &o->version);
    if (err == 0)
        err = sp_wire_get_u64(r, &o->started_at);
    if (err == 0)
        err = sp_wire_get_bool(r, &o->ready);
    if (err == 0)
        err = sp_wire_get_u64(r, &o->pending);
    if (err == 0)
        err = sp_wire_get_tuple(r, SP_KEY_TYPE_MAX);
    for (int t = SP_KEY_TYPE_MIN; err == 0 && t <= SP_KEY_TYPE_MAX; t++)
        err = sp_wire_get_u64(r, &o->values[t]);
    return err;
}

static int get_filter_info(struct sp_wire_reader *r, void *elem)
{
    struct sp_ctl_case_filter_info *f = elem;
    int err = sp_wire_get_tuple(r, CASE_FILTER_FIELDS);

    if (err == 0)
        err = sp_codec_get_node(r, f->peer);
    if (err == 0)
        err = sp_wire_get_u32(r, &f->epoch);
    if (err == 0)
        err = sp_wire_get_u64(r, &f->version);
    if (err == 0)
        err = sp_wire_get_u64(r, &f->values);
    if (err == 0)
        err = sp_wire_get_u64(r, &f->synced_at);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_CTL_STATE_MAX, f->state);
    return err;
}

static int get_case_status(struct sp_wire_reader *r, struct sp_ctl_reply *rep)
{
    struct sp_ctl_case_status_reply *c = &rep->case_status;
    int err = get_case_own(r, &c->own);

    if (err == 0)
        err = sp_codec_get_list(r, SP_CTL_MAX_PEERS, sizeof(*c->filters), get_filter_info,
                                &rep->owned_, &c->nfilters);
    c->filters = rep->owned_;
    return err;
}

/* ---- the table ---- */

#define REPLY(op, n, c, name) [SP_CTL_##op] = {n, check_##c, put_##name, get_##name}
static const struct sp_codec_reply_desc reply_descs[SP_CTL_OP_MAX + 1] = {
    REPLY(STATUS, 13, status, status),
    REPLY(LOAD_BEGIN, 1, none, load_begin),
    REPLY(LOAD_CHUNK, 2, none, load_chunk),
    REPLY(LOAD_END, 2, load_end, load_end),
    REPLY(DATASETS, 1, datasets, datasets),
    REPLY(ROUND_START, 1, none, round_start),
    REPLY(ROUNDS, 1, rounds, rounds),
    REPLY(RESULTS, 2, results, results),
    REPLY(COUNTS, 3, counts, counts),
    REPLY(ROUND_CANCEL, 0, none, none),
    REPLY(AUDIT_EXPORT, 1, audit, audit),
    REPLY(AUDIT_HEAD, 4, audit_head, audit_head),
    REPLY(ROUND_SUBMIT, 1, none, round_start),
    REPLY(SUBJECTS, 4, subjects, subjects),
    REPLY(BACKUP, 2, backup, backup),
    REPLY(CASE_ASK, 1, none, round_start),
    REPLY(CASE_STATUS, 2, case_status, case_status),
    REPLY(CASE_EPOCH, 2, case_epoch, case_status),
};
#undef REPLY

const struct sp_codec_reply_desc *sp_codec_reply_desc(int op)
{
    if (op < SP_CTL_OP_MIN || op > SP_CTL_OP_MAX)
        return NULL;
    return &reply_descs[op];
}
