/*
 * Identity keys: signatures (RFC 8032 test 1 through the key-file text),
 * tampering refused, the CURVE key pair matching libzmq's published test
 * keys, text round trips, and a table of malformed key texts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/identity.h"
#include "crypto/z85.h"
#include "testutil.h"

/* Ed25519 seed of RFC 8032 7.1 TEST 1, and libzmq's test server CURVE
 * secret key ("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6" in Z85). */
#define KAT_TEXT                                                                                   \
    "snijpunt-identity v1\n"                                                                       \
    "sign-seed nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n"                                     \
    "curve-secret jgvdaXYouR2PJFWH7pXFsE1Ilj95JZh3tJzZBjrq07c=\n"

static struct sp_identity *decode_ok(const char *text)
{
    struct sp_identity *id = NULL;

    assert_int_equal(sp_identity_decode(text, strlen(text), &id), 0);
    assert_non_null(id);
    return id;
}

static void test_rfc8032_through_key_text(void **state)
{
    struct sp_identity *id = decode_ok(KAT_TEXT);
    struct sp_identity_public pub;
    uint8_t want_pk[32], want_sig[64], sig[64];
    (void)state;

    tu_hex(want_pk, 32, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    tu_hex(want_sig, 64,
           "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
           "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    sp_identity_public(id, &pub);
    assert_memory_equal(pub.sign_pk, want_pk, 32);
    assert_int_equal(sp_identity_sign(id, sig, NULL, 0), 0);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(sp_signature_verify(pub.sign_pk, sig, NULL, 0), 0);
    sp_identity_free(&id);
}

static void test_zmq_curve_pair(void **state)
{
    struct sp_identity *id = decode_ok(KAT_TEXT);
    char z[SP_CURVE_Z85_CHARS + 1];
    (void)state;

    assert_int_equal(sp_identity_curve_public_z85(id, z), 0);
    assert_string_equal(z, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    assert_int_equal(sp_identity_curve_secret_z85(id, z), 0);
    assert_string_equal(z, "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6");
    sp_identity_free(&id);
}

static void test_sign_verify_and_tamper(void **state)
{
    struct sp_identity *id = NULL, *other = NULL;
    struct sp_identity_public pub, opub;
    uint8_t msg[] = "round 42: proposal digest";
    uint8_t sig[SP_SIGNATURE_BYTES];
    (void)state;

    assert_int_equal(sp_identity_generate(&id), 0);
    assert_int_equal(sp_identity_generate(&other), 0);
    sp_identity_public(id, &pub);
    sp_identity_public(other, &opub);
    assert_memory_not_equal(pub.sign_pk, opub.sign_pk, 32);
    assert_memory_not_equal(pub.curve_pk, opub.curve_pk, 32);
    assert_int_equal(sp_identity_sign(id, sig, msg, sizeof(msg)), 0);
    assert_int_equal(sp_signature_verify(pub.sign_pk, sig, msg, sizeof(msg)), 0);
    /* another key, a changed message, a changed signature: all refused */
    assert_int_equal(sp_signature_verify(opub.sign_pk, sig, msg, sizeof(msg)),
                     SP_ERR_CRYPTO_SIGNATURE);
    msg[0] ^= 1;
    assert_int_equal(sp_signature_verify(pub.sign_pk, sig, msg, sizeof(msg)),
                     SP_ERR_CRYPTO_SIGNATURE);
    msg[0] ^= 1;
    for (size_t bit = 0; bit < 8 * SP_SIGNATURE_BYTES; bit += 37) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(sp_signature_verify(pub.sign_pk, sig, msg, sizeof(msg)),
                         SP_ERR_CRYPTO_SIGNATURE);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(sp_signature_verify(pub.sign_pk, sig, msg, sizeof(msg) - 1),
                     SP_ERR_CRYPTO_SIGNATURE);
    assert_int_equal(sp_identity_sign(id, sig, NULL, 5), SP_ERR_INVALID_ARG);
    sp_identity_free(&id);
    sp_identity_free(&other);
    assert_null(id);
    sp_identity_free(&id);
    sp_identity_free(NULL);
}

static void test_secret_text_round_trip(void **state)
{
    struct sp_identity *id = NULL, *back = NULL;
    struct sp_identity_public a, b;
    char text[SP_IDENTITY_TEXT_MAX_BYTES], again[SP_IDENTITY_TEXT_MAX_BYTES];
    char za[SP_CURVE_Z85_CHARS + 1], zb[SP_CURVE_Z85_CHARS + 1];
    uint8_t sig[SP_SIGNATURE_BYTES];
    size_t len = 0, len2 = 0;
    (void)state;

    assert_int_equal(sp_identity_generate(&id), 0);
    assert_int_equal(sp_identity_encode(id, text, sizeof(text), &len), 0);
    assert_int_equal(len, strlen(text));
    assert_int_equal(strncmp(text, "snijpunt-identity v1\nsign-seed ", 31), 0);
    assert_int_equal(sp_identity_decode(text, len, &back), 0);
    sp_identity_public(id, &a);
    sp_identity_public(back, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(sp_identity_sign(back, sig, (const uint8_t *)"x", 1), 0);
    assert_int_equal(sp_signature_verify(a.sign_pk, sig, (const uint8_t *)"x", 1), 0);
    assert_int_equal(sp_identity_curve_secret_z85(id, za), 0);
    assert_int_equal(sp_identity_curve_secret_z85(back, zb), 0);
    assert_string_equal(za, zb);
    assert_int_equal(sp_identity_encode(back, again, sizeof(again), &len2), 0);
    assert_int_equal(len2, len);
    assert_memory_equal(again, text, len);
    sp_identity_free(&id);
    sp_identity_free(&back);
}

static void test_encode_too_small_is_wiped(void **state)
{
    struct sp_identity *id = decode_ok(KAT_TEXT);
    char text[SP_IDENTITY_TEXT_MAX_BYTES];
    size_t len = 0;
    (void)state;

    memset(text, 'x', sizeof(text));
    assert_int_equal(sp_identity_encode(id, text, 100, &len), SP_ERR_OVERFLOW);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(text[i], 0);
    assert_int_equal(text[100], 'x');
    assert_int_equal(sp_identity_encode(id, text, strlen(KAT_TEXT), &len), SP_ERR_OVERFLOW);
    assert_int_equal(sp_identity_encode(id, text, 0, &len), SP_ERR_INVALID_ARG);
    sp_identity_free(&id);
}

struct bad_secret {
    const char *why;
    const char *text;
    size_t len; /* 0: strlen */
};

#define L_HDR   "snijpunt-identity v1\n"
#define L_SIGN  "sign-seed nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n"
#define L_CURVE "curve-secret jgvdaXYouR2PJFWH7pXFsE1Ilj95JZh3tJzZBjrq07c=\n"

static const struct bad_secret bad_secrets[] = {
    {"empty", "", 0},
    {"header only", L_HDR, 0},
    {"future version", "snijpunt-identity v2\n" L_SIGN L_CURVE, 0},
    {"upper-case header", "SNIJPUNT-IDENTITY V1\n" L_SIGN L_CURVE, 0},
    {"leading space", " " L_HDR L_SIGN L_CURVE, 0},
    {"no final newline",
     L_HDR L_SIGN "curve-secret jgvdaXYouR2PJFWH7pXFsE1Ilj95JZh3tJzZBjrq07c=", 0},
    {"trailing blank line", L_HDR L_SIGN L_CURVE "\n", 0},
    {"CRLF",
     "snijpunt-identity v1\r\nsign-seed nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\r\n"
     "curve-secret jgvdaXYouR2PJFWH7pXFsE1Ilj95JZh3tJzZBjrq07c=\r\n",
     0},
    {"lines swapped", L_HDR L_CURVE L_SIGN, 0},
    {"curve line missing", L_HDR L_SIGN, 0},
    {"label typo", L_HDR "sign-sead nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n" L_CURVE, 0},
    {"two spaces", L_HDR "sign-seed  nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2\n" L_CURVE, 0},
    {"url-safe alphabet", L_HDR "sign-seed nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n" L_CURVE,
     0},
    {"non-canonical last digit",
     L_HDR "sign-seed nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2B=\n" L_CURVE, 0},
    {"padding replaced", L_HDR "sign-seed nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2AA\n" L_CURVE,
     0},
    {"padding dropped, line kept long",
     L_HDR "sign-seed nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\n " L_CURVE, 0},
    {"31-byte seed", L_HDR "sign-seed AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n" L_CURVE, 0},
    {"embedded NUL", L_HDR "sign-seed nWGxne/9WmC6hEr0kuwsxERJ\0Wl7MmkZcDusAxyuf2A=\n" L_CURVE,
     sizeof(L_HDR L_SIGN L_CURVE) - 1},
    {"public text given as secret",
     "snijpunt-public-v1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURpU/Lok6TJJlpMW+2F8hyuwwdH/"
     "FIAEJ8WUy/rPG8LWUg==\n",
     0},
};

static void test_malformed_secret_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_ARRAY_LEN(bad_secrets); i++) {
        const struct bad_secret *c = &bad_secrets[i];
        struct sp_identity *id = NULL;
        size_t len = c->len != 0 ? c->len : strlen(c->text);
        int rc = sp_identity_decode(c->text, len, &id);

        if (rc != SP_ERR_KEYFILE_FORMAT)
            fail_msg("case '%s': got %d", c->why, rc);
        assert_null(id);
    }
    assert_int_equal(sp_identity_decode(NULL, 0, NULL), SP_ERR_INVALID_ARG);
}

#define PUB_KAT                                                                                    \
    "snijpunt-public-v1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURpU/Lok6TJJlpMW+2F8hyuwwdH/"      \
    "FIAEJ8WUy/rPG8LWUg=="

/* The public text of the KAT identity is fixed: RFC 8032's public key and
 * libzmq's server public key, in that order. */
static void test_public_text(void **state)
{
    struct sp_identity *id = decode_ok(KAT_TEXT);
    struct sp_identity_public pub, back;
    char text[SP_IDENTITY_PUBLIC_TEXT_MAX_BYTES];
    size_t len = 0;
    (void)state;

    sp_identity_public(id, &pub);
    assert_int_equal(sp_identity_public_encode(&pub, text, sizeof(text), &len), 0);
    assert_string_equal(text, PUB_KAT "\n");
    assert_int_equal(len, strlen(PUB_KAT) + 1);
    memset(&back, 0, sizeof(back));
    assert_int_equal(sp_identity_public_decode(text, len, &back), 0);
    assert_memory_equal(&back, &pub, sizeof(pub));
    memset(&back, 0, sizeof(back));
    assert_int_equal(sp_identity_public_decode(PUB_KAT, strlen(PUB_KAT), &back), 0);
    assert_memory_equal(&back, &pub, sizeof(pub));
    assert_int_equal(sp_identity_public_encode(&pub, text, strlen(PUB_KAT) + 1, &len),
                     SP_ERR_OVERFLOW);
    sp_identity_free(&id);
}

static const char *const bad_publics[] = {
    "",
    "snijpunt-public-v2:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURpU/Lok6TJJlpMW+2F8hyuwwdH/"
    "FIAEJ8WUy/rPG8LWUg==",
    PUB_KAT "\n\n",
    PUB_KAT " ",
    PUB_KAT "\r\n",
    " " PUB_KAT,
    "snijpunt-public-v1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURpU/Lok6TJJlpMW+2F8hyuwwdH/"
    "FIAEJ8WUy/rPG8LWUg=",
    /* all-zero signing key: a small-order point, never a real key */
    "snijpunt-public-v1:"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    /* signing key bytes all 0xff: not a canonical encoding */
    "snijpunt-public-v1://////////////////////////////////////////9U/Lok6TJJlpMW+2F8hyuwwdH/"
    "FIAEJ8WUy/rPG8LWUg==",
    /* RFC 8032's signing key with small-order CURVE keys: 0, 1, a point of
     * order 8, and p - 1 */
    "snijpunt-public-v1:"
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    "snijpunt-public-v1:"
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    "snijpunt-public-v1:"
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURrg63p8O0G4rhZW4/rxn8Rq2gmN65wysf2GYgUWX0m4AA==",
    "snijpunt-public-v1:"
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURrs////////////////////////////////////////fw==",
};

static void test_malformed_public_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_ARRAY_LEN(bad_publics); i++) {
        struct sp_identity_public pub;
        int rc = sp_identity_public_decode(bad_publics[i], strlen(bad_publics[i]), &pub);

        if (rc != SP_ERR_KEYFILE_FORMAT)
            fail_msg("public case %zu: got %d", i, rc);
    }
}

