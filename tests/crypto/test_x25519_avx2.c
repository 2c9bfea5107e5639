/*
 * The 4-lane AVX2 ladder (crypto/x25519_avx2.c) against libsodium's
 * crypto_scalarmult_curve25519, and sp_blind_batch's two paths against each
 * other:
 * - RFC 7748 5.2: both vectors (the second's u has bit 255 set, which the
 *   ladder masks) in every lane, and the iterated vector at 1 and 1,000
 *   iterations (1,000,000 with SP_TEST_X25519_MILLION=1, about a minute);
 * - agreement on random (scalar, u): 100,000 inputs by default (25,000
 *   calls of four lanes, each lane checked against libsodium: about 4 s
 *   here, nearly all of it libsodium's ladder), SP_TEST_X25519_AGREE=N for
 *   N inputs (4,000,000 take about 3 minutes); 10,000 under the sanitizers,
 *   whose checks make the ladder about ten times slower. u are 32 random bytes, so
 *   bit 255 is set in half of them. Deterministic: input i comes from
 *   libsodium's seeded generator, and a failure names i;
 * - every u >= p (p .. 2^255 - 1), the small-order points, 0 and limbs at
 *   their maximum, with bit 255 clear and set, under edge and random
 *   scalars; where libsodium refuses (all-zero output) the lane is zero;
 * - sp_blind_batch with each ladder forced: batches of 0..13, 31, 64 and
 *   130 elements (tails that are not a multiple of four) give the same
 *   bytes; a bad element (small order, non-canonical, bit 255) at every
 *   position of batches of 1..9 gives the same error, the same bad_index
 *   and the same buffer, byte for byte (blinded before it, untouched from
 *   it on), as does the first of two bad elements;
 * - the dispatch: sp_blind_impl_set's errors, and SNIJPUNT_X25519_PORTABLE
 *   in the environment selects the portable ladder (ctest runs this
 *   program a second time with it set).
 * On a CPU without AVX2 the tests that need it are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/group.h"
#include "crypto/x25519_avx2.h"
#include "testutil.h"

#define LANES SP_X25519_AVX2_LANES

static int g_avx2;

#define NEED_AVX2()                                                                                \
    do {                                                                                           \
        if (!g_avx2)                                                                               \
            skip();                                                                                \
    } while (0)

/* libsodium's answer, or all zeros where it refuses (an input of order
 * dividing 8: X25519's output is zero there). */
static void reference(uint8_t out[32], const uint8_t k[32], const uint8_t u[32])
{
    if (crypto_scalarmult_curve25519(out, k, u) != 0) {
        memset(out, 0, 32);
    }
}

/* Every lane against libsodium; on a mismatch, prints the inputs. */
static void check_lanes(const uint8_t k[32], const uint8_t in[LANES][32], const char *what,
                        unsigned long long index)
{
    uint8_t out[LANES][32], want[32];

    sp_x25519_avx2_scalarmult(out, k, in);
    for (int j = 0; j < LANES; j++) {
        reference(want, k, in[j]);
        if (memcmp(out[j], want, 32) != 0) {
            char kh[65], uh[65];

            sodium_bin2hex(kh, sizeof(kh), k, 32);
            sodium_bin2hex(uh, sizeof(uh), in[j], 32);
            print_error("%s %llu lane %d: k %s u %s\n", what, index, j, kh, uh);
            fail();
        }
    }
}

static void all_lanes(uint8_t in[LANES][32], const uint8_t u[32])
{
    for (int j = 0; j < LANES; j++)
        memcpy(in[j], u, 32);
}

/* RFC 7748 5.2, both single vectors, in every lane; the second's u has bit
 * 255 set (in lanes 0 and 2) and cleared (1 and 3): the same answer. */
