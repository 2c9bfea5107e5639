/* The ring: own values hashed and blinded into batches, peers' batches
 * blinded and forwarded, fully blinded values coming home; the BATCH credit
 * windows. See ROUNDS.md, "Blinding". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/group.h"
#include "round/core.h"
#include "round/credit.h"

void sp_eng_walk_update(crypto_generichash_state *st, const struct sp_eng_value *v)
{
    uint8_t head[3] = {v->type, (uint8_t)(v->len >> 8), (uint8_t)v->len};
    crypto_generichash_update(st, head, sizeof(head));
    crypto_generichash_update(st, v->val, v->len);
}

bool sp_eng_distinct_next(struct sp_eng_distinct *d, const struct sp_keyref *ref)
{
    if (d->have && d->prev.type == ref->type && d->prev.len == ref->value_len &&
        memcmp(d->prev.val, ref->value, ref->value_len) == 0)
        return false;
    d->have = true;
    d->prev.type = ref->type;
    d->prev.klass = ref->klass;
    d->prev.len = ref->value_len;
    memcpy(d->prev.val, ref->value, ref->value_len);
    return true;
}

static void distinct_wipe(struct sp_eng_distinct *d)
{
    sodium_memzero(d, sizeof(*d));
}

/* ---- jobs ------------------------------------------------------------- */

/* Both run on one part of a batch: elements part_off .. part_off+part_n. */
static void hash_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    uint32_t end = j->part_off + j->part_n;
    /* one call per part: the hash shares its field inversions over the part */
    j->rc = sp_group_hash_many(j->elems + (size_t)j->part_off * SP_ENG_ELEM, j->key_type, j->vals,
                               j->offs + j->part_off, j->part_n);
    /* the cleartext of this part is not needed any more */
    sodium_memzero(j->vals + j->offs[j->part_off], j->offs[end] - j->offs[j->part_off]);
    if (j->rc == 0)
        j->rc =
            sp_blind_batch(j->key, j->elems + (size_t)j->part_off * SP_ENG_ELEM, j->part_n, NULL);
}

static void blind_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    size_t bad = 0;
    j->rc = sp_blind_batch(j->key, j->elems + (size_t)j->part_off * SP_ENG_ELEM, j->part_n, &bad);
}

/* ---- producing own batches -------------------------------------------- */

static int grow_own(struct sp_eng_own *o)
{
    if (o->nbatches < o->cap)
        return 0;
    uint32_t ncap = o->cap ? o->cap * 2 : 16;
    uint8_t **e = realloc(o->elems, ncap * sizeof(*e));
    if (!e)
        return SP_ERR_NOMEM;
    o->elems = e;
    uint32_t *c = realloc(o->count, ncap * sizeof(*c));
    if (!c)
        return SP_ERR_NOMEM;
    o->count = c;
    memset(o->elems + o->cap, 0, (ncap - o->cap) * sizeof(*e));
    o->cap = ncap;
    return 0;
}

static int append_value(struct sp_round *r, struct sp_eng_job *j, const struct sp_eng_value *v)
{
    if (j->vals_len + v->len > j->vals_cap)
        return SP_ERR_INTERNAL; /* sized for batch_size * SP_ROUND_VALUE_MAX */
    memcpy(j->vals + j->vals_len, v->val, v->len);
    j->vals_len += v->len;
    j->offs[++j->n] = (uint32_t)j->vals_len;
    struct sp_eng_own *o = &r->ring.own[v->type];
    if (++o->nvalues > r->prop.max_set_size)
        return SP_ERR_ROUND_REFUSED;
    return 0;
}

/* Next distinct value of the walk into *v; SP_ERR_NOT_FOUND at the end. */
static int next_value(struct sp_round *r, struct sp_eng_value *v)
{
    if (r->ring.have_peek) {
        *v = r->ring.peek;
        r->ring.have_peek = false;
        return 0;
    }
    for (;;) {
        struct sp_keyref ref;
        int rc = r->eng->ports.store.keys_next(r->ring.it, &ref);
        if (rc)
            return rc;
        if (!sp_key_type_valid(ref.type) || ref.value_len > SP_ROUND_VALUE_MAX)
            return SP_ERR_STORE;
        if (!sp_eng_distinct_next(&r->ring.dist, &ref))
            continue;
        *v = r->ring.dist.prev;
        sp_eng_walk_update(&r->ring.walk, v);
        return 0;
    }
}

