/*
 * The internal msgpack layer (proto/wire.h): exact bytes at every integer
 * and length boundary, canonical-form enforcement, UTF-8 and text rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/utf8.h"
#include "proto/wire.h"
#include "support.h"

static const struct {
    bool neg;
    int64_t s;
    uint64_t u;
    const char *hex;
} ints[] = {
    {false, 0, 0, "00"},
    {false, 0, 127, "7f"},
    {false, 0, 128, "cc80"},
    {false, 0, 255, "ccff"},
    {false, 0, 256, "cd0100"},
    {false, 0, 65535, "cdffff"},
    {false, 0, 65536, "ce00010000"},
    {false, 0, UINT32_MAX, "ceffffffff"},
    {false, 0, UINT64_C(1) << 32, "cf0000000100000000"},
    {false, 0, UINT64_MAX, "cfffffffffffffffff"},
    {true, -1, 0, "ff"},
    {true, -32, 0, "e0"},
    {true, -33, 0, "d0df"},
    {true, -128, 0, "d080"},
    {true, -129, 0, "d1ff7f"},
    {true, -32768, 0, "d18000"},
    {true, -32769, 0, "d2ffff7fff"},
    {true, INT32_MIN, 0, "d280000000"},
    {true, (int64_t)INT32_MIN - 1, 0, "d3ffffffff7fffffff"},
    {true, INT64_MIN, 0, "d38000000000000000"},
};

static void test_integers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        uint8_t buf[16], want[16];
        size_t wl = mp_hex(ints[i].hex, want, sizeof(want)), len;
        struct sp_wire_writer w;
        struct sp_wire_reader r;
        uint64_t u;
        int32_t s;
        int err;

        sp_wire_writer_fixed(&w, buf, sizeof(buf));
        if (ints[i].neg)
            sp_wire_put_int(&w, ints[i].s);
        else
            sp_wire_put_uint(&w, ints[i].u);
        assert_int_equal(sp_wire_writer_finish(&w, NULL, &len), 0);
        assert_int_equal(len, wl);
        assert_memory_equal(buf, want, wl);
        sp_wire_reader_init(&r, buf, len);
        err = sp_wire_get_u64(&r, &u);
        assert_int_equal(err, ints[i].neg ? SP_ERR_PROTO_FIELD : 0);
        if (!ints[i].neg)
            assert_true(u == ints[i].u);
        sp_wire_reader_init(&r, buf, len);
        err = sp_wire_get_i32(&r, &s);
        if (ints[i].neg ? ints[i].s >= INT32_MIN : ints[i].u <= INT32_MAX) {
            assert_int_equal(err, 0);
            assert_int_equal(s, ints[i].neg ? ints[i].s : (int64_t)ints[i].u);
        } else {
            assert_int_equal(err, SP_ERR_PROTO_FIELD);
        }
    }
}

/* Non-shortest forms, positives in signed forms and the reserved byte. */
static void test_non_canonical(void **state)
{
    static const struct {
        const char *hex;
        int want;
    } cases[] = {
        {"cc7f", SP_ERR_PROTO_MALFORMED},
        {"cd00ff", SP_ERR_PROTO_MALFORMED},
        {"ce0000ffff", SP_ERR_PROTO_MALFORMED},
        {"cf00000000ffffffff", SP_ERR_PROTO_MALFORMED},
        {"d0e0", SP_ERR_PROTO_MALFORMED},
        {"d001", SP_ERR_PROTO_MALFORMED},
        {"d1ff80", SP_ERR_PROTO_MALFORMED},
        {"d2ffff8000", SP_ERR_PROTO_MALFORMED},
        {"d3ffffffff80000000", SP_ERR_PROTO_MALFORMED},
        {"d30000000000000001", SP_ERR_PROTO_MALFORMED},
        {"c1", SP_ERR_PROTO_MALFORMED},
        {"c0", SP_ERR_PROTO_TYPE},
        {"ca00000000", SP_ERR_PROTO_TYPE},
        {"cd01", SP_ERR_PROTO_TRUNCATED},
        {"", SP_ERR_PROTO_TRUNCATED},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[16];
        size_t len = mp_hex(cases[i].hex, buf, sizeof(buf));
        struct sp_wire_reader r;
        int32_t s;

        sp_wire_reader_init(&r, buf, len);
        if (sp_wire_get_i32(&r, &s) != cases[i].want)
            fail_msg("%s: want %s", cases[i].hex, sp_errname(cases[i].want));
    }
}

