/*
 * Node <-> node messages. One descriptor per type (element count, check,
 * writer, reader); encode and decode share the checks, so a message that
 * encodes is one that every peer decodes.
 */
#include "proto/peer.h"

#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "proto/codec.h"

#define ELEMENTS_MAX_BYTES ((size_t)SP_PEER_BATCH_MAX_ELEMENTS * SP_PEER_ELEMENT_BYTES)

/* ---- checks (encode and decode) ---- */

static int check_propose(const struct sp_peer_msg *m)
{
    return sp_codec_check_propose(&m->propose);
}

static int check_accept(const struct sp_peer_msg *m)
{
    const struct sp_peer_accept *a = &m->accept;

    if (a->nset_sizes > SP_KEY_TYPE_MAX)
        return SP_ERR_PROTO_OVERSIZED;
    for (uint32_t i = 0; i < a->nset_sizes; i++) {
        if (sp_codec_check_key_type(a->set_sizes[i].key_type) != 0 ||
            (i > 0 && a->set_sizes[i].key_type <= a->set_sizes[i - 1].key_type))
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

static int check_reason(const struct sp_peer_reason *r)
{
    if (r->code >= 0)
        return SP_ERR_PROTO_FIELD;
    return sp_codec_check_text(r->reason, 0, SP_PROTO_TEXT_MAX);
}

static int check_refuse(const struct sp_peer_msg *m)
{
    return check_reason(&m->refuse);
}

static int check_elements(const uint8_t *elements, uint32_t n)
{
    return sp_codec_check_list(elements, n, SP_PEER_BATCH_MAX_ELEMENTS, SP_PEER_ELEMENT_BYTES,
                               NULL);
}

static int check_batch(const struct sp_peer_msg *m)
{
    const struct sp_peer_batch *b = &m->batch;

    if (b->origin >= SP_PROTO_MAX_PARTICIPANTS || sp_codec_check_key_type(b->key_type) != 0 ||
        b->hops < 1 || b->hops > SP_PROTO_MAX_PARTICIPANTS)
        return SP_ERR_PROTO_FIELD;
    return check_elements(b->elements, b->nelements);
}

static int check_credit(const struct sp_peer_msg *m)
{
    const struct sp_peer_credit *c = &m->credit;

    if (c->origin >= SP_PROTO_MAX_PARTICIPANTS || sp_codec_check_key_type(c->key_type) != 0)
        return SP_ERR_PROTO_FIELD;
    if (c->kind != SP_PEER_BATCH && c->kind != SP_PEER_FINAL && c->kind != SP_PEER_VERDICT)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

static int check_final(const struct sp_peer_msg *m)
{
    if (sp_codec_check_key_type(m->final.key_type) != 0)
        return SP_ERR_PROTO_FIELD;
    return check_elements(m->final.elements, m->final.nelements);
}

static int check_verdict(const struct sp_peer_msg *m)
{
    const struct sp_peer_verdict *v = &m->verdict;

    if (sp_codec_check_key_type(v->key_type) != 0)
        return SP_ERR_PROTO_FIELD;
    return sp_codec_check_list(v->holders, v->nholders, SP_PEER_BATCH_MAX_ELEMENTS,
                               sizeof(*v->holders), NULL);
}

static int check_counts(const struct sp_peer_msg *m)
{
    return sp_codec_check_counts(m->counts.entries, m->counts.nentries);
}

static int check_abort(const struct sp_peer_msg *m)
{
    return check_reason(&m->abort);
}

static int check_error(const struct sp_peer_msg *m)
{
    return check_reason(&m->error);
}

static int check_done(const struct sp_peer_msg *m)
{
    /* any counters; the subject cells must be well formed */
    return sp_codec_check_subjects(m->done.subjects, m->done.nsubjects);
}

static int check_log_head(const struct sp_peer_msg *m)
{
    return sp_codec_check_node(m->log_head.node);
}

static int check_none(const struct sp_peer_msg *m)
{
    (void)m;
    return 0;
}

/* ---- writers (called only on checked messages) ---- */

static void put_propose(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_codec_put_propose(w, &m->propose);
}

static void put_accept(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_array(w, m->accept.nset_sizes);
    for (uint32_t i = 0; i < m->accept.nset_sizes; i++) {
        sp_wire_put_array(w, 2);
        sp_wire_put_uint(w, m->accept.set_sizes[i].key_type);
        sp_wire_put_uint(w, m->accept.set_sizes[i].count);
    }
}

static void put_reason(struct sp_wire_writer *w, const struct sp_peer_reason *r)
{
    sp_wire_put_int(w, r->code);
    sp_wire_put_cstr(w, r->reason, SP_PROTO_TEXT_MAX);
}

static void put_refuse(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    put_reason(w, &m->refuse);
}

static void put_batch(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    const struct sp_peer_batch *b = &m->batch;

    sp_wire_put_uint(w, b->origin);
    sp_wire_put_uint(w, b->key_type);
    sp_wire_put_uint(w, b->seq);
    sp_wire_put_uint(w, b->hops);
    sp_wire_put_bool(w, b->last);
    sp_wire_put_bin(w, b->elements, (size_t)b->nelements * SP_PEER_ELEMENT_BYTES);
}

static void put_credit(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->credit.origin);
    sp_wire_put_uint(w, m->credit.key_type);
    sp_wire_put_uint(w, m->credit.seq);
    sp_wire_put_uint(w, m->credit.kind);
}

static void put_final(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->final.key_type);
    sp_wire_put_uint(w, m->final.seq);
    sp_wire_put_bool(w, m->final.last);
    sp_wire_put_bin(w, m->final.elements, (size_t)m->final.nelements * SP_PEER_ELEMENT_BYTES);
}

static void put_verdict(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->verdict.key_type);
    sp_wire_put_uint(w, m->verdict.seq);
    sp_wire_put_bool(w, m->verdict.last);
    sp_wire_put_array(w, m->verdict.nholders);
    for (uint32_t i = 0; i < m->verdict.nholders; i++)
        sp_wire_put_uint(w, m->verdict.holders[i]);
}

