/*
 * Linkage quality of the key design, in the clear (issue 3): every nl-synth
 * dataset and both FEBRL4 files go through the real input layer with the
 * shipped mapping files (examples/), records are linked by equal class A/B
 * identity keys, and the links are compared with truth.csv as
 * (record, other node) pairs. Prints the figures per node and per key type;
 * asserts the floors. Skips (77) without SP_SHARED_DATA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/keytype.h"
#include "tests/linkage/cleartext.h"
#include "tests/linkage/quality.h"

/* Fixed "today" so that the test does not depend on the clock. */
#define TODAY 20260101

static const char *data_dir, *source_dir;

struct dataset {
    const char *node, *dataset, *map, *csv;
};

static const struct dataset nl_synth[] = {
    {"gemeente-utrecht", "personen", "nl-synth/gemeente-utrecht/personen.map",
     "nl-synth/gemeente-utrecht/personen.csv"},
    {"politie-mn", "personen", "nl-synth/politie-mn/personen.map",
     "nl-synth/politie-mn/personen.csv"},
    {"politie-mn", "bedrijven", "nl-synth/politie-mn/bedrijven.map",
     "nl-synth/politie-mn/bedrijven.csv"},
    {"belastingdienst", "personen", "nl-synth/belastingdienst/personen.map",
     "nl-synth/belastingdienst/personen.csv"},
    {"belastingdienst", "ondernemingen", "nl-synth/belastingdienst/ondernemingen.map",
     "nl-synth/belastingdienst/ondernemingen.csv"},
    {"om", "verdachten", "nl-synth/om/verdachten.map", "nl-synth/om/verdachten.csv"},
    {"riec-mn", "kvk-inschrijvingen", "nl-synth/riec-mn/kvk-inschrijvingen.map",
     "nl-synth/riec-mn/kvk-inschrijvingen.csv"},
    {"riec-mn", "kvk-functionarissen", "nl-synth/riec-mn/kvk-functionarissen.map",
     "nl-synth/riec-mn/kvk-functionarissen.csv"},
};

static const struct dataset febrl4[] = {
    {"a", "dataset4a", "febrl4/a/dataset4a.map", "febrl4/dataset4a.csv"},
    {"b", "dataset4b", "febrl4/b/dataset4b.map", "febrl4/dataset4b.csv"},
};

static void load(struct sp_ct *ct, const struct dataset *d, size_t n)
{
    char map[1024], csv[1024];

    for (size_t i = 0; i < n; i++) {
        snprintf(map, sizeof(map), "%s/examples/%s", source_dir, d[i].map);
        snprintf(csv, sizeof(csv), "%s/%s", data_dir, d[i].csv);
        assert_int_equal(sp_q_load(ct, d[i].node, d[i].dataset, map, csv, TODAY), 0);
    }
}

static const struct sp_q_counts *node(const struct sp_q_result *r, const char *name)
{
    for (size_t i = 0; i < r->nnodes; i++)
        if (strcmp(r->node[i], name) == 0)
            return &r->per_node[i];
    fail_msg("node %s has no records", name);
    return NULL;
}

static double pair_precision(const struct sp_q_result *r)
{
    uint64_t n = r->pair_tp + r->pair_fp;
    return n == 0 ? 1.0 : (double)r->pair_tp / (double)n;
}

static void test_nl_synth(void **state)
{
    struct sp_ct *ct = NULL;
    struct sp_q_result r;
    char truth[1024];

    (void)state;
    assert_int_equal(sp_ct_new(&ct), 0);
    load(ct, nl_synth, sizeof(nl_synth) / sizeof(nl_synth[0]));
    snprintf(truth, sizeof(truth), "%s/nl-synth/truth.csv", data_dir);
    assert_int_equal(sp_q_evaluate(ct, truth, sp_q_identity_mask(), SP_CLASS_B, &r), 0);
    sp_q_print(stdout, "nl-synth", &r);
    fflush(stdout);
    sp_ct_free(&ct);

    assert_int_equal(r.all.records, 72444);
    assert_true(sp_q_precision(&r.all) >= 0.995);
    assert_true(sp_q_recall(&r.all) >= 0.99);
    assert_true(sp_q_recall(node(&r, "politie-mn")) >= 0.97);
    assert_true(sp_q_recall(node(&r, "om")) >= 0.97);
}

static void test_febrl4(void **state)
{
    struct sp_ct *ct = NULL;
    struct sp_q_result r;
    char truth[1024];

    (void)state;
    assert_int_equal(sp_ct_new(&ct), 0);
    load(ct, febrl4, sizeof(febrl4) / sizeof(febrl4[0]));
    snprintf(truth, sizeof(truth), "%s/febrl4/truth.csv", data_dir);
    assert_int_equal(sp_q_evaluate(ct, truth, sp_q_identity_mask(), SP_CLASS_B, &r), 0);
    sp_q_print(stdout, "FEBRL4 (4a against 4b)", &r);
    fflush(stdout);
    sp_ct_free(&ct);

    assert_int_equal(r.all.records, 10000);
    /* Every FEBRL record has its partner in the other file, so (record, node)
     * precision is nearly free; record-pair precision is asserted too. */
    assert_true(sp_q_precision(&r.all) >= 0.995);
    assert_true(pair_precision(&r) >= 0.995);
    assert_true(sp_q_recall(&r.all) >= 0.985);
}

int main(void)
{
    struct stat st;

    data_dir = getenv("SP_SHARED_DATA");
    source_dir = getenv("SP_SOURCE_DIR");
    if (data_dir == NULL || source_dir == NULL || stat(data_dir, &st) != 0) {
        fprintf(stderr, "SP_SHARED_DATA not available: skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nl_synth),
        cmocka_unit_test(test_febrl4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
