/* After blinding: own FINALs to the counting node, VERDICTs back, verdicts
 * mapped to own records, results committed; DONE and COUNTS at the
 * initiator. See ROUNDS.md, "Counting" and "Results". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/fed_internal.h"
#include "daemon/log.h"

#define FED_APPEND_CHUNK 5000

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
static int plan_finals(struct fed_round *r)
{
    uint32_t fb = r->batch_size, nrefs = 0, mask = r->prop.participants[r->me].key_types;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        uint64_t nv = r->own[t].nvalues;
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        if (nv > UINT32_MAX - fb)
            return SP_ERR_OVERFLOW;
        nrefs += nv ? (uint32_t)((nv + fb - 1) / fb) : 1;
    }
    r->finals = calloc(nrefs ? nrefs : 1, sizeof(*r->finals));
    r->verdict_seen = calloc(((nrefs ? nrefs : 1) + 7) / 8, 1);
    if (!r->finals || !r->verdict_seen)
        return SP_ERR_NOMEM;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        uint32_t nv = (uint32_t)r->own[t].nvalues, start = 0;
        r->final_first[t] = r->nfinals;
        do {
            struct fed_final_ref *f = &r->finals[r->nfinals++];
            f->key_type = (uint8_t)t;
            f->seq = r->final_count[t]++;
            f->start = start;
            f->n = nv - start < fb ? nv - start : fb;
            start += f->n;
        } while (start < nv);
    }
    return 0;
}

int fed_final_begin(struct fed_round *r)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        struct fed_own *o = &r->own[t];
        if (!o->nvalues)
            continue;
        o->perm = malloc(o->nvalues * sizeof(*o->perm));
        o->holders = calloc(o->nvalues, sizeof(*o->holders));
        if (!o->perm || !o->holders)
            return SP_ERR_NOMEM;
        shuffle(o->perm, (uint32_t)o->nvalues);
    }
    int rc = plan_finals(r);
    if (rc)
        return rc;
    sp_log_info("round %s: %" PRIu64 " own values fully blinded; %" PRIu32 " FINAL batches to %s",
                r->hex, r->values_sent, r->nfinals, fed_pname(r, r->prop.counter));
    fed_final_pump(r);
    return 0;
}

/* The fully blinded elements are needed only until the last FINAL left. */
static void drop_elements(struct fed_round *r)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        struct fed_own *o = &r->own[t];
        for (uint32_t b = 0; o->elems && b < o->nbatches; b++) {
            free(o->elems[b]);
            o->elems[b] = NULL;
        }
    }
}

static int send_final(struct fed_round *r, uint32_t g, uint8_t *buf)
{
    const struct fed_final_ref *f = &r->finals[g];
    const struct fed_own *o = &r->own[f->key_type];
    for (uint32_t j = 0; j < f->n; j++) {
        uint32_t idx = o->perm[f->start + j];
        memcpy(buf + (size_t)j * FED_ELEM,
               o->elems[idx / r->batch_size] + (size_t)(idx % r->batch_size) * FED_ELEM, FED_ELEM);
    }
    struct sp_peer_msg m = {.type = SP_PEER_FINAL};
    m.final = (struct sp_peer_final){.key_type = f->key_type,
                                     .seq = f->seq,
                                     .last = f->seq + 1 == r->final_count[f->key_type],
                                     .elements = f->n ? buf : NULL,
                                     .nelements = f->n};
    int rc = fed_send(r, r->prop.counter, &m);
    if (rc == 0)
        rc = sp_window_add(&r->final_win, f->key_type, f->seq);
    return rc;
}

void fed_final_pump(struct fed_round *r)
{
    if (r->finals_sent >= r->nfinals || sp_window_full(&r->final_win))
        return;
    uint8_t *buf = malloc((size_t)r->batch_size * FED_ELEM);
    if (!buf) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    while (r->finals_sent < r->nfinals && !sp_window_full(&r->final_win)) {
        int rc = send_final(r, r->finals_sent, buf);
        if (rc) {
            fed_round_fail(r, rc, true, "cannot send FINAL to %s: %s",
                           fed_pname(r, r->prop.counter), sp_strerror(rc));
            break;
        }
        r->finals_sent++;
    }
    free(buf);
    if (r->finals_sent == r->nfinals)
        drop_elements(r);
}

int fed_on_final_credit(struct fed_round *r, const struct sp_peer_credit *c)
{
    if (sp_window_ack(&r->final_win, c->key_type, c->seq) != 0)
        return SP_ERR_PROTO_FIELD;
    fed_final_pump(r);
    return 0;
}

/* ---- verdicts and mapping --------------------------------------------- */

