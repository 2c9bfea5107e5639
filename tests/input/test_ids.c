/*
 * Dutch identifiers (input/ids.h): every valid and invalid value that
 * dutch-identifiers.md lists, plus the export variants seen in real files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "input/derive.h"
#include "input/ids.h"

/* One row: input, expected reason (0 = accepted), expected canonical form. */
struct row {
    const char *in;
    int reason;
    const char *canon;
};

#define OK(in, canon)                                                                              \
    {                                                                                              \
        in, 0, canon                                                                               \
    }
#define NO(in, reason)                                                                             \
    {                                                                                              \
        in, reason, NULL                                                                           \
    }

typedef int (*parse_fn)(const char *text, size_t len, char *out);

static void run_table(const char *name, parse_fn parse, const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[64];
        memset(out, 'x', sizeof(out));
        int rc = parse(rows[i].in, strlen(rows[i].in), out);
        if (rc != rows[i].reason)
            fail_msg("%s(\"%s\"): reason %d, expected %d", name, rows[i].in, rc, rows[i].reason);
        if (rc == 0 && strcmp(out, rows[i].canon) != 0)
            fail_msg("%s(\"%s\"): \"%s\", expected \"%s\"", name, rows[i].in, out, rows[i].canon);
    }
}

#define RUN(parse, rows) run_table(#parse, parse, rows, sizeof(rows) / sizeof(rows[0]))

/* ---- BSN and RSIN ------------------------------------------------------------ */

static const struct row bsn_rows[] = {
    /* dutch-identifiers.md: valid */
    OK("111222333", "111222333"),
    OK("123456782", "123456782"),
    OK("249566758", "249566758"),
    OK("999993653", "999993653"),
    OK("1112.22.333", "111222333"),
    /* dutch-identifiers.md: invalid */
    NO("123456789", SP_REJECT_CHECKSUM),
    NO("111222334", SP_REJECT_CHECKSUM),
    NO("000000000", SP_REJECT_RANGE),
    NO("1234567", SP_REJECT_LENGTH),
    NO("1112223334", SP_REJECT_LENGTH),
    /* separators and the lost leading zero */
    OK(" 111 222 333 ", "111222333"),
    OK("111-222-333", "111222333"),
    OK("89898461", "089898461"),
    OK("93005192", "093005192"),
    NO("89898462", SP_REJECT_CHECKSUM), /* padded, then the 11-test */
    NO("00000000", SP_REJECT_RANGE),
    NO("11122233a", SP_REJECT_FORMAT),
    NO("111/222/333", SP_REJECT_FORMAT),
    NO("", SP_REJECT_LENGTH),
    NO("12345678901234567890", SP_REJECT_LENGTH),
};

static int bsn_plain(const char *t, size_t n, char *out)
{
    return sp_bsn_parse(t, n, false, out);
}

static int bsn_refuse(const char *t, size_t n, char *out)
{
    return sp_bsn_parse(t, n, true, out);
}

static void test_bsn(void **state)
{
    (void)state;
    run_table("bsn", bsn_plain, bsn_rows, sizeof(bsn_rows) / sizeof(bsn_rows[0]));
    /* RSIN: the same test, no test-range policy */
    run_table("rsin", sp_rsin_parse, bsn_rows, sizeof(bsn_rows) / sizeof(bsn_rows[0]));
}

static void test_bsn_test_range(void **state)
{
    static const struct row rows[] = {
        NO("999993653", SP_REJECT_TEST_RANGE), OK("111222333", "111222333"),
        NO("999993654", SP_REJECT_CHECKSUM), /* the checksum is checked first */
    };
    (void)state;
    run_table("bsn(refuse test)", bsn_refuse, rows, sizeof(rows) / sizeof(rows[0]));
    assert_true(sp_bsn_elfproef("111222333"));
    assert_false(sp_bsn_elfproef("111222334"));
}

/* ---- KvK-nummer and vestigingsnummer ---------------------------------------------- */

