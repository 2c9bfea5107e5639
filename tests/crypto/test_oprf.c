/*
 * The OPRF of case questions (crypto/oprf.h): HKDF-SHA-512 against vectors
 * computed independently, the u <-> y maps against libsodium's own
 * Edwards-to-Montgomery map, the DST and H_case, known answers for a fixed
 * secret and value (the whole chain: HKDF, clamp, H_case, X25519,
 * fingerprint), unblind(eval(blind(H(x)))) == X25519(k, H(x)) over thousands
 * of random cases, separation of keys, the answer checks with the offending
 * index, argument errors and the guarded memory of secrets and blinds.
 *
 * Every known answer below comes from tests/crypto/oprf_kat_gen.py (Python's
 * hmac/hashlib and kat_gen.py's from-scratch RFC 9380 and Montgomery code;
 * the HKDF vectors are also checked there against `openssl kdf`). A change
 * of the DST, the KDF's info, the clamp or the fingerprint's domain fails
 * test_known_answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "common/keytype.h"
#include "crypto/curve25519.h"
#include "crypto/group.h"
#include "crypto/hkdf.h"
#include "crypto/oprf.h"
#include "testutil.h"

#define EB SP_GROUP_ELEMENT_BYTES

/* ---- HKDF-SHA-512 -------------------------------------------------------- */

struct hkdf_vec {
    const char *salt, *ikm, *info; /* hex; "" for empty */
    size_t len;
    const char *okm;
};

/* Inputs of RFC 5869 A.1-A.3 (the RFC publishes SHA-256 outputs only), a
 * 3-block output, a salt and an ikm longer than HMAC's block. */
static const struct hkdf_vec hkdf_vecs[] = {
    {"000102030405060708090a0b0c", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
     "f0f1f2f3f4f5f6f7f8f9", 42,
     "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c1481579338da362cb8d9f925d7cb"},
    {"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c"
     "8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c"
     "2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdc"
     "dddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     82,
     "ce6c97192805b346e6161e821ed165673b84f400a2b514b2fe23d84cd189ddf1b695b48cbd1c8388441137b3ce"
     "28f16aa64ba33ba466b24df6cfcb021ecff235f6a2056ce3af1de44d572097a8505d9e7a93"},
    {"", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", 42,
     "f5fa02b18298a72a8c23898a8703472c6eb179dc204c03425c970e3b164bf90fff22d04836d0e2343bac"},
    {"73616c74", "696e707574206b6579206d6174657269616c",
     "736e696a70756e742063617365206f707266207631", 150,
     "4f0733a0f637f5e40fa913097884b46cdfa28ceb90bb90bd0a06d9f1d7986f0f362005d371c6b032f0b69f1924"
     "fdbb9d56aa5387f399ff61e269be66dc6d2f05e1c404abd3a94466f8ad0097eb401bb3834d8a0d6843cf16e916"
     "8c62bc546d3a0a2916838efed1237fe5b5f0e059497c2d8c65a916d85994157c3970357546175bc131cfc0982c"
     "eba8d9f15ea550cc840f672bd5f066"},
};

/* The fifth generator case, built here rather than written out: salt 200
 * zero bytes, ikm 300 bytes 0x5a, info 77 'x', 64 bytes of output. */
static const char long_okm[] = "717c76cedc4af6596598ac0eb59815f51e78c1afa6f4cfb7ceb6150a390591fb"
                               "2236cf377adccb049148cbd3ae4ad741f4f990484b7d1932f7edba4582bb3e05";

