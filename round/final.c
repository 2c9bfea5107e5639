/* After blinding: own FINALs to the counting node, VERDICTs back, verdicts
 * mapped to own records, results committed; DONE and COUNTS at the
 * initiator. See ROUNDS.md, "Counting" and "Results". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "round/core.h"
#include "round/credit.h"

#define APPEND_CHUNK 5000

static void pump(struct sp_round *r);
static int subjects_add(struct sp_round *r, const struct sp_peer_subject_count *cells, uint32_t n);

/* Fisher-Yates with an unbiased uniform draw per position. */
static void shuffle(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        a[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = randombytes_uniform(i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* One FINAL stream per own key type, in key type order: chunks of the
 * shuffled values, or a single empty FINAL when the type has none (the
 * counting node must hear the end of every stream it expects). */
static int plan_finals(struct sp_round *r)
{
    uint32_t fb = r->batch_size, nrefs = 0, mask = r->prop.participants[r->me].key_types;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        uint64_t nv = r->ring.own[t].nvalues;
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        if (nv > UINT32_MAX - fb)
            return SP_ERR_OVERFLOW;
        nrefs += nv ? (uint32_t)((nv + fb - 1) / fb) : 1;
    }
    r->fin.finals = calloc(nrefs ? nrefs : 1, sizeof(*r->fin.finals));
    r->fin.verdict_seen = calloc(((nrefs ? nrefs : 1) + 7) / 8, 1);
    if (!r->fin.finals || !r->fin.verdict_seen)
        return SP_ERR_NOMEM;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        uint32_t nv = (uint32_t)r->ring.own[t].nvalues, start = 0;
        r->fin.first[t] = r->fin.nfinals;
        do {
            struct sp_eng_final_ref *f = &r->fin.finals[r->fin.nfinals++];
            f->key_type = (uint8_t)t;
            f->seq = r->fin.count[t]++;
            f->start = start;
            f->n = nv - start < fb ? nv - start : fb;
            start += f->n;
        } while (start < nv);
    }
    return 0;
}

int sp_eng_final_begin(struct sp_round *r)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        struct sp_eng_own *o = &r->ring.own[t];
        if (!o->nvalues)
            continue;
        uint32_t **perm = &r->fin.perm[t], **holders = &r->fin.holders[t];
        *perm = malloc(o->nvalues * sizeof(**perm));
        *holders = calloc(o->nvalues, sizeof(**holders));
        if (!*perm || !*holders)
            return SP_ERR_NOMEM;
        shuffle(*perm, (uint32_t)o->nvalues);
    }
    int rc = plan_finals(r);
    if (rc)
        return rc;
    sp_eng_info(r->eng,
                "round %s: %" PRIu64 " own values fully blinded; %" PRIu32 " FINAL batches to %s",
                r->hex, r->values_sent, r->fin.nfinals, sp_eng_pname(r, r->prop.counter));
    pump(r);
    return 0;
}

/* The fully blinded elements are needed only until the last FINAL left. */
static void drop_elements(struct sp_round *r)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        struct sp_eng_own *o = &r->ring.own[t];
        for (uint32_t b = 0; o->elems && b < o->nbatches; b++) {
            free(o->elems[b]);
            o->elems[b] = NULL;
        }
    }
}

static int send_final(struct sp_round *r, uint32_t g, uint8_t *buf)
{
    const struct sp_eng_final_ref *f = &r->fin.finals[g];
    const struct sp_eng_own *o = &r->ring.own[f->key_type];
    for (uint32_t j = 0; j < f->n; j++) {
        uint32_t idx = r->fin.perm[f->key_type][f->start + j];
        memcpy(buf + (size_t)j * SP_ENG_ELEM,
               o->elems[idx / r->batch_size] + (size_t)(idx % r->batch_size) * SP_ENG_ELEM,
               SP_ENG_ELEM);
    }
    struct sp_peer_msg m = {.type = SP_PEER_FINAL};
    m.final = (struct sp_peer_final){.key_type = f->key_type,
                                     .seq = f->seq,
                                     .last = f->seq + 1 == r->fin.count[f->key_type],
                                     .elements = f->n ? buf : NULL,
                                     .nelements = f->n};
    int rc = sp_eng_send(r, r->prop.counter, &m);
    if (rc == 0)
        rc = sp_window_add(&r->fin.win, f->key_type, f->seq);
    return rc;
}

