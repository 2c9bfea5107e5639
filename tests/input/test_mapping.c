/* Mapping files: the format, its strictness (file:line diagnostics), the
 * getters, the derived options, and every shipped example. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/keytype.h"
#include "input/derive.h"
#include "input/encoding.h"
#include "input/mapping.h"

static struct sp_mapping *parse_ok(const char *text)
{
    struct sp_mapping *m = NULL;
    char diag[256];
    int rc = sp_mapping_parse(text, strlen(text), &m, diag, sizeof(diag));
    if (rc != 0)
        fail_msg("unexpected error %d: %s", rc, diag);
    assert_non_null(m);
    return m;
}

static void test_full_mapping(void **state)
{
    const char *text = "\xEF\xBB\xBF# a comment\r\n"
                       "  kind = person\r\n"
                       "separator=;\r\n"
                       "encoding = windows-1252\n"
                       "quote = '\n"
                       "trim = no\n"
                       "\n"
                       "date_format = dd-mm-jjjj\n"
                       "surname_form = with-prefix\n"
                       "keys = bsn, name_dob ,phon_dob\n"
                       "refuse_test_bsn = yes\n"
                       "duplicate_ids = refuse\n"
                       "record_id = Registratie Nummer\n"
                       "bsn = bsn\n"
                       "surname\t=\tachter=naam \t\n"
                       "birth_date = geboortedatum";
    struct sp_mapping *m = parse_ok(text);
    struct sp_derive_opts o;
    (void)state;
    assert_int_equal(sp_mapping_entity(m), SP_ENTITY_PERSON);
    assert_string_equal(sp_mapping_kind(m), "person");
    assert_int_equal(sp_mapping_separator(m), ';');
    assert_int_equal(sp_mapping_quote(m), '\'');
    assert_int_equal(sp_mapping_encoding(m), SP_ENC_CP1252);
    assert_int_equal(sp_mapping_header(m), 1);
    assert_int_equal(sp_mapping_trim(m), 0);
    assert_int_equal(sp_mapping_key_mask(m), SP_KEY_MASK(SP_KEY_BSN) |
                                                 SP_KEY_MASK(SP_KEY_NAME_DOB) |
                                                 SP_KEY_MASK(SP_KEY_PHON_DOB));
    assert_string_equal(sp_mapping_column_name(m, SP_FIELD_RECORD_ID), "Registratie Nummer");
    assert_string_equal(sp_mapping_column_name(m, SP_FIELD_SURNAME), "achter=naam");
    assert_int_equal(sp_mapping_field_line(m, SP_FIELD_SURNAME), 15);
    assert_int_equal(sp_mapping_field_line(m, SP_FIELD_BIRTH_DATE), 16);
    assert_int_equal(sp_mapping_duplicate_ids(m), SP_DUPLICATE_IDS_REFUSE);
    assert_true(sp_mapping_has_field(m, SP_FIELD_BSN));
    assert_false(sp_mapping_has_field(m, SP_FIELD_IBAN));
    assert_false(sp_mapping_has_field(m, SP_FIELD_COUNT));
    assert_false(sp_mapping_has_field(m, -1));
    assert_null(sp_mapping_column_name(m, SP_FIELD_IBAN));
    assert_int_equal(sp_mapping_column_index(m, SP_FIELD_BSN), 0);
    assert_int_equal(sp_mapping_derive_opts(m, 20250131, &o), 0);
    assert_int_equal(o.date_format, SP_DATE_DMY_DASH);
    assert_int_equal(o.surname_form, SP_SURNAME_WITH_PREFIX);
    assert_int_equal(o.key_mask, sp_mapping_key_mask(m));
    assert_true(o.refuse_test_bsn);
    assert_int_equal(o.today_yyyymmdd, 20250131);
    assert_int_equal(sp_mapping_derive_opts(NULL, 20250131, &o), SP_ERR_INVALID_ARG);
    sp_mapping_free(&m);
    assert_null(m);
    sp_mapping_free(&m);
    sp_mapping_free(NULL);
}

static void test_defaults(void **state)
{
    struct sp_mapping *m = parse_ok("kind = company\nrecord_id = id\nkvk = kvk\n");
    struct sp_derive_opts o;
    (void)state;
    assert_int_equal(sp_mapping_entity(m), SP_ENTITY_COMPANY);
    assert_string_equal(sp_mapping_kind(m), "company");
    assert_int_equal(sp_mapping_separator(m), ',');
    assert_int_equal(sp_mapping_quote(m), '"');
    assert_int_equal(sp_mapping_encoding(m), SP_ENC_UTF8);
    assert_int_equal(sp_mapping_header(m), 1);
    assert_int_equal(sp_mapping_trim(m), 1);
    assert_int_equal(sp_mapping_key_mask(m), SP_KEY_MASK_ALL);
    assert_true(sp_mapping_key_mask(m) & SP_KEY_MASK(SP_KEY_NAME_ADDR)); /* "all" has type 16 */
    assert_int_equal(sp_mapping_derive_opts(m, 20240229, &o), 0);
    assert_false(o.refuse_test_bsn);
    assert_int_equal(sp_mapping_duplicate_ids(m), SP_DUPLICATE_IDS_MERGE);
    assert_true(o.date_format >= SP_DATE_YYYYMMDD && o.date_format <= SP_DATE_DMY_SLASH);
    assert_true(o.surname_form == SP_SURNAME_CORE || o.surname_form == SP_SURNAME_WITH_PREFIX);
    sp_mapping_free(&m);
    m = parse_ok("kind = person\nrecord_id = id\nkeys = name_addr, bsn\nbsn = b\n");
    assert_int_equal(sp_mapping_key_mask(m),
                     SP_KEY_MASK(SP_KEY_NAME_ADDR) | SP_KEY_MASK(SP_KEY_BSN));
    sp_mapping_free(&m);
}

