/* common/utf8.h: the tree's one UTF-8 checker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/utf8.h"

struct bytes_case {
    const char *s;
    size_t len;
    int valid;
};
#define B(lit, v)                                                                                  \
    {                                                                                              \
        lit, sizeof(lit) - 1, v                                                                    \
    }

static void test_utf8_valid(void **state)
{
    static const struct bytes_case cases[] = {
        B("", 1),
        B("plain ascii", 1),
        B("\xC3\x96zt\xC3\xBCrk", 1), /* Öztürk */
        B("\xC4\xB1", 1),             /* dotless i U+0131 */
        B("\xE2\x82\xAC", 1),         /* euro U+20AC */
        B("\xEF\xBB\xBF", 1),         /* U+FEFF inside text is valid */
        B("\xF0\x9F\x98\x80", 1),     /* U+1F600 */
        B("\xF4\x8F\xBF\xBF", 1),     /* U+10FFFF */
        B("\xED\x9F\xBF", 1),         /* U+D7FF, just below surrogates */
        B("\xEE\x80\x80", 1),         /* U+E000, just above */
        B("\xC0\x80", 0),             /* overlong NUL */
        B("\xC1\xBF", 0),             /* overlong */
        B("\xE0\x80\x80", 0),         /* overlong */
        B("\xE0\x9F\xBF", 0),         /* overlong */
        B("\xF0\x8F\xBF\xBF", 0),     /* overlong */
        B("\xED\xA0\x80", 0),         /* surrogate U+D800 */
        B("\xED\xBF\xBF", 0),         /* surrogate U+DFFF */
        B("\xF4\x90\x80\x80", 0),     /* above U+10FFFF */
        B("\xF5\x80\x80\x80", 0),
        B("\xFE", 0),
        B("\xFF", 0),
        B("\x80", 0),                     /* lone continuation */
        B("abc\xC3", 0),                  /* truncated at the end */
        B("\xC3(", 0),                    /* bad continuation */
        B("\xE2\x82", 0),                 /* truncated */
        B("\xD6zt\xFCrk", 0),             /* Öztürk in latin-1 */
        B("a\0b", 0),                     /* NUL byte */
        B("0123456789abcdef\xC3\xA9", 1), /* fast path then multibyte */
        B("0123456789abcdef\x80", 0),     /* fast path then invalid */
        B("01234567\0abcdef", 0),         /* NUL inside an 8-byte block */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool v = sp_utf8_valid((const uint8_t *)cases[i].s, cases[i].len);
        if (v != (cases[i].valid != 0))
            fail_msg("case %zu: expected %s", i, cases[i].valid ? "valid" : "invalid");
    }
}

/* Each sequence's length and code point; 0 for what is not a character. */
static void test_seq_len(void **state)
{
    static const struct {
        const char *s;
        size_t avail, len;
        uint32_t cp;
    } cases[] = {
        {"A", 1, 1, 0x41},
        {"", 1, 1, 0}, /* NUL is U+0000, one byte; sp_utf8_valid refuses it */
        {"\x7F", 1, 1, 0x7F},
        {"\xC2\x80", 2, 2, 0x80},
        {"\xDF\xBF", 2, 2, 0x7FF},
        {"\xE0\xA0\x80", 3, 3, 0x800},
        {"\xE2\x82\xAC", 3, 3, 0x20AC},
        {"\xED\x9F\xBF", 3, 3, 0xD7FF},
        {"\xEF\xBF\xBF", 3, 3, 0xFFFF},
        {"\xF0\x90\x80\x80", 4, 4, 0x10000},
        {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
        {"\xC3\xA9", 1, 0, 0},         /* cut by avail */
        {"\xF0\x9F\x98\x80", 3, 0, 0}, /* cut by avail */
        {"A", 0, 0, 0},                /* nothing available */
        {"\xC3", 4, 0, 0},             /* stops at the NUL after it */
        {"\xE2\x82", 4, 0, 0},         /* stops at the NUL after it */
        {"\xC1\xBF", 2, 0, 0},
        {"\xED\xA0\x80", 3, 0, 0},
        {"\xF4\x90\x80\x80", 4, 0, 0},
        {"\xBF", 1, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0xFFFFFFFF;
        size_t n = sp_utf8_seq_len((const uint8_t *)cases[i].s, cases[i].avail, &cp);
        if (n != cases[i].len)
            fail_msg("case %zu: length %zu, expected %zu", i, n, cases[i].len);
        if (n && cp != cases[i].cp)
            fail_msg("case %zu: code point %x, expected %x", i, (unsigned)cp,
                     (unsigned)cases[i].cp);
        assert_int_equal(sp_utf8_seq_len((const uint8_t *)cases[i].s, cases[i].avail, NULL), n);
    }
}

/* Every code point encodes to a sequence the checker reads back, every
 * surrogate is refused. */
static void test_every_code_point(void **state)
{
    (void)state;
    for (uint32_t c = 1; c <= 0x10FFFF; c++) {
        uint8_t b[4];
        size_t n;
        if (c < 0x80) {
            b[0] = (uint8_t)c, n = 1;
        } else if (c < 0x800) {
            b[0] = (uint8_t)(0xC0 | c >> 6), b[1] = (uint8_t)(0x80 | (c & 0x3F)), n = 2;
        } else if (c < 0x10000) {
            b[0] = (uint8_t)(0xE0 | c >> 12), b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
            b[2] = (uint8_t)(0x80 | (c & 0x3F)), n = 3;
        } else {
            b[0] = (uint8_t)(0xF0 | c >> 18), b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
            b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F)), b[3] = (uint8_t)(0x80 | (c & 0x3F)), n = 4;
        }
        uint32_t cp = 0;
        bool surrogate = c >= 0xD800 && c <= 0xDFFF;
        size_t got = sp_utf8_seq_len(b, n, &cp);
        if (surrogate ? got != 0 : got != n || cp != c)
            fail_msg("U+%04X: length %zu", (unsigned)c, got);
        if (sp_utf8_valid(b, n) == surrogate)
            fail_msg("U+%04X: valid is wrong", (unsigned)c);
    }
}

/* The offset of the first bad byte, NUL included, in and after the ASCII
 * fast path. */
static void test_first_invalid(void **state)
{
    uint8_t buf[40];
    (void)state;
    memset(buf, 'a', sizeof buf);
    assert_int_equal(sp_utf8_first_invalid(buf, sizeof buf), sizeof buf);
    assert_int_equal(sp_utf8_first_invalid(buf, 0), 0);
    for (size_t pos = 0; pos < sizeof buf; pos++) {
        static const uint8_t bad[] = {0x00, 0x80, 0xC3, 0xFF};
        for (size_t k = 0; k < sizeof bad; k++) {
            memset(buf, 'a', sizeof buf);
            buf[pos] = bad[k];
            assert_int_equal(sp_utf8_first_invalid(buf, sizeof buf), pos);
        }
        memset(buf, 'a', sizeof buf);
        if (pos + 2 <= sizeof buf) {
            buf[pos] = 0xC3, buf[pos + 1] = 0xA9; /* é anywhere is fine */
            assert_int_equal(sp_utf8_first_invalid(buf, sizeof buf), sizeof buf);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_seq_len),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_first_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
