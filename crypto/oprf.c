/*
 * The oblivious PRF of case questions (oprf.h, docs/case-questions.md).
 *
 * Why this file looks the way it does:
 * - H_case is group.c's hash under a DST of its own (sp_group_hash_many_dst),
 *   so case outputs share nothing with a round's blinded values.
 * - Epoch keys are HKDF-SHA-512 (hkdf.c: libsodium 1.0.18 has none) of the
 *   epoch secret, clamped by group.c into an ordinary guarded round key, so
 *   the partner evaluates with sp_blind_batch like a round's blinding.
 * - The asker blinds with X25519 (clamped r: every r is a valid blinding of
 *   the prime-order subgroup) and keeps only r^-1 mod L, computed at blinding
 *   time with one inversion per 64 values: unblinding needs nothing else,
 *   and the one failure of the inversion (impossible for a clamped r, below)
 *   is then reported where the header allows SP_ERR_INTERNAL.
 * - Unblinding multiplies on edwards25519 with libsodium's noclamp
 *   multiplication (X25519 would clamp r^-1). libsodium also refuses a point
 *   outside the prime-order subgroup there, so an answer of mixed order
 *   (on the curve, not of low order, but with a low-order component) is
 *   refused too, and so is an identity result.
 */
#include "oprf.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/keytype.h"
#include "ct.h"
#include "curve25519.h"
#include "group_internal.h"
#include "hkdf.h"

#define OPRF_INFO   "snijpunt case oprf v1"
#define FP_DOMAIN   "snijpunt case fp v1"
#define OPRF_SUITE  "curve25519_XMD:SHA-512_ELL2_RO_"
#define SCALAR_WIDE 64 /* crypto_core_ed25519_scalar_reduce's input */
#define BLIND_CHUNK 64 /* scalars per shared inversion */

struct sp_oprf_secret {
    uint8_t bytes[SP_OPRF_SECRET_BYTES];
};

/* One guarded region: the count, then n scalars r_i^-1 mod L. The header is
 * 16 bytes so that the scalars stay aligned (sodium_malloc aligns the end of
 * a region, not its start). */
struct sp_oprf_blinds {
    size_t n;
    size_t pad;
    uint8_t inv[][SP_GROUP_SCALAR_BYTES];
};

/* ---- the epoch secret ---------------------------------------------------- */

static int secret_make(struct sp_oprf_secret **out, const uint8_t *bytes)
{
    _Static_assert(sizeof(struct sp_oprf_secret) == 32, "a secret is its bytes");
    return sp_guarded_secret32((void **)out, bytes, NULL);
}

int sp_oprf_secret_new(struct sp_oprf_secret **out)
{
    return secret_make(out, NULL);
}

int sp_oprf_secret_from_bytes(struct sp_oprf_secret **out,
                              const uint8_t bytes[SP_OPRF_SECRET_BYTES])
{
    if (bytes == NULL)
        return SP_ERR_INVALID_ARG;
    return secret_make(out, bytes);
}

void sp_oprf_secret_bytes(const struct sp_oprf_secret *s, uint8_t out[SP_OPRF_SECRET_BYTES])
{
    if (s == NULL || out == NULL)
        return;
    memcpy(out, s->bytes, SP_OPRF_SECRET_BYTES);
}

void sp_oprf_secret_free(struct sp_oprf_secret **s)
{
    if (s == NULL || *s == NULL)
        return;
    sodium_free(*s); /* writable again, zeroed, unlocked, unmapped */
    *s = NULL;
}

/* ---- epoch keys ---------------------------------------------------------- */

int sp_oprf_key_derive(const struct sp_oprf_secret *s, uint32_t epoch, int key_type,
                       struct sp_round_key **out)
{
    uint8_t info[sizeof(OPRF_INFO) - 1 + 5];
    uint8_t okm[SP_GROUP_SCALAR_BYTES];
    size_t at = sizeof(OPRF_INFO) - 1;
    int rc;

    if (s == NULL || out == NULL || sp_key_type_name(key_type) == NULL)
        return SP_ERR_INVALID_ARG;
    memcpy(info, OPRF_INFO, at);
    info[at++] = (uint8_t)(epoch >> 24);
    info[at++] = (uint8_t)(epoch >> 16);
    info[at++] = (uint8_t)(epoch >> 8);
    info[at++] = (uint8_t)epoch;
    info[at++] = (uint8_t)key_type;
    /* No salt (RFC 5869's default): the secret is uniform already. */
    rc = sp_hkdf_sha512(okm, sizeof(okm), NULL, 0, s->bytes, sizeof(s->bytes), info, sizeof(info));
    if (rc == 0)
        rc = sp_round_key_from_derived(out, okm); /* clamps */
    sodium_memzero(okm, sizeof(okm));
    return rc == SP_ERR_CRYPTO_INIT ? SP_ERR_INTERNAL : rc;
}

