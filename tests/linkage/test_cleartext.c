/*
 * The cleartext linker (tests/linkage/cleartext.h): links per (record, other
 * node) with key types and strongest class, datasets of one node as one
 * node, the exact results CSV of partners and threshold rounds with k
 * holders, the histogram's text, reading `snijpunt keys` files, record pairs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/keytype.h"
#include "tests/linkage/cleartext.h"

struct k {
    const char *node, *dataset, *record;
    int type, klass;
    const char *value;
};

/* Node "gem" holds r1 (bsn X, name N) and r2 (addr_dob C only); node "pol"
 * holds p1 (bsn X) in one dataset and p2 (name N) in another, and p3 with
 * the address; node "om" holds o1 with the kenteken and a record without
 * keys. */
static const struct k keys[] = {
    {"gem", "personen", "r1", SP_KEY_BSN, SP_CLASS_A, "111222333"},
    {"gem", "personen", "r1", SP_KEY_NAME_DOB, SP_CLASS_B, "j|meer|19700131"},
    {"gem", "personen", "r2", SP_KEY_ADDR_DOB, SP_CLASS_C, "1234AB|1|19800101"},
    {"gem", "personen", "r,3", SP_KEY_KENTEKEN, SP_CLASS_A, "VW85YN"},
    {"pol", "personen", "p1", SP_KEY_BSN, SP_CLASS_A, "111222333"},
    {"pol", "verdachten", "p2", SP_KEY_NAME_DOB, SP_CLASS_B, "j|meer|19700131"},
    {"pol", "personen", "p3", SP_KEY_ADDR_DOB, SP_CLASS_C, "1234AB|1|19800101"},
    {"pol", "personen", "p1", SP_KEY_NAME_DOB, SP_CLASS_B, "x|other|19700131"},
    {"om", "zaken", "o1", SP_KEY_KENTEKEN, SP_CLASS_A, "VW85YN"},
    /* the same value under another key type does not link */
    {"om", "zaken", "o2", SP_KEY_PHON_DOB, SP_CLASS_B, "111222333"},
};

/* A linker holding the keys ks[0..n). */
static struct sp_ct *linker_of(const struct k *ks, size_t n)
{
    struct sp_ct *ct = NULL;
    assert_int_equal(sp_ct_new(&ct), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sp_ct_add(ct, ks[i].node, ks[i].dataset, ks[i].record, ks[i].type,
                                   ks[i].klass, ks[i].value, strlen(ks[i].value)),
                         0);
    return ct;
}

static struct sp_ct *build(void)
{
    struct sp_ct *ct = linker_of(keys, sizeof(keys) / sizeof(keys[0]));
    assert_int_equal(sp_ct_add_record(ct, "om", "zaken", "o3"), 0);
    return ct;
}

/* What a writer wrote, collected in memory. */
struct mem {
    char *buf;
    size_t len;
    FILE *f;
};

static FILE *mem_open(struct mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
    return m->f;
}

static char *mem_text(struct mem *m)
{
    fclose(m->f);
    return m->buf;
}

/* node's results in a round of the key types in mask, k holders, partners
 * mode (any NULL) or threshold mode (any "*") */
static char *round_results(struct sp_ct *ct, const char *node, uint32_t mask, unsigned k,
                           const char *any)
{
    struct sp_ct_round r = {mask, k, any};
    struct mem m;
    assert_int_equal(sp_ct_write_results(ct, node, &r, mem_open(&m)), 0);
    return mem_text(&m);
}

static char *results(struct sp_ct *ct, const char *node, uint32_t mask)
{
    return round_results(ct, node, mask, 2, NULL);
}

static char *counts(struct sp_ct *ct, uint32_t mask, const char *const *parts, size_t n,
                    uint64_t suppress)
{
    struct mem m;
    assert_int_equal(sp_ct_write_counts(ct, mask, parts, n, suppress, mem_open(&m)), 0);
    return mem_text(&m);
}

