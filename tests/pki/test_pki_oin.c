/* OIN validation (pki/oin.h): the forms in dutch-identifiers.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pki/oin.h"

static const char *const valid[] = {
    "00000001111222333000",                         /* 00000001 + RSIN 111222333 + 000 */
    "00000001123456782000",                         /* RSIN 123456782 */
    "00000001249566758000", "00000003123456780000", /* 00000003 + KvK 12345678 + 0000 */
    "00000003000000010000",                         /* KvK 00000001 */
    "00000002123456789000",                         /* another register: 20 digits ending in 000 */
    "00000006000000001000",
};

static const char *const invalid[] = {
    "",
    "0000000111122233300",   /* 19 digits */
    "000000011112223330000", /* 21 digits */
    "00000001123456789000",  /* RSIN fails the 11-test */
    "00000001111222334000",  /* RSIN fails the 11-test */
    "00000001000000000000",  /* RSIN all zeros */
    "00000001111222333001",  /* wrong suffix */
    "00000001111222333100",
    "00000003123456780001", /* KvK suffix must be 0000 */
    "00000003123456781000",
    "00000003000000000000", /* KvK all zeros */
    "00000000111222333000", /* no register has prefix 0 */
    "00000006000000000000", /* register number all zeros */
    "00000006123456789001", /* other registers end in 000 too */
    "0000000111122233300A",
    "00000001 11222333000",
    "-0000001111222333000",
    "０0000001111222333000", /* full-width digit */
};

static void test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        const char *why = "unset";
        int rc = sp_pki_oin_check(valid[i], strlen(valid[i]), &why);
        if (rc != 0)
            fail_msg("OIN #%zu refused: %s", i, why);
        assert_null(why);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        const char *why = NULL;
        if (sp_pki_oin_check(invalid[i], strlen(invalid[i]), &why) != SP_ERR_PKI_OIN)
            fail_msg("invalid OIN #%zu accepted", i);
        assert_non_null(why);
        assert_null(strstr(why, invalid[i][0] ? invalid[i] : "\x01")); /* never echoes */
    }
}

/* The length is what counts, not a NUL: an embedded NUL or a longer buffer
 * is not an OIN. */
static void test_length_explicit(void **state)
{
    (void)state;
    const char buf[] = "00000001111222333000XYZ";
    assert_int_equal(sp_pki_oin_check(buf, 20, NULL), 0);
    assert_int_equal(sp_pki_oin_check(buf, 21, NULL), SP_ERR_PKI_OIN);
    const char nul[] = "0000000111122233\0"
                       "000";
    assert_int_equal(sp_pki_oin_check(nul, 20, NULL), SP_ERR_PKI_OIN);
    assert_int_equal(sp_pki_oin_check(NULL, 20, NULL), SP_ERR_PKI_OIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_length_explicit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
