/* Partners' filters (docs/case-questions.md, "Filter"): an asking node keeps
 * a copy of each partner's fingerprints per key type, fetched once per epoch
 * and then as deltas (FILTER_REQ out, FILTER parts in); an answering node
 * serves its own to the nodes its case_askers names. Filters travel outside
 * rounds: a FILTER_REQ's round id is a fresh request id that its FILTER
 * parts and a REFUSE carry back.
 *
 * The copy changes only when a transfer is complete: parts are staged, then
 * applied at once, so a lookup never sees half a filter. A copy that a delta
 * does not fit (the partner's and ours disagree) is dropped and fetched
 * whole. What a partner sends is bounded (entries per transfer), so a lying
 * peer cannot exhaust the asker's memory. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "round/case_filter.h"
#include "round/core.h"

/* A transfer that stalls this long is dropped and asked again. */
#define TRANSFER_TIMEOUT_MS 60000
/* After a refusal (the partner does not send us its filter) ask again only
 * this many check intervals later. */
#define REFUSED_BACKOFF 10
/* Most fingerprints one transfer may bring (all key types): 64 M entries,
 * 512 MB, ~ 6 * 10^7 values per partner. */
#define TRANSFER_MAX_ENTRIES (UINT64_C(64) << 20)
/* Deltas the server combines before it sends the whole filter instead. */
#define DELTA_MAX_VERSIONS 64
/* A question waits for a copy the partner was too busy to send: ask again
 * this soon, not after a whole check interval (60 s by default, twice a
 * question's usual deadline). */
#define BUSY_RETRY_MS 1000

struct case_peer {
    /* the copy */
    uint32_t epoch;   /* 0: none */
    uint64_t version; /* of the copy */
    struct sp_case_filter f[SP_ENG_NTYPES];
    uint64_t synced_at; /* Unix seconds */
    /* a transfer */
    bool busy, started;
    uint8_t req[SP_ROUND_ID_BYTES];
    uint64_t req_ms;
    uint32_t t_epoch;
    uint64_t t_version, t_base;
    uint32_t t_seq;
    uint64_t t_entries;
    struct sp_case_filter add[SP_ENG_NTYPES]; /* whole filter, or a delta's added */
    struct sp_case_filter rem[SP_ENG_NTYPES]; /* a delta's removed */
    /* when to ask next, and for what */
    uint64_t next_check_ms;
    uint32_t want_epoch;
    uint64_t want_version;
    bool refused;
    char why[SP_PROTO_TEXT_MAX + 1];
};

struct sp_eng_case_peers {
    struct case_peer *p;
    size_t n;
    struct sp_ctl_case_filter_info *status;
};

static uint64_t check_ms(const struct sp_engine *e)
{
    return (uint64_t)(e->cfg->case_filter_check_s ? e->cfg->case_filter_check_s : 60) * 1000u;
}

/* Peers are only ever added at the end (engine.h): grow to the config. */
static struct case_peer *peer_get(struct sp_engine *e, size_t peer)
{
    struct sp_eng_case_peers *cp = e->case_peers;
    if (!cp || peer >= e->cfg->npeers)
        return NULL;
    if (peer >= cp->n) {
        size_t n = e->cfg->npeers;
        struct case_peer *p = realloc(cp->p, n * sizeof(*p));
        if (!p)
            return NULL;
        memset(p + cp->n, 0, (n - cp->n) * sizeof(*p));
        cp->p = p;
        cp->n = n;
    }
    return &cp->p[peer];
}

static void staged_clear(struct case_peer *p)
{
    for (int t = 0; t < SP_ENG_NTYPES; t++) {
        sp_case_filter_clear(&p->add[t]);
        sp_case_filter_clear(&p->rem[t]);
    }
    p->busy = p->started = false;
    p->t_seq = 0;
    p->t_entries = 0;
}

static void copy_clear(struct case_peer *p)
{
    for (int t = 0; t < SP_ENG_NTYPES; t++)
        sp_case_filter_clear(&p->f[t]);
    p->epoch = 0;
    p->version = 0;
}

int sp_eng_case_filters_new(struct sp_engine *e)
{
    e->case_peers = calloc(1, sizeof(*e->case_peers));
    return e->case_peers ? 0 : SP_ERR_NOMEM;
}

