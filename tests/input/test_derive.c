/*
 * Match-key derivation (input/derive.h): the exact key set of typical person
 * and company records, the key mask, per-record deduplication, field
 * outcomes (accepted / empty / rejected with a reason), and that a rejected
 * field never rejects the record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/keytype.h"
#include "input/derive.h"

/* A record as (field, text) pairs; fields not listed are not mapped. */
struct fv {
    int field;
    const char *text;
};

#define END                                                                                        \
    {                                                                                              \
        -1, NULL                                                                                   \
    }

static void build(const struct fv *f, struct sp_raw_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    for (; f->text != NULL; f++) {
        rec->v[f->field] = f->text;
        rec->len[f->field] = strlen(f->text);
    }
}

static struct sp_derive_opts opts(int date_format, int surname_form)
{
    struct sp_derive_opts o = {date_format, surname_form, SP_KEY_MASK_ALL, false, 20250101};
    return o;
}

static void derive(const struct sp_derive_opts *o, const struct fv *f, struct sp_keyset *ks,
                   struct sp_field_stats *st)
{
    struct sp_raw_record rec;
    build(f, &rec);
    assert_int_equal(sp_derive_keys(o, &rec, ks, st), 0);
}

/* Compares the key set with "type:value" strings (order free); checks the
 * class of every key against the table. */
static void expect_keys(const struct sp_keyset *ks, const char *const *want)
{
    size_t n = 0;
    for (; want[n] != NULL; n++) {
        bool found = false;
        for (size_t i = 0; i < ks->n && !found; i++) {
            char buf[300];
            snprintf(buf, sizeof(buf), "%s:%.*s", sp_key_type_name(ks->keys[i].type),
                     (int)ks->keys[i].value_len, ks->keys[i].value);
            found = strcmp(buf, want[n]) == 0;
        }
        if (!found)
            fail_msg("missing key %s", want[n]);
    }
    for (size_t i = 0; i < ks->n; i++) {
        if (ks->keys[i].klass != sp_key_type_class(ks->keys[i].type))
            fail_msg("key %zu: class %d", i, ks->keys[i].klass);
        for (size_t j = 0; j < i; j++)
            if (ks->keys[i].type == ks->keys[j].type &&
                ks->keys[i].value_len == ks->keys[j].value_len &&
                memcmp(ks->keys[i].value, ks->keys[j].value, ks->keys[i].value_len) == 0)
                fail_msg("key %zu duplicates key %zu", i, j);
    }
    if (ks->n != n) {
        for (size_t i = 0; i < ks->n; i++)
            fprintf(stderr, "  got %s:%.*s\n", sp_key_type_name(ks->keys[i].type),
                    (int)ks->keys[i].value_len, ks->keys[i].value);
        fail_msg("%zu keys, expected %zu", ks->n, n);
    }
}

