/*
 * RFC 9380 expand_message_xmd with SHA-512: the Appendix K.3 vectors (also
 * re-derived by tests/crypto/kat_gen.py) and the argument limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/group.h"
#include "testutil.h"

#define QUUX_DST "QUUX-V01-CS02-with-expander-SHA512-256"

struct xmd_vector {
    const char *msg_kind; /* literal, or "q128" / "a512" (built below) */
    size_t len;
    const char *hex;
};

static const struct xmd_vector k3_vectors[] = {
    {"", 0x20, "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"},
    {"abc", 0x20, "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc"},
    {"abcdef0123456789", 0x20, "087e45a86e2939ee8b91100af1583c4938e0f5fc6c9db4b107b83346bc967f58"},
    {"q128", 0x20, "7336234ee9983902440f6bc35b348352013becd88938d2afec44311caf8356b3"},
    {"a512", 0x20, "57b5f7e766d5be68a6bfe1768e3c2b7f1228b3e4b3134956dd73a59b954c66f4"},
    {"", 0x80,
     "41b037d1734a5f8df225dd8c7de38f851efdb45c372887be655212d07251b921b052b62eaed99b46f72f2ef4cc96"
     "bfaf254ebbbec091e1a3b9e4fb5e5b619d2e0c5414800a1d882b62bb5cd1778f098b8eb6cb399d5d9d18f5d5842c"
     "f5d13d7eb00a7cff859b605da678b318bd0e65ebff70bec88c753b159a805d2c89c55961"},
    {"abc", 0x80,
     "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11bdd7732d8b38adb4a0edc26a0cef"
     "4bb45217135456e58fbca1703cd6032cb1347ee720b87972d63fbf232587043ed2901bce7f22610c0419751c0659"
     "22b488431851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1"},
    {"abcdef0123456789", 0x80,
     "3f721f208e6199fe903545abc26c837ce59ac6fa45733f1baaf0222f8b7acb0424814fcb5eecf6c1d38f06e9d0a6"
     "ccfbf85ae612ab8735dfdf9ce84c372a77c8f9e1c1e952c3a61b7567dd0693016af51d2745822663d0c2367e3f4f"
     "0bed827feecc2aaf98c949b5ed0d35c3f1023d64ad1407924288d366ea159f46287e61ac"},
    {"q128", 0x80,
     "b799b045a58c8d2b4334cf54b78260b45eec544f9f2fb5bd12fb603eaee70db7317bf807c406e26373922b7b8920"
     "fa29142703dd52bdf280084fb7ef69da78afdf80b3586395b433dc66cde048a258e476a561e9deba7060af40adf3"
     "0c64249ca7ddea79806ee5beb9a1422949471d267b21bc88e688e4014087a0b592b695ed"},
    {"a512", 0x80,
     "05b0bfef265dcee87654372777b7c44177e2ae4c13a27f103340d9cd11c86cb2426ffcad5bd964080c2aee97f03b"
     "e1ca18e30a1f14e27bc11ebbd650f305269cc9fb1db08bf90bfc79b42a952b46daf810359e7bc36452684784a649"
     "52c343c52e5124cd1f71d474d5197fefc571a92929c9084ffe1112cf5eea5192ebff330b"},
};

/* "q128_" + 128 'q', "a512_" + 512 'a', or the literal itself. */
static size_t build_msg(char *buf, size_t cap, const char *kind)
{
    size_t n;
    char fill;

    if (strcmp(kind, "q128") == 0) {
        n = 128;
        fill = 'q';
    } else if (strcmp(kind, "a512") == 0) {
        n = 512;
        fill = 'a';
    } else {
        size_t len = strlen(kind);
        assert_true(len < cap);
        memcpy(buf, kind, len);
        return len;
    }
    assert_true(n + 5 < cap);
    memcpy(buf, kind, 4);
    buf[4] = '_';
    memset(buf + 5, fill, n);
    return n + 5;
}

