/*
 * The X25519 group against published vectors: RFC 9380 appendix J.4.1 and
 * J.4.2 (curve25519_XMD:SHA-512_ELL2_RO_ and _NU_: the map outputs Q0, Q1, Q
 * and the u-coordinate of P, end to end through sp_group_hash_dst and
 * sp_group_encode_nu_dst), RFC 7748 section 5.2 (the ladder, single and
 * iterated) and 6.1 (Diffie-Hellman) through sp_blind_batch, and the
 * refusal of small-order, non-canonical and (by sp_group_element_check)
 * twist inputs. kat_gen.py re-derives the RFC 9380 vectors independently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/keytype.h"
#include "crypto/curve25519.h"
#include "crypto/group.h"
#include "testutil.h"

/* The RFCs print field elements big-endian; X25519 encodes little-endian. */
static void be_hex(uint8_t out[32], const char *hex)
{
    uint8_t t[32];

    tu_hex(t, sizeof(t), hex);
    for (int i = 0; i < 32; i++)
        out[i] = t[31 - i];
}

#define Q128                                                                                       \
    "q128_"                                                                                        \
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq" \
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
#define A8   "aaaaaaaa"
#define A64  A8 A8 A8 A8 A8 A8 A8 A8
#define A512 "a512_" A64 A64 A64 A64 A64 A64 A64 A64

struct ro_vector {
    const char *msg, *px, *u0, *u1, *q0x, *q0y, *q1x, *q1y;
};

/* RFC 9380 J.4.1 */
static const struct ro_vector ro[] = {
    {"", "2de3780abb67e861289f5749d16d3e217ffa722192d16bbd9d1bfb9d112b98c0",
     "005fe8a7b8fef0a16c105e6cadf5a6740b3365e18692a9c05bfbb4d97f645a6a",
     "1347edbec6a2b5d8c02e058819819bee177077c9d10a4ce165aab0fd0252261a",
     "36b4df0c864c64707cbf6cf36e9ee2c09a6cb93b28313c169be29561bb904f98",
     "6cd59d664fb58c66c892883cd0eb792e52055284dac3907dd756b45d15c3983d",
     "3fa114783a505c0b2b2fbeef0102853c0b494e7757f2a089d0daae7ed9a0db2b",
     "76c0fe7fec932aaafb8eefb42d9cbb32eb931158f469ff3050af15cfdbbeff94"},
    {"abc", "2b4419f1f2d48f5872de692b0aca72cc7b0a60915dd70bde432e826b6abc526d",
     "49bed021c7a3748f09fa8cdfcac044089f7829d3531066ac9e74e0994e05bc7d",
     "5c36525b663e63389d886105cee7ed712325d5a97e60e140aba7e2ce5ae851b6",
     "16b3d86e056b7970fa00165f6f48d90b619ad618791661b7b5e1ec78be10eac1",
     "4ab256422d84c5120b278cbdfc4e1facc5baadffeccecf8ee9bf3946106d50ca",
     "7ec29ddbf34539c40adfa98fcb39ec36368f47f30e8f888cc7e86f4d46e0c264",
     "10d1abc1cae2d34c06e247f2141ba897657fb39f1080d54f09ce0af128067c74"},
    {"abcdef0123456789", "68ca1ea5a6acf4e9956daa101709b1eee6c1bb0df1de3b90d4602382a104c036",
     "6412b7485ba26d3d1b6c290a8e1435b2959f03721874939b21782df17323d160",
     "24c7b46c1c6d9a21d32f5707be1380ab82db1054fde82865d5c9e3d968f287b2",
     "71de3dadfe268872326c35ac512164850860567aea0e7325e6b91a98f86533ad",
     "26a08b6e9a18084c56f2147bf515414b9b63f1522e1b6c5649f7d4b0324296ec",
     "5704069021f61e41779e2ba6b932268316d6d2a6f064f997a22fef16d1eaeaca",
     "50483c7540f64fb4497619c050f2c7fe55454ec0f0e79870bb44302e34232210"},
    {Q128, "096e9c8bae6c06b554c1ee69383bb0e82267e064236b3a30608d4ed20b73ac5a",
     "5e123990f11bbb5586613ffabdb58d47f64bb5f2fa115f8ea8df0188e0c9e1b5",
     "5e8553eb00438a0bb1e7faa59dec6d8087f9c8011e5fb8ed9df31cb6c0d4ac19",
     "7a94d45a198fb5daa381f45f2619ab279744efdd8bd8ed587fc5b65d6cea1df0",
     "67d44f85d376e64bb7d713585230cdbfafc8e2676f7568e0b6ee59361116a6e1",
     "30506fb7a32136694abd61b6113770270debe593027a968a01f271e146e60c18",
     "7eeee0e706b40c6b5174e551426a67f975ad5a977ee2f01e8e20a6d612458c3b"},
    {A512, "1bc61845a138e912f047b5e70ba9606ba2a447a4dade024c8ef3dd42b7bbc5fe",
     "20f481e85da7a3bf60ac0fb11ed1d0558fc6f941b3ac5469aa8b56ec883d6d7d",
     "017d57fd257e9a78913999a23b52ca988157a81b09c5442501d07fed20869465",
     "02d606e2699b918ee36f2818f2bc5013e437e673c9f9b9cdc15fd0c5ee913970",
     "29e9dc92297231ef211245db9e31767996c5625dfbf92e1c8107ef887365de1e",
     "38920e9b988d1ab7449c0fa9a6058192c0c797bb3d42ac345724341a1aa98745",
     "24dcc1be7c4d591d307e89049fd2ed30aae8911245a9d8554bf6032e5aa40d3d"},
};