/* ---- H_case -------------------------------------------------------------- */

int sp_oprf_dst(char *dst, size_t dst_cap, size_t *dst_len, int key_type)
{
    const char *name = sp_key_type_name(key_type);
    int len;

    if (dst == NULL || name == NULL)
        return SP_ERR_INVALID_ARG;
    len = snprintf(dst, dst_cap, "snijpunt-case-v1-%s-with-" OPRF_SUITE, name);
    if (len < 0 || (size_t)len >= dst_cap || len > SP_GROUP_DST_MAX_BYTES) {
        if (dst_cap > 0)
            dst[0] = '\0';
        return SP_ERR_OVERFLOW;
    }
    if (dst_len != NULL)
        *dst_len = (size_t)len;
    return 0;
}

int sp_oprf_hash_many(uint8_t *out, int key_type, const uint8_t *vals, const uint32_t *offs,
                      size_t n)
{
    char dst[SP_GROUP_DST_MAX_BYTES + 1];
    size_t dst_len;

    /* Our own tags always fit: a failure here is an unknown key type. */
    if (sp_oprf_dst(dst, sizeof(dst), &dst_len, key_type) != 0)
        return SP_ERR_INVALID_ARG;
    return sp_group_hash_many_dst(out, (const uint8_t *)dst, dst_len, vals, offs, n);
}

/* ---- blinding ------------------------------------------------------------ */

/* r mod L of a clamped r (reduce takes 64 bytes). */
static void scalar_reduce(uint8_t red[SP_GROUP_SCALAR_BYTES],
                          const uint8_t r[SP_GROUP_SCALAR_BYTES])
{
    uint8_t wide[SCALAR_WIDE] = {0};

    memcpy(wide, r, SP_GROUP_SCALAR_BYTES);
    crypto_core_ed25519_scalar_reduce(red, wide);
    sodium_memzero(wide, sizeof(wide));
}

/* Replaces the m scalars s[i] (r_i mod L) by their inverses mod L with one
 * inversion (Montgomery's trick: libsodium 1.0.18's inversion costs about
 * as much as the ladder, a product about 1 %). r is a multiple of 8 below
 * 2^255 < 8L and L is an odd prime, so no r_i is 0 mod L: the failure is
 * defensive. */
static int invert_chunk(uint8_t (*s)[SP_GROUP_SCALAR_BYTES], size_t m)
{
    uint8_t acc[BLIND_CHUNK][SP_GROUP_SCALAR_BYTES], inv[SP_GROUP_SCALAR_BYTES],
        t[SP_GROUP_SCALAR_BYTES];
    int rc = 0;

    memcpy(acc[0], s[0], SP_GROUP_SCALAR_BYTES);
    for (size_t i = 1; i < m; i++)
        crypto_core_ed25519_scalar_mul(acc[i], acc[i - 1], s[i]);
    if (crypto_core_ed25519_scalar_invert(inv, acc[m - 1]) != 0) {
        rc = SP_ERR_INTERNAL;
        goto out;
    }
    for (size_t i = m - 1; i > 0; i--) {
        crypto_core_ed25519_scalar_mul(t, inv, acc[i - 1]); /* 1 / r_i */
        crypto_core_ed25519_scalar_mul(inv, inv, s[i]);     /* 1 / (r_0 .. r_(i-1)) */
        memcpy(s[i], t, SP_GROUP_SCALAR_BYTES);
    }
    memcpy(s[0], inv, SP_GROUP_SCALAR_BYTES);
out:
    sodium_memzero(acc, sizeof(acc));
    sodium_memzero(inv, sizeof(inv));
    sodium_memzero(t, sizeof(t));
    return rc;
}

/* Blinds one element with a fresh r (written to red as r mod L). */
static int blind_one(uint8_t elem[SP_GROUP_ELEMENT_BYTES], uint8_t red[SP_GROUP_SCALAR_BYTES])
{
    uint8_t r[SP_GROUP_SCALAR_BYTES], q[SP_GROUP_ELEMENT_BYTES];
    int ok = -1;

    randombytes_buf(r, sizeof(r));
    sp_scalar_clamp(r);
    /* A non-canonical u is refused; an input of order dividing 8 gives the
     * all-zero result, which crypto_scalarmult refuses. */
    if (sp_x25519_is_canonical(elem))
        ok = crypto_scalarmult_curve25519(q, r, elem);
    SP_CT_PUBLIC(&ok, sizeof(ok));
    if (ok == 0) {
        scalar_reduce(red, r);
        memcpy(elem, q, sizeof(q));
    }
    sodium_memzero(r, sizeof(r));
    sodium_memzero(q, sizeof(q));
    return ok == 0 ? 0 : SP_ERR_CRYPTO_POINT;
}

