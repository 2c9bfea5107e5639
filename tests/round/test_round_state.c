/*
 * The round state machine and its admission rules (round/round.h),
 * table-driven: every allowed transition, every refused one, terminal
 * states, and which peer message a round accepts in which state and role.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "round/round.h"
#include "proto/peer.h"

#define NSTATES (SP_ROUND_STATE_MAX + 1)

static void test_names(void **state)
{
    (void)state;
    static const char *const want[NSTATES] = {"unknown", "proposed", "accepted",
                                              "running", "counting", "finishing",
                                              "done",    "failed",   "refused"};
    for (int s = 0; s < NSTATES; s++)
        assert_string_equal(sp_round_state_name(s), want[s]);
    assert_string_equal(sp_round_state_name(99), "unknown");
    assert_string_equal(sp_round_state_name(-1), "unknown");
}

static void test_terminal_and_started(void **state)
{
    (void)state;
    static const struct {
        int s;
        bool terminal, started;
    } t[] = {
        {SP_ROUND_PROPOSED, false, false}, {SP_ROUND_ACCEPTED, false, false},
        {SP_ROUND_RUNNING, false, true},   {SP_ROUND_COUNTING, false, true},
        {SP_ROUND_FINISHING, false, true}, {SP_ROUND_DONE, true, false},
        {SP_ROUND_FAILED, true, false},    {SP_ROUND_REFUSED, true, false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(sp_round_state_terminal(t[i].s), t[i].terminal);
        assert_int_equal(sp_round_state_started(t[i].s), t[i].started);
    }
}

/* The expected successor of (state, event), 0 when refused. */
static int expected(int s, int ev)
{
    static const struct {
        int from, ev, to;
    } ok[] = {
        {SP_ROUND_PROPOSED, SP_ROUND_EV_ALL_ACCEPTED, SP_ROUND_RUNNING},
        {SP_ROUND_ACCEPTED, SP_ROUND_EV_START, SP_ROUND_RUNNING},
        {SP_ROUND_RUNNING, SP_ROUND_EV_OWN_BLINDED, SP_ROUND_COUNTING},
        {SP_ROUND_COUNTING, SP_ROUND_EV_VERDICTS, SP_ROUND_FINISHING},
        {SP_ROUND_FINISHING, SP_ROUND_EV_FINISHED, SP_ROUND_DONE},
        {SP_ROUND_RUNNING, SP_ROUND_EV_ANSWERED, SP_ROUND_FINISHING}, /* a case question */
    };
    if (sp_round_state_terminal(s) || s < SP_ROUND_STATE_MIN || s > SP_ROUND_STATE_MAX)
        return 0;
    if (ev == SP_ROUND_EV_FAIL)
        return SP_ROUND_FAILED;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (ok[i].from == s && ok[i].ev == ev)
            return ok[i].to;
    return 0;
}

static void test_every_transition(void **state)
{
    (void)state;
    int allowed = 0;
    for (int s = 0; s <= SP_ROUND_STATE_MAX + 1; s++) {
        for (int ev = 0; ev <= SP_ROUND_EV_ANSWERED + 1; ev++) {
            int next = -1;
            int rc = sp_round_transition(s, ev, &next);
            int want = expected(s, ev);
            if (want) {
                assert_int_equal(rc, 0);
                assert_int_equal(next, want);
                allowed++;
            } else {
                assert_int_equal(rc, SP_ERR_STATE);
                assert_int_equal(next, -1); /* untouched on refusal */
            }
        }
    }
    /* 6 forward transitions and FAIL from the 5 live states */
    assert_int_equal(allowed, 11);
}

static void test_happy_paths(void **state)
{
    (void)state;
    static const int initiator[] = {SP_ROUND_EV_ALL_ACCEPTED, SP_ROUND_EV_OWN_BLINDED,
                                    SP_ROUND_EV_VERDICTS, SP_ROUND_EV_FINISHED};
    static const int participant[] = {SP_ROUND_EV_START, SP_ROUND_EV_OWN_BLINDED,
                                      SP_ROUND_EV_VERDICTS, SP_ROUND_EV_FINISHED};
    int s = SP_ROUND_PROPOSED;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sp_round_transition(s, initiator[i], &s), 0);
    assert_int_equal(s, SP_ROUND_DONE);
    s = SP_ROUND_ACCEPTED;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sp_round_transition(s, participant[i], &s), 0);
    assert_int_equal(s, SP_ROUND_DONE);
    /* nothing leaves DONE, not even FAIL: a finished round stays finished */
    assert_int_equal(sp_round_transition(s, SP_ROUND_EV_FAIL, &s), SP_ERR_STATE);
}