struct rows_ctx {
    struct fed_round *r;
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

/* The mapping pass (worker thread): walks own (record, key) pairs in the
 * same order as the producer, numbering distinct values the same way, and
 * aggregates the verdicts per record. */
static int map_walk(struct fed_job *j)
{
    struct fed_round *r = j->round;
    struct fed_distinct d = {0};
    uint64_t idx[FED_NTYPES] = {0};
    struct sp_store_keyref ref;
    crypto_generichash_state walk;
    uint8_t digest[crypto_generichash_BYTES];
    int rc;
    crypto_generichash_init(&walk, r->walk_key, sizeof(r->walk_key), sizeof(digest));
    while ((rc = sp_store_keys_iter_next(r->map_it, &ref)) == 0) {
        if (!sp_key_type_valid(ref.type) || ref.value_len > SP_STORE_VALUE_MAX) {
            rc = SP_ERR_STORE;
            break;
        }
        if (fed_distinct_next(&d, &ref)) {
            idx[ref.type]++;
            fed_walk_update(&walk, &d.prev);
            sp_round_agg_next_value(j->agg);
        }
        const struct fed_own *o = &r->own[ref.type];
        if (idx[ref.type] > o->nvalues) {
            rc = SP_ERR_STATE;
            break;
        }
        /* with subjects on, unmatched pairs count too (agg ignores them otherwise) */
        uint32_t h = o->holders[idx[ref.type] - 1];
        if ((rc = sp_round_agg_add(j->agg, ref.dataset, ref.record_id, ref.type, ref.klass, h,
                                   r->me, r->prop.mode)) != 0)
            break;
    }
    fed_distinct_wipe(&d);
    crypto_generichash_final(&walk, digest, sizeof(digest));
    sodium_memzero(&walk, sizeof(walk));
    if (rc != SP_ERR_NOT_FOUND)
        return rc;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (idx[t] != r->own[t].nvalues)
            return SP_ERR_STATE;
    /* same number of values per type is not enough: the same values */
    return sodium_memcmp(digest, r->walk_digest, sizeof(digest)) == 0 ? 0 : SP_ERR_STATE;
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

static void map_run(struct sp_worker_job *base)
{
    struct fed_job *j = (struct fed_job *)base;
    struct fed_round *r = j->round;
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
    if (j->rc)
        return;
    uint64_t nrows = sp_round_agg_rows(j->agg);
    j->rows = calloc(nrows ? nrows : 1, sizeof(*j->rows));
    if (!j->rows) {
        j->rc = SP_ERR_NOMEM;
        return;
    }
    struct rows_ctx c = {.r = j->round, .rows = j->rows};
    j->rc = sp_round_agg_foreach(j->agg, collect_row, &c);
    j->nrows = c.n;
}

static void start_mapping(struct fed_round *r)
{
    if (r->prop.mode == SP_PROPOSAL_MODE_COUNTS) {
        r->mapped = true; /* counts mode: nodes store no per-record rows */
        sp_store_keys_iter_free(&r->map_it);
        fed_results_step(r);
        return;
    }
    int rc =
        sp_store_keys_iter_new(r->fed->store, r->prop.participants[r->me].key_types, &r->map_it);
    if (rc) {
        fed_round_fail(r, rc, true, "cannot read own values: %s", sp_strerror(rc));
        return;
    }
    struct fed_job *j = fed_job_new(r, FED_JOB_MAP);
    if (!j) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    j->base.run = map_run;
    fed_job_submit(r, j);
}

int fed_on_verdict(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_peer_verdict *v = &m->verdict;
    if (from != r->prop.counter || v->seq >= r->final_count[v->key_type])
        return SP_ERR_PROTO_FIELD;
    uint32_t g = r->final_first[v->key_type] + v->seq;
    const struct fed_final_ref *f = &r->finals[g];
    bool counts = r->prop.mode == SP_PROPOSAL_MODE_COUNTS;
    if ((r->verdict_seen[g / 8] & (1u << (g % 8))) || v->nholders != (counts ? 0 : f->n))
        return SP_ERR_PROTO_FIELD;
    for (uint32_t j = 0; j < v->nholders; j++)
        if (sp_round_check_holders(r->prop.mode, v->holders[j], r->prop.min_holders, r->me, r->n) !=
            0)
            return SP_ERR_PROTO_FIELD;
    struct fed_own *o = &r->own[f->key_type];
    for (uint32_t j = 0; j < v->nholders; j++)
        o->holders[o->perm[f->start + j]] = v->holders[j];
    r->verdict_seen[g / 8] |= (uint8_t)(1u << (g % 8));
    r->verdicts_in++;
    struct sp_peer_msg c = {.type = SP_PEER_CREDIT};
    c.credit = (struct sp_peer_credit){
        .origin = (uint8_t)r->me, .key_type = v->key_type, .seq = v->seq, .kind = SP_PEER_VERDICT};
    int rc = fed_send(r, from, &c);
    if (rc) {
        fed_round_fail(r, rc, true, "cannot send CREDIT to the counting node");
        return 0;
    }
    if (r->verdicts_in == r->nfinals && fed_round_event(r, SP_ROUND_EV_VERDICTS) == 0)
        start_mapping(r);
    return 0;
}

void fed_map_done(struct fed_round *r, struct fed_job *j)
{
    if (j->rc) {
        fed_round_fail(r, j->rc, true, "%s",
                       j->rc == SP_ERR_STATE ? "this node's datasets changed during the round"
                                             : "cannot map verdicts to records");
        return;
    }
    r->agg = j->agg;
    j->agg = NULL;
    r->rows_buf = j->rows;
    j->rows = NULL;
    r->nrows_buf = j->nrows;
    r->rows = j->nrows;
    for (size_t i = 0; i < r->nrows_buf; i++)
        r->candidates += r->rows_buf[i].klass == SP_CLASS_C;
    r->records_matched = sp_round_agg_records(r->agg);
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        r->matched[e] = sp_round_agg_matched(r->agg, e);
    if (fed_subjects_add(r, j->subjects, j->nsubjects) != 0) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    r->mapped = true;
    sp_store_keys_iter_free(&r->map_it);
    fed_results_step(r);
}

/* ---- results ---------------------------------------------------------- */

static uint32_t all_bits(unsigned n)
{
    return n >= 32 ? UINT32_MAX : (UINT32_C(1) << n) - 1;
}

static int commit(struct fed_round *r, const struct sp_count_entry *counts, size_t ncounts)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc = fed_round_meta(r, SP_ROUND_DONE, &blob, &len);
    if (rc == 0) {
        fed_gov_result(r); /* committed with the results, or dropped with them */
        rc = sp_store_results_commit(r->fed->store, r->id, NULL, 0, counts, ncounts, blob, len);
    }
    free(blob);
    if (rc) {
        fed_round_fail(r, rc, true, "cannot store the results: %s", sp_strerror(rc));
        return rc;
    }
    r->committed = true;
    sp_log_info("round %s: results stored: %" PRIu64 " rows for %" PRIu64 " own records", r->hex,
                r->rows, r->records_matched);
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
static uint32_t merge_subjects(struct fed_round *r)
{
    uint32_t n = 0;
    if (r->nsubjects)
        qsort(r->subjects, r->nsubjects, sizeof(*r->subjects), cmp_subject);
    for (uint32_t i = 0; i < r->nsubjects; i++) {
        if (n && r->subjects[n - 1].entity == r->subjects[i].entity &&
            r->subjects[n - 1].holders == r->subjects[i].holders)
            r->subjects[n - 1].count += r->subjects[i].count;
        else
            r->subjects[n++] = r->subjects[i];
    }
    return r->nsubjects = n;
}

static void initiator_commit(struct fed_round *r)
{
    if (r->committed || !r->appended || !r->counts_in || r->done_mask != all_bits(r->n))
        return;
    uint32_t nsub = merge_subjects(r), total = r->ncounts + nsub;
    struct sp_count_entry *c = calloc(total ? total : 1, sizeof(*c));
    if (!c) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < r->ncounts; i++)
        c[i] = (struct sp_count_entry){.key_type = r->counts[i].key_type,
                                       .holders = r->counts[i].holders,
                                       .count = r->counts[i].count};
    for (uint32_t i = 0; i < nsub; i++) /* stored beside the counts (store.h) */
        c[r->ncounts + i] =
            (struct sp_count_entry){.key_type = SP_STORE_SUBJECT_CELL | r->subjects[i].entity,
                                    .holders = r->subjects[i].holders,
                                    .count = r->subjects[i].count};
    int rc = commit(r, c, total);
    free(c);
    if (rc == 0)
        fed_round_check_finished(r);
}

static void own_results_stored(struct fed_round *r)
{
    if (r->roles & SP_ROUND_ROLE_INITIATOR) {
        r->done_mask |= UINT32_C(1) << r->me;
        initiator_commit(r);
        return;
    }
    if (commit(r, NULL, 0) != 0)
        return;
    struct sp_peer_msg m = {.type = SP_PEER_DONE};
    m.done = (struct sp_peer_done){.records_matched = r->records_matched,
                                   .values_sent = r->values_sent,
                                   .values_received = r->values_received,
                                   .subjects = r->subjects,
                                   .nsubjects = r->nsubjects};
    memcpy(m.done.matched, r->matched, sizeof(m.done.matched));
    fed_send_best(r, r->initiator, &m);
    fed_round_check_finished(r);
}

void fed_results_step(struct fed_round *r)
{
    if (r->state != SP_ROUND_FINISHING || !r->mapped || r->appended)
        return;
    if (r->rows_appended < r->nrows_buf) {
        size_t n = r->nrows_buf - r->rows_appended;
        if (n > FED_APPEND_CHUNK)
            n = FED_APPEND_CHUNK;
        int rc = sp_store_results_append(r->fed->store, r->id, r->rows_buf + r->rows_appended, n);
        if (rc) {
            fed_round_fail(r, rc, true, "cannot store the results: %s", sp_strerror(rc));
            return;
        }
        r->rows_appended += n;
        if (r->rows_appended < r->nrows_buf)
            return; /* more in the next tick: keep each write transaction short */
    }
    r->appended = true;
    free(r->rows_buf);
    r->rows_buf = NULL;
    sp_round_agg_free(&r->agg);
    own_results_stored(r);
}

int fed_on_done(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from == r->me || (r->done_mask & (UINT32_C(1) << from)))
        return SP_ERR_PROTO_FIELD;
    if (r->prop.mode != SP_PROPOSAL_MODE_PARTNERS && m->done.nsubjects != 0)
        return SP_ERR_PROTO_FIELD; /* only partners mode gives nodes holder sets */
    for (uint32_t i = 0; i < m->done.nsubjects; i++) {
        uint32_t h = m->done.subjects[i].holders;
        /* a node reports the subjects whose lowest holder it is */
        if (h >> r->n != 0 || (h & (0u - h)) != UINT32_C(1) << from)
            return SP_ERR_PROTO_FIELD;
    }
    if (fed_subjects_add(r, m->done.subjects, m->done.nsubjects) != 0)
        return SP_ERR_NOMEM;
    r->done_mask |= UINT32_C(1) << from;
    sp_log_info("round %s: %s is done (%" PRIu64 " records matched: %" PRIu64 " persons, %" PRIu64
                " companies, %" PRIu64 " addresses, %" PRIu64 " vehicles, %" PRIu64
                " accounts; %" PRIu64 " values sent, %" PRIu64 " blinded for others)",
                r->hex, fed_pname(r, from), m->done.records_matched,
                m->done.matched[SP_ENTITY_PERSON], m->done.matched[SP_ENTITY_COMPANY],
                m->done.matched[SP_ENTITY_ADDRESS], m->done.matched[SP_ENTITY_VEHICLE],
                m->done.matched[SP_ENTITY_ACCOUNT], m->done.values_sent, m->done.values_received);
    initiator_commit(r);
    return 0;
}

