/*
 * The project's own hash-to-group: the exact domain separation tags, fixed
 * known answers under them (computed independently by kat_gen.py; they fail
 * when the DST, the expander or the map changes by one bit), determinism,
 * and separation between key types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/keytype.h"
#include "crypto/group.h"
#include "testutil.h"

static void test_dst_exact_strings(void **state)
{
    static const struct {
        int type;
        const char *dst;
    } v[] = {
        {SP_KEY_BSN, "snijpunt-v2-bsn-with-curve25519_XMD:SHA-512_ELL2_RO_"},
        {SP_KEY_INI_ADDR_DOB, "snijpunt-v2-ini_addr_dob-with-curve25519_XMD:SHA-512_ELL2_RO_"},
        {SP_KEY_IBAN, "snijpunt-v2-iban-with-curve25519_XMD:SHA-512_ELL2_RO_"},
    };
    char dst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t len = 0;
    (void)state;

    for (size_t i = 0; i < TU_ARRAY_LEN(v); i++) {
        assert_int_equal(sp_group_dst(dst, sizeof(dst), &len, v[i].type), 0);
        assert_string_equal(dst, v[i].dst);
        assert_int_equal(len, strlen(v[i].dst));
    }
    /* every key type has a tag that names it */
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        char want[SP_GROUP_DST_MAX_BYTES + 1];

        assert_int_equal(sp_group_dst(dst, sizeof(dst), NULL, t), 0);
        snprintf(want, sizeof(want), "snijpunt-v2-%s-with-curve25519_XMD:SHA-512_ELL2_RO_",
                 sp_key_type_name(t));
        assert_string_equal(dst, want);
    }
}