void sp_eng_case_filters_free(struct sp_engine *e)
{
    struct sp_eng_case_peers *cp = e->case_peers;
    if (!cp)
        return;
    for (size_t i = 0; i < cp->n; i++) {
        staged_clear(&cp->p[i]);
        copy_clear(&cp->p[i]);
    }
    free(cp->p);
    free(cp->status);
    free(cp);
    e->case_peers = NULL;
}

/* ---- the asking node's side ------------------------------------------- */

static void send_request(struct sp_engine *e, size_t peer, struct case_peer *p)
{
    struct sp_peer_msg m = {.type = SP_PEER_FILTER_REQ};
    randombytes_buf(p->req, sizeof(p->req));
    memcpy(m.round_id, p->req, sizeof(m.round_id));
    m.filter_req.epoch = p->epoch;
    m.filter_req.version = p->epoch ? p->version : 0;
    p->busy = true;
    p->started = false;
    p->req_ms = e->now.mono_ms;
    sp_eng_send_peer(e, peer, NULL, &m);
}

static bool link_up(const struct sp_engine *e, size_t peer)
{
    uint64_t since = 0;
    return !e->ports.link_up || e->ports.link_up(e->ports.ctx, peer, &since);
}

void sp_eng_case_filters_tick(struct sp_engine *e)
{
    if (!e->cfg->case_ask || !e->case_peers)
        return;
    uint64_t now = e->now.mono_ms;
    for (size_t i = 0; i < e->cfg->npeers; i++) {
        struct case_peer *p = peer_get(e, i);
        if (!p)
            return;
        if (p->busy && now - p->req_ms >= TRANSFER_TIMEOUT_MS) {
            sp_eng_warn(e, "case filter of %s: no complete answer in %u s; asking again",
                        e->cfg->peers[i], TRANSFER_TIMEOUT_MS / 1000u);
            staged_clear(p);
            p->next_check_ms = now;
        }
        if (!p->busy && now >= p->next_check_ms && link_up(e, i))
            send_request(e, i, p);
    }
}

