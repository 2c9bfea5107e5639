/* Failing allocations in audit/: the JSON lines reader, the export line
 * writer, offline verification of one node's export with its peers' pins,
 * the cross-check of a federation's exports and the story of a round, all on
 * the signed logs of a three-node federation built by tests/audit/fixture.c.
 * On success every result equals a run without failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/crosscheck.h"
#include "audit/jsonl.h"
#include "audit/story.h"
#include "audit/verify.h"
#include "failalloc.h"
#include "fixture.h"

#define NODES 3

static const int nomem[] = {SP_ERR_NOMEM};
static char sentinel_byte;
static void *volatile sentinel = &sentinel_byte; /* volatile: see test_alloc_proto.c */
static const uint8_t round_id[16] = {0x3f, 0xa2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

struct fed {
    struct tlog log[NODES];
    struct texport x[NODES];
    uint64_t want;              /* digest of a run without failures */
    struct sp_audit_report rep; /* verify */
    struct sp_audit_cc_summary sum;
    bool have_want;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* Records the digest of the first run, compares later ones. */
static void expect_digest(struct fed *f, uint64_t d)
{
    if (!f->have_want) {
        f->want = d;
        f->have_want = true;
    }
    assert_true(d == f->want);
}

/* ---- reader ---- */

static int run_reader(void *ctx)
{
    struct fed *f = ctx;
    struct sp_audit_reader *r = sentinel;
    struct sp_audit_line l;
    uint64_t d = UINT64_C(0xcbf29ce484222325);
    int rc = sp_audit_reader_new(&r);
    if (rc != 0) {
        assert_ptr_equal(r, sentinel);
        return rc;
    }
    for (size_t n = 0; n < NODES && rc == 0; n++)
        for (size_t i = 0; i < f->x[n].n && rc == 0; i++) {
            rc = sp_audit_reader_line(r, f->x[n].line[i], strlen(f->x[n].line[i]), &l);
            if (rc != 0)
                break;
            int v[2] = {l.kind, l.fault};
            d = fnv(d, v, sizeof(v));
            d = fnv(d, l.hash, sizeof(l.hash));
            d = fnv(d, l.record, l.record_len);
        }
    sp_audit_reader_free(&r);
    if (rc == 0)
        expect_digest(f, d);
    return rc;
}

/* ---- entry lines written from records ---- */

static int run_jsonl_entry(void *ctx)
{
    struct fed *f = ctx;
    static char out[SP_AUDIT_LINE_MAX + 1];
    for (size_t n = 0; n < NODES; n++)
        for (size_t i = 0; i < f->log[n].n; i++) {
            size_t len = 424242;
            int rc =
                sp_audit_jsonl_entry(f->log[n].rec[i], f->log[n].len[i], out, sizeof(out), &len);
            if (rc != 0) {
                assert_int_equal(len, 424242);
                return rc;
            }
            /* The export line of record i is line i of the export. */
            assert_string_equal(out, f->x[n].line[i]);
            assert_int_equal(len, strlen(out));
        }
    f->have_want = true;
    return 0;
}

/* ---- verification with pins ---- */

static int feed(const struct texport *x, const uint8_t *pk, const char *node,
                struct sp_audit_verifier **out)
{
    struct sp_audit_verifier *v = sentinel;
    int rc = sp_audit_verifier_new(pk, node, &v);
    if (rc != 0) {
        assert_ptr_equal(v, sentinel);
        return rc;
    }
    for (size_t i = 0; i < x->n && rc == 0; i++)
        rc = sp_audit_verifier_line(v, x->line[i], strlen(x->line[i]));
    if (rc != 0) {
        sp_audit_verifier_free(&v);
        return rc;
    }
    *out = v;
    return 0;
}

static int run_verify(void *ctx)
{
    struct fed *f = ctx;
    struct sp_audit_verifier *v = NULL, *p = NULL;
    struct sp_audit_report rep;
    int rc = feed(&f->x[0], f->log[0].pk, f->log[0].node, &v);
    for (size_t i = 1; i < NODES && rc == 0; i++) {
        size_t bad = 99;
        rc = feed(&f->x[i], NULL, NULL, &p);
        if (rc == 0)
            rc = sp_audit_verifier_pins_from(v, p, &bad);
        if (rc == 0)
            assert_int_equal(bad, 0);
        sp_audit_verifier_free(&p);
    }
    if (rc == 0) {
        rc = sp_audit_verifier_finish(v, &rep);
        assert_int_equal(rc, 0); /* the logs are honest: SP_ERR_AUDIT is never right */
        assert_int_equal(rep.pins, NODES - 1);
        expect_digest(f, fnv(UINT64_C(0xcbf29ce484222325), &rep, sizeof(rep)));
    }
    sp_audit_verifier_free(&v);
    return rc;
}

/* ---- cross-check ---- */

static void on_emit(void *ctx, const char *line)
{
    (void)line;
    (*(size_t *)ctx)++;
}

static int run_crosscheck(void *ctx)
{
    struct fed *f = ctx;
    struct sp_audit_crosscheck *cc = sentinel;
    struct sp_audit_cc_summary sum;
    size_t emitted = 0;
    int rc = sp_audit_crosscheck_new(&cc);
    if (rc != 0) {
        assert_ptr_equal(cc, sentinel);
        return rc;
    }
    for (size_t i = 0; i < NODES && rc == 0; i++) {
        struct sp_audit_verifier *v = NULL;
        rc = feed(&f->x[i], f->log[i].pk, f->log[i].node, &v);
        if (rc == 0)
            rc = sp_audit_crosscheck_add(cc, &v);
        /* Ownership passes with success only: the caller still holds *v
         * when the add failed. */
        if (rc == 0)
            assert_null(v);
        sp_audit_verifier_free(&v);
    }
    if (rc == 0) {
        memset(&sum, 0, sizeof(sum));
        rc = sp_audit_crosscheck_run(cc, on_emit, &emitted, &sum);
        if (rc == 0) {
            assert_int_equal(emitted, 0);
            assert_int_equal(sum.logs, NODES);
            assert_int_equal(sum.problems, 0);
            expect_digest(f, fnv(UINT64_C(0xcbf29ce484222325), &sum, sizeof(sum)));
        }
    }
    sp_audit_crosscheck_free(&cc);
    return rc;
}

/* ---- story ---- */

static void on_story(void *ctx, const char *line)
{
    uint64_t *d = ctx;
    *d = fnv(*d, line, strlen(line) + 1);
}

static int run_story(void *ctx)
{
    struct fed *f = ctx;
    struct sp_audit_story *s = sentinel;
    uint64_t d = UINT64_C(0xcbf29ce484222325);
    int rc = sp_audit_story_new(round_id, &s);
    if (rc != 0) {
        assert_ptr_equal(s, sentinel);
        return rc;
    }
    for (size_t n = 0; n < NODES && rc == 0; n++)
        for (size_t i = 0; i < f->log[n].n && rc == 0; i++) {
            fa_pause(); /* decoding the fixture is set-up, not the operation */
            struct sp_audit_entry *e = tlog_entry(&f->log[n], i);
            fa_resume();
            rc = sp_audit_story_add(s, f->log[n].node, e);
            fa_pause();
            sp_audit_entry_free(&e);
            fa_resume();
        }
    if (rc == 0) {
        rc = sp_audit_story_render(s, on_story, &d);
        assert_int_equal(rc, 0); /* render allocates nothing: never NOMEM */
        expect_digest(f, d);
    }
    sp_audit_story_free(&s);
    return rc;
}

/* ---- driver ---- */

static int setup(void **state)
{
    fa_disarm();
    struct fed *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fixture_federation_exports(f->log, f->x, NODES, round_id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fed *f = *state;
    fixture_federation_free(f->log, f->x, NODES);
    free(f);
    return 0;
}

static void torture(void **state, const char *name, int (*run)(void *))
{
    struct fed *f = *state;
    struct fa_op op = {name, run, f, nomem, 1};
    f->have_want = false;
    fa_torture(&op, NULL);
    assert_true(f->have_want); /* some run succeeded and was compared */
}

static void test_reader(void **state)
{
    torture(state, "audit reader (3 exports)", run_reader);
}

static void test_jsonl_entry(void **state)
{
    torture(state, "audit jsonl_entry (every record)", run_jsonl_entry);
}

static void test_verify(void **state)
{
    torture(state, "audit verify with 2 peers' pins", run_verify);
}

static void test_crosscheck(void **state)
{
    torture(state, "audit crosscheck (3 exports)", run_crosscheck);
}

static void test_story(void **state)
{
    torture(state, "audit story of the round", run_story);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crosscheck, setup, teardown),
        cmocka_unit_test_setup_teardown(test_story, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fa_summary();
    return rc;
}
