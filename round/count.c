/* The counting node: every FINAL batch is sorted and kept as a run in the
 * store's scratch (the store port's run_put); when all participants' runs are in, a
 * worker merges them per key type (round_merge.h) into holder masks and the
 * incidence histogram; then COUNTS goes to the initiator and every FINAL is
 * answered with a VERDICT; the scratch is deleted. ROUNDS.md, "Counting". It
 * sees only fully blinded elements and holder patterns. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "round/core.h"
#include "round/credit.h"
#include "round/round_hist.h"
#include "round/round_merge.h"

/* a run: key type | n sorted elements | n u16 original positions */
#define RUN_ENTRY      (SP_ENG_ELEM + 2)
#define CLEANUP_BUDGET 4096

/* One FINAL stream: a participant's FINALs of one key type. */
struct stream {
    uint32_t total; /* FINALs in the stream, known at `last` */
    bool total_known;
    uint32_t in;       /* runs recorded (they arrive in seq order) */
    uint32_t next_seq; /* next VERDICT to send */
    uint32_t credited; /* VERDICTs acknowledged */
    uint32_t cap;
    uint32_t *run_n;  /* elements per run */
    uint32_t **masks; /* per run, in sorted order: filled by the merge */
};

struct sp_eng_counter {
    struct stream st[SP_PROTO_MAX_PARTICIPANTS][SP_ENG_NTYPES];
    bool all_in, merged;
    struct sp_round_hist *hist;
    /* VERDICTs unacknowledged per receiving node, all its streams together
     * (stricter than the protocol's per-stream window) */
    struct sp_window vwin[SP_PROTO_MAX_PARTICIPANTS];
    bool counts_sent;
    bool cleaned;
};

static int scratch_fail(struct sp_round *r, int rc, const char *op)
{
    sp_eng_error(r->eng, "round %s: scratch %s: %s", r->hex, op, sp_strerror(rc));
    return rc;
}

/* Whether participant p sends a FINAL stream of key type t. */
static bool expects(const struct sp_round *r, unsigned p, unsigned t)
{
    return (r->prop.participants[p].key_types & SP_KEY_MASK(t)) != 0;
}

static int counter_new(struct sp_round *r)
{
    struct sp_eng_counter *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ERR_NOMEM;
    if (sp_round_hist_new(&c->hist) != 0) {
        free(c);
        return SP_ERR_NOMEM;
    }
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        sp_window_init(&c->vwin[p], sp_eng_window(r->eng));
    r->ctr = c;
    return 0;
}

static void stream_free(struct stream *st)
{
    for (uint32_t i = 0; st->masks && i < st->in; i++)
        free(st->masks[i]);
    free(st->masks);
    free(st->run_n);
    st->masks = NULL;
    st->run_n = NULL;
}

void sp_eng_count_free(struct sp_round *r)
{
    struct sp_eng_counter *c = r->ctr;
    if (!c)
        return;
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        for (unsigned t = 0; t < SP_ENG_NTYPES; t++)
            stream_free(&c->st[p][t]);
    sp_round_hist_free(&c->hist);
    free(c);
    r->ctr = NULL;
}

/* ---- FINAL: one sorted run per batch ---------------------------------- */

/* Sorts a FINAL batch and stores it as one scratch entry (one short write
 * transaction; sequential, no per-element index). */
static int record_run(struct sp_round *r, unsigned from, const struct sp_peer_final *f)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    uint32_t n = f->nelements;
    size_t len = 1 + (size_t)n * RUN_ENTRY;
    uint16_t *perm = malloc((n ? n : 1) * sizeof(*perm));
    uint8_t *d = malloc(len);
    int rc = SP_ERR_NOMEM;
    if (!perm || !d)
        goto out;
    d[0] = f->key_type;
    if ((rc = sp_round_sort_batch(f->elements, n, d + 1, perm)) != 0)
        goto out;
    uint8_t *pp = d + 1 + (size_t)n * SP_ENG_ELEM;
    for (uint32_t i = 0; i < n; i++) {
        pp[2 * i] = (uint8_t)(perm[i] >> 8);
        pp[2 * i + 1] = (uint8_t)perm[i];
    }
    if ((rc = st->run_put(st->ctx, r->id, (uint8_t)from, f->key_type, f->seq, d, len)) != 0)
        scratch_fail(r, rc, "write");
out:
    free(d);
    free(perm);
    return rc;
}

