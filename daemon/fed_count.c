/* The counting node: every FINAL batch is sorted and kept as a run in the
 * LMDB scratch database "round.final"; when all participants' runs are in, a
 * worker merges them per key type (round_merge.h) into holder masks and the
 * incidence histogram; then COUNTS goes to the initiator and every FINAL is
 * answered with a VERDICT; the scratch is deleted. ROUNDS.md, "Counting". It
 * sees only fully blinded elements and holder patterns. */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/fed_internal.h"
#include "daemon/log.h"
#include "round/round_hist.h"
#include "round/round_merge.h"

/* round id | participant | key type | seq (big-endian) */
#define FIN_KEY_BYTES (SP_ROUND_ID_BYTES + 1 + 1 + 4)
/* a run: key type | n sorted elements | n u16 original positions */
#define RUN_ENTRY      (FED_ELEM + 2)
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

struct fed_counter {
    struct stream st[SP_PROTO_MAX_PARTICIPANTS][FED_NTYPES];
    bool all_in, merged;
    struct sp_round_hist *hist;
    /* VERDICTs unacknowledged per receiving node, all its streams together
     * (stricter than the protocol's per-stream window) */
    struct sp_window vwin[SP_PROTO_MAX_PARTICIPANTS];
    bool counts_sent;
    bool cleaned;
};

static MDB_env *env_of(struct fed_round *r)
{
    return (MDB_env *)sp_store_env(r->fed->store);
}

static int mdb_fail(struct fed_round *r, int rc, const char *op)
{
    sp_log_error("round %s: scratch %s: %s", r ? r->hex : "-", op, mdb_strerror(rc));
    return rc == MDB_MAP_FULL ? SP_ERR_STORE_FULL : SP_ERR_STORE;
}

/* Whether participant p sends a FINAL stream of key type t. */
static bool expects(const struct fed_round *r, unsigned p, unsigned t)
{
    return (r->prop.participants[p].key_types & SP_KEY_MASK(t)) != 0;
}

