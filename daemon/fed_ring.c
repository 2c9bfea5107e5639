/* The ring: own values hashed and blinded into batches, peers' batches
 * blinded and forwarded, fully blinded values coming home; the BATCH credit
 * windows. See ROUNDS.md, "Blinding". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/group.h"
#include "daemon/fed_internal.h"
#include "daemon/log.h"

void fed_walk_update(crypto_generichash_state *st, const struct fed_value *v)
{
    uint8_t head[3] = {v->type, (uint8_t)(v->len >> 8), (uint8_t)v->len};
    crypto_generichash_update(st, head, sizeof(head));
    crypto_generichash_update(st, v->val, v->len);
}

bool fed_distinct_next(struct fed_distinct *d, const struct sp_store_keyref *ref)
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

void fed_distinct_wipe(struct fed_distinct *d)
{
    sodium_memzero(d, sizeof(*d));
}

/* ---- jobs ------------------------------------------------------------- */

/* Both run on one part of a batch: elements part_off .. part_off+part_n. */
static void hash_run(struct sp_worker_job *base)
{
    struct fed_job *j = (struct fed_job *)base;
    uint32_t end = j->part_off + j->part_n;
    /* one call per part: the hash shares its field inversions over the part */
    j->rc = sp_group_hash_many(j->elems + (size_t)j->part_off * FED_ELEM, j->key_type, j->vals,
                               j->offs + j->part_off, j->part_n);
    /* the cleartext of this part is not needed any more */
    sodium_memzero(j->vals + j->offs[j->part_off], j->offs[end] - j->offs[j->part_off]);
    if (j->rc == 0)
        j->rc = sp_blind_batch(j->key, j->elems + (size_t)j->part_off * FED_ELEM, j->part_n, NULL);
}

static void blind_run(struct sp_worker_job *base)
{
    struct fed_job *j = (struct fed_job *)base;
    size_t bad = 0;
    j->rc = sp_blind_batch(j->key, j->elems + (size_t)j->part_off * FED_ELEM, j->part_n, &bad);
}

/* ---- producing own batches -------------------------------------------- */

static int grow_own(struct fed_own *o)
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

static int append_value(struct fed_round *r, struct fed_job *j, const struct fed_value *v)
{
    if (j->vals_len + v->len > j->vals_cap)
        return SP_ERR_INTERNAL; /* sized for batch_size * SP_STORE_VALUE_MAX */
    memcpy(j->vals + j->vals_len, v->val, v->len);
    j->vals_len += v->len;
    j->offs[++j->n] = (uint32_t)j->vals_len;
    struct fed_own *o = &r->own[v->type];
    if (++o->nvalues > r->prop.max_set_size)
        return SP_ERR_ROUND_REFUSED;
    return 0;
}

/* Next distinct value of the walk into *v; SP_ERR_NOT_FOUND at the end. */
static int next_value(struct fed_round *r, struct fed_value *v)
{
    if (r->have_peek) {
        *v = r->peek;
        r->have_peek = false;
        return 0;
    }
    for (;;) {
        struct sp_store_keyref ref;
        int rc = sp_store_keys_iter_next(r->it, &ref);
        if (rc)
            return rc;
        if (!sp_key_type_valid(ref.type) || ref.value_len > SP_STORE_VALUE_MAX)
            return SP_ERR_STORE;
        if (!fed_distinct_next(&r->dist, &ref))
            continue;
        *v = r->dist.prev;
        fed_walk_update(&r->walk, v);
        return 0;
    }
}

