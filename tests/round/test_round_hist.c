/*
 * The counting node's incidence histogram (round/round_hist.h): built
 * incrementally as holder masks grow, in any arrival order, it equals the
 * histogram of the final holder sets computed directly; cells are ordered;
 * the cell limit of a COUNTS message holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "round/round_hist.h"
#include "proto/peer.h"

#define NODES  4
#define VALUES 300
#define TYPES  3

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Each node holds a random subset of VALUES values per key type; the
 * elements arrive interleaved in a random order, as FINALs from several
 * nodes would; each arrival grows that value's mask like the counting node. */
static void test_incremental_equals_direct(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 20; seed++) {
        uint32_t s = seed;
        static uint32_t final_mask[TYPES][VALUES], mask[TYPES][VALUES];
        struct {
            uint8_t type;
            uint16_t value;
            uint8_t node;
        } arrivals[NODES * TYPES * VALUES];
        size_t n = 0;
        memset(final_mask, 0, sizeof(final_mask));
        memset(mask, 0, sizeof(mask));
        for (int t = 0; t < TYPES; t++)
            for (int v = 0; v < VALUES; v++)
                for (int p = 0; p < NODES; p++)
                    if (rnd(&s) % 3 == 0) {
                        final_mask[t][v] |= 1u << p;
                        arrivals[n].type = (uint8_t)(t + 1);
                        arrivals[n].value = (uint16_t)v;
                        arrivals[n].node = (uint8_t)p;
                        n++;
                    }
        for (size_t i = n; i > 1; i--) { /* shuffle the arrival order */
            size_t j = rnd(&s) % i;
            __typeof__(arrivals[0]) tmp = arrivals[i - 1];
            arrivals[i - 1] = arrivals[j];
            arrivals[j] = tmp;
        }
        struct sp_round_hist *h = NULL;
        assert_int_equal(sp_round_hist_new(&h), 0);
        for (size_t i = 0; i < n; i++) {
            uint32_t *m = &mask[arrivals[i].type - 1][arrivals[i].value];
            uint32_t old = *m;
            *m |= 1u << arrivals[i].node;
            assert_int_equal(sp_round_hist_move(h, arrivals[i].type, old, *m), 0);
        }
        /* direct: count final masks per (type, mask) */
        static uint64_t direct[TYPES + 1][1u << NODES];
        memset(direct, 0, sizeof(direct));
        for (int t = 0; t < TYPES; t++)
            for (int v = 0; v < VALUES; v++)
                if (final_mask[t][v])
                    direct[t + 1][final_mask[t][v]]++;
        struct sp_peer_count *cells = NULL;
        uint32_t nc = 0;
        assert_int_equal(sp_round_hist_cells(h, &cells, &nc), 0);
        uint32_t want = 0;
        for (int t = 1; t <= TYPES; t++)
            for (uint32_t m = 1; m < (1u << NODES); m++)
                if (direct[t][m]) {
                    assert_true(want < nc);
                    assert_int_equal(cells[want].key_type, t);
                    assert_int_equal(cells[want].holders, m);
                    assert_int_equal(cells[want].count, direct[t][m]);
                    want++;
                }
        assert_int_equal(nc, want);
        free(cells);
        sp_round_hist_free(&h);
        assert_null(h);
    }
}

static void test_limits(void **state)
{
    (void)state;
    struct sp_round_hist *h = NULL;
    assert_int_equal(sp_round_hist_new(&h), 0);
    assert_int_equal(sp_round_hist_move(h, 1, 0, 0), SP_ERR_INVALID_ARG);
    for (uint32_t m = 1; m <= SP_PROTO_MAX_COUNT_ENTRIES; m++)
        assert_int_equal(sp_round_hist_move(h, 1, 0, m), 0);
    /* a new cell beyond what one COUNTS message carries is refused ... */
    assert_int_equal(sp_round_hist_move(h, 2, 0, 1), SP_ERR_OVERFLOW);
    /* ... an existing one still counts */
    assert_int_equal(sp_round_hist_move(h, 1, 0, 7), 0);
    struct sp_peer_count *cells = NULL;
    uint32_t n = 0;
    assert_int_equal(sp_round_hist_cells(h, &cells, &n), 0);
    assert_int_equal(n, SP_PROTO_MAX_COUNT_ENTRIES);
    assert_int_equal(cells[6].holders, 7);
    assert_int_equal(cells[6].count, 2);
    for (uint32_t i = 1; i < n; i++)
        assert_true(cells[i - 1].holders < cells[i].holders);
    free(cells);
    /* emptied cells are left out */
    sp_round_hist_free(&h);
    assert_int_equal(sp_round_hist_new(&h), 0);
    assert_int_equal(sp_round_hist_move(h, 5, 0, 0x1), 0);
    assert_int_equal(sp_round_hist_move(h, 5, 0x1, 0x3), 0);
    assert_int_equal(sp_round_hist_cells(h, &cells, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cells[0].holders, 0x3);
    assert_int_equal(cells[0].count, 1);
    free(cells);
    sp_round_hist_free(&h);
    sp_round_hist_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incremental_equals_direct),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
