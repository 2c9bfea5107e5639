/* common/jsonw.h, the tree's one JSON writer: commas, nesting, escaping of
 * every string (quotes, backslashes, control characters, bytes that are not
 * UTF-8), detection of misuse, a full buffer and a failing sink. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/jsonw.h"

static char buf[4096];

static void test_document(void **state)
{
    struct sp_json j;
    size_t len = 0;
    (void)state;
    sp_json_init_buf(&j, buf, sizeof(buf));
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "file", "a \"b\"\\c");
    sp_json_uint(&j, "n", UINT64_MAX);
    sp_json_int(&j, "neg", -5);
    sp_json_int(&j, "min", INT64_MIN);
    sp_json_bool(&j, "ok", true);
    sp_json_bool(&j, "no", false);
    sp_json_str(&j, "none", NULL);
    sp_json_hex(&j, "hex", (const uint8_t *)"\x00\xff\x10", 3);
    sp_json_arr_open(&j, "rows");
    sp_json_obj_open(&j, NULL);
    sp_json_uint(&j, "line", 17);
    sp_json_obj_close(&j);
    sp_json_uint(&j, NULL, 2);
    sp_json_arr_close(&j);
    sp_json_obj_open(&j, "empty");
    sp_json_obj_close(&j);
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_end(&j, &len), 0);
    assert_string_equal(buf, "{\"file\":\"a \\\"b\\\"\\\\c\",\"n\":18446744073709551615,"
                             "\"neg\":-5,\"min\":-9223372036854775808,\"ok\":true,\"no\":false,"
                             "\"none\":null,\"hex\":\"00ff10\",\"rows\":[{\"line\":17},2],"
                             "\"empty\":{}}");
    assert_int_equal(len, strlen(buf));
}

static void test_escaping(void **state)
{
#define C(in, out)                                                                                 \
    {                                                                                              \
        in, sizeof(in) - 1, out                                                                    \
    }
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        C("tab\there\nnl\rcr", "\"tab\\there\\nnl\\rcr\""),
        C("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""),
        C("\b\f", "\"\\u0008\\u000c\""),
        C("nul\0x", "\"nul\\u0000x\""),
        C("\xC3\x96zt\xC3\xBCrk", "\"\xC3\x96zt\xC3\xBCrk\""),
        C("\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xE2\x82\xAC\xF0\x9F\x98\x80\""),
        C("\xC2\x85", "\"\xC2\x85\""),                  /* C1 is UTF-8: copied */
        C("\xD6zt", "\"\\ufffdzt\""),                   /* latin-1 byte */
        C("\xC3", "\"\\ufffd\""),                       /* truncated */
        C("\xC3\"", "\"\\ufffd\\\"\""),                 /* truncated before a quote */
        C("\xED\xA0\x80", "\"\\ufffd\\ufffd\\ufffd\""), /* surrogate */
        C("\xC0\xAF", "\"\\ufffd\\ufffd\""),            /* overlong */
        C("/<>&'", "\"/<>&'\""),
        C("", "\"\""),
    };
#undef C
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sp_json j;
        sp_json_init_buf(&j, buf, sizeof(buf));
        sp_json_strn(&j, NULL, cases[i].in, cases[i].len);
        assert_int_equal(sp_json_end(&j, NULL), 0);
        if (strcmp(buf, cases[i].out) != 0)
            fail_msg("case %zu: got %s want %s", i, buf, cases[i].out);
    }
    /* keys are escaped the same way */
    struct sp_json j;
    sp_json_init_buf(&j, buf, sizeof(buf));
    sp_json_obj_open(&j, NULL);
    sp_json_uint(&j, "a\"\n", 1);
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_end(&j, NULL), 0);
    assert_string_equal(buf, "{\"a\\\"\\n\":1}");
}

static int misuse(void (*steps)(struct sp_json *))
{
    struct sp_json j;
    sp_json_init_buf(&j, buf, sizeof(buf));
    steps(&j);
    return sp_json_end(&j, NULL);
}