int fed_scratch_open(struct sp_fed *fed)
{
    MDB_txn *txn;
    MDB_dbi f;
    int rc = mdb_txn_begin((MDB_env *)sp_store_env(fed->store), NULL, 0, &txn);
    if (rc)
        return mdb_fail(NULL, rc, "begin");
    /* Scratch of rounds that a previous process ran cannot be used: empty it. */
    if ((rc = mdb_dbi_open(txn, "round.final", MDB_CREATE, &f)) || (rc = mdb_drop(txn, f, 0))) {
        mdb_txn_abort(txn);
        return mdb_fail(NULL, rc, "open");
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return mdb_fail(NULL, rc, "open");
    fed->final_dbi = f;
    fed->scratch_open = true;
    return 0;
}

int fed_counter_new(struct fed_round *r)
{
    struct fed_counter *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ERR_NOMEM;
    if (sp_round_hist_new(&c->hist) != 0) {
        free(c);
        return SP_ERR_NOMEM;
    }
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        sp_window_init(&c->vwin[p], fed_window(r->fed));
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

void fed_counter_free(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    if (!c)
        return;
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        for (unsigned t = 0; t < FED_NTYPES; t++)
            stream_free(&c->st[p][t]);
    sp_round_hist_free(&c->hist);
    free(c);
    r->ctr = NULL;
}

static void fin_key(uint8_t k[FIN_KEY_BYTES], const uint8_t *id, unsigned p, uint8_t type,
                    uint32_t seq)
{
    memcpy(k, id, SP_ROUND_ID_BYTES);
    k[16] = (uint8_t)p;
    k[17] = type;
    k[18] = (uint8_t)(seq >> 24);
    k[19] = (uint8_t)(seq >> 16);
    k[20] = (uint8_t)(seq >> 8);
    k[21] = (uint8_t)seq;
}

/* ---- FINAL: one sorted run per batch ---------------------------------- */

/* Sorts a FINAL batch and stores it as one scratch entry (one short write
 * transaction; sequential, no per-element index). */
static int record_run(struct fed_round *r, unsigned from, const struct sp_peer_final *f)
{
    uint32_t n = f->nelements;
    uint16_t *perm = malloc((n ? n : 1) * sizeof(*perm));
    MDB_txn *txn = NULL;
    uint8_t fk[FIN_KEY_BYTES];
    int rc = perm ? mdb_txn_begin(env_of(r), NULL, 0, &txn) : ENOMEM;
    if (rc)
        goto cleanup;
    fin_key(fk, r->id, from, f->key_type, f->seq);
    MDB_val k = {sizeof(fk), fk}, v = {1 + (size_t)n * RUN_ENTRY, NULL};
    if ((rc = mdb_put(txn, r->fed->final_dbi, &k, &v, MDB_RESERVE)) != 0)
        goto cleanup;
    uint8_t *d = v.mv_data;
    d[0] = f->key_type;
    if ((rc = sp_round_sort_batch(f->elements, n, d + 1, perm)) != 0) {
        rc = EINVAL;
        goto cleanup;
    }
    uint8_t *pp = d + 1 + (size_t)n * FED_ELEM;
    for (uint32_t i = 0; i < n; i++) {
        pp[2 * i] = (uint8_t)(perm[i] >> 8);
        pp[2 * i + 1] = (uint8_t)perm[i];
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
cleanup:
    if (txn)
        mdb_txn_abort(txn);
    free(perm);
    return rc ? mdb_fail(r, rc, "write") : 0;
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

static bool all_finals_in(const struct fed_round *r)
{
    for (unsigned p = 0; p < r->n; p++)
        for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
            const struct stream *st = &r->ctr->st[p][t];
            if (expects(r, p, t) && (!st->total_known || st->in != st->total))
                return false;
        }
    return true;
}

static void merge_run(struct sp_worker_job *base);

int fed_on_final(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    struct fed_counter *c = r->ctr;
    const struct sp_peer_final *f = &m->final;
    if (!c || c->all_in || !expects(r, from, f->key_type))
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
        fed_round_fail(r, rc, true, "counting failed: %s", sp_strerror(rc));
        return 0;
    }
    if (f->last) {
        st->total = st->in;
        st->total_known = true;
    }
    struct sp_peer_msg cr = {.type = SP_PEER_CREDIT};
    cr.credit = (struct sp_peer_credit){
        .origin = (uint8_t)from, .key_type = f->key_type, .seq = f->seq, .kind = SP_PEER_FINAL};
    if ((rc = fed_send(r, from, &cr)) != 0) {
        fed_round_fail(r, rc, true, "cannot send CREDIT to %s", fed_pname(r, from));
        return 0;
    }
    if (!all_finals_in(r))
        return 0;
    c->all_in = true;
    struct fed_job *j = fed_job_new(r, FED_JOB_MERGE);
    if (!j) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return 0;
    }
    j->base.run = merge_run;
    fed_job_submit(r, j);
    return 0;
}

/* ---- the merge (worker thread) ---------------------------------------- */

/* The runs of key type t, from the scratch (pointers valid in txn). */
static int collect_runs(struct fed_round *r, MDB_txn *txn, uint8_t t, struct sp_round_run *runs,
                        size_t *nruns)
{
    struct fed_counter *c = r->ctr;
    uint8_t fk[FIN_KEY_BYTES];
    *nruns = 0;
    for (unsigned p = 0; p < r->n; p++) {
        struct stream *st = &c->st[p][t];
        for (uint32_t s = 0; expects(r, p, t) && s < st->in; s++) {
            fin_key(fk, r->id, p, t, s);
            MDB_val k = {sizeof(fk), fk}, v;
            int rc = mdb_get(txn, r->fed->final_dbi, &k, &v);
            if (rc)
                return mdb_fail(r, rc, "read");
            if (v.mv_size != 1 + (size_t)st->run_n[s] * RUN_ENTRY)
                return SP_ERR_STORE;
            st->masks[s] = malloc((st->run_n[s] ? st->run_n[s] : 1) * sizeof(uint32_t));
            if (!st->masks[s])
                return SP_ERR_NOMEM;
            runs[(*nruns)++] = (struct sp_round_run){.elems = (const uint8_t *)v.mv_data + 1,
                                                     .n = st->run_n[s],
                                                     .holder = (uint8_t)p,
                                                     .masks = st->masks[s]};
        }
    }
    return 0;
}

static size_t max_runs(const struct fed_round *r)
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

/* Reads the scratch in one read transaction (MDB_NOTLS: any thread) and
 * writes only the counter's masks and histogram, which the loop thread does
 * not touch until this job is back. */
static void merge_run(struct sp_worker_job *base)
{
    struct fed_job *j = (struct fed_job *)base;
    struct fed_round *r = j->round;
    MDB_txn *txn = NULL;
    struct sp_round_run *runs = calloc(max_runs(r) + 1, sizeof(*runs));
    int rc = runs ? 0 : SP_ERR_NOMEM;
    int mrc = rc ? 0 : mdb_txn_begin(env_of(r), NULL, MDB_RDONLY, &txn);
    if (mrc)
        rc = mdb_fail(r, mrc, "begin");
    for (uint8_t t = SP_KEY_TYPE_MIN; rc == 0 && t <= SP_KEY_TYPE_MAX; t++) {
        size_t nruns = 0;
        rc = collect_runs(r, txn, t, runs, &nruns);
        if (rc == 0)
            rc = sp_round_merge(runs, nruns, t, r->ctr->hist);
    }
    if (txn)
        mdb_txn_abort(txn);
    free(runs);
    j->rc = rc;
}

static int send_counts(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    struct sp_peer_count *e = NULL;
    uint32_t n = 0;
    int rc = sp_round_hist_cells(c->hist, &e, &n);
    if (rc)
        return rc;
    struct sp_peer_msg m = {.type = SP_PEER_COUNTS};
    m.counts.entries = e;
    m.counts.nentries = n;
    rc = fed_send(r, r->initiator, &m);
    free(e);
    if (rc == 0) {
        c->counts_sent = true;
        sp_log_info("round %s: incidence counts (%" PRIu32 " cells) sent to %s", r->hex, n,
                    fed_pname(r, r->initiator));
    }
    return rc;
}

void fed_merge_done(struct fed_round *r, struct fed_job *j)
{
    if (j->rc) {
        fed_round_fail(r, j->rc, true, "counting failed: %s", sp_strerror(j->rc));
        return;
    }
    r->ctr->merged = true;
    sp_log_info("round %s: every participant's values are counted", r->hex);
    int rc = send_counts(r);
    if (rc) {
        fed_round_fail(r, rc, true, "cannot send the counts: %s", sp_strerror(rc));
        return;
    }
    fed_counter_pump(r);
}

/* ---- VERDICT ---------------------------------------------------------- */

/* Holders per element of FINAL (p, t, seq) in the order p sent them: the
 * merge's masks (sorted order) put back through the run's permutation,
 * filtered by what the mode discloses to p. */
static int verdict_holders(struct fed_round *r, unsigned p, uint8_t t, uint32_t seq,
                           uint32_t *holders, uint32_t *n)
{
    struct stream *st = &r->ctr->st[p][t];
    MDB_txn *txn;
    uint8_t fk[FIN_KEY_BYTES];
    *n = st->run_n[seq];
    if (r->prop.mode == SP_PROPOSAL_MODE_COUNTS || *n == 0)
        return 0;
    int rc = mdb_txn_begin(env_of(r), NULL, MDB_RDONLY, &txn);
    if (rc)
        return mdb_fail(r, rc, "begin");
    fin_key(fk, r->id, p, t, seq);
    MDB_val k = {sizeof(fk), fk}, v;
    if ((rc = mdb_get(txn, r->fed->final_dbi, &k, &v)) != 0 ||
        v.mv_size != 1 + (size_t)*n * RUN_ENTRY) {
        mdb_txn_abort(txn);
        return rc ? mdb_fail(r, rc, "read") : SP_ERR_STORE;
    }
    const uint8_t *pp = (const uint8_t *)v.mv_data + 1 + (size_t)*n * FED_ELEM;
    for (uint32_t i = 0; i < *n; i++) {
        uint32_t orig = (uint32_t)pp[2 * i] << 8 | pp[2 * i + 1];
        if (orig >= *n)
            orig = 0; /* our own scratch: cannot happen; keeps the write in bounds */
        holders[orig] = sp_round_disclose(r->prop.mode, st->masks[seq][i], r->prop.min_holders, p);
    }
    mdb_txn_abort(txn);
    return 0;
}

static int send_verdict(struct fed_round *r, unsigned p, uint8_t t, uint32_t seq, uint32_t *holders)
{
    struct fed_counter *c = r->ctr;
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
    if ((rc = fed_send(r, p, &m)) == 0)
        rc = sp_window_add(&c->vwin[p], t, seq);
    if (rc == 0) { /* the masks of this run are not needed any more */
        free(st->masks[seq]);
        st->masks[seq] = NULL;
    }
    return rc;
}

/* Every VERDICT to p acknowledged. */
static bool credited(const struct fed_round *r, unsigned p)
{
    for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (r->ctr->st[p][t].credited != r->ctr->st[p][t].total)
            return false;
    return true;
}

static bool others_credited(const struct fed_round *r)
{
    for (unsigned p = 0; p < r->n; p++)
        if (p != r->me && !credited(r, p))
            return false;
    return true;
}

/* Sends p's next VERDICTs while its window has room. */
static int pump_one(struct fed_round *r, unsigned p, uint32_t *holders)
{
    struct fed_counter *c = r->ctr;
    for (uint8_t t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        struct stream *st = &c->st[p][t];
        while (st->next_seq < st->total && !sp_window_full(&c->vwin[p])) {
            int rc = send_verdict(r, p, t, st->next_seq, holders);
            if (rc) {
                fed_round_fail(r, rc, true, "cannot send VERDICT to %s: %s", fed_pname(r, p),
                               sp_strerror(rc));
                return rc;
            }
            st->next_seq++;
        }
    }
    return 0;
}

void fed_counter_pump(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    if (!c || !c->merged || sp_round_state_terminal(r->state))
        return;
    uint32_t *holders = malloc(SP_PEER_BATCH_MAX_ELEMENTS * sizeof(*holders));
    if (!holders) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
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

int fed_on_verdict_credit(struct fed_round *r, unsigned from, const struct sp_peer_credit *c)
{
    struct fed_counter *ctr = r->ctr;
    if (!ctr || c->origin != from || sp_window_ack(&ctr->vwin[from], c->key_type, c->seq) != 0)
        return SP_ERR_PROTO_FIELD;
    ctr->st[from][c->key_type].credited++;
    fed_counter_pump(r);
    fed_round_check_finished(r);
    return 0;
}

bool fed_counter_done(const struct fed_round *r)
{
    const struct fed_counter *c = r->ctr;
    if (!c)
        return true;
    if (!c->merged || !c->counts_sent)
        return false;
    for (unsigned p = 0; p < r->n; p++)
        if (!credited(r, p))
            return false;
    return true;
}

/* ---- scratch deletion ------------------------------------------------- */

/* Deletes up to *budget entries whose key starts with the round id. */
static int delete_prefix(struct fed_round *r, MDB_txn *txn, unsigned dbi, size_t *budget,
                         bool *more)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return rc;
    MDB_val k = {SP_ROUND_ID_BYTES, r->id}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= SP_ROUND_ID_BYTES &&
           memcmp(k.mv_data, r->id, SP_ROUND_ID_BYTES) == 0) {
        if (*budget == 0) {
            *more = true;
            break;
        }
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        (*budget)--;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == EINVAL) /* deleted the last entry */
            rc = MDB_NOTFOUND;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

bool fed_counter_cleanup_step(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    if (!c || c->cleaned || !r->fed->scratch_open)
        return true;
    MDB_txn *txn;
    size_t budget = CLEANUP_BUDGET;
    bool more = false;
    int rc = mdb_txn_begin(env_of(r), NULL, 0, &txn);
    if (rc == 0)
        rc = delete_prefix(r, txn, r->fed->final_dbi, &budget, &more);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc) {
        /* A scratch that cannot be deleted now is emptied at the next start. */
        mdb_fail(r, rc, "delete");
        c->cleaned = true;
        return true;
    }
    if (!more) {
        c->cleaned = true;
        sp_log_debug("round %s: counting scratch deleted", r->hex);
    }
    return !more;
}
