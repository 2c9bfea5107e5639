/* Encodings: names, UTF-8 validation, ISO-8859-1 / Windows-1252 conversion,
 * byte-order-mark sniffing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/utf8.h"
#include "input/encoding.h"

static void test_names(void **state)
{
    static const struct {
        const char *name;
        int enc;
    } cases[] = {
        {"utf-8", SP_ENC_UTF8},
        {"UTF-8", SP_ENC_UTF8},
        {"utf8", SP_ENC_UTF8},
        {"iso-8859-1", SP_ENC_LATIN1},
        {"ISO-8859-1", SP_ENC_LATIN1},
        {"latin-1", SP_ENC_LATIN1},
        {"latin1", SP_ENC_LATIN1},
        {"windows-1252", SP_ENC_CP1252},
        {"cp1252", SP_ENC_CP1252},
        {"utf-16", 0},
        {"ascii", 0},
        {"", 0},
        {"iso-8859-15", 0},
        {"utf-8 ", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(sp_encoding_from_name(cases[i].name), cases[i].enc);
    assert_int_equal(sp_encoding_from_name(NULL), 0);
    assert_string_equal(sp_encoding_name(SP_ENC_UTF8), "utf-8");
    assert_string_equal(sp_encoding_name(SP_ENC_LATIN1), "iso-8859-1");
    assert_string_equal(sp_encoding_name(SP_ENC_CP1252), "windows-1252");
    assert_null(sp_encoding_name(0));
    assert_null(sp_encoding_name(4));
}

/* An invalid byte at every position of a long ASCII text is found, whichever
 * 8-byte block it falls in. */
static void test_utf8_invalid_anywhere(void **state)
{
    uint8_t buf[64];
    uint8_t out[64];
    size_t out_len = 0, bad = 999;
    (void)state;
    for (size_t pos = 0; pos < sizeof(buf); pos++) {
        memset(buf, 'a', sizeof(buf));
        buf[pos] = 0xFF;
        assert_false(sp_utf8_valid(buf, sizeof(buf)));
        assert_int_equal(
            sp_encoding_to_utf8(SP_ENC_UTF8, buf, sizeof(buf), out, sizeof(out), &out_len, &bad),
            SP_ERR_INPUT_ENCODING);
        assert_int_equal(bad, pos);
        buf[pos] = 0;
        assert_false(sp_utf8_valid(buf, sizeof(buf)));
    }
}

static void check_convert(int enc, const char *in, size_t in_len, const char *want)
{
    uint8_t out[256];
    size_t out_len = 0;
    assert_int_equal(
        sp_encoding_to_utf8(enc, (const uint8_t *)in, in_len, out, sizeof(out), &out_len, NULL), 0);
    assert_int_equal(out_len, strlen(want));
    assert_memory_equal(out, want, out_len);
}

static void test_convert_examples(void **state)
{
    (void)state;
    check_convert(SP_ENC_LATIN1, "\xD6zt\xFCrk", 6, "\xC3\x96zt\xC3\xBCrk");
    check_convert(SP_ENC_LATIN1, "Gabri\xEBl", 7, "Gabri\xC3\xABl");
    check_convert(SP_ENC_LATIN1, "OH\xC9", 3, "OH\xC3\x89");
    check_convert(SP_ENC_LATIN1, "\xFF", 1, "\xC3\xBF");
    check_convert(SP_ENC_LATIN1, "", 0, "");
    check_convert(SP_ENC_CP1252, "\x80 5", 3, "\xE2\x82\xAC 5");
    check_convert(SP_ENC_CP1252,
                  "Ko\x9A"
                  "ick\xFD",
                  7, "Ko\xC5\xA1ick\xC3\xBD");
    check_convert(SP_ENC_CP1252, "\x8A\x9F\x92\x85", 4, "\xC5\xA0\xC5\xB8\xE2\x80\x99\xE2\x80\xA6");
    check_convert(SP_ENC_UTF8, "\xC3\x96zt\xC3\xBCrk", 8, "\xC3\x96zt\xC3\xBCrk");
}