long sp_eng_case_filters_next_tick_ms(const struct sp_engine *e)
{
    const struct sp_eng_case_peers *cp = e->case_peers;
    if (!e->cfg->case_ask || !cp)
        return -1;
    if (cp->n < e->cfg->npeers)
        return 0;
    long best = -1;
    uint64_t now = e->now.mono_ms;
    for (size_t i = 0; i < cp->n; i++) {
        const struct case_peer *p = &cp->p[i];
        uint64_t at = p->busy ? p->req_ms + TRANSFER_TIMEOUT_MS : p->next_check_ms;
        long t = at > now ? (long)(at - now) : 0;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

void sp_eng_case_filters_want(struct sp_engine *e, size_t peer, uint32_t epoch, uint64_t version)
{
    struct case_peer *p = peer_get(e, peer);
    if (!p)
        return;
    if (epoch > p->want_epoch || (epoch == p->want_epoch && version > p->want_version)) {
        p->want_epoch = epoch;
        p->want_version = version;
    }
    if (!sp_eng_case_filters_current(e, peer, epoch, version)) {
        p->next_check_ms = 0; /* at once, or as soon as the running transfer ends */
        p->refused = false;
        if (!p->busy)
            send_request(e, peer, p);
    }
}

bool sp_eng_case_filters_current(const struct sp_engine *e, size_t peer, uint32_t epoch,
                                 uint64_t version)
{
    const struct sp_eng_case_peers *cp = e->case_peers;
    if (!cp || peer >= cp->n)
        return false;
    const struct case_peer *p = &cp->p[peer];
    return p->epoch != 0 && p->epoch == epoch && p->version >= version;
}

bool sp_eng_case_filters_contains(const struct sp_engine *e, size_t peer, int key_type, uint64_t fp)
{
    const struct sp_eng_case_peers *cp = e->case_peers;
    if (!cp || peer >= cp->n || key_type < SP_KEY_TYPE_MIN || key_type > SP_KEY_TYPE_MAX)
        return false;
    return sp_case_filter_contains(&cp->p[peer].f[key_type], fp);
}

bool sp_eng_case_filters_owns(const struct sp_engine *e, size_t peer, const uint8_t *id)
{
    const struct sp_eng_case_peers *cp = e->case_peers;
    if (!cp || peer >= cp->n)
        return false;
    const struct case_peer *p = &cp->p[peer];
    return p->busy && memcmp(p->req, id, sizeof(p->req)) == 0;
}

/* The first part fixes what the transfer is: the whole filter, a delta
 * from the copy's version, or "your copy is current". */
static int transfer_begin(struct case_peer *p, const struct sp_peer_filter *f)
{
    bool current = f->base_version == f->version;
    bool delta = f->base_version != 0 && !current;
    if ((current || delta) && (f->epoch != p->epoch || f->base_version != p->version))
        return SP_ERR_PROTO_FIELD; /* not what our copy is */
    if (current && (f->key_type != 0 || !f->complete))
        return SP_ERR_PROTO_FIELD;
    p->started = true;
    p->t_epoch = f->epoch;
    p->t_version = f->version;
    p->t_base = f->base_version;
    p->t_seq = 0;
    return 0;
}

static int stage(struct case_peer *p, const struct sp_peer_filter *f)
{
    int rc;
    if (f->epoch != p->t_epoch || f->version != p->t_version || f->base_version != p->t_base ||
        f->seq != p->t_seq)
        return SP_ERR_PROTO_FIELD;
    if (p->t_base == 0 && f->nremoved)
        return SP_ERR_PROTO_FIELD; /* a whole filter removes nothing */
    p->t_entries += (uint64_t)f->nadded + f->nremoved;
    if (p->t_entries > TRANSFER_MAX_ENTRIES)
        return SP_ERR_OVERFLOW;
    if (f->key_type) {
        if ((rc = sp_case_filter_append(&p->add[f->key_type], f->added, f->nadded)) != 0 ||
            (rc = sp_case_filter_append(&p->rem[f->key_type], f->removed, f->nremoved)) != 0)
            return rc;
    }
    p->t_seq++;
    return 0;
}

/* A complete transfer becomes the copy. Returns 0, or SP_ERR_NOT_FOUND when
 * a delta does not fit the copy (it is then dropped). */
static int transfer_apply(struct case_peer *p)
{
    int rc = 0;
    if (p->t_base == 0) {
        copy_clear(p);
        for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
            sp_case_filter_seal(&p->add[t]);
            p->f[t] = p->add[t];
            memset(&p->add[t], 0, sizeof(p->add[t]));
        }
    } else if (p->t_base != p->t_version) {
        for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX && rc == 0; t++)
            rc = sp_case_filter_apply(&p->f[t], p->add[t].fp, p->add[t].n, p->rem[t].fp,
                                      p->rem[t].n);
        if (rc) {
            copy_clear(p);
            return rc;
        }
    }
    p->epoch = p->t_epoch;
    p->version = p->t_version;
    return 0;
}

static uint64_t copy_size(const struct case_peer *p)
{
    uint64_t n = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        n += p->f[t].n;
    return n;
}

static int on_filter(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m)
{
    struct case_peer *p = peer_get(e, peer);
    const struct sp_peer_filter *f = &m->filter;
    int rc;
    if (!p || !sp_eng_case_filters_owns(e, peer, m->round_id))
        return SP_ERR_STATE; /* not a transfer we asked for */
    if ((!p->started && (rc = transfer_begin(p, f)) != 0) || (rc = stage(p, f)) != 0) {
        staged_clear(p);
        p->next_check_ms = e->now.mono_ms + check_ms(e);
        return rc;
    }
    if (!f->complete)
        return 0;
    uint64_t base = p->t_base;
    rc = transfer_apply(p);
    staged_clear(p);
    p->refused = false;
    p->why[0] = '\0';
    if (rc) {
        sp_eng_warn(e,
                    "case filter of %s: a delta did not fit this node's copy; fetching it "
                    "whole",
                    e->cfg->peers[peer]);
        p->next_check_ms = 0;
        return 0;
    }
    p->synced_at = sp_eng_unix_s(e);
    if (base != p->version)
        sp_eng_info(e,
                    "case filter of %s: epoch %" PRIu32 " version %" PRIu64 " (%s), %" PRIu64
                    " fingerprints",
                    e->cfg->peers[peer], p->epoch, p->version, base ? "a delta" : "whole",
                    copy_size(p));
    bool behind =
        p->want_epoch > p->epoch || (p->want_epoch == p->epoch && p->want_version > p->version);
    p->next_check_ms = behind ? 0 : e->now.mono_ms + check_ms(e);
    return 0;
}

