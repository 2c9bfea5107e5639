/* The round meta blob; see round_meta.h. */
#include "round/round_meta.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "round/round.h"

/* SPR3 adds the records matched per entity after the set sizes. SPR2
 * holds SP_KEY_TYPE_COUNT set sizes (17 since name_addr, type 16); SPR1
 * blobs hold 16. Both are still read (missing parts are 0): retention must
 * still find, and purge, the rounds they describe. */
#define MAGIC     "SPR3"
#define MAGIC_V2  "SPR2"
#define MAGIC_V1  "SPR1"
#define NSIZES_V1 16
#define NCOUNTERS 8
#define NSIZES    SP_KEY_TYPE_COUNT

_Static_assert(4 + 3 + NCOUNTERS * 8 + NSIZES * 8 + SP_ENTITY_MAX * 8 + SP_ROUND_ID_BYTES + 2 + 4 <=
                   320,
               "SP_ROUND_META_MAX_BYTES reserves 320 bytes for the fixed part");

struct wbuf {
    uint8_t *p;
    size_t cap, len;
    bool over;
};

static void put(struct wbuf *w, const void *d, size_t n)
{
    if (w->over || w->cap - w->len < n) {
        w->over = true;
        return;
    }
    memcpy(w->p + w->len, d, n);
    w->len += n;
}

static void put_be(struct wbuf *w, uint64_t v, size_t bytes)
{
    uint8_t b[8];
    for (size_t i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    put(w, b, bytes);
}

int sp_round_meta_encode(const struct sp_round_meta *m, uint8_t *buf, size_t cap, size_t *len_out)
{
    size_t rlen = strnlen(m->reason, sizeof(m->reason));
    if (m->state < SP_ROUND_STATE_MIN || m->state > SP_ROUND_STATE_MAX ||
        rlen > SP_PROTO_TEXT_MAX || m->proposal_len > SP_PROPOSAL_MAX_BYTES)
        return SP_ERR_INVALID_ARG;
    struct wbuf w = {.p = buf, .cap = cap};
    const uint64_t counters[NCOUNTERS] = {
        m->created_at,  m->started_at,      m->finished_at, m->records_matched,
        m->values_sent, m->values_received, m->rows,        m->created_ms};
    put(&w, MAGIC, 4);
    put_be(&w, m->state, 1);
    put_be(&w, m->self_index, 1);
    put_be(&w, m->initiator, 1);
    for (size_t i = 0; i < NCOUNTERS; i++)
        put_be(&w, counters[i], 8);
    for (size_t i = 0; i < NSIZES; i++)
        put_be(&w, m->set_sizes[i], 8);
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        put_be(&w, m->matched[e], 8);
    put(&w, m->round_id, sizeof(m->round_id));
    put_be(&w, rlen, 2);
    put(&w, m->reason, rlen);
    put_be(&w, m->proposal_len, 4);
    put(&w, m->proposal, m->proposal_len);
    if (w.over)
        return SP_ERR_OVERFLOW;
    *len_out = w.len;
    return 0;
}

struct rbuf {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};

static const uint8_t *take(struct rbuf *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *d = r->p + r->pos;
    r->pos += n;
    return d;
}

static uint64_t get_be(struct rbuf *r, size_t bytes)
{
    const uint8_t *d = take(r, bytes);
    uint64_t v = 0;
    for (size_t i = 0; d && i < bytes; i++)
        v = v << 8 | d[i];
    return v;
}

/* The blob's parts, read and checked before anything is written to *out. */
struct parts {
    uint8_t state, self_index, initiator;
    uint64_t counters[NCOUNTERS], set_sizes[NSIZES], matched[SP_ENTITY_COUNT];
    const uint8_t *round_id, *reason, *proposal;
    size_t reason_len;
    uint32_t proposal_len;
};

static int parse(const uint8_t *buf, size_t len, struct parts *x)
{
    struct rbuf r = {.p = buf, .len = len};
    const uint8_t *magic = take(&r, 4);
    size_t nsizes = NSIZES;
    bool has_matched = true;
    if (magic && memcmp(magic, MAGIC_V1, 4) == 0) {
        nsizes = NSIZES_V1;
        has_matched = false;
    } else if (magic && memcmp(magic, MAGIC_V2, 4) == 0) {
        has_matched = false;
    } else if (!magic || memcmp(magic, MAGIC, 4) != 0) {
        return SP_ERR_STORE;
    }
    x->state = (uint8_t)get_be(&r, 1);
    x->self_index = (uint8_t)get_be(&r, 1);
    x->initiator = (uint8_t)get_be(&r, 1);
    for (size_t i = 0; i < NCOUNTERS; i++)
        x->counters[i] = get_be(&r, 8);
    for (size_t i = 0; i < NSIZES; i++)
        x->set_sizes[i] = i < nsizes ? get_be(&r, 8) : 0;
    x->matched[0] = 0;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        x->matched[e] = has_matched ? get_be(&r, 8) : 0;
    x->round_id = take(&r, SP_ROUND_ID_BYTES);
    x->reason_len = (size_t)get_be(&r, 2);
    if (r.bad || x->reason_len > SP_PROTO_TEXT_MAX)
        return SP_ERR_STORE;
    x->reason = take(&r, x->reason_len);
    x->proposal_len = (uint32_t)get_be(&r, 4);
    if (r.bad || x->proposal_len > SP_PROPOSAL_MAX_BYTES)
        return SP_ERR_STORE;
    x->proposal = take(&r, x->proposal_len);
    if (r.bad || r.pos != r.len || x->state < SP_ROUND_STATE_MIN || x->state > SP_ROUND_STATE_MAX ||
        (x->reason_len && memchr(x->reason, '\0', x->reason_len)))
        return SP_ERR_STORE;
    return 0;
}

/* Decodes without a heap copy of the 17 KB struct: the header promises
 * only SP_ERR_STORE, and a failed calloc here returned SP_ERR_NOMEM (found
 * by tests/alloc). The large parts are read in place from buf, checked,
 * and only then copied to *out. */
int sp_round_meta_decode(const uint8_t *buf, size_t len, struct sp_round_meta *out)
{
    struct parts x;
    int rc = parse(buf, len, &x);
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof(*out));
    out->state = x.state;
    out->self_index = x.self_index;
    out->initiator = x.initiator;
    uint64_t *counters[NCOUNTERS] = {
        &out->created_at,  &out->started_at,      &out->finished_at, &out->records_matched,
        &out->values_sent, &out->values_received, &out->rows,        &out->created_ms};
    for (size_t i = 0; i < NCOUNTERS; i++)
        *counters[i] = x.counters[i];
    memcpy(out->set_sizes, x.set_sizes, sizeof(out->set_sizes));
    memcpy(out->matched, x.matched, sizeof(out->matched));
    memcpy(out->round_id, x.round_id, sizeof(out->round_id));
    if (x.reason_len)
        memcpy(out->reason, x.reason, x.reason_len);
    out->proposal_len = x.proposal_len;
    if (x.proposal_len)
        memcpy(out->proposal, x.proposal, x.proposal_len);
    return 0;
}
