/*
 * Liveness (issue 11; round/liveness.c, daemon/ROUNDS.md "Faults"): three
 * round engines over the simulator's in-memory stores (engine_fixture.h),
 * with a stall timeout of 10 s and the old fixed 30 s deadline.
 *
 * - A participant that hangs (its process alive, its links up, nothing
 *   reaching its engine) fails the round at the others within the stall
 *   timeout, long before the deadline, with a reason that names it.
 * - A slow participant (one job at a time, 4 s each) whose round lasts
 *   longer than the old fixed 30 s completes, with the deadline its size
 *   calls for: its progress (and its jobs in hand) keep the round alive.
 * - A PROGRESS for a round a node does not know (it left memory, or never
 *   was) is dropped silently: a heartbeat is never answered with ERROR,
 *   which would fail the sender's round.
 * - The deadline a node accepts: its round_deadline or, when longer, what
 *   the proposal's size calls for.
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
#include "proto/proposal.h"
#include "round/round.h"

#define STALL_S 10

static void stall_config(struct fx *f)
{
    for (unsigned i = 0; i < NN; i++)
        f->n[i].cfg.round_stall_s = STALL_S;
}

/* n2 hangs once every node is blinding: n0 and n1 fail within the stall
 * timeout (and a few seconds of heartbeat), naming n2. */
static void test_hang_named(void **state)
{
    static struct fx f;
    char reason[256];
    (void)state;
    fx_init(&f);
    stall_config(&f);
    f.n[2].hang_at = 40;
    fx_engines(&f);
    start(&f);
    uint64_t ended = run(&f, 60000);
    assert_true(ended > STALL_S * 1000);
    assert_true(ended < (STALL_S + 5) * 1000); /* not the 30 s deadline */
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(state_of(&f, i, reason, sizeof(reason)), SP_ROUND_FAILED);
        if (strstr(reason, "no progress from n2 for ") == NULL)
            fail_msg("n%u: %s", i, reason);
        assert_non_null(strstr(reason, "in phase "));
    }
    fx_free(&f);
}

/* n1 (the counting node) runs one job at a time, 4 s each: the round lasts
 * well past the old fixed 30 s, never 10 s without progress or a job in
 * hand, and ends done everywhere under the deadline its size calls for. */
static void test_slow_completes(void **state)
{
    static struct fx f;
    char reason[256];
    (void)state;
    fx_init(&f);
    stall_config(&f);
    f.n[1].job_ms = 4000;
    f.deadline_s = 600 + 3 * 4 * 100; /* sp_proposal_deadline_for_size at most: ample */
    fx_engines(&f);
    start(&f);
    uint64_t ended = run(&f, 1200000);
    assert_true(ended > 30000);
    for (unsigned i = 0; i < NN; i++)
        if (state_of(&f, i, reason, sizeof(reason)) != SP_ROUND_DONE)
            fail_msg("n%u: %s", i, reason);
    fx_free(&f);
}

/* A PROGRESS for a round n0 does not know: no ERROR goes back. */
static void test_unknown_round_silent(void **state)
{
    static struct fx f;
    struct sp_peer_msg m = {.type = SP_PEER_PROGRESS};
    uint8_t *b = NULL;
    size_t len = 0;
    (void)state;
    fx_init(&f);
    fx_engines(&f);
    randombytes_buf(m.round_id, sizeof(m.round_id));
    m.progress = (struct sp_peer_progress){SP_PEER_PHASE_RING, 42, true};
    assert_int_equal(sp_peer_encode_alloc(&m, &b, &len), 0);
    push(&f, 1, 0, b, len, 1);
    free(b);
    run(&f, 100);
    assert_int_equal(f.delivered[0][1][SP_PEER_PROGRESS], 1);
    assert_int_equal(f.delivered[1][0][SP_PEER_ERROR], 0);
    assert_int_equal(f.n[0].refused, 0);
    fx_free(&f);
}

/* The deadline a node accepts: its round_deadline, or what the size calls
 * for when that is longer (sp_round_longest_deadline). */
static void test_longest_deadline(void **state)
{
    static struct sp_proposal p;
    (void)state;
    memset(&p, 0, sizeof(p));
    p.mode = SP_PROPOSAL_MODE_PARTNERS;
    p.nparticipants = 2;
    p.participants[0].key_types = p.participants[1].key_types = 1u << 1;
    p.max_set_size = 1000000;
    assert_int_equal(sp_round_longest_deadline(&p, 600), 2600);
    assert_int_equal(sp_round_longest_deadline(&p, 86400), 86400);
    p.max_set_size = 1;
    assert_int_equal(sp_round_longest_deadline(&p, 60), 601);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hang_named),
        cmocka_unit_test(test_slow_completes),
        cmocka_unit_test(test_unknown_round_silent),
        cmocka_unit_test(test_longest_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
