/*
 * CLI <-> daemon messages: requests (one descriptor per op) and the reply
 * framing (status, error replies). Reply bodies are in ctlreply.c.
 */
#include "proto/control.h"

#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "proto/codec.h"

/* ---- request checks ---- */

static int check_round_start(const struct sp_ctl_request *q)
{
    return sp_proposal_validate_request(&q->round_start);
}

/* Mapping file text (LOAD_BEGIN, CASE_ASK): 1..SP_CTL_MAPPING_MAX_BYTES of
 * strict UTF-8 (a file: line breaks allowed). */
static int check_mapping(const char *mapping, size_t len)
{
    if (len > SP_CTL_MAPPING_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    if (mapping == NULL || len < 1 || !sp_utf8_valid((const uint8_t *)mapping, len))
        return SP_ERR_PROTO_FIELD;
    return 0;
}

static int check_load_begin(const struct sp_ctl_request *q)
{
    const struct sp_ctl_load_begin *b = &q->load_begin;
    size_t n = sp_wire_strnlen(b->dataset, SP_PROTO_DATASET_MAX + 1);
    int err = check_mapping(b->mapping, b->mapping_len);

    if (err == SP_ERR_PROTO_OVERSIZED)
        return err;
    if (!sp_proto_dataset_name_valid(b->dataset, n))
        return SP_ERR_PROTO_FIELD;
    return err;
}

static int check_load_chunk(const struct sp_ctl_request *q)
{
    if (q->load_chunk.data_len > SP_CTL_CHUNK_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    return q->load_chunk.data_len > 0 && q->load_chunk.data == NULL ? SP_ERR_PROTO_FIELD : 0;
}

static int check_results(const struct sp_ctl_request *q)
{
    uint32_t limit = q->results.limit;

    return limit >= 1 && limit <= SP_CTL_RESULTS_MAX_LIMIT ? 0 : SP_ERR_PROTO_FIELD;
}

static int check_audit_export(const struct sp_ctl_request *q)
{
    uint32_t limit = q->audit_export.limit;

    return limit >= 1 && limit <= SP_CTL_AUDIT_MAX_LIMIT ? 0 : SP_ERR_PROTO_FIELD;
}

static int check_backup(const struct sp_ctl_request *q)
{
    return sp_codec_check_text(q->backup.path, 1, SP_CTL_PATH_MAX) != 0 ? SP_ERR_PROTO_FIELD : 0;
}

/* As PROPOSE (peer.c). */
static int check_round_submit(const struct sp_ctl_request *q)
{
    return sp_codec_check_propose(&q->round_submit);
}

/* The signed proposal as ROUND_SUBMIT, the mapping as LOAD_BEGIN and the
 * case list as one non-empty LOAD_CHUNK. */
static int check_case_ask(const struct sp_ctl_request *q)
{
    const struct sp_ctl_case_ask *a = &q->case_ask;
    int err = sp_codec_check_propose(&a->propose);

    if (err == 0)
        err = check_mapping(a->mapping, a->mapping_len);
    if (err == 0 && a->data_len > SP_CTL_CHUNK_MAX_BYTES)
        err = SP_ERR_PROTO_OVERSIZED;
    if (err == 0 && (a->data == NULL || a->data_len < 1))
        err = SP_ERR_PROTO_FIELD;
    return err;
}

static int check_none(const struct sp_ctl_request *q)
{
    (void)q;
    return 0;
}

/* ---- request writers ---- */

static void put_none(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    (void)w;
    (void)q;
}

static void put_load_begin(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_cstr(w, q->load_begin.dataset, SP_PROTO_DATASET_MAX);
    sp_wire_put_str(w, q->load_begin.mapping, q->load_begin.mapping_len);
    sp_wire_put_uint(w, q->load_begin.total_bytes);
}

static void put_load_chunk(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_uint(w, q->load_chunk.load_id);
    sp_wire_put_bin(w, q->load_chunk.data, q->load_chunk.data_len);
}

static void put_load_end(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_uint(w, q->load_end.load_id);
    sp_wire_put_bool(w, q->load_end.commit);
}

static void put_round_start(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_codec_put_proposal(w, &q->round_start, true);
}

static void put_rounds(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    if (q->rounds.all)
        sp_wire_put_nil(w);
    else
        sp_wire_put_bin(w, q->rounds.round_id, SP_ROUND_ID_BYTES);
}

static void put_results(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_bin(w, q->results.round_id, SP_ROUND_ID_BYTES);
    sp_wire_put_uint(w, q->results.offset);
    sp_wire_put_uint(w, q->results.limit);
}

static void put_counts(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_bin(w, q->counts.round_id, SP_ROUND_ID_BYTES);
}

static void put_subjects(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_bin(w, q->subjects.round_id, SP_ROUND_ID_BYTES);
}

static void put_backup(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_cstr(w, q->backup.path, SP_CTL_PATH_MAX);
    sp_wire_put_bool(w, q->backup.force);
}

static void put_round_cancel(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_bin(w, q->round_cancel.round_id, SP_ROUND_ID_BYTES);
}

static void put_audit_export(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_uint(w, q->audit_export.from_seq);
    sp_wire_put_uint(w, q->audit_export.limit);
}

static void put_round_submit(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_codec_put_propose(w, &q->round_submit);
}

static void put_case_ask(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_codec_put_propose(w, &q->case_ask.propose);
    sp_wire_put_str(w, q->case_ask.mapping, q->case_ask.mapping_len);
    sp_wire_put_bin(w, q->case_ask.data, q->case_ask.data_len);
}

static void put_case_epoch(struct sp_wire_writer *w, const struct sp_ctl_request *q)
{
    sp_wire_put_bool(w, q->case_epoch.rotate);
}

/* ---- request readers ---- */

static int get_none(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    (void)r;
    (void)q;
    return 0;
}

static int get_load_begin(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    struct sp_ctl_load_begin *b = &q->load_begin;
    int err = sp_wire_get_text(r, 1, SP_PROTO_DATASET_MAX, b->dataset);

    if (err == 0)
        err = sp_wire_get_str(r, SP_CTL_MAPPING_MAX_BYTES, &b->mapping, &b->mapping_len);
    if (err == 0)
        err = sp_wire_get_u64(r, &b->total_bytes);
    return err;
}

static int get_load_chunk(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    int err = sp_wire_get_u32(r, &q->load_chunk.load_id);

    if (err == 0)
        err = sp_wire_get_bin(r, SP_CTL_CHUNK_MAX_BYTES, &q->load_chunk.data,
                              &q->load_chunk.data_len);
    return err;
}

static int get_load_end(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    int err = sp_wire_get_u32(r, &q->load_end.load_id);

    return err ? err : sp_wire_get_bool(r, &q->load_end.commit);
}

static int get_round_start(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    return sp_codec_get_proposal(r, &q->round_start, true);
}

static int get_rounds(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    q->rounds.all = sp_wire_take_nil(r);
    if (q->rounds.all)
        return 0;
    return sp_wire_get_fixed(r, q->rounds.round_id, SP_ROUND_ID_BYTES);
}

static int get_results(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    int err = sp_wire_get_fixed(r, q->results.round_id, SP_ROUND_ID_BYTES);

    if (err == 0)
        err = sp_wire_get_u64(r, &q->results.offset);
    if (err == 0)
        err = sp_wire_get_u32(r, &q->results.limit);
    return err;
}

static int get_counts(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    return sp_wire_get_fixed(r, q->counts.round_id, SP_ROUND_ID_BYTES);
}

static int get_subjects(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    return sp_wire_get_fixed(r, q->subjects.round_id, SP_ROUND_ID_BYTES);
}

static int get_backup(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    int err = sp_wire_get_text(r, 1, SP_CTL_PATH_MAX, q->backup.path);

    return err ? err : sp_wire_get_bool(r, &q->backup.force);
}

static int get_round_cancel(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    return sp_wire_get_fixed(r, q->round_cancel.round_id, SP_ROUND_ID_BYTES);
}

static int get_audit_export(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    int err = sp_wire_get_u64(r, &q->audit_export.from_seq);

    return err ? err : sp_wire_get_u32(r, &q->audit_export.limit);
}

static int get_round_submit(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    return sp_codec_get_propose(r, &q->round_submit);
}

static int get_case_ask(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    struct sp_ctl_case_ask *a = &q->case_ask;
    int err = sp_codec_get_propose(r, &a->propose);

    if (err == 0)
        err = sp_wire_get_str(r, SP_CTL_MAPPING_MAX_BYTES, &a->mapping, &a->mapping_len);
    if (err == 0)
        err = sp_wire_get_bin(r, SP_CTL_CHUNK_MAX_BYTES, &a->data, &a->data_len);
    return err;
}

static int get_case_epoch(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    return sp_wire_get_bool(r, &q->case_epoch.rotate);
}

/* ---- the request table ---- */

struct req_desc {
    const char *name;
    uint32_t nfields; /* elements after [version, op] */
    int (*check)(const struct sp_ctl_request *q);
    void (*put)(struct sp_wire_writer *w, const struct sp_ctl_request *q);
    int (*get)(struct sp_wire_reader *r, struct sp_ctl_request *q);
};

#define REQ(op, n, c, name) [SP_CTL_##op] = {#op, n, check_##c, put_##name, get_##name}
static const struct req_desc req_descs[SP_CTL_OP_MAX + 1] = {
    REQ(STATUS, 0, none, none),
    REQ(LOAD_BEGIN, 3, load_begin, load_begin),
    REQ(LOAD_CHUNK, 2, load_chunk, load_chunk),
    REQ(LOAD_END, 2, none, load_end),
    REQ(DATASETS, 0, none, none),
    REQ(ROUND_START, SP_CODEC_ROUND_START_FIELDS, round_start, round_start),
    REQ(ROUNDS, 1, none, rounds),
    REQ(RESULTS, 3, results, results),
    REQ(COUNTS, 1, none, counts),
    REQ(ROUND_CANCEL, 1, none, round_cancel),
    REQ(AUDIT_EXPORT, 2, audit_export, audit_export),
    REQ(AUDIT_HEAD, 0, none, none),
    REQ(ROUND_SUBMIT, 3, round_submit, round_submit),
    REQ(SUBJECTS, 1, none, subjects),
    REQ(BACKUP, 2, backup, backup),
    REQ(CASE_ASK, 5, case_ask, case_ask),
    REQ(CASE_STATUS, 0, none, none),
    REQ(CASE_EPOCH, 1, none, case_epoch),
};
#undef REQ
#define REQ_MAX_ELEMENTS (2 + SP_CODEC_ROUND_START_FIELDS)
/* [version, op, status] + the largest body. */
#define REPLY_MAX_ELEMENTS (3 + SP_CODEC_REPLY_MAX_FIELDS)

static const struct req_desc *req_desc_of(int op)
{
    if (op < SP_CTL_OP_MIN || op > SP_CTL_OP_MAX)
        return NULL;
    return &req_descs[op];
}

const char *sp_ctl_op_name(int op)
{
    const struct req_desc *d = req_desc_of(op);

    return d ? d->name : NULL;
}

/* ---- requests ---- */

static void encode_request(struct sp_wire_writer *w, const void *msg)
{
    const struct sp_ctl_request *q = msg;
    const struct req_desc *d = req_desc_of(q->op);
    int err = d ? d->check(q) : SP_ERR_PROTO_UNKNOWN_MSG;

    if (err != 0) {
        sp_wire_fail(w, err);
        return;
    }
    sp_codec_put_head(w, SP_PROTO_VERSION, 2 + d->nfields, q->op);
    d->put(w, q);
}

int sp_ctl_request_encode(const struct sp_ctl_request *req, uint8_t *buf, size_t cap,
                          size_t *len_out)
{
    return sp_wire_encode(encode_request, req, buf, cap, len_out);
}

int sp_ctl_request_encode_alloc(const struct sp_ctl_request *req, uint8_t **out, size_t *len_out)
{
    return sp_wire_encode_alloc(encode_request, req, SP_CTL_MSG_MAX_BYTES, out, len_out);
}

static int decode_request(struct sp_wire_reader *r, struct sp_ctl_request *q)
{
    const struct req_desc *d;
    uint32_t n;
    int err = sp_codec_get_head(r, SP_PROTO_VERSION, REQ_MAX_ELEMENTS, &n, &q->op, SP_CTL_OP_MIN,
                                SP_CTL_OP_MAX);

    if (err != 0)
        return err;
    d = req_desc_of(q->op);
    if (d == NULL) /* cannot happen: the head checked the range */
        return SP_ERR_PROTO_UNKNOWN_MSG;
    if (n != d->nfields)
        return SP_ERR_PROTO_MALFORMED;
    err = d->get(r, q);
    if (err == 0)
        err = sp_wire_end(r);
    if (err == 0)
        err = d->check(q);
    return err;
}

int sp_ctl_request_decode(const uint8_t *buf, size_t len, struct sp_ctl_request *out)
{
    struct sp_wire_reader r;
    struct sp_ctl_request q;
    int err;

    if (len > SP_CTL_MSG_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    memset(&q, 0, sizeof(q));
    sp_wire_reader_init(&r, buf, len);
    err = decode_request(&r, &q);
    if (err == 0)
        *out = q;
    return err;
}

/* ---- replies ---- */

static int check_reply(const struct sp_ctl_reply *rep, const struct sp_codec_reply_desc **d)
{
    *d = sp_codec_reply_desc(rep->op);
    if (rep->status > 0)
        return SP_ERR_PROTO_FIELD;
    if (rep->status < 0)
        return rep->op <= SP_CTL_OP_MAX ? sp_codec_check_text(rep->message, 0, SP_PROTO_TEXT_MAX)
                                        : SP_ERR_PROTO_UNKNOWN_MSG;
    return *d ? (*d)->check(rep) : SP_ERR_PROTO_UNKNOWN_MSG;
}

static void encode_reply(struct sp_wire_writer *w, const void *msg)
{
    const struct sp_ctl_reply *rep = msg;
    const struct sp_codec_reply_desc *d;
    int err = check_reply(rep, &d);

    if (err != 0) {
        sp_wire_fail(w, err);
        return;
    }
    sp_codec_put_head(w, SP_PROTO_VERSION, 3 + (rep->status < 0 ? 1 : d->nfields), rep->op);
    sp_wire_put_int(w, rep->status);
    if (rep->status < 0)
        sp_wire_put_cstr(w, rep->message, SP_PROTO_TEXT_MAX);
    else
        d->put(w, rep);
}

int sp_ctl_reply_encode(const struct sp_ctl_reply *rep, uint8_t *buf, size_t cap, size_t *len_out)
{
    return sp_wire_encode(encode_reply, rep, buf, cap, len_out);
}

int sp_ctl_reply_encode_alloc(const struct sp_ctl_reply *rep, uint8_t **out, size_t *len_out)
{
    return sp_wire_encode_alloc(encode_reply, rep, SP_CTL_MSG_MAX_BYTES, out, len_out);
}

/* After [version, op]: status, then either message or the op's body. */
static int decode_reply_body(struct sp_wire_reader *r, uint32_t n, struct sp_ctl_reply *rep)
{
    const struct sp_codec_reply_desc *d = sp_codec_reply_desc(rep->op);
    int err;

    if (n < 1)
        return SP_ERR_PROTO_MALFORMED;
    err = sp_wire_get_i32(r, &rep->status);
    if (err == 0 && rep->status > 0)
        err = SP_ERR_PROTO_FIELD;
    if (err != 0)
        return err;
    if (rep->status < 0) {
        if (n != 2)
            return SP_ERR_PROTO_MALFORMED;
        return sp_wire_get_text(r, 0, SP_PROTO_TEXT_MAX, rep->message);
    }
    if (d == NULL)
        return SP_ERR_PROTO_UNKNOWN_MSG; /* op 0 only in error replies */
    if (n != 1 + d->nfields)
        return SP_ERR_PROTO_MALFORMED;
    err = d->get(r, rep);
    if (err == 0)
        err = sp_wire_end(r);
    if (err == 0)
        err = d->check(rep);
    return err;
}

int sp_ctl_reply_decode(const uint8_t *buf, size_t len, struct sp_ctl_reply *out)
{
    struct sp_wire_reader r;
    uint32_t n;
    int err;

    memset(out, 0, sizeof(*out));
    if (len > SP_CTL_MSG_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    sp_wire_reader_init(&r, buf, len);
    err =
        sp_codec_get_head(&r, SP_PROTO_VERSION, REPLY_MAX_ELEMENTS, &n, &out->op, 0, SP_CTL_OP_MAX);
    if (err == 0)
        err = decode_reply_body(&r, n, out);
    if (err == 0)
        err = sp_wire_end(&r);
    if (err != 0)
        sp_ctl_reply_clear(out);
    return err;
}

void sp_ctl_reply_clear(struct sp_ctl_reply *rep)
{
    if (rep == NULL)
        return;
    free(rep->owned_);
    memset(rep, 0, sizeof(*rep));
}

void sp_ctl_reply_set_error(struct sp_ctl_reply *rep, uint8_t op, int status, const char *message)
{
    memset(rep, 0, sizeof(*rep));
    rep->op = op <= SP_CTL_OP_MAX ? op : 0;
    rep->status = status < 0 ? status : SP_ERR_INTERNAL;
    sp_wire_text_sanitize(rep->message, SP_PROTO_TEXT_MAX, message);
}
