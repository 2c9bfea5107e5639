/*
 * ristretto255 hash-to-group and blinding on top of libsodium.
 *
 * Why this file looks the way it does:
 * - expand_message_xmd is written out here (libsodium 1.0.18 has no RFC 9380
 *   API) with SHA-512 from libsodium; the RFC 9380 K.3 vectors pin it.
 * - Blinding relies on crypto_scalarmult_ristretto255 decoding its input with
 *   the full RFC 9496 checks (canonical, valid) and refusing an identity
 *   result; since the group has prime order and the scalar is non-zero, an
 *   identity result means an identity input. So validation costs nothing
 *   extra on the hot path.
 * - Round keys are made read-only once, right after creation, and never
 *   toggled: concurrent sp_blind_batch calls share them without locks.
 */
#include "group.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/keytype.h"

#define XMD_B_BYTES 64  /* SHA-512 output */
#define XMD_R_BYTES 128 /* SHA-512 input block (Z_pad length) */

/* RFC 9380 section 8.10 / RFC 9496: the hash_to_ristretto255 suite ID. */
#define SUITE_ID "ristretto255_XMD:SHA-512_R255MAP_RO_"

struct sp_round_key {
    uint8_t scalar[SP_GROUP_SCALAR_BYTES];
};

/* The group order L = 2^252 + 27742317777372353535851937790883648493,
 * little-endian. */
static const uint8_t group_order[SP_GROUP_SCALAR_BYTES] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

int sp_crypto_init(void)
{
    /* sodium_init is idempotent and thread-safe; 1 means "already done". */
    return sodium_init() < 0 ? SP_ERR_CRYPTO_INIT : 0;
}

/* Appends I2OSP(index, 1) || DST || I2OSP(len(DST), 1) and finishes block
 * b_index into out. */
static void xmd_finish(crypto_hash_sha512_state *st, uint8_t out[XMD_B_BYTES], uint8_t index,
                       const uint8_t *dst, uint8_t dst_len, int with_index)
{
    if (with_index)
        crypto_hash_sha512_update(st, &index, 1);
    crypto_hash_sha512_update(st, dst, dst_len);
    crypto_hash_sha512_update(st, &dst_len, 1);
    crypto_hash_sha512_final(st, out);
}

/* b_0 = H(Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime) */
static void xmd_b0(uint8_t b0[XMD_B_BYTES], size_t out_len, const uint8_t *msg, size_t msg_len,
                   const uint8_t *dst, uint8_t dst_len)
{
    static const uint8_t z_pad[XMD_R_BYTES];
    const uint8_t lib_str[3] = {(uint8_t)(out_len >> 8), (uint8_t)(out_len & 0xff), 0};
    crypto_hash_sha512_state st;

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, z_pad, sizeof(z_pad));
    if (msg_len > 0)
        crypto_hash_sha512_update(&st, msg, msg_len);
    crypto_hash_sha512_update(&st, lib_str, sizeof(lib_str));
    xmd_finish(&st, b0, 0, dst, dst_len, 0);
    sodium_memzero(&st, sizeof(st));
}

int sp_expand_message_xmd_sha512(uint8_t *out, size_t out_len, const uint8_t *msg, size_t msg_len,
                                 const uint8_t *dst, size_t dst_len)
{
    crypto_hash_sha512_state st;
    uint8_t b0[XMD_B_BYTES], bi[XMD_B_BYTES], mix[XMD_B_BYTES];
    size_t ell, i, done = 0;

    if (out == NULL || out_len == 0 || out_len > SP_XMD_SHA512_MAX_BYTES ||
        (msg == NULL && msg_len > 0))
        return SP_ERR_INVALID_ARG;
    if (dst == NULL || dst_len == 0 || dst_len > SP_GROUP_DST_MAX_BYTES)
        return SP_ERR_CRYPTO_DST;

    ell = (out_len + XMD_B_BYTES - 1) / XMD_B_BYTES;
    xmd_b0(b0, out_len, msg, msg_len, dst, (uint8_t)dst_len);
    /* b_1 = H(b_0 || 1 || DST'), b_i = H(strxor(b_0, b_(i-1)) || i || DST') */
    memcpy(mix, b0, sizeof(mix));
    for (i = 1; i <= ell; i++) {
        size_t take = out_len - done < XMD_B_BYTES ? out_len - done : XMD_B_BYTES;

        crypto_hash_sha512_init(&st);
        crypto_hash_sha512_update(&st, mix, sizeof(mix));
        xmd_finish(&st, bi, (uint8_t)i, dst, (uint8_t)dst_len, 1);
        memcpy(out + done, bi, take);
        done += take;
        for (size_t j = 0; j < sizeof(mix); j++)
            mix[j] = b0[j] ^ bi[j];
    }
    sodium_memzero(&st, sizeof(st));
    sodium_memzero(b0, sizeof(b0));
    sodium_memzero(bi, sizeof(bi));
    sodium_memzero(mix, sizeof(mix));
    return 0;
}

int sp_group_dst(char *dst, size_t dst_cap, size_t *dst_len, int key_type)
{
    const char *name = sp_key_type_name(key_type);
    int len;

    if (dst == NULL || name == NULL)
        return SP_ERR_INVALID_ARG;
    len = snprintf(dst, dst_cap, "snijpunt-v%d-%s-with-" SUITE_ID, SP_GROUP_PROTOCOL_VERSION, name);
    if (len < 0 || (size_t)len >= dst_cap || len > SP_GROUP_DST_MAX_BYTES) {
        if (dst_cap > 0)
            dst[0] = '\0';
        return SP_ERR_OVERFLOW;
    }
    if (dst_len != NULL)
        *dst_len = (size_t)len;
    return 0;
}

