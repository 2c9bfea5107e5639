/* Failing allocations in input/: the mapping parser, the CSV splitter and a
 * whole ingestion (splitting, decoding Windows-1252, validation, key
 * derivation, duplicate-id tracking) of a generated messy export large
 * enough to grow the duplicate-id set twice. On error the out-pointers of
 * the constructors stay untouched (conventions: outputs written only on
 * success); on success every record, key and statistic equals a run
 * without failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/keytype.h"
#include "failalloc.h"
#include "input/csv.h"
#include "input/derive.h"
#include "input/ingest.h"
#include "input/mapping.h"

static const int nomem[] = {SP_ERR_NOMEM};
static char sentinel_byte;
static void *volatile sentinel = &sentinel_byte; /* volatile: see test_alloc_proto.c */

#define ROWS 5000 /* > 4096 distinct ids: the id set grows 4096 -> 8192 -> 16384 */

static const char MAPPING[] = "# a municipality's export, as an agency writes it\n"
                              "kind = person\n"
                              "separator = ;\n"
                              "encoding = windows-1252\n"
                              "date_format = dd-mm-jjjj\n"
                              "surname_form = with-prefix\n"
                              "record_id = Registratienummer\n"
                              "bsn = BSN\n"
                              "given_names = Voornamen\n"
                              "surname = Achternaam\n"
                              "birth_date = Geboortedatum\n"
                              "postcode = Postcode\n"
                              "house_number = Huisnummer\n";

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* ---- a messy export ---- */

static char *csv_text;
static size_t csv_len;

static void put(size_t cap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(csv_text + csv_len, cap - csv_len, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < cap - csv_len);
    csv_len += (size_t)k;
}

/* A BSN passing the 11-test when good, failing it otherwise. */
static void bsn(unsigned seed, bool good, char out[10])
{
    for (;;) {
        unsigned sum = 0, x = seed * 2654435761u;
        for (int i = 0; i < 8; i++) {
            out[i] = (char)('0' + (x >> (i * 3)) % 10);
            sum += (unsigned)(out[i] - '0') * (unsigned)(9 - i);
        }
        unsigned check = sum % 11;
        if (check < 10) {
            out[8] = (char)('0' + (good ? check : (check + 1) % 10));
            out[9] = '\0';
            return;
        }
        seed += 7919;
    }
}

static void make_csv(void)
{
    static const char *const surnames[] = {"Jansen",       "de Vries",       "Vries, de",
                                           "van der Meer", "M\xe9ndez",      "\"Bakker; van\"",
                                           "Smit",         "\"van\r\nDijk\""};
    size_t cap = ROWS * 160 + 1024;
    char b[10];
    csv_text = malloc(cap);
    assert_non_null(csv_text);
    csv_len = 0;
    put(cap, "Registratienummer;BSN;Voornamen;Achternaam;Geboortedatum;Postcode;Huisnummer;"
             "Woonplaats\r\n");
    for (unsigned i = 0; i < ROWS; i++) {
        unsigned id = i % 997 == 5 ? i - 1 : i; /* a few duplicate ids */
        bsn(i, i % 13 != 0, b);
        put(cap, "R-%05u;%s;%s;%s;%02u-%02u-%u;%04u %c%c;%u%s;Z\xfcrich\r\n", id, i % 17 ? b : "",
            i % 3 ? "Jan Pieter" : "J.P.", surnames[i % 8], i % 28 + 1, i % 12 + 1, 1930 + i % 80,
            1000 + i % 9000, 'A' + i % 26, 'B' + i % 24, i % 200 + 1, i % 5 ? "" : "a");
        if (i % 401 == 0)
            put(cap, "R-broken;123;\"open;quote\n"); /* structural errors */
        if (i % 503 == 0)
            put(cap, "R-short;%s\n", b);
        if (i % 211 == 0)
            put(cap, "\r\n");
    }
    put(cap, "R-last;%s;Els;Visser;01-02-1980;1234 AB;7;Z", b); /* no line end */
}

/* ---- mapping ---- */

static int run_mapping(void *ctx)
{
    (void)ctx;
    struct sp_mapping *m = sentinel;
    char diag[256];
    int rc = sp_mapping_parse(MAPPING, strlen(MAPPING), &m, diag, sizeof(diag));
    if (rc != 0) {
        assert_ptr_equal(m, sentinel);
        return rc;
    }
    assert_string_equal(sp_mapping_column_name(m, SP_FIELD_SURNAME), "Achternaam");
    assert_string_equal(sp_mapping_column_name(m, SP_FIELD_HOUSE_NUMBER), "Huisnummer");
    assert_int_equal(sp_mapping_separator(m), ';');
    sp_mapping_free(&m);
    return 0;
}

static void test_mapping(void **state)
{
    (void)state;
    struct fa_op op = {"mapping parse", run_mapping, NULL, nomem, 1};
    fa_torture(&op, NULL);
}

/* ---- CSV splitter ---- */

struct csv_ctx {
    uint64_t digest, want;
    size_t chunk;
};

static int on_row(void *ctx, const struct sp_csv_row *row)
{
    struct csv_ctx *c = ctx;
    uint64_t v[4] = {row->line, row->nfields, (uint64_t)row->error, row->error_field};
    c->digest = fnv(c->digest, v, sizeof(v));
    for (size_t i = 0; i < row->nstored; i++)
        c->digest = fnv(c->digest, row->data + row->field[i].off, row->field[i].len);
    return 0;
}

