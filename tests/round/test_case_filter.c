/*
 * round/case_filter.c: the asker's copy of a partner's filter. A random
 * model test against a naive multiset (sorted array, one value at a time),
 * duplicates, a removal of an absent value (or one occurrence too many)
 * leaving the filter unchanged, the empty filter, and argument errors.
 * Allocation failures are in tests/alloc/test_alloc_case_filter.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "round/case_filter.h"

/* xorshift64*: reproducible, no libc state. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Values from a small range, so that duplicates and hits are common. */
static uint64_t small_value(uint64_t *s)
{
    uint64_t r = rng_next(s);
    /* a few extremes too: 0 and UINT64_MAX sort at the ends */
    if (r % 97 == 0)
        return (r & 1) ? UINT64_MAX : 0;
    return r % 400;
}

/* The model: a multiset as a count per value in 0..399 plus the extremes. */
struct model {
    size_t count[402];
    size_t n;
};

static size_t *model_slot(struct model *m, uint64_t v)
{
    if (v == UINT64_MAX)
        return &m->count[401];
    if (v == 0)
        return &m->count[400];
    return &m->count[v];
}

static size_t model_count(const struct model *m, uint64_t v)
{
    return v == UINT64_MAX ? m->count[401] : v == 0 ? m->count[400] : m->count[v];
}

static void check_equal(const struct sp_case_filter *f, const struct model *m)
{
    struct model seen = {0};

    assert_int_equal(f->n, m->n);
    for (size_t i = 0; i < f->n; i++) {
        if (i > 0)
            assert_true(f->fp[i - 1] <= f->fp[i]);
        (*model_slot(&seen, f->fp[i]))++;
    }
    assert_memory_equal(seen.count, m->count, sizeof(m->count));
    for (uint64_t v = 0; v < 402; v++) {
        uint64_t probe = v == 400 ? 0 : v == 401 ? UINT64_MAX : v;
        assert_int_equal(sp_case_filter_contains(f, probe), model_count(m, probe) > 0);
    }
    assert_false(sp_case_filter_contains(f, 1000));
}

/* A random delta: removals drawn from what the model holds (and, one time
 * in four, one that is not there or one occurrence too many), additions
 * from the small range. */
static void random_delta(uint64_t *s, const struct model *m, uint64_t *add, size_t *nadd,
                         uint64_t *rm, size_t *nrm, int *bad)
{
    struct model left = *m;

    *nadd = rng_next(s) % 12;
    *nrm = rng_next(s) % 8;
    for (size_t i = 0; i < *nadd; i++)
        add[i] = small_value(s);
    for (size_t i = 0; i < *nrm; i++) {
        uint64_t v = small_value(s);
        for (int tries = 0; tries < 50 && *model_slot(&left, v) == 0; tries++)
            v = small_value(s);
        rm[i] = v;
        if (*model_slot(&left, v) > 0)
            (*model_slot(&left, v))--;
    }
    *bad = 0;
    if (rng_next(s) % 4 == 0) {
        rm[(*nrm)++] = 1000 + rng_next(s) % 5; /* never added */
        *bad = 1;
    }
    /* A removal the model cannot satisfy is also bad. */
    left = *m;
    for (size_t i = 0; i < *nrm; i++) {
        if (rm[i] >= 1000 && rm[i] != UINT64_MAX) {
            *bad = 1;
            continue;
        }
        if (*model_slot(&left, rm[i]) == 0)
            *bad = 1;
        else
            (*model_slot(&left, rm[i]))--;
    }
}

static void model_apply(struct model *m, const uint64_t *add, size_t nadd, const uint64_t *rm,
                        size_t nrm)
{
    for (size_t i = 0; i < nrm; i++)
        (*model_slot(m, rm[i]))--;
    for (size_t i = 0; i < nadd; i++)
        (*model_slot(m, add[i]))++;
    m->n = m->n - nrm + nadd;
}

static void test_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct sp_case_filter f = {0};
        struct model m = {0};
        uint64_t s = seed * UINT64_C(0x9e3779b97f4a7c15), part[64];

        /* The whole filter in parts, then sealed. */
        for (int p = 0; p < 5; p++) {
            size_t n = rng_next(&s) % 64;
            for (size_t i = 0; i < n; i++) {
                part[i] = small_value(&s);
                (*model_slot(&m, part[i]))++;
            }
            m.n += n;
            assert_int_equal(sp_case_filter_append(&f, part, n), 0);
        }
        sp_case_filter_seal(&f);
        check_equal(&f, &m);
        for (int op = 0; op < 300; op++) {
            uint64_t add[16], rm[16];
            size_t nadd, nrm;
            int bad;

            random_delta(&s, &m, add, &nadd, rm, &nrm, &bad);
            int rc = sp_case_filter_apply(&f, add, nadd, rm, nrm);
            if (bad) {
                assert_int_equal(rc, SP_ERR_NOT_FOUND);
            } else {
                assert_int_equal(rc, 0);
                model_apply(&m, add, nadd, rm, nrm);
            }
            check_equal(&f, &m);
        }
        sp_case_filter_clear(&f);
        assert_null(f.fp);
        assert_int_equal(f.n, 0);
        assert_int_equal(f.cap, 0);
    }
}

/* Two equal fingerprints: removing one keeps the other; removing both at
 * once needs both; removing three fails and changes nothing. */