static int stream_add(struct stream *st, uint32_t n)
{
    if (st->in == st->cap) {
        uint32_t ncap = st->cap ? st->cap * 2 : 8;
        uint32_t *rn = realloc(st->run_n, ncap * sizeof(*rn));
        if (!rn)
            return SP_ERR_NOMEM;
        st->run_n = rn;
        uint32_t **m = realloc(st->masks, ncap * sizeof(*m));
        if (!m)
            return SP_ERR_NOMEM;
        st->masks = m;
        st->cap = ncap;
    }
    st->run_n[st->in] = n;
    st->masks[st->in] = NULL;
    st->in++;
    return 0;
}

static bool all_finals_in(const struct sp_round *r)
{
    for (unsigned p = 0; p < r->n; p++)
        for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
            const struct stream *st = &r->ctr->st[p][t];
            if (expects(r, p, t) && (!st->total_known || st->in != st->total))
                return false;
        }
    return true;
}

static void merge_run(struct sp_job *base);
static void pump(struct sp_round *r);

static int on_final(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_peer_final *f = &m->final;
    if (!(r->roles & SP_ROUND_ROLE_COUNTER) || !expects(r, from, f->key_type))
        return SP_ERR_PROTO_FIELD;
    if (!r->ctr && counter_new(r) != 0)
        return SP_ERR_NOMEM;
    struct sp_eng_counter *c = r->ctr;
    if (c->all_in)
        return SP_ERR_PROTO_FIELD;
    struct stream *st = &c->st[from][f->key_type];
    /* One connection keeps a sender's order: FINALs of a stream arrive in
     * seq order; anything else (a repeat, a gap, past the end) is refused. */
    if (f->seq != st->in || st->total_known)
        return SP_ERR_PROTO_FIELD;
    int rc = record_run(r, from, f);
    if (rc == 0)
        rc = stream_add(st, f->nelements);
    if (rc) {
        sp_eng_fail(r, rc, true, "counting failed: %s", sp_strerror(rc));
        return 0;
    }
    if (f->last) {
        st->total = st->in;
        st->total_known = true;
    }
    struct sp_peer_msg cr = {.type = SP_PEER_CREDIT};
    cr.credit = (struct sp_peer_credit){
        .origin = (uint8_t)from, .key_type = f->key_type, .seq = f->seq, .kind = SP_PEER_FINAL};
    if ((rc = sp_eng_send(r, from, &cr)) != 0) {
        sp_eng_fail(r, rc, true, "cannot send CREDIT to %s: %s", sp_eng_pname(r, from),
                    sp_strerror(rc));
        return 0;
    }
    if (!all_finals_in(r))
        return 0;
    c->all_in = true;
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_MERGE);
    if (!j) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return 0;
    }
    j->base.run = merge_run;
    sp_eng_job_submit(r, j);
    return 0;
}

/* ---- the merge (a job) ----------------------------------------------- */

/* The runs of key type t, from the scratch (pointers valid until the
 * reader ends). */
static int collect_runs(struct sp_round *r, void *reader, uint8_t t, struct sp_round_run *runs,
                        size_t *nruns)
{
    const struct sp_engine_store *sto = &r->eng->ports.store;
    struct sp_eng_counter *c = r->ctr;
    *nruns = 0;
    for (unsigned p = 0; p < r->n; p++) {
        struct stream *st = &c->st[p][t];
        for (uint32_t s = 0; expects(r, p, t) && s < st->in; s++) {
            const void *run = NULL;
            size_t len = 0;
            int rc = sto->run_get(reader, r->id, (uint8_t)p, t, s, &run, &len);
            if (rc)
                return scratch_fail(r, rc, "read");
            if (len != 1 + (size_t)st->run_n[s] * RUN_ENTRY)
                return SP_ERR_STORE;
            st->masks[s] = malloc((st->run_n[s] ? st->run_n[s] : 1) * sizeof(uint32_t));
            if (!st->masks[s])
                return SP_ERR_NOMEM;
            runs[(*nruns)++] = (struct sp_round_run){.elems = (const uint8_t *)run + 1,
                                                     .n = st->run_n[s],
                                                     .holder = (uint8_t)p,
                                                     .masks = st->masks[s]};
        }
    }
    return 0;
}

static size_t max_runs(const struct sp_round *r)
{
    size_t most = 0;
    for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        size_t n = 0;
        for (unsigned p = 0; p < r->n; p++)
            n += r->ctr->st[p][t].in;
        if (n > most)
            most = n;
    }
    return most;
}

/* Reads the scratch through one reader (usable from any thread) and writes
 * only the counter's masks and histogram, which the engine's thread does
 * not touch until this job is back. */