static void pump(struct sp_round *r)
{
    if (r->fin.sent >= r->fin.nfinals || sp_window_full(&r->fin.win))
        return;
    uint8_t *buf = malloc((size_t)r->batch_size * SP_ENG_ELEM);
    if (!buf) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    while (r->fin.sent < r->fin.nfinals && !sp_window_full(&r->fin.win)) {
        int rc = send_final(r, r->fin.sent, buf);
        if (rc) {
            sp_eng_fail(r, rc, true, "cannot send FINAL to %s: %s",
                        sp_eng_pname(r, r->prop.counter), sp_strerror(rc));
            break;
        }
        r->fin.sent++;
    }
    free(buf);
    if (r->fin.sent == r->fin.nfinals)
        drop_elements(r);
}

static int on_final_credit(struct sp_round *r, unsigned from, const struct sp_peer_credit *c)
{
    if (sp_window_ack(&r->fin.win, c->key_type, c->seq) != 0)
        return sp_eng_credit_refused(r, from, c,
                                     "%s never sent that FINAL to %s, or it was credited already",
                                     sp_eng_pname(r, r->me), sp_eng_pname(r, from));
    pump(r);
    return 0;
}

/* ---- verdicts and mapping --------------------------------------------- */

struct rows_ctx {
    struct sp_round *r;
    struct sp_result_row *rows;
    size_t n;
};

static int collect_row(void *ctx, const char *dataset, const char *record_id, unsigned partner,
                       uint8_t entity, uint32_t key_types, uint8_t klass)
{
    struct rows_ctx *c = ctx;
    (void)entity; /* the row's key types name it (sp_key_mask_entity) */
    c->rows[c->n++] = (struct sp_result_row){.dataset = dataset,
                                             .record_id = record_id,
                                             .partner = partner == SP_ROUND_AGG_ANY
                                                            ? SP_CTL_PARTNER_ANY
                                                            : c->r->prop.participants[partner].name,
                                             .key_types = key_types,
                                             .klass = klass};
    return 0;
}

/* The mapping pass (a job, on any thread): walks own (record, key) pairs in the
 * same order as the producer, numbering distinct values the same way, and
 * aggregates the verdicts per record. */
static int map_walk(struct sp_eng_job *j)
{
    struct sp_round *r = j->round;
    struct sp_eng_distinct d = {0};
    uint64_t idx[SP_ENG_NTYPES] = {0}, mapped = 0;
    struct sp_keyref ref;
    crypto_generichash_state walk;
    uint8_t digest[crypto_generichash_BYTES];
    int rc;
    crypto_generichash_init(&walk, r->ring.walk_key, sizeof(r->ring.walk_key), sizeof(digest));
    while ((rc = r->eng->ports.store.keys_next(r->fin.map_it, &ref)) == 0) {
        if (!sp_key_type_valid(ref.type) || ref.value_len > SP_ROUND_VALUE_MAX) {
            rc = SP_ERR_STORE;
            break;
        }
        if (sp_eng_distinct_next(&d, &ref)) {
            idx[ref.type]++;
            if (++mapped % SP_ENG_JOB_PROGRESS_EVERY == 0) /* liveness: own values mapped */
                atomic_store_explicit(&j->progress, mapped, memory_order_relaxed);
            sp_eng_walk_update(&walk, &d.prev);
            sp_round_agg_next_value(j->agg);
        }
        const struct sp_eng_own *o = &r->ring.own[ref.type];
        if (idx[ref.type] > o->nvalues) {
            rc = SP_ERR_STATE;
            break;
        }
        /* with subjects on, unmatched pairs count too (agg ignores them otherwise) */
        uint32_t h = r->fin.holders[ref.type][idx[ref.type] - 1];
        if ((rc = sp_round_agg_add(j->agg, ref.dataset, ref.record_id, ref.type, ref.klass, h,
                                   r->me, r->prop.mode)) != 0)
            break;
    }
    sodium_memzero(&d, sizeof(d));
    atomic_store_explicit(&j->progress, mapped, memory_order_relaxed);
    crypto_generichash_final(&walk, digest, sizeof(digest));
    sodium_memzero(&walk, sizeof(walk));
    if (rc != SP_ERR_NOT_FOUND)
        return rc;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (idx[t] != r->ring.own[t].nvalues)
            return SP_ERR_STATE;
    /* same number of values per type is not enough: the same values */
    return sodium_memcmp(digest, r->ring.walk_digest, sizeof(digest)) == 0 ? 0 : SP_ERR_STATE;
}