static void test_hkdf_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_ARRAY_LEN(hkdf_vecs); i++) {
        const struct hkdf_vec *v = &hkdf_vecs[i];
        uint8_t salt[128], ikm[128], info[128], want[256], got[256], prk[SP_HKDF_SHA512_PRK_BYTES];
        size_t sl = strlen(v->salt) / 2, il = strlen(v->ikm) / 2, nl = strlen(v->info) / 2;

        tu_hex(salt, sl, v->salt);
        tu_hex(ikm, il, v->ikm);
        tu_hex(info, nl, v->info);
        tu_hex(want, v->len, v->okm);
        assert_int_equal(
            sp_hkdf_sha512(got, v->len, sl ? salt : NULL, sl, ikm, il, nl ? info : NULL, nl), 0);
        assert_memory_equal(got, want, v->len);
        /* The two steps give the same, and a shorter output is a prefix. */
        assert_int_equal(sp_hkdf_sha512_extract(prk, salt, sl, ikm, il), 0);
        memset(got, 0, sizeof(got));
        assert_int_equal(sp_hkdf_sha512_expand(got, v->len - 1, prk, info, nl), 0);
        assert_memory_equal(got, want, v->len - 1);
        assert_int_equal(got[v->len - 1], 0);
    }
    {
        static uint8_t salt[200], ikm[300], info[77];
        uint8_t want[64], got[64];

        memset(ikm, 0x5a, sizeof(ikm));
        memset(info, 'x', sizeof(info));
        tu_hex(want, sizeof(want), long_okm);
        assert_int_equal(sp_hkdf_sha512(got, sizeof(got), salt, sizeof(salt), ikm, sizeof(ikm),
                                        info, sizeof(info)),
                         0);
        assert_memory_equal(got, want, sizeof(want));
    }
}