static void merge_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    struct sp_round *r = j->round;
    const struct sp_engine_store *sto = &r->eng->ports.store;
    void *reader = NULL;
    struct sp_round_run *runs = calloc(max_runs(r) + 1, sizeof(*runs));
    int rc = runs ? sto->runs_read_begin(sto->ctx, &reader) : SP_ERR_NOMEM;
    for (uint8_t t = SP_KEY_TYPE_MIN; rc == 0 && t <= SP_KEY_TYPE_MAX; t++) {
        size_t nruns = 0;
        rc = collect_runs(r, reader, t, runs, &nruns);
        if (rc == 0)
            rc = sp_round_merge(runs, nruns, t, r->ctr->hist);
        for (size_t i = 0; rc == 0 && i < nruns; i++) /* liveness: values counted */
            atomic_fetch_add_explicit(&j->progress, runs[i].n, memory_order_relaxed);
    }
    sto->runs_read_end(reader);
    free(runs);
    j->rc = rc;
}

static int send_counts(struct sp_round *r)
{
    struct sp_eng_counter *c = r->ctr;
    struct sp_peer_count *e = NULL;
    uint32_t n = 0;
    int rc = sp_round_hist_cells(c->hist, &e, &n);
    if (rc)
        return rc;
    struct sp_peer_msg m = {.type = SP_PEER_COUNTS};
    m.counts.entries = e;
    m.counts.nentries = n;
    rc = sp_eng_send(r, r->initiator, &m);
    free(e);
    if (rc == 0) {
        c->counts_sent = true;
        sp_eng_info(r->eng, "round %s: incidence counts (%" PRIu32 " cells) sent to %s", r->hex, n,
                    sp_eng_pname(r, r->initiator));
    }
    return rc;
}

void sp_eng_count_job_done(struct sp_round *r, struct sp_eng_job *j)
{
    if (j->rc) {
        sp_eng_fail(r, j->rc, true, "counting failed: %s", sp_strerror(j->rc));
        return;
    }
    r->ctr->merged = true;
    sp_eng_info(r->eng, "round %s: every participant's values are counted", r->hex);
    int rc = send_counts(r);
    if (rc) {
        sp_eng_fail(r, rc, true, "cannot send the counts: %s", sp_strerror(rc));
        return;
    }
    pump(r);
}

/* ---- VERDICT ---------------------------------------------------------- */

/* Holders per element of FINAL (p, t, seq) in the order p sent them: the
 * merge's masks (sorted order) put back through the run's permutation,
 * filtered by what the mode discloses to p. */
static int verdict_holders(struct sp_round *r, unsigned p, uint8_t t, uint32_t seq,
                           uint32_t *holders, uint32_t *n)
{
    const struct sp_engine_store *sto = &r->eng->ports.store;
    struct stream *st = &r->ctr->st[p][t];
    void *reader = NULL;
    const void *run = NULL;
    size_t len = 0;
    *n = st->run_n[seq];
    if (r->prop.mode == SP_PROPOSAL_MODE_COUNTS || *n == 0)
        return 0;
    int rc = sto->runs_read_begin(sto->ctx, &reader);
    if (rc == 0 && (rc = sto->run_get(reader, r->id, (uint8_t)p, t, seq, &run, &len)) != 0)
        scratch_fail(r, rc, "read");
    else if (rc == 0 && len != 1 + (size_t)*n * RUN_ENTRY)
        rc = SP_ERR_STORE;
    if (rc)
        goto out;
    const uint8_t *pp = (const uint8_t *)run + 1 + (size_t)*n * SP_ENG_ELEM;
    for (uint32_t i = 0; i < *n; i++) {
        uint32_t orig = (uint32_t)pp[2 * i] << 8 | pp[2 * i + 1];
        if (orig >= *n)
            orig = 0; /* our own scratch: cannot happen; keeps the write in bounds */
        holders[orig] = sp_round_disclose(r->prop.mode, st->masks[seq][i], r->prop.min_holders, p);
    }
out:
    sto->runs_read_end(reader);
    return rc;
}

static int send_verdict(struct sp_round *r, unsigned p, uint8_t t, uint32_t seq, uint32_t *holders)
{
    struct sp_eng_counter *c = r->ctr;
    struct stream *st = &c->st[p][t];
    uint32_t n = 0;
    int rc = verdict_holders(r, p, t, seq, holders, &n);
    if (rc)
        return rc;
    bool counts = r->prop.mode == SP_PROPOSAL_MODE_COUNTS;
    struct sp_peer_msg m = {.type = SP_PEER_VERDICT};
    m.verdict = (struct sp_peer_verdict){.key_type = t,
                                         .seq = seq,
                                         .last = seq + 1 == st->total,
                                         .holders = counts || n == 0 ? NULL : holders,
                                         .nholders = counts ? 0 : n};
    if ((rc = sp_eng_send(r, p, &m)) == 0)
        rc = sp_window_add(&c->vwin[p], t, seq);
    if (rc == 0) { /* the masks of this run are not needed any more */
        free(st->masks[seq]);
        st->masks[seq] = NULL;
    }
    return rc;
}