static void test_person_brp(void **state)
{
    static const struct fv rec[] = {
        {SP_FIELD_RECORD_ID, "GBA1"},
        {SP_FIELD_BSN, "111222333"},
        {SP_FIELD_GIVEN_NAMES, "Jan Kees"},
        {SP_FIELD_PREFIX, "van der"},
        {SP_FIELD_SURNAME, "Meer"},
        {SP_FIELD_BIRTH_DATE, "19700131"},
        {SP_FIELD_POSTCODE, "1234AB"},
        {SP_FIELD_HOUSE_NUMBER, "12"},
        {SP_FIELD_HOUSE_LETTER, "a"},
        {SP_FIELD_HOUSE_SUFFIX, ""},
        END,
    };
    static const char *const want[] = {
        "bsn:111222333",
        "name_dob:j|meer|19700131",
        "name_dob:meer|19700131|12", /* given-name-less: postcode region */
        "phon_dob:j|mer|19700131",
        "phon_dob:m|jan|19700131",   /* given name and surname swapped */
        "phon_dob:j|~eemr|19700131", /* letters swapped */
        "part_dob:j|meer|19700131",
        "ini_addr_dob:j|1234AB|12|19700131",
        "ini_addr_dob:j|1234AB|12|197001",
        "ini_addr_dob:j|1234AB|12|0131",
        "addr_dob:1234AB|12|19700131",
        "address:1234AB|12",
        "address:1234AB|12|A",
        "name_addr:j|mer|1234AB",
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_YYYYMMDD, SP_SURNAME_CORE);
    struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];

    (void)state;
    memset(st, 0, sizeof(st));
    derive(&o, rec, &ks, st);
    expect_keys(&ks, want);
    /* outcomes: every mapped field counted once; the record id is ingest's */
    assert_int_equal(st[SP_FIELD_BSN].accepted, 1);
    assert_int_equal(st[SP_FIELD_PREFIX].accepted, 1);
    assert_int_equal(st[SP_FIELD_HOUSE_LETTER].accepted, 1);
    assert_int_equal(st[SP_FIELD_HOUSE_SUFFIX].empty, 1);
    assert_int_equal(st[SP_FIELD_RECORD_ID].accepted + st[SP_FIELD_RECORD_ID].empty, 0);
    assert_int_equal(st[SP_FIELD_IBAN].accepted + st[SP_FIELD_IBAN].empty, 0); /* unmapped */
}

static void test_person_export_forms(void **state)
{
    /* a police-style export: surname with prefix, day-month order that can
     * be swapped, house number with suffix, kenteken */
    static const struct fv rec[] = {
        {SP_FIELD_GIVEN_NAMES, "M."},
        {SP_FIELD_SURNAME, "Meer, van der"},
        {SP_FIELD_BIRTH_DATE, "05-03-1970"},
        {SP_FIELD_POSTCODE, "1234 ab"},
        {SP_FIELD_HOUSE_NUMBER, "12-hs"},
        {SP_FIELD_KENTEKEN, "vw-85-yn"},
        {SP_FIELD_BSN, ""},
        END,
    };
    static const char *const want[] = {
        "name_dob:m|meer|19700305",
        "name_dob:meer|19700305|12",
        "phon_dob:m|mer|19700305",
        "phon_dob:m|mer|19700503", /* day and month swapped */
        "phon_dob:m|~eemr|19700305",
        "part_dob:m|meer|19700305",
        "ini_addr_dob:m|1234AB|12|19700305",
        "ini_addr_dob:m|1234AB|12|197003",
        "ini_addr_dob:m|1234AB|12|0305",
        "addr_dob:1234AB|12|19700305",
        "address:1234AB|12",
        "address:1234AB|12|HS",
        "kenteken:VW85YN",
        "name_addr:m|mer|1234AB",
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_DMY_DASH, SP_SURNAME_WITH_PREFIX);
    struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];

    (void)state;
    memset(st, 0, sizeof(st));
    derive(&o, rec, &ks, st);
    expect_keys(&ks, want);
    assert_int_equal(st[SP_FIELD_BSN].empty, 1);
    assert_int_equal(st[SP_FIELD_GIVEN_NAMES].accepted, 1);
}

static void test_full_name_and_particles(void **state)
{
    /* one naam column, a particle other cultures keep in the surname */
    static const struct fv rec[] = {
        {SP_FIELD_FULL_NAME, "J.J. El Amrani"},
        {SP_FIELD_BIRTH_DATE, "15/05/1945"},
        END,
    };
    static const char *const want[] = {
        "name_dob:j|amrani|19450515",
        "phon_dob:j|amrani|19450515",
        "name_dob:j|elamrani|19450515",
        "phon_dob:j|elamrani|19450515",
        "phon_dob:j|~aaimnr|19450515",
        "part_dob:j|amrani|19450515",
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_DMY_SLASH, SP_SURNAME_CORE);
    struct sp_keyset ks;

    (void)state;
    derive(&o, rec, &ks, NULL);
    expect_keys(&ks, want);
}