static void test_results_csv(void **state)
{
    struct sp_ct *ct = build();

    (void)state;
    char *gem = results(ct, "gem", SP_KEY_MASK_ALL);
    assert_string_equal(gem, "dataset,record_id,entity,partner,key_types,class\n"
                             "personen,\"r,3\",vehicle,om,kenteken,A\n"
                             "personen,r1,person,pol,bsn+name_dob,A\n"
                             "personen,r2,person,pol,addr_dob,C\n");
    free(gem);
    char *pol = results(ct, "pol", SP_KEY_MASK_ALL);
    assert_string_equal(pol, "dataset,record_id,entity,partner,key_types,class\n"
                             "personen,p1,person,gem,bsn,A\n"
                             "personen,p3,person,gem,addr_dob,C\n"
                             "verdachten,p2,person,gem,name_dob,B\n");
    free(pol);
    /* the round's key types restrict the links */
    char *only = results(ct, "gem", SP_KEY_MASK(SP_KEY_NAME_DOB));
    assert_string_equal(only, "dataset,record_id,entity,partner,key_types,class\n"
                              "personen,r1,person,pol,name_dob,B\n");
    free(only);
    FILE *devnull = fopen("/dev/null", "w");
    struct sp_ct_round all = {SP_KEY_MASK_ALL, 2, NULL}, k0 = {SP_KEY_MASK_ALL, 0, NULL};
    assert_int_equal(sp_ct_write_results(ct, "nobody", &all, devnull), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_ct_write_results(ct, "gem", &k0, devnull), SP_ERR_INVALID_ARG);
    fclose(devnull);
    assert_int_equal(sp_ct_node_count(ct), 3);
    assert_int_equal(sp_ct_record_count(ct), 9);
    assert_int_equal(sp_ct_key_count(ct), 10);
    assert_string_equal(sp_ct_node_name(ct, 2), "om");
    assert_null(sp_ct_node_name(ct, 3));
    sp_ct_free(&ct);
    assert_null(ct);
    sp_ct_free(&ct);
}

/* Three nodes, one BSN at all three, one at two, one at one node only; a
 * name key of a record at two nodes (k = 2 links it, k = 3 does not). */
static struct sp_ct *build_k(void)
{
    static const struct k k3[] = {
        {"a", "personen", "a1", SP_KEY_BSN, SP_CLASS_A, "111"},
        {"a", "personen", "a1", SP_KEY_NAME_DOB, SP_CLASS_B, "jan"},
        {"a", "personen", "a2", SP_KEY_BSN, SP_CLASS_A, "222"},
        {"a", "personen", "a3", SP_KEY_BSN, SP_CLASS_A, "333"},
        {"a", "personen", "a3", SP_KEY_ADDRESS, SP_CLASS_A, "3511AB|1"},
        {"b", "personen", "b1", SP_KEY_BSN, SP_CLASS_A, "111"},
        {"b", "personen", "b1", SP_KEY_NAME_DOB, SP_CLASS_B, "jan"},
        {"b", "personen", "b2", SP_KEY_BSN, SP_CLASS_A, "222"},
        {"b", "personen", "b2", SP_KEY_ADDRESS, SP_CLASS_A, "3511AB|1"},
        {"c", "personen", "c1", SP_KEY_BSN, SP_CLASS_A, "111"},
        {"c", "personen", "c1", SP_KEY_ADDRESS, SP_CLASS_A, "3511AB|1"},
    };
    return linker_of(k3, sizeof(k3) / sizeof(k3[0]));
}

static void test_round_k_and_threshold(void **state)
{
    struct sp_ct *ct = build_k();

    (void)state;
    char *s = results(ct, "a", SP_KEY_MASK_ALL);
    assert_string_equal(s, "dataset,record_id,entity,partner,key_types,class\n"
                           "personen,a1,person,b,bsn+name_dob,A\n"
                           "personen,a1,person,c,bsn,A\n"
                           "personen,a2,person,b,bsn,A\n"
                           "personen,a3,address,b,address,A\n"
                           "personen,a3,address,c,address,A\n");
    free(s);
    /* k = 3: only values held by all three nodes */
    s = round_results(ct, "a", SP_KEY_MASK_ALL, 3, NULL);
    assert_string_equal(s, "dataset,record_id,entity,partner,key_types,class\n"
                           "personen,a1,person,b,bsn,A\n"
                           "personen,a1,person,c,bsn,A\n"
                           "personen,a3,address,b,address,A\n"
                           "personen,a3,address,c,address,A\n");
    free(s);
    s = round_results(ct, "b", SP_KEY_MASK(SP_KEY_NAME_DOB), 3, NULL);
    assert_string_equal(s, "dataset,record_id,entity,partner,key_types,class\n");
    free(s);
    /* threshold: one line per record and entity, partner "*" */
    s = round_results(ct, "a", SP_KEY_MASK_ALL, 2, "*");
    assert_string_equal(s, "dataset,record_id,entity,partner,key_types,class\n"
                           "personen,a1,person,*,bsn+name_dob,A\n"
                           "personen,a2,person,*,bsn,A\n"
                           "personen,a3,address,*,address,A\n");
    free(s);
    s = round_results(ct, "b", SP_KEY_MASK_ALL, 3, "*");
    assert_string_equal(s, "dataset,record_id,entity,partner,key_types,class\n"
                           "personen,b1,person,*,bsn,A\n"
                           "personen,b2,address,*,address,A\n");
    free(s);
    /* k = 1 in threshold mode: every own value counts (the node holds it) */
    s = round_results(ct, "c", SP_KEY_MASK(SP_KEY_BSN), 1, "*");
    assert_string_equal(s, "dataset,record_id,entity,partner,key_types,class\n"
                           "personen,c1,person,*,bsn,A\n");
    free(s);
    sp_ct_free(&ct);
}

