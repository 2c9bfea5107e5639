#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"

/* Every code has its own sentence and name; unknown codes are still printable. */
static void test_every_code_named(void **state)
{
    (void)state;
#define CHECK(name, value, msg)                                                                    \
    assert_string_equal(sp_strerror(value), msg);                                                  \
    assert_string_equal(sp_errname(value), #name);
    SP_ERR_TABLE(CHECK)
#undef CHECK
    assert_string_equal(sp_strerror(-9999), "unknown error");
    assert_string_equal(sp_errname(12345), "SP_ERR_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_code_named)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