static void test_double_surname(void **state)
{
    static const struct fv rec[] = {
        {SP_FIELD_GIVEN_NAMES, "Anna"},
        {SP_FIELD_SURNAME, "Jansen-de Vries"},
        {SP_FIELD_BIRTH_DATE, "1980-07-20"},
        END,
    };
    static const char *const want[] = {
        "name_dob:a|jansen-vries|19800720",
        "phon_dob:a|jans-fries|19800720",
        "phon_dob:j|ana|19800720",
        "phon_dob:a|~aeeijnnrssv|19800720",
        "part_dob:a|jansen|19800720", /* meets a record of "Jansen" */
        "part_dob:a|vries|19800720",  /* and one of "de Vries" */
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_WITH_PREFIX);
    struct sp_keyset ks;

    (void)state;
    derive(&o, rec, &ks, NULL);
    expect_keys(&ks, want);
}

static void test_company(void **state)
{
    static const struct fv rec[] = {
        {SP_FIELD_KVK, "1234 5678"},
        {SP_FIELD_VESTIGING, "000012345678"},
        {SP_FIELD_RSIN, "111222333"},
        {SP_FIELD_TRADE_NAME, "Dekker Holding B.V."},
        {SP_FIELD_STREET_ADDRESS, "Dorpsstraat 12 a"},
        {SP_FIELD_POSTCODE, "NL-1234 AB"},
        {SP_FIELD_IBAN, "NL91 ABNA 0417 1643 00"},
        END,
    };
    static const char *const want[] = {
        "kvk:12345678",
        "vestiging:000012345678",
        "rsin:111222333",
        "cname_addr:dekker|1234AB|12",
        "cname_pc:dekker|1234AB",
        "address:1234AB|12",
        "address:1234AB|12|A",
        "iban:NL91ABNA0417164300",
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_CORE);
    struct sp_keyset ks;

    (void)state;
    derive(&o, rec, &ks, NULL);
    expect_keys(&ks, want);
}

static void test_rejected_fields(void **state)
{
    /* a bad BSN, postcode, date and IBAN: the record keeps what is left */
    static const struct fv rec[] = {
        {SP_FIELD_BSN, "123456789"},           {SP_FIELD_GIVEN_NAMES, "Piet"},
        {SP_FIELD_SURNAME, "Bakker"},          {SP_FIELD_BIRTH_DATE, "31-02-1990"},
        {SP_FIELD_POSTCODE, "2611 SS"},        {SP_FIELD_HOUSE_NUMBER, "7"},
        {SP_FIELD_IBAN, "NL91ABNA0417164301"}, {SP_FIELD_ANUMMER, "8940402024"},
        {SP_FIELD_KENTEKEN, "ABC-123"},        END,
    };
    static const char *const want[] = {"anummer:8940402024", NULL};
    struct sp_derive_opts o = opts(SP_DATE_DMY_DASH, SP_SURNAME_CORE);
    struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];

    (void)state;
    memset(st, 0, sizeof(st));
    derive(&o, rec, &ks, st);
    expect_keys(&ks, want);
    assert_int_equal(st[SP_FIELD_BSN].rejected[SP_REJECT_CHECKSUM], 1);
    assert_int_equal(st[SP_FIELD_BIRTH_DATE].rejected[SP_REJECT_RANGE], 1);
    assert_int_equal(st[SP_FIELD_POSTCODE].rejected[SP_REJECT_NOT_ISSUED], 1);
    assert_int_equal(st[SP_FIELD_IBAN].rejected[SP_REJECT_CHECKSUM], 1);
    assert_int_equal(st[SP_FIELD_KENTEKEN].rejected[SP_REJECT_FORMAT], 1);
    assert_int_equal(st[SP_FIELD_SURNAME].accepted, 1);
    assert_int_equal(st[SP_FIELD_HOUSE_NUMBER].accepted, 1);
    assert_int_equal(st[SP_FIELD_ANUMMER].accepted, 1);
}

