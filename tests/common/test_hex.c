/* common/hex.h and common/roundid.h: the tree's one hex codec and round-id text form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/hex.h"
#include "common/roundid.h"

static void test_encode(void **state)
{
    (void)state;
    static const struct {
        uint8_t in[4];
        size_t len;
        const char *hex;
    } cases[] = {
        {{0}, 0, ""},
        {{0x00}, 1, "00"},
        {{0x09, 0x0a}, 2, "090a"},
        {{0xf0, 0x0f, 0x9a, 0xff}, 4, "f00f9aff"},
        {{0xde, 0xad, 0xbe, 0xef}, 4, "deadbeef"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[9];
        memset(out, 'x', sizeof out);
        sp_hex_encode(out, cases[i].in, cases[i].len);
        assert_string_equal(out, cases[i].hex);
    }
    /* every byte value, lower case */
    uint8_t all[256];
    char hex[513], want[3];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    sp_hex_encode(hex, all, sizeof all);
    for (int i = 0; i < 256; i++) {
        want[0] = "0123456789abcdef"[i >> 4];
        want[1] = "0123456789abcdef"[i & 15];
        want[2] = '\0';
        assert_memory_equal(hex + 2 * i, want, 2);
    }
    assert_int_equal(hex[512], '\0');
}

static void test_decode(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_int_equal(sp_hex_decode(out, 4, "DeadBEEF"), 0);
    assert_int_equal(out[0], 0xde);
    assert_int_equal(out[3], 0xef);
    assert_int_equal(sp_hex_decode(out, 0, ""), 0);
    static const char *const bad[] = {
        "deadbee",   /* short */
        "deadbeef0", /* long */
        "deadbeeg",  /* not a digit */
        "dead beef", /* space */
        " deadbee",  /* leading space */
        "0xdeadbe",  /* prefix */
        "",          /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(out, 0x55, sizeof out);
        assert_int_equal(sp_hex_decode(out, 4, bad[i]), SP_ERR_INVALID_ARG);
        for (int k = 0; k < 4; k++)
            assert_int_equal(out[k], 0x55); /* untouched on error */
    }
    assert_int_equal(sp_hex_decode(out, 4, NULL), SP_ERR_INVALID_ARG);
    /* a NUL inside the digits ends the string: short */
    assert_int_equal(sp_hex_decode(out, 2, "de\0d"), SP_ERR_INVALID_ARG);
}

static void test_round_id(void **state)
{
    (void)state;
    uint8_t id[SP_ROUND_ID_BYTES], back[SP_ROUND_ID_BYTES];
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    for (int i = 0; i < SP_ROUND_ID_BYTES; i++)
        id[i] = (uint8_t)(i * 17 + 3);
    sp_round_id_hex(id, hex);
    assert_string_equal(hex, "031425364758697a8b9cadbecfe0f102");
    assert_int_equal(sp_round_id_parse(hex, back), 0);
    assert_memory_equal(id, back, SP_ROUND_ID_BYTES);
    /* upper case is accepted (ids pasted from anywhere); output is lower case */
    assert_int_equal(sp_round_id_parse("031425364758697A8B9CADBECFE0F102", back), 0);
    assert_memory_equal(id, back, SP_ROUND_ID_BYTES);
    static const char *const bad[] = {
        "0314",
        "031425364758697a8b9cadbecfe0f10",   /* 31 digits */
        "031425364758697a8b9cadbecfe0f1020", /* 33 digits */
        "g31425364758697a8b9cadbecfe0f102",  /* not a digit */
        "031425364758697a8b9cadbecfe0f10-",
        "0x1425364758697a8b9cadbecfe0f102",
        "031425364758697a 8b9cadbecfe0f102",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(back, 0x55, sizeof back);
        assert_int_equal(sp_round_id_parse(bad[i], back), SP_ERR_INVALID_ARG);
        for (int k = 0; k < SP_ROUND_ID_BYTES; k++)
            assert_int_equal(back[k], 0x55); /* untouched on error */
    }
    assert_int_equal(sp_round_id_parse(NULL, back), SP_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_round_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