static void test_kvk(void **state)
{
    static const struct row kvk[] = {
        OK("12345678", "12345678"),
        OK("1234 5678", "12345678"),
        OK("98492260", "98492260"),
        OK("1234567", "01234567"), /* spreadsheet dropped the leading zero */
        NO("123456", SP_REJECT_LENGTH),
        NO("123456789", SP_REJECT_LENGTH),
        NO("00000000", SP_REJECT_RANGE),
        NO("1234567A", SP_REJECT_FORMAT),
        NO("", SP_REJECT_LENGTH),
    };
    static const struct row vest[] = {
        OK("000061695879", "000061695879"),    OK("0000 6169 5879", "000061695879"),
        NO("61695879", SP_REJECT_LENGTH), /* leading zeros are not restored */
        NO("0000616958791", SP_REJECT_LENGTH), NO("000000000000", SP_REJECT_RANGE),
        NO("00006169587X", SP_REJECT_FORMAT),
    };
    (void)state;
    RUN(sp_kvk_parse, kvk);
    RUN(sp_vestiging_parse, vest);
}

/* ---- postcode --------------------------------------------------------------------- */

static void test_postcode(void **state)
{
    static const struct row rows[] = {
        /* dutch-identifiers.md */
        OK("2601 dc", "2601DC"),
        OK("2601DC", "2601DC"),
        OK("NL-2611ET", "2611ET"),
        NO("0123 AB", SP_REJECT_RANGE),
        NO("2611 SS", SP_REJECT_NOT_ISSUED),
        NO("26112 ET", SP_REJECT_LENGTH),
        /* the other letter pairs never issued, and export variants */
        NO("2611 SA", SP_REJECT_NOT_ISSUED),
        NO("2611SD", SP_REJECT_NOT_ISSUED),
        OK("2611 SB", "2611SB"),
        OK(" 1234 ab ", "1234AB"),
        OK("nl 1234 ab", "1234AB"),
        OK("NL1234AB", "1234AB"),
        NO("1234", SP_REJECT_LENGTH),
        NO("12AB34", SP_REJECT_FORMAT),
        NO("1234-AB", SP_REJECT_FORMAT),
        NO("NL\t1234AB", SP_REJECT_FORMAT), /* only a dash or space after "NL" */
        NO("1234\tAB", SP_REJECT_FORMAT),
        NO("1234 \xc3\x84"
           "B",
           SP_REJECT_FORMAT),
        NO("", SP_REJECT_LENGTH),
    };
    (void)state;
    RUN(sp_postcode_parse, rows);
}

/* ---- house number ------------------------------------------------------------------ */

struct house_row {
    const char *in;
    int reason;
    uint32_t number;
    const char *suffix;
};