static void test_hkdf_limits(void **state)
{
    static uint8_t out[SP_HKDF_SHA512_MAX_BYTES + 1], prk[SP_HKDF_SHA512_PRK_BYTES];
    (void)state;

    assert_int_equal(sp_hkdf_sha512(out, 0, NULL, 0, NULL, 0, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512(out, SP_HKDF_SHA512_MAX_BYTES + 1, NULL, 0, NULL, 0, NULL, 0),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512(out, SP_HKDF_SHA512_MAX_BYTES, NULL, 0, NULL, 0, NULL, 0), 0);
    assert_int_equal(sp_hkdf_sha512(NULL, 1, NULL, 0, NULL, 0, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512(out, 1, NULL, 1, NULL, 0, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512(out, 1, NULL, 0, NULL, 1, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512(out, 1, NULL, 0, NULL, 0, NULL, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512_extract(NULL, NULL, 0, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512_expand(out, 1, NULL, NULL, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_hkdf_sha512_expand(out, 1, prk, NULL, 1), SP_ERR_INVALID_ARG);
}

/* ---- the u <-> y maps (curve25519.c) ------------------------------------- */

/* Against libsodium's crypto_sign_ed25519_pk_to_curve25519 (its own field
 * code): for random Ed25519 public keys A, u(A) from libsodium equals ours
 * from A's encoding (sign bit and all), and ours maps u back to A's y. */
static void test_maps(void **state)
{
    static const uint8_t one[32] = {1};
    uint8_t pk[32], sk[64], u[32], got[32], zero[32] = {0}, m1[32];
    (void)state;

    for (int i = 0; i < 500; i++) {
        assert_int_equal(crypto_sign_keypair(pk, sk), 0);
        assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(u, pk), 0);
        sp_ed25519_y_to_x25519_u(got, pk);
        assert_memory_equal(got, u, 32);
        sp_x25519_u_to_ed25519_y(got, u);
        pk[31] &= 0x7f;
        assert_memory_equal(got, pk, 32);
    }
    /* Zero denominators: y = 1 (the identity) and u = -1 give 0. */
    sp_ed25519_y_to_x25519_u(got, one);
    assert_memory_equal(got, zero, 32);
    tu_hex(m1, 32, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    sp_x25519_u_to_ed25519_y(got, m1);
    assert_memory_equal(got, zero, 32);
    /* u = 0 (order 2) maps to y = -1, and back. */
    sp_x25519_u_to_ed25519_y(got, zero);
    assert_memory_equal(got, m1, 32);
    sp_ed25519_y_to_x25519_u(got, m1);
    assert_memory_equal(got, zero, 32);
}

/* ---- DST and H_case ------------------------------------------------------ */

static void test_dst(void **state)
{
    char dst[SP_GROUP_DST_MAX_BYTES + 1], rdst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t len = 0;
    (void)state;

    assert_int_equal(sp_oprf_dst(dst, sizeof(dst), &len, SP_KEY_BSN), 0);
    assert_string_equal(dst, "snijpunt-case-v1-bsn-with-curve25519_XMD:SHA-512_ELL2_RO_");
    assert_int_equal(len, strlen(dst));
    assert_int_equal(sp_oprf_dst(dst, sizeof(dst), NULL, SP_KEY_INI_ADDR_DOB), 0);
    assert_string_equal(dst, "snijpunt-case-v1-ini_addr_dob-with-curve25519_XMD:SHA-512_ELL2_RO_");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        assert_int_equal(sp_oprf_dst(dst, sizeof(dst), &len, t), 0);
        assert_int_equal(sp_group_dst(rdst, sizeof(rdst), NULL, t), 0);
        assert_string_not_equal(dst, rdst);
    }
    assert_int_equal(sp_oprf_dst(dst, sizeof(dst), &len, 0), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_dst(dst, sizeof(dst), &len, SP_KEY_TYPE_MAX + 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_dst(NULL, 10, &len, SP_KEY_BSN), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_dst(dst, 20, &len, SP_KEY_BSN), SP_ERR_OVERFLOW);
    assert_string_equal(dst, "");
}

/* sp_oprf_hash_many is hash_to_curve under the case DST, value by value,
 * across inversion chunks, and differs from the round's hash. */
static void test_hash_many(void **state)
{
    enum { N = 150 };
    static uint8_t vals[N * 12], out[N * EB];
    static uint32_t offs[N + 1];
    char dst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t dlen, at = 0;
    (void)state;

    for (size_t i = 0; i < N; i++) {
        offs[i] = (uint32_t)at;
        at += (size_t)snprintf((char *)vals + at, 13, "v%zu", i * 7919 % 1000);
    }
    offs[N] = (uint32_t)at;
    assert_int_equal(sp_oprf_dst(dst, sizeof(dst), &dlen, SP_KEY_KVK), 0);
    assert_int_equal(sp_oprf_hash_many(out, SP_KEY_KVK, vals, offs, N), 0);
    for (size_t i = 0; i < N; i++) {
        uint8_t want[EB], round[EB];

        assert_int_equal(sp_group_hash_dst(want, (const uint8_t *)dst, dlen, vals + offs[i],
                                           offs[i + 1] - offs[i]),
                         0);
        assert_memory_equal(out + i * EB, want, EB);
        assert_int_equal(sp_group_hash(round, SP_KEY_KVK, vals + offs[i], offs[i + 1] - offs[i]),
                         0);
        assert_memory_not_equal(out + i * EB, round, EB);
    }
    assert_int_equal(sp_oprf_hash_many(out, 0, vals, offs, N), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_hash_many(NULL, SP_KEY_KVK, vals, offs, N), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_hash_many(out, SP_KEY_KVK, NULL, offs, N), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_hash_many(out, SP_KEY_KVK, vals, NULL, N), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_hash_many(out, SP_KEY_KVK, vals, offs, 0), 0);
}

/* ---- known answers ------------------------------------------------------- */

struct oprf_kat {
    uint32_t epoch;
    int key_type;
    const char *value, *h, *f;
    uint64_t fp;
};

/* oprf_kat_gen.py, secret 00 01 .. 1f. */
static const struct oprf_kat kats[] = {
    {202612, SP_KEY_BSN, "123456782",
     "6503f81322053c65c1a72479c195c880ad2e76391124132f4e563df6ce135033",
     "df370de391030a1e5c8669c86796002c3731bd7beb96af1f68b1a9038ddb5f79",
     UINT64_C(0x4c7a07ce71a877d8)},
    {202612, SP_KEY_KENTEKEN, "XX999X",
     "1e363a9673f1f758f4f5b3418bbe407f63bf509ca1622c50a324634945f8622b",
     "c642f501871c86d130fc88aecb7f73a0e9f3ad5dee727631477e62fa2653185e",
     UINT64_C(0xe80c2059634f3c38)},
    {202701, SP_KEY_BSN, "123456782",
     "6503f81322053c65c1a72479c195c880ad2e76391124132f4e563df6ce135033",
     "299cc2bdd98c329d728cb5750bf0717512883d6fec6761f53dd486a93e355c11",
     UINT64_C(0xe49c31def5d4c83c)},
};

static void test_known_answers(void **state)
{
    uint8_t bytes[SP_OPRF_SECRET_BYTES], back[SP_OPRF_SECRET_BYTES];
    struct sp_oprf_secret *s = NULL;
    (void)state;

    for (int i = 0; i < SP_OPRF_SECRET_BYTES; i++)
        bytes[i] = (uint8_t)i;
    assert_int_equal(sp_oprf_secret_from_bytes(&s, bytes), 0);
    sp_oprf_secret_bytes(s, back);
    assert_memory_equal(back, bytes, sizeof(bytes));
    for (size_t k = 0; k < TU_ARRAY_LEN(kats); k++) {
        const struct oprf_kat *v = &kats[k];
        uint32_t offs[2] = {0, (uint32_t)strlen(v->value)};
        uint8_t h[EB], f[EB], want[EB], blinded[EB];
        struct sp_round_key *key = NULL;
        struct sp_oprf_blinds *b = NULL;

        assert_int_equal(sp_oprf_hash_many(h, v->key_type, (const uint8_t *)v->value, offs, 1), 0);
        tu_hex(want, EB, v->h);
        assert_memory_equal(h, want, EB);
        assert_int_equal(sp_oprf_key_derive(s, v->epoch, v->key_type, &key), 0);
        memcpy(f, h, EB);
        assert_int_equal(sp_blind_batch(key, f, 1, NULL), 0);
        tu_hex(want, EB, v->f);
        assert_memory_equal(f, want, EB);
        assert_true(sp_oprf_fingerprint(v->key_type, f) == v->fp);
        /* The same through a question: blind, evaluate, unblind. */
        memcpy(blinded, h, EB);
        assert_int_equal(sp_oprf_blind(blinded, 1, &b), 0);
        assert_memory_not_equal(blinded, h, EB);
        assert_int_equal(sp_blind_batch(key, blinded, 1, NULL), 0);
        assert_int_equal(sp_oprf_unblind(b, 0, blinded, 1, NULL), 0);
        assert_memory_equal(blinded, want, EB);
        sp_oprf_blinds_free(&b);
        sp_round_key_free(&key);
    }
    sp_oprf_secret_free(&s);
    assert_null(s);
}

/* ---- correctness over random cases --------------------------------------- */

#define ROUNDS    100
#define PER_ROUND 32
#define N_CORRECT (ROUNDS * PER_ROUND)

/* For random secrets, epochs, key types and values: unblinding the
 * partner's evaluation of a blinded H(x) gives X25519(k, H(x)), also when
 * the answers are unblinded in two parts (first > 0). */
static void test_correctness(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        uint8_t vals[PER_ROUND * 16], h[PER_ROUND * EB], q[PER_ROUND * EB], f[PER_ROUND * EB];
        uint32_t offs[PER_ROUND + 1];
        int kt = SP_KEY_TYPE_MIN + (int)randombytes_uniform(SP_KEY_TYPE_MAX);
        size_t split = randombytes_uniform(PER_ROUND + 1);
        struct sp_oprf_secret *s = NULL;
        struct sp_round_key *key = NULL;
        struct sp_oprf_blinds *b = NULL;

        randombytes_buf(vals, sizeof(vals));
        for (size_t i = 0; i <= PER_ROUND; i++)
            offs[i] = (uint32_t)(i * 16 - (i > 0 ? randombytes_uniform(8) : 0));
        assert_int_equal(sp_oprf_secret_new(&s), 0);
        assert_int_equal(sp_oprf_key_derive(s, randombytes_random(), kt, &key), 0);
        assert_int_equal(sp_oprf_hash_many(h, kt, vals, offs, PER_ROUND), 0);
        memcpy(f, h, sizeof(h));
        assert_int_equal(sp_blind_batch(key, f, PER_ROUND, NULL), 0); /* X25519(k, H(x)) */
        memcpy(q, h, sizeof(h));
        assert_int_equal(sp_oprf_blind(q, PER_ROUND, &b), 0);
        assert_int_equal(sp_oprf_blinds_count(b), PER_ROUND);
        assert_int_equal(sp_blind_batch(key, q, PER_ROUND, NULL), 0); /* the partner */
        assert_int_equal(sp_oprf_unblind(b, 0, q, split, NULL), 0);
        assert_int_equal(sp_oprf_unblind(b, split, q + split * EB, PER_ROUND - split, NULL), 0);
        assert_memory_equal(q, f, sizeof(f));
        sp_oprf_blinds_free(&b);
        sp_round_key_free(&key);
        sp_oprf_secret_free(&s);
    }
}

/* A question of 1..200 values: the scalars are inverted 64 at a time, so
 * every chunk boundary and a partial last chunk are crossed. */
static void test_chunks(void **state)
{
    enum { N = 200 };
    static uint8_t h[N * EB], q[N * EB], f[N * EB];
    static const size_t sizes[] = {1, 2, 63, 64, 65, 128, 129, 200};
    struct sp_round_key *key = NULL;
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    for (size_t i = 0; i < N; i++) {
        uint8_t v[4] = {(uint8_t)i, (uint8_t)(i >> 8), 'c', 'h'};
        assert_int_equal(sp_group_hash(h + i * EB, SP_KEY_VESTIGING, v, sizeof(v)), 0);
    }
    memcpy(f, h, sizeof(h));
    assert_int_equal(sp_blind_batch(key, f, N, NULL), 0);
    for (size_t k = 0; k < TU_ARRAY_LEN(sizes); k++) {
        struct sp_oprf_blinds *b = NULL;
        size_t n = sizes[k];

        memcpy(q, h, n * EB);
        assert_int_equal(sp_oprf_blind(q, n, &b), 0);
        assert_int_equal(sp_blind_batch(key, q, n, NULL), 0);
        assert_int_equal(sp_oprf_unblind(b, 0, q, n, NULL), 0);
        assert_memory_equal(q, f, n * EB);
        sp_oprf_blinds_free(&b);
    }
    sp_round_key_free(&key);
}

/* Blinding the same value twice gives unrelated questions; unblinding with
 * the wrong scalar gives a wrong output. */
static void test_fresh_blinding(void **state)
{
    static const uint8_t v[] = "fresh";
    uint32_t offs[2] = {0, 5};
    uint8_t h[EB], q1[EB], q2[EB];
    struct sp_oprf_blinds *b1 = NULL, *b2 = NULL;
    struct sp_round_key *key = NULL;
    (void)state;

    assert_int_equal(sp_oprf_hash_many(h, SP_KEY_IBAN, v, offs, 1), 0);
    memcpy(q1, h, EB);
    memcpy(q2, h, EB);
    assert_int_equal(sp_oprf_blind(q1, 1, &b1), 0);
    assert_int_equal(sp_oprf_blind(q2, 1, &b2), 0);
    assert_memory_not_equal(q1, q2, EB);
    assert_int_equal(sp_round_key_new(&key), 0);
    assert_int_equal(sp_blind_batch(key, q1, 1, NULL), 0);
    assert_int_equal(sp_blind_batch(key, q2, 1, NULL), 0);
    assert_int_equal(sp_oprf_unblind(b2, 0, q1, 1, NULL), 0); /* b1's question, b2's scalar */
    assert_int_equal(sp_blind_batch(key, h, 1, NULL), 0);
    assert_memory_not_equal(q1, h, EB);
    sp_oprf_blinds_free(&b1);
    sp_oprf_blinds_free(&b2);
    sp_round_key_free(&key);
}

/* ---- key separation ------------------------------------------------------ */

/* 2 secrets x 3 epochs x 16 key types: 96 keys, 96 different outputs for
 * one element (and so 96 different keys). */
static void test_keys_differ(void **state)
{
    enum { EPOCHS = 3, NK = 2 * EPOCHS * SP_KEY_TYPE_MAX };
    static const uint32_t epochs[EPOCHS] = {0, 1, 0x01000000};
    static uint8_t out[NK][EB];
    uint8_t sb[SP_OPRF_SECRET_BYTES] = {0}, h[EB];
    size_t n = 0;
    (void)state;

    assert_int_equal(sp_group_hash(h, SP_KEY_BSN, (const uint8_t *)"x", 1), 0);
    for (int si = 0; si < 2; si++) {
        struct sp_oprf_secret *s = NULL;

        sb[31] = (uint8_t)si; /* secrets one bit apart */
        assert_int_equal(sp_oprf_secret_from_bytes(&s, sb), 0);
        for (int e = 0; e < EPOCHS; e++) {
            for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
                struct sp_round_key *key = NULL;

                assert_int_equal(sp_oprf_key_derive(s, epochs[e], t, &key), 0);
                memcpy(out[n], h, EB);
                assert_int_equal(sp_blind_batch(key, out[n], 1, NULL), 0);
                n++;
                sp_round_key_free(&key);
            }
        }
        sp_oprf_secret_free(&s);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_memory_not_equal(out[i], out[j], EB);
    /* Same inputs, same key; a fresh secret, another one. */
    {
        struct sp_oprf_secret *s1 = NULL, *s2 = NULL;
        struct sp_round_key *k1 = NULL, *k2 = NULL, *k3 = NULL;
        uint8_t a[EB], c[EB], d[EB];

        assert_int_equal(sp_oprf_secret_from_bytes(&s1, sb), 0);
        assert_int_equal(sp_oprf_secret_new(&s2), 0);
        assert_int_equal(sp_oprf_key_derive(s1, 7, SP_KEY_BSN, &k1), 0);
        assert_int_equal(sp_oprf_key_derive(s1, 7, SP_KEY_BSN, &k2), 0);
        assert_int_equal(sp_oprf_key_derive(s2, 7, SP_KEY_BSN, &k3), 0);
        memcpy(a, h, EB);
        memcpy(c, h, EB);
        memcpy(d, h, EB);
        assert_int_equal(sp_blind_batch(k1, a, 1, NULL), 0);
        assert_int_equal(sp_blind_batch(k2, c, 1, NULL), 0);
        assert_int_equal(sp_blind_batch(k3, d, 1, NULL), 0);
        assert_memory_equal(a, c, EB);
        assert_memory_not_equal(a, d, EB);
        sp_round_key_free(&k1);
        sp_round_key_free(&k2);
        sp_round_key_free(&k3);
        sp_oprf_secret_free(&s1);
        sp_oprf_secret_free(&s2);
    }
}

/* ---- the answer checks --------------------------------------------------- */

static const char *const refused[] = {
    /* low order: the identity's encoding u = 0, then 1, p - 1, order 8 */
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    /* non-canonical: p, p + 1, bit 255 set */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0900000000000000000000000000000000000000000000000000000000000080",
    /* u = 2: on the twist, of large order (sp_group_element_check refuses
     * it: u^3 + A u^2 + u is no square) */
    "0200000000000000000000000000000000000000000000000000000000000000",
};

/* u of a point of mixed order: a point of the prime-order subgroup plus the
 * Edwards point of order 4 (y = 0). On the curve and not of low order, so
 * sp_group_element_check accepts it; libsodium's Edwards multiplication
 * refuses it (not in the prime-order subgroup). */
static void mixed_order_u(uint8_t u[EB])
{
    uint8_t s[32] = {5}, a[32], t4[32] = {0}, m[32];

    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(a, s), 0);
    assert_int_equal(crypto_core_ed25519_add(m, a, t4), 0);
    sp_ed25519_y_to_x25519_u(u, m);
    assert_int_equal(sp_group_element_check(u), 0);
}

/* Each bad answer at index 3 of 6 is refused with bad_index 3; the valid
 * answers around it are fine alone. */
static void test_answers_refused(void **state)
{
    enum { N = 6, BAD = 3 };
    static const uint8_t vals[] = "abcdef";
    uint32_t offs[N + 1] = {0, 1, 2, 3, 4, 5, 6};
    uint8_t h[N * EB], q[N * EB], ans[N * EB];
    struct sp_round_key *key = NULL;
    struct sp_oprf_blinds *b = NULL;
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    assert_int_equal(sp_oprf_hash_many(h, SP_KEY_ADDRESS, vals, offs, N), 0);
    memcpy(q, h, sizeof(h));
    assert_int_equal(sp_oprf_blind(q, N, &b), 0);
    assert_int_equal(sp_blind_batch(key, q, N, NULL), 0);
    for (size_t k = 0; k <= TU_ARRAY_LEN(refused); k++) {
        size_t bad = 99;

        memcpy(ans, q, sizeof(q));
        if (k < TU_ARRAY_LEN(refused))
            tu_hex(ans + BAD * EB, EB, refused[k]);
        else
            mixed_order_u(ans + BAD * EB);
        assert_int_equal(sp_oprf_unblind(b, 0, ans, N, &bad), SP_ERR_CRYPTO_POINT);
        assert_int_equal(bad, BAD);
        /* and at index 0 of a part that starts at BAD */
        memcpy(ans, q, sizeof(q));
        if (k < TU_ARRAY_LEN(refused))
            tu_hex(ans + BAD * EB, EB, refused[k]);
        else
            mixed_order_u(ans + BAD * EB);
        bad = 99;
        assert_int_equal(sp_oprf_unblind(b, BAD, ans + BAD * EB, N - BAD, &bad),
                         SP_ERR_CRYPTO_POINT);
        assert_int_equal(bad, 0);
        assert_int_equal(sp_oprf_unblind(b, BAD, ans + BAD * EB, N - BAD, NULL),
                         SP_ERR_CRYPTO_POINT);
    }
    memcpy(ans, q, sizeof(q));
    assert_int_equal(sp_oprf_unblind(b, 0, ans, N, NULL), 0);
    sp_oprf_blinds_free(&b);
    sp_round_key_free(&key);
}

/* The asker's own inputs: low order and non-canonical refused with
 * SP_ERR_CRYPTO_POINT, nothing returned. */
static void test_blind_refuses(void **state)
{
    uint8_t e[2 * EB];
    (void)state;

    assert_int_equal(sp_group_hash(e, SP_KEY_BSN, (const uint8_t *)"1", 1), 0);
    for (size_t k = 0; k < 8; k++) {                            /* low order and non-canonical */
        struct sp_oprf_blinds *b = (struct sp_oprf_blinds *)&e; /* a sentinel */

        tu_hex(e + EB, EB, refused[k]);
        assert_int_equal(sp_oprf_blind(e, 2, &b), SP_ERR_CRYPTO_POINT);
        assert_ptr_equal(b, (struct sp_oprf_blinds *)&e);
        assert_int_equal(sp_group_hash(e, SP_KEY_BSN, (const uint8_t *)"1", 1), 0);
    }
}

/* ---- arguments and guarded memory ---------------------------------------- */

static void test_arguments(void **state)
{
    uint8_t bytes[SP_OPRF_SECRET_BYTES] = {0}, e[EB];
    struct sp_oprf_secret *s = NULL;
    struct sp_round_key *key = NULL;
    struct sp_oprf_blinds *b = NULL;
    (void)state;

    sp_oprf_secret_free(NULL);
    sp_oprf_secret_free(&s);
    sp_oprf_blinds_free(NULL);
    sp_oprf_blinds_free(&b);
    assert_int_equal(sp_oprf_blinds_count(NULL), 0);
    sp_oprf_secret_bytes(NULL, bytes);
    assert_int_equal(sp_oprf_secret_new(NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_secret_from_bytes(NULL, bytes), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_secret_from_bytes(&s, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_secret_new(&s), 0);
    assert_int_equal(sp_oprf_key_derive(NULL, 1, SP_KEY_BSN, &key), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_key_derive(s, 1, 0, &key), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_key_derive(s, 1, SP_KEY_TYPE_MAX + 1, &key), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_key_derive(s, 1, SP_KEY_BSN, NULL), SP_ERR_INVALID_ARG);
    assert_null(key);
    assert_int_equal(sp_oprf_blind(NULL, 1, &b), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_blind(e, 1, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_blind(e, SIZE_MAX, &b), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_blind(NULL, 0, &b), 0); /* an empty question */
    assert_int_equal(sp_oprf_blinds_count(b), 0);
    assert_int_equal(sp_oprf_unblind(b, 0, NULL, 0, NULL), 0);
    assert_int_equal(sp_oprf_unblind(b, 0, e, 1, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_unblind(b, 1, e, 0, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_unblind(b, SIZE_MAX, e, 2, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_oprf_unblind(NULL, 0, e, 0, NULL), SP_ERR_INVALID_ARG);
    sp_oprf_blinds_free(&b);
    assert_null(b);
    sp_oprf_secret_free(&s);
    assert_null(s);
}

/* As test_blind.c: fn(p) in a child; true when it died of a memory fault. */
static int child_faults(void (*fn)(volatile uint8_t *), volatile uint8_t *p)
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const struct rlimit no_core = {0, 0};

        setrlimit(RLIMIT_CORE, &no_core);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        fn(p);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS))
        return 1;
    fail_msg("child ended neither normally nor by a memory fault (status %#x)", status);
    return 0;
}

static void touch_read(volatile uint8_t *p)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < 16; i++)
        sum |= p[i];
    (void)sum;
}

static void touch_write(volatile uint8_t *p)
{
    p[0] ^= 1;
}

/* The secret and the blinds are readable, not writable, and gone after
 * free (the pointer is kept to show that the pages are unmapped). */
static void test_guarded(void **state)
{
    struct sp_oprf_secret *s = NULL;
    struct sp_oprf_blinds *b = NULL;
    uint8_t e[EB];
    volatile uint8_t *ps, *pb;
    (void)state;

    assert_int_equal(sp_oprf_secret_new(&s), 0);
    assert_int_equal(sp_group_hash(e, SP_KEY_BSN, (const uint8_t *)"g", 1), 0);
    assert_int_equal(sp_oprf_blind(e, 1, &b), 0);
    ps = (volatile uint8_t *)s;
    pb = (volatile uint8_t *)b;
    assert_false(child_faults(touch_read, ps));
    assert_true(child_faults(touch_write, ps));
    assert_false(child_faults(touch_read, pb));
    assert_true(child_faults(touch_write, pb));
    sp_oprf_secret_free(&s);
    sp_oprf_blinds_free(&b);
    assert_true(child_faults(touch_read, ps));
    assert_true(child_faults(touch_read, pb));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf_vectors),
        cmocka_unit_test(test_hkdf_limits),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_dst),
        cmocka_unit_test(test_hash_many),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_correctness),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_fresh_blinding),
        cmocka_unit_test(test_keys_differ),
        cmocka_unit_test(test_answers_refused),
        cmocka_unit_test(test_blind_refuses),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_guarded),
    };
    if (sp_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
