/* The strict JSON reader of the audit export (audit/json.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "audit/json.h"
#include "common/jsonw.h"

static struct sp_json_tok toks[256];

static int parse(struct sp_json_doc *j, const char *text)
{
    memset(j, 0, sizeof(*j));
    j->tok = toks;
    j->cap = sizeof(toks) / sizeof(toks[0]);
    return sp_json_parse(j, text, strlen(text));
}

static void test_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}",
        "[]",
        " { \"a\" : [1, -2, 0, true, false, null, \"x\"] } \n",
        "{\"a\":{\"b\":{\"c\":[]}}}",
        "\"\\u00e9\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"",
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
        "18446744073709551615",
        "-9223372036854775808",
        "[[[[[[[[]]]]]]]]", /* depth 8 */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct sp_json_doc j;
        if (parse(&j, ok[i]) != 0)
            fail_msg("valid JSON #%zu refused", i);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "{'a':1}",
        "{\"a\" 1}",
        "{a:1}",
        "01",
        "-",
        "1.5",
        "1e3",
        "2E1",
        "123456789012345678901",
        "\"tab\there\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "\"\\u0000\"",
        "\"\xc3\x28\"",
        "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"unterminated",
        "\"esc at end\\\"",
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "[[[[[[[[[]]]]]]]]]", /* depth 9 */
        "{} {}",
        "{}x",
        "tru",
        "nulll",
        "[1 2]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sp_json_doc j;
        if (parse(&j, bad[i]) != SP_ERR_AUDIT_FORMAT)
            fail_msg("invalid JSON #%zu accepted", i);
    }
    /* an embedded NUL is not whitespace */
    struct sp_json_doc j = {.tok = toks, .cap = 256};
    assert_int_equal(sp_json_parse(&j, "{}\0", 3), SP_ERR_AUDIT_FORMAT);
    /* more tokens than room */
    j.cap = 3;
    assert_int_equal(sp_json_parse(&j, "[1,2,3]", 7), SP_ERR_OVERFLOW);
}