static void put_counts(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_codec_put_counts(w, m->counts.entries, m->counts.nentries);
}

static void put_abort(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    put_reason(w, &m->abort);
}

static void put_done(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->done.records_matched);
    sp_wire_put_uint(w, m->done.values_sent);
    sp_wire_put_uint(w, m->done.values_received);
    sp_codec_put_entity_counts(w, m->done.matched);
    sp_codec_put_subjects(w, m->done.subjects, m->done.nsubjects);
}

static void put_error(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    put_reason(w, &m->error);
}

static void put_log_head(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    const struct sp_peer_log_head *h = &m->log_head;

    sp_codec_put_signed_head(w, h->node, h->seq, h->head_hash, h->signature);
}

static void put_none(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    (void)w;
    (void)m;
}

/* ---- readers (types and sizes; the checks above run afterwards) ---- */

static int get_propose(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    return sp_codec_get_propose(r, &m->propose);
}

static int get_accept(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_accept *a = &m->accept;
    int err = sp_wire_get_array(r, SP_KEY_TYPE_MAX, &a->nset_sizes);

    for (uint32_t i = 0; err == 0 && i < a->nset_sizes; i++) {
        err = sp_wire_get_tuple(r, 2);
        if (err == 0)
            err = sp_wire_get_u8(r, &a->set_sizes[i].key_type);
        if (err == 0)
            err = sp_wire_get_u64(r, &a->set_sizes[i].count);
    }
    return err;
}

static int get_reason(struct sp_wire_reader *r, struct sp_peer_reason *x)
{
    int err = sp_wire_get_i32(r, &x->code);

    if (err == 0)
        err = sp_wire_get_text(r, 0, SP_PROTO_TEXT_MAX, x->reason);
    return err;
}