/* Lengths at the boundaries of each form, and their non-shortest forms. */
static void test_lengths(void **state)
{
    static const struct {
        const char *hex;
        int str, bin, array;
    } cases[] = {
        {"a0", 0, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"d900", SP_ERR_PROTO_MALFORMED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"d91f", SP_ERR_PROTO_MALFORMED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"da00ff", SP_ERR_PROTO_MALFORMED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"db0000ffff", SP_ERR_PROTO_MALFORMED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"c400", SP_ERR_PROTO_TYPE, 0, SP_ERR_PROTO_TYPE},
        {"c500ff", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_MALFORMED, SP_ERR_PROTO_TYPE},
        {"c60000ffff", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_MALFORMED, SP_ERR_PROTO_TYPE},
        {"90", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE, 0},
        {"dc000f", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_MALFORMED},
        {"dd0000ffff", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_MALFORMED},
        {"db", SP_ERR_PROTO_TRUNCATED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"a1", SP_ERR_PROTO_TRUNCATED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"c401", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TRUNCATED, SP_ERR_PROTO_TYPE},
        {"91", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TRUNCATED},
        {"dbffffffff", SP_ERR_PROTO_OVERSIZED, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE},
        {"c6ffffffff", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_OVERSIZED, SP_ERR_PROTO_TYPE},
        {"ddffffffff", SP_ERR_PROTO_TYPE, SP_ERR_PROTO_TYPE, SP_ERR_PROTO_OVERSIZED},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[16];
        size_t len = mp_hex(cases[i].hex, buf, sizeof(buf)), n;
        struct sp_wire_reader r;
        const char *s;
        const uint8_t *b;
        uint32_t cnt;

        sp_wire_reader_init(&r, buf, len);
        assert_int_equal(sp_wire_get_str(&r, 1000, &s, &n), cases[i].str);
        sp_wire_reader_init(&r, buf, len);
        assert_int_equal(sp_wire_get_bin(&r, 1000, &b, &n), cases[i].bin);
        sp_wire_reader_init(&r, buf, len);
        assert_int_equal(sp_wire_get_array(&r, 1000, &cnt), cases[i].array);
    }
}

/* The writer picks the shortest form at each boundary. */
static void test_length_forms(void **state)
{
    static const struct {
        size_t n;
        const char *str, *bin;
    } cases[] = {
        {0, "a0", "c400"},
        {31, "bf", "c41f"},
        {32, "d920", "c420"},
        {255, "d9ff", "c4ff"},
        {256, "da0100", "c50100"},
        {65535, "daffff", "c5ffff"},
        {65536, "db00010000", "c600010000"},
    };
    uint8_t *buf = malloc(70000), *src = calloc(1, 65536), want[8];

    (void)state;
    assert_non_null(buf);
    assert_non_null(src);
    memset(src, 'x', 65536);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sp_wire_writer w;
        size_t len, wl;

        sp_wire_writer_fixed(&w, buf, 70000);
        sp_wire_put_str(&w, (const char *)src, cases[i].n);
        assert_int_equal(sp_wire_writer_finish(&w, NULL, &len), 0);
        wl = mp_hex(cases[i].str, want, sizeof(want));
        assert_int_equal(len, wl + cases[i].n);
        assert_memory_equal(buf, want, wl);
        sp_wire_writer_fixed(&w, buf, 70000);
        sp_wire_put_bin(&w, src, cases[i].n);
        assert_int_equal(sp_wire_writer_finish(&w, NULL, &len), 0);
        wl = mp_hex(cases[i].bin, want, sizeof(want));
        assert_int_equal(len, wl + cases[i].n);
        assert_memory_equal(buf, want, wl);
    }
    free(src);
    free(buf);
}