static void test_separators_and_quotes(void **state)
{
    static const struct {
        const char *line;
        int sep, quote;
    } cases[] = {
        {"separator = ,", ',', '"'},    {"separator = ;", ';', '"'},
        {"separator = |", '|', '"'},    {"separator = tab", '\t', '"'},
        {"separator = \\t", '\t', '"'}, {"separator = semicolon", ';', '"'},
        {"quote = none", ',', -1},      {"quote = \"", ',', '"'},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "kind = person\nrecord_id = 1\nbsn = 2\n%s\n", cases[i].line);
        struct sp_mapping *m = parse_ok(text);
        assert_int_equal(sp_mapping_separator(m), cases[i].sep);
        assert_int_equal(sp_mapping_quote(m), cases[i].quote);
        sp_mapping_free(&m);
    }
}

static void test_numbered_columns(void **state)
{
    struct sp_mapping *m =
        parse_ok("kind = person\nheader = no\nrecord_id = 1\nbsn = 3\niban = 1024\n");
    (void)state;
    assert_int_equal(sp_mapping_header(m), 0);
    assert_int_equal(sp_mapping_column_index(m, SP_FIELD_RECORD_ID), 1);
    assert_int_equal(sp_mapping_column_index(m, SP_FIELD_BSN), 3);
    assert_int_equal(sp_mapping_column_index(m, SP_FIELD_IBAN), 1024);
    assert_null(sp_mapping_column_name(m, SP_FIELD_BSN));
    sp_mapping_free(&m);
}

