/* Cross-checks of several nodes' exports, and a round's story
 * (audit/crosscheck.h, audit/story.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/crosscheck.h"
#include "audit/jsonl.h"
#include "audit/story.h"
#include "common/keytype.h"
#include "fixture.h"

#define NODES 3

static const uint8_t round_id[16] = {0x3f, 0xa2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

struct sink {
    char text[32768];
    size_t len;
    size_t lines;
};

static void collect(void *ctx, const char *line)
{
    struct sink *s = ctx;
    int n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof(s->text) - s->len)
        s->len += (size_t)n;
    s->lines++;
}

static struct sp_audit_verifier *feed(const struct tlog *l)
{
    struct texport x;
    struct sp_audit_verifier *v = NULL;
    texport_of(l, &x);
    assert_int_equal(sp_audit_verifier_new(l->pk, l->node, &v), 0);
    for (size_t i = 0; i < x.n; i++)
        assert_int_equal(sp_audit_verifier_line(v, x.line[i], strlen(x.line[i])), 0);
    texport_free(&x);
    return v;
}

static int crosscheck(struct tlog *logs, size_t n, struct sink *out,
                      struct sp_audit_cc_summary *sum)
{
    struct sp_audit_crosscheck *cc = NULL;
    assert_int_equal(sp_audit_crosscheck_new(&cc), 0);
    for (size_t i = 0; i < n; i++) {
        struct sp_audit_verifier *v = feed(&logs[i]);
        assert_int_equal(sp_audit_crosscheck_add(cc, &v), 0);
        assert_null(v);
    }
    memset(out, 0, sizeof(*out));
    int rc = sp_audit_crosscheck_run(cc, collect, out, sum);
    assert_int_equal(sp_audit_crosscheck_run(cc, collect, out, sum), SP_ERR_STATE);
    sp_audit_crosscheck_free(&cc);
    assert_null(cc);
    return rc;
}

static void free_logs(struct tlog *logs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tlog_free(&logs[i]);
}

static void test_agree(void **state)
{
    (void)state;
    struct tlog logs[NODES];
    fixture_federation(logs, NODES, round_id);
    struct sink out;
    struct sp_audit_cc_summary sum;
    int rc = crosscheck(logs, NODES, &out, &sum);
    if (rc != 0)
        fail_msg("%s", out.text);
    assert_int_equal(sum.logs, NODES);
    assert_int_equal(sum.bad_logs, 0);
    assert_int_equal(sum.rounds, 1);
    assert_int_equal(sum.pairs, NODES * (NODES - 1)); /* both directions of each pair */
    assert_int_equal(sum.pins, NODES * (NODES - 1));
    assert_int_equal(sum.problems, 0);
    /* two of three exports also agree */
    assert_int_equal(crosscheck(logs, 2, &out, &sum), 0);
    free_logs(logs, NODES);
}

/* Replaces the one entry of type in l whose peer (if any) is peer, with
 * what edit makes of it, and re-signs the log from there: the node is
 * consistent with itself, not with the others. */
typedef void (*edit_fn)(struct sp_audit_entry *clone, const struct sp_audit_entry *orig);

static void rewrite(struct tlog *l, int type, const char *peer, edit_fn edit)
{
    for (size_t i = 0; i < l->n; i++) {
        struct sp_audit_entry *e = tlog_entry(l, i);
        struct sp_audit_value v;
        bool hit = sp_audit_entry_type(e) == type &&
                   (!peer || (sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &v) == 0 &&
                              strcmp((const char *)v.bytes, peer) == 0));
        if (hit) {
            struct sp_audit_entry *c = NULL;
            assert_int_equal(sp_audit_entry_new(type, &c), 0);
            edit(c, e);
            uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES], h[32];
            size_t len = 0;
            static const uint8_t zero[32];
            assert_int_equal(sp_audit_entry_seal(c, i, T0, i ? l->hash[i - 1] : zero, tlog_sign, l,
                                                 rec, sizeof(rec), &len, h),
                             0);
            free(l->rec[i]);
            l->rec[i] = malloc(len);
            memcpy(l->rec[i], rec, len);
            l->len[i] = len;
            sp_audit_entry_free(&c);
            sp_audit_entry_free(&e);
            tlog_reseal(l, i);
            return;
        }
        sp_audit_entry_free(&e);
    }
    fail_msg("no entry to rewrite");
}