/* Fills a hash job with up to batch_size distinct values of one key type. */
static int fill_job(struct sp_round *r, struct sp_eng_job *j)
{
    struct sp_eng_value v;
    int rc = 0;
    j->offs[0] = 0;
    for (;;) {
        rc = next_value(r, &v);
        if (rc == SP_ERR_NOT_FOUND) {
            r->ring.produced_all = true;
            j->last = true;
            rc = 0;
            break;
        }
        if (rc)
            break;
        if (j->n > 0 && (v.type != j->key_type || j->n == r->batch_size)) {
            r->ring.peek = v;
            r->ring.have_peek = true;
            j->last = v.type != j->key_type;
            break;
        }
        j->key_type = v.type;
        if ((rc = append_value(r, j, &v)) != 0)
            break;
    }
    sodium_memzero(&v, sizeof(v));
    return rc;
}

static struct sp_eng_job *new_hash_job(struct sp_round *r)
{
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_HASH);
    if (!j)
        return NULL;
    j->base.run = hash_run;
    j->origin = (uint8_t)r->me;
    j->hops = 1;
    j->vals_cap = (size_t)r->batch_size * SP_ROUND_VALUE_MAX;
    j->vals = malloc(j->vals_cap);
    j->offs = malloc(((size_t)r->batch_size + 1) * sizeof(*j->offs));
    j->elems = malloc((size_t)r->batch_size * SP_ENG_ELEM);
    if (!j->vals || !j->offs || !j->elems) {
        sp_eng_job_free(j);
        return NULL;
    }
    return j;
}

static void check_own_complete(struct sp_round *r);

static void produce(struct sp_round *r)
{
    unsigned ahead = SP_ENG_HASH_AHEAD(r->eng->cfg->workers);
    while (r->state == SP_ROUND_RUNNING && !r->ring.produced_all &&
           r->ring.hashing + r->ring.qlen[r->me] + r->ring.win[r->me].used <
               r->ring.win[r->me].cap + ahead) {
        struct sp_eng_job *j = new_hash_job(r);
        if (!j) {
            sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
            return;
        }
        int rc = fill_job(r, j);
        if (rc == SP_ERR_ROUND_REFUSED) {
            sp_eng_job_free(j);
            sp_eng_fail(r, rc, true, "node %s has more values than max_set_size %" PRIu64,
                        r->eng->cfg->node, r->prop.max_set_size);
            return;
        }
        struct sp_eng_own *o = &r->ring.own[j->key_type];
        if (rc == 0 && j->n > 0)
            rc = grow_own(o);
        if (rc) {
            sp_eng_job_free(j);
            sp_eng_fail(r, rc, true, "cannot read own values: %s", sp_strerror(rc));
            return;
        }
        if (j->n == 0) { /* the walk ended exactly at a batch boundary */
            sp_eng_job_free(j);
            break;
        }
        j->seq = o->nbatches;
        o->count[o->nbatches++] = j->n;
        r->ring.hashing++;
        if ((rc = sp_eng_job_submit_parts(r, j)) != 0) {
            r->ring.hashing--;
            sp_eng_job_free(j);
            sp_eng_fail(r, rc, true, "out of memory");
            return;
        }
    }
    check_own_complete(r);
}

int sp_eng_ring_begin(struct sp_round *r)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    uint32_t mask = r->prop.participants[r->me].key_types;
    int rc = sp_round_key_new(&r->key);
    /* The walk's read transaction lasts only until every own value is in a
     * batch (a reader kept for the whole round would stop the store from reusing
     * pages while the counting node writes). The mapping pass walks again
     * and checks it sees the same values (walk_digest). */
    if (rc == 0)
        rc = st->keys_open(st->ctx, mask, &r->ring.it);
    if (rc)
        return rc;
    randombytes_buf(r->ring.walk_key, sizeof(r->ring.walk_key));
    crypto_generichash_init(&r->ring.walk, r->ring.walk_key, sizeof(r->ring.walk_key),
                            sizeof(r->ring.walk_digest));
    sp_eng_info(r->eng, "round %s: blinding started (%u participants, batches of %" PRIu32 ")",
                r->hex, r->n, r->batch_size);
    produce(r);
    return 0;
}

/* ---- the link to the successor ---------------------------------------- */

static void pending_free(struct sp_eng_pending *p)
{
    if (p) {
        free(p->buf);
        free(p);
    }
}

static int send_credit(struct sp_round *r, unsigned to, uint8_t origin, uint8_t type, uint32_t seq,
                       uint8_t kind)
{
    struct sp_peer_msg m = {.type = SP_PEER_CREDIT};
    m.credit.origin = origin;
    m.credit.key_type = type;
    m.credit.seq = seq;
    m.credit.kind = kind;
    return sp_eng_send(r, to, &m);
}