struct subjects_ctx {
    struct sp_peer_subject_count *cells;
    uint32_t n, cap;
};

static int collect_subject(void *ctx, uint8_t entity, uint32_t holders, uint64_t count)
{
    struct subjects_ctx *c = ctx;
    if (c->n == SP_PROTO_MAX_COUNT_ENTRIES)
        return SP_ERR_OVERFLOW; /* DONE carries at most this many cells */
    if (c->n == c->cap) {
        uint32_t ncap = c->cap ? 2 * c->cap : 64;
        void *p = realloc(c->cells, ncap * sizeof(*c->cells));
        if (!p)
            return SP_ERR_NOMEM;
        c->cells = p;
        c->cap = ncap;
    }
    c->cells[c->n++] = (struct sp_peer_subject_count){entity, holders, count};
    return 0;
}

static void map_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    struct sp_round *r = j->round;
    j->rc = sp_round_agg_new(&j->agg);
    if (j->rc == 0 && r->prop.mode == SP_PROPOSAL_MODE_PARTNERS)
        j->rc = sp_round_agg_subjects_begin(j->agg, r->me);
    if (j->rc == 0)
        j->rc = map_walk(j);
    if (j->rc == 0) { /* before foreach, which reorders the records */
        struct subjects_ctx sc = {0};
        j->rc = sp_round_agg_subjects(j->agg, collect_subject, &sc);
        j->subjects = sc.cells;
        j->nsubjects = sc.n;
    }
    /* The rows are not copied out: the results step takes them from the
     * agg a slice at a time (a copy was 32 bytes per row at once). */
    if (j->rc == 0)
        j->rc = sp_round_agg_order(j->agg);
}

static void start_mapping(struct sp_round *r)
{
    if (r->prop.mode == SP_PROPOSAL_MODE_COUNTS) {
        r->fin.mapped = true; /* counts mode: nodes store no per-record rows */
        sp_eng_final_results_step(r);
        return;
    }
    const struct sp_engine_store *st = &r->eng->ports.store;
    int rc = st->keys_open(st->ctx, r->prop.participants[r->me].key_types, &r->fin.map_it);
    if (rc) {
        sp_eng_fail(r, rc, true, "cannot read own values: %s", sp_strerror(rc));
        return;
    }
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_MAP);
    if (!j) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    j->base.run = map_run;
    sp_eng_job_submit(r, j);
}

static int on_verdict(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_peer_verdict *v = &m->verdict;
    if (from != r->prop.counter || v->seq >= r->fin.count[v->key_type])
        return SP_ERR_PROTO_FIELD;
    uint32_t g = r->fin.first[v->key_type] + v->seq;
    const struct sp_eng_final_ref *f = &r->fin.finals[g];
    bool counts = r->prop.mode == SP_PROPOSAL_MODE_COUNTS;
    if ((r->fin.verdict_seen[g / 8] & (1u << (g % 8))) || v->nholders != (counts ? 0 : f->n))
        return SP_ERR_PROTO_FIELD;
    for (uint32_t j = 0; j < v->nholders; j++)
        if (sp_round_check_holders(r->prop.mode, v->holders[j], r->prop.min_holders, r->me, r->n) !=
            0)
            return SP_ERR_PROTO_FIELD;
    uint32_t *holders = r->fin.holders[f->key_type], *perm = r->fin.perm[f->key_type];
    for (uint32_t j = 0; j < v->nholders; j++)
        holders[perm[f->start + j]] = v->holders[j];
    r->fin.verdict_seen[g / 8] |= (uint8_t)(1u << (g % 8));
    r->fin.verdicts_in++;
    struct sp_peer_msg c = {.type = SP_PEER_CREDIT};
    c.credit = (struct sp_peer_credit){
        .origin = (uint8_t)r->me, .key_type = v->key_type, .seq = v->seq, .kind = SP_PEER_VERDICT};
    int rc = sp_eng_send(r, from, &c);
    if (rc) {
        sp_eng_fail(r, rc, true, "cannot send CREDIT to the counting node: %s", sp_strerror(rc));
        return 0;
    }
    if (r->fin.verdicts_in == r->fin.nfinals && sp_eng_event(r, SP_ROUND_EV_VERDICTS) == 0)
        start_mapping(r);
    return 0;
}