/* Which (state, role) accepts which message. */
static void test_accepts(void **state)
{
    (void)state;
    static const struct {
        int state;
        unsigned roles;
        int type;
        int want;
    } t[] = {
        /* answers to a proposal: only the initiator, only while proposed */
        {SP_ROUND_PROPOSED, SP_ROUND_ROLE_INITIATOR, SP_PEER_ACCEPT, 0},
        {SP_ROUND_PROPOSED, SP_ROUND_ROLE_INITIATOR, SP_PEER_REFUSE, 0},
        {SP_ROUND_PROPOSED, 0, SP_PEER_ACCEPT, SP_ERR_STATE},
        {SP_ROUND_RUNNING, SP_ROUND_ROLE_INITIATOR, SP_PEER_ACCEPT, SP_ERR_STATE},
        /* START: a participant waiting for it */
        {SP_ROUND_ACCEPTED, 0, SP_PEER_START, 0},
        {SP_ROUND_ACCEPTED, SP_ROUND_ROLE_COUNTER, SP_PEER_START, 0},
        {SP_ROUND_RUNNING, 0, SP_PEER_START, SP_ERR_STATE},
        {SP_ROUND_PROPOSED, SP_ROUND_ROLE_INITIATOR, SP_PEER_START, SP_ERR_STATE},
        /* ring traffic once started, in every started state */
        {SP_ROUND_ACCEPTED, 0, SP_PEER_BATCH, SP_ERR_STATE},
        {SP_ROUND_RUNNING, 0, SP_PEER_BATCH, 0},
        {SP_ROUND_COUNTING, 0, SP_PEER_BATCH, 0},
        {SP_ROUND_FINISHING, 0, SP_PEER_CREDIT, 0},
        {SP_ROUND_DONE, 0, SP_PEER_BATCH, SP_ERR_STATE},
        {SP_ROUND_FAILED, 0, SP_PEER_CREDIT, SP_ERR_STATE},
        /* FINAL only at the counting node */
        {SP_ROUND_RUNNING, SP_ROUND_ROLE_COUNTER, SP_PEER_FINAL, 0},
        {SP_ROUND_RUNNING, SP_ROUND_ROLE_INITIATOR, SP_PEER_FINAL, SP_ERR_STATE},
        /* VERDICT only after own FINALs went out */
        {SP_ROUND_COUNTING, 0, SP_PEER_VERDICT, 0},
        {SP_ROUND_RUNNING, 0, SP_PEER_VERDICT, SP_ERR_STATE},
        {SP_ROUND_FINISHING, 0, SP_PEER_VERDICT, SP_ERR_STATE},
        /* DONE and COUNTS only at the initiator */
        {SP_ROUND_FINISHING, SP_ROUND_ROLE_INITIATOR, SP_PEER_DONE, 0},
        {SP_ROUND_RUNNING, SP_ROUND_ROLE_INITIATOR, SP_PEER_COUNTS, 0},
        {SP_ROUND_FINISHING, SP_ROUND_ROLE_COUNTER, SP_PEER_COUNTS, SP_ERR_STATE},
        {SP_ROUND_COUNTING, 0, SP_PEER_DONE, SP_ERR_STATE},
        /* ABORT and ERROR while live, never after */
        {SP_ROUND_PROPOSED, SP_ROUND_ROLE_INITIATOR, SP_PEER_ABORT, 0},
        {SP_ROUND_ACCEPTED, 0, SP_PEER_ERROR, 0},
        {SP_ROUND_FINISHING, 0, SP_PEER_ABORT, 0},
        {SP_ROUND_DONE, 0, SP_PEER_ABORT, SP_ERR_STATE},
        {SP_ROUND_REFUSED, 0, SP_PEER_ERROR, SP_ERR_STATE},
        /* PROPOSE creates rounds; a LOG_HEAD is accepted in every state */
        {SP_ROUND_RUNNING, 0, SP_PEER_PROPOSE, SP_ERR_UNSUPPORTED},
        {SP_ROUND_DONE, 0, SP_PEER_LOG_HEAD, 0},
        {SP_ROUND_REFUSED, 0, SP_PEER_LOG_HEAD, 0},
        {SP_ROUND_PROPOSED, SP_ROUND_ROLE_INITIATOR, SP_PEER_LOG_HEAD, 0},
        {SP_ROUND_RUNNING, 0, 99, SP_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int got = sp_round_accepts(t[i].state, t[i].roles, t[i].type);
        if (got != t[i].want)
            fail_msg("case %zu: state %s roles %u type %d: got %d want %d", i,
                     sp_round_state_name(t[i].state), t[i].roles, t[i].type, got, t[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_terminal_and_started),
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_happy_paths),
        cmocka_unit_test(test_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