/* Copies every field of orig into c except those skip() says, through
 * the fixture's clone. */
static void copy_except(struct sp_audit_entry *c, const struct sp_audit_entry *orig, int skip,
                        int kt)
{
    struct sp_audit_entry *full = tlog_clone(orig);
    struct sp_audit_value v;
    for (size_t i = 0; sp_audit_entry_field(full, i, &v) == 0; i++) {
        if (v.field == skip && (kt == 0 || v.key_type == kt))
            continue;
        struct sp_audit_entry *one = NULL;
        (void)one;
        switch (v.kind) {
        case SP_AUDIT_KIND_ROUND:
            assert_int_equal(sp_audit_add_round(c, v.bytes), 0);
            break;
        case SP_AUDIT_KIND_NAME:
            assert_int_equal(sp_audit_add_name(c, v.field, (const char *)v.bytes), 0);
            break;
        case SP_AUDIT_KIND_KEYCOUNT:
            assert_int_equal(sp_audit_add_keycount(c, v.field, v.key_type, v.u), 0);
            break;
        case SP_AUDIT_KIND_DIGEST:
            assert_int_equal(sp_audit_add_digest(c, v.field, v.bytes), 0);
            break;
        case SP_AUDIT_KIND_COUNT:
            assert_int_equal(sp_audit_add_count(c, v.field, v.u), 0);
            break;
        case SP_AUDIT_KIND_TEXT:
            assert_int_equal(sp_audit_add_text(c, v.field, (const char *)v.bytes), 0);
            break;
        case SP_AUDIT_KIND_MODE:
            assert_int_equal(sp_audit_add_mode(c, (int)v.u), 0);
            break;
        case SP_AUDIT_KIND_KEYMASK:
            assert_int_equal(sp_audit_add_keymask(c, v.field, (uint32_t)v.u), 0);
            break;
        case SP_AUDIT_KIND_TIME:
            assert_int_equal(sp_audit_add_time(c, v.field, v.u), 0);
            break;
        default:
            fail_msg("kind %d not expected", v.kind);
        }
    }
    sp_audit_entry_free(&full);
}

static void fewer_received(struct sp_audit_entry *c, const struct sp_audit_entry *orig)
{
    copy_except(c, orig, SP_AUDIT_F_RECEIVED, SP_KEY_BSN);
    assert_int_equal(sp_audit_add_keycount(c, SP_AUDIT_F_RECEIVED, SP_KEY_BSN, 3), 0);
}

static void other_digest(struct sp_audit_entry *c, const struct sp_audit_entry *orig)
{
    uint8_t d[32];
    memset(d, 0x99, sizeof(d));
    copy_except(c, orig, SP_AUDIT_F_PROPOSAL_SHA256, 0);
    assert_int_equal(sp_audit_add_digest(c, SP_AUDIT_F_PROPOSAL_SHA256, d), 0);
}

static void other_participants(struct sp_audit_entry *c, const struct sp_audit_entry *orig)
{
    copy_except(c, orig, SP_AUDIT_F_PARTICIPANT, 0);
    assert_int_equal(sp_audit_add_name(c, SP_AUDIT_F_PARTICIPANT, "node-b"), 0);
    assert_int_equal(sp_audit_add_name(c, SP_AUDIT_F_PARTICIPANT, "node-a"), 0);
    assert_int_equal(sp_audit_add_name(c, SP_AUDIT_F_PARTICIPANT, "node-c"), 0);
}

struct disagreement {
    const char *what;
    size_t node;
    int type, type2; /* entries rewritten the same way (type2 0: none) */
    const char *peer;
    edit_fn edit;
    const char *expect; /* a phrase of the finding */
};