static int on_refuse(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m)
{
    struct case_peer *p = peer_get(e, peer);
    if (!p || !sp_eng_case_filters_owns(e, peer, m->round_id))
        return SP_ERR_STATE;
    const struct sp_peer_reason *why = m->type == SP_PEER_REFUSE ? &m->refuse : &m->error;
    staged_clear(p);
    bool busy_only = why->code == SP_ERR_BUSY; /* its set-up runs: ask again soon */
    if (!p->refused || strcmp(p->why, why->reason) != 0)
        sp_eng_info(e, "case filter of %s: refused: %s", e->cfg->peers[peer], why->reason);
    p->refused = !busy_only;
    snprintf(p->why, sizeof(p->why), "%s", why->reason);
    bool wanted =
        p->want_epoch > p->epoch || (p->want_epoch == p->epoch && p->want_version > p->version);
    uint64_t wait = check_ms(e) * (busy_only ? 1 : REFUSED_BACKOFF);
    if (busy_only && wanted && wait > BUSY_RETRY_MS)
        wait = BUSY_RETRY_MS;
    p->next_check_ms = e->now.mono_ms + wait;
    return 0;
}

/* ---- the answering node's side ---------------------------------------- */

bool sp_eng_case_may_ask(const struct sp_engine *e, size_t peer)
{
    for (size_t i = 0; i < e->cfg->ncase_askers; i++)
        if (strcmp(e->cfg->case_askers[i], e->cfg->peers[peer]) == 0)
            return true;
    return false;
}

/* Sends one key type's entries in parts; *seq counts parts across the
 * transfer; complete goes on the last part of the last type (last). */