static void test_counts_text(void **state)
{
    struct sp_ct *ct = build_k();
    static const char *const order[] = {"c", "b", "a"};
    static const char *const missing[] = {"a", "b"};
    static const char *const twice[] = {"a", "b", "c", "a"};

    (void)state;
    char *s = counts(ct, SP_KEY_MASK_ALL, NULL, 0, 0);
    assert_string_equal(s, "address a+b+c 1\n"
                           "bsn a 1\n"
                           "bsn a+b 1\n"
                           "bsn a+b+c 1\n"
                           "name_dob a+b 1\n");
    free(s);
    /* holders in the participants' order; the round's key types only */
    s = counts(ct, SP_KEY_MASK(SP_KEY_BSN), order, 3, 0);
    assert_string_equal(s, "bsn a 1\n"
                           "bsn b+a 1\n"
                           "bsn c+b+a 1\n");
    free(s);
    /* a cell below the suppression threshold is left out */
    assert_int_equal(sp_ct_add(ct, "c", "personen", "c2", SP_KEY_BSN, SP_CLASS_A, "444", 3), 0);
    s = counts(ct, SP_KEY_MASK(SP_KEY_BSN), NULL, 0, 2);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(sp_ct_add(ct, "a", "personen", "a4", SP_KEY_BSN, SP_CLASS_A, "555", 3), 0);
    s = counts(ct, SP_KEY_MASK(SP_KEY_BSN), NULL, 0, 2);
    assert_string_equal(s, "bsn a 2\n");
    free(s);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(sp_ct_write_counts(ct, SP_KEY_MASK_ALL, missing, 2, 0, devnull),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_ct_write_counts(ct, SP_KEY_MASK_ALL, twice, 4, 0, devnull),
                     SP_ERR_INVALID_ARG);
    fclose(devnull);
    sp_ct_free(&ct);
}

struct tally {
    int links, c_links, records;
    uint32_t r1_types;
};

static int count_link(void *ctx, const struct sp_ct_link *l)
{
    struct tally *t = ctx;
    t->links++;
    t->c_links += l->klass == SP_CLASS_C;
    if (strcmp(l->record_id, "r1") == 0)
        t->r1_types |= l->types;
    return 0;
}

static int count_record(void *ctx, const struct sp_ct_link *l)
{
    struct tally *t = ctx;
    assert_null(l->partner);
    t->records++;
    return 0;
}

static int stop_at_first(void *ctx, const struct sp_ct_link *l)
{
    (void)ctx;
    (void)l;
    return 42;
}

static void test_links(void **state)
{
    struct sp_ct *ct = build();
    struct tally t = {0, 0, 0, 0};

    (void)state;
    /* A and B keys only: the addr_dob links drop out */
    assert_int_equal(sp_ct_links(ct, SP_KEY_MASK_ALL, SP_CLASS_B, count_link, &t), 0);
    assert_int_equal(t.links, 5); /* r1-pol, r,3-om, p1-gem, p2-gem, o1-gem */
    assert_int_equal(t.c_links, 0);
    assert_int_equal(t.r1_types, SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB));
    memset(&t, 0, sizeof(t));
    assert_int_equal(sp_ct_links(ct, SP_KEY_MASK_ALL, SP_CLASS_C, count_link, &t), 0);
    assert_int_equal(t.links, 7); /* and r2-pol, p3-gem */
    assert_int_equal(t.c_links, 2);
    assert_int_equal(sp_ct_records(ct, count_record, &t), 0);
    assert_int_equal(t.records, 9);
    assert_int_equal(sp_ct_links(ct, SP_KEY_MASK_ALL, SP_CLASS_C, stop_at_first, NULL), 42);
    sp_ct_free(&ct);
}

static int count_pair(void *ctx, const struct sp_ct_pair *p)
{
    int *n = ctx;
    assert_string_not_equal(p->a.node, p->a.partner);
    (*n)++;
    return 0;
}

static void test_pairs(void **state)
{
    struct sp_ct *ct = build();
    int n = 0;

    (void)state;
    /* r1-p1 (bsn), r1-p2 (name_dob), r,3-o1 (kenteken); r2-p3 is class C */
    assert_int_equal(sp_ct_pairs(ct, SP_KEY_MASK_ALL, SP_CLASS_B, count_pair, &n), 0);
    assert_int_equal(n, 3);
    n = 0;
    assert_int_equal(sp_ct_pairs(ct, SP_KEY_MASK_ALL, SP_CLASS_C, count_pair, &n), 0);
    assert_int_equal(n, 4);
    sp_ct_free(&ct);
}

