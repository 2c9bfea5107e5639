/*
 * A round's audit entries (round/audit_events.h) as the story tells them:
 * a round that failed before this node decided on it still names its case,
 * purpose, coordinator and participants; one that it had decided on does
 * not repeat them; a recovered round names nothing it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit/entry.h"
#include "audit/schema.h"
#include "audit/story.h"
#include "round/audit_events.h"

static const uint8_t round_id[16] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                     0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};

struct text {
    char buf[8192];
    size_t len;
};

static void collect(void *ctx, const char *line)
{
    struct text *t = ctx;
    int n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof(t->buf) - t->len)
        t->len += (size_t)n;
}

static void make_proposal(struct sp_proposal *p)
{
    memset(p, 0, sizeof(*p));
    memcpy(p->round_id, round_id, sizeof(round_id));
    snprintf(p->coordinator, sizeof(p->coordinator), "J. de Vries");
    snprintf(p->case_ref, sizeof(p->case_ref), "RIEC-MN-2026-014");
    snprintf(p->purpose, sizeof(p->purpose), "ondermijning vastgoed");
    const char *names[] = {"gemeente-utrecht", "politie-mn", "riec-mn"};
    p->nparticipants = 3;
    for (int i = 0; i < 3; i++)
        snprintf(p->participants[i].name, sizeof(p->participants[i].name), "%s", names[i]);
    p->mode = SP_PROPOSAL_MODE_PARTNERS;
    p->min_holders = 2;
}

/* The story does not check signatures: a fixed one will do. */
static int no_sign(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg, size_t len)
{
    (void)ctx;
    (void)msg;
    (void)len;
    memset(sig, 0x5a, SP_AUDIT_SIG_BYTES);
    return 0;
}

/* The story of one entry of node "riec-mn" (sealed as seq 7). */
static void story_of(struct sp_audit_entry *e, struct text *t)
{
    struct sp_audit_story *s = NULL;
    static const uint8_t zero[SP_AUDIT_HASH_BYTES];
    static uint8_t record[SP_AUDIT_RECORD_MAX_BYTES];
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    size_t len = 0;
    memset(t, 0, sizeof(*t));
    assert_int_equal(sp_audit_entry_seal(e, 7, 1796650000, zero, no_sign, NULL, record,
                                         sizeof(record), &len, hash),
                     0);
    assert_int_equal(sp_audit_story_new(round_id, &s), 0);
    assert_int_equal(sp_audit_story_add(s, "riec-mn", e), 0);
    assert_int_equal(sp_audit_story_render(s, collect, t), 0);
    sp_audit_story_free(&s);
}

static void test_failed_before_deciding(void **state)
{
    (void)state;
    struct sp_proposal p;
    uint8_t digest[32];
    struct sp_audit_entry *e = NULL;
    struct text t;
    make_proposal(&p);
    memset(digest, 0xab, sizeof(digest));
    const struct sp_auditev_undecided u = {&p, digest, "gemeente-utrecht"};
    assert_int_equal(sp_auditev_round_failed(round_id, "gemeente-utrecht", SP_ERR_ROUND_FAILED,
                                             "aborted by gemeente-utrecht: refused by politie-mn",
                                             &u, &e),
                     0);
    assert_int_equal(sp_audit_entry_count(e, SP_AUDIT_F_PARTICIPANT), 3);
    story_of(e, &t);
    const char *want[] = {
        "It failed before this node decided on the proposal. Case: RIEC-MN-2026-014",
        "Purpose: ondermijning vastgoed",
        "Coordinator: J. de Vries; started by gemeente-utrecht; participants: gemeente-utrecht, "
        "politie-mn, riec-mn",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(t.buf, want[i]))
            fail_msg("story lacks \"%s\":\n%s", want[i], t.buf);
    sp_audit_entry_free(&e);

    /* decided already (or recovered at start-up): only the failure */
    const struct sp_auditev_undecided decided = {NULL, NULL, NULL};
    assert_int_equal(sp_auditev_round_failed(round_id, NULL, SP_ERR_ROUND_FAILED,
                                             "the node restarted during the round", &decided, &e),
                     0);
    assert_int_equal(sp_audit_entry_count(e, SP_AUDIT_F_CASE_REF), 0);
    story_of(e, &t);
    assert_null(strstr(t.buf, "before this node decided"));
    assert_non_null(strstr(t.buf, "the node restarted during the round"));
    sp_audit_entry_free(&e);
    assert_int_equal(sp_auditev_round_failed(round_id, NULL, SP_ERR_ROUND_FAILED, "x", NULL, &e),
                     0);
    assert_int_equal(sp_audit_entry_count(e, SP_AUDIT_F_PARTICIPANT), 0);
    sp_audit_entry_free(&e);
}

/* case_answer: an answer says how many subjects, never which; a refusal
 * says why, with an identifier-like digit run masked. */
static void test_case_answer(void **state)
{
    (void)state;
    struct sp_audit_entry *e = NULL;
    struct text t;
    assert_int_equal(sp_auditev_case_answer(round_id, "politie-mn", 0, "", 3, &e), 0);
    assert_int_equal(sp_audit_entry_count(e, SP_AUDIT_F_REASON), 0);
    struct sp_audit_value v;
    assert_int_equal(sp_audit_entry_find(e, SP_AUDIT_F_CODE, 0, &v), 0);
    assert_int_equal(v.code, 0); /* answered: code 0, not an error */
    story_of(e, &t);
    assert_non_null(strstr(t.buf, "politie-mn answered the case question: it knows 3 of the "
                                  "case's subjects"));
    sp_audit_entry_free(&e);
    assert_int_equal(sp_auditev_case_answer(round_id, "om", SP_ERR_POLICY,
                                            "refused: more than 100 values (123456789)", 0, &e),
                     0);
    assert_int_equal(sp_audit_entry_count(e, SP_AUDIT_F_RECORDS_MATCHED), 0);
    story_of(e, &t);
    assert_non_null(strstr(t.buf, "om did not answer the case question: refused: more than 100"));
    assert_null(strstr(t.buf, "123456789"));
    sp_audit_entry_free(&e);
    assert_int_equal(sp_auditev_case_answer(round_id, "Not A Name", 0, "", 1, &e),
                     SP_ERR_AUDIT_FIELD);
}

/* Texts from elsewhere become loggable: controls and bytes that are not
 * UTF-8 (common/utf8.h) turn into spaces, long digit runs into '#'. */
static void test_text(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"caf\xc3\xa9\tok", "caf\xc3\xa9\tok"},
        {"a\nb\x7f", "a b "},
        {"a\xc3(b", "a (b"},                /* a cut sequence, then ASCII */
        {"x\xed\xa0\x80y", "x   y"},        /* a surrogate */
        {"end \xe2\x82", "end   "},         /* cut by the end of the text */
        {"bsn 123456782", "bsn #########"}, /* an identifier? */
    };
    char out[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = sp_auditev_text(cases[i].in, 32, out, sizeof(out), "fallback");
        if (strcmp(got, cases[i].out) != 0)
            fail_msg("case %zu: got \"%s\"", i, got);
    }
    assert_string_equal(sp_auditev_text("\x01", 32, out, sizeof(out), "fallback"), " ");
    assert_string_equal(sp_auditev_text("", 32, out, sizeof(out), "fallback"), "fallback");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_before_deciding),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_case_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