void sp_eng_final_job_done(struct sp_round *r, struct sp_eng_job *j)
{
    if (j->rc) {
        sp_eng_fail(r, j->rc, true, "%s",
                    j->rc == SP_ERR_STATE ? "this node's datasets changed during the round"
                                          : "cannot map verdicts to records");
        return;
    }
    r->fin.agg = j->agg;
    j->agg = NULL;
    r->fin.nrows = sp_round_agg_rows(r->fin.agg);
    r->rows = r->fin.nrows;
    r->fin.candidates = sp_round_agg_rows_of_class(r->fin.agg, SP_CLASS_C);
    /* every VERDICT is in and mapped: the holders and the FINAL order are
     * not needed any more (8 bytes per own value) */
    for (int t = 0; t < SP_ENG_NTYPES; t++) {
        free(r->fin.perm[t]);
        free(r->fin.holders[t]);
        r->fin.perm[t] = NULL;
        r->fin.holders[t] = NULL;
    }
    r->records_matched = sp_round_agg_records(r->fin.agg);
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        r->matched[e] = sp_round_agg_matched(r->fin.agg, e);
    if (subjects_add(r, j->subjects, j->nsubjects) != 0) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    r->fin.mapped = true;
    r->eng->ports.store.keys_close(r->fin.map_it);
    r->fin.map_it = NULL;
    sp_eng_final_results_step(r);
}

/* ---- results ---------------------------------------------------------- */

static int commit(struct sp_round *r, const struct sp_count_entry *counts, size_t ncounts)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc = sp_eng_meta(r, SP_ROUND_DONE, &blob, &len);
    if (rc == 0) {
        sp_eng_audit_result(r); /* committed with the results, or dropped with them */
        rc = st->results_commit(st->ctx, r->id, NULL, 0, counts, ncounts, blob, len);
    }
    free(blob);
    if (rc) {
        sp_eng_fail(r, rc, true, "cannot store the results: %s", sp_strerror(rc));
        return rc;
    }
    r->fin.committed = true;
    sp_eng_info(r->eng, "round %s: results stored: %" PRIu64 " rows for %" PRIu64 " own records",
                r->hex, r->rows, r->records_matched);
    return 0;
}

static int cmp_subject(const void *x, const void *y)
{
    const struct sp_peer_subject_count *a = x, *b = y;
    if (a->entity != b->entity)
        return a->entity < b->entity ? -1 : 1;
    return (a->holders > b->holders) - (a->holders < b->holders);
}

/* Sorts the subject cells gathered from every node and adds up equal ones
 * (each node counted only subjects whose lowest holder it is, so the sum
 * counts every subject once). */
static uint32_t merge_subjects(struct sp_round *r)
{
    uint32_t n = 0;
    if (r->fin.nsubjects)
        qsort(r->fin.subjects, r->fin.nsubjects, sizeof(*r->fin.subjects), cmp_subject);
    for (uint32_t i = 0; i < r->fin.nsubjects; i++) {
        if (n && r->fin.subjects[n - 1].entity == r->fin.subjects[i].entity &&
            r->fin.subjects[n - 1].holders == r->fin.subjects[i].holders)
            r->fin.subjects[n - 1].count += r->fin.subjects[i].count;
        else
            r->fin.subjects[n++] = r->fin.subjects[i];
    }
    return r->fin.nsubjects = n;
}