static int get_refuse(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    return get_reason(r, &m->refuse);
}

/* Elements: a bin of n * 32 bytes, n <= SP_PEER_BATCH_MAX_ELEMENTS. */
static int get_elements(struct sp_wire_reader *r, const uint8_t **p, uint32_t *n)
{
    size_t len;
    int err = sp_wire_get_bin(r, ELEMENTS_MAX_BYTES, p, &len);

    if (err == 0 && len % SP_PEER_ELEMENT_BYTES != 0)
        err = SP_ERR_PROTO_FIELD;
    if (err == 0)
        *n = (uint32_t)(len / SP_PEER_ELEMENT_BYTES);
    return err;
}

static int get_batch(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_batch *b = &m->batch;
    int err = sp_wire_get_u8(r, &b->origin);

    if (err == 0)
        err = sp_wire_get_u8(r, &b->key_type);
    if (err == 0)
        err = sp_wire_get_u32(r, &b->seq);
    if (err == 0)
        err = sp_wire_get_u8(r, &b->hops);
    if (err == 0)
        err = sp_wire_get_bool(r, &b->last);
    if (err == 0)
        err = get_elements(r, &b->elements, &b->nelements);
    return err;
}

static int get_credit(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_wire_get_u8(r, &m->credit.origin);

    if (err == 0)
        err = sp_wire_get_u8(r, &m->credit.key_type);
    if (err == 0)
        err = sp_wire_get_u32(r, &m->credit.seq);
    if (err == 0)
        err = sp_wire_get_u8(r, &m->credit.kind);
    return err;
}

static int get_final(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_wire_get_u8(r, &m->final.key_type);

    if (err == 0)
        err = sp_wire_get_u32(r, &m->final.seq);
    if (err == 0)
        err = sp_wire_get_bool(r, &m->final.last);
    if (err == 0)
        err = get_elements(r, &m->final.elements, &m->final.nelements);
    return err;
}

static int get_holder(struct sp_wire_reader *r, void *elem)
{
    return sp_wire_get_u32(r, elem);
}

static int get_verdict(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_verdict *v = &m->verdict;
    int err = sp_wire_get_u8(r, &v->key_type);

    if (err == 0)
        err = sp_wire_get_u32(r, &v->seq);
    if (err == 0)
        err = sp_wire_get_bool(r, &v->last);
    if (err == 0) /* m->owned_ is freed by the caller, on error too */
        err = sp_codec_get_list(r, SP_PEER_BATCH_MAX_ELEMENTS, sizeof(*v->holders), get_holder,
                                &m->owned_, &v->nholders);
    v->holders = m->owned_;
    return err;
}

static int get_counts(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    return sp_codec_get_counts(r, &m->owned_, &m->counts.entries, &m->counts.nentries);
}

static int get_abort(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    return get_reason(r, &m->abort);
}

static int get_done(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_wire_get_u64(r, &m->done.records_matched);

    if (err == 0)
        err = sp_wire_get_u64(r, &m->done.values_sent);
    if (err == 0)
        err = sp_wire_get_u64(r, &m->done.values_received);
    if (err == 0)
        err = sp_codec_get_entity_counts(r, m->done.matched);
    if (err == 0)
        err = sp_codec_get_subjects(r, &m->owned_, &m->done.subjects, &m->done.nsubjects);
    return err;
}

static int get_error(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    return get_reason(r, &m->error);
}

static int get_log_head(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_log_head *h = &m->log_head;

    return sp_codec_get_signed_head(r, h->node, &h->seq, h->head_hash, h->signature);
}

static int get_none(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    (void)r;
    (void)m;
    return 0;
}

/* ---- the table ---- */

struct peer_desc {
    const char *name;
    uint32_t nfields; /* elements after [version, type, round_id] */
    int (*check)(const struct sp_peer_msg *m);
    void (*put)(struct sp_wire_writer *w, const struct sp_peer_msg *m);
    int (*get)(struct sp_wire_reader *r, struct sp_peer_msg *m);
};