static void test_unknown_day(void **state)
{
    /* a BRP date with an unknown day: no full-date key, but the year-month
     * form of ini_addr_dob */
    static const struct fv rec[] = {
        {SP_FIELD_GIVEN_NAMES, "Lize"},    {SP_FIELD_SURNAME, "Bijl"},
        {SP_FIELD_BIRTH_DATE, "19771200"}, {SP_FIELD_POSTCODE, "7010PR"},
        {SP_FIELD_HOUSE_NUMBER, "3"},      END,
    };
    static const char *const want[] = {
        "ini_addr_dob:l|7010PR|3|197712",
        "address:7010PR|3",
        "name_addr:l|bil|7010PR", /* no date needed */
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_YYYYMMDD, SP_SURNAME_CORE);
    struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];

    (void)state;
    memset(st, 0, sizeof(st));
    derive(&o, rec, &ks, st);
    expect_keys(&ks, want);
    assert_int_equal(st[SP_FIELD_BIRTH_DATE].rejected[SP_REJECT_UNKNOWN_PART], 1);
}

static void test_foreign_ids(void **state)
{
    /* FEBRL-style: an Australian id and postcode through the generic fields */
    static const struct fv rec[] = {
        {SP_FIELD_GIVEN_NAMES, "michaela"},
        {SP_FIELD_SURNAME, "neumann"},
        {SP_FIELD_BIRTH_DATE, "19151111"},
        {SP_FIELD_POSTAL_CODE, "4223"},
        {SP_FIELD_HOUSE_NUMBER, "8"},
        {SP_FIELD_NATIONAL_ID, "5304218"},
        END,
    };
    static const char *const want[] = {
        "bsn:nid|5304218", /* tagged: can never equal a BSN */
        "name_dob:m|neumann|19151111",
        "name_dob:neumann|19151111|42",
        "phon_dob:m|neuman|19151111",
        "phon_dob:n|migala|19151111",
        "phon_dob:m|~aemnnnu|19151111",
        "part_dob:m|neumann|19151111",
        "ini_addr_dob:m|4223|8|19151111",
        "ini_addr_dob:m|4223|8|191511",
        "ini_addr_dob:m|4223|8|1111",
        "addr_dob:4223|8|19151111",
        "address:4223|8",
        "name_addr:m|neuman|4223|8", /* a postal code names a town: with the number */
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_YYYYMMDD, SP_SURNAME_CORE);
    struct sp_keyset ks;

    (void)state;
    derive(&o, rec, &ks, NULL);
    expect_keys(&ks, want);
}

static void test_key_mask(void **state)
{
    static const struct fv rec[] = {
        {SP_FIELD_BSN, "111222333"},
        {SP_FIELD_GIVEN_NAMES, "Jan"},
        {SP_FIELD_SURNAME, "Jansen"},
        {SP_FIELD_BIRTH_DATE, "1970-01-31"},
        {SP_FIELD_POSTCODE, "1234AB"},
        {SP_FIELD_HOUSE_NUMBER, "1"},
        END,
    };
    static const char *const want[] = {"bsn:111222333", "addr_dob:1234AB|1|19700131", NULL};
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_CORE);
    struct sp_keyset ks;

    (void)state;
    o.key_mask = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_ADDR_DOB);
    derive(&o, rec, &ks, NULL);
    expect_keys(&ks, want);
    o.key_mask = 0;
    derive(&o, rec, &ks, NULL);
    assert_int_equal(ks.n, 0);
}

