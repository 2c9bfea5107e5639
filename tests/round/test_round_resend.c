/*
 * A message to the initiator that the transport refuses (ROUNDS.md,
 * "Faults"; simulator finding 4): three round engines over the simulator's
 * in-memory stores, wired by a FIFO per link (1 ms, or more on a slow
 * link), jobs run on the test's thread, a tick whenever an engine asks.
 * A node's send port answers SP_ERR_BUSY for the first N messages of one
 * type (or all of them): ACCEPT, DONE and REFUSE are offered again at
 * ticks with a doubling wait and the round ends as it would have, at once,
 * with what arrived taken once; an ABORT too, so a round that fails because
 * a START was refused ends at every node at once; one that never leaves
 * ends the round at the deadline, and the round then leaves memory. Duplicates of ACCEPT and DONE
 * (what a retry would look like if a transport sent a message it said it
 * refused) are taken once: the initiator's counts and subject cells equal
 * those of an undisturbed round on the same data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/control.h"
#include "proto/peer.h"
#include "round/core.h"
#include "round/engine.h"
#include "round/round_meta.h"
#include "sim_data.h"
#include "sim_rng.h"
#include "sim_store.h"

#define NN         3
#define DEADLINE_S 30
#define T0_WALL    UINT64_C(1796000000000)
#define T0_MONO    UINT64_C(1000000)
#define NTYPES     (SP_PEER_TYPE_MAX + 1)

struct fx;

struct node {
    struct fx *f;
    unsigned id;
    char name[4];
    const char *peers[NN];
    unsigned peer_node[NN];
    struct sp_engine_config cfg;
    struct sp_engine_ports ports;
    struct sp_engine *e;
    struct sim_store store;
    struct sp_job *jh, *jt;
    uint64_t tick_at; /* 0: none asked for */
    /* the send port's faults */
    unsigned busy_left[NTYPES]; /* refusals still to give, per type */
    bool busy_always[NTYPES];
    unsigned dup[NTYPES]; /* deliver this many extra copies of the next message of a type */
    bool refuse;          /* the policy refuses every proposal */
    unsigned refused;     /* gov.refused calls (messages this node refused) */
    unsigned gave_up, resent;
    uint64_t tries_at[32]; /* when a refused type's sends were tried */
    unsigned ntries;
    int tries_type;
};

struct msg {
    struct msg *next;
    uint64_t at, seq;
    unsigned from, to;
    size_t len;
    uint8_t b[];
};

struct fx {
    struct sim_data data;
    struct node n[NN];
    struct msg *q;
    uint64_t seq, now;
    uint32_t latency[NN][NN];
    unsigned delivered[NN][NN][NTYPES]; /* to, from, type */
    uint8_t id[SP_ROUND_ID_BYTES];
};

static struct sp_engine_now now_of(const struct fx *f)
{
    return (struct sp_engine_now){.mono_ms = T0_MONO + f->now, .wall_ms = T0_WALL + f->now};
}

static void push(struct fx *f, unsigned from, unsigned to, const uint8_t *b, size_t len,
                 uint64_t at)
{
    struct msg *m = malloc(sizeof(*m) + len);
    assert_non_null(m);
    *m = (struct msg){.at = at, .seq = f->seq++, .from = from, .to = to, .len = len};
    memcpy(m->b, b, len);
    struct msg **pp = &f->q;
    while (*pp && ((*pp)->at < at || ((*pp)->at == at && (*pp)->seq < m->seq)))
        pp = &(*pp)->next;
    m->next = *pp;
    *pp = m;
}

/* ---- ports ------------------------------------------------------------- */

static int send_port(void *ctx, size_t peer, const void *reply_to, const uint8_t *b, size_t len)
{
    struct node *n = ctx;
    struct fx *f = n->f;
    unsigned to = reply_to ? *(const unsigned *)reply_to : n->peer_node[peer];
    struct sp_peer_msg m;
    assert_int_equal(sp_peer_decode(b, len, &m), 0);
    int type = m.type;
    sp_peer_msg_clear(&m);
    assert_true(type > 0 && type < NTYPES);
    if (!reply_to && (n->busy_always[type] || n->busy_left[type] > 0)) {
        if (n->busy_left[type] > 0)
            n->busy_left[type]--;
        if (n->ntries < 32)
            n->tries_at[n->ntries++] = f->now;
        n->tries_type = type;
        return SP_ERR_BUSY;
    }
    if (!reply_to && n->tries_type == type && n->ntries < 32)
        n->tries_at[n->ntries++] = f->now; /* the try that went */
    uint64_t lat = f->latency[n->id][to];
    push(f, n->id, to, b, len, f->now + lat);
    for (; !reply_to && n->dup[type] > 0; n->dup[type]--)
        push(f, n->id, to, b, len, f->now + lat);
    return 0;
}