static void test_curve_public_z85_decodes_back(void **state)
{
    struct sp_identity *id = NULL;
    struct sp_identity_public pub;
    char z[SP_CURVE_Z85_CHARS + 1];
    uint8_t back[32];
    size_t n = 0;
    (void)state;

    assert_int_equal(sp_identity_generate(&id), 0);
    sp_identity_public(id, &pub);
    assert_int_equal(sp_curve_public_z85(pub.curve_pk, z), 0);
    assert_int_equal(strlen(z), SP_CURVE_Z85_CHARS);
    assert_int_equal(sp_z85_decode(back, sizeof(back), &n, z, SP_CURVE_Z85_CHARS), 0);
    assert_memory_equal(back, pub.curve_pk, 32);
    sp_identity_free(&id);
}

/* Rotation keeps the signing key (signatures still verify with it) and
 * gives a new CURVE pair that survives the key file's text. */
static void test_rotate_curve(void **state)
{
    struct sp_identity *id = NULL, *next = NULL, *back = NULL;
    struct sp_identity_public a, b, c;
    char text[SP_IDENTITY_TEXT_MAX_BYTES];
    uint8_t sig[SP_SIGNATURE_BYTES];
    size_t len = 0;
    (void)state;

    assert_int_equal(sp_identity_generate(&id), 0);
    assert_int_equal(sp_identity_rotate_curve(id, &next), 0);
    sp_identity_public(id, &a);
    sp_identity_public(next, &b);
    assert_memory_equal(a.sign_pk, b.sign_pk, sizeof(a.sign_pk));
    assert_memory_not_equal(a.curve_pk, b.curve_pk, sizeof(a.curve_pk));
    assert_int_equal(sp_identity_sign(next, sig, (const uint8_t *)"x", 1), 0);
    assert_int_equal(sp_signature_verify(a.sign_pk, sig, (const uint8_t *)"x", 1), 0);
    assert_int_equal(sp_identity_encode(next, text, sizeof(text), &len), 0);
    assert_int_equal(sp_identity_decode(text, len, &back), 0);
    sp_identity_public(back, &c);
    assert_memory_equal(&b, &c, sizeof(b)); /* the public half matches the new secret */
    assert_int_equal(sp_identity_rotate_curve(NULL, &back), SP_ERR_INVALID_ARG);
    sp_identity_free(&id);
    sp_identity_free(&next);
    sp_identity_free(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_through_key_text),
        cmocka_unit_test(test_zmq_curve_pair),
        cmocka_unit_test(test_sign_verify_and_tamper),
        cmocka_unit_test(test_secret_text_round_trip),
        cmocka_unit_test(test_encode_too_small_is_wiped),
        cmocka_unit_test(test_malformed_secret_text),
        cmocka_unit_test(test_public_text),
        cmocka_unit_test(test_malformed_public_text),
        cmocka_unit_test(test_curve_public_z85_decodes_back),
        cmocka_unit_test(test_rotate_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