static void test_rfc9380_k3_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_ARRAY_LEN(k3_vectors); i++) {
        const struct xmd_vector *v = &k3_vectors[i];
        char msg[600];
        uint8_t want[0x80], got[0x80];
        size_t msg_len = build_msg(msg, sizeof(msg), v->msg_kind);

        tu_hex(want, v->len, v->hex);
        assert_int_equal(sp_expand_message_xmd_sha512(got, v->len, (const uint8_t *)msg, msg_len,
                                                      (const uint8_t *)QUUX_DST, strlen(QUUX_DST)),
                         0);
        assert_memory_equal(got, want, v->len);
    }
}

/* One bit of the DST or the message changes the output. */
static void test_one_bit_changes_output(void **state)
{
    uint8_t dst[] = QUUX_DST;
    uint8_t msg[] = "abc";
    uint8_t a[32], b[32];
    (void)state;

    assert_int_equal(sp_expand_message_xmd_sha512(a, 32, msg, 3, dst, sizeof(dst) - 1), 0);
    dst[0] ^= 1;
    assert_int_equal(sp_expand_message_xmd_sha512(b, 32, msg, 3, dst, sizeof(dst) - 1), 0);
    assert_memory_not_equal(a, b, 32);
    dst[0] ^= 1;
    msg[2] ^= 0x80;
    assert_int_equal(sp_expand_message_xmd_sha512(b, 32, msg, 3, dst, sizeof(dst) - 1), 0);
    assert_memory_not_equal(a, b, 32);
}

/* A longer output is not a prefix extension of a shorter one: the length
 * is bound into b_0. */
static void test_length_is_bound(void **state)
{
    uint8_t a[32], b[64];
    (void)state;

    assert_int_equal(sp_expand_message_xmd_sha512(a, 32, NULL, 0, (const uint8_t *)"D", 1), 0);
    assert_int_equal(sp_expand_message_xmd_sha512(b, 64, NULL, 0, (const uint8_t *)"D", 1), 0);
    assert_memory_not_equal(a, b, 32);
}

struct limit_case {
    size_t out_len;
    size_t dst_len;
    int null_msg_with_len;
    int want;
};

static const struct limit_case limit_cases[] = {
    {32, 0, 0, SP_ERR_CRYPTO_DST},             /* empty DST (RFC 9380: MUST be non-empty) */
    {32, 256, 0, SP_ERR_CRYPTO_DST},           /* longer than 255 */
    {32, 255, 0, 0},                           /* longest accepted */
    {0, 10, 0, SP_ERR_INVALID_ARG},            /* nothing to produce */
    {255 * 64, 10, 0, 0},                      /* ell = 255, the maximum */
    {255 * 64 + 1, 10, 0, SP_ERR_INVALID_ARG}, /* ell = 256 */
    {32, 10, 1, SP_ERR_INVALID_ARG},           /* NULL message with a length */
};

static void test_limits(void **state)
{
    static uint8_t out[255 * 64 + 1];
    uint8_t dst[300];
    (void)state;

    memset(dst, 'D', sizeof(dst));
    for (size_t i = 0; i < TU_ARRAY_LEN(limit_cases); i++) {
        const struct limit_case *c = &limit_cases[i];
        const uint8_t *msg = c->null_msg_with_len ? NULL : (const uint8_t *)"m";

        assert_int_equal(sp_expand_message_xmd_sha512(out, c->out_len, msg, 1, dst, c->dst_len),
                         c->want);
    }
    assert_int_equal(sp_expand_message_xmd_sha512(NULL, 32, NULL, 0, dst, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_expand_message_xmd_sha512(out, 32, NULL, 0, NULL, 1), SP_ERR_CRYPTO_DST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9380_k3_vectors),
        cmocka_unit_test(test_one_bit_changes_output),
        cmocka_unit_test(test_length_is_bound),
        cmocka_unit_test(test_limits),
    };
    if (sp_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