int fed_on_counts(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from != r->prop.counter || r->counts_in)
        return SP_ERR_PROTO_FIELD;
    uint32_t n = m->counts.nentries;
    r->counts = calloc(n ? n : 1, sizeof(*r->counts));
    if (!r->counts)
        return SP_ERR_NOMEM;
    if (n) /* no cells (no node had values): entries is NULL */
        memcpy(r->counts, m->counts.entries, (size_t)n * sizeof(*r->counts));
    r->ncounts = n;
    r->counts_in = true;
    initiator_commit(r);
    return 0;
}

int fed_subjects_add(struct fed_round *r, const struct sp_peer_subject_count *cells, uint32_t n)
{
    if (n == 0)
        return 0;
    if (r->nsubjects + (uint64_t)n > r->subjects_cap) {
        uint64_t ncap = r->subjects_cap ? 2 * (uint64_t)r->subjects_cap : 64;
        while (ncap < r->nsubjects + (uint64_t)n)
            ncap *= 2;
        if (ncap > UINT32_MAX / sizeof(*r->subjects))
            return SP_ERR_OVERFLOW;
        void *p = realloc(r->subjects, ncap * sizeof(*r->subjects));
        if (!p)
            return SP_ERR_NOMEM;
        r->subjects = p;
        r->subjects_cap = (uint32_t)ncap;
    }
    memcpy(r->subjects + r->nsubjects, cells, n * sizeof(*cells));
    r->nsubjects += n;
    return 0;
}

void fed_final_release(struct fed_round *r)
{
    for (int t = 0; t < FED_NTYPES; t++) {
        free(r->own[t].perm);
        free(r->own[t].holders);
        r->own[t].perm = NULL;
        r->own[t].holders = NULL;
    }
    free(r->finals);
    free(r->verdict_seen);
    free(r->rows_buf);
    free(r->counts);
    free(r->subjects);
    r->subjects = NULL;
    r->nsubjects = r->subjects_cap = 0;
    r->finals = NULL;
    r->verdict_seen = NULL;
    r->rows_buf = NULL;
    r->counts = NULL;
    sp_round_agg_free(&r->agg);
}
