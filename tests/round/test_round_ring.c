/*
 * Ring routing, disclosure per mode, holder checks, flow-control windows and
 * round ids (round/round.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "round/round.h"
#include "proto/proposal.h"

/* Every origin's batch walks the whole ring once: each other node blinds it
 * exactly once, and it comes home after n hops with n scalars applied. */
static void test_ring_walk(void **state)
{
    (void)state;
    for (unsigned n = 2; n <= 32; n++) {
        for (unsigned o = 0; o < n; o++) {
            unsigned at = sp_ring_succ(o, n), from = o, hops = 1;
            unsigned visited = 0;
            for (;;) {
                int action = 0;
                assert_int_equal(sp_ring_route(n, at, from, o, hops, &action), 0);
                if (action == SP_RING_HOME) {
                    assert_int_equal(at, o);
                    assert_int_equal(hops, n);
                    break;
                }
                assert_int_equal(action, SP_RING_FORWARD);
                assert_int_not_equal(at, o);
                visited++;
                from = at;
                at = sp_ring_succ(at, n);
                hops++;
                assert_true(hops <= n);
            }
            assert_int_equal(visited, n - 1);
        }
    }
}

static void test_ring_neighbours(void **state)
{
    (void)state;
    assert_int_equal(sp_ring_succ(0, 2), 1);
    assert_int_equal(sp_ring_succ(1, 2), 0);
    assert_int_equal(sp_ring_pred(0, 5), 4);
    assert_int_equal(sp_ring_pred(3, 5), 2);
    for (unsigned n = 2; n < 10; n++)
        for (unsigned i = 0; i < n; i++)
            assert_int_equal(sp_ring_pred(sp_ring_succ(i, n), n), i);
}

static void test_ring_refusals(void **state)
{
    (void)state;
    static const struct {
        unsigned n, me, from, origin, hops;
    } bad[] = {
        {3, 1, 2, 0, 1}, /* not from the predecessor */
        {3, 1, 0, 3, 1}, /* origin out of range */
        {3, 1, 0, 0, 0}, /* no scalar applied: hops 0 */
        {3, 1, 0, 0, 4}, /* more hops than nodes */
        {3, 1, 0, 0, 2}, /* hops inconsistent with the position */
        {3, 0, 2, 0, 2}, /* own values back too early */
        {1, 0, 0, 0, 1}, /* a ring needs two nodes */
        {3, 3, 2, 0, 3}, /* me out of range */
        {4, 2, 1, 2, 2}, /* origin == me with hops != n */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int action = -7;
        int rc =
            sp_ring_route(bad[i].n, bad[i].me, bad[i].from, bad[i].origin, bad[i].hops, &action);
        if (rc != SP_ERR_PROTO_FIELD)
            fail_msg("case %zu accepted", i);
        assert_int_equal(action, -7);
    }
}

static void test_disclose(void **state)
{
    (void)state;
    /* modes: 1 counts, 2 threshold, 3 partners (enum sp_proposal_mode) */
    static const struct {
        int mode;
        uint32_t mask;
        unsigned k, receiver;
        uint32_t want;
    } t[] = {
        /* counts: nothing per element, ever */
        {1, 0x7, 2, 0, 0},
        {1, 0x1, 1, 0, 0},
        /* threshold: own bit only, when >= k hold it */
        {2, 0x3, 2, 0, 0x1},
        {2, 0x3, 2, 1, 0x2},
        {2, 0x1, 2, 0, 0},
        {2, 0x7, 3, 2, 0x4},
        {2, 0x7, 4, 2, 0},
        {2, 0x1, 1, 0, 0x1},
        /* partners: the whole mask, when >= k */
        {3, 0x5, 2, 0, 0x5},
        {3, 0x5, 2, 2, 0x5},
        {3, 0x5, 3, 2, 0},
        {3, 0x1, 1, 0, 0x1},
        {3, 0x80000001, 2, 31, 0x80000001},
        /* a mask without the receiver: it never sent that element */
        {3, 0x6, 2, 0, 0},
        {2, 0x6, 2, 0, 0},
        /* unknown mode, receiver out of range */
        {9, 0x3, 2, 0, 0},
        {3, 0x3, 2, 32, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint32_t got = sp_round_disclose(t[i].mode, t[i].mask, t[i].k, t[i].receiver);
        if (got != t[i].want)
            fail_msg("case %zu: got %#x want %#x", i, got, t[i].want);
    }
}

/* What a node accepts in a VERDICT is exactly what the counting node may
 * disclose to it. */
static void test_check_holders(void **state)
{
    (void)state;
    static const struct {
        int mode;
        uint32_t h;
        unsigned k, me, n;
        int want;
    } t[] = {
        {1, 0, 2, 0, 3, 0},
        {1, 0x1, 2, 0, 3, SP_ERR_PROTO_FIELD}, /* counts never carries holders */
        {2, 0, 2, 1, 3, 0},
        {2, 0x2, 2, 1, 3, 0},
        {2, 0x3, 2, 1, 3, SP_ERR_PROTO_FIELD}, /* threshold must not name others */
        {2, 0x1, 2, 1, 3, SP_ERR_PROTO_FIELD},
        {3, 0x3, 2, 1, 3, 0},
        {3, 0x2, 2, 1, 3, SP_ERR_PROTO_FIELD}, /* fewer than k */
        {3, 0x5, 2, 1, 3, SP_ERR_PROTO_FIELD}, /* without own bit */
        {3, 0xa, 2, 1, 3, SP_ERR_PROTO_FIELD}, /* a holder beyond the participants */
        {3, 0x7, 3, 2, 3, 0},
        {3, 0xffffffff, 32, 31, 32, 0},
        {3, 0x3, 2, 3, 3, SP_ERR_PROTO_FIELD}, /* me out of range */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int got = sp_round_check_holders(t[i].mode, t[i].h, t[i].k, t[i].me, t[i].n);
        if (got != t[i].want)
            fail_msg("case %zu: got %d want %d", i, got, t[i].want);
    }
}

static void test_window(void **state)
{
    (void)state;
    struct sp_window w;
    sp_window_init(&w, 3);
    assert_false(sp_window_full(&w));
    assert_int_equal(sp_window_add(&w, 1, 0), 0);
    assert_int_equal(sp_window_add(&w, 1, 1), 0);
    assert_int_equal(sp_window_add(&w, 3, 0), 0);
    assert_true(sp_window_full(&w));
    assert_int_equal(sp_window_add(&w, 3, 1), SP_ERR_BUSY);
    /* a credit for nothing outstanding is refused */
    assert_int_equal(sp_window_ack(&w, 1, 7), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_window_ack(&w, 2, 0), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_window_ack(&w, 1, 1), 0);
    assert_int_equal(sp_window_ack(&w, 1, 1), SP_ERR_NOT_FOUND); /* twice */
    assert_false(sp_window_full(&w));
    assert_int_equal(sp_window_add(&w, 3, 1), 0);
    assert_int_equal(sp_window_ack(&w, 1, 0), 0);
    assert_int_equal(sp_window_ack(&w, 3, 0), 0);
    assert_int_equal(sp_window_ack(&w, 3, 1), 0);
    assert_int_equal(w.used, 0);
    sp_window_init(&w, 0);
    assert_int_equal(w.cap, 1);
    sp_window_init(&w, 1000);
    assert_int_equal(w.cap, SP_WINDOW_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_walk),     cmocka_unit_test(test_ring_neighbours),
        cmocka_unit_test(test_ring_refusals), cmocka_unit_test(test_disclose),
        cmocka_unit_test(test_check_holders), cmocka_unit_test(test_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