static void ring_flush(struct sp_round *r, unsigned o)
{
    unsigned succ = sp_ring_succ(r->me, r->n);
    while (r->ring.q[o] && !sp_window_full(&r->ring.win[o]) && !sp_round_state_terminal(r->state)) {
        struct sp_eng_pending *p = r->ring.q[o];
        r->ring.q[o] = p->next;
        if (!r->ring.q[o])
            r->ring.qtail[o] = NULL;
        r->ring.qlen[o]--;
        struct sp_peer_msg m = {.type = SP_PEER_BATCH, .batch = p->b};
        int rc = sp_eng_send(r, succ, &m);
        if (rc == 0)
            rc = sp_window_add(&r->ring.win[o], p->b.key_type, p->b.seq);
        if (rc == 0 && p->credit_to >= 0) {
            rc = send_credit(r, (unsigned)p->credit_to, p->b.origin, p->b.key_type, p->b.seq,
                             SP_PEER_BATCH);
            r->ring.fwd_owed[o][p->b.key_type]--;
        }
        pending_free(p);
        if (rc) {
            sp_eng_fail(r, rc, true, "cannot send to %s: %s", sp_eng_pname(r, succ),
                        sp_strerror(rc));
            return;
        }
    }
}

/* Queues a blinded batch for the successor (taking the job's elements). */
static void ring_out(struct sp_round *r, struct sp_eng_job *j, int credit_to)
{
    struct sp_eng_pending *p = calloc(1, sizeof(*p));
    if (!p) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    p->buf = j->elems;
    j->elems = NULL;
    p->credit_to = credit_to;
    p->b = (struct sp_peer_batch){.origin = j->origin,
                                  .key_type = j->key_type,
                                  .seq = j->seq,
                                  .hops = (uint8_t)(j->hops + (j->kind == SP_ENG_JOB_BLIND)),
                                  .last = j->last,
                                  .elements = p->buf,
                                  .nelements = j->n};
    unsigned o = j->origin;
    if (r->ring.qtail[o])
        r->ring.qtail[o]->next = p;
    else
        r->ring.q[o] = p;
    r->ring.qtail[o] = p;
    r->ring.qlen[o]++;
    ring_flush(r, o);
}

void sp_eng_ring_job_done(struct sp_round *r, struct sp_eng_job *j)
{
    if (j->kind == SP_ENG_JOB_HASH) {
        r->ring.hashing--;
        if (j->rc) {
            sp_eng_fail(r, j->rc, true, "hashing own values failed: %s", sp_strerror(j->rc));
            return;
        }
        r->values_sent += j->n;
        ring_out(r, j, -1);
        produce(r);
        return;
    }
    if (j->rc) {
        sp_eng_fail(r, j->rc, true, "%s sent an invalid group element in a BATCH",
                    sp_eng_pname(r, j->from));
        return;
    }
    r->values_received += j->n;
    ring_out(r, j, (int)j->from);
}

/* ---- incoming --------------------------------------------------------- */

static void check_own_complete(struct sp_round *r)
{
    if (r->state != SP_ROUND_RUNNING || !r->ring.produced_all || r->ring.hashing)
        return;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (r->ring.own[t].home != r->ring.own[t].nbatches)
            return;
    r->eng->ports.store.keys_close(r->ring.it);
    r->ring.it = NULL;
    distinct_wipe(&r->ring.dist);
    sodium_memzero(&r->ring.peek, sizeof(r->ring.peek));
    crypto_generichash_final(&r->ring.walk, r->ring.walk_digest, sizeof(r->ring.walk_digest));
    sodium_memzero(&r->ring.walk, sizeof(r->ring.walk));
    /* counting: the FINALs begin in engine.c's advance */
    if (sp_eng_event(r, SP_ROUND_EV_OWN_BLINDED) != 0)
        return;
}

static int batch_home(struct sp_round *r, unsigned from, const struct sp_peer_batch *b)
{
    struct sp_eng_own *o = &r->ring.own[b->key_type];
    if (b->seq >= o->nbatches || o->elems[b->seq] || b->nelements != o->count[b->seq])
        return SP_ERR_PROTO_FIELD;
    size_t bytes = (size_t)b->nelements * SP_ENG_ELEM;
    o->elems[b->seq] = malloc(bytes ? bytes : 1);
    if (!o->elems[b->seq])
        return SP_ERR_NOMEM;
    memcpy(o->elems[b->seq], b->elements, bytes);
    o->home++;
    int rc = send_credit(r, from, b->origin, b->key_type, b->seq, SP_PEER_BATCH);
    if (rc)
        sp_eng_fail(r, rc, true, "cannot send CREDIT to %s: %s", sp_eng_pname(r, from),
                    sp_strerror(rc));
    check_own_complete(r);
    return 0;
}

