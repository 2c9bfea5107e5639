/*
 * Result aggregation per record (round/round_agg.h): key types joined per
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
#include "round/round_agg.h"
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

static int collect(void *ctx, const char *ds, const char *id, unsigned partner, uint8_t entity,
                   uint32_t types, uint8_t klass)
{
    struct rows *rs = ctx;
    char tj[256] = "";
    size_t len = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (types & SP_KEY_MASK(t))
            len += (size_t)snprintf(tj + len, sizeof(tj) - len, "%s%s", len ? "+" : "",
                                    sp_key_type_name(t));
    if (rs->n < 64)
        snprintf(rs->r[rs->n].text, sizeof(rs->r[0].text), "%s,%s,%u,%s,%s,%s", ds, id, partner,
                 sp_entity_name(entity), tj, sp_key_class_name(klass));
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
        "bag,r9,1,person,phon_dob+addr_dob,B",
        "pol,r1,1,person,bsn+name_dob,A",
        "pol,r1,2,person,bsn+addr_dob,A",
        "pol,r2,2,person,addr_dob,C",
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
        "pol,r1,255,person,bsn+name_dob,A",
        "pol,r2,255,person,addr_dob,C",
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
        "d,x,0,company,kvk+cname_addr,A",
        "d,x,1,company,cname_addr+cname_pc,B",
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
    static const char *want[] = {"a,bc,1,person,bsn,A", "ab,c,1,person,bsn,A"};
    run(PARTNERS, 0, adds, 2, want, 2, 2);
}

static int count_rows(void *ctx, const char *ds, const char *id, unsigned partner, uint8_t entity,
                      uint32_t types, uint8_t klass);

/* An address (or vehicle, account) a partner also knows is a row of its
 * own entity: it never lifts the person's class, and a person row needs a
 * person key. */
static void test_entities_apart(void **state)
{
    (void)state;
    static const struct add adds[] = {
        /* r1: name and date of birth at 1; the same address at 1 and 2 */
        {"pers", "r1", SP_KEY_NAME_DOB, SP_CLASS_B, 0x3},
        {"pers", "r1", SP_KEY_ADDRESS, SP_CLASS_A, 0x7},
        {"pers", "r1", SP_KEY_KENTEKEN, SP_CLASS_A, 0x5},
        /* r2: only its address is known elsewhere: no person row at all */
        {"pers", "r2", SP_KEY_ADDRESS, SP_CLASS_A, 0x3},
        {"pers", "r2", SP_KEY_IBAN, SP_CLASS_A, 0x3},
        /* c1: a company whose address another company uses */
        {"comp", "c1", SP_KEY_ADDRESS, SP_CLASS_A, 0x3},
        {"comp", "c1", SP_KEY_KVK, SP_CLASS_A, 0x5},
    };
    static const char *want[] = {
        "comp,c1,1,address,address,A", "comp,c1,2,company,kvk,A",
        "pers,r1,1,person,name_dob,B", "pers,r1,1,address,address,A",
        "pers,r1,2,address,address,A", "pers,r1,2,vehicle,kenteken,A",
        "pers,r2,1,address,address,A", "pers,r2,1,account,iban,A",
    };
    run(PARTNERS, 0, adds, 7, want, 8, 3);
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(sp_round_agg_add(a, adds[i].ds, adds[i].id, adds[i].type, adds[i].klass,
                                          adds[i].holders, 0, PARTNERS),
                         0);
    assert_int_equal(sp_round_agg_matched(a, SP_ENTITY_PERSON), 1);
    assert_int_equal(sp_round_agg_matched(a, SP_ENTITY_COMPANY), 1);
    assert_int_equal(sp_round_agg_matched(a, SP_ENTITY_ADDRESS), 3);
    assert_int_equal(sp_round_agg_matched(a, SP_ENTITY_VEHICLE), 1);
    assert_int_equal(sp_round_agg_matched(a, SP_ENTITY_ACCOUNT), 1);
    assert_int_equal(sp_round_agg_matched(a, 0), 0);
    sp_round_agg_free(&a);
}

struct cells {
    char text[16][64];
    size_t n;
};

static int collect_cell(void *ctx, uint8_t entity, uint32_t holders, uint64_t count)
{
    struct cells *c = ctx;
    if (c->n < 16)
        snprintf(c->text[c->n], sizeof(c->text[0]), "%s,%x,%llu", sp_entity_name(entity),
                 (unsigned)holders, (unsigned long long)count);
    c->n++;
    return 0;
}