static void test_house_number(void **state)
{
    static const struct house_row rows[] = {
        /* dutch-identifiers.md's export forms */
        {"12a", 0, 12, "A"},
        {"12 A", 0, 12, "A"},
        {"12-A", 0, 12, "A"},
        {"1A/101", 0, 1, "A101"},
        {"12 II", 0, 12, "II"},
        {"12 bis", 0, 12, "BIS"},
        {"12 hs", 0, 12, "HS"},
        /* more */
        {"12", 0, 12, ""},
        {" 207C ", 0, 207, "C"},
        {"42-hs", 0, 42, "HS"},
        {"99999", 0, 99999, ""},
        {"007", 0, 7, ""},
        {"0", SP_REJECT_RANGE, 0, NULL},
        {"100000", SP_REJECT_RANGE, 0, NULL},
        {"a12", SP_REJECT_FORMAT, 0, NULL},
        {"", SP_REJECT_FORMAT, 0, NULL},
        {"12 #3", SP_REJECT_FORMAT, 0, NULL},
        {"12 abcdefghij", SP_REJECT_LENGTH, 0, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct sp_house h;
        int rc = sp_house_parse(rows[i].in, strlen(rows[i].in), &h);
        if (rc != rows[i].reason)
            fail_msg("house(\"%s\"): reason %d, expected %d", rows[i].in, rc, rows[i].reason);
        if (rc == 0 && (h.number != rows[i].number || strcmp(h.suffix, rows[i].suffix) != 0))
            fail_msg("house(\"%s\"): %u \"%s\"", rows[i].in, h.number, h.suffix);
    }
}

static void test_house_columns(void **state)
{
    struct sp_house h;

    (void)state;
    /* huisnummer 95, huisletter A, toevoeging "II" (BAG columns) */
    assert_int_equal(sp_house_parse("95", 2, &h), 0);
    assert_int_equal(sp_house_letter_add("a", 1, &h), 0);
    assert_int_equal(sp_house_suffix_add("II", 2, &h), 0);
    assert_string_equal(h.suffix, "AII");
    assert_int_equal(h.number, 95);
    assert_int_equal(sp_house_letter_add("AB", 2, &h), SP_REJECT_LENGTH);
    assert_int_equal(sp_house_letter_add("1", 1, &h), SP_REJECT_FORMAT);
    assert_int_equal(sp_house_suffix_add("abcde", 5, &h), SP_REJECT_LENGTH);
    assert_int_equal(sp_house_suffix_add("a#", 2, &h), SP_REJECT_FORMAT);
    assert_string_equal(h.suffix, "AII"); /* unchanged by the rejects... */
}

static void test_street_address(void **state)
{
    static const struct house_row rows[] = {
        {"de Vriesdijk 288", 0, 288, ""},    {"van Damplantsoen 385B", 0, 385, "B"},
        {"Laan 12 a", 0, 12, "A"},           {"2e Helmersstraat 5", 0, 5, ""},
        {"Plein 1944 12 bis", 0, 12, "BIS"}, {"Kerkstraat", SP_REJECT_FORMAT, 0, NULL},
        {"12", SP_REJECT_FORMAT, 0, NULL}, /* no street: not this field's shape */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct sp_house h;
        int rc = sp_street_address_parse(rows[i].in, strlen(rows[i].in), &h);
        if (rc != rows[i].reason)
            fail_msg("street(\"%s\"): reason %d, expected %d", rows[i].in, rc, rows[i].reason);
        if (rc == 0 && (h.number != rows[i].number || strcmp(h.suffix, rows[i].suffix) != 0))
            fail_msg("street(\"%s\"): %u \"%s\"", rows[i].in, h.number, h.suffix);
    }
}

/* ---- kenteken --------------------------------------------------------------------- */

static int kenteken_plain(const char *t, size_t n, char *out)
{
    return sp_kenteken_parse(t, n, out, NULL);
}

static void test_kenteken(void **state)
{
    /* one plate per sidecode, in the sidecode's own notation */
    static const char *const sidecodes[14][2] = {
        {"XB-99-99", "XB9999"}, {"99-99-XB", "9999XB"}, {"99-XB-99", "99XB99"},
        {"XB-99-XB", "XB99XB"}, {"XB-XB-99", "XBXB99"}, {"99-XB-XB", "99XBXB"},
        {"99-XBX-9", "99XBX9"}, {"9-XBX-99", "9XBX99"}, {"XB-999-X", "XB999X"},
        {"X-999-XB", "X999XB"}, {"XBX-99-X", "XBX99X"}, {"X-99-XBX", "X99XBX"},
        {"9-XB-999", "9XB999"}, {"999-XB-9", "999XB9"},
    };
    static const struct row rows[] = {
        /* dutch-identifiers.md */
        OK("vw-85-yn", "VW85YN"),
        OK("VW 85 YN", "VW85YN"),
        OK("vw85yn", "VW85YN"),
        NO("ABC-123", SP_REJECT_FORMAT),
        NO("VW-85-Y", SP_REJECT_LENGTH),
        NO("VW-85-YNN", SP_REJECT_LENGTH),
        /* export variants from politie-mn */
        OK("80-KDH-0", "80KDH0"),
        OK("D 669 GL", "D669GL"),
        OK("b39slh", "B39SLH"),
        NO("123456", SP_REJECT_FORMAT),
        NO("ABCDEF", SP_REJECT_FORMAT),
        NO("VW_85_YN", SP_REJECT_FORMAT),
        OK("VW.85.YN", "VW85YN"),
        NO("VW/85/YN", SP_REJECT_FORMAT),
    };
    (void)state;
    for (int s = 0; s < 14; s++) {
        char out[SP_KENTEKEN_BYTES];
        int code = 0;
        assert_int_equal(sp_kenteken_parse(sidecodes[s][0], strlen(sidecodes[s][0]), out, &code),
                         0);
        assert_string_equal(out, sidecodes[s][1]);
        assert_int_equal(code, s + 1);
    }
    RUN(kenteken_plain, rows);
}

/* ---- IBAN --------------------------------------------------------------------------- */

static void test_iban(void **state)
{
    static const struct row rows[] = {
        /* dutch-identifiers.md */
        OK("NL91ABNA0417164300", "NL91ABNA0417164300"),
        OK("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
        OK("NL20INGB0001234567", "NL20INGB0001234567"),
        NO("NL91ABNA0417164301", SP_REJECT_CHECKSUM),
        /* more */
        OK("nl91abna0417164300", "NL91ABNA0417164300"),
        OK("BE68539007547034", "BE68539007547034"),
        OK("DE89370400440532013000", "DE89370400440532013000"),
        NO("NL91ABNA041716430", SP_REJECT_LENGTH),
        NO("NL91AB1A0417164300", SP_REJECT_FORMAT), /* bank code must be letters */
        NO("XX91ABNA0417164300", SP_REJECT_FORMAT), /* no such country */
        NO("NL9XABNA0417164300", SP_REJECT_FORMAT),
        NO("NL91.ABNA.0417.1643.00", SP_REJECT_FORMAT),
        OK("NL91-ABNA-0417-1643-00", "NL91ABNA0417164300"),
        OK("MT84MALT011000012345MTLCAST001S", "MT84MALT011000012345MTLCAST001S"), /* 31 */
        NO("MT84MALT011000012345MTLCAST001S0000", SP_REJECT_LENGTH),              /* 35 > 34 */
        NO("", SP_REJECT_FORMAT),
    };
    (void)state;
    RUN(sp_iban_parse, rows);
}

/* ---- A-nummer ------------------------------------------------------------------------- */

static void test_anummer(void **state)
{
    static const struct row rows[] = {
        /* dutch-identifiers.md */
        OK("8940402024", "8940402024"),
        OK("1010101025", "1010101025"),
        NO("8940402025", SP_REJECT_CHECKSUM),
        NO("0940402024", SP_REJECT_CHECKSUM),
        NO("1122334455", SP_REJECT_CHECKSUM),
        /* more */
        OK("89 4040 2024", "8940402024"),
        NO("894040202", SP_REJECT_LENGTH),
        NO("89404020241", SP_REJECT_LENGTH),
        NO("894040202A", SP_REJECT_FORMAT),
    };
    (void)state;
    RUN(sp_anummer_parse, rows);
}

/* ---- identifiers of other countries --------------------------------------------------- */

static void test_foreign(void **state)
{
    static const struct row nid[] = {
        OK("5304218", "5304218"), /* FEBRL soc_sec_id */
        OK("530-421-8", "5304218"),     OK("12345", "12345"),
        NO("1234", SP_REJECT_LENGTH),   NO("1234567890123456", SP_REJECT_LENGTH),
        NO("0000000", SP_REJECT_RANGE), NO("53O4218", SP_REJECT_FORMAT),
    };
    static const struct row pc[] = {
        OK("4223", "4223"),
        OK("sw1a 1aa", "SW1A1AA"),
        OK("75-001", "75001"),
        OK("1234567890", "1234567890"),
        NO("75.001", SP_REJECT_FORMAT),
        NO("42", SP_REJECT_LENGTH),
        NO("12345678901", SP_REJECT_LENGTH),
        NO("4223/1", SP_REJECT_FORMAT),
    };
    (void)state;
    RUN(sp_national_id_parse, nid);
    RUN(sp_postal_code_parse, pc);
}

/* A NUL inside the value is no separator: every parser that skips
 * separators refuses it as a character it does not know. */
static void test_embedded_nul(void **state)
{
    static const struct {
        parse_fn parse;
        const char *in;
        size_t len;
    } rows[] = {
        {sp_iban_parse, "NL91\0ABNA0417164300", 19},
        {sp_postal_code_parse,
         "75\0"
         "001",
         6},
        {sp_postcode_parse, "2601\0DC", 7},
        {kenteken_plain, "VW\085YN", 7},
        {sp_anummer_parse,
         "89404\0"
         "02024",
         11},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[64];
        assert_int_equal(rows[i].parse(rows[i].in, rows[i].len, out), SP_REJECT_FORMAT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bsn),
        cmocka_unit_test(test_bsn_test_range),
        cmocka_unit_test(test_kvk),
        cmocka_unit_test(test_postcode),
        cmocka_unit_test(test_house_number),
        cmocka_unit_test(test_house_columns),
        cmocka_unit_test(test_street_address),
        cmocka_unit_test(test_kenteken),
        cmocka_unit_test(test_iban),
        cmocka_unit_test(test_anummer),
        cmocka_unit_test(test_foreign),
        cmocka_unit_test(test_embedded_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