static void test_bad_adds(void **state)
{
    struct sp_ct *ct = NULL;

    (void)state;
    assert_int_equal(sp_ct_new(&ct), 0);
    assert_int_equal(sp_ct_add(ct, "a", "d", "r", 0, SP_CLASS_A, "v", 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_ct_add(ct, "a", "d", "r", SP_KEY_BSN, 4, "v", 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_ct_add(ct, "", "d", "r", SP_KEY_BSN, SP_CLASS_A, "v", 1),
                     SP_ERR_INVALID_ARG);
    for (int i = 0; i < SP_CT_MAX_NODES; i++) {
        char node[16];
        snprintf(node, sizeof(node), "n%d", i);
        assert_int_equal(sp_ct_add(ct, node, "d", "r", SP_KEY_BSN, SP_CLASS_A, "v", 1), 0);
    }
    assert_int_equal(sp_ct_add(ct, "one-too-many", "d", "r", SP_KEY_BSN, SP_CLASS_A, "v", 1),
                     SP_ERR_OVERFLOW);
    sp_ct_free(&ct);
}

/* Many records and values: the hash tables grow and keep every link. */
static void test_growth(void **state)
{
    struct sp_ct *ct = NULL;
    struct tally t = {0, 0, 0, 0};

    (void)state;
    assert_int_equal(sp_ct_new(&ct), 0);
    for (int i = 0; i < 50000; i++) {
        char id[32], v[32];
        snprintf(id, sizeof(id), "r%d", i);
        snprintf(v, sizeof(v), "%09d", i);
        assert_int_equal(sp_ct_add(ct, "a", "d", id, SP_KEY_BSN, SP_CLASS_A, v, strlen(v)), 0);
        if (i % 2 == 0)
            assert_int_equal(sp_ct_add(ct, "b", "e", id, SP_KEY_BSN, SP_CLASS_A, v, strlen(v)), 0);
    }
    assert_int_equal(sp_ct_links(ct, SP_KEY_MASK_ALL, SP_CLASS_C, count_link, &t), 0);
    assert_int_equal(t.links, 50000); /* 25000 each way */
    sp_ct_free(&ct);
}

static void test_read_keys(void **state)
{
    static const char good[] = "record_id,key_type,class,value\r\n"
                               "p1,bsn,A,111222333\r\n"
                               "\"p,2\",3,2,j|meer|19700131\r\n"
                               "\r\n"
                               "\"p \"\"3\"\"\",kenteken,A,\"VW85YN\"\r\n";
    static const char *const bad[] = {
        "",
        "record_id,type,class,value\n",
        "record_id,key_type,class,value\np1,bsn,A\n",
        "record_id,key_type,class,value\np1,nonsense,A,1\n",
        "record_id,key_type,class,value\np1,bsn,D,1\n",
        "record_id,key_type,class,value\n,bsn,A,1\n",
        "record_id,key_type,class,value\n\"p1,bsn,A,1\n",
        "record_id,key_type,class,value\n\"p1\"x,bsn,A,1\n",
    };
    struct sp_ct *ct = NULL;

    (void)state;
    assert_int_equal(sp_ct_new(&ct), 0);
    char copy[512];
    memcpy(copy, good, sizeof(good));
    FILE *f = fmemopen(copy, sizeof(good) - 1, "r");
    assert_int_equal(sp_ct_read_keys(ct, "pol", "personen", f, NULL), 0);
    fclose(f);
    assert_int_equal(sp_ct_add(ct, "gem", "p", "g1", SP_KEY_KENTEKEN, SP_CLASS_A, "VW85YN", 6), 0);
    char *gem = results(ct, "gem", SP_KEY_MASK_ALL);
    assert_string_equal(gem, "dataset,record_id,entity,partner,key_types,class\n"
                             "p,g1,vehicle,pol,kenteken,A\n");
    free(gem);
    char *pol = results(ct, "pol", SP_KEY_MASK_ALL);
    assert_string_equal(pol, "dataset,record_id,entity,partner,key_types,class\n"
                             "personen,\"p \"\"3\"\"\",vehicle,gem,kenteken,A\n");
    free(pol);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned long line = 0;
        snprintf(copy, sizeof(copy), "%s", bad[i]);
        f = fmemopen(copy, strlen(copy) + (copy[0] == '\0'), "r");
        assert_non_null(f);
        if (sp_ct_read_keys(ct, "x", "y", f, &line) != SP_ERR_INPUT_CSV)
            fail_msg("bad keys file %zu accepted", i);
        fclose(f);
    }
    sp_ct_free(&ct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results_csv), cmocka_unit_test(test_round_k_and_threshold),
        cmocka_unit_test(test_counts_text), cmocka_unit_test(test_links),
        cmocka_unit_test(test_pairs),       cmocka_unit_test(test_bad_adds),
        cmocka_unit_test(test_growth),      cmocka_unit_test(test_read_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