static void test_rfc7748_vectors(void **state)
{
    uint8_t k[32], in[LANES][32], out[LANES][32], want[32];
    (void)state;
    NEED_AVX2();

    tu_hex(k, 32, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    tu_hex(in[0], 32, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    all_lanes(in, in[0]);
    tu_hex(want, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    sp_x25519_avx2_scalarmult(out, k, (const uint8_t(*)[32])in);
    for (int j = 0; j < LANES; j++)
        assert_memory_equal(out[j], want, 32);

    tu_hex(k, 32, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
    tu_hex(in[0], 32, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493");
    all_lanes(in, in[0]);
    in[1][31] &= 0x7f;
    in[3][31] &= 0x7f;
    tu_hex(want, 32, "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
    sp_x25519_avx2_scalarmult(out, k, (const uint8_t(*)[32])in);
    for (int j = 0; j < LANES; j++)
        assert_memory_equal(out[j], want, 32);
}

/* RFC 7748 5.2 iterated: k = u = 9; (k, u) = (X25519(k, u), k), the same
 * chain in all four lanes (the scalar is shared); the ladder masks bit 255
 * of u itself. */
static void test_rfc7748_iterated(void **state)
{
    uint8_t k[32] = {9}, u[32] = {9}, in[LANES][32], out[LANES][32], want[32];
    const char *million = getenv("SP_TEST_X25519_MILLION");
    long iterations = million != NULL && strcmp(million, "1") == 0 ? 1000000 : 1000;
    (void)state;
    NEED_AVX2();

    for (long i = 1; i <= iterations; i++) {
        all_lanes(in, u);
        sp_x25519_avx2_scalarmult(out, k, (const uint8_t(*)[32])in);
        for (int j = 1; j < LANES; j++)
            assert_memory_equal(out[j], out[0], 32);
        memcpy(u, k, 32);
        memcpy(k, out[0], 32);
        if (i == 1) {
            tu_hex(want, 32, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
            assert_memory_equal(k, want, 32);
        } else if (i == 1000) {
            tu_hex(want, 32, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
            assert_memory_equal(k, want, 32);
        }
    }
    if (iterations == 1000000) {
        tu_hex(want, 32, "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424");
        assert_memory_equal(k, want, 32);
        print_message("RFC 7748 iterated vector: 1,000,000 iterations agree\n");
    }
}

/* Random (scalar, four u) number i, from libsodium's seeded generator. */
static void random_input(uint8_t k[32], uint8_t in[LANES][32], unsigned long long i)
{
    uint8_t seed[randombytes_SEEDBYTES] = {'s', 'p', 'x', '4'}, buf[32 + LANES * 32];

    for (int b = 0; b < 8; b++)
        seed[8 + b] = (uint8_t)(i >> (8 * b));
    randombytes_buf_deterministic(buf, sizeof(buf), seed);
    memcpy(k, buf, 32);
    memcpy(in, buf + 32, LANES * 32);
}

static void test_random_agreement(void **state)
{
    const char *env = getenv("SP_TEST_X25519_AGREE");
#ifdef SP_SANITIZE
    unsigned long long inputs = 10000, calls;
#else
    unsigned long long inputs = 100000, calls;
#endif
    uint8_t k[32], in[LANES][32];
    (void)state;
    NEED_AVX2();

    if (env != NULL) {
        char *end = NULL;
        inputs = strtoull(env, &end, 10);
        assert_true(end != env && *end == '\0' && inputs > 0);
    }
    calls = (inputs + LANES - 1) / LANES;
    for (unsigned long long i = 0; i < calls; i++) {
        random_input(k, in, i);
        check_lanes(k, (const uint8_t(*)[32])in, "random input", i);
    }
    print_message("%llu random (scalar, u) agree with libsodium\n", calls * LANES);
}

/* p + d for d = 0 .. 18 (every u >= p below 2^255), small-order points,
 * 0, limbs at their maximum, each with bit 255 clear and set. */
static size_t edge_inputs(uint8_t (*u)[32], size_t cap)
{
    static const char *const fixed[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "0900000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
        "ffffff03ffffff01ffffff03ffffff01ffffff03ffffff01ffffff03ffffff01",
        "000000fc000000fe000000fc000000fe000000fc000000fe000000fc000000fe",
    };
    size_t n = 0;

    for (int d = 0; d < 19; d++) {
        memset(u[n], 0xff, 32);
        u[n][0] = (uint8_t)(0xed + d);
        u[n][31] = 0x7f;
        n++;
    }
    for (size_t i = 0; i < TU_ARRAY_LEN(fixed); i++)
        tu_hex(u[n++], 32, fixed[i]);
    for (size_t i = 0, m = n; i < m; i++) {
        memcpy(u[n], u[i], 32);
        u[n++][31] ^= 0x80;
    }
    assert_true(n <= cap);
    return n;
}

static void test_edge_inputs(void **state)
{
    uint8_t u[64][32], k[32], in[LANES][32];
    size_t n = edge_inputs(u, 64);
    (void)state;
    NEED_AVX2();

    for (int s = 0; s < 8; s++) {
        if (s == 0)
            memset(k, 0, 32);
        else if (s == 1)
            memset(k, 0xff, 32);
        else
            random_input(k, in, 1000000000ULL + (unsigned long long)s);
        /* each edge input in every lane position, beside the others */
        for (size_t i = 0; i < n; i++) {
            for (int j = 0; j < LANES; j++)
                memcpy(in[j], u[(i + (size_t)j * 7) % n], 32);
            check_lanes(k, (const uint8_t(*)[32])in, "edge input", i);
        }
    }
}

/* n canonical elements: random, bit 255 cleared (< p but for 19 in 2^255). */
static void good_elements(uint8_t *e, size_t n, unsigned long long tag)
{
    uint8_t seed[randombytes_SEEDBYTES] = {'g', 'o', 'o', 'd'};

    for (int b = 0; b < 8; b++)
        seed[8 + b] = (uint8_t)(tag >> (8 * b));
    randombytes_buf_deterministic(e, n * 32, seed);
    for (size_t i = 0; i < n; i++)
        e[32 * i + 31] &= 0x7f;
}

/* Blinds a copy of e (n elements) with the given ladder into out. */
static int blind_with(int impl, const struct sp_round_key *key, const uint8_t *e, uint8_t *out,
                      size_t n, size_t *bad)
{
    assert_int_equal(sp_blind_impl_set(impl), 0);
    if (n > 0)
        memcpy(out, e, n * 32);
    return sp_blind_batch(key, out, n, bad);
}

static void test_batch_tails(void **state)
{
    static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 31, 64, 130};
    static uint8_t e[130 * 32], a[130 * 32], b[130 * 32];
    struct sp_round_key *key = NULL;
    (void)state;
    NEED_AVX2();

    assert_int_equal(sp_round_key_new(&key), 0);
    for (size_t s = 0; s < TU_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s], bad_a = 99, bad_b = 99;

        good_elements(e, 130, s);
        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        assert_int_equal(blind_with(SP_BLIND_PORTABLE, key, e, a, n, &bad_a), 0);
        assert_int_equal(blind_with(SP_BLIND_AVX2, key, e, b, n, &bad_b), 0);
        assert_memory_equal(a, b, sizeof(a));
        assert_int_equal(bad_a, 99);
        assert_int_equal(bad_b, 99);
    }
    sp_round_key_free(&key);
    assert_int_equal(sp_blind_impl_set(SP_BLIND_AVX2), 0);
}

static const char *const bad_elements[] = {
    "0000000000000000000000000000000000000000000000000000000000000000", /* 0 */
    "0100000000000000000000000000000000000000000000000000000000000000", /* 1 */
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", /* order 8 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p - 1 */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p */
    "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 3 */
    "0900000000000000000000000000000000000000000000000000000000000080", /* 9, bit 255 */
};

/* Both ladders on e (n elements) must fail alike: same code, same
 * bad_index, same bytes everywhere. Returns the bad_index. */
static size_t both_fail_alike(const struct sp_round_key *key, const uint8_t *e, size_t n)
{
    static uint8_t a[16 * 32], b[16 * 32];
    size_t bad_a = 99, bad_b = 98;

    assert_int_equal(blind_with(SP_BLIND_PORTABLE, key, e, a, n, &bad_a), SP_ERR_CRYPTO_POINT);
    assert_int_equal(blind_with(SP_BLIND_AVX2, key, e, b, n, &bad_b), SP_ERR_CRYPTO_POINT);
    assert_int_equal(bad_a, bad_b);
    assert_memory_equal(a, b, n * 32);
    /* blinded before the bad element, untouched from it on */
    assert_memory_equal(a + bad_a * 32, e + bad_a * 32, (n - bad_a) * 32);
    for (size_t i = 0; i < bad_a; i++)
        assert_memory_not_equal(a + i * 32, e + i * 32, 32);
    return bad_a;
}

static void test_bad_index(void **state)
{
    static uint8_t e[16 * 32];
    struct sp_round_key *key = NULL;
    (void)state;
    NEED_AVX2();

    assert_int_equal(sp_round_key_new(&key), 0);
    for (size_t n = 1; n <= 9; n++) {
        for (size_t pos = 0; pos < n; pos++) {
            for (size_t k = 0; k < TU_ARRAY_LEN(bad_elements); k++) {
                good_elements(e, n, 100 * n + pos);
                tu_hex(e + pos * 32, 32, bad_elements[k]);
                assert_int_equal(both_fail_alike(key, e, n), pos);
                /* a second bad one later: the first is reported */
                if (pos + 2 < n) {
                    tu_hex(e + (pos + 2) * 32, 32, bad_elements[(k + 1) % 7]);
                    assert_int_equal(both_fail_alike(key, e, n), pos);
                }
            }
        }
    }
    sp_round_key_free(&key);
    assert_int_equal(sp_blind_impl_set(SP_BLIND_AVX2), 0);
}

static int g_initial_impl;

static void test_dispatch(void **state)
{
    const char *portable = getenv("SNIJPUNT_X25519_PORTABLE");
    (void)state;

    if (!g_avx2 || (portable != NULL && portable[0] != '\0'))
        assert_int_equal(g_initial_impl, SP_BLIND_PORTABLE);
    else
        assert_int_equal(g_initial_impl, SP_BLIND_AVX2);
    assert_int_equal(sp_blind_impl_set(0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_blind_impl_set(3), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_blind_impl_set(SP_BLIND_PORTABLE), 0);
    assert_int_equal(sp_blind_impl(), SP_BLIND_PORTABLE);
    assert_int_equal(sp_blind_impl_set(SP_BLIND_AVX2), g_avx2 ? 0 : SP_ERR_UNSUPPORTED);
    assert_int_equal(sp_blind_impl(), g_avx2 ? SP_BLIND_AVX2 : SP_BLIND_PORTABLE);
    assert_int_equal(sp_blind_impl_set(g_initial_impl), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch),         cmocka_unit_test(test_rfc7748_vectors),
        cmocka_unit_test(test_rfc7748_iterated), cmocka_unit_test(test_random_agreement),
        cmocka_unit_test(test_edge_inputs),      cmocka_unit_test(test_batch_tails),
        cmocka_unit_test(test_bad_index),
    };
    if (sp_crypto_init() != 0)
        return 1;
    g_initial_impl = sp_blind_impl();
    g_avx2 = sp_x25519_avx2_available();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
