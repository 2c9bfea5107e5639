/*
 * Hash-to-group and blinding on X25519 u-coordinates.
 *
 * Why this file looks the way it does:
 * - expand_message_xmd is written out here (libsodium 1.0.18 has no RFC 9380
 *   API) with SHA-512 from libsodium; the RFC 9380 K.3 vectors pin it.
 * - Hashing is RFC 9380 curve25519_XMD:SHA-512_ELL2_RO_, computed straight
 *   on the Montgomery curve by curve25519.c, with one field inversion per
 *   batch of values; the element is the u-coordinate of the hashed point.
 * - Blinding is X25519 by one of two ladders that compute the same bytes:
 *   four elements at a time in the lanes of AVX2 registers
 *   (x25519_avx2.c, about half the CPU per element) when the CPU has AVX2,
 *   else libsodium's crypto_scalarmult_curve25519 one by one (measured
 *   faster here than OpenSSL's, crypto/README.md). The choice is made once
 *   and stored. An all-zero result, i.e. an input of order dividing 8 (the
 *   key is a clamped multiple of 8), is refused, as libsodium refuses it;
 *   non-canonical encodings are refused whatever the ladder computed, and
 *   the first refused element of a batch is reported, with everything
 *   before it blinded and everything from it on untouched, on both paths.
 *   crypto/README.md says why twist points need no check on this path.
 * - Round keys are clamped once at creation, made read-only and never
 *   toggled: concurrent sp_blind_batch calls share them without locks.
 */
#include "group.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/keytype.h"
#include "ct.h"
#include "curve25519.h"
#include "group_internal.h"
#include "x25519_avx2.h"

#define XMD_B_BYTES 64  /* SHA-512 output */
#define XMD_R_BYTES 128 /* SHA-512 input block (Z_pad length) */

/* RFC 9380 section 8.5: the suite ID. */
#define SUITE_ID "curve25519_XMD:SHA-512_ELL2_RO_"

struct sp_round_key {
    uint8_t scalar[SP_GROUP_SCALAR_BYTES]; /* clamped (RFC 7748 decodeScalar25519) */
};

/* The ladder of sp_blind_batch: 0 until decided, then SP_BLIND_PORTABLE or
 * SP_BLIND_AVX2. Threads racing on the first decision compute the same
 * value, so a relaxed store is enough. */
static atomic_int g_blind_impl;

int sp_blind_impl(void)
{
    int impl = atomic_load_explicit(&g_blind_impl, memory_order_relaxed);

    if (impl == 0) {
        const char *portable = getenv("SNIJPUNT_X25519_PORTABLE");

        impl = sp_x25519_avx2_available() && (portable == NULL || portable[0] == '\0')
                   ? SP_BLIND_AVX2
                   : SP_BLIND_PORTABLE;
        atomic_store_explicit(&g_blind_impl, impl, memory_order_relaxed);
    }
    return impl;
}

int sp_blind_impl_set(int impl)
{
    if (impl != SP_BLIND_PORTABLE && impl != SP_BLIND_AVX2)
        return SP_ERR_INVALID_ARG;
    if (impl == SP_BLIND_AVX2 && !sp_x25519_avx2_available())
        return SP_ERR_UNSUPPORTED;
    atomic_store_explicit(&g_blind_impl, impl, memory_order_relaxed);
    return 0;
}

