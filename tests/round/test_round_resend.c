/*
 * A message to the initiator that the transport refuses (ROUNDS.md,
 * "Faults"; simulator finding 4): three round engines over the simulator's
 * in-memory stores, wired by a FIFO per link (1 ms, or more on a slow
 * link), jobs run on the test's thread, a tick whenever an engine asks
 * (engine_fixture.h, shared with test_round_forged.c).
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

#include "engine_fixture.h"
#include "proto/peer.h"
#include "round/core.h"
#include "round/engine.h"

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