void sp_group_map_uniform(uint8_t out[SP_GROUP_ELEMENT_BYTES],
                          const uint8_t uniform[SP_GROUP_UNIFORM_BYTES])
{
    /* crypto_core_ristretto255_from_hash is the RFC 9496 derivation: two
     * Elligator maps of the 32-byte halves (top bit masked), added. */
    (void)crypto_core_ristretto255_from_hash(out, uniform);
}

int sp_group_hash_dst(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst, size_t dst_len,
                      const uint8_t *msg, size_t msg_len)
{
    uint8_t uniform[SP_GROUP_UNIFORM_BYTES];
    uint8_t elem[SP_GROUP_ELEMENT_BYTES];
    int rc;

    if (out == NULL)
        return SP_ERR_INVALID_ARG;
    rc = sp_expand_message_xmd_sha512(uniform, sizeof(uniform), msg, msg_len, dst, dst_len);
    if (rc != 0)
        goto done;
    sp_group_map_uniform(elem, uniform);
    if (sodium_is_zero(elem, sizeof(elem))) {
        rc = SP_ERR_CRYPTO_POINT;
        goto done;
    }
    memcpy(out, elem, sizeof(elem));
done:
    sodium_memzero(uniform, sizeof(uniform));
    sodium_memzero(elem, sizeof(elem));
    return rc;
}

int sp_group_hash(uint8_t out[SP_GROUP_ELEMENT_BYTES], int key_type, const uint8_t *value,
                  size_t value_len)
{
    char dst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t dst_len;
    int rc;

    if (out == NULL || (value == NULL && value_len > 0))
        return SP_ERR_INVALID_ARG;
    rc = sp_group_dst(dst, sizeof(dst), &dst_len, key_type);
    if (rc != 0)
        return rc;
    return sp_group_hash_dst(out, (const uint8_t *)dst, dst_len, value, value_len);
}

int sp_group_element_check(const uint8_t elem[SP_GROUP_ELEMENT_BYTES])
{
    if (elem == NULL)
        return SP_ERR_CRYPTO_POINT;
    /* is_valid_point accepts the identity (its encoding is all zeros, the
     * only encoding it has); blinding the identity would leak nothing but
     * reveals a broken or hostile peer, so it is refused too. */
    if (crypto_core_ristretto255_is_valid_point(elem) != 1 ||
        sodium_is_zero(elem, SP_GROUP_ELEMENT_BYTES))
        return SP_ERR_CRYPTO_POINT;
    return 0;
}

/* True when 0 < s < L. Constant time in s (a scalar is a secret). */
static int scalar_is_valid(const uint8_t s[SP_GROUP_SCALAR_BYTES])
{
    unsigned borrow = 0;

    /* s - L borrows out of the top byte exactly when s < L. */
    for (size_t i = 0; i < SP_GROUP_SCALAR_BYTES; i++)
        borrow = (((unsigned)s[i] - group_order[i] - borrow) >> 8) & 1u;
    return (int)borrow & !sodium_is_zero(s, SP_GROUP_SCALAR_BYTES);
}

/* Allocates a guarded key, writes the given scalar (or a fresh random one)
 * and seals it read-only for the rest of its life. */
static int round_key_make(struct sp_round_key **out, const uint8_t *scalar)
{
    struct sp_round_key *key;

    if (out == NULL)
        return SP_ERR_INVALID_ARG;
    if (sp_crypto_init() != 0)
        return SP_ERR_CRYPTO_INIT;
    key = sodium_malloc(sizeof(*key));
    if (key == NULL)
        return SP_ERR_NOMEM;
    if (scalar != NULL)
        memcpy(key->scalar, scalar, sizeof(key->scalar));
    else
        crypto_core_ristretto255_scalar_random(key->scalar); /* uniform in [1, L) */
    if (sodium_mprotect_readonly(key) != 0) {
        sodium_free(key);
        return SP_ERR_INTERNAL;
    }
    *out = key;
    return 0;
}

int sp_round_key_new(struct sp_round_key **out)
{
    return round_key_make(out, NULL);
}

int sp_round_key_from_scalar(struct sp_round_key **out, const uint8_t scalar[SP_GROUP_SCALAR_BYTES])
{
    if (out == NULL || scalar == NULL)
        return SP_ERR_INVALID_ARG;
    if (!scalar_is_valid(scalar))
        return SP_ERR_CRYPTO_SCALAR;
    return round_key_make(out, scalar);
}

void sp_round_key_free(struct sp_round_key **key)
{
    if (key == NULL || *key == NULL)
        return;
    /* sodium_free makes the region writable, zeroes it, unlocks and
     * unmaps it (guard pages included). */
    sodium_free(*key);
    *key = NULL;
}

int sp_blind_batch(const struct sp_round_key *key, uint8_t *elems, size_t n, size_t *bad_index)
{
    uint8_t out[SP_GROUP_ELEMENT_BYTES];

    if (key == NULL || (elems == NULL && n > 0) || n > SIZE_MAX / SP_GROUP_ELEMENT_BYTES)
        return SP_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = elems + i * SP_GROUP_ELEMENT_BYTES;

        /* Fails on a non-canonical or invalid encoding and on an identity
         * result, i.e. an identity input (prime order, non-zero scalar). */
        if (crypto_scalarmult_ristretto255(out, key->scalar, e) != 0) {
            if (bad_index != NULL)
                *bad_index = i;
            return SP_ERR_CRYPTO_POINT;
        }
        memcpy(e, out, sizeof(out));
    }
    return 0;
}
