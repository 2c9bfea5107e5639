/*
 * Z85 against the ZeroMQ RFC 32 example and the CURVE test keys published
 * with libzmq, round trips, and strict refusal of malformed text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/z85.h"
#include "testutil.h"

static void test_rfc32_hello_world(void **state)
{
    static const uint8_t bin[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    uint8_t back[8];
    size_t n = 0;
    (void)state;

    assert_int_equal(sp_z85_encode(text, sizeof(text), bin, sizeof(bin)), 0);
    assert_string_equal(text, "HelloWorld");
    assert_int_equal(sp_z85_decode(back, sizeof(back), &n, "HelloWorld", 10), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(back, bin, 8);
}

/* libzmq's test server public key (tests/testutil_security.cpp). */
static void test_zmq_curve_key(void **state)
{
    uint8_t key[32], back[32];
    char text[41];
    size_t n = 0;
    (void)state;

    tu_hex(key, sizeof(key), "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652");
    assert_int_equal(sp_z85_encode(text, sizeof(text), key, sizeof(key)), 0);
    assert_string_equal(text, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    assert_int_equal(sp_z85_decode(back, sizeof(back), &n, text, 40), 0);
    assert_memory_equal(back, key, 32);
}

/* The whole ZeroMQ RFC 32 alphabet in order, as 17 groups, against bytes
 * computed from the specification by hand (Python): pins the position of
 * every one of the 85 characters, which the other vectors do not reach. */
static void test_whole_alphabet(void **state)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   ".-:+=^!/*?&<>()[]{}@%$#";
    uint8_t want[68], back[68];
    char text[86];
    size_t n = 0;
    (void)state;

    tu_hex(want, sizeof(want),
           "000998620fc799431f859a242f439b053f019be64ebf9cc75e7d9da86e3b9e897df99f6a8db7a04b9d"
           "75a12cad33a20dbcf1a2eeccafa3cfdc6da4b0ec2ba591fbe9a672");
    assert_int_equal(sp_z85_decode(back, sizeof(back), &n, alphabet, 85), 0);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(back, want, sizeof(want));
    assert_int_equal(sp_z85_encode(text, sizeof(text), want, sizeof(want)), 0);
    assert_string_equal(text, alphabet);
}

static void test_round_trip_all_byte_values(void **state)
{
    uint8_t bin[256], back[256];
    char text[321];
    size_t n = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = (uint8_t)(255 - i);
    assert_int_equal(sp_z85_encode(text, sizeof(text), bin, sizeof(bin)), 0);
    assert_int_equal(strlen(text), 320);
    assert_int_equal(sp_z85_decode(back, sizeof(back), &n, text, 320), 0);
    assert_int_equal(n, 256);
    assert_memory_equal(back, bin, 256);
}

struct bad_text {
    const char *text;
    size_t len;
    int want;
};

static const struct bad_text bad_texts[] = {
    {"HelloWorl", 9, SP_ERR_INVALID_ARG},    /* not a multiple of 5 */
    {"Hello World", 11, SP_ERR_INVALID_ARG}, /* space is not Z85 */
    {"Hello\"orld", 10, SP_ERR_INVALID_ARG}, /* '"' is not Z85 */
    {"Hello\0orld", 10, SP_ERR_INVALID_ARG}, /* embedded NUL */
    {"#####", 5, SP_ERR_INVALID_ARG},        /* 85^5 - 1 > 2^32 - 1 */
    {"%nSc1", 5, SP_ERR_INVALID_ARG},        /* 2^32 exactly */
};

static void test_decode_refuses(void **state)
{
    uint8_t out[16];
    size_t n = 77;
    (void)state;

    for (size_t i = 0; i < TU_ARRAY_LEN(bad_texts); i++) {
        memset(out, 0xAA, sizeof(out));
        assert_int_equal(sp_z85_decode(out, sizeof(out), &n, bad_texts[i].text, bad_texts[i].len),
                         bad_texts[i].want);
        assert_int_equal(n, 77);
        for (size_t k = 0; k < sizeof(out); k++)
            assert_int_equal(out[k], 0);
    }
    /* the largest group, 2^32 - 1, is fine */
    assert_int_equal(sp_z85_decode(out, sizeof(out), &n, "%nSc0", 5), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\xff\xff\xff\xff", 4);
    assert_int_equal(sp_z85_decode(out, 3, &n, "%nSc0", 5), SP_ERR_OVERFLOW);
}

static void test_encode_refuses(void **state)
{
    char text[16];
    (void)state;

    assert_int_equal(sp_z85_encode(text, sizeof(text), (const uint8_t *)"abc", 3),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_z85_encode(text, 5, (const uint8_t *)"abcd", 4), SP_ERR_OVERFLOW);
    assert_int_equal(sp_z85_encode(text, 6, (const uint8_t *)"abcd", 4), 0);
    assert_int_equal(sp_z85_encode(NULL, 6, (const uint8_t *)"abcd", 4), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_z85_encode(text, sizeof(text), NULL, 0), 0);
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc32_hello_world), cmocka_unit_test(test_zmq_curve_key),
        cmocka_unit_test(test_whole_alphabet),    cmocka_unit_test(test_round_trip_all_byte_values),
        cmocka_unit_test(test_decode_refuses),    cmocka_unit_test(test_encode_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