/* Every mistake is an error naming its line (or what is missing). */
static void test_errors(void **state)
{
#define T(text, diag)                                                                              \
    {                                                                                              \
        text, sizeof(text) - 1, diag                                                               \
    }
    static const struct {
        const char *text;
        size_t len;
        const char *diag;
    } cases[] = {
        T("kind = person\nrecord_id = a\nbsn = b\ncolour = red\n", "line 4: unknown key 'colour'"),
        T("kind = person\nkind = person\n", "line 2: kind is already set on line 1"),
        T("kind = person\nrecord_id = a\nbsn = b\nbsn = c\n",
          "line 4: field bsn is already mapped on line 3"),
        T("kind = animal\n", "line 1: kind must be person or company, not 'animal'"),
        T("kind = person\nseparator = :\n", "line 2: separator must be one of , ; | tab"),
        T("kind = person\nencoding = utf-16\n", "line 2: encoding must be utf-8"),
        T("quote = `\n", "line 1: quote must be"),
        T("header = maybe\n", "line 1: header must be yes or no, not 'maybe'"),
        T("trim = 1\n", "line 1: trim must be yes or no"),
        T("date_format = mm/dd/yyyy\n", "line 1: date_format must be jjjjmmdd"),
        T("date_format = dd-mm-jj\n", "line 1: date_format must be"),
        T("surname_form = first\n", "line 1: surname_form must be core or with-prefix"),
        T("refuse_test_bsn = sometimes\n", "line 1: refuse_test_bsn must be yes or no"),
        T("duplicate_ids = keep-first\n", "line 1: duplicate_ids must be merge or refuse"),
        T("keys = bsn,shoe_size\n", "line 1: keys must be 'all' or a list"),
        T("keys = ,\n", "line 1: keys must be"),
        T("keys = name_addr,name_address\n", "line 1: keys must be"),
        T("kind person\n", "line 1: expected 'key = value'"),
        T("= person\n", "line 1: missing key before '='"),
        T("kind =   \n", "line 1: kind has no value"),
        T("record_id = a\nbsn = b\n", "missing 'kind = person' or 'kind = company'"),
        T("kind = person\nbsn = b\n", "missing 'record_id = <column>'"),
        T("kind = person\nrecord_id = a\n", "no field is mapped besides record_id"),
        T("kind = person\nrecord_id = a\nbirth_date = d\n",
          "birth_date is mapped (line 3) but date_format is not set"),
        T("kind = person\nrecord_id = a\nsurname = s\n",
          "surname is mapped (line 3) but surname_form"),
        T("kind = person\nheader = no\nrecord_id = id\nbsn = 2\n",
          "line 3: with header = no, record_id must be a column number 1..1024"),
        T("kind = person\nheader = no\nrecord_id = 0\nbsn = 2\n",
          "line 3: with header = no, record_id must be"),
        T("kind = person\nheader = no\nrecord_id = 1\nbsn = 1025\n",
          "line 4: with header = no, bsn must be"),
        T("kind = person\nheader = no\nrecord_id = 1\nbsn = 99999999999999999999\n",
          "line 4: with header = no, bsn must be"),
        T("kind = person\nheader = no\nrecord_id = 1\nbsn = 2x\n",
          "line 4: with header = no, bsn must be"),
        T("kind = person\nbsn = \xC3\n", "mapping file is not UTF-8 text"),
        T("kind = person\n\0bsn = b\n", "mapping file is not UTF-8 text"),
        T("Kind = person\n", "line 1: unknown key 'Kind'"),
        T("kind = person\nrecord_id = a\nbsn = b\nseparator = |\nquote = |\n",
          "line 5: quote must be \" or ' or none, not '|'"),
    };
#undef T
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sp_mapping *m = NULL;
        char diag[256];
        int rc = sp_mapping_parse(cases[i].text, cases[i].len, &m, diag, sizeof(diag));
        if (rc != SP_ERR_INPUT_MAPPING || m != NULL)
            fail_msg("case %zu: rc %d", i, rc);
        if (strstr(diag, cases[i].diag) != diag)
            fail_msg("case %zu: diag '%s', want prefix '%s'", i, diag, cases[i].diag);
    }
}

static void test_caps(void **state)
{
    size_t big = SP_MAPPING_MAX_BYTES + 1;
    char *text = malloc(big + 1);
    struct sp_mapping *m = NULL;
    char diag[128];
    (void)state;
    assert_non_null(text);
    memset(text, '#', big);
    text[big] = '\0';
    assert_int_equal(sp_mapping_parse(text, big, &m, diag, sizeof(diag)), SP_ERR_INPUT_MAPPING);
    assert_non_null(strstr(diag, "larger than"));
    /* A long line; a long column name. */
    memcpy(text, "kind = person\n", 14);
    memset(text + 14, 'x', SP_MAPPING_MAX_LINE_BYTES + 1);
    text[14 + SP_MAPPING_MAX_LINE_BYTES + 1] = '\0';
    assert_int_equal(sp_mapping_parse(text, strlen(text), &m, diag, sizeof(diag)),
                     SP_ERR_INPUT_MAPPING);
    assert_string_equal(diag, "line 2: line longer than 1024 bytes");
    memcpy(text + 14, "bsn = ", 6);
    text[14 + 6 + SP_MAPPING_MAX_COLUMN_BYTES + 1] = '\0';
    assert_int_equal(sp_mapping_parse(text, strlen(text), &m, diag, sizeof(diag)),
                     SP_ERR_INPUT_MAPPING);
    assert_string_equal(diag, "line 2: column name longer than 256 bytes");
    /* A tiny diagnostic buffer is never overrun. */
    assert_int_equal(sp_mapping_parse("kind = x\n", 9, &m, diag, 4), SP_ERR_INPUT_MAPPING);
    assert_int_equal(strlen(diag), 3);
    assert_int_equal(sp_mapping_parse("kind = x\n", 9, &m, NULL, 0), SP_ERR_INPUT_MAPPING);
    assert_int_equal(sp_mapping_parse(NULL, 3, &m, NULL, 0), SP_ERR_INVALID_ARG);
    assert_null(m);
    free(text);
}