static void test_disagreements(void **state)
{
    (void)state;
    static const struct disagreement cases[] = {
        {"count received", 1, SP_AUDIT_ROUND_SIZES, 0, "node-a", fewer_received,
         "key type bsn: node-a sent 121 values to node-b, which received 3"},
        {"proposal digest", 2, SP_AUDIT_ROUND_PARTICIPANTS, SP_AUDIT_PROPOSAL_ACCEPTED, NULL,
         other_digest, "node-a and node-c logged different proposal digests"},
        {"participants", 1, SP_AUDIT_PROPOSAL_ACCEPTED, SP_AUDIT_ROUND_PARTICIPANTS, NULL,
         other_participants, "node-a and node-b logged different participants"},
        {"own entries", 1, SP_AUDIT_PROPOSAL_ACCEPTED, 0, NULL, other_participants,
         "node-b's own entries disagree on the proposal or its participants"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tlog logs[NODES];
        fixture_federation(logs, NODES, round_id);
        rewrite(&logs[cases[i].node], cases[i].type, cases[i].peer, cases[i].edit);
        if (cases[i].type2)
            rewrite(&logs[cases[i].node], cases[i].type2, cases[i].peer, cases[i].edit);
        /* re-signed after the round: the peers' pins catch the node too */
        struct sink out;
        struct sp_audit_cc_summary sum;
        assert_int_equal(crosscheck(logs, NODES, &out, &sum), SP_ERR_AUDIT);
        if (!strstr(out.text, cases[i].expect))
            fail_msg("%s: finding missing; got:\n%s", cases[i].what, out.text);
        assert_int_equal(sum.bad_logs, 1);
        assert_non_null(strstr(out.text, "rewritten"));
        free_logs(logs, NODES);
    }
}

/* A node that rewrote its log after the round (re-signing it whole)
 * verifies alone, but not against its peers' records. */
static void test_rewritten_log(void **state)
{
    (void)state;
    struct tlog logs[NODES];
    fixture_federation(logs, NODES, round_id);
    tlog_remove(&logs[1], 1);
    tlog_reseal(&logs[1], 1);
    struct sink out;
    struct sp_audit_cc_summary sum;
    assert_int_equal(crosscheck(logs, NODES, &out, &sum), SP_ERR_AUDIT);
    assert_int_equal(sum.bad_logs, 1);
    if (!strstr(out.text, "node-b's log does not verify") || !strstr(out.text, "rewritten"))
        fail_msg("got:\n%s", out.text);
    free_logs(logs, NODES);
}

/* A log that records a head its peer never signed. */
static void test_forged_pin(void **state)
{
    (void)state;
    struct tlog logs[NODES];
    fixture_federation(logs, NODES, round_id);
    struct tlog forger;
    tlog_init(&forger, "node-a", 0x77);
    struct sp_audit_head h;
    tlog_head(&logs[0], &h);
    assert_int_equal(sp_audit_head_sign(&h, tlog_sign, &forger), 0);
    struct sp_audit_entry *e = NULL;
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_LOG_HEAD_RECEIVED, &e), 0);
    assert_int_equal(sp_audit_add_round(e, round_id), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "node-a"), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_HEAD_SEQ, h.seq), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_HEAD_HASH, h.hash), 0);
    assert_int_equal(sp_audit_add_signature(e, SP_AUDIT_F_HEAD_SIG, h.sig), 0);
    tlog_append(&logs[2], &e);
    struct sink out;
    struct sp_audit_cc_summary sum;
    assert_int_equal(crosscheck(logs, NODES, &out, &sum), SP_ERR_AUDIT);
    if (!strstr(out.text, "node-c's log records 1 head(s) of node-a that node-a did not sign"))
        fail_msg("got:\n%s", out.text);
    free_logs(logs, NODES);
}

/* A node that leaves out a head it received weakens its peer's pins:
 * the cross-check names it. */
static void test_head_not_recorded(void **state)
{
    (void)state;
    struct tlog logs[NODES];
    fixture_federation(logs, NODES, round_id);
    for (size_t i = 0; i < logs[1].n; i++) {
        struct sp_audit_entry *e = tlog_entry(&logs[1], i);
        struct sp_audit_value v;
        bool hit = sp_audit_entry_type(e) == SP_AUDIT_LOG_HEAD_RECEIVED &&
                   sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &v) == 0 &&
                   strcmp((const char *)v.bytes, "node-c") == 0;
        sp_audit_entry_free(&e);
        if (hit) {
            tlog_remove(&logs[1], i);
            tlog_reseal(&logs[1], i);
            break;
        }
    }
    struct sink out;
    struct sp_audit_cc_summary sum;
    assert_int_equal(crosscheck(logs, NODES, &out, &sum), SP_ERR_AUDIT);
    if (!strstr(out.text, "node-c sent its log head to node-b, which recorded none"))
        fail_msg("got:\n%s", out.text);
    free_logs(logs, NODES);
}

