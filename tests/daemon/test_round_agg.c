/*
 * Result aggregation per record (daemon/round_agg.h): key types joined per
 * (record, partner), the strongest class, disclosure per mode, ordering, and
 * enough records to exercise the hash index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/keytype.h"
#include "daemon/round_agg.h"
#include "proto/proposal.h"

#define PARTNERS  SP_PROPOSAL_MODE_PARTNERS
#define THRESHOLD SP_PROPOSAL_MODE_THRESHOLD
#define COUNTS    SP_PROPOSAL_MODE_COUNTS

struct row {
    char text[600];
};

struct rows {
    struct row r[64];
    size_t n;
};

static int collect(void *ctx, const char *ds, const char *id, unsigned partner, uint32_t types,
                   uint8_t klass)
{
    struct rows *rs = ctx;
    char tj[256] = "";
    size_t len = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (types & SP_KEY_MASK(t))
            len += (size_t)snprintf(tj + len, sizeof(tj) - len, "%s%s", len ? "+" : "",
                                    sp_key_type_name(t));
    if (rs->n < 64)
        snprintf(rs->r[rs->n].text, sizeof(rs->r[0].text), "%s,%s,%u,%s,%s", ds, id, partner, tj,
                 sp_key_class_name(klass));
    rs->n++;
    return 0;
}

struct add {
    const char *ds, *id;
    uint8_t type, klass;
    uint32_t holders;
};

static void run(int mode, unsigned me, const struct add *adds, size_t nadds, const char **want,
                size_t nwant, uint64_t want_records)
{
    struct sp_round_agg *a = NULL;
    struct rows rs = {0};
    assert_int_equal(sp_round_agg_new(&a), 0);
    for (size_t i = 0; i < nadds; i++)
        assert_int_equal(sp_round_agg_add(a, adds[i].ds, adds[i].id, adds[i].type, adds[i].klass,
                                          adds[i].holders, me, mode),
                         0);
    assert_int_equal(sp_round_agg_records(a), want_records);
    assert_int_equal(sp_round_agg_rows(a), nwant);
    assert_int_equal(sp_round_agg_foreach(a, collect, &rs), 0);
    assert_int_equal(rs.n, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_string_equal(rs.r[i].text, want[i]);
    sp_round_agg_free(&a);
    assert_null(a);
}

static const struct add sample[] = {
    /* r1: bsn held by 0,1,2; name_dob by 0,1; addr_dob by 0,2 */
    {"pol", "r1", SP_KEY_BSN, SP_CLASS_A, 0x7},
    {"pol", "r1", SP_KEY_NAME_DOB, SP_CLASS_B, 0x3},
    {"pol", "r1", SP_KEY_ADDR_DOB, SP_CLASS_C, 0x5},
    /* r2: only a class C link with 2, and a B link with 2 via another key */
    {"pol", "r2", SP_KEY_ADDR_DOB, SP_CLASS_C, 0x5},
    /* r0 in another dataset sorts before; holders only self: no row */
    {"bag", "r0", SP_KEY_BSN, SP_CLASS_A, 0x1},
    {"bag", "r9", SP_KEY_PHON_DOB, SP_CLASS_B, 0x3},
    {"bag", "r9", SP_KEY_ADDR_DOB, SP_CLASS_C, 0x3},
    /* not held by enough: the counting node said 0 */
    {"pol", "r3", SP_KEY_BSN, SP_CLASS_A, 0},
};

static void test_partners(void **state)
{
    (void)state;
    static const char *want[] = {
        "bag,r9,1,phon_dob+addr_dob,B",
        "pol,r1,1,bsn+name_dob,A",
        "pol,r1,2,bsn+addr_dob,A",
        "pol,r2,2,addr_dob,C",
    };
    run(PARTNERS, 0, sample, sizeof(sample) / sizeof(sample[0]), want, 4, 3);
}

static void test_threshold(void **state)
{
    (void)state;
    /* In threshold mode the counting node sends 0 or the receiver's bit. */
    static const struct add adds[] = {
        {"pol", "r1", SP_KEY_BSN, SP_CLASS_A, 0x1},
        {"pol", "r1", SP_KEY_NAME_DOB, SP_CLASS_B, 0x1},
        {"pol", "r2", SP_KEY_ADDR_DOB, SP_CLASS_C, 0x1},
        {"pol", "r3", SP_KEY_BSN, SP_CLASS_A, 0},
    };
    static const char *want[] = {
        "pol,r1,255,bsn+name_dob,A",
        "pol,r2,255,addr_dob,C",
    };
    run(THRESHOLD, 0, adds, 4, want, 2, 2);
}