static void submit(void *ctx, struct sp_job *job)
{
    struct node *n = ctx;
    job->next = NULL;
    if (n->jt)
        n->jt->next = job;
    else
        n->jh = job;
    n->jt = job;
}

static void log_line(void *ctx, int level, const char *line)
{
    struct node *n = ctx;
    (void)level;
    if (strstr(line, "gave up sending"))
        n->gave_up++;
    if (strstr(line, "sent at try"))
        n->resent++;
    if (getenv("SP_TEST_VERBOSE"))
        fprintf(stderr, "[%6llu] %s %s\n", (unsigned long long)n->f->now, n->name, line);
}

static bool link_up(void *ctx, size_t peer, uint64_t *since)
{
    (void)ctx, (void)peer;
    *since = 0;
    return true;
}

static int judge(void *ctx, const struct sp_proposal *p, const uint8_t *bytes, size_t len,
                 const struct sp_peer_propose *signed_by, uint64_t now_unix,
                 struct sp_engine_verdict *v, char *reason, size_t cap)
{
    struct node *n = ctx;
    (void)p, (void)bytes, (void)len, (void)signed_by, (void)now_unix, (void)v;
    if (!n->refuse)
        return 0;
    snprintf(reason, cap, "the test's policy refuses it");
    return SP_ERR_POLICY;
}

static void refused(void *ctx, const char *peer, int code, const char *why)
{
    struct node *n = ctx;
    (void)peer, (void)code, (void)why;
    n->refused++;
}

/* ---- the federation ---------------------------------------------------- */

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    struct sim_rng rng = sim_rng_fork(4711, 9);
    assert_int_equal(sim_data_generate(&f->data, NN, 1, false, &rng), 0);
    for (unsigned i = 0; i < NN; i++) {
        struct node *n = &f->n[i];
        n->f = f;
        n->id = i;
        snprintf(n->name, sizeof(n->name), "n%u", i);
    }
    for (unsigned i = 0; i < NN; i++) {
        struct node *n = &f->n[i];
        size_t np = 0;
        for (unsigned j = 0; j < NN; j++) {
            f->latency[i][j] = 1;
            if (j == i)
                continue;
            n->peer_node[np] = j;
            n->peers[np++] = f->n[j].name;
        }
        n->cfg = (struct sp_engine_config){.node = n->name,
                                           .peers = n->peers,
                                           .npeers = np,
                                           .batch_size = 3,
                                           .batch_window = 2,
                                           .round_deadline_s = 60,
                                           .workers = 1};
        sim_store_init(&n->store, &f->data.node[i]);
        n->ports = (struct sp_engine_ports){
            .ctx = n, .send = send_port, .submit = submit, .log = log_line, .link_up = link_up};
        sim_store_port(&n->store, &n->ports.store);
        n->ports.gov = (struct sp_engine_gov){.ctx = n, .judge = judge, .refused = refused};
    }
}

static void fx_engines(struct fx *f)
{
    for (unsigned i = 0; i < NN; i++)
        assert_int_equal(sp_engine_new(&f->n[i].cfg, &f->n[i].ports, now_of(f), &f->n[i].e), 0);
}

static void fx_free(struct fx *f)
{
    for (unsigned i = 0; i < NN; i++) {
        sp_engine_free(&f->n[i].e);
        sim_store_free(&f->n[i].store);
    }
    while (f->q) {
        struct msg *m = f->q;
        f->q = m->next;
        free(m);
    }
    sim_data_free(&f->data);
}