static void unclosed(struct sp_json *j)
{
    sp_json_obj_open(j, NULL);
}

static void key_in_array(struct sp_json *j)
{
    sp_json_arr_open(j, NULL);
    sp_json_uint(j, "k", 1);
    sp_json_arr_close(j);
}

static void no_key_in_object(struct sp_json *j)
{
    sp_json_obj_open(j, NULL);
    sp_json_uint(j, NULL, 1);
    sp_json_obj_close(j);
}

static void wrong_close(struct sp_json *j)
{
    sp_json_obj_open(j, NULL);
    sp_json_arr_close(j);
}

static void too_deep(struct sp_json *j)
{
    for (int i = 0; i < SP_JSON_MAX_DEPTH + 2; i++)
        sp_json_arr_open(j, NULL);
    for (int i = 0; i < SP_JSON_MAX_DEPTH + 2; i++)
        sp_json_arr_close(j);
}

static void key_at_top(struct sp_json *j)
{
    sp_json_uint(j, "k", 1);
}

static void test_misuse(void **state)
{
    (void)state;
    assert_int_equal(misuse(unclosed), SP_ERR_STATE);
    assert_int_equal(misuse(key_in_array), SP_ERR_STATE);
    assert_int_equal(misuse(no_key_in_object), SP_ERR_STATE);
    assert_int_equal(misuse(wrong_close), SP_ERR_STATE);
    assert_int_equal(misuse(too_deep), SP_ERR_STATE);
    assert_int_equal(misuse(key_at_top), SP_ERR_STATE);
}

/* A full buffer is sticky and reported, whatever comes after; the NUL
 * needs room too. */
static void test_buffer_full(void **state)
{
    char small[8];
    struct sp_json j;
    size_t len = 99;
    (void)state;
    sp_json_init_buf(&j, small, sizeof(small));
    sp_json_str(&j, NULL, "123456"); /* 8 bytes with the quotes */
    assert_int_equal(sp_json_end(&j, &len), SP_ERR_OVERFLOW);
    assert_int_equal(len, 99);
    sp_json_init_buf(&j, small, sizeof(small));
    sp_json_str(&j, NULL, "12345"); /* 7 bytes and the NUL: fits */
    assert_int_equal(sp_json_end(&j, &len), 0);
    assert_string_equal(small, "\"12345\"");
    sp_json_init_buf(&j, small, sizeof(small));
    sp_json_arr_open(&j, NULL);
    sp_json_str(&j, NULL, "0123456789");
    sp_json_arr_close(&j); /* "]" would fit after the failure: not written */
    assert_int_equal(sp_json_end(&j, NULL), SP_ERR_OVERFLOW);
    sp_json_init_buf(&j, small, 0);
    assert_int_equal(sp_json_end(&j, NULL), SP_ERR_OVERFLOW);
}

struct sink {
    char text[64];
    size_t len, calls_left;
};

static bool to_sink(void *ctx, const char *s, size_t n)
{
    struct sink *k = ctx;
    if (k->calls_left == 0 || n > sizeof(k->text) - 1 - k->len)
        return false;
    k->calls_left--;
    memcpy(k->text + k->len, s, n);
    k->len += n;
    k->text[k->len] = '\0';
    return true;
}

static void test_sink(void **state)
{
    struct sink k = {.calls_left = 1000};
    struct sp_json j;
    (void)state;
    sp_json_init_sink(&j, to_sink, &k);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "a", "b");
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_end(&j, NULL), 0);
    assert_string_equal(k.text, "{\"a\":\"b\"}");
    /* a sink that fails once stops the writer */
    struct sink once = {.calls_left = 2};
    sp_json_init_sink(&j, to_sink, &once);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "a", "b");
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_end(&j, NULL), SP_ERR_IO);
    assert_int_equal(once.calls_left, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document), cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_misuse),   cmocka_unit_test(test_buffer_full),
        cmocka_unit_test(test_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