static void test_dedup(void **state)
{
    /* given name = surname: the swapped reading equals the plain one */
    static const struct fv rec[] = {
        {SP_FIELD_GIVEN_NAMES, "Meer"},
        {SP_FIELD_SURNAME, "Meer"},
        {SP_FIELD_BIRTH_DATE, "1970-01-31"},
        END,
    };
    static const char *const want[] = {
        "name_dob:m|meer|19700131",
        "phon_dob:m|mer|19700131",
        "phon_dob:m|~eemr|19700131",
        "part_dob:m|meer|19700131",
        NULL,
    };
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_CORE);
    struct sp_keyset ks;

    (void)state;
    derive(&o, rec, &ks, NULL);
    expect_keys(&ks, want); /* also checks that no (type, value) repeats */
}

static void test_policy_and_caps(void **state)
{
    static const struct fv test_bsn[] = {{SP_FIELD_BSN, "999993653"}, END};
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_CORE);
    struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];

    (void)state;
    memset(st, 0, sizeof(st));
    derive(&o, test_bsn, &ks, st);
    assert_int_equal(ks.n, 1);
    o.refuse_test_bsn = true;
    derive(&o, test_bsn, &ks, st);
    assert_int_equal(ks.n, 0);
    assert_int_equal(st[SP_FIELD_BSN].rejected[SP_REJECT_TEST_RANGE], 1);

    /* a field longer than SP_DERIVE_MAX_FIELD_BYTES is rejected (length) */
    char *big = malloc(SP_DERIVE_MAX_FIELD_BYTES + 2);
    assert_non_null(big);
    memset(big, 'a', SP_DERIVE_MAX_FIELD_BYTES + 1);
    big[SP_DERIVE_MAX_FIELD_BYTES + 1] = '\0';
    struct fv long_name[] = {{SP_FIELD_SURNAME, big}, {SP_FIELD_TRADE_NAME, big}, END};
    memset(st, 0, sizeof(st));
    derive(&o, long_name, &ks, st);
    assert_int_equal(ks.n, 0);
    assert_int_equal(st[SP_FIELD_SURNAME].rejected[SP_REJECT_LENGTH], 1);
    assert_int_equal(st[SP_FIELD_TRADE_NAME].rejected[SP_REJECT_LENGTH], 1);
    free(big);
}

/* Every field at its longest usable value: the key set stays within its caps. */
static void test_full_record_caps(void **state)
{
    static const struct fv rec[] = {
        {SP_FIELD_BSN, "111222333"},
        {SP_FIELD_ANUMMER, "8940402024"},
        {SP_FIELD_NATIONAL_ID, "123456789012345"},
        {SP_FIELD_GIVEN_NAMES, "Aaaaaaaaaabbbbbbbbbbccccccccccdd Eeee"},
        {SP_FIELD_PREFIX, "el"},
        {SP_FIELD_SURNAME, "Aaaaaaaaaa-Bbbbbbbbbb-Cccccccccc-Dddddddddd-Eeeeeeeeee-Ffffff"},
        {SP_FIELD_FULL_NAME, "Zzz, Yyy"},
        {SP_FIELD_BIRTH_DATE, "1970-01-02"},
        {SP_FIELD_POSTCODE, "1234AB"},
        {SP_FIELD_HOUSE_NUMBER, "99999 ABCD"},
        {SP_FIELD_HOUSE_LETTER, "E"},
        {SP_FIELD_HOUSE_SUFFIX, "FGH"},
        {SP_FIELD_KVK, "12345678"},
        {SP_FIELD_VESTIGING, "123456789012"},
        {SP_FIELD_RSIN, "111222333"},
        {SP_FIELD_TRADE_NAME, "Aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggg"},
        {SP_FIELD_KENTEKEN, "VW-85-YN"},
        {SP_FIELD_IBAN, "NL91ABNA0417164300"},
        END,
    };
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_WITH_PREFIX);
    struct sp_keyset ks;

    (void)state;
    derive(&o, rec, &ks, NULL);
    assert_true(ks.n > 20);
    assert_true(ks.n <= SP_DERIVE_MAX_KEYS);
    assert_true(ks.buf_used <= sizeof(ks.buf));
    for (size_t i = 0; i < ks.n; i++) {
        assert_true(ks.keys[i].value_len > 0);
        assert_true(ks.keys[i].value_len <= SP_DERIVE_MAX_VALUE_BYTES);
        assert_true(ks.keys[i].value >= ks.buf &&
                    ks.keys[i].value + ks.keys[i].value_len <= ks.buf + ks.buf_used);
    }
}