/* n0 starts a partners round (k 1) of the three, counted at n1. */
static void start(struct fx *f)
{
    static struct sp_ctl_request req;
    struct sp_ctl_reply rep;
    memset(&req, 0, sizeof(req));
    req.op = SP_CTL_ROUND_START;
    struct sp_proposal *p = &req.round_start;
    snprintf(p->coordinator, sizeof(p->coordinator), "test");
    snprintf(p->case_ref, sizeof(p->case_ref), "RESEND-1");
    snprintf(p->purpose, sizeof(p->purpose), "test");
    p->nparticipants = NN;
    for (unsigned i = 0; i < NN; i++) {
        snprintf(p->participants[i].name, sizeof(p->participants[i].name), "%s", f->n[i].name);
        snprintf(p->participants[i].legal_basis, sizeof(p->participants[i].legal_basis), "test");
        p->participants[i].key_types = f->data.type_mask;
    }
    p->min_holders = 1;
    p->mode = SP_PROPOSAL_MODE_PARTNERS;
    p->counter = 1;
    p->max_set_size = 100000;
    p->expires_at = T0_WALL / 1000 + 3600;
    p->deadline_s = DEADLINE_S;
    p->retention_days = 30;
    assert_int_equal(sp_engine_control(f->n[0].e, &req, &rep, now_of(f)), 0);
    assert_int_equal(rep.status, 0);
    memcpy(f->id, rep.round_id, sizeof(f->id));
    sp_ctl_reply_clear(&rep);
}

static bool quiet(const struct fx *f)
{
    if (f->q)
        return false;
    for (unsigned i = 0; i < NN; i++)
        if (f->n[i].jh || f->n[i].e->nrounds != 0)
            return false;
    return true;
}

/* Runs until every round has left every engine (or the horizon); returns
 * the time the last round became terminal everywhere. */
static uint64_t run(struct fx *f, uint64_t horizon)
{
    uint64_t ended = 0;
    for (f->now = 1; f->now <= horizon && !quiet(f); f->now++) {
        bool busy = true;
        while (busy) {
            busy = false;
            while (f->q && f->q->at <= f->now) {
                struct msg *m = f->q;
                f->q = m->next;
                struct sp_peer_msg d;
                if (sp_peer_decode(m->b, m->len, &d) == 0) {
                    f->delivered[m->to][m->from][d.type]++;
                    sp_peer_msg_clear(&d);
                }
                unsigned from = m->from;
                struct node *to = &f->n[m->to];
                size_t peer = m->from < m->to ? m->from : m->from - 1;
                sp_engine_on_peer(to->e, peer, &from, m->b, m->len, now_of(f));
                free(m);
                busy = true;
            }
            for (unsigned i = 0; i < NN; i++) {
                struct node *n = &f->n[i];
                while (n->jh) {
                    struct sp_job *j = n->jh;
                    n->jh = j->next;
                    if (!n->jh)
                        n->jt = NULL;
                    if (!atomic_load(&j->cancelled)) {
                        j->run(j);
                        j->ran = true;
                    }
                    sp_engine_job_done(n->e, j, now_of(f));
                    busy = true;
                }
            }
        }
        for (unsigned i = 0; i < NN; i++) { /* a tick when the engine asked for one */
            struct node *n = &f->n[i];
            if (n->tick_at && f->now >= n->tick_at) {
                n->tick_at = 0;
                sp_engine_tick(n->e, now_of(f));
            }
            long t = sp_engine_next_tick_ms(n->e, now_of(f));
            uint64_t at = f->now + (t > 0 ? (uint64_t)t : 1);
            if (t >= 0 && (!n->tick_at || at < n->tick_at))
                n->tick_at = at;
        }
        bool live = false;
        for (unsigned i = 0; i < NN; i++)
            live = live || sp_engine_rounds_active(f->n[i].e) != 0;
        if (live)
            ended = f->now + 1;
    }
    assert_true(quiet(f)); /* every round left memory: nothing kept for ever */
    return ended;
}

static int state_of(const struct fx *f, unsigned node, char *reason, size_t cap)
{
    const struct sim_blob *b = sim_store_round_get(&f->n[node].store, f->id);
    static struct sp_round_meta m;
    assert_non_null(b);
    assert_int_equal(sp_round_meta_decode(b->p, b->len, &m), 0);
    if (reason)
        snprintf(reason, cap, "%s", m.reason);
    return m.state;
}

static void assert_all_done(const struct fx *f)
{
    for (unsigned i = 0; i < NN; i++)
        assert_int_equal(state_of(f, i, NULL, 0), SP_ROUND_DONE);
}

/* The initiator's committed counts and subject cells. */
static const struct sim_results *counts_of(const struct fx *f)
{
    const struct sim_results *r = sim_store_results(&f->n[0].store, f->id);
    assert_non_null(r);
    assert_true(r->committed);
    assert_true(r->ncounts > 0);
    return r;
}

