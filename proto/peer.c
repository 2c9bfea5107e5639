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
#define CASE_MAX_BYTES     ((size_t)SP_PEER_CASE_MAX_VALUES * SP_PEER_ELEMENT_BYTES)

/* The largest FILTER: [2, 18, round_id, epoch, version, base_version,
 * key_type, seq, complete, added, removed] with every integer in its widest
 * form and SP_PEER_FILTER_MAX_ENTRIES fingerprints in the two bins. */
#define FILTER_MAX_FRAME_BYTES                                                                     \
    (1 + 1 + 1 + (2 + SP_ROUND_ID_BYTES) + 5 + 9 + 9 + 1 + 5 + 1 + 2 * 5 +                         \
     (size_t)SP_PEER_FILTER_MAX_ENTRIES * 8)
_Static_assert(FILTER_MAX_FRAME_BYTES <= SP_PEER_MSG_MAX_BYTES,
               "a full FILTER must fit a peer frame");

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

/* ---- case questions ---- */

/* One group of a question (CASE_ASK, CASE_ANSWER, CASE_TELL): a key type
 * above the previous group's (prev: 0 for the first) and 1..
 * SP_PEER_CASE_MAX_VALUES values present. */
static int check_group(unsigned key_type, unsigned prev, uint32_t count, const void *values)
{
    if (count > SP_PEER_CASE_MAX_VALUES)
        return SP_ERR_PROTO_OVERSIZED;
    if (sp_codec_check_key_type(key_type) != 0 || key_type <= prev || count < 1 || values == NULL)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

/* Groups of blinded elements: min..SP_KEY_TYPE_MAX groups, strictly
 * increasing key types, at most SP_PEER_CASE_MAX_VALUES elements in all. */
static int check_case_groups(const struct sp_peer_case_group *g, uint32_t n, uint32_t min)
{
    uint64_t total = 0;

    if (n > SP_KEY_TYPE_MAX)
        return SP_ERR_PROTO_OVERSIZED;
    if (n < min)
        return SP_ERR_PROTO_FIELD;
    for (uint32_t i = 0; i < n; i++) {
        int err =
            check_group(g[i].key_type, i ? g[i - 1].key_type : 0, g[i].nelements, g[i].elements);
        if (err != 0)
            return err;
        total += g[i].nelements;
    }
    return total > SP_PEER_CASE_MAX_VALUES ? SP_ERR_PROTO_OVERSIZED : 0;
}

static int check_case_ask(const struct sp_peer_msg *m)
{
    int err = sp_codec_check_propose(&m->case_ask.propose);

    return err ? err : check_case_groups(m->case_ask.groups, m->case_ask.ngroups, 1);
}

static int check_case_answer(const struct sp_peer_msg *m)
{
    const struct sp_peer_case_answer *a = &m->case_answer;

    if (a->epoch < 1 || a->version < 1)
        return SP_ERR_PROTO_FIELD;
    return check_case_groups(a->groups, a->ngroups, 1);
}

static int check_case_tell(const struct sp_peer_msg *m)
{
    const struct sp_peer_case_tell *t = &m->case_tell;
    uint64_t total = 0;

    if (t->ngroups > SP_KEY_TYPE_MAX)
        return SP_ERR_PROTO_OVERSIZED;
    for (uint32_t i = 0; i < t->ngroups; i++) {
        int err = check_group(t->groups[i].key_type, i ? t->groups[i - 1].key_type : 0,
                              t->groups[i].nfp, t->groups[i].fp);
        if (err != 0)
            return err;
        total += t->groups[i].nfp;
    }
    return total > SP_PEER_CASE_MAX_VALUES ? SP_ERR_PROTO_OVERSIZED : 0;
}

static int check_filter_req(const struct sp_peer_msg *m)
{
    (void)m; /* any (epoch, version): version 0 asks for the whole filter */
    return 0;
}

static int check_progress(const struct sp_peer_msg *m)
{
    const struct sp_peer_progress *p = &m->progress;

    return p->phase >= SP_PEER_PHASE_MIN && p->phase <= SP_PEER_PHASE_MAX ? 0 : SP_ERR_PROTO_FIELD;
}

static int check_filter(const struct sp_peer_msg *m)
{
    const struct sp_peer_filter *f = &m->filter;
    uint64_t entries = (uint64_t)f->nadded + f->nremoved;

    if (entries > SP_PEER_FILTER_MAX_ENTRIES)
        return SP_ERR_PROTO_OVERSIZED;
    if (f->epoch < 1 || f->version < 1 || f->base_version > f->version)
        return SP_ERR_PROTO_FIELD;
    /* base == version: "your copy is current", one empty complete part */
    if (f->base_version == f->version && (entries != 0 || f->key_type != 0 || !f->complete))
        return SP_ERR_PROTO_FIELD;
    if ((f->nadded > 0 && f->added == NULL) || (f->nremoved > 0 && f->removed == NULL))
        return SP_ERR_PROTO_FIELD;
    /* key type 0 only carries `complete` in a part with nothing in it */
    if (f->key_type == 0 ? entries != 0 : sp_codec_check_key_type(f->key_type) != 0)
        return SP_ERR_PROTO_FIELD;
    /* a whole filter (base 0) removes nothing */
    return f->base_version == 0 && f->nremoved != 0 ? SP_ERR_PROTO_FIELD : 0;
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

static void put_case_groups(struct sp_wire_writer *w, const struct sp_peer_case_group *g,
                            uint32_t n)
{
    sp_wire_put_array(w, n);
    for (uint32_t i = 0; i < n; i++) {
        sp_wire_put_array(w, 2);
        sp_wire_put_uint(w, g[i].key_type);
        sp_wire_put_bin(w, g[i].elements, (size_t)g[i].nelements * SP_PEER_ELEMENT_BYTES);
    }
}

static void put_case_ask(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_codec_put_propose(w, &m->case_ask.propose);
    put_case_groups(w, m->case_ask.groups, m->case_ask.ngroups);
}

static void put_case_answer(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->case_answer.epoch);
    sp_wire_put_uint(w, m->case_answer.version);
    put_case_groups(w, m->case_answer.groups, m->case_answer.ngroups);
}

static void put_case_tell(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    const struct sp_peer_case_tell *t = &m->case_tell;

    sp_wire_put_uint(w, t->epoch);
    sp_wire_put_array(w, t->ngroups);
    for (uint32_t i = 0; i < t->ngroups; i++) {
        sp_wire_put_array(w, 2);
        sp_wire_put_uint(w, t->groups[i].key_type);
        sp_wire_put_u64s_le(w, t->groups[i].fp, t->groups[i].nfp);
    }
}

static void put_filter_req(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->filter_req.epoch);
    sp_wire_put_uint(w, m->filter_req.version);
}