struct nu_vector {
    const char *msg, *px, *u0, *qx, *qy;
};

/* RFC 9380 J.4.2 */
static const struct nu_vector nu[] = {
    {"", "1bb913f0c9daefa0b3375378ffa534bda5526c97391952a7789eb976edfe4d08",
     "608d892b641f0328523802a6603427c26e55e6f27e71a91a478148d45b5093cd",
     "51125222da5e763d97f3c10fcc92ea6860b9ccbbd2eb1285728f566721c1e65b",
     "343d2204f812d3dfc5304a5808c6c0d81a903a5d228b342442aa3c9ba5520a3d"},
    {"abc", "7c22950b7d900fa866334262fcaea47a441a578df43b894b4625c9b450f9a026",
     "46f5b22494bfeaa7f232cc8d054be68561af50230234d7d1d63d1d9abeca8da5",
     "7d56d1e08cb0ccb92baf069c18c49bb5a0dcd927eff8dcf75ca921ef7f3e6eeb",
     "404d9a7dc25c9c05c44ab9a94590e7c3fe2dcec74533a0b24b188a5d5dacf429"},
    {"abcdef0123456789", "31ad08a8b0deeb2a4d8b0206ca25f567ab4e042746f792f4b7973f3ae2096c52",
     "235fe40c443766ce7e18111c33862d66c3b33267efa50d50f9e8e5d252a40aaa",
     "3fbe66b9c9883d79e8407150e7c2a1c8680bee496c62fabe4619a72b3cabe90f",
     "08ec476147c9a0a3ff312d303dbbd076abb7551e5fce82b48ab14b433f8d0a7b"},
    {Q128, "027877759d155b1997d0d84683a313eb78bdb493271d935b622900459d52ceaa",
     "001e92a544463bda9bd04ddbe3d6eed248f82de32f522669efc5ddce95f46f5b",
     "227e0bb89de700385d19ec40e857db6e6a3e634b1c32962f370d26f84ff19683",
     "5f86ff3851d262727326a32c1bf7655a03665830fa7f1b8b1e5a09d85bc66e4a"},
    {A512, "5fd892c0958d1a75f54c3182a18d286efab784e774d1e017ba2fb252998b5dc1",
     "1a68a1af9f663592291af987203393f707305c7bac9c8d63d6a729bdc553dc19",
     "3bcd651ee54d5f7b6013898aab251ee8ecc0688166fce6e9548d38472f6bd196",
     "1bb36ad9197299f111b4ef21271c41f4b7ecf5543db8bb5931307ebdb2eaa465"},
};

static void check_map(const char *u_hex, const char *x_hex, const char *y_hex)
{
    uint8_t u[32], x[32], y[32], wx[32], wy[32];

    be_hex(u, u_hex);
    be_hex(wx, x_hex);
    be_hex(wy, y_hex);
    sp_x25519_map_to_curve(x, y, u);
    assert_memory_equal(x, wx, 32);
    assert_memory_equal(y, wy, 32);
}