/* Every VERDICT to p acknowledged. */
static bool credited(const struct sp_round *r, unsigned p)
{
    for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (r->ctr->st[p][t].credited != r->ctr->st[p][t].total)
            return false;
    return true;
}

static bool others_credited(const struct sp_round *r)
{
    for (unsigned p = 0; p < r->n; p++)
        if (p != r->me && !credited(r, p))
            return false;
    return true;
}

/* Sends p's next VERDICTs while its window has room. */
static int pump_one(struct sp_round *r, unsigned p, uint32_t *holders)
{
    struct sp_eng_counter *c = r->ctr;
    for (uint8_t t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        struct stream *st = &c->st[p][t];
        while (st->next_seq < st->total && !sp_window_full(&c->vwin[p])) {
            int rc = send_verdict(r, p, t, st->next_seq, holders);
            if (rc) {
                sp_eng_fail(r, rc, true, "cannot send VERDICT to %s: %s", sp_eng_pname(r, p),
                            sp_strerror(rc));
                return rc;
            }
            st->next_seq++;
        }
    }
    return 0;
}

static void pump(struct sp_round *r)
{
    struct sp_eng_counter *c = r->ctr;
    if (!c || !c->merged || sp_round_state_terminal(r->state))
        return;
    uint32_t *holders = malloc(SP_PEER_BATCH_MAX_ELEMENTS * sizeof(*holders));
    if (!holders) {
        sp_eng_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    /* Own verdicts last: when they arrive, every other node's are
     * acknowledged, so this node's results mark the end of its duties. */
    for (unsigned k = 0; k <= r->n; k++) {
        unsigned p = k < r->n ? k : r->me;
        if ((k < r->n && p == r->me) || (k == r->n && !others_credited(r)))
            continue;
        if (pump_one(r, p, holders) != 0)
            break;
    }
    free(holders);
}

static int on_verdict_credit(struct sp_round *r, unsigned from, const struct sp_peer_credit *c)
{
    struct sp_eng_counter *ctr = r->ctr;
    if (!ctr)
        return sp_eng_credit_refused(r, from, c, "%s is not the counting node, and sent no VERDICT",
                                     sp_eng_pname(r, r->me));
    if (c->origin != from)
        return sp_eng_credit_refused(r, from, c, "a VERDICT stream is credited by its receiver, %s",
                                     c->origin < r->n ? sp_eng_pname(r, c->origin) : "?");
    if (sp_window_ack(&ctr->vwin[from], c->key_type, c->seq) != 0)
        return sp_eng_credit_refused(r, from, c,
                                     "%s never sent that VERDICT to %s, or it was credited already",
                                     sp_eng_pname(r, r->me), sp_eng_pname(r, from));
    ctr->st[from][c->key_type].credited++;
    pump(r);
    return 0; /* the round may finish: engine.c's advance */
}

int sp_eng_count_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (m->type == SP_PEER_FINAL)
        return on_final(r, from, m);
    if (m->type == SP_PEER_CREDIT && m->credit.kind == SP_PEER_VERDICT)
        return on_verdict_credit(r, from, &m->credit);
    return SP_ERR_UNSUPPORTED;
}

bool sp_eng_count_done(const struct sp_round *r)
{
    const struct sp_eng_counter *c = r->ctr;
    if (!(r->roles & SP_ROUND_ROLE_COUNTER))
        return true;
    if (!c)
        return false;
    if (!c->merged || !c->counts_sent)
        return false;
    for (unsigned p = 0; p < r->n; p++)
        if (!credited(r, p))
            return false;
    return true;
}

/* ---- scratch deletion ------------------------------------------------- */

bool sp_eng_count_cleanup_step(struct sp_round *r)
{
    const struct sp_engine_store *sto = &r->eng->ports.store;
    struct sp_eng_counter *c = r->ctr;
    bool more = false;
    if (!c || c->cleaned)
        return true;
    int rc = sto->runs_delete(sto->ctx, r->id, CLEANUP_BUDGET, &more);
    if (rc) {
        /* A scratch that cannot be deleted now is emptied at the next start. */
        scratch_fail(r, rc, "delete");
        c->cleaned = true;
        return true;
    }
    if (!more) {
        c->cleaned = true;
        sp_eng_debug(r->eng, "round %s: counting scratch deleted", r->hex);
    }
    return !more;
}