static void put_progress(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    sp_wire_put_uint(w, m->progress.phase);
    sp_wire_put_uint(w, m->progress.work);
    sp_wire_put_bool(w, m->progress.busy);
}

static void put_filter(struct sp_wire_writer *w, const struct sp_peer_msg *m)
{
    const struct sp_peer_filter *f = &m->filter;

    sp_wire_put_uint(w, f->epoch);
    sp_wire_put_uint(w, f->version);
    sp_wire_put_uint(w, f->base_version);
    sp_wire_put_uint(w, f->key_type);
    sp_wire_put_uint(w, f->seq);
    sp_wire_put_bool(w, f->complete);
    sp_wire_put_u64s_le(w, f->added, f->nadded);
    sp_wire_put_u64s_le(w, f->removed, f->nremoved);
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

/* Elements: a bin of n * 32 bytes of at most max bytes. */
static int get_elements(struct sp_wire_reader *r, size_t max, const uint8_t **p, uint32_t *n)
{
    size_t len;
    int err = sp_wire_get_bin(r, max, p, &len);

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
        err = get_elements(r, ELEMENTS_MAX_BYTES, &b->elements, &b->nelements);
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
        err = get_elements(r, ELEMENTS_MAX_BYTES, &m->final.elements, &m->final.nelements);
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

static int get_case_groups(struct sp_wire_reader *r, struct sp_peer_case_group *g, uint32_t *n)
{
    int err = sp_wire_get_array(r, SP_KEY_TYPE_MAX, n);

    for (uint32_t i = 0; err == 0 && i < *n; i++) {
        err = sp_wire_get_tuple(r, 2);
        if (err == 0)
            err = sp_wire_get_u8(r, &g[i].key_type);
        if (err == 0)
            err = get_elements(r, CASE_MAX_BYTES, &g[i].elements, &g[i].nelements);
    }
    return err;
}

static int get_case_ask(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_codec_get_propose(r, &m->case_ask.propose);

    return err ? err : get_case_groups(r, m->case_ask.groups, &m->case_ask.ngroups);
}

static int get_case_answer(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_wire_get_u32(r, &m->case_answer.epoch);

    if (err == 0)
        err = sp_wire_get_u64(r, &m->case_answer.version);
    if (err == 0)
        err = get_case_groups(r, m->case_answer.groups, &m->case_answer.ngroups);
    return err;
}

/* Storage for n u64 in m->owned_ (one allocation per message; n is bounded
 * by the caller and backed by input bytes). NULL, without error, for 0. */
static int own_u64s(struct sp_peer_msg *m, uint64_t n, uint64_t **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    m->owned_ = calloc((size_t)n, sizeof(uint64_t));
    *out = m->owned_;
    return *out ? 0 : SP_ERR_NOMEM;
}

/* TELL: the bins are read first and converted once all are known, so the
 * fingerprints of every group share one allocation. */
static int get_case_tell(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_case_tell *t = &m->case_tell;
    const uint8_t *raw[SP_KEY_TYPE_MAX];
    uint64_t total = 0, *fp = NULL;
    int err = sp_wire_get_u32(r, &t->epoch);

    if (err == 0)
        err = sp_wire_get_array(r, SP_KEY_TYPE_MAX, &t->ngroups);
    for (uint32_t i = 0; err == 0 && i < t->ngroups; i++) {
        err = sp_wire_get_tuple(r, 2);
        if (err == 0)
            err = sp_wire_get_u8(r, &t->groups[i].key_type);
        if (err == 0)
            err = sp_wire_get_u64s_le(r, SP_PEER_CASE_MAX_VALUES, &raw[i], &t->groups[i].nfp);
        if (err == 0)
            total += t->groups[i].nfp;
    }
    if (err == 0 && total > SP_PEER_CASE_MAX_VALUES)
        err = SP_ERR_PROTO_OVERSIZED;
    if (err == 0)
        err = own_u64s(m, total, &fp);
    for (uint32_t i = 0; err == 0 && i < t->ngroups; i++) {
        if (t->groups[i].nfp == 0)
            continue; /* refused by the check; no offset on a NULL fp */
        sp_wire_load_u64s_le(raw[i], t->groups[i].nfp, fp);
        t->groups[i].fp = fp;
        fp += t->groups[i].nfp;
    }
    return err;
}

static int get_filter_req(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_wire_get_u32(r, &m->filter_req.epoch);

    return err ? err : sp_wire_get_u64(r, &m->filter_req.version);
}

static int get_progress(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    int err = sp_wire_get_u8(r, &m->progress.phase);

    if (err == 0)
        err = sp_wire_get_u64(r, &m->progress.work);
    return err ? err : sp_wire_get_bool(r, &m->progress.busy);
}

/* added and removed share one allocation, as TELL's groups do. */
static int get_filter_lists(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_filter *f = &m->filter;
    const uint8_t *add, *rem;
    uint64_t *fp = NULL;
    int err = sp_wire_get_u64s_le(r, SP_PEER_FILTER_MAX_ENTRIES, &add, &f->nadded);

    if (err == 0)
        err = sp_wire_get_u64s_le(r, SP_PEER_FILTER_MAX_ENTRIES, &rem, &f->nremoved);
    if (err == 0 && (uint64_t)f->nadded + f->nremoved > SP_PEER_FILTER_MAX_ENTRIES)
        err = SP_ERR_PROTO_OVERSIZED;
    if (err == 0)
        err = own_u64s(m, (uint64_t)f->nadded + f->nremoved, &fp);
    if (err == 0 && f->nadded > 0) {
        sp_wire_load_u64s_le(add, f->nadded, fp);
        f->added = fp;
    }
    if (err == 0 && f->nremoved > 0) {
        sp_wire_load_u64s_le(rem, f->nremoved, fp + f->nadded);
        f->removed = fp + f->nadded;
    }
    return err;
}

static int get_filter(struct sp_wire_reader *r, struct sp_peer_msg *m)
{
    struct sp_peer_filter *f = &m->filter;
    int err = sp_wire_get_u32(r, &f->epoch);

    if (err == 0)
        err = sp_wire_get_u64(r, &f->version);
    if (err == 0)
        err = sp_wire_get_u64(r, &f->base_version);
    if (err == 0)
        err = sp_wire_get_u8(r, &f->key_type);
    if (err == 0)
        err = sp_wire_get_u32(r, &f->seq);
    if (err == 0)
        err = sp_wire_get_bool(r, &f->complete);
    if (err == 0)
        err = get_filter_lists(r, m);
    return err;
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
    PEER(PROPOSE, propose, 3),
    PEER(ACCEPT, accept, 1),
    PEER(REFUSE, refuse, 2),
    PEER(START, none, 0),
    PEER(BATCH, batch, 6),
    PEER(CREDIT, credit, 4),
    PEER(FINAL, final, 4),
    PEER(VERDICT, verdict, 4),
    PEER(COUNTS, counts, 1),
    PEER(ABORT, abort, 2),
    PEER(DONE, done, 5),
    PEER(ERROR, error, 2),
    PEER(LOG_HEAD, log_head, 4),
    PEER(CASE_ASK, case_ask, 4),
    PEER(CASE_ANSWER, case_answer, 3),
    PEER(CASE_TELL, case_tell, 2),
    PEER(FILTER_REQ, filter_req, 2),
    PEER(FILTER, filter, 8),
    PEER(PROGRESS, progress, 3),
};
#undef PEER
/* Largest frame element count: [version, type, round_id] + FILTER's 8. */
#define PEER_MAX_ELEMENTS 11

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
    sp_codec_put_head(w, SP_PEER_VERSION, 3 + d->nfields, m->type);
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
    int err = sp_codec_get_head(r, SP_PEER_VERSION, PEER_MAX_ELEMENTS, &n, &m->type,
                                SP_PEER_TYPE_MIN, SP_PEER_TYPE_MAX);

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