static void test_counts(void **state)
{
    (void)state;
    run(COUNTS, 0, sample, sizeof(sample) / sizeof(sample[0]), NULL, 0, 0);
}

static void test_other_index(void **state)
{
    (void)state;
    /* this node is participant 2; partners 0 and 1 */
    static const struct add adds[] = {
        {"d", "x", SP_KEY_KVK, SP_CLASS_A, 0x5},
        {"d", "x", SP_KEY_CNAME_PC, SP_CLASS_C, 0x6},
        {"d", "x", SP_KEY_CNAME_ADDR, SP_CLASS_B, 0x7},
    };
    static const char *want[] = {
        "d,x,0,kvk+cname_addr,A",
        "d,x,1,cname_addr+cname_pc,B",
    };
    run(PARTNERS, 2, adds, 3, want, 2, 1);
}

static void test_ids_do_not_blur(void **state)
{
    (void)state;
    static const struct add adds[] = {
        {"ab", "c", SP_KEY_BSN, SP_CLASS_A, 0x3},
        {"a", "bc", SP_KEY_BSN, SP_CLASS_A, 0x3},
    };
    static const char *want[] = {"a,bc,1,bsn,A", "ab,c,1,bsn,A"};
    run(PARTNERS, 0, adds, 2, want, 2, 2);
}

static int count_rows(void *ctx, const char *ds, const char *id, unsigned partner, uint32_t types,
                      uint8_t klass)
{
    static char prev[64];
    size_t *n = ctx;
    char cur[64];
    (void)partner;
    (void)types;
    (void)klass;
    snprintf(cur, sizeof(cur), "%s/%s", ds, id);
    if (*n > 0 && (partner == 1 && strcmp(prev, cur) >= 0))
        fail_msg("rows out of order: %s after %s", cur, prev);
    if (partner == 1)
        memcpy(prev, cur, sizeof(prev));
    (*n)++;
    return 0;
}

static void test_many(void **state)
{
    (void)state;
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    char id[32];
    /* 20000 records, each twice (two keys), partners 1 and (every third) 2 */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 19999; i >= 0; i--) {
            snprintf(id, sizeof(id), "rec%05d", i);
            uint32_t h = 0x3 | (i % 3 == 0 ? 0x4u : 0);
            assert_int_equal(sp_round_agg_add(a, "ds", id, pass ? SP_KEY_BSN : SP_KEY_NAME_DOB,
                                              pass ? SP_CLASS_A : SP_CLASS_B, h, 0, PARTNERS),
                             0);
        }
    assert_int_equal(sp_round_agg_records(a), 20000);
    assert_int_equal(sp_round_agg_rows(a), 20000 + 6667);
    size_t n = 0;
    assert_int_equal(sp_round_agg_foreach(a, count_rows, &n), 0);
    assert_int_equal(n, 26667);
    /* still usable after the ordered walk */
    assert_int_equal(
        sp_round_agg_add(a, "ds", "rec00001", SP_KEY_IBAN, SP_CLASS_A, 0x3, 0, PARTNERS), 0);
    assert_int_equal(sp_round_agg_records(a), 20000);
    sp_round_agg_free(&a);
}

static void test_invalid(void **state)
{
    (void)state;
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    char longid[300];
    memset(longid, 'x', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_int_equal(sp_round_agg_add(a, "d", "r", 0, SP_CLASS_A, 3, 0, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_add(a, "d", "r", SP_KEY_TYPE_MAX + 1, SP_CLASS_A, 3, 0, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_add(a, "d", "r", SP_KEY_BSN, 0, 3, 0, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_add(a, "d", "r", SP_KEY_BSN, 4, 3, 0, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_add(a, "d", "r", SP_KEY_BSN, SP_CLASS_A, 3, 32, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_add(a, "d", "", SP_KEY_BSN, SP_CLASS_A, 3, 0, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_add(a, "d", longid, SP_KEY_BSN, SP_CLASS_A, 3, 0, PARTNERS),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_round_agg_records(a), 0);
    sp_round_agg_free(&a);
    sp_round_agg_free(&a); /* NULL-safe */
    sp_round_agg_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partners),        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_counts),          cmocka_unit_test(test_other_index),
        cmocka_unit_test(test_ids_do_not_blur), cmocka_unit_test(test_many),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
