/*
 * ristretto255 against published vectors: RFC 9496 appendix A (generator
 * multiples, invalid encodings, element derivation) and RFC 9497 A.1.1
 * (hash_to_ristretto255 followed by two blindings, end to end through
 * sp_group_hash_dst and sp_blind_batch). tests/crypto/kat_gen.py re-derives
 * all of them with an independent implementation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/group.h"
#include "testutil.h"

/* RFC 9496 A.1: encodings of 0*B .. 15*B. */
static const char *const multiples[16] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
    "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
    "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
    "e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
    "f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
    "44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
    "903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
    "02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
    "20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
    "bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
    "e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
    "aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
    "46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
    "e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
};

/* RFC 9496 A.2: encodings that must not decode. */
static const char *const bad_encodings[] = {
    /* non-canonical field encodings */
    "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    /* negative field elements */
    "0100000000000000000000000000000000000000000000000000000000000000",
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    /* non-square x^2 */
    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    /* negative xy value */
    "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
    /* s = -1, which causes y = 0 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

/* RFC 9496 A.3: 64 uniform bytes (SHA-512 of the coffee sentences) and the
 * element they derive. */
static const struct {
    const char *uniform;
    const char *element;
} derivations[] = {
    {"5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1"
     "4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6",
     "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"},
    {"f116b34b8f17ceb56e8732a60d913dd10cce47a6d53bee9204be8b44f6678b27"
     "0102a56902e2488c46120e9276cfe54638286b9e4b3cdb470b542d46c2068d38",
     "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b"},
    {"8422e1bbdaab52938b81fd602effb6f89110e1e57208ad12d9ad767e2e25510c"
     "27140775f9337088b982d83d7fcf0b2fa1edffe51952cbe7365e95c86eaf325c",
     "006ccd2a9e6867e6a2c5cea83d3302cc9de128dd2a9a57dd8ee7b9d7ffe02826"},
    {"ac22415129b61427bf464e17baee8db65940c233b98afce8d17c57beeb7876c2"
     "150d15af1cb1fb824bbd14955f2b57d08d388aab431a391cfc33d5bafb5dbbaf",
     "f8f0c87cf237953c5890aec3998169005dae3eca1fbb04548c635953c817f92a"},
    {"165d697a1ef3d5cf3c38565beefcf88c0f282b8e7dbd28544c483432f1cec767"
     "5debea8ebb4e5fe7d6f6e5db15f15587ac4d4d4a1de7191e0c1ca6664abcc413",
     "ae81e7dedf20a497e10c304a765c1767a42d6e06029758d2d7e8ef7cc4c41179"},
    {"a836e6c9a9ca9f1e8d486273ad56a78c70cf18f0ce10abb1c7172ddd605d7fd2"
     "979854f47ae1ccf204a33102095b4200e5befc0465accc263175485f0e17ea5c",
     "e2705652ff9f5e44d3e841bf1c251cf7dddb77d140870d1ab2ed64f1a9ce8628"},
    {"2cdc11eaeb95daf01189417cdddbf95952993aa9cb9c640eb5058d09702c7462"
     "2c9965a697a3b345ec24ee56335b556e677b30e6f90ac77d781064f866a3c982",
     "80bd07262511cdde4863f8a7434cef696750681cb9510eea557088f76d9e5065"},
};

static struct sp_round_key *key_small(unsigned k)
{
    uint8_t scalar[SP_GROUP_SCALAR_BYTES] = {0};
    struct sp_round_key *key = NULL;

    scalar[0] = (uint8_t)k;
    assert_int_equal(sp_round_key_from_scalar(&key, scalar), 0);
    return key;
}

static void test_generator_multiples_valid(void **state)
{
    uint8_t e[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    /* 0*B is the identity: a valid encoding, but refused from a peer. */
    tu_hex(e, sizeof(e), multiples[0]);
    assert_int_equal(sp_group_element_check(e), SP_ERR_CRYPTO_POINT);
    for (size_t i = 1; i < 16; i++) {
        tu_hex(e, sizeof(e), multiples[i]);
        assert_int_equal(sp_group_element_check(e), 0);
    }
}

/* Blinding B with the scalar k gives the published encoding of k*B, so
 * decoding, scalar multiplication and encoding are all pinned. */
static void test_blind_generator_by_small_scalars(void **state)
{
    uint8_t b[SP_GROUP_ELEMENT_BYTES], want[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    for (unsigned k = 1; k < 16; k++) {
        struct sp_round_key *key = key_small(k);

        tu_hex(b, sizeof(b), multiples[1]);
        tu_hex(want, sizeof(want), multiples[k]);
        assert_int_equal(sp_blind_batch(key, b, 1, NULL), 0);
        assert_memory_equal(b, want, sizeof(b));
        sp_round_key_free(&key);
    }
}

/* 3 then 5, and 5 then 3, both give 15*B. */
static void test_blind_chain_commutes_on_vectors(void **state)
{
    struct sp_round_key *three = key_small(3), *five = key_small(5);
    uint8_t x[SP_GROUP_ELEMENT_BYTES], y[SP_GROUP_ELEMENT_BYTES], want[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    tu_hex(x, sizeof(x), multiples[1]);
    tu_hex(y, sizeof(y), multiples[1]);
    tu_hex(want, sizeof(want), multiples[15]);
    assert_int_equal(sp_blind_batch(three, x, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(five, x, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(five, y, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(three, y, 1, NULL), 0);
    assert_memory_equal(x, want, sizeof(x));
    assert_memory_equal(y, want, sizeof(y));
    sp_round_key_free(&three);
    sp_round_key_free(&five);
}

static void test_bad_encodings_refused(void **state)
{
    struct sp_round_key *key = NULL;
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    for (size_t i = 0; i < TU_ARRAY_LEN(bad_encodings); i++) {
        uint8_t e[SP_GROUP_ELEMENT_BYTES];
        size_t bad = 99;

        tu_hex(e, sizeof(e), bad_encodings[i]);
        assert_int_equal(sp_group_element_check(e), SP_ERR_CRYPTO_POINT);
        assert_int_equal(sp_blind_batch(key, e, 1, &bad), SP_ERR_CRYPTO_POINT);
        assert_int_equal(bad, 0);
    }
    sp_round_key_free(&key);
}

static void test_element_derivation(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_ARRAY_LEN(derivations); i++) {
        uint8_t u[SP_GROUP_UNIFORM_BYTES], want[SP_GROUP_ELEMENT_BYTES],
            got[SP_GROUP_ELEMENT_BYTES];

        tu_hex(u, sizeof(u), derivations[i].uniform);
        tu_hex(want, sizeof(want), derivations[i].element);
        sp_group_map_uniform(got, u);
        assert_memory_equal(got, want, sizeof(got));
        assert_int_equal(sp_group_element_check(got), 0);
    }
}

/* RFC 9497 A.1.1, OPRF(ristretto255, SHA-512) mode 0: HashToGroup under its
 * DST, times Blind (BlindedElement), times skSm (EvaluationElement). */
static void test_rfc9497_hash_and_blind(void **state)
{
    static const uint8_t dst[] = "HashToGroup-OPRFV1-\x00-ristretto255-SHA512";
    static const struct {
        uint8_t input[17];
        size_t len;
        const char *blinded;
        const char *evaluated;
    } v[] = {
        {{0x00},
         1,
         "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
         "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e"},
        {{0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
          0x5a, 0x5a},
         17,
         "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
         "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25"},
    };
    uint8_t s[SP_GROUP_SCALAR_BYTES];
    struct sp_round_key *blind = NULL, *sk = NULL;
    (void)state;

    tu_hex(s, sizeof(s), "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706");
    assert_int_equal(sp_round_key_from_scalar(&blind, s), 0);
    tu_hex(s, sizeof(s), "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e");
    assert_int_equal(sp_round_key_from_scalar(&sk, s), 0);
    for (size_t i = 0; i < TU_ARRAY_LEN(v); i++) {
        uint8_t e[SP_GROUP_ELEMENT_BYTES], f[SP_GROUP_ELEMENT_BYTES], want[SP_GROUP_ELEMENT_BYTES];

        assert_int_equal(sp_group_hash_dst(e, dst, sizeof(dst) - 1, v[i].input, v[i].len), 0);
        memcpy(f, e, sizeof(f));
        assert_int_equal(sp_blind_batch(blind, e, 1, NULL), 0);
        tu_hex(want, sizeof(want), v[i].blinded);
        assert_memory_equal(e, want, sizeof(e));
        assert_int_equal(sp_blind_batch(sk, e, 1, NULL), 0);
        tu_hex(want, sizeof(want), v[i].evaluated);
        assert_memory_equal(e, want, sizeof(e));
        /* the other order reaches the same value */
        assert_int_equal(sp_blind_batch(sk, f, 1, NULL), 0);
        assert_int_equal(sp_blind_batch(blind, f, 1, NULL), 0);
        assert_memory_equal(f, want, sizeof(f));
    }
    sp_round_key_free(&blind);
    sp_round_key_free(&sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_multiples_valid),
        cmocka_unit_test(test_blind_generator_by_small_scalars),
        cmocka_unit_test(test_blind_chain_commutes_on_vectors),
        cmocka_unit_test(test_bad_encodings_refused),
        cmocka_unit_test(test_element_derivation),
        cmocka_unit_test(test_rfc9497_hash_and_blind),
    };
    if (sp_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