static void test_utf8_and_text(void **state)
{
    static const struct {
        const char *s;
        bool utf8, text;
    } cases[] = {
        {"plain", true, true},
        {"tab\there", true, true},
        {"line\nbreak", true, false},
        {"cr\r", true, false},
        {"del\x7f", true, false},
        {"esc\x1b[31m", true, false},
        {"caf\xc3\xa9", true, true},
        {"\xe2\x82\xac", true, true},       /* U+20AC */
        {"\xf0\x9f\x99\x82", true, true},   /* U+1F642 */
        {"\xf4\x8f\xbf\xbf", true, true},   /* U+10FFFF */
        {"\xf4\x90\x80\x80", false, false}, /* U+110000 */
        {"\xc0\xaf", false, false},         /* overlong */
        {"\xe0\x80\xaf", false, false},     /* overlong */
        {"\xed\xa0\x80", false, false},     /* surrogate */
        {"\xed\xbf\xbf", false, false},     /* last surrogate */
        {"\xed\x9f\xbf", true, true},       /* U+D7FF, just below */
        {"\xee\x80\x80", true, true},       /* U+E000, just above */
        {"\xc3", false, false},             /* cut */
        {"\x80", false, false},             /* lone continuation */
        {"\xf8\x88\x80\x80\x80", false, false},
        {"\xef\xbb\xbf", true, true}, /* BOM is a character like any other */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = strlen(cases[i].s);
        if (sp_utf8_valid((const uint8_t *)cases[i].s, n) != cases[i].utf8 ||
            sp_wire_text_valid(cases[i].s, n) != cases[i].text)
            fail_msg("case %zu", i);
    }
}

static void test_growable_writer(void **state)
{
    struct sp_wire_writer w;
    uint8_t *out = NULL, big[300];
    size_t len;

    (void)state;
    memset(big, 7, sizeof(big));
    sp_wire_writer_growable(&w, 1000);
    for (int i = 0; i < 3; i++)
        sp_wire_put_bin(&w, big, sizeof(big));
    assert_int_equal(sp_wire_writer_finish(&w, &out, &len), 0);
    assert_int_equal(len, 3 * (3 + sizeof(big)));
    free(out);
    out = NULL;
    sp_wire_writer_growable(&w, 600);
    for (int i = 0; i < 3; i++)
        sp_wire_put_bin(&w, big, sizeof(big));
    assert_int_equal(sp_wire_writer_finish(&w, &out, &len), SP_ERR_PROTO_OVERSIZED);
    assert_null(out);
}

/* A NULL input is empty input for every decoder, never a pointer offset. */
static void test_null_input(void **state)
{
    struct sp_wire_reader r;
    struct sp_peer_msg m;
    struct sp_proposal p;
    struct sp_ctl_request q;
    struct sp_ctl_reply rep;
    uint64_t u;

    (void)state;
    sp_wire_reader_init(&r, NULL, 5);
    assert_int_equal(sp_wire_get_u64(&r, &u), SP_ERR_PROTO_TRUNCATED);
    assert_int_equal(sp_wire_end(&r), 0);
    assert_int_equal(sp_peer_decode(NULL, 0, &m), SP_ERR_PROTO_TRUNCATED);
    assert_int_equal(sp_proposal_decode(NULL, 0, &p), SP_ERR_PROTO_TRUNCATED);
    assert_int_equal(sp_ctl_request_decode(NULL, 0, &q), SP_ERR_PROTO_TRUNCATED);
    assert_int_equal(sp_ctl_reply_decode(NULL, 0, &rep), SP_ERR_PROTO_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),      cmocka_unit_test(test_non_canonical),
        cmocka_unit_test(test_lengths),       cmocka_unit_test(test_length_forms),
        cmocka_unit_test(test_utf8_and_text), cmocka_unit_test(test_growable_writer),
        cmocka_unit_test(test_null_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