static int send_parts(struct sp_engine *e, size_t peer, const uint8_t *id,
                      struct sp_peer_filter *hdr, const uint64_t *add, size_t nadd,
                      const uint64_t *rem, size_t nrem, bool last)
{
    size_t ai = 0, ri = 0;
    do {
        struct sp_peer_msg m = {.type = SP_PEER_FILTER};
        memcpy(m.round_id, id, sizeof(m.round_id));
        m.filter = *hdr;
        size_t room = SP_PEER_FILTER_MAX_ENTRIES;
        size_t na = nadd - ai < room ? nadd - ai : room;
        room -= na;
        size_t nr = nrem - ri < room ? nrem - ri : room;
        m.filter.added = na ? add + ai : NULL;
        m.filter.nadded = (uint32_t)na;
        m.filter.removed = nr ? rem + ri : NULL;
        m.filter.nremoved = (uint32_t)nr;
        ai += na;
        ri += nr;
        m.filter.complete = last && ai == nadd && ri == nrem;
        uint8_t *buf = NULL;
        size_t len = 0;
        int rc = sp_peer_encode_alloc(&m, &buf, &len);
        if (rc == 0)
            rc = e->ports.send(e->ports.ctx, peer, NULL, buf, len);
        free(buf);
        if (rc)
            return rc;
        hdr->seq++;
    } while (ai < nadd || ri < nrem);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Cancels what was added and later removed (or the other way round): the
 * net change of several versions. Multisets: one removal cancels one
 * addition. Both arrays are sorted and compacted in place. */
static void net_change(uint64_t *add, size_t *nadd, uint64_t *rem, size_t *nrem)
{
    if (*nadd)
        qsort(add, *nadd, sizeof(*add), cmp_u64);
    if (*nrem)
        qsort(rem, *nrem, sizeof(*rem), cmp_u64);
    size_t i = 0, j = 0, na = 0, nr = 0;
    while (i < *nadd || j < *nrem) {
        if (j == *nrem || (i < *nadd && add[i] < rem[j]))
            add[na++] = add[i++];
        else if (i == *nadd || rem[j] < add[i])
            rem[nr++] = rem[j++];
        else {
            i++;
            j++;
        }
    }
    *nadd = na;
    *nrem = nr;
}

static int append_u64(uint64_t **a, size_t *n, size_t *cap, const uint64_t *src, size_t k)
{
    if (!k)
        return 0;
    if (*n + k > *cap) {
        size_t ncap = *cap ? *cap : 1024;
        while (ncap < *n + k)
            ncap *= 2;
        uint64_t *p = realloc(*a, ncap * sizeof(*p));
        if (!p)
            return SP_ERR_NOMEM;
        *a = p;
        *cap = ncap;
    }
    memcpy(*a + *n, src, k * sizeof(*src));
    *n += k;
    return 0;
}

/* One key type's net change from `from` to `to`; SP_ERR_NOT_FOUND when a
 * delta is no longer kept. */
static int read_delta(struct sp_engine *e, int t, uint64_t from, uint64_t to, uint64_t **add,
                      size_t *nadd, uint64_t **rem, size_t *nrem)
{
    const struct sp_engine_case_store *cs = &e->ports.store.cases;
    size_t acap = 0, rcap = 0;
    int rc = 0;
    *add = *rem = NULL;
    *nadd = *nrem = 0;
    for (uint64_t v = from + 1; v <= to && rc == 0; v++) {
        uint64_t *a = NULL, *r = NULL;
        size_t na = 0, nr = 0;
        rc = cs->delta_read(e->ports.store.ctx, v, (uint8_t)t, &a, &na, &r, &nr);
        if (rc == 0 && (rc = append_u64(add, nadd, &acap, a, na)) == 0)
            rc = append_u64(rem, nrem, &rcap, r, nr);
        free(a);
        free(r);
    }
    if (rc == 0)
        net_change(*add, nadd, *rem, nrem);
    return rc;
}

/* The last key type of the mask (where complete goes). */
static int last_type(uint32_t mask)
{
    int last = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (mask & SP_KEY_MASK(t))
            last = t;
    return last;
}

/* One key type's entries of a transfer (malloc'd arrays the caller frees):
 * a delta's net change from `from` to `to`, or the whole filter. */
typedef int (*entries_fn)(struct sp_engine *e, int t, uint64_t from, uint64_t to, uint64_t **add,
                          size_t *nadd, uint64_t **rem, size_t *nrem);

static int whole_entries(struct sp_engine *e, int t, uint64_t from, uint64_t to, uint64_t **add,
                         size_t *nadd, uint64_t **rem, size_t *nrem)
{
    (void)from;
    (void)to;
    *rem = NULL;
    *nrem = 0;
    return e->ports.store.cases.fps_read(e->ports.store.ctx, (uint8_t)t, add, nadd);
}

/* A transfer: per key type of this node's mask its entries in parts; the
 * last part of the last type (or an empty one) says complete. */
static int serve(struct sp_engine *e, size_t peer, const uint8_t *id, struct sp_peer_filter hdr,
                 entries_fn entries)
{
    uint32_t mask = e->cfg->case_key_mask;
    int rc = 0;
    bool sent_last = false;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX && rc == 0; t++) {
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        uint64_t *a = NULL, *r = NULL;
        size_t na = 0, nr = 0;
        bool last = t == last_type(mask);
        rc = entries(e, t, hdr.base_version, hdr.version, &a, &na, &r, &nr);
        if (rc == 0 && (na || nr || last)) {
            hdr.key_type = (uint8_t)t;
            rc = send_parts(e, peer, id, &hdr, a, na, r, nr, last);
            sent_last = last;
        }
        free(a);
        free(r);
    }
    if (rc == 0 && !sent_last) {
        hdr.key_type = 0;
        rc = send_parts(e, peer, id, &hdr, NULL, 0, NULL, 0, true);
    }
    return rc;
}

static int serve_delta(struct sp_engine *e, size_t peer, const uint8_t *id, uint32_t epoch,
                       uint64_t from, uint64_t to)
{
    struct sp_peer_filter hdr = {.epoch = epoch, .version = to, .base_version = from};
    return serve(e, peer, id, hdr, read_delta);
}

static int serve_whole(struct sp_engine *e, size_t peer, const uint8_t *id, uint32_t epoch,
                       uint64_t version)
{
    struct sp_peer_filter hdr = {.epoch = epoch, .version = version};
    return serve(e, peer, id, hdr, whole_entries);
}

/* The whole filter is read from the outputs as they are, and a running
 * sync writes the next version's changes into them before it commits
 * that version (case_epoch.c, "Crash safety"): sent then, it would be
 * labelled with the committed version but hold part of the next one, and
 * the asker's lookups under that label would miss values of both (simulator
 * seed 16004). So it is sent only while no sync is running or wanted;
 * otherwise the request is refused as busy, and the asker asks again. */