int sp_crypto_init(void)
{
    /* sodium_init is idempotent and thread-safe; 1 means "already done". */
    if (sodium_init() < 0)
        return SP_ERR_CRYPTO_INIT;
    (void)sp_blind_impl();
    return 0;
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

/* hash_to_curve of n values under one DST into out (n elements). */
static int hash_chunk(uint8_t *out, const uint8_t *dst, size_t dst_len, const uint8_t *vals,
                      const uint32_t *offs, size_t n, int ro)
{
    uint8_t uniform[SP_X25519_BATCH * SP_X25519_RO_UNIFORM_BYTES];
    size_t step = ro ? SP_X25519_RO_UNIFORM_BYTES : SP_X25519_NU_UNIFORM_BYTES;
    int rc = 0;

    for (size_t off = 0; off < n && rc == 0; off += SP_X25519_BATCH) {
        size_t m = n - off < SP_X25519_BATCH ? n - off : SP_X25519_BATCH;

        for (size_t i = 0; i < m && rc == 0; i++) {
            const uint8_t *v = vals == NULL ? NULL : vals + offs[off + i];
            size_t len = offs[off + i + 1] - offs[off + i];

            rc = sp_expand_message_xmd_sha512(uniform + i * step, step, v, len, dst, dst_len);
        }
        if (rc == 0)
            rc = sp_x25519_hash_to_u(out + off * SP_GROUP_ELEMENT_BYTES, uniform, m, ro);
    }
    sodium_memzero(uniform, sizeof(uniform));
    return rc;
}

static int hash_one(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst, size_t dst_len,
                    const uint8_t *msg, size_t msg_len, int ro)
{
    uint8_t elem[SP_GROUP_ELEMENT_BYTES];
    uint32_t offs[2] = {0, 0};
    int rc;

    if (out == NULL || (msg == NULL && msg_len > 0) || msg_len > UINT32_MAX)
        return SP_ERR_INVALID_ARG;
    offs[1] = (uint32_t)msg_len;
    rc = hash_chunk(elem, dst, dst_len, msg, offs, 1, ro);
    if (rc == 0)
        memcpy(out, elem, sizeof(elem));
    sodium_memzero(elem, sizeof(elem));
    return rc;
}

int sp_group_hash_dst(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst, size_t dst_len,
                      const uint8_t *msg, size_t msg_len)
{
    return hash_one(out, dst, dst_len, msg, msg_len, 1);
}

int sp_group_encode_nu_dst(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst, size_t dst_len,
                           const uint8_t *msg, size_t msg_len)
{
    return hash_one(out, dst, dst_len, msg, msg_len, 0);
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

int sp_group_hash_many_dst(uint8_t *out, const uint8_t *dst, size_t dst_len, const uint8_t *vals,
                           const uint32_t *offs, size_t n)
{
    if (n == 0)
        return 0;
    if (out == NULL || offs == NULL || n > SIZE_MAX / SP_GROUP_ELEMENT_BYTES - 1)
        return SP_ERR_INVALID_ARG;
    if (vals == NULL && offs[n] != offs[0])
        return SP_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (offs[i + 1] < offs[i])
            return SP_ERR_INVALID_ARG;
    if (dst == NULL || dst_len == 0 || dst_len > SP_GROUP_DST_MAX_BYTES)
        return SP_ERR_CRYPTO_DST;
    return hash_chunk(out, dst, dst_len, vals, offs, n, 1);
}

int sp_group_hash_many(uint8_t *out, int key_type, const uint8_t *vals, const uint32_t *offs,
                       size_t n)
{
    char dst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t dst_len;
    int rc;

    /* Checked before the DST so that n == 0 succeeds for any key type, as
     * it always did. */
    if (n == 0)
        return 0;
    rc = sp_group_dst(dst, sizeof(dst), &dst_len, key_type);
    if (rc != 0)
        return rc;
    return sp_group_hash_many_dst(out, (const uint8_t *)dst, dst_len, vals, offs, n);
}

int sp_group_element_check(const uint8_t elem[SP_GROUP_ELEMENT_BYTES])
{
    if (elem == NULL || !sp_x25519_is_canonical(elem) || sp_x25519_is_small_order(elem) ||
        !sp_x25519_is_on_curve(elem))
        return SP_ERR_CRYPTO_POINT;
    return 0;
}

void sp_scalar_clamp(uint8_t s[SP_GROUP_SCALAR_BYTES])
{
    s[0] &= 248;
    s[31] &= 127;
    s[31] |= 64;
}

int sp_guarded_secret32(void **out, const uint8_t *bytes, void (*fix)(uint8_t s[32]))
{
    uint8_t *s;

    if (out == NULL)
        return SP_ERR_INVALID_ARG;
    if (sp_crypto_init() != 0)
        return SP_ERR_CRYPTO_INIT;
    s = sodium_malloc(32);
    if (s == NULL)
        return SP_ERR_NOMEM;
    if (bytes != NULL)
        memcpy(s, bytes, 32);
    else
        randombytes_buf(s, 32);
    if (fix)
        fix(s);
    if (sodium_mprotect_readonly(s) != 0) {
        sodium_free(s);
        return SP_ERR_INTERNAL;
    }
    *out = s;
    return 0;
}

/* A guarded key: the given scalar (or a fresh random one), clamped, sealed
 * read-only for the rest of its life. */
static int round_key_make(struct sp_round_key **out, const uint8_t *scalar)
{
    _Static_assert(sizeof(struct sp_round_key) == 32, "a round key is its scalar");
    return sp_guarded_secret32((void **)out, scalar, sp_scalar_clamp);
}

int sp_round_key_new(struct sp_round_key **out)
{
    return round_key_make(out, NULL);
}

int sp_round_key_from_scalar(struct sp_round_key **out, const uint8_t scalar[SP_GROUP_SCALAR_BYTES])
{
    if (out == NULL || scalar == NULL)
        return SP_ERR_INVALID_ARG;
    return round_key_make(out, scalar);
}

int sp_round_key_from_derived(struct sp_round_key **out, const uint8_t bytes[SP_GROUP_SCALAR_BYTES])
{
    if (out == NULL || bytes == NULL)
        return SP_ERR_INVALID_ARG;
    return round_key_make(out, bytes);
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

/* Overwrites the stack the ladders used below our frame (libsodium's copy
 * of the clamped scalar, the 4-lane ladder's spilled state; libsodium 1.0.18
 * has no sodium_stackzero). 16 KiB: the 4-lane ladder's frames reach about
 * 10 KiB below sp_blind_batch. Not inlined, so that its frame lies where
 * the ladder's did. */
__attribute__((noinline)) void sp_crypto_wipe_stack(void)
{
    uint8_t pad[16384];

    sodium_memzero(pad, sizeof(pad));
    __asm__ __volatile__("" : : "r"(pad) : "memory");
}

/* Takes one element's result: e is the input (public), out the ladder's
 * output for it. A non-canonical input or an all-zero output (an input of
 * order dividing 8) is refused; the result and the refusal are public
 * (sent on, or reported). */
static int take_one(uint8_t *e, uint8_t out[SP_GROUP_ELEMENT_BYTES], int ladder_rc)
{
    int r = ladder_rc;

    SP_CT_PUBLIC(out, SP_GROUP_ELEMENT_BYTES);
    SP_CT_PUBLIC(&r, sizeof(r));
    if (r != 0 || !sp_x25519_is_canonical(e) || sodium_is_zero(out, SP_GROUP_ELEMENT_BYTES))
        return SP_ERR_CRYPTO_POINT;
    memcpy(e, out, SP_GROUP_ELEMENT_BYTES);
    return 0;
}

/* libsodium's ladder on one element (non-canonical ones never reach it). */
static int blind_one(const struct sp_round_key *key, uint8_t *e)
{
    uint8_t out[SP_GROUP_ELEMENT_BYTES];
    int r = -1, rc;

    memset(out, 0, sizeof(out));
    if (sp_x25519_is_canonical(e))
        r = crypto_scalarmult_curve25519(out, key->scalar, e);
    rc = take_one(e, out, r);
    sodium_memzero(out, sizeof(out));
    return rc;
}

/* Four elements at a time with the AVX2 ladder; the lanes past the end of a
 * short last group compute a copy of its first element, and are dropped. A
 * lone last element goes through libsodium's ladder: one 4-lane call costs
 * about two of those. */
static int blind_avx2(const struct sp_round_key *key, uint8_t *elems, size_t n, size_t *bad_index)
{
    uint8_t in[SP_X25519_AVX2_LANES][SP_GROUP_ELEMENT_BYTES];
    uint8_t out[SP_X25519_AVX2_LANES][SP_GROUP_ELEMENT_BYTES];
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i += SP_X25519_AVX2_LANES) {
        size_t m = n - i < SP_X25519_AVX2_LANES ? n - i : SP_X25519_AVX2_LANES;
        uint8_t *e = elems + i * SP_GROUP_ELEMENT_BYTES;

        if (m == 1) {
            rc = blind_one(key, e);
            if (rc != 0 && bad_index != NULL)
                *bad_index = i;
            break;
        }
        for (size_t j = 0; j < SP_X25519_AVX2_LANES; j++)
            memcpy(in[j], e + (j < m ? j : 0) * SP_GROUP_ELEMENT_BYTES, SP_GROUP_ELEMENT_BYTES);
        sp_x25519_avx2_scalarmult(out, key->scalar, (const uint8_t(*)[SP_GROUP_ELEMENT_BYTES])in);
        for (size_t j = 0; j < m && rc == 0; j++) {
            rc = take_one(e + j * SP_GROUP_ELEMENT_BYTES, out[j], 0);
            if (rc != 0 && bad_index != NULL)
                *bad_index = i + j;
        }
    }
    sodium_memzero(out, sizeof(out));
    return rc;
}

static int blind_all(const struct sp_round_key *key, uint8_t *elems, size_t n, size_t *bad_index)
{
    if (key == NULL || (elems == NULL && n > 0) || n > SIZE_MAX / SP_GROUP_ELEMENT_BYTES)
        return SP_ERR_INVALID_ARG;
    if (sp_blind_impl() == SP_BLIND_AVX2)
        return blind_avx2(key, elems, n, bad_index);
    for (size_t i = 0; i < n; i++) {
        if (blind_one(key, elems + i * SP_GROUP_ELEMENT_BYTES) != 0) {
            if (bad_index != NULL)
                *bad_index = i;
            return SP_ERR_CRYPTO_POINT;
        }
    }
    return 0;
}

int sp_blind_batch(const struct sp_round_key *key, uint8_t *elems, size_t n, size_t *bad_index)
{
    int rc = blind_all(key, elems, n, bad_index);

    sp_crypto_wipe_stack();
    return rc;
}
