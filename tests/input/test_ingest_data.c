/* Every shipped example mapping against its file in ../shared/data, through
 * the real derivation: the record count the data README states, no
 * structural error, and a plausible share of accepted values per mapped
 * field. Prints the per-field figures. Skips (77) without SP_SHARED_DATA. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "input/ingest.h"
#include "input/mapping.h"

struct dataset {
    const char *map;      /* under SP_SOURCE_DIR/examples */
    const char *csv;      /* under SP_SHARED_DATA */
    uint64_t records;     /* as stated in shared/data/README.md */
    double min_with_keys; /* share of records that must yield a key */
};

static const struct dataset datasets[] = {
    {"nl-synth/gemeente-utrecht/personen.map", "nl-synth/gemeente-utrecht/personen.csv", 27269,
     0.99},
    {"nl-synth/politie-mn/personen.map", "nl-synth/politie-mn/personen.csv", 2169, 0.95},
    {"nl-synth/politie-mn/bedrijven.map", "nl-synth/politie-mn/bedrijven.csv", 87, 0.90},
    {"nl-synth/belastingdienst/personen.map", "nl-synth/belastingdienst/personen.csv", 21127, 0.99},
    {"nl-synth/belastingdienst/ondernemingen.map", "nl-synth/belastingdienst/ondernemingen.csv",
     3043, 0.95},
    {"nl-synth/om/verdachten.map", "nl-synth/om/verdachten.csv", 788, 0.99},
    {"nl-synth/riec-mn/kvk-inschrijvingen.map", "nl-synth/riec-mn/kvk-inschrijvingen.csv", 6000,
     0.99},
    {"nl-synth/riec-mn/kvk-functionarissen.map", "nl-synth/riec-mn/kvk-functionarissen.csv", 11961,
     0.99},
    /* FEBRL's corrupted records often lack a surname or a date of birth,
     * without which no person key can be formed. */
    {"febrl4/a/dataset4a.map", "febrl4/dataset4a.csv", 5000, 0.80},
    {"febrl4/b/dataset4b.map", "febrl4/dataset4b.csv", 5000, 0.80},
};

/* Of the non-empty values of a mapped field, at least this share must be
 * accepted: the synthetic exports contain typos and invalid values on
 * purpose, but a mapping that points at the wrong column, or a format that
 * does not match the file, is rejected almost entirely. */
#define MIN_ACCEPT_RATE 0.80

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap != 0 ? cap * 2 : 1 << 20;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    (void)ctx;
    assert_non_null(rec->record_id);
    assert_true(rec->record_id[0] != '\0');
    return 0;
}

static void check_dataset(const char *src, const char *data, const struct dataset *d)
{
    char path[2048], diag[256];
    size_t map_len = 0, csv_len = 0;
    struct sp_mapping *m = NULL;
    struct sp_ingest *ing = NULL;

    snprintf(path, sizeof(path), "%s/examples/%s", src, d->map);
    char *map_text = slurp(path, &map_len);
    if (sp_mapping_parse(map_text, map_len, &m, diag, sizeof(diag)) != 0)
        fail_msg("%s: %s", d->map, diag);
    snprintf(path, sizeof(path), "%s/%s", data, d->csv);
    char *csv = slurp(path, &csv_len);
    assert_int_equal(sp_ingest_new(m, &ing), 0);
    assert_int_equal(sp_ingest_set_today(ing, 20250131), 0);
    assert_int_equal(sp_ingest_feed(ing, (const uint8_t *)csv, csv_len, on_record, NULL), 0);
    assert_int_equal(sp_ingest_finish(ing, on_record, NULL), 0);
    const struct sp_ingest_stats *st = sp_ingest_stats(ing);

    printf("%-42s records %6llu  usable %6llu  without keys %5llu  keys %7llu\n", d->map,
           (unsigned long long)st->records, (unsigned long long)st->records_usable,
           (unsigned long long)st->records_without_keys, (unsigned long long)st->keys);
    assert_int_equal(st->records, d->records);
    assert_int_equal(st->structural_errors, 0);
    assert_int_equal(st->records_usable, d->records);
    assert_int_equal(st->duplicate_record_ids, 0);
    double with_keys = 1.0 - (double)st->records_without_keys / (double)st->records;
    if (with_keys < d->min_with_keys)
        fail_msg("%s: only %.3f of the records yield a key", d->map, with_keys);
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        if (!sp_mapping_has_field(m, f))
            continue;
        const struct sp_field_stats *fs = &st->fields[f];
        uint64_t rejected = 0;
        for (int r = 1; r < SP_REJECT_REASON_COUNT; r++)
            rejected += fs->rejected[r];
        double rate = fs->accepted + rejected > 0
                          ? (double)fs->accepted / (double)(fs->accepted + rejected)
                          : 0.0;
        printf("    %-15s accepted %6llu  empty %6llu  rejected %6llu  (%.3f)\n", sp_field_name(f),
               (unsigned long long)fs->accepted, (unsigned long long)fs->empty,
               (unsigned long long)rejected, rate);
        if (rate < MIN_ACCEPT_RATE)
            fail_msg("%s: field %s accepted only %.3f of its values", d->map, sp_field_name(f),
                     rate);
    }
    sp_ingest_free(&ing);
    sp_mapping_free(&m);
    free(csv);
    free(map_text);
}

static void test_examples_against_data(void **state)
{
    const char *src = getenv("SP_SOURCE_DIR");
    const char *data = getenv("SP_SHARED_DATA");
    (void)state;
    for (size_t i = 0; i < sizeof(datasets) / sizeof(datasets[0]); i++)
        check_dataset(src, data, &datasets[i]);
}

int main(void)
{
    const char *src = getenv("SP_SOURCE_DIR");
    const char *data = getenv("SP_SHARED_DATA");
    char probe[2048];

    if (src == NULL || data == NULL)
        return 77;
    snprintf(probe, sizeof(probe), "%s/nl-synth/truth.csv", data);
    FILE *f = fopen(probe, "rb");
    if (f == NULL)
        return 77;
    fclose(f);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_examples_against_data)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