static void test_rfc9380_ro(void **state)
{
    static const uint8_t dst[] = "QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_RO_";
    (void)state;

    for (size_t i = 0; i < TU_ARRAY_LEN(ro); i++) {
        uint8_t uniform[96], u[32], want[32], got[32];

        assert_int_equal(sp_expand_message_xmd_sha512(uniform, sizeof(uniform),
                                                      (const uint8_t *)ro[i].msg, strlen(ro[i].msg),
                                                      dst, sizeof(dst) - 1),
                         0);
        sp_x25519_field_from_uniform(u, uniform);
        be_hex(want, ro[i].u0);
        assert_memory_equal(u, want, 32);
        sp_x25519_field_from_uniform(u, uniform + 48);
        be_hex(want, ro[i].u1);
        assert_memory_equal(u, want, 32);
        check_map(ro[i].u0, ro[i].q0x, ro[i].q0y);
        check_map(ro[i].u1, ro[i].q1x, ro[i].q1y);
        assert_int_equal(sp_group_hash_dst(got, dst, sizeof(dst) - 1, (const uint8_t *)ro[i].msg,
                                           strlen(ro[i].msg)),
                         0);
        be_hex(want, ro[i].px);
        assert_memory_equal(got, want, 32);
        assert_int_equal(sp_group_element_check(got), 0);
    }
}

static void test_rfc9380_nu(void **state)
{
    static const uint8_t dst[] = "QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_NU_";
    (void)state;

    for (size_t i = 0; i < TU_ARRAY_LEN(nu); i++) {
        uint8_t uniform[48], u[32], want[32], got[32];

        assert_int_equal(sp_expand_message_xmd_sha512(uniform, sizeof(uniform),
                                                      (const uint8_t *)nu[i].msg, strlen(nu[i].msg),
                                                      dst, sizeof(dst) - 1),
                         0);
        sp_x25519_field_from_uniform(u, uniform);
        be_hex(want, nu[i].u0);
        assert_memory_equal(u, want, 32);
        check_map(nu[i].u0, nu[i].qx, nu[i].qy);
        assert_int_equal(sp_group_encode_nu_dst(got, dst, sizeof(dst) - 1,
                                                (const uint8_t *)nu[i].msg, strlen(nu[i].msg)),
                         0);
        be_hex(want, nu[i].px);
        assert_memory_equal(got, want, 32);
        assert_int_equal(sp_group_element_check(got), 0);
    }
}

static void blind_hex(const char *k_hex, uint8_t u[32])
{
    uint8_t k[32];
    struct sp_round_key *key = NULL;

    tu_hex(k, sizeof(k), k_hex);
    assert_int_equal(sp_round_key_from_scalar(&key, k), 0);
    assert_int_equal(sp_blind_batch(key, u, 1, NULL), 0);
    sp_round_key_free(&key);
}

/* RFC 7748 5.2: two single vectors (the second's u has bit 255 set, which
 * X25519 masks and we refuse: masked by hand it gives the RFC's answer). */