/* Every single byte of both code pages: the code point it must become. */
static uint32_t expected_cp(int enc, unsigned b)
{
    static const uint16_t cp1252[32] = {
        0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
    if (b == 0)
        return 0;
    if (b >= 0x80 && b < 0xA0)
        return enc == SP_ENC_CP1252 ? cp1252[b - 0x80] : 0;
    return b;
}

static uint32_t decode_one(const uint8_t *s, size_t len)
{
    if (len == 1)
        return s[0];
    if (len == 2)
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
}

static void test_convert_every_byte(void **state)
{
    static const int encs[] = {SP_ENC_LATIN1, SP_ENC_CP1252};
    (void)state;
    for (size_t e = 0; e < 2; e++)
        for (unsigned b = 0; b < 256; b++) {
            uint8_t in = (uint8_t)b, out[4];
            size_t out_len = 0, bad = 99;
            int rc = sp_encoding_to_utf8(encs[e], &in, 1, out, sizeof(out), &out_len, &bad);
            uint32_t want = expected_cp(encs[e], b);
            if (want == 0) {
                assert_int_equal(rc, SP_ERR_INPUT_ENCODING);
                assert_int_equal(bad, 0);
                continue;
            }
            assert_int_equal(rc, 0);
            assert_true(sp_utf8_valid(out, out_len));
            assert_int_equal(decode_one(out, out_len), want);
        }
}

static void test_convert_errors(void **state)
{
    uint8_t out[8];
    size_t out_len = 0, bad = 99;
    (void)state;
    /* 0x81 is undefined in Windows-1252; its offset is reported. */
    assert_int_equal(sp_encoding_to_utf8(SP_ENC_CP1252, (const uint8_t *)"ab\x81", 3, out,
                                         sizeof(out), &out_len, &bad),
                     SP_ERR_INPUT_ENCODING);
    assert_int_equal(bad, 2);
    /* Too small an output buffer: the euro sign needs 3 bytes. */
    assert_int_equal(
        sp_encoding_to_utf8(SP_ENC_CP1252, (const uint8_t *)"ab\x80", 3, out, 4, &out_len, NULL),
        SP_ERR_OVERFLOW);
    assert_int_equal(
        sp_encoding_to_utf8(SP_ENC_CP1252, (const uint8_t *)"ab\x80", 3, out, 5, &out_len, NULL),
        0);
    assert_int_equal(out_len, 5);
    assert_int_equal(
        sp_encoding_to_utf8(SP_ENC_UTF8, (const uint8_t *)"abcdef", 6, out, 5, &out_len, NULL),
        SP_ERR_OVERFLOW);
    assert_int_equal(
        sp_encoding_to_utf8(7, (const uint8_t *)"a", 1, out, sizeof(out), &out_len, NULL),
        SP_ERR_INVALID_ARG);
    assert_int_equal(sp_encoding_to_utf8(SP_ENC_UTF8, NULL, 1, out, sizeof(out), &out_len, NULL),
                     SP_ERR_INVALID_ARG);
}

static void test_sniff_bom(void **state)
{
    static const struct {
        const char *s;
        size_t len;
        bool eof;
        int want;
        size_t skip;
    } cases[] = {
        {"\xEF\xBB\xBFid", 5, false, SP_BOM_UTF8, 3},
        {"\xEF\xBB\xBF", 3, true, SP_BOM_UTF8, 3},
        {"\xEF\xBB", 2, false, SP_BOM_NEED_MORE, 0},
        {"\xEF", 1, false, SP_BOM_NEED_MORE, 0},
        {"", 0, false, SP_BOM_NEED_MORE, 0},
        {"", 0, true, SP_BOM_NONE, 0},
        {"\xEF\xBB", 2, true, SP_BOM_NONE, 0},
        {"\xEF\xBBx", 3, false, SP_BOM_NONE, 0},
        {"id,", 3, false, SP_BOM_NONE, 0},
        {"i", 1, false, SP_BOM_NONE, 0},
        {"\xFF\xFEi\0", 4, false, SP_BOM_UTF16LE, 2},
        {"\xFE\xFF\0i", 4, false, SP_BOM_UTF16BE, 2},
        {"\xFF", 1, false, SP_BOM_NEED_MORE, 0},
        {"\xFF", 1, true, SP_BOM_NONE, 0},
        {"\xFFx", 2, false, SP_BOM_NONE, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t skip = 99;
        int got =
            sp_encoding_sniff_bom((const uint8_t *)cases[i].s, cases[i].len, cases[i].eof, &skip);
        if (got != cases[i].want || skip != cases[i].skip)
            fail_msg("case %zu: got %d/%zu, want %d/%zu", i, got, skip, cases[i].want,
                     cases[i].skip);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_utf8_invalid_anywhere),
        cmocka_unit_test(test_convert_examples),
        cmocka_unit_test(test_convert_every_byte),
        cmocka_unit_test(test_convert_errors),
        cmocka_unit_test(test_sniff_bom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