static void assert_counts_equal(const struct sim_results *a, const struct sim_results *b)
{
    assert_int_equal(a->ncounts, b->ncounts);
    for (size_t i = 0; i < a->ncounts; i++) {
        assert_int_equal(a->counts[i].key_type, b->counts[i].key_type);
        assert_int_equal(a->counts[i].holders, b->counts[i].holders);
        assert_int_equal(a->counts[i].count, b->counts[i].count);
    }
}

/* The undisturbed round: how long it takes, and its counts. */
static struct fx clean;
static uint64_t clean_ms;

static int setup_clean(void **state)
{
    (void)state;
    fx_init(&clean);
    fx_engines(&clean);
    start(&clean);
    clean_ms = run(&clean, 120000);
    assert_all_done(&clean);
    assert_true(clean_ms < 2000);
    bool cells = false;
    const struct sim_results *r = counts_of(&clean);
    for (size_t i = 0; i < r->ncounts; i++)
        cells = cells || (r->counts[i].key_type & SP_ROUND_SUBJECT_CELL);
    assert_true(cells); /* partners mode: DONE carries subject cells */
    return 0;
}

static int teardown_clean(void **state)
{
    (void)state;
    fx_free(&clean);
    return 0;
}

/* Tries at t, t + 50, + 100, + 200, ...: the wait doubles. */
static void assert_backoff(const struct node *n, unsigned tries)
{
    assert_int_equal(n->ntries, tries);
    uint64_t wait = SP_ENG_RESEND_FIRST_MS;
    for (unsigned i = 1; i < tries; i++) {
        assert_true(n->tries_at[i] - n->tries_at[i - 1] >= wait);
        assert_true(n->tries_at[i] - n->tries_at[i - 1] <= wait + 2);
        wait = wait * 2 > SP_ENG_RESEND_MAX_MS ? SP_ENG_RESEND_MAX_MS : wait * 2;
    }
}

/* ---- tests ------------------------------------------------------------- */

static void test_accept_busy(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    fx_init(f);
    f->n[2].busy_left[SP_PEER_ACCEPT] = 3;
    fx_engines(f);
    start(f);
    uint64_t ended = run(f, 120000);
    assert_all_done(f);
    assert_backoff(&f->n[2], 4);              /* refused three times, then sent */
    assert_true(ended < clean_ms + 350 + 50); /* 50 + 100 + 200 ms of waiting */
    assert_int_equal(f->delivered[0][2][SP_PEER_ACCEPT], 1);
    assert_int_equal(f->n[2].resent, 1);
    assert_int_equal(f->n[0].refused + f->n[1].refused + f->n[2].refused, 0);
    assert_counts_equal(counts_of(f), counts_of(&clean));
    fx_free(f);
    free(f);
}

static void test_done_busy(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    fx_init(f);
    f->n[2].busy_left[SP_PEER_DONE] = 5;
    fx_engines(f);
    start(f);
    uint64_t ended = run(f, 120000);
    assert_all_done(f);
    assert_backoff(&f->n[2], 6);
    assert_true(ended < clean_ms + 1550 + 50);
    assert_int_equal(f->delivered[0][2][SP_PEER_DONE], 1);
    assert_int_equal(f->n[0].refused, 0);
    assert_counts_equal(counts_of(f), counts_of(&clean));
    fx_free(f);
    free(f);
}

static void test_refuse_busy(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    char why[SP_PROTO_TEXT_MAX + 1];
    fx_init(f);
    f->n[2].refuse = true;
    f->n[2].busy_left[SP_PEER_REFUSE] = 2;
    fx_engines(f);
    start(f);
    uint64_t ended = run(f, 120000);
    assert_true(ended < 1000); /* not the deadline */
    assert_int_equal(state_of(f, 2, NULL, 0), SP_ROUND_REFUSED);
    assert_int_equal(state_of(f, 0, why, sizeof(why)), SP_ROUND_FAILED);
    assert_non_null(strstr(why, "refused by n2"));
    assert_int_equal(f->delivered[0][2][SP_PEER_REFUSE], 1);
    fx_free(f);
    free(f);
}

/* The initiator's START is refused: the round fails at once, and the ABORTs
 * the transport refuses too are offered again, so the others fail at once
 * with the reason instead of at the deadline. */