/* ---- name_addr: first initial + phonetic surname + postcode ------------------ */

/* One record's person fields; NULL is unmapped. */
struct na_row {
    const char *what;
    int surname_form;
    const char *given, *prefix, *surname, *full_name, *postcode, *postal_code, *house, *dob;
    const char *want[3]; /* name_addr values, NULL-terminated */
};

static const struct na_row na_rows[] = {
    /* valid: a Dutch postcode names ~20 addresses, so no house number */
    {"brp",
     SP_SURNAME_CORE,
     "Jan Kees",
     "van der",
     "Meer",
     NULL,
     "1234AB",
     NULL,
     "12",
     "19700131",
     {"j|mer|1234AB", NULL}},
    {"no date needed",
     SP_SURNAME_CORE,
     "Jan",
     NULL,
     "Meer",
     NULL,
     "1234AB",
     NULL,
     NULL,
     NULL,
     {"j|mer|1234AB", NULL}},
    {"a bad date does not matter",
     SP_SURNAME_CORE,
     "Jan",
     NULL,
     "Meer",
     NULL,
     "1234AB",
     NULL,
     NULL,
     "19701341",
     {"j|mer|1234AB", NULL}},
    {"foreign postal code takes the house number",
     SP_SURNAME_CORE,
     "michaela",
     NULL,
     "neumann",
     NULL,
     NULL,
     "4223",
     "8",
     NULL,
     {"m|neuman|4223|8", NULL}},
    {"the Dutch postcode wins over a postal code",
     SP_SURNAME_CORE,
     "Jan",
     NULL,
     "Meer",
     NULL,
     "1234AB",
     "4223",
     "8",
     NULL,
     {"j|mer|1234AB", NULL}},
    {"both readings of a particle",
     SP_SURNAME_CORE,
     NULL,
     NULL,
     NULL,
     "J.J. El Amrani",
     "1234AB",
     NULL,
     NULL,
     NULL,
     {"j|amrani|1234AB", "j|elamrani|1234AB", NULL}},
    /* missing or rejected parts: no key rather than a weaker one */
    {"no given name",
     SP_SURNAME_CORE,
     NULL,
     NULL,
     "Meer",
     NULL,
     "1234AB",
     NULL,
     "12",
     NULL,
     {NULL}},
    {"given name without letters",
     SP_SURNAME_CORE,
     "123",
     NULL,
     "Meer",
     NULL,
     "1234AB",
     NULL,
     "12",
     NULL,
     {NULL}},
    {"no surname", SP_SURNAME_CORE, "Jan", NULL, NULL, NULL, "1234AB", NULL, "12", NULL, {NULL}},
    {"no postcode",
     SP_SURNAME_CORE,
     "Jan",
     NULL,
     "Meer",
     NULL,
     NULL,
     NULL,
     "12",
     "19700131",
     {NULL}},
    {"postcode never issued",
     SP_SURNAME_CORE,
     "Jan",
     NULL,
     "Meer",
     NULL,
     "2611 SS",
     NULL,
     "12",
     NULL,
     {NULL}},
    {"postcode with a leading 0",
     SP_SURNAME_CORE,
     "Jan",
     NULL,
     "Meer",
     NULL,
     "0123AB",
     NULL,
     "12",
     NULL,
     {NULL}},
    {"foreign postal code without house number",
     SP_SURNAME_CORE,
     "michaela",
     NULL,
     "neumann",
     NULL,
     NULL,
     "4223",
     NULL,
     NULL,
     {NULL}},
    {"foreign postal code, bad house number",
     SP_SURNAME_CORE,
     "michaela",
     NULL,
     "neumann",
     NULL,
     NULL,
     "4223",
     "0",
     NULL,
     {NULL}},
    /* normalisation */
    {"postcode spelling",
     SP_SURNAME_CORE,
     "jan",
     NULL,
     "MEER",
     NULL,
     "NL-1234 ab",
     NULL,
     NULL,
     NULL,
     {"j|mer|1234AB", NULL}},
    {"surname with prefix",
     SP_SURNAME_WITH_PREFIX,
     "J.",
     NULL,
     "Meer, van der",
     NULL,
     "1234 ab",
     NULL,
     NULL,
     NULL,
     {"j|mer|1234AB", NULL}},
    {"IJ initial",
     SP_SURNAME_CORE,
     "IJsbrand",
     NULL,
     "Meer",
     NULL,
     "1234AB",
     NULL,
     NULL,
     NULL,
     {"y|mer|1234AB", NULL}},
    {"diacritics",
     SP_SURNAME_CORE,
     "\xc3\x96mer",
     NULL,
     "\xc3\x96zt\xc3\xbcrk",
     NULL,
     "1234AB",
     NULL,
     NULL,
     NULL,
     {"o|osturk|1234AB", NULL}},
    {"title skipped",
     SP_SURNAME_CORE,
     "dr. Piet",
     NULL,
     "Bakker",
     NULL,
     "1234AB",
     NULL,
     NULL,
     NULL,
     {"p|baker|1234AB", NULL}},
};