/* Fills a hash job with up to batch_size distinct values of one key type. */
static int fill_job(struct fed_round *r, struct fed_job *j)
{
    struct fed_value v;
    int rc = 0;
    j->offs[0] = 0;
    for (;;) {
        rc = next_value(r, &v);
        if (rc == SP_ERR_NOT_FOUND) {
            r->produced_all = true;
            j->last = true;
            rc = 0;
            break;
        }
        if (rc)
            break;
        if (j->n > 0 && (v.type != j->key_type || j->n == r->batch_size)) {
            r->peek = v;
            r->have_peek = true;
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

static struct fed_job *new_hash_job(struct fed_round *r)
{
    struct fed_job *j = fed_job_new(r, FED_JOB_HASH);
    if (!j)
        return NULL;
    j->base.run = hash_run;
    j->origin = (uint8_t)r->me;
    j->hops = 1;
    j->vals_cap = (size_t)r->batch_size * SP_STORE_VALUE_MAX;
    j->vals = malloc(j->vals_cap);
    j->offs = malloc(((size_t)r->batch_size + 1) * sizeof(*j->offs));
    j->elems = malloc((size_t)r->batch_size * FED_ELEM);
    if (!j->vals || !j->offs || !j->elems) {
        fed_job_free(j);
        return NULL;
    }
    return j;
}

static void check_own_complete(struct fed_round *r);

void fed_ring_produce(struct fed_round *r)
{
    unsigned ahead = FED_HASH_AHEAD(sp_workers_count(r->fed->workers));
    while (r->state == SP_ROUND_RUNNING && !r->produced_all &&
           r->hashing + r->ring_qlen[r->me] + r->ring_win[r->me].used <
               r->ring_win[r->me].cap + ahead) {
        struct fed_job *j = new_hash_job(r);
        if (!j) {
            fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
            return;
        }
        int rc = fill_job(r, j);
        if (rc == SP_ERR_ROUND_REFUSED) {
            fed_job_free(j);
            fed_round_fail(r, rc, true, "node %s has more values than max_set_size %" PRIu64,
                           r->fed->cfg->node, r->prop.max_set_size);
            return;
        }
        struct fed_own *o = &r->own[j->key_type];
        if (rc == 0 && j->n > 0)
            rc = grow_own(o);
        if (rc) {
            fed_job_free(j);
            fed_round_fail(r, rc, true, "cannot read own values: %s", sp_strerror(rc));
            return;
        }
        if (j->n == 0) { /* the walk ended exactly at a batch boundary */
            fed_job_free(j);
            break;
        }
        j->seq = o->nbatches;
        o->count[o->nbatches++] = j->n;
        r->hashing++;
        if ((rc = fed_job_submit_parts(r, j)) != 0) {
            r->hashing--;
            fed_job_free(j);
            fed_round_fail(r, rc, true, "out of memory");
            return;
        }
    }
    check_own_complete(r);
}

int fed_ring_begin(struct fed_round *r)
{
    uint32_t mask = r->prop.participants[r->me].key_types;
    int rc = sp_round_key_new(&r->key);
    /* The walk's read transaction lasts only until every own value is in a
     * batch (a reader kept for the whole round would stop LMDB from reusing
     * pages while the counting node writes). The mapping pass walks again
     * and checks it sees the same values (walk_digest). */
    if (rc == 0)
        rc = sp_store_keys_iter_new(r->fed->store, mask, &r->it);
    if (rc)
        return rc;
    randombytes_buf(r->walk_key, sizeof(r->walk_key));
    crypto_generichash_init(&r->walk, r->walk_key, sizeof(r->walk_key), sizeof(r->walk_digest));
    sp_log_info("round %s: blinding started (%u participants, batches of %" PRIu32 ")", r->hex,
                r->n, r->batch_size);
    fed_ring_produce(r);
    return 0;
}

/* ---- the link to the successor ---------------------------------------- */

void fed_pending_free(struct fed_pending *p)
{
    if (p) {
        free(p->buf);
        free(p);
    }
}

static int send_credit(struct fed_round *r, unsigned to, uint8_t origin, uint8_t type, uint32_t seq,
                       uint8_t kind)
{
    struct sp_peer_msg m = {.type = SP_PEER_CREDIT};
    m.credit.origin = origin;
    m.credit.key_type = type;
    m.credit.seq = seq;
    m.credit.kind = kind;
    return fed_send(r, to, &m);
}

static void ring_flush(struct fed_round *r, unsigned o)
{
    unsigned succ = sp_ring_succ(r->me, r->n);
    while (r->ring_q[o] && !sp_window_full(&r->ring_win[o]) && !sp_round_state_terminal(r->state)) {
        struct fed_pending *p = r->ring_q[o];
        r->ring_q[o] = p->next;
        if (!r->ring_q[o])
            r->ring_qtail[o] = NULL;
        r->ring_qlen[o]--;
        struct sp_peer_msg m = {.type = SP_PEER_BATCH, .batch = p->b};
        int rc = fed_send(r, succ, &m);
        if (rc == 0)
            rc = sp_window_add(&r->ring_win[o], p->b.key_type, p->b.seq);
        if (rc == 0 && p->credit_to >= 0) {
            rc = send_credit(r, (unsigned)p->credit_to, p->b.origin, p->b.key_type, p->b.seq,
                             SP_PEER_BATCH);
            r->fwd_owed[o][p->b.key_type]--;
        }
        fed_pending_free(p);
        if (rc) {
            fed_round_fail(r, rc, true, "cannot send to %s: %s", fed_pname(r, succ),
                           sp_strerror(rc));
            return;
        }
    }
}

/* Queues a blinded batch for the successor (taking the job's elements). */
static void ring_out(struct fed_round *r, struct fed_job *j, int credit_to)
{
    struct fed_pending *p = calloc(1, sizeof(*p));
    if (!p) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    p->buf = j->elems;
    j->elems = NULL;
    p->credit_to = credit_to;
    p->b = (struct sp_peer_batch){.origin = j->origin,
                                  .key_type = j->key_type,
                                  .seq = j->seq,
                                  .hops = (uint8_t)(j->hops + (j->kind == FED_JOB_BLIND)),
                                  .last = j->last,
                                  .elements = p->buf,
                                  .nelements = j->n};
    unsigned o = j->origin;
    if (r->ring_qtail[o])
        r->ring_qtail[o]->next = p;
    else
        r->ring_q[o] = p;
    r->ring_qtail[o] = p;
    r->ring_qlen[o]++;
    ring_flush(r, o);
}

void fed_ring_job_done(struct fed_round *r, struct fed_job *j)
{
    if (j->kind == FED_JOB_HASH) {
        r->hashing--;
        if (j->rc) {
            fed_round_fail(r, j->rc, true, "hashing own values failed: %s", sp_strerror(j->rc));
            return;
        }
        r->values_sent += j->n;
        ring_out(r, j, -1);
        fed_ring_produce(r);
        return;
    }
    if (j->rc) {
        fed_round_fail(r, j->rc, true, "%s sent an invalid group element in a BATCH",
                       fed_pname(r, (unsigned)j->from));
        return;
    }
    r->values_received += j->n;
    ring_out(r, j, j->from);
}

/* ---- incoming --------------------------------------------------------- */

static void check_own_complete(struct fed_round *r)
{
    if (r->state != SP_ROUND_RUNNING || !r->produced_all || r->hashing)
        return;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (r->own[t].home != r->own[t].nbatches)
            return;
    sp_store_keys_iter_free(&r->it);
    fed_distinct_wipe(&r->dist);
    sodium_memzero(&r->peek, sizeof(r->peek));
    crypto_generichash_final(&r->walk, r->walk_digest, sizeof(r->walk_digest));
    sodium_memzero(&r->walk, sizeof(r->walk));
    if (fed_round_event(r, SP_ROUND_EV_OWN_BLINDED) != 0)
        return;
    int rc = fed_final_begin(r);
    if (rc)
        fed_round_fail(r, rc, true, "cannot send own values to the counting node: %s",
                       sp_strerror(rc));
}

static int batch_home(struct fed_round *r, unsigned from, const struct sp_peer_batch *b)
{
    struct fed_own *o = &r->own[b->key_type];
    if (b->seq >= o->nbatches || o->elems[b->seq] || b->nelements != o->count[b->seq])
        return SP_ERR_PROTO_FIELD;
    size_t bytes = (size_t)b->nelements * FED_ELEM;
    o->elems[b->seq] = malloc(bytes ? bytes : 1);
    if (!o->elems[b->seq])
        return SP_ERR_NOMEM;
    memcpy(o->elems[b->seq], b->elements, bytes);
    o->home++;
    int rc = send_credit(r, from, b->origin, b->key_type, b->seq, SP_PEER_BATCH);
    if (rc)
        fed_round_fail(r, rc, true, "cannot send CREDIT to %s", fed_pname(r, from));
    check_own_complete(r);
    return 0;
}

static int batch_forward(struct fed_round *r, unsigned from, const struct sp_peer_batch *b)
{
    /* The predecessor may have at most a window (the protocol's, which caps
     * every node's configured one) of batches uncredited per stream. */
    if (r->fwd_owed[b->origin][b->key_type] >= SP_PEER_CREDIT_WINDOW)
        return SP_ERR_BUSY;
    struct fed_job *j = fed_job_new(r, FED_JOB_BLIND);
    if (!j)
        return SP_ERR_NOMEM;
    size_t bytes = (size_t)b->nelements * FED_ELEM;
    j->elems = malloc(bytes ? bytes : 1);
    if (!j->elems) {
        fed_job_free(j);
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
    j->from = (int)from;
    int rc = fed_job_submit_parts(r, j);
    if (rc) {
        fed_job_free(j);
        return rc;
    }
    r->fwd_owed[b->origin][b->key_type]++;
    return 0;
}

int fed_on_batch(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
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

int fed_on_credit(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_peer_credit *c = &m->credit;
    switch (c->kind) {
    case SP_PEER_BATCH:
        if (from != sp_ring_succ(r->me, r->n) || c->origin >= r->n)
            return SP_ERR_PROTO_FIELD;
        if (sp_window_ack(&r->ring_win[c->origin], c->key_type, c->seq) != 0)
            return SP_ERR_PROTO_FIELD;
        ring_flush(r, c->origin);
        if (c->origin == r->me)
            fed_ring_produce(r);
        return 0;
    case SP_PEER_FINAL:
        if (from != r->prop.counter || c->origin != r->me)
            return SP_ERR_PROTO_FIELD;
        return fed_on_final_credit(r, c);
    case SP_PEER_VERDICT:
        return fed_on_verdict_credit(r, from, c);
    default:
        return SP_ERR_PROTO_FIELD;
    }
}

void fed_ring_release(struct fed_round *r)
{
    sp_store_keys_iter_free(&r->it);
    sp_store_keys_iter_free(&r->map_it);
    fed_distinct_wipe(&r->dist);
    sodium_memzero(&r->peek, sizeof(r->peek));
    sodium_memzero(&r->walk, sizeof(r->walk));
    sodium_memzero(r->walk_key, sizeof(r->walk_key));
    sodium_memzero(r->walk_digest, sizeof(r->walk_digest));
    for (unsigned o = 0; o < SP_PROTO_MAX_PARTICIPANTS; o++) {
        while (r->ring_q[o]) {
            struct fed_pending *p = r->ring_q[o];
            r->ring_q[o] = p->next;
            fed_pending_free(p);
        }
        r->ring_qtail[o] = NULL;
        r->ring_qlen[o] = 0;
    }
    for (int t = 0; t < FED_NTYPES; t++) {
        struct fed_own *o = &r->own[t];
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