/* The same missing head, but node-b recorded that it stopped during the
 * round (SIGTERM): its peers' heads arrived after it was gone. The finding
 * is explained by that recorded stop, and the cross-check passes; it still
 * fails when the recorded end does not cover what is wrong (a head of
 * another content). */
static void drop_head_from(struct tlog *l, const char *peer)
{
    for (size_t i = 0; i < l->n; i++) {
        struct sp_audit_entry *e = tlog_entry(l, i);
        struct sp_audit_value v;
        bool hit = sp_audit_entry_type(e) == SP_AUDIT_LOG_HEAD_RECEIVED &&
                   sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &v) == 0 &&
                   strcmp((const char *)v.bytes, peer) == 0;
        sp_audit_entry_free(&e);
        if (hit) {
            tlog_remove(l, i);
            tlog_reseal(l, i);
            return;
        }
    }
    fail_msg("no head of %s in %s's log", peer, l->node);
}

static void record_end(struct tlog *l, const char *reason)
{
    struct sp_audit_entry *e = NULL;
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_ROUND_FAILED, &e), 0);
    assert_int_equal(sp_audit_add_round(e, round_id), 0);
    assert_int_equal(sp_audit_add_code(e, SP_ERR_ROUND_FAILED), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_REASON, reason), 0);
    tlog_append(l, &e);
}

static void test_explained_by_a_stop(void **state)
{
    (void)state;
    struct tlog logs[NODES];
    struct sink out;
    struct sp_audit_cc_summary sum;
    fixture_federation(logs, NODES, round_id);
    drop_head_from(&logs[1], "node-c");
    record_end(&logs[1], "the node shut down during the round");
    assert_int_equal(crosscheck(logs, NODES, &out, &sum), 0);
    assert_int_equal(sum.problems, 0);
    assert_int_equal(sum.explained, 1);
    if (!strstr(out.text, "explained by an orderly stop recorded at node-b (\"the node shut down "
                          "during the round\"): round ") ||
        !strstr(out.text, "node-c sent its log head to node-b, which recorded none"))
        fail_msg("got:\n%s", out.text);
    free_logs(logs, NODES);

    /* a crash recorded by the restarted node explains it the same way */
    fixture_federation(logs, NODES, round_id);
    drop_head_from(&logs[1], "node-c");
    record_end(&logs[1], "the node restarted during the round");
    assert_int_equal(crosscheck(logs, NODES, &out, &sum), 0);
    if (!strstr(out.text, "explained by a crash or restart recorded at node-b"))
        fail_msg("got:\n%s", out.text);
    free_logs(logs, NODES);

    /* a rewritten log is not explained by any recorded end */
    fixture_federation(logs, NODES, round_id);
    record_end(&logs[1], "the node restarted during the round");
    tlog_remove(&logs[2], 1);
    tlog_reseal(&logs[2], 1);
    assert_int_equal(crosscheck(logs, NODES, &out, &sum), SP_ERR_AUDIT);
    assert_true(sum.problems > 0);
    free_logs(logs, NODES);
}

static void test_add_refusals(void **state)
{
    (void)state;
    struct tlog logs[2];
    fixture_federation(logs, 2, round_id);
    struct sp_audit_crosscheck *cc = NULL;
    assert_int_equal(sp_audit_crosscheck_new(&cc), 0);
    struct sp_audit_verifier *v = feed(&logs[0]), *w = feed(&logs[0]), *nokey = NULL;
    assert_int_equal(sp_audit_crosscheck_add(cc, &v), 0);
    assert_int_equal(sp_audit_crosscheck_add(cc, &w), SP_ERR_EXISTS);
    assert_int_equal(sp_audit_verifier_new(NULL, "node-b", &nokey), 0);
    assert_int_equal(sp_audit_crosscheck_add(cc, &nokey), SP_ERR_INVALID_ARG);
    sp_audit_verifier_free(&w);
    sp_audit_verifier_free(&nokey);
    sp_audit_crosscheck_free(&cc);
    free_logs(logs, 2);
}

