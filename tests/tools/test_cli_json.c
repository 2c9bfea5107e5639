/* The CLI's binding of the JSON writer (common/jsonw.h, tested in
 * tests/common/test_jsonw.c) to a stdio stream: the document ends with a
 * newline, misuse and a failing stream are reported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tools/cli_json.h"

static void test_stream(void **state)
{
    char *text = NULL;
    size_t len = 0;
    struct sp_json j;
    (void)state;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    sp_json_init(&j, f);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "round", "00ff");
    sp_json_arr_open(&j, "n");
    sp_json_uint(&j, NULL, 1);
    sp_json_arr_close(&j);
    sp_json_obj_close(&j);
    assert_int_equal(sp_json_finish(&j), 0);
    assert_string_equal(text, "{\"round\":\"00ff\",\"n\":[1]}\n");
    fclose(f);
    free(text);
}

static void test_misuse(void **state)
{
    char *text = NULL;
    size_t len = 0;
    struct sp_json j;
    (void)state;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    sp_json_init(&j, f);
    sp_json_obj_open(&j, NULL);
    assert_int_equal(sp_json_finish(&j), SP_ERR_STATE);
    fclose(f);
    free(text);
}

static void test_stream_error(void **state)
{
    struct sp_json j;
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    sp_json_init(&j, f);
    sp_json_str(&j, NULL, "x");
    assert_int_equal(sp_json_finish(&j), SP_ERR_IO);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_stream_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