static void test_access(void **state)
{
    (void)state;
    struct sp_json_doc j;
    assert_int_equal(parse(&j, "{\"n\":42,\"s\":\"a\\u00e9\",\"o\":{\"k\":[1,2]},\"neg\":-1}"), 0);
    long n = sp_json_get(&j, 0, "n"), s = sp_json_get(&j, 0, "s"), o = sp_json_get(&j, 0, "o");
    assert_true(n > 0 && s > 0 && o > 0);
    assert_int_equal(sp_json_get(&j, 0, "missing"), -1);
    assert_int_equal(sp_json_get(&j, 0, "N"), -1);
    uint64_t v = 0;
    assert_int_equal(sp_json_u64(&j, (size_t)n, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(sp_json_u64(&j, (size_t)sp_json_get(&j, 0, "neg"), &v), SP_ERR_AUDIT_FORMAT);
    assert_int_equal(sp_json_u64(&j, (size_t)s, &v), SP_ERR_AUDIT_FORMAT);
    char buf[8];
    size_t len = 0;
    assert_int_equal(sp_json_string(&j, (size_t)s, buf, sizeof(buf), &len), 0);
    assert_string_equal(buf, "a\xc3\xa9");
    assert_int_equal(len, 3);
    assert_int_equal(sp_json_string(&j, (size_t)s, buf, 3, &len), SP_ERR_OVERFLOW);
    long k = sp_json_get(&j, (size_t)o, "k");
    assert_true(k > 0);
    assert_int_equal(j.tok[k].type, SP_JSON_ARRAY);
    assert_int_equal(j.tok[k].size, 2);
    assert_int_equal(parse(&j, "18446744073709551616"), 0);
    assert_int_equal(sp_json_u64(&j, 0, &v), SP_ERR_AUDIT_FORMAT);
    assert_int_equal(parse(&j, "18446744073709551615"), 0);
    assert_int_equal(sp_json_u64(&j, 0, &v), 0);
    assert_true(v == UINT64_MAX);
}

static void test_equal(void **state)
{
    (void)state;
    static struct sp_json_tok ta[64], tb[64];
    struct {
        const char *a, *b, *path; /* path NULL: equal */
    } cases[] = {
        {"{\"a\":1,\"b\":[\"x\",2]}", " { \"b\" : [ \"x\" , 2 ] , \"a\" : 1 } ", NULL},
        {"\"\\u00e9\"", "\"\xc3\xa9\"", NULL},
        {"{\"a\":1}", "{\"a\":2}", "a"},
        {"{\"a\":1}", "{\"a\":1,\"b\":2}", "b"},
        {"{\"a\":1,\"b\":2}", "{\"a\":1}", "b"},
        {"{\"f\":{\"sent\":{\"bsn\":1}}}", "{\"f\":{\"sent\":{\"bsn\":10}}}", "f.sent.bsn"},
        {"{\"p\":[\"a\",\"b\"]}", "{\"p\":[\"b\",\"a\"]}", "p[0]"},
        {"{\"p\":[\"a\"]}", "{\"p\":[\"a\",\"b\"]}", "p"},
        {"1", "\"1\"", ""},
        {"0", "-0", ""},
        {"true", "false", ""},
        /* keys of any length compare (found by fuzzing) */
        {"{\"k12345678901234567890123456789012345678901234567890123456789012345678901234567890"
         "12345678901234567890123456789012345678901234567890123456789012345678901234567890\":1}",
         "{\"k12345678901234567890123456789012345678901234567890123456789012345678901234567890"
         "12345678901234567890123456789012345678901234567890123456789012345678901234567890\":1}",
         NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sp_json_doc a = {.tok = ta, .cap = 64}, b = {.tok = tb, .cap = 64};
        assert_int_equal(sp_json_parse(&a, cases[i].a, strlen(cases[i].a)), 0);
        assert_int_equal(sp_json_parse(&b, cases[i].b, strlen(cases[i].b)), 0);
        char path[64];
        bool eq = sp_json_equal(&a, 0, &b, 0, path, sizeof(path));
        if (eq != (cases[i].path == NULL))
            fail_msg("case #%zu: equal=%d", i, eq);
        if (!eq)
            assert_string_equal(path, cases[i].path);
    }
}

/* What the tree's one writer (common/jsonw.h) writes, this reader reads
 * back exactly. */
static void test_writer_roundtrip(void **state)
{
    (void)state;
    static const char text[] = "q\"b\\t\tc\x01\xc3\xa9";
    char buf[128], back[32];
    struct sp_json w;
    size_t len = 0;
    uint64_t u = 0;
    sp_json_init_buf(&w, buf, sizeof(buf));
    sp_json_arr_open(&w, NULL);
    sp_json_strn(&w, NULL, text, sizeof(text) - 1);
    sp_json_uint(&w, NULL, UINT64_MAX);
    sp_json_int(&w, NULL, INT64_MIN);
    sp_json_hex(&w, NULL, (const uint8_t *)"\x00\xff\x10", 3);
    sp_json_arr_close(&w);
    assert_int_equal(sp_json_end(&w, &len), 0);
    assert_string_equal(buf, "[\"q\\\"b\\\\t\\tc\\u0001\xc3\xa9\",18446744073709551615,"
                             "-9223372036854775808,\"00ff10\"]");
    assert_int_equal(len, strlen(buf));
    struct sp_json_doc j;
    assert_int_equal(parse(&j, buf), 0);
    assert_int_equal(sp_json_string(&j, 1, back, sizeof(back), &len), 0);
    assert_int_equal(len, sizeof(text) - 1);
    assert_memory_equal(back, text, len);
    assert_int_equal(sp_json_u64(&j, 2, &u), 0);
    assert_true(u == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_writer_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