static void test_story(void **state)
{
    (void)state;
    struct tlog logs[NODES];
    fixture_federation(logs, NODES, round_id);
    struct sp_audit_story *s = NULL;
    assert_int_equal(sp_audit_story_new(round_id, &s), 0);
    struct sink out;
    memset(&out, 0, sizeof(out));
    assert_int_equal(sp_audit_story_render(s, collect, &out), SP_ERR_NOT_FOUND);
    for (size_t n = 0; n < NODES; n++) {
        for (size_t i = 0; i < logs[n].n; i++) {
            struct sp_audit_entry *e = tlog_entry(&logs[n], i);
            assert_int_equal(sp_audit_story_add(s, logs[n].node, e), 0);
            sp_audit_entry_free(&e);
        }
    }
    assert_int_equal(sp_audit_story_render(s, collect, &out), 0);
    static const char *const phrases[] = {
        "Round 3fa20102030405060708090a0b0c0d0e",
        "As logged by node-a:",
        "As logged by node-c:",
        "node-a accepted the proposal.",
        "Proposed by: J. de Vries (RIEC Zuid)",
        "Case: RIEC-2024/017",
        "Purpose: Ondermijning: malafide uitzendbureaus \"Noord\"",
        "Legal basis for node-b: WGS art. 2.2; convenant RIEC",
        ("Participants (ring order): node-a, node-b, node-c; counting node: node-c; started by "
         "node-a"),
        "Key types: bsn, name_dob; at least 2 holders (k)",
        "Disclosure: partners: each node learns",
        "With node-b: sent bsn 121, name_dob 123; received bsn 211, name_dob 213",
        "node-a learned that 12 of its own records are known elsewhere, and by which nodes",
        ("Records whose own subject is known elsewhere: 9 as a person, 0 as a company; records "
         "whose address, vehicle or account is known elsewhere (not the same person or company): "
         "7, 1, 0"),
        "As counting node, node-c saw only anonymous incidence patterns",
        "Recorded node-b's signed log head",
        "results were deleted (5 rows)",
        "2024-03-01T09:",
    };
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
        if (!strstr(out.text, phrases[i]))
            fail_msg("story lacks \"%s\":\n%s", phrases[i], out.text);
    sp_audit_story_free(&s);
    assert_null(s);
    free_logs(logs, NODES);
}

/* A case question: the asking node's case_answer about a partner against
 * the partner's own log (node-b here logged a result: it answered). */
static void append_case_answer(struct tlog *l, const char *peer, int code)
{
    struct sp_audit_entry *e = NULL;
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_CASE_ANSWER, &e), 0);
    assert_int_equal(sp_audit_add_round(e, round_id), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, peer), 0);
    assert_int_equal(sp_audit_add_code(e, code), 0);
    if (code == 0)
        assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RECORDS_MATCHED, 2), 0);
    else
        assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_REASON, "refused: made up"), 0);
    tlog_append(l, &e);
}

static void test_case_answers(void **state)
{
    (void)state;
    static const struct {
        int code;
        bool problem;
    } cases[] = {
        {0, false},                   /* answered, and b logged answering */
        {SP_ERR_TIMEOUT, false},      /* a deadline before a late answer */
        {SP_ERR_ROUND_REFUSED, true}, /* "refused" while b logged answering */
        {SP_ERR_POLICY, true},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct tlog logs[NODES];
        struct sink out;
        struct sp_audit_cc_summary sum;
        fixture_federation(logs, NODES, round_id);
        append_case_answer(&logs[0], logs[1].node, cases[k].code);
        int rc = crosscheck(logs, NODES, &out, &sum);
        if (cases[k].problem) {
            assert_int_equal(rc, SP_ERR_AUDIT);
            assert_non_null(strstr(out.text, "recorded no answer from node-b, which logged "
                                             "answering it"));
        } else if (rc != 0) {
            fail_msg("code %d: %s", cases[k].code, out.text);
        }
        free_logs(logs, NODES);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agree),
        cmocka_unit_test(test_disagreements),
        cmocka_unit_test(test_rewritten_log),
        cmocka_unit_test(test_forged_pin),
        cmocka_unit_test(test_add_refusals),
        cmocka_unit_test(test_story),
        cmocka_unit_test(test_head_not_recorded),
        cmocka_unit_test(test_explained_by_a_stop),
        cmocka_unit_test(test_case_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
