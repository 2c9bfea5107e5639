/* The JSON writer of the CLI: commas, nesting, escaping of every string
 * (quotes, backslashes, control characters, bytes that are not UTF-8) and
 * detection of misuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tools/cli_json.h"

struct mem {
    char *buf;
    size_t len;
    FILE *f;
};

static void mem_open(struct mem *m, struct sp_json *j)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
    sp_json_init(j, m->f);
}

static void mem_close(struct mem *m)
{
    fclose(m->f);
    free(m->buf);
}

static void test_document(void **state)
{
    struct sp_json j;
    struct mem m;
    (void)state;
    mem_open(&m, &j);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "file", "a \"b\"\\c");
    sp_json_uint(&j, "n", UINT64_MAX);
    sp_json_int(&j, "neg", -5);
    sp_json_bool(&j, "ok", true);
    sp_json_str(&j, "none", NULL);
    sp_json_arr_open(&j, "rows");
    sp_json_obj_open(&j, NULL);
    sp_json_uint(&j, "line", 17);
    sp_json_obj_close(&j);
    sp_json_uint(&j, NULL, 2);
    sp_json_arr_close(&j);
    sp_json_obj_open(&j, "empty");
    sp_json_obj_close(&j);
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_finish(&j), 0);
    assert_string_equal(m.buf, "{\"file\":\"a \\\"b\\\"\\\\c\",\"n\":18446744073709551615,"
                               "\"neg\":-5,\"ok\":true,\"none\":null,\"rows\":[{\"line\":17},2],"
                               "\"empty\":{}}\n");
    mem_close(&m);
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
        C("nul\0x", "\"nul\\u0000x\""),
        C("\xC3\x96zt\xC3\xBCrk", "\"\xC3\x96zt\xC3\xBCrk\""),
        C("\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xE2\x82\xAC\xF0\x9F\x98\x80\""),
        C("\xD6zt", "\"\\ufffdzt\""),                   /* latin-1 byte */
        C("\xC3", "\"\\ufffd\""),                       /* truncated */
        C("\xED\xA0\x80", "\"\\ufffd\\ufffd\\ufffd\""), /* surrogate */
        C("\xC0\xAF", "\"\\ufffd\\ufffd\""),            /* overlong */
        C("/<>&'", "\"/<>&'\""),
    };
#undef C
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sp_json j;
        struct mem m;
        mem_open(&m, &j);
        sp_json_strn(&j, NULL, cases[i].in, cases[i].len);
        assert_int_equal(sp_json_finish(&j), 0);
        m.buf[m.len - 1] = '\0'; /* drop the final newline */
        if (strcmp(m.buf, cases[i].out) != 0)
            fail_msg("case %zu: got %s want %s", i, m.buf, cases[i].out);
        mem_close(&m);
    }
}

static void test_misuse(void **state)
{
    struct sp_json j;
    struct mem m;
    (void)state;
    /* unclosed */
    mem_open(&m, &j);
    sp_json_obj_open(&j, NULL);
    assert_int_equal(sp_json_finish(&j), SP_ERR_STATE);
    mem_close(&m);
    /* a key inside an array, none inside an object, wrong close */
    mem_open(&m, &j);
    sp_json_arr_open(&j, NULL);
    sp_json_uint(&j, "k", 1);
    sp_json_arr_close(&j);
    assert_int_equal(sp_json_finish(&j), SP_ERR_STATE);
    mem_close(&m);
    mem_open(&m, &j);
    sp_json_obj_open(&j, NULL);
    sp_json_uint(&j, NULL, 1);
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_finish(&j), SP_ERR_STATE);
    mem_close(&m);
    mem_open(&m, &j);
    sp_json_obj_open(&j, NULL);
    sp_json_arr_close(&j);
    assert_int_equal(sp_json_finish(&j), SP_ERR_STATE);
    mem_close(&m);
    /* too deep */
    mem_open(&m, &j);
    for (int i = 0; i < SP_JSON_MAX_DEPTH + 2; i++)
        sp_json_arr_open(&j, NULL);
    for (int i = 0; i < SP_JSON_MAX_DEPTH + 2; i++)
        sp_json_arr_close(&j);
    assert_int_equal(sp_json_finish(&j), SP_ERR_STATE);
    mem_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