static void initiator_commit(struct sp_round *r)
{
    if (r->fin.committed || !r->fin.appended || !r->fin.counts_in ||
        r->fin.done_mask != sp_eng_all_bits(r->n))
        return;
    uint32_t nsub = merge_subjects(r), total = r->fin.ncounts + nsub;
    struct sp_count_entry *c = calloc(total ? total : 1, sizeof(*c));
    if (!c) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < r->fin.ncounts; i++)
        c[i] = (struct sp_count_entry){.key_type = r->fin.counts[i].key_type,
                                       .holders = r->fin.counts[i].holders,
                                       .count = r->fin.counts[i].count};
    for (uint32_t i = 0; i < nsub; i++) /* stored beside the counts (store.h) */
        c[r->fin.ncounts + i] =
            (struct sp_count_entry){.key_type = SP_ROUND_SUBJECT_CELL | r->fin.subjects[i].entity,
                                    .holders = r->fin.subjects[i].holders,
                                    .count = r->fin.subjects[i].count};
    (void)commit(r, c, total); /* the round may finish: engine.c's advance */
    free(c);
}

static void own_results_stored(struct sp_round *r)
{
    if (r->roles & SP_ROUND_ROLE_INITIATOR) {
        r->fin.done_mask |= UINT32_C(1) << r->me;
        initiator_commit(r);
        return;
    }
    if (commit(r, NULL, 0) != 0)
        return;
    struct sp_peer_msg m = {.type = SP_PEER_DONE};
    m.done = (struct sp_peer_done){.records_matched = r->records_matched,
                                   .values_sent = r->values_sent,
                                   .values_received = r->values_received,
                                   .subjects = r->fin.subjects,
                                   .nsubjects = r->fin.nsubjects};
    memcpy(m.done.matched, r->matched, sizeof(m.done.matched));
    /* kept when the transport refuses it: offered again at ticks (the round
     * stays in memory until it leaves or the deadline passes) */
    int rc = sp_eng_send_keep(r, r->initiator, &m);
    if (rc < 0)
        sp_eng_warn(r->eng, "round %s: cannot send DONE to %s: %s", r->hex,
                    sp_eng_pname(r, r->initiator), sp_strerror(rc));
}

void sp_eng_final_results_step(struct sp_round *r)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    if (r->state != SP_ROUND_FINISHING || !r->fin.mapped || r->fin.appended)
        return;
    if (r->fin.rows_appended < r->fin.nrows) {
        size_t n = r->fin.nrows - r->fin.rows_appended;
        if (n > APPEND_CHUNK)
            n = APPEND_CHUNK;
        struct rows_ctx c = {.r = r, .rows = malloc(n * sizeof(*c.rows))};
        size_t given = 0;
        int rc = c.rows ? sp_round_agg_foreach_n(r->fin.agg, &r->fin.rows_pos, n, collect_row, &c,
                                                 &given)
                        : SP_ERR_NOMEM;
        if (rc == 0 && given != n)
            rc = SP_ERR_INTERNAL; /* the agg has fewer rows than it said */
        if (rc == 0)
            rc = st->results_append(st->ctx, r->id, c.rows, n);
        free(c.rows);
        if (rc) {
            sp_eng_fail(r, rc, true, "cannot store the results: %s", sp_strerror(rc));
            return;
        }
        r->fin.rows_appended += n;
        if (r->fin.rows_appended < r->fin.nrows)
            return; /* more in the next tick: keep each write transaction short */
    }
    r->fin.appended = true;
    sp_round_agg_free(&r->fin.agg);
    own_results_stored(r);
}

static int on_done(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from == r->me || (r->fin.done_mask & (UINT32_C(1) << from)))
        return SP_ERR_PROTO_FIELD;
    if (r->prop.mode != SP_PROPOSAL_MODE_PARTNERS && m->done.nsubjects != 0)
        return SP_ERR_PROTO_FIELD; /* only partners mode gives nodes holder sets */
    for (uint32_t i = 0; i < m->done.nsubjects; i++) {
        uint32_t h = m->done.subjects[i].holders;
        /* a node reports the subjects whose lowest holder it is */
        if (h >> r->n != 0 || (h & (0u - h)) != UINT32_C(1) << from)
            return SP_ERR_PROTO_FIELD;
    }
    if (subjects_add(r, m->done.subjects, m->done.nsubjects) != 0)
        return SP_ERR_NOMEM;
    r->fin.done_mask |= UINT32_C(1) << from;
    sp_eng_info(r->eng,
                "round %s: %s is done (%" PRIu64 " records matched: %" PRIu64 " persons, %" PRIu64
                " companies, %" PRIu64 " addresses, %" PRIu64 " vehicles, %" PRIu64
                " accounts; %" PRIu64 " values sent, %" PRIu64 " blinded for others)",
                r->hex, sp_eng_pname(r, from), m->done.records_matched,
                m->done.matched[SP_ENTITY_PERSON], m->done.matched[SP_ENTITY_COMPANY],
                m->done.matched[SP_ENTITY_ADDRESS], m->done.matched[SP_ENTITY_VEHICLE],
                m->done.matched[SP_ENTITY_ACCOUNT], m->done.values_sent, m->done.values_received);
    initiator_commit(r);
    return 0;
}