static void test_abort_busy(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    char why[SP_PROTO_TEXT_MAX + 1];
    fx_init(f);
    f->n[0].busy_left[SP_PEER_START] = 1;
    f->n[0].busy_left[SP_PEER_ABORT] = 3; /* both ABORTs, and the first retry of one */
    fx_engines(f);
    start(f);
    uint64_t ended = run(f, 120000);
    assert_true(ended < 1000);
    for (unsigned i = 0; i < NN; i++) {
        assert_int_equal(state_of(f, i, why, sizeof(why)), SP_ROUND_FAILED);
        assert_non_null(strstr(why, "cannot send START"));
        if (i > 0) {
            assert_non_null(strstr(why, "aborted by n0"));
            assert_int_equal(f->delivered[i][0][SP_PEER_ABORT], 1);
        }
    }
    assert_int_equal(f->n[0].resent, 2);
    fx_free(f);
    free(f);
}

/* An ACCEPT that never leaves: the participant's own deadline fails the
 * round and its ABORT ends it at the others; nothing stays in memory. */
static void test_accept_never(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    char why[SP_PROTO_TEXT_MAX + 1];
    fx_init(f);
    f->n[2].busy_always[SP_PEER_ACCEPT] = true;
    fx_engines(f);
    start(f);
    uint64_t ended = run(f, 120000);
    assert_true(ended >= DEADLINE_S * 1000 && ended < DEADLINE_S * 1000 + 100);
    for (unsigned i = 0; i < NN; i++) { /* its own deadline, or the initiator's ABORT */
        assert_int_equal(state_of(f, i, why, sizeof(why)), SP_ROUND_FAILED);
        assert_non_null(strstr(why, "deadline of 30 s passed in state"));
    }
    assert_int_equal(f->delivered[0][2][SP_PEER_ACCEPT], 0);
    /* tries capped at SP_ENG_RESEND_MAX_MS apart: about 20 in 30 s */
    assert_true(f->n[2].ntries >= 15);
    assert_int_equal(f->n[2].gave_up, 1);
    fx_free(f);
    free(f);
}

/* A DONE that never leaves: the node is done, the initiator fails the
 * round at its deadline (as before the fix), and the node keeps the round
 * in memory until then, no longer. */
static void test_done_never(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    char why[SP_PROTO_TEXT_MAX + 1];
    fx_init(f);
    f->n[2].busy_always[SP_PEER_DONE] = true;
    fx_engines(f);
    start(f);
    (void)run(f, 120000);
    assert_int_equal(state_of(f, 2, NULL, 0), SP_ROUND_DONE);
    assert_int_equal(state_of(f, 0, why, sizeof(why)), SP_ROUND_FAILED);
    assert_non_null(strstr(why, "deadline"));
    assert_int_equal(f->delivered[0][2][SP_PEER_DONE], 0);
    assert_int_equal(f->n[2].gave_up, 1);
    fx_free(f);
    free(f);
}

/* An ACCEPT and a DONE delivered twice while the initiator still waits for
 * the slow n1: the second ACCEPT changes nothing, the second DONE is
 * refused; counts and subject cells are the undisturbed round's. */
static void test_duplicates_taken_once(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    fx_init(f);
    f->latency[1][0] = 40; /* n2's ACCEPT and DONE come before n1's */
    f->n[2].dup[SP_PEER_ACCEPT] = 1;
    f->n[2].dup[SP_PEER_DONE] = 1;
    fx_engines(f);
    start(f);
    (void)run(f, 120000);
    assert_all_done(f);
    assert_int_equal(f->delivered[0][2][SP_PEER_ACCEPT], 2);
    assert_int_equal(f->delivered[0][2][SP_PEER_DONE], 2);
    assert_int_equal(f->delivered[1][0][SP_PEER_START], 1);
    assert_int_equal(f->delivered[2][0][SP_PEER_START], 1);
    assert_int_equal(f->n[0].refused, 1);                   /* the second DONE */
    assert_int_equal(f->delivered[2][0][SP_PEER_ERROR], 1); /* ... answered; n2 is done */
    assert_counts_equal(counts_of(f), counts_of(&clean));
    fx_free(f);
    free(f);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_busy),           cmocka_unit_test(test_done_busy),
        cmocka_unit_test(test_refuse_busy),           cmocka_unit_test(test_abort_busy),
        cmocka_unit_test(test_accept_never),          cmocka_unit_test(test_done_never),
        cmocka_unit_test(test_duplicates_taken_once),
    };
    return cmocka_run_group_tests(tests, setup_clean, teardown_clean);
}