#define PEER(T, name, n) [SP_PEER_##T] = {#T, n, check_##name, put_##name, get_##name}
static const struct peer_desc peer_descs[SP_PEER_TYPE_MAX + 1] = {
    PEER(PROPOSE, propose, 3),   PEER(ACCEPT, accept, 1),   PEER(REFUSE, refuse, 2),
    PEER(START, none, 0),        PEER(BATCH, batch, 6),     PEER(CREDIT, credit, 4),
    PEER(FINAL, final, 4),       PEER(VERDICT, verdict, 4), PEER(COUNTS, counts, 1),
    PEER(ABORT, abort, 2),       PEER(DONE, done, 5),       PEER(ERROR, error, 2),
    PEER(LOG_HEAD, log_head, 4),
};
#undef PEER
/* Largest frame element count: [version, type, round_id] + BATCH's 6. */
#define PEER_MAX_ELEMENTS 9

static const struct peer_desc *desc_of(int type)
{
    if (type < SP_PEER_TYPE_MIN || type > SP_PEER_TYPE_MAX)
        return NULL;
    return &peer_descs[type];
}

const char *sp_peer_type_name(int type)
{
    const struct peer_desc *d = desc_of(type);

    return d ? d->name : NULL;
}

static void encode(struct sp_wire_writer *w, const void *msg)
{
    const struct sp_peer_msg *m = msg;
    const struct peer_desc *d = desc_of(m->type);
    int err = d ? d->check(m) : SP_ERR_PROTO_UNKNOWN_MSG;

    if (err != 0) {
        sp_wire_fail(w, err);
        return;
    }
    sp_codec_put_head(w, 3 + d->nfields, m->type);
    sp_wire_put_bin(w, m->round_id, SP_ROUND_ID_BYTES);
    d->put(w, m);
}

int sp_peer_encode(const struct sp_peer_msg *m, uint8_t *buf, size_t cap, size_t *len_out)
{
    return sp_wire_encode(encode, m, buf, cap, len_out);
}

int sp_peer_encode_alloc(const struct sp_peer_msg *m, uint8_t **out, size_t *len_out)
{
    return sp_wire_encode_alloc(encode, m, SP_PEER_MSG_MAX_BYTES, out, len_out);
}

static int decode(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    const struct peer_desc *d;
    uint32_t n;
    int err =
        sp_codec_get_head(r, PEER_MAX_ELEMENTS, &n, &m->type, SP_PEER_TYPE_MIN, SP_PEER_TYPE_MAX);

    if (err != 0)
        return err;
    d = desc_of(m->type);
    if (d == NULL) /* cannot happen: the head checked the range */
        return SP_ERR_PROTO_UNKNOWN_MSG;
    if (n != 1 + d->nfields)
        return SP_ERR_PROTO_MALFORMED;
    err = sp_wire_get_fixed(r, m->round_id, SP_ROUND_ID_BYTES);
    if (err == 0)
        err = d->get(r, m);
    if (err == 0)
        err = sp_wire_end(r);
    if (err == 0)
        err = d->check(m);
    return err;
}

int sp_peer_decode(const uint8_t *buf, size_t len, struct sp_peer_msg *out)
{
    struct sp_wire_reader r;
    int err;

    memset(out, 0, sizeof(*out));
    if (len > SP_PEER_MSG_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    sp_wire_reader_init(&r, buf, len);
    err = decode(&r, out);
    if (err != 0)
        sp_peer_msg_clear(out);
    return err;
}

void sp_peer_msg_clear(struct sp_peer_msg *m)
{
    if (m == NULL)
        return;
    free(m->owned_);
    memset(m, 0, sizeof(*m));
}

void sp_peer_reason_set(struct sp_peer_reason *r, int code, const char *reason)
{
    r->code = code < 0 ? code : SP_ERR_INTERNAL;
    sp_wire_text_sanitize(r->reason, SP_PROTO_TEXT_MAX, reason);
}