static void test_dst_errors(void **state)
{
    char dst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t len = 7;
    (void)state;

    assert_int_equal(sp_group_dst(dst, sizeof(dst), &len, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_dst(dst, sizeof(dst), &len, SP_KEY_TYPE_MAX + 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_dst(NULL, 10, &len, SP_KEY_BSN), SP_ERR_INVALID_ARG);
    /* one byte short of the tag and its NUL */
    assert_int_equal(sp_group_dst(dst,
                                  strlen("snijpunt-v2-bsn-with-curve25519_XMD:SHA-512_ELL2_RO_"),
                                  &len, SP_KEY_BSN),
                     SP_ERR_OVERFLOW);
    assert_string_equal(dst, "");
    assert_int_equal(len, 7); /* untouched on failure */
}

/* Known answers under the project's DSTs (kat_gen.py, "project-v2" lines). */
static void test_project_known_answers(void **state)
{
    static const struct {
        int type;
        const char *value;
        const char *hex;
    } v[] = {
        {SP_KEY_BSN, "111222333",
         "f919c8b2eaa6038ccf9b394ef7004aa61c5dfeb9dee56507036c240852baee5f"},
        {SP_KEY_BSN, "", "950d883210adfd0800c874ea772c8e94faf3876295bd1a7e7effb397a086b811"},
        {SP_KEY_KVK, "69599084",
         "239f651fec6c7bfba3dc3486f57a79fc561052dbc24076b756c44d892824032c"},
        {SP_KEY_NAME_DOB, "jansen|jan|1980-01-01",
         "1074fbb4885dc90e6e1cd6f764808304b7cc13fd957019a04c814e26e362d76b"},
        {SP_KEY_IBAN, "NL91ABNA0417164300",
         "77507791432b617e4c191e18a5c6ed396afebea4c9881d0d2362d5bb8c386025"},
    };
    (void)state;

    for (size_t i = 0; i < TU_ARRAY_LEN(v); i++) {
        uint8_t got[SP_GROUP_ELEMENT_BYTES], want[SP_GROUP_ELEMENT_BYTES];

        tu_hex(want, sizeof(want), v[i].hex);
        assert_int_equal(
            sp_group_hash(got, v[i].type, (const uint8_t *)v[i].value, strlen(v[i].value)), 0);
        assert_memory_equal(got, want, sizeof(got));
    }
}

static void test_hash_deterministic_and_valid(void **state)
{
    (void)state;
    for (int i = 0; i < 64; i++) {
        char value[32];
        uint8_t a[SP_GROUP_ELEMENT_BYTES], b[SP_GROUP_ELEMENT_BYTES];
        int n = snprintf(value, sizeof(value), "%09d", 100000000 + i * 7919);

        assert_int_equal(sp_group_hash(a, SP_KEY_BSN, (const uint8_t *)value, (size_t)n), 0);
        assert_int_equal(sp_group_hash(b, SP_KEY_BSN, (const uint8_t *)value, (size_t)n), 0);
        assert_memory_equal(a, b, sizeof(a));
        assert_int_equal(sp_group_element_check(a), 0);
    }
}

/* The same value under every key type: as many different elements. */
static void test_domain_separation(void **state)
{
    uint8_t e[SP_KEY_TYPE_MAX + 1][SP_GROUP_ELEMENT_BYTES];
    const uint8_t value[] = "123456782";
    (void)state;

    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        assert_int_equal(sp_group_hash(e[t], t, value, sizeof(value) - 1), 0);
    for (int s = SP_KEY_TYPE_MIN; s <= SP_KEY_TYPE_MAX; s++)
        for (int t = s + 1; t <= SP_KEY_TYPE_MAX; t++)
            assert_memory_not_equal(e[s], e[t], SP_GROUP_ELEMENT_BYTES);
}

/* Values differing in one byte, or by a prefix, hash apart. */
static void test_values_separate(void **state)
{
    uint8_t a[SP_GROUP_ELEMENT_BYTES], b[SP_GROUP_ELEMENT_BYTES], c[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    assert_int_equal(sp_group_hash(a, SP_KEY_BSN, (const uint8_t *)"123456782", 9), 0);
    assert_int_equal(sp_group_hash(b, SP_KEY_BSN, (const uint8_t *)"123456783", 9), 0);
    assert_int_equal(sp_group_hash(c, SP_KEY_BSN, (const uint8_t *)"12345678", 8), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, c, sizeof(a));
}

/* sp_group_hash_many gives what sp_group_hash gives, value by value, across
 * several shared-inversion chunks and with empty values among them. */
static void test_hash_many_matches_single(void **state)
{
    enum { N = 150 };
    static uint8_t vals[N * 16], many[N * SP_GROUP_ELEMENT_BYTES];
    uint32_t offs[N + 1];
    size_t len = 0;
    (void)state;

    for (size_t i = 0; i < N; i++) {
        offs[i] = (uint32_t)len;
        if (i % 17 != 3)
            len += (size_t)snprintf((char *)vals + len, 16, "%09zu", 100000000 + i * 7919);
    }
    offs[N] = (uint32_t)len;
    for (size_t n = 0; n <= N; n += (n < 3 ? 1 : 49)) {
        assert_int_equal(sp_group_hash_many(many, SP_KEY_BSN, vals, offs, n), 0);
        for (size_t i = 0; i < n; i++) {
            uint8_t one[SP_GROUP_ELEMENT_BYTES];

            assert_int_equal(sp_group_hash(one, SP_KEY_BSN, vals + offs[i], offs[i + 1] - offs[i]),
                             0);
            assert_memory_equal(one, many + i * SP_GROUP_ELEMENT_BYTES, sizeof(one));
        }
    }
    /* an offset going backwards, unknown key type, NULL arguments */
    offs[5] = offs[4] - 1;
    assert_int_equal(sp_group_hash_many(many, SP_KEY_BSN, vals, offs, N), SP_ERR_INVALID_ARG);
    offs[5] = offs[4];
    assert_int_equal(sp_group_hash_many(many, 0, vals, offs, 2), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash_many(NULL, SP_KEY_BSN, vals, offs, 2), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash_many(many, SP_KEY_BSN, vals, NULL, 2), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash_many(NULL, SP_KEY_BSN, NULL, NULL, 0), 0);
}

static void test_hash_errors(void **state)
{
    uint8_t e[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    assert_int_equal(sp_group_hash(e, 0, (const uint8_t *)"x", 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash(e, SP_KEY_TYPE_MAX + 1, (const uint8_t *)"x", 1),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash(NULL, SP_KEY_BSN, (const uint8_t *)"x", 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash(e, SP_KEY_BSN, NULL, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_group_hash(e, SP_KEY_BSN, NULL, 0), 0);
    assert_int_equal(sp_group_hash_dst(e, NULL, 0, NULL, 0), SP_ERR_CRYPTO_DST);
    assert_int_equal(sp_group_element_check(NULL), SP_ERR_CRYPTO_POINT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dst_exact_strings),
        cmocka_unit_test(test_dst_errors),
        cmocka_unit_test(test_project_known_answers),
        cmocka_unit_test(test_hash_deterministic_and_valid),
        cmocka_unit_test(test_domain_separation),
        cmocka_unit_test(test_values_separate),
        cmocka_unit_test(test_hash_many_matches_single),
        cmocka_unit_test(test_hash_errors),
    };
    if (sp_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