static void test_duplicates(void **state)
{
    static const uint64_t init[] = {7, 3, 7, 9};
    static const uint64_t seven[] = {7}, two_sevens[] = {7, 7}, three_sevens[] = {7, 7, 7};
    struct sp_case_filter f = {0};
    (void)state;

    assert_int_equal(sp_case_filter_append(&f, init, 4), 0);
    sp_case_filter_seal(&f);
    assert_int_equal(sp_case_filter_apply(&f, NULL, 0, three_sevens, 3), SP_ERR_NOT_FOUND);
    assert_int_equal(f.n, 4);
    assert_int_equal(sp_case_filter_apply(&f, NULL, 0, seven, 1), 0);
    assert_true(sp_case_filter_contains(&f, 7));
    assert_int_equal(f.n, 3);
    assert_int_equal(sp_case_filter_apply(&f, two_sevens, 2, seven, 1), 0);
    assert_int_equal(f.n, 4);
    {
        static const uint64_t want[] = {3, 7, 7, 9};
        assert_memory_equal(f.fp, want, sizeof(want));
    }
    assert_int_equal(sp_case_filter_apply(&f, NULL, 0, two_sevens, 2), 0);
    assert_false(sp_case_filter_contains(&f, 7));
    /* Adding and removing the same value in one delta: removal first. */
    assert_int_equal(sp_case_filter_apply(&f, seven, 1, seven, 1), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_case_filter_apply(&f, init, 4, NULL, 0), 0);
    assert_int_equal(sp_case_filter_apply(&f, seven, 1, seven, 1), 0);
    assert_int_equal(f.n, 6);
    sp_case_filter_clear(&f);
}

/* A delta with one absent value leaves the filter exactly as it was, even
 * when its other removals and additions were fine. */
static void test_absent_unchanged(void **state)
{
    static const uint64_t init[] = {1, 2, 3, 4, 5};
    static const uint64_t add[] = {10, 0}, rm[] = {2, 4, 6};
    struct sp_case_filter f = {0};
    uint64_t before[5];
    (void)state;

    assert_int_equal(sp_case_filter_append(&f, init, 5), 0);
    sp_case_filter_seal(&f);
    memcpy(before, f.fp, sizeof(before));
    assert_int_equal(sp_case_filter_apply(&f, add, 2, rm, 3), SP_ERR_NOT_FOUND);
    assert_int_equal(f.n, 5);
    assert_memory_equal(f.fp, before, sizeof(before));
    /* More removals than entries. */
    {
        static const uint64_t many[] = {1, 2, 3, 4, 5, 5};
        assert_int_equal(sp_case_filter_apply(&f, NULL, 0, many, 6), SP_ERR_NOT_FOUND);
        assert_int_equal(f.n, 5);
        assert_int_equal(sp_case_filter_apply(&f, NULL, 0, many, 5), 0);
        assert_int_equal(f.n, 0);
    }
    sp_case_filter_clear(&f);
}

static void test_empty(void **state)
{
    static const uint64_t one[] = {42};
    struct sp_case_filter f = {0};
    (void)state;

    sp_case_filter_seal(&f);
    assert_false(sp_case_filter_contains(&f, 0));
    assert_false(sp_case_filter_contains(NULL, 0));
    assert_int_equal(sp_case_filter_append(&f, NULL, 0), 0);
    assert_null(f.fp);
    assert_int_equal(sp_case_filter_apply(&f, NULL, 0, NULL, 0), 0);
    assert_int_equal(sp_case_filter_apply(&f, NULL, 0, one, 1), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_case_filter_apply(&f, one, 1, NULL, 0), 0); /* a delta into nothing */
    assert_true(sp_case_filter_contains(&f, 42));
    sp_case_filter_clear(&f);
    sp_case_filter_clear(&f);
    sp_case_filter_clear(NULL);
}

static void test_arguments(void **state)
{
    static const uint64_t one[] = {1};
    struct sp_case_filter f = {0};
    (void)state;

    assert_int_equal(sp_case_filter_append(NULL, one, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_case_filter_append(&f, NULL, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_case_filter_apply(NULL, NULL, 0, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_case_filter_apply(&f, NULL, 1, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_case_filter_apply(&f, NULL, 0, NULL, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_case_filter_append(&f, one, 1), 0);
    /* Sizes that cannot be: refused before any allocation. */
    assert_int_equal(sp_case_filter_append(&f, one, SIZE_MAX), SP_ERR_OVERFLOW);
    assert_int_equal(sp_case_filter_append(&f, one, SIZE_MAX / 8), SP_ERR_OVERFLOW);
    assert_int_equal(sp_case_filter_apply(&f, one, SIZE_MAX, NULL, 0), SP_ERR_OVERFLOW);
    assert_int_equal(f.n, 1);
    sp_case_filter_clear(&f);
}

/* A large filter arriving in parts, then a large delta: the result equals
 * sorting everything (the linear merge against a reference). */
static void test_large(void **state)
{
    enum { N = 200000, D = 5000 };
    uint64_t *all = malloc((N + D) * sizeof(uint64_t)), s = 77;
    struct sp_case_filter f = {0};
    (void)state;

    assert_non_null(all);
    for (size_t i = 0; i < N + D; i++)
        all[i] = rng_next(&s);
    for (size_t at = 0; at < N; at += 4096)
        assert_int_equal(sp_case_filter_append(&f, all + at, N - at < 4096 ? N - at : 4096), 0);
    sp_case_filter_seal(&f);
    /* remove the first D appended, add D new ones */
    assert_int_equal(sp_case_filter_apply(&f, all + N, D, all, D), 0);
    assert_int_equal(f.n, N);
    for (size_t i = 0; i < D; i++) {
        assert_false(sp_case_filter_contains(&f, all[i]));
        assert_true(sp_case_filter_contains(&f, all[N + i]));
        assert_true(sp_case_filter_contains(&f, all[D + i]));
    }
    for (size_t i = 1; i < f.n; i++)
        assert_true(f.fp[i - 1] <= f.fp[i]);
    sp_case_filter_clear(&f);
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_absent_unchanged),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