static int batch_forward(struct sp_round *r, unsigned from, const struct sp_peer_batch *b)
{
    /* The predecessor may have at most a window (the protocol's, which caps
     * every node's configured one) of batches uncredited per stream. */
    if (r->ring.fwd_owed[b->origin][b->key_type] >= SP_PEER_CREDIT_WINDOW)
        return SP_ERR_BUSY;
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_BLIND);
    if (!j)
        return SP_ERR_NOMEM;
    size_t bytes = (size_t)b->nelements * SP_ENG_ELEM;
    j->elems = malloc(bytes ? bytes : 1);
    if (!j->elems) {
        sp_eng_job_free(j);
        return SP_ERR_NOMEM;
    }
    memcpy(j->elems, b->elements, bytes);
    j->base.run = blind_run;
    j->origin = b->origin;
    j->key_type = b->key_type;
    j->seq = b->seq;
    j->hops = b->hops;
    j->last = b->last;
    j->n = b->nelements;
    j->from = from;
    int rc = sp_eng_job_submit_parts(r, j);
    if (rc) {
        sp_eng_job_free(j);
        return rc;
    }
    r->ring.fwd_owed[b->origin][b->key_type]++;
    return 0;
}

static int on_batch(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_peer_batch *b = &m->batch;
    int action;
    int rc = sp_ring_route(r->n, r->me, from, b->origin, b->hops, &action);
    if (rc)
        return rc;
    if (!(r->prop.participants[b->origin].key_types & SP_KEY_MASK(b->key_type)))
        return SP_ERR_PROTO_FIELD;
    if (action == SP_RING_HOME)
        return batch_home(r, from, b);
    return batch_forward(r, from, b);
}

/* A CREDIT for a BATCH this node sent its successor. */
static int on_credit(struct sp_round *r, unsigned from, const struct sp_peer_credit *c)
{
    unsigned succ = sp_ring_succ(r->me, r->n);
    if (from != succ)
        return sp_eng_credit_refused(r, from, c, "%s is not %s's ring successor (%s is)",
                                     sp_eng_pname(r, from), sp_eng_pname(r, r->me),
                                     sp_eng_pname(r, succ));
    if (c->origin >= r->n)
        return sp_eng_credit_refused(r, from, c, "the round has %u participants", r->n);
    if (sp_window_ack(&r->ring.win[c->origin], c->key_type, c->seq) != 0)
        return sp_eng_credit_refused(r, from, c,
                                     "%s never sent that BATCH to %s, or it was credited already",
                                     sp_eng_pname(r, r->me), sp_eng_pname(r, from));
    ring_flush(r, c->origin);
    if (c->origin == r->me)
        produce(r);
    return 0;
}

int sp_eng_ring_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (m->type == SP_PEER_BATCH)
        return on_batch(r, from, m);
    if (m->type == SP_PEER_CREDIT && m->credit.kind == SP_PEER_BATCH)
        return on_credit(r, from, &m->credit);
    return SP_ERR_UNSUPPORTED;
}

void sp_eng_ring_release(struct sp_round *r)
{
    r->eng->ports.store.keys_close(r->ring.it);
    r->ring.it = NULL;
    distinct_wipe(&r->ring.dist);
    sodium_memzero(&r->ring.peek, sizeof(r->ring.peek));
    sodium_memzero(&r->ring.walk, sizeof(r->ring.walk));
    sodium_memzero(r->ring.walk_key, sizeof(r->ring.walk_key));
    sodium_memzero(r->ring.walk_digest, sizeof(r->ring.walk_digest));
    for (unsigned o = 0; o < SP_PROTO_MAX_PARTICIPANTS; o++) {
        while (r->ring.q[o]) {
            struct sp_eng_pending *p = r->ring.q[o];
            r->ring.q[o] = p->next;
            pending_free(p);
        }
        r->ring.qtail[o] = NULL;
        r->ring.qlen[o] = 0;
    }
    for (int t = 0; t < SP_ENG_NTYPES; t++) {
        struct sp_eng_own *o = &r->ring.own[t];
        for (uint32_t b = 0; o->elems && b < o->nbatches; b++) {
            free(o->elems[b]);
            o->elems[b] = NULL;
        }
        free(o->elems);
        free(o->count);
        o->elems = NULL;
        o->count = NULL;
        o->cap = 0;
    }
}