/* Local subjects: records sharing an A/B value of an entity are one
 * subject; its holders are the union of its records'; a node reports only
 * the subjects whose lowest holder it is; class C never joins records. */
static void test_subjects(void **state)
{
    (void)state;
    struct sp_round_agg *a = NULL;
    struct cells c = {0};
    /* this node is participant 1 of 3 (holder bit 0x2) */
    struct val {
        uint8_t type, klass;
        const char *ids[3];
        uint32_t holders;
    } vals[] = {
        /* p1 and p2 share a BSN known at 2: one person held by {1,2} */
        {SP_KEY_BSN, SP_CLASS_A, {"p1", "p2"}, 0x6},
        /* p2's name key also at 0: the subject is held by {0,1,2}, and
         * participant 0 reports it, not this node */
        {SP_KEY_NAME_DOB, SP_CLASS_B, {"p2"}, 0x3},
        /* p3 and p4 share only addr_dob (class C): two persons */
        {SP_KEY_ADDR_DOB, SP_CLASS_C, {"p3", "p4"}, 0x6},
        {SP_KEY_PHON_DOB, SP_CLASS_B, {"p3"}, 0x6},
        {SP_KEY_PHON_DOB, SP_CLASS_B, {"p4"}, 0x2},
        /* one address for p3 and p4, known at 2 through p4's record */
        {SP_KEY_ADDRESS, SP_CLASS_A, {"p3", "p4"}, 0},
        {SP_KEY_ADDRESS, SP_CLASS_A, {"p4"}, 0x6},
    };
    assert_int_equal(sp_round_agg_new(&a), 0);
    assert_int_equal(sp_round_agg_subjects_begin(a, 1), 0);
    for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
        sp_round_agg_next_value(a);
        for (size_t i = 0; i < 3 && vals[v].ids[i]; i++)
            assert_int_equal(sp_round_agg_add(a, "ds", vals[v].ids[i], vals[v].type, vals[v].klass,
                                              vals[v].holders, 1, PARTNERS),
                             0);
    }
    assert_int_equal(sp_round_agg_subjects(a, collect_cell, &c), 0);
    /* persons: {p1,p2} reported by 0; p3 held by {1,2}; p4 only here;
     * the address (p3+p4 through "PC|hn") held by {1,2} */
    assert_int_equal(c.n, 3);
    assert_string_equal(c.text[0], "person,2,1");
    assert_string_equal(c.text[1], "person,6,1");
    assert_string_equal(c.text[2], "address,6,1");
    /* the ordered walk of the rows leaves the subjects as they were */
    size_t n = 0;
    assert_int_equal(sp_round_agg_foreach(a, count_rows, &n), 0);
    struct cells again = {0};
    assert_int_equal(sp_round_agg_subjects(a, collect_cell, &again), 0);
    assert_int_equal(again.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(again.text[i], c.text[i]);
    sp_round_agg_free(&a);
    /* subjects must be turned on before the first record */
    assert_int_equal(sp_round_agg_new(&a), 0);
    assert_int_equal(sp_round_agg_add(a, "ds", "x", SP_KEY_BSN, SP_CLASS_A, 0x3, 0, PARTNERS), 0);
    assert_int_equal(sp_round_agg_subjects_begin(a, 0), SP_ERR_INVALID_ARG);
    c.n = 0;
    assert_int_equal(sp_round_agg_subjects(a, collect_cell, &c), 0);
    assert_int_equal(c.n, 0);
    sp_round_agg_free(&a);
}