static struct sp_oprf_blinds *blinds_alloc(size_t n)
{
    struct sp_oprf_blinds *b;

    if (n > (SIZE_MAX - sizeof(*b)) / SP_GROUP_SCALAR_BYTES)
        return NULL;
    b = sodium_malloc(sizeof(*b) + n * SP_GROUP_SCALAR_BYTES);
    if (b != NULL)
        b->n = n;
    return b;
}

int sp_oprf_blind(uint8_t *elems, size_t n, struct sp_oprf_blinds **out)
{
    struct sp_oprf_blinds *b = NULL;
    int rc = 0;

    if (out == NULL || (elems == NULL && n > 0) || n > SIZE_MAX / SP_GROUP_ELEMENT_BYTES)
        return SP_ERR_INVALID_ARG;
    if (sp_crypto_init() != 0)
        return SP_ERR_INTERNAL;
    b = blinds_alloc(n);
    if (b == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = blind_one(elems + i * SP_GROUP_ELEMENT_BYTES, b->inv[i]);
    for (size_t at = 0; at < n && rc == 0; at += BLIND_CHUNK)
        rc = invert_chunk(b->inv + at, n - at < BLIND_CHUNK ? n - at : BLIND_CHUNK);
    if (rc == 0 && sodium_mprotect_readonly(b) != 0)
        rc = SP_ERR_INTERNAL;
    sp_crypto_wipe_stack();
    if (rc != 0) {
        sodium_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* ---- unblinding ---------------------------------------------------------- */

/* [inv]R on edwards25519, R given by its u (checked by the caller): u to y,
 * sign of x 0 (either point will do: [n]P and [n](-P) share their u), the
 * noclamp multiplication, y back to u. */
static int unblind_one(uint8_t elem[SP_GROUP_ELEMENT_BYTES],
                       const uint8_t inv[SP_GROUP_SCALAR_BYTES])
{
    uint8_t ed[SP_GROUP_ELEMENT_BYTES], res[SP_GROUP_ELEMENT_BYTES];
    int ok;

    sp_x25519_u_to_ed25519_y(ed, elem); /* canonical, bit 255 (sign of x) 0 */
    ok = crypto_scalarmult_ed25519_noclamp(res, inv, ed);
    SP_CT_PUBLIC(&ok, sizeof(ok)); /* a refusal is reported */
    if (ok == 0)
        sp_ed25519_y_to_x25519_u(elem, res); /* ignores the sign bit */
    sodium_memzero(ed, sizeof(ed));
    sodium_memzero(res, sizeof(res));
    return ok == 0 ? 0 : SP_ERR_CRYPTO_POINT;
}

int sp_oprf_unblind(const struct sp_oprf_blinds *b, size_t first, uint8_t *elems, size_t n,
                    size_t *bad_index)
{
    int rc = 0;

    if (b == NULL || (elems == NULL && n > 0) || first > b->n || n > b->n - first)
        return SP_ERR_INVALID_ARG;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint8_t *e = elems + i * SP_GROUP_ELEMENT_BYTES;

        /* Canonical, on the curve (not the twist), not of low order: the
         * answer is public, so the check may branch. */
        rc = sp_group_element_check(e);
        if (rc == 0)
            rc = unblind_one(e, b->inv[first + i]);
        if (rc != 0 && bad_index != NULL)
            *bad_index = i;
    }
    sp_crypto_wipe_stack();
    return rc;
}

size_t sp_oprf_blinds_count(const struct sp_oprf_blinds *b)
{
    return b == NULL ? 0 : b->n;
}

void sp_oprf_blinds_free(struct sp_oprf_blinds **b)
{
    if (b == NULL || *b == NULL)
        return;
    sodium_free(*b);
    *b = NULL;
}

/* ---- fingerprints -------------------------------------------------------- */

uint64_t sp_oprf_fingerprint(int key_type, const uint8_t f[SP_GROUP_ELEMENT_BYTES])
{
    uint8_t msg[sizeof(FP_DOMAIN) - 1 + 1 + SP_GROUP_ELEMENT_BYTES];
    uint8_t h[crypto_generichash_BYTES_MAX];
    size_t at = sizeof(FP_DOMAIN) - 1;
    uint64_t fp = 0;

    memcpy(msg, FP_DOMAIN, at);
    msg[at++] = (uint8_t)key_type;
    memcpy(msg + at, f, SP_GROUP_ELEMENT_BYTES);
    /* BLAKE2b with its 64-byte output, truncated: libsodium's generichash
     * has no 8-byte output (16..64 bytes). */
    crypto_generichash(h, sizeof(h), msg, sizeof(msg), NULL, 0);
    for (int i = 7; i >= 0; i--)
        fp = (fp << 8) | h[i];
    sodium_memzero(msg, sizeof(msg));
    sodium_memzero(h, sizeof(h));
    return fp;
}