static void derive_na(const struct na_row *r, struct sp_keyset *ks)
{
    struct fv f[10];
    size_t n = 0;
    const struct {
        int field;
        const char *text;
    } in[] = {{SP_FIELD_GIVEN_NAMES, r->given},  {SP_FIELD_PREFIX, r->prefix},
              {SP_FIELD_SURNAME, r->surname},    {SP_FIELD_FULL_NAME, r->full_name},
              {SP_FIELD_POSTCODE, r->postcode},  {SP_FIELD_POSTAL_CODE, r->postal_code},
              {SP_FIELD_HOUSE_NUMBER, r->house}, {SP_FIELD_BIRTH_DATE, r->dob}};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        if (in[i].text != NULL)
            f[n++] = (struct fv){in[i].field, in[i].text};
    f[n] = (struct fv)END;
    struct sp_derive_opts o = opts(SP_DATE_YYYYMMDD, r->surname_form);
    o.key_mask = SP_KEY_MASK(SP_KEY_NAME_ADDR);
    derive(&o, f, ks, NULL);
}

static void test_name_addr(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(na_rows) / sizeof(na_rows[0]); i++) {
        const struct na_row *r = &na_rows[i];
        const char *want[4] = {NULL};
        char buf[3][64];
        struct sp_keyset ks;
        for (size_t k = 0; r->want[k] != NULL; k++) {
            snprintf(buf[k], sizeof(buf[k]), "name_addr:%s", r->want[k]);
            want[k] = buf[k];
        }
        derive_na(r, &ks);
        fprintf(stderr, "row %zu: %s\n", i, r->what);
        expect_keys(&ks, want);
        for (size_t k = 0; k < ks.n; k++)
            assert_int_equal(ks.keys[k].klass, SP_CLASS_B);
    }
}

/* Spellings the phonetic code makes equal meet in name_addr; different
 * surnames, initials or postcodes do not. */