static int serve_whole_now(struct sp_engine *e, size_t peer, const uint8_t *id, uint32_t epoch,
                           uint64_t version)
{
    struct sp_ctl_case_own st;
    sp_eng_case_own_status(e, &st);
    if (!st.ready) {
        sp_eng_send_refuse(e, peer, id, SP_ERR_BUSY,
                           "this node's case outputs are being updated; ask again shortly");
        return 0;
    }
    return serve_whole(e, peer, id, epoch, version);
}

static int on_request(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m)
{
    const struct sp_peer_filter_req *q = &m->filter_req;
    uint32_t epoch = 0;
    uint64_t version = 0;
    int rc;
    if (!e->cfg->case_key_mask) {
        sp_eng_send_refuse(e, peer, m->round_id, SP_ERR_POLICY,
                           "this node answers no case questions");
        return 0;
    }
    if (!sp_eng_case_may_ask(e, peer)) {
        char why[200];
        snprintf(why, sizeof(why), "node %s is not among this node's case_askers",
                 e->cfg->peers[peer]);
        sp_eng_send_refuse(e, peer, m->round_id, SP_ERR_POLICY, why);
        return 0;
    }
    if (!sp_eng_case_own_ready(e, &epoch, &version)) {
        sp_eng_send_refuse(e, peer, m->round_id, SP_ERR_BUSY,
                           "this node's case outputs are being computed; ask again later");
        return 0;
    }
    if (q->epoch == epoch && q->version == version) {
        struct sp_peer_filter hdr = {
            .epoch = epoch, .version = version, .base_version = version, .key_type = 0};
        rc = send_parts(e, peer, m->round_id, &hdr, NULL, 0, NULL, 0, true);
    } else if (q->epoch == epoch && q->version && q->version < version &&
               version - q->version <= DELTA_MAX_VERSIONS) {
        rc = serve_delta(e, peer, m->round_id, epoch, q->version, version);
        if (rc == SP_ERR_NOT_FOUND) /* pruned: the whole filter instead */
            rc = serve_whole_now(e, peer, m->round_id, epoch, version);
    } else {
        rc = serve_whole_now(e, peer, m->round_id, epoch, version);
    }
    if (rc)
        sp_eng_warn(e, "case filter for %s: cannot send it: %s", e->cfg->peers[peer],
                    sp_strerror(rc));
    return 0;
}

int sp_eng_case_filters_on_msg(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m)
{
    if (peer >= e->cfg->npeers)
        return SP_ERR_PEER_REFUSED;
    switch (m->type) {
    case SP_PEER_FILTER_REQ:
        return on_request(e, peer, m);
    case SP_PEER_FILTER:
        return on_filter(e, peer, m);
    case SP_PEER_REFUSE:
    case SP_PEER_ERROR:
        return on_refuse(e, peer, m);
    default:
        return SP_ERR_UNSUPPORTED;
    }
}

void sp_eng_case_filters_status(struct sp_engine *e, const struct sp_ctl_case_filter_info **out,
                                uint32_t *n)
{
    struct sp_eng_case_peers *cp = e->case_peers;
    *out = NULL;
    *n = 0;
    if (!cp || !e->cfg->case_ask)
        return;
    size_t np = e->cfg->npeers < SP_CTL_MAX_PEERS ? e->cfg->npeers : SP_CTL_MAX_PEERS;
    free(cp->status);
    cp->status = calloc(np ? np : 1, sizeof(*cp->status));
    if (!cp->status)
        return;
    for (size_t i = 0; i < np; i++) {
        const struct case_peer *p = peer_get(e, i);
        struct sp_ctl_case_filter_info *s = &cp->status[i];
        snprintf(s->peer, sizeof(s->peer), "%s", e->cfg->peers[i]);
        if (!p)
            continue;
        s->epoch = p->epoch;
        s->version = p->version;
        s->values = copy_size(p);
        s->synced_at = p->synced_at;
        snprintf(s->state, sizeof(s->state), "%s",
                 p->busy      ? "syncing"
                 : p->refused ? "refused"
                 : p->epoch   ? "current"
                              : "none");
    }
    *out = cp->status;
    *n = (uint32_t)np;
}