static int count_rows(void *ctx, const char *ds, const char *id, unsigned partner, uint8_t entity,
                      uint32_t types, uint8_t klass)
{
    (void)entity;
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

struct digest {
    uint64_t h;
    size_t n;
};

static int digest_row(void *ctx, const char *ds, const char *id, unsigned partner, uint8_t entity,
                      uint32_t types, uint8_t klass)
{
    struct digest *d = ctx;
    char text[600];
    int len = snprintf(text, sizeof(text), "%s/%s/%u/%u/%x/%u;", ds, id, partner, entity,
                       (unsigned)types, klass);
    for (int i = 0; i < len; i++)
        d->h = (d->h ^ (uint8_t)text[i]) * UINT64_C(1099511628211);
    d->n++;
    return 0;
}

/* Rows taken a slice at a time (as the results are stored) are the rows of
 * one walk, in the same order, for every slice size; records of several
 * datasets, named out of order, with several rows each. */
static void test_slices(void **state)
{
    (void)state;
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    assert_int_equal(sp_round_agg_subjects_begin(a, 0), 0);
    static const char *ds[] = {"zaken", "personen", "bedrijven"};
    char id[32];
    for (unsigned i = 0; i < 50000; i++) {
        if (i % 2 == 0)
            sp_round_agg_next_value(a);
        unsigned r = (i * 7919u) % 30011;
        snprintf(id, sizeof(id), "r%u", r);
        /* every fifth pair unmatched: subjects keep its record without rows */
        uint32_t holders = i % 5 == 0 ? 0 : 0x1 | (0x2u << (i % 3));
        /* a value is of one key type and class, held by two records */
        uint8_t type = (uint8_t)(1 + i / 2 % 16), klass = (uint8_t)(1 + i / 2 % 3);
        assert_int_equal(sp_round_agg_add(a, ds[r % 3], id, type, klass, holders, 0, PARTNERS), 0);
    }
    struct digest whole = {UINT64_C(1469598103934665603), 0};
    assert_int_equal(sp_round_agg_foreach(a, digest_row, &whole), 0);
    assert_int_equal(whole.n, sp_round_agg_rows(a));
    assert_true(sp_round_agg_records(a) < 30011); /* records without rows are not counted */
    static const size_t sizes[] = {1, 2, 3, 7, 5000, 100000};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct digest d = {UINT64_C(1469598103934665603), 0};
        struct sp_round_agg_pos pos = {0};
        size_t given;
        do {
            assert_int_equal(sp_round_agg_foreach_n(a, &pos, sizes[s], digest_row, &d, &given), 0);
        } while (given == sizes[s]);
        assert_int_equal(d.n, whole.n);
        assert_true(d.h == whole.h);
    }
    sp_round_agg_free(&a);
}

static int count_class_c(void *ctx, const char *ds, const char *id, unsigned partner,
                         uint8_t entity, uint32_t types, uint8_t klass)
{
    (void)ds;
    (void)id;
    (void)partner;
    (void)entity;
    (void)types;
    *(uint64_t *)ctx += klass == SP_CLASS_C;
    return 0;
}

static void test_rows_of_class(void **state)
{
    (void)state;
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
        assert_int_equal(sp_round_agg_add(a, sample[i].ds, sample[i].id, sample[i].type,
                                          sample[i].klass, sample[i].holders, 0, PARTNERS),
                         0);
    uint64_t want = 0;
    assert_int_equal(sp_round_agg_foreach(a, count_class_c, &want), 0);
    assert_true(want > 0);
    assert_int_equal(sp_round_agg_rows_of_class(a, SP_CLASS_C), want);
    sp_round_agg_free(&a);
}

/* Ids of 255 bytes looked up among many short ones: a lookup compares
 * against entries that end at a block's end, and must not read past them
 * (AddressSanitizer reads the whole range a memcmp is given). */
static void test_long_ids(void **state)
{
    (void)state;
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    char id[256];
    for (unsigned i = 0; i < 100000; i++) {
        snprintf(id, sizeof(id), "s%u", i);
        assert_int_equal(sp_round_agg_add(a, "ds", id, SP_KEY_BSN, SP_CLASS_A, 0x3, 0, PARTNERS),
                         0);
    }
    memset(id, 'L', 255);
    id[255] = '\0';
    for (unsigned i = 0; i < 100000; i++) {
        int n = snprintf(id, sizeof(id), "%u", i);
        id[n] = 'L'; /* the number, then L up to 255 bytes */
        assert_int_equal(sp_round_agg_add(a, "ds", id, SP_KEY_BSN, SP_CLASS_A, 0x3, 0, PARTNERS),
                         0);
    }
    assert_int_equal(sp_round_agg_records(a), 200000);
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
        cmocka_unit_test(test_invalid),         cmocka_unit_test(test_entities_apart),
        cmocka_unit_test(test_subjects),        cmocka_unit_test(test_slices),
        cmocka_unit_test(test_rows_of_class),   cmocka_unit_test(test_long_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