static void test_name_addr_phonetic(void **state)
{
    static const struct {
        const char *given_a, *surname_a, *pc_a, *given_b, *surname_b, *pc_b;
        bool same;
    } pairs[] = {
        {"Jan", "Meijer", "1234AB", "J.", "Meyer", "1234AB", true},
        {"Jan", "Janssen", "1234AB", "Jan", "Jansz", "1234AB", true},
        {"Jan", "Jansen", "1234AB", "Jan", "Janse", "1234AB", true},
        {"Piet", "Bakker", "1234AB", "P", "Baker", "1234AB", true},
        {"Piet", "Bosch", "1234AB", "Piet", "Bos", "1234AB", true},
        {"Piet", "Zwart", "1234AB", "Piet", "Swart", "1234AB", true},
        {"Piet", "Philips", "1234AB", "Piet", "Filips", "1234AB", true},
        {"Piet", "Smidt", "1234AB", "Piet", "Smit", "1234AB", true},
        {"Piet", "Bakker", "1234AB", "Piet", "Bekker", "1234AB", false},
        {"Piet", "Bakker", "1234AB", "Jan", "Bakker", "1234AB", false},
        {"Piet", "Bakker", "1234AB", "Piet", "Bakker", "1234AC", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct na_row a = {"a",
                           SP_SURNAME_CORE,
                           pairs[i].given_a,
                           NULL,
                           pairs[i].surname_a,
                           NULL,
                           pairs[i].pc_a,
                           NULL,
                           NULL,
                           NULL,
                           {NULL}};
        struct na_row b = {"b",
                           SP_SURNAME_CORE,
                           pairs[i].given_b,
                           NULL,
                           pairs[i].surname_b,
                           NULL,
                           pairs[i].pc_b,
                           NULL,
                           NULL,
                           NULL,
                           {NULL}};
        struct sp_keyset ka, kb;
        derive_na(&a, &ka);
        derive_na(&b, &kb);
        assert_int_equal(ka.n, 1);
        assert_int_equal(kb.n, 1);
        bool same = ka.keys[0].value_len == kb.keys[0].value_len &&
                    memcmp(ka.keys[0].value, kb.keys[0].value, ka.keys[0].value_len) == 0;
        if (same != pairs[i].same)
            fail_msg("pair %zu: name_addr %s", i, same ? "equal" : "differs");
    }
}

static void test_bad_options(void **state)
{
    static const struct fv rec[] = {{SP_FIELD_BSN, "111222333"}, END};
    struct sp_raw_record raw;
    struct sp_keyset ks;
    struct sp_derive_opts o = opts(SP_DATE_ISO, SP_SURNAME_CORE);

    (void)state;
    build(rec, &raw);
    o.date_format = 0;
    assert_int_equal(sp_derive_keys(&o, &raw, &ks, NULL), SP_ERR_INVALID_ARG);
    o = opts(SP_DATE_ISO, 3);
    assert_int_equal(sp_derive_keys(&o, &raw, &ks, NULL), SP_ERR_INVALID_ARG);
    o = opts(SP_DATE_ISO, SP_SURNAME_CORE);
    assert_int_equal(sp_derive_keys(NULL, &raw, &ks, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_derive_keys(&o, NULL, &ks, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_derive_keys(&o, &raw, NULL, NULL), SP_ERR_INVALID_ARG);
}

static void test_reason_text(void **state)
{
    (void)state;
    for (int r = 0; r < SP_REJECT_REASON_COUNT; r++)
        assert_non_null(sp_reject_reason_text(r));
    assert_string_equal(sp_reject_reason_text(SP_REJECT_CHECKSUM), "checksum fails");
    assert_string_equal(sp_reject_reason_text(99), "unknown reason");
    assert_string_equal(sp_reject_reason_text(-1), "unknown reason");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_brp),
        cmocka_unit_test(test_person_export_forms),
        cmocka_unit_test(test_full_name_and_particles),
        cmocka_unit_test(test_double_surname),
        cmocka_unit_test(test_company),
        cmocka_unit_test(test_rejected_fields),
        cmocka_unit_test(test_unknown_day),
        cmocka_unit_test(test_foreign_ids),
        cmocka_unit_test(test_key_mask),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_policy_and_caps),
        cmocka_unit_test(test_full_record_caps),
        cmocka_unit_test(test_name_addr),
        cmocka_unit_test(test_name_addr_phonetic),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_reason_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