static void test_rfc7748_vectors(void **state)
{
    uint8_t u[32], want[32];
    struct sp_round_key *key = NULL;
    size_t bad = 9;
    (void)state;

    tu_hex(u, 32, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    blind_hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", u);
    tu_hex(want, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    assert_memory_equal(u, want, 32);

    tu_hex(u, 32, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493");
    tu_hex(want, 32, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
    assert_int_equal(sp_round_key_from_scalar(&key, want), 0);
    assert_int_equal(sp_blind_batch(key, u, 1, &bad), SP_ERR_CRYPTO_POINT);
    assert_int_equal(bad, 0);
    sp_round_key_free(&key);
    tu_hex(u, 32, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a413");
    blind_hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d", u);
    tu_hex(want, 32, "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
    assert_memory_equal(u, want, 32);
}

/* RFC 7748 5.2 iterated: k = u = 9; (k, u) = (X25519(k, u), k). The u fed
 * in is the previous scalar with bit 255 masked, as X25519 does. */
static void test_rfc7748_iterated(void **state)
{
    uint8_t k[32] = {9}, u[32] = {9}, r[32], want[32];
    (void)state;

    for (int i = 1; i <= 1000; i++) {
        struct sp_round_key *key = NULL;

        memcpy(r, u, 32);
        r[31] &= 0x7f;
        assert_int_equal(sp_round_key_from_scalar(&key, k), 0);
        assert_int_equal(sp_blind_batch(key, r, 1, NULL), 0);
        sp_round_key_free(&key);
        memcpy(u, k, 32);
        memcpy(k, r, 32);
        if (i == 1) {
            tu_hex(want, 32, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
            assert_memory_equal(k, want, 32);
        }
    }
    tu_hex(want, 32, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
    assert_memory_equal(k, want, 32);
}

/* RFC 7748 6.1: both public keys from the base point u = 9, and the shared
 * secret reached in both orders (the commutativity the protocol uses). */
static void test_rfc7748_dh(void **state)
{
    static const char *a = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    static const char *b = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    uint8_t pa[32] = {9}, pb[32] = {9}, want[32];
    (void)state;

    blind_hex(a, pa);
    tu_hex(want, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    assert_memory_equal(pa, want, 32);
    blind_hex(b, pb);
    tu_hex(want, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    assert_memory_equal(pb, want, 32);
    blind_hex(a, pb);
    blind_hex(b, pa);
    tu_hex(want, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert_memory_equal(pa, want, 32);
    assert_memory_equal(pb, want, 32);
}

/* Points of order 1, 2, 4 and 8 on the curve and the twist, and their
 * non-canonical aliases u + p (where u + p < 2^255). */
static const char *const small_order[] = {
    "0000000000000000000000000000000000000000000000000000000000000000", /* 0 */
    "0100000000000000000000000000000000000000000000000000000000000000", /* 1 */
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", /* order 8 */
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", /* order 8 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p - 1 */
};
static const char *const non_canonical[] = {
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p */
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 */
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* 2^255 - 1 */
    "0900000000000000000000000000000000000000000000000000000000000080", /* 9, bit 255 */
    "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880", /* order 8 + p */
};

static void test_bad_inputs_refused(void **state)
{
    struct sp_round_key *key = NULL;
    uint8_t batch[4 * 32], e[32];
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    for (size_t k = 0; k < TU_ARRAY_LEN(small_order) + TU_ARRAY_LEN(non_canonical); k++) {
        const char *hex = k < TU_ARRAY_LEN(small_order)
                              ? small_order[k]
                              : non_canonical[k - TU_ARRAY_LEN(small_order)];
        size_t bad = 99;

        tu_hex(e, 32, hex);
        assert_int_equal(sp_group_element_check(e), SP_ERR_CRYPTO_POINT);
        if (k < TU_ARRAY_LEN(small_order))
            assert_true(sp_x25519_is_small_order(e));
        /* third of four in a batch of good elements */
        for (int i = 0; i < 4; i++) {
            assert_int_equal(sp_group_hash(batch + i * 32, SP_KEY_BSN, (const uint8_t *)"12345", 5),
                             0);
        }
        memcpy(batch + 2 * 32, e, 32);
        assert_int_equal(sp_blind_batch(key, batch, 4, &bad), SP_ERR_CRYPTO_POINT);
        assert_int_equal(bad, 2);
    }
    sp_round_key_free(&key);
}

/* u = 2 is on the twist (8 + 4A + 2 is not a square mod p) and of large
 * order: sp_blind_batch blinds it (the
 * README says why that is harmless) and blinding still commutes there;
 * sp_group_element_check refuses it. The base point 9 is on the curve. */
static void test_twist_points(void **state)
{
    uint8_t e[32] = {2}, f[32] = {2}, nine[32] = {9};
    struct sp_round_key *a = NULL, *b = NULL;
    (void)state;

    assert_false(sp_x25519_is_on_curve(e));
    assert_true(sp_x25519_is_on_curve(nine));
    assert_int_equal(sp_group_element_check(nine), 0);
    assert_int_equal(sp_group_element_check(e), SP_ERR_CRYPTO_POINT);
    assert_int_equal(sp_round_key_new(&a), 0);
    assert_int_equal(sp_round_key_new(&b), 0);
    assert_int_equal(sp_blind_batch(a, e, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(b, e, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(b, f, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(a, f, 1, NULL), 0);
    assert_memory_equal(e, f, 32);
    assert_false(sp_x25519_is_on_curve(e)); /* stays on the twist */
    sp_round_key_free(&a);
    sp_round_key_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9380_ro),      cmocka_unit_test(test_rfc9380_nu),
        cmocka_unit_test(test_rfc7748_vectors), cmocka_unit_test(test_rfc7748_iterated),
        cmocka_unit_test(test_rfc7748_dh),      cmocka_unit_test(test_bad_inputs_refused),
        cmocka_unit_test(test_twist_points),
    };
    if (sp_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