static int on_counts(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from != r->prop.counter || r->fin.counts_in)
        return SP_ERR_PROTO_FIELD;
    uint32_t n = m->counts.nentries;
    r->fin.counts = calloc(n ? n : 1, sizeof(*r->fin.counts));
    if (!r->fin.counts)
        return SP_ERR_NOMEM;
    if (n) /* no cells (no node had values): entries is NULL */
        memcpy(r->fin.counts, m->counts.entries, (size_t)n * sizeof(*r->fin.counts));
    r->fin.ncounts = n;
    r->fin.counts_in = true;
    initiator_commit(r);
    return 0;
}

static int subjects_add(struct sp_round *r, const struct sp_peer_subject_count *cells, uint32_t n)
{
    if (n == 0)
        return 0;
    if (r->fin.nsubjects + (uint64_t)n > r->fin.subjects_cap) {
        uint64_t ncap = r->fin.subjects_cap ? 2 * (uint64_t)r->fin.subjects_cap : 64;
        while (ncap < r->fin.nsubjects + (uint64_t)n)
            ncap *= 2;
        if (ncap > UINT32_MAX / sizeof(*r->fin.subjects))
            return SP_ERR_OVERFLOW;
        void *p = realloc(r->fin.subjects, ncap * sizeof(*r->fin.subjects));
        if (!p)
            return SP_ERR_NOMEM;
        r->fin.subjects = p;
        r->fin.subjects_cap = (uint32_t)ncap;
    }
    memcpy(r->fin.subjects + r->fin.nsubjects, cells, n * sizeof(*cells));
    r->fin.nsubjects += n;
    return 0;
}

int sp_eng_final_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    switch (m->type) {
    case SP_PEER_VERDICT:
        return on_verdict(r, from, m);
    case SP_PEER_DONE:
        return on_done(r, from, m);
    case SP_PEER_COUNTS:
        return on_counts(r, from, m);
    case SP_PEER_CREDIT: /* for a FINAL of this node's */
        if (m->credit.kind != SP_PEER_FINAL)
            return SP_ERR_PROTO_FIELD;
        if (from != r->prop.counter)
            return sp_eng_credit_refused(r, from, &m->credit, "%s is not the counting node (%s is)",
                                         sp_eng_pname(r, from), sp_eng_pname(r, r->prop.counter));
        if (m->credit.origin != r->me)
            return sp_eng_credit_refused(r, from, &m->credit,
                                         "a FINAL stream to the counting node is %s's own",
                                         sp_eng_pname(r, r->me));
        return on_final_credit(r, from, &m->credit);
    default:
        return SP_ERR_UNSUPPORTED;
    }
}

void sp_eng_final_release(struct sp_round *r)
{
    r->eng->ports.store.keys_close(r->fin.map_it);
    r->fin.map_it = NULL;
    for (int t = 0; t < SP_ENG_NTYPES; t++) {
        free(r->fin.perm[t]);
        free(r->fin.holders[t]);
        r->fin.perm[t] = NULL;
        r->fin.holders[t] = NULL;
    }
    free(r->fin.finals);
    free(r->fin.verdict_seen);
    free(r->fin.counts);
    free(r->fin.subjects);
    r->fin.subjects = NULL;
    r->fin.nsubjects = r->fin.subjects_cap = 0;
    r->fin.finals = NULL;
    r->fin.verdict_seen = NULL;
    r->fin.counts = NULL;
    sp_round_agg_free(&r->fin.agg);
}