/* Every field has a unique name that maps it, and no field shares its name
 * with an option. */
static void test_field_names(void **state)
{
    static const char *const options[] = {
        "kind",        "separator",    "encoding", "quote",           "header",       "trim",
        "date_format", "surname_form", "keys",     "refuse_test_bsn", "duplicate_ids"};
    (void)state;
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        const char *name = sp_field_name(f);
        assert_non_null(name);
        for (size_t o = 0; o < sizeof(options) / sizeof(options[0]); o++)
            assert_string_not_equal(name, options[o]);
        for (int g = 0; g < f; g++)
            assert_string_not_equal(name, sp_field_name(g));
        char text[256];
        snprintf(text, sizeof(text), "kind = person\nrecord_id = id\n%s = col\n%s",
                 f == SP_FIELD_RECORD_ID ? "bsn" : name,
                 "date_format = jjjjmmdd\nsurname_form = core\n");
        struct sp_mapping *m = parse_ok(text);
        assert_true(sp_mapping_has_field(m, f));
        sp_mapping_free(&m);
    }
    assert_null(sp_field_name(-1));
    assert_null(sp_field_name(SP_FIELD_COUNT));
}

/* Every shipped example mapping parses. */
static void test_examples(void **state)
{
    static const char *const files[] = {
        "examples/nl-synth/gemeente-utrecht/personen.map",
        "examples/nl-synth/politie-mn/personen.map",
        "examples/nl-synth/politie-mn/bedrijven.map",
        "examples/nl-synth/belastingdienst/personen.map",
        "examples/nl-synth/belastingdienst/ondernemingen.map",
        "examples/nl-synth/om/verdachten.map",
        "examples/nl-synth/riec-mn/kvk-inschrijvingen.map",
        "examples/nl-synth/riec-mn/kvk-functionarissen.map",
        "examples/febrl4/a/dataset4a.map",
        "examples/febrl4/b/dataset4b.map",
    };
    const char *src = getenv("SP_SOURCE_DIR");
    (void)state;
    if (src == NULL)
        src = ".";
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024], buf[SP_MAPPING_MAX_BYTES], diag[256];
        snprintf(path, sizeof(path), "%s/%s", src, files[i]);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            fail_msg("cannot open %s (set SP_SOURCE_DIR)", path);
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        struct sp_mapping *m = NULL;
        if (sp_mapping_parse(buf, n, &m, diag, sizeof(diag)) != 0)
            fail_msg("%s: %s", files[i], diag);
        sp_mapping_free(&m);
    }
}

/* The officers' file maps the person, never the company's KvK number. */
static void test_functionarissen_has_no_kvk(void **state)
{
    const char *src = getenv("SP_SOURCE_DIR");
    char path[1024], buf[SP_MAPPING_MAX_BYTES];
    (void)state;
    snprintf(path, sizeof(path), "%s/examples/nl-synth/riec-mn/kvk-functionarissen.map",
             src != NULL ? src : ".");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct sp_mapping *m = NULL;
    assert_int_equal(sp_mapping_parse(buf, n, &m, NULL, 0), 0);
    assert_int_equal(sp_mapping_entity(m), SP_ENTITY_PERSON);
    assert_false(sp_mapping_has_field(m, SP_FIELD_KVK));
    assert_true(sp_mapping_has_field(m, SP_FIELD_BIRTH_DATE));
    sp_mapping_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_mapping),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_separators_and_quotes),
        cmocka_unit_test(test_numbered_columns),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_field_names),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_functionarissen_has_no_kvk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