static int run_csv(void *ctx)
{
    struct csv_ctx *c = ctx;
    struct sp_csv_opts o = {.sep = ';', .quote = '"', .trim = true};
    struct sp_csv *csv = sentinel;
    int rc = sp_csv_new(&o, &csv);
    if (rc != 0) {
        assert_ptr_equal(csv, sentinel);
        return rc;
    }
    c->digest = UINT64_C(0xcbf29ce484222325);
    for (size_t off = 0; off < csv_len && rc == 0; off += c->chunk) {
        size_t n = csv_len - off < c->chunk ? csv_len - off : c->chunk;
        rc = sp_csv_feed(csv, (const uint8_t *)csv_text + off, n, on_row, c);
    }
    if (rc == 0)
        rc = sp_csv_finish(csv, on_row, c);
    assert_int_equal(rc, 0); /* the callback never stops it */
    sp_csv_free(&csv);
    if (c->want != 0)
        assert_true(c->digest == c->want);
    return 0;
}

static void test_csv(void **state)
{
    (void)state;
    struct csv_ctx c = {.chunk = 4093};
    assert_int_equal(run_csv(&c), 0);
    c.want = c.digest;
    struct fa_op op = {"csv split (messy export)", run_csv, &c, nomem, 1};
    fa_torture(&op, NULL);
}

/* ---- ingestion ---- */

struct ingest_ctx {
    const struct sp_mapping *m;
    uint64_t digest, want;
    struct sp_ingest_stats st, want_st;
    bool have_want;
};

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    struct ingest_ctx *c = ctx;
    c->digest = fnv(c->digest, rec->record_id, strlen(rec->record_id) + 1);
    c->digest = fnv(c->digest, &rec->line, sizeof(rec->line));
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct sp_key *k = &rec->keys[i];
        uint8_t tk[2] = {k->type, k->klass};
        c->digest = fnv(c->digest, tk, 2);
        c->digest = fnv(c->digest, k->value, k->value_len);
    }
    return 0;
}

static int run_ingest(void *ctx)
{
    struct ingest_ctx *c = ctx;
    struct sp_ingest *ing = sentinel;
    int rc = sp_ingest_new(c->m, &ing);
    if (rc != 0) {
        assert_ptr_equal(ing, sentinel);
        return rc;
    }
    c->digest = UINT64_C(0xcbf29ce484222325);
    rc = sp_ingest_set_today(ing, 20250131);
    for (size_t off = 0; off < csv_len && rc == 0; off += 8191) {
        size_t n = csv_len - off < 8191 ? csv_len - off : 8191;
        rc = sp_ingest_feed(ing, (const uint8_t *)csv_text + off, n, on_record, c);
    }
    if (rc == 0)
        rc = sp_ingest_finish(ing, on_record, c);
    if (rc == 0) {
        memcpy(&c->st, sp_ingest_stats(ing), sizeof(c->st));
        if (c->have_want) {
            assert_true(c->digest == c->want);
            assert_memory_equal(&c->st, &c->want_st, sizeof(c->st));
        }
    } else {
        /* A fatal error says so in a sentence (ingest.h). */
        assert_true(sp_ingest_diagnostic(ing)[0] != '\0');
    }
    sp_ingest_free(&ing);
    return rc;
}

static void test_ingest(void **state)
{
    (void)state;
    struct sp_mapping *m = NULL;
    assert_int_equal(sp_mapping_parse(MAPPING, strlen(MAPPING), &m, NULL, 0), 0);
    struct ingest_ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->m = m;
    assert_int_equal(run_ingest(c), 0);
    c->want = c->digest;
    c->want_st = c->st;
    c->have_want = true;
    /* The export is as messy as intended: every path below was taken. */
    assert_true(c->st.records_usable > 4096);
    assert_true(c->st.structural_errors > 0 && c->st.duplicate_record_ids > 0);
    assert_true(c->st.keys_by_type[SP_KEY_BSN] > 0);
    assert_true(c->st.fields[SP_FIELD_BSN].rejected[SP_REJECT_CHECKSUM] > 0);
    struct fa_op op = {"ingest (windows-1252, 5000 rows)", run_ingest, c, nomem, 1};
    fa_torture(&op, NULL);
    free(c);
    sp_mapping_free(&m);
}

/* ---- derivation: fixed buffers, no allocation ---- */

static int run_derive(void *ctx)
{
    (void)ctx;
    static const struct {
        int f;
        const char *v;
    } fields[] = {{SP_FIELD_BSN, "111222333"},    {SP_FIELD_GIVEN_NAMES, "Jan Pieter"},
                  {SP_FIELD_SURNAME, "de Vries"}, {SP_FIELD_BIRTH_DATE, "04-08-2001"},
                  {SP_FIELD_POSTCODE, "1234 AB"}, {SP_FIELD_HOUSE_NUMBER, "12a"}};
    struct sp_derive_opts o = {.date_format = SP_DATE_DMY_DASH,
                               .surname_form = SP_SURNAME_WITH_PREFIX,
                               .key_mask = SP_KEY_MASK_ALL,
                               .today_yyyymmdd = 20250131};
    struct sp_raw_record rec;
    static struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];
    memset(&rec, 0, sizeof(rec));
    memset(st, 0, sizeof(st));
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        rec.v[fields[i].f] = fields[i].v;
        rec.len[fields[i].f] = strlen(fields[i].v);
    }
    int rc = sp_derive_keys(&o, &rec, &ks, st);
    assert_int_equal(rc, 0);
    assert_true(ks.n >= 3);
    return rc;
}

static void test_derive(void **state)
{
    (void)state;
    struct fa_op op = {"derive keys", run_derive, NULL, nomem, 1};
    fa_no_alloc(&op);
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
        cmocka_unit_test_setup(test_mapping, setup),
        cmocka_unit_test_setup(test_csv, setup),
        cmocka_unit_test_setup(test_ingest, setup),
        cmocka_unit_test_setup(test_derive, setup),
    };
    make_csv();
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(csv_text);
    fa_summary();
    return rc;
}
