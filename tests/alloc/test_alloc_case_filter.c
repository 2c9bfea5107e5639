/* Failing allocations in round/case_filter.c: a filter arriving in parts
 * (the array doubles several times) and deltas that grow it. A refused
 * append or delta must leave the filter exactly as it was (the header says
 * so), and a run without failures ends with the reference filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "round/case_filter.h"
#include "failalloc.h"

static const int nomem[] = {SP_ERR_NOMEM};

#define PARTS  8
#define PART   100
#define DELTAS 6
#define DADD   150
#define DRM    40

static uint64_t value(uint32_t i)
{
    return (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15) % 5000; /* duplicates too */
}

/* A digest of the filter's contents (n and the entries). */
static uint64_t digest(const struct sp_case_filter *f)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ f->n;
    for (size_t i = 0; i < f->n; i++)
        h = (h ^ f->fp[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* Delta d: adds DADD new values, removes DRM of the first part's. */
static int apply_delta(struct sp_case_filter *f, uint32_t d)
{
    uint64_t add[DADD], rm[DRM];
    for (uint32_t i = 0; i < DADD; i++)
        add[i] = value(100000 + d * DADD + i);
    for (uint32_t i = 0; i < DRM; i++)
        rm[i] = value(d * DRM + i);
    return sp_case_filter_apply(f, add, DADD, rm, DRM);
}

static int append_part(struct sp_case_filter *f, uint32_t p)
{
    uint64_t v[PART];
    for (uint32_t i = 0; i < PART; i++)
        v[i] = value(p * PART + i);
    return sp_case_filter_append(f, v, PART);
}

struct fctx {
    uint64_t want;
};

static int run_filter(void *ctx)
{
    struct fctx *c = ctx;
    struct sp_case_filter f = {0};
    int rc = 0;

    for (uint32_t p = 0; p < PARTS && rc == 0; p++) {
        uint64_t before = digest(&f);
        rc = append_part(&f, p);
        if (rc != 0)
            assert_true(digest(&f) == before);
    }
    if (rc == 0)
        sp_case_filter_seal(&f);
    for (uint32_t d = 0; d < DELTAS && rc == 0; d++) {
        uint64_t before = digest(&f);
        rc = apply_delta(&f, d);
        if (rc != 0)
            assert_true(digest(&f) == before);
    }
    if (rc == 0 && c->want != 0)
        assert_true(digest(&f) == c->want);
    sp_case_filter_clear(&f);
    return rc;
}

static void test_filter(void **state)
{
    (void)state;
    struct fctx c = {0};
    struct fa_op op = {"case_filter append/seal/apply", run_filter, &c, nomem, 1};

    fa_pause();
    assert_int_equal(run_filter(&c), 0);
    {
        struct sp_case_filter f = {0};
        for (uint32_t p = 0; p < PARTS; p++)
            assert_int_equal(append_part(&f, p), 0);
        sp_case_filter_seal(&f);
        for (uint32_t d = 0; d < DELTAS; d++)
            assert_int_equal(apply_delta(&f, d), 0);
        c.want = digest(&f);
        sp_case_filter_clear(&f);
    }
    fa_resume();
    fa_torture(&op, NULL);
}

static int setup(void **state)
{
    (void)state;
    fa_disarm();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_filter, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fa_summary();
    return rc;
}
