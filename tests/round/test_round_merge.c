/*
 * Counting by sorted runs (round/round_merge.h): batches sorted with their
 * permutation; the k-way merge gives every occurrence of an element the set
 * of participants holding it, and the histogram of distinct values per
 * holder set, exactly as a direct count over all participants' sets would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "round/round_hist.h"
#include "round/round_merge.h"
#include "proto/peer.h"

#define E        SP_ROUND_ELEM_BYTES
#define UNIVERSE 500
#define NODES    5
#define BATCH    37 /* small batches: many runs per node */

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Element v of the universe: distinct, and not in numeric order. */
static void element(uint32_t v, uint8_t out[E])
{
    memset(out, 0, E);
    uint32_t x = v * 2654435761u;
    memcpy(out, &x, sizeof(x));
    out[E - 1] = (uint8_t)v;
}

static void test_sort_batch(void **state)
{
    (void)state;
    enum { N = 300 };
    static uint8_t in[N * E], sorted[N * E];
    uint16_t perm[N];
    for (uint32_t i = 0; i < N; i++)
        element(i * 7 % N, in + i * E);
    assert_int_equal(sp_round_sort_batch(in, N, sorted, perm), 0);
    for (uint32_t i = 0; i < N; i++) {
        assert_memory_equal(sorted + i * E, in + (size_t)perm[i] * E, E);
        if (i)
            assert_true(memcmp(sorted + (i - 1) * E, sorted + i * E, E) < 0);
    }
    assert_int_equal(sp_round_sort_batch(in, SP_ROUND_RUN_MAX + 1, sorted, perm),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_sort_batch(in, 0, sorted, perm), 0);
}

static void test_merge_equals_direct(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 10; seed++) {
        uint32_t s = seed, truth[UNIVERSE] = {0};
        struct sp_round_run runs[NODES * (UNIVERSE / BATCH + 2)];
        uint32_t held_at[NODES * (UNIVERSE / BATCH + 2)][BATCH]; /* universe index */
        size_t nruns = 0;
        for (uint8_t p = 0; p < NODES; p++) {
            uint32_t set[UNIVERSE + 1], n = 0;
            for (uint32_t v = 0; v < UNIVERSE; v++)
                if (rnd(&s) % 4 == 0) {
                    set[n++] = v;
                    truth[v] |= 1u << p;
                }
            if (n && p == 2)
                set[n++] = set[0];             /* one node sends an element twice */
            for (uint32_t i = n; i > 1; i--) { /* shuffled, as FINALs are */
                uint32_t j = rnd(&s) % i, t = set[i - 1];
                set[i - 1] = set[j];
                set[j] = t;
            }
            for (uint32_t off = 0; off < n; off += BATCH) {
                uint32_t k = n - off < BATCH ? n - off : BATCH;
                uint8_t raw[BATCH * E];
                uint16_t perm[BATCH];
                uint8_t *sorted = malloc((size_t)k * E + 1);
                for (uint32_t i = 0; i < k; i++)
                    element(set[off + i], raw + i * E);
                assert_int_equal(sp_round_sort_batch(raw, k, sorted, perm), 0);
                for (uint32_t i = 0; i < k; i++)
                    held_at[nruns][i] = set[off + perm[i]];
                runs[nruns] = (struct sp_round_run){
                    .elems = sorted, .n = k, .holder = p, .masks = calloc(k + 1, 4)};
                nruns++;
            }
        }
        struct sp_round_hist *h = NULL;
        assert_int_equal(sp_round_hist_new(&h), 0);
        assert_int_equal(sp_round_merge(runs, nruns, 4, h), 0);
        for (size_t r = 0; r < nruns; r++)
            for (uint32_t i = 0; i < runs[r].n; i++)
                assert_int_equal(runs[r].masks[i], truth[held_at[r][i]]);
        uint64_t direct[1u << NODES] = {0};
        for (uint32_t v = 0; v < UNIVERSE; v++)
            if (truth[v])
                direct[truth[v]]++;
        struct sp_peer_count *cells = NULL;
        uint32_t nc = 0, want = 0;
        assert_int_equal(sp_round_hist_cells(h, &cells, &nc), 0);
        for (uint32_t m = 1; m < (1u << NODES); m++)
            if (direct[m]) {
                assert_true(want < nc);
                assert_int_equal(cells[want].key_type, 4);
                assert_int_equal(cells[want].holders, m);
                assert_int_equal(cells[want].count, direct[m]);
                want++;
            }
        assert_int_equal(nc, want);
        free(cells);
        sp_round_hist_free(&h);
        for (size_t r = 0; r < nruns; r++) {
            free((void *)(uintptr_t)runs[r].elems);
            free(runs[r].masks);
        }
    }
}

static void test_merge_refusals(void **state)
{
    (void)state;
    uint8_t a[2 * E], b[E];
    uint32_t ma[2], mb[1];
    element(1, a);
    element(2, a + E);
    element(3, b);
    if (memcmp(a, a + E, E) > 0) { /* run a ascending; rev is its reverse */
        uint8_t t[E];
        memcpy(t, a, E);
        memcpy(a, a + E, E);
        memcpy(a + E, t, E);
    }
    uint8_t rev[2 * E];
    memcpy(rev, a + E, E);
    memcpy(rev + E, a, E);
    struct sp_round_hist *h = NULL;
    assert_int_equal(sp_round_hist_new(&h), 0);
    struct sp_round_run runs[2] = {{.elems = rev, .n = 2, .holder = 0, .masks = ma},
                                   {.elems = b, .n = 1, .holder = 1, .masks = mb}};
    assert_int_equal(sp_round_merge(runs, 2, 1, h), SP_ERR_INVALID_ARG);
    runs[0].elems = a;
    runs[1].holder = 32;
    assert_int_equal(sp_round_merge(runs, 2, 1, h), SP_ERR_INVALID_ARG);
    runs[1].holder = 1;
    sp_round_hist_free(&h);
    assert_int_equal(sp_round_hist_new(&h), 0);
    assert_int_equal(sp_round_merge(runs, 2, 1, h), 0);
    assert_int_equal(ma[0], 1);
    assert_int_equal(ma[1], 1);
    assert_int_equal(mb[0], 2);
    assert_int_equal(sp_round_merge(NULL, 0, 1, h), 0);
    sp_round_hist_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_batch),
        cmocka_unit_test(test_merge_equals_direct),
        cmocka_unit_test(test_merge_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
