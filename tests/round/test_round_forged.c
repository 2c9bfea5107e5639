/*
 * A forged CREDIT (issue 13, item 6: "a forged CREDIT produced a
 * misleading failure reason naming the wrong side"). Three round engines
 * over the simulator's in-memory stores (engine_fixture.h, shared with
 * test_round_resend.c); n2's send port forges one CREDIT (a copy of a real one sent to a node it
 * does not acknowledge anything to, or with a sequence number nobody sent,
 * or of a kind it may not send). The node that receives it refuses it and
 * fails the round; every node's reason names n2 as the sender of the
 * forged CREDIT and the receiver as the node that refused it. Before, the
 * receiver answered ERROR, n2 failed the round with "n0 refused a message
 * of this node: message field missing or out of range" and its ABORT
 * carried that to n0 and n1, where "this node" read as the reader and
 * nothing said a CREDIT, or whose. No round waits for its deadline.
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

#define FORGER 2u

/* The forgery: of the first CREDIT the forger sends of kind `kind`, a copy
 * goes to node `to` with the changes below. */
struct forge {
    int kind;     /* 0: none */
    unsigned to;  /* a node id */
    uint32_t seq; /* added to the copy's seq */
    int as_kind;  /* the copy's kind (0: the same) */
    bool forged;
};

/* The forger's send hook (struct node's sent): the copy goes out right
 * after the CREDIT it copies. */
static void forge_sent(struct node *n, int type, const uint8_t *b, size_t len, uint64_t at)
{
    struct forge *fg = n->test;
    if (type != SP_PEER_CREDIT || !fg->kind || fg->forged)
        return;
    struct sp_peer_msg c;
    assert_int_equal(sp_peer_decode(b, len, &c), 0);
    if (c.credit.kind == fg->kind) {
        uint8_t *fb = NULL;
        size_t flen = 0;
        c.credit.seq += fg->seq;
        if (fg->as_kind)
            c.credit.kind = (uint8_t)fg->as_kind;
        assert_int_equal(sp_peer_encode_alloc(&c, &fb, &flen), 0);
        push(n->f, n->id, fg->to, fb, flen, at);
        free(fb);
        fg->forged = true;
    }
    sp_peer_msg_clear(&c);
}

static void forge_run(int kind, unsigned to, uint32_t seq_add, int as_kind, char reasons[NN][256])
{
    static struct fx f;
    static struct forge fg;
    fx_init(&f);
    struct node *forger = &f.n[FORGER];
    fg = (struct forge){.kind = kind, .to = to, .seq = seq_add, .as_kind = as_kind};
    forger->sent = forge_sent;
    forger->test = &fg;
    fx_engines(&f);
    start(&f);
    uint64_t ended = run(&f, 120000);
    assert_true(fg.forged);
    assert_true(ended < 10000); /* at once, not at the deadline */
    for (unsigned i = 0; i < NN; i++) {
        assert_int_equal(state_of(&f, i, reasons[i], 256), SP_ROUND_FAILED);
        if (getenv("SP_TEST_VERBOSE"))
            fprintf(stderr, "n%u: %s\n", i, reasons[i]);
    }
    assert_true(f.n[to].refused >= 1); /* the receiver refused it (and recorded it) */
    fx_free(&f);
}

/* Every node's reason names the forger as the sender of the CREDIT and the
 * receiver as the node that refused it, by name. */
static void assert_names_forger(char reasons[NN][256], unsigned to, const char *what)
{
    char want[64];
    snprintf(want, sizeof(want), "n%u refused a CREDIT n%u sent", to, FORGER);
    for (unsigned i = 0; i < NN; i++) {
        const char *why = reasons[i];
        if (!strstr(why, want) || !strstr(why, what)) {
            fprintf(stderr, "n%u's reason: %s\n(wanted '%s' and '%s')\n", i, why, want, what);
            fail();
        }
        /* never "... refused a message of this node", read at another node */
        assert_null(strstr(why, "this node"));
    }
}

/* A BATCH CREDIT to a node the forger is not the ring successor of. */
static void test_credit_not_successor(void **state)
{
    (void)state;
    char reasons[NN][256];
    forge_run(SP_PEER_BATCH, 0, 0, 0, reasons);
    assert_names_forger(reasons, 0, "not n0's ring successor");
}

/* A BATCH CREDIT for a sequence number never sent. */
static void test_credit_unsent_seq(void **state)
{
    (void)state;
    char reasons[NN][256];
    forge_run(SP_PEER_BATCH, 1, 1000, 0, reasons);
    assert_names_forger(reasons, 1, "never sent");
}

/* A FINAL CREDIT from a node that is not the counting node. */
static void test_credit_final_not_counter(void **state)
{
    (void)state;
    char reasons[NN][256];
    forge_run(SP_PEER_BATCH, 0, 0, SP_PEER_FINAL, reasons);
    assert_names_forger(reasons, 0, "not the counting node");
}

/* A VERDICT CREDIT for a VERDICT the counting node never sent. */
static void test_credit_verdict_unsent(void **state)
{
    (void)state;
    char reasons[NN][256];
    forge_run(SP_PEER_VERDICT, 1, 1000, 0, reasons);
    assert_names_forger(reasons, 1, "never sent");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credit_not_successor),
        cmocka_unit_test(test_credit_unsent_seq),
        cmocka_unit_test(test_credit_final_not_counter),
        cmocka_unit_test(test_credit_verdict_unsent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
