/*
 * Identity keys and their text forms. The secret halves live in one guarded
 * region (sodium_malloc), sealed read-only once filled; every temporary copy
 * of a secret (seed, base64 text) is wiped before returning.
 */
#include "identity.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "group.h"
#include "z85.h"

#define SECRET_HEADER "snijpunt-identity v1\n"
#define SIGN_LABEL    "sign-seed "
#define CURVE_LABEL   "curve-secret "
#define PUBLIC_PREFIX "snijpunt-public-v1:"
#define B64_VARIANT   sodium_base64_VARIANT_ORIGINAL
#define B64_32_CHARS  44 /* base64 of 32 bytes, padded */
#define B64_64_CHARS  88 /* base64 of 64 bytes, padded */
#define SEED_BYTES    crypto_sign_SEEDBYTES

/* The fixed length of a well-formed secret key text. */
#define SECRET_TEXT_LEN                                                                            \
    (sizeof(SECRET_HEADER) - 1 + sizeof(SIGN_LABEL) - 1 + B64_32_CHARS + 1 + sizeof(CURVE_LABEL) - \
     1 + B64_32_CHARS + 1)
#define PUBLIC_TEXT_LEN (sizeof(PUBLIC_PREFIX) - 1 + B64_64_CHARS)

_Static_assert(crypto_sign_PUBLICKEYBYTES == SP_SIGN_PUBLIC_BYTES, "Ed25519 public key size");
_Static_assert(crypto_sign_BYTES == SP_SIGNATURE_BYTES, "Ed25519 signature size");
_Static_assert(crypto_box_PUBLICKEYBYTES == SP_CURVE_PUBLIC_BYTES, "X25519 public key size");
_Static_assert(crypto_box_SECRETKEYBYTES == SP_CURVE_SECRET_BYTES, "X25519 secret key size");
_Static_assert(sodium_base64_ENCODED_LEN(32, B64_VARIANT) == B64_32_CHARS + 1, "base64 size");
_Static_assert(sodium_base64_ENCODED_LEN(64, B64_VARIANT) == B64_64_CHARS + 1, "base64 size");
_Static_assert(SECRET_TEXT_LEN < SP_IDENTITY_TEXT_MAX_BYTES, "secret text buffer");
_Static_assert(PUBLIC_TEXT_LEN + 1 < SP_IDENTITY_PUBLIC_TEXT_MAX_BYTES, "public text buffer");

struct sp_identity {
    uint8_t sign_sk[crypto_sign_SECRETKEYBYTES]; /* seed || public key */
    uint8_t sign_pk[SP_SIGN_PUBLIC_BYTES];
    uint8_t curve_sk[SP_CURVE_SECRET_BYTES];
    uint8_t curve_pk[SP_CURVE_PUBLIC_BYTES];
};

static int identity_alloc(struct sp_identity **out)
{
    if (sp_crypto_init() != 0)
        return SP_ERR_CRYPTO_INIT;
    *out = sodium_malloc(sizeof(**out));
    return *out == NULL ? SP_ERR_NOMEM : 0;
}

/* Seals a filled identity read-only; it is never written again. */
static int identity_seal(struct sp_identity *id)
{
    return sodium_mprotect_readonly(id) == 0 ? 0 : SP_ERR_INTERNAL;
}

int sp_identity_generate(struct sp_identity **out)
{
    struct sp_identity *id = NULL;
    int rc;

    if (out == NULL)
        return SP_ERR_INVALID_ARG;
    rc = identity_alloc(&id);
    if (rc != 0)
        goto done;
    crypto_sign_keypair(id->sign_pk, id->sign_sk);
    /* Independent of the signing key, as ZeroMQ CURVE expects from
     * crypto_box_keypair. */
    crypto_box_keypair(id->curve_pk, id->curve_sk);
    rc = identity_seal(id);
done:
    if (rc != 0)
        sodium_free(id);
    else
        *out = id;
    return rc;
}

int sp_identity_rotate_curve(const struct sp_identity *id, struct sp_identity **out)
{
    struct sp_identity *next = NULL;
    if (id == NULL || out == NULL)
        return SP_ERR_INVALID_ARG;
    int rc = identity_alloc(&next);
    if (rc != 0)
        return rc;
    memcpy(next->sign_sk, id->sign_sk, sizeof(next->sign_sk));
    memcpy(next->sign_pk, id->sign_pk, sizeof(next->sign_pk));
    crypto_box_keypair(next->curve_pk, next->curve_sk);
    rc = identity_seal(next);
    if (rc != 0)
        sodium_free(next); /* wipes */
    else
        *out = next;
    return rc;
}

void sp_identity_free(struct sp_identity **id)
{
    if (id == NULL || *id == NULL)
        return;
    sodium_free(*id); /* wipes before unmapping */
    *id = NULL;
}

void sp_identity_public(const struct sp_identity *id, struct sp_identity_public *out)
{
    memcpy(out->sign_pk, id->sign_pk, sizeof(out->sign_pk));
    memcpy(out->curve_pk, id->curve_pk, sizeof(out->curve_pk));
}

int sp_identity_sign(const struct sp_identity *id, uint8_t sig[SP_SIGNATURE_BYTES],
                     const uint8_t *msg, size_t msg_len)
{
    static const uint8_t empty[1];

    if (id == NULL || sig == NULL || (msg == NULL && msg_len > 0))
        return SP_ERR_INVALID_ARG;
    crypto_sign_detached(sig, NULL, msg != NULL ? msg : empty, msg_len, id->sign_sk);
    return 0;
}

int sp_signature_verify(const uint8_t pk[SP_SIGN_PUBLIC_BYTES],
                        const uint8_t sig[SP_SIGNATURE_BYTES], const uint8_t *msg, size_t msg_len)
{
    static const uint8_t empty[1];

    if (pk == NULL || sig == NULL || (msg == NULL && msg_len > 0))
        return SP_ERR_INVALID_ARG;
    if (crypto_sign_verify_detached(sig, msg != NULL ? msg : empty, msg_len, pk) != 0)
        return SP_ERR_CRYPTO_SIGNATURE;
    return 0;
}

int sp_curve_public_z85(const uint8_t pk[SP_CURVE_PUBLIC_BYTES], char out[SP_CURVE_Z85_CHARS + 1])
{
    if (pk == NULL || out == NULL)
        return SP_ERR_INVALID_ARG;
    return sp_z85_encode(out, SP_CURVE_Z85_CHARS + 1, pk, SP_CURVE_PUBLIC_BYTES);
}

int sp_identity_curve_public_z85(const struct sp_identity *id, char out[SP_CURVE_Z85_CHARS + 1])
{
    if (id == NULL)
        return SP_ERR_INVALID_ARG;
    return sp_curve_public_z85(id->curve_pk, out);
}

int sp_identity_curve_secret_z85(const struct sp_identity *id, char out[SP_CURVE_Z85_CHARS + 1])
{
    int rc;

    if (id == NULL || out == NULL)
        return SP_ERR_INVALID_ARG;
    rc = sp_z85_encode(out, SP_CURVE_Z85_CHARS + 1, id->curve_sk, SP_CURVE_SECRET_BYTES);
    if (rc != 0)
        sodium_memzero(out, SP_CURVE_Z85_CHARS + 1);
    return rc;
}

/* Appends a NUL-terminated literal at out[*pos]; -1 when it does not fit. */
static int append_str(char *out, size_t cap, size_t *pos, const char *s)
{
    size_t n = strlen(s);

    if (cap - *pos <= n)
        return -1;
    memcpy(out + *pos, s, n + 1);
    *pos += n;
    return 0;
}

/* Appends "<label><base64(bin)>\n"; the base64 goes straight into out so that
 * no other copy of a secret exists. */
static int append_b64_line(char *out, size_t cap, size_t *pos, const char *label,
                           const uint8_t *bin, size_t bin_len)
{
    size_t enc = sodium_base64_ENCODED_LEN(bin_len, B64_VARIANT);

    if (append_str(out, cap, pos, label) != 0 || cap - *pos < enc)
        return -1;
    sodium_bin2base64(out + *pos, cap - *pos, bin, bin_len, B64_VARIANT);
    *pos += enc - 1;
    return append_str(out, cap, pos, "\n");
}

int sp_identity_encode(const struct sp_identity *id, char *out, size_t cap, size_t *out_len)
{
    uint8_t seed[SEED_BYTES];
    size_t pos = 0;
    int rc = SP_ERR_OVERFLOW;

    if (id == NULL || out == NULL || out_len == NULL || cap == 0)
        return SP_ERR_INVALID_ARG;
    crypto_sign_ed25519_sk_to_seed(seed, id->sign_sk);
    if (append_str(out, cap, &pos, SECRET_HEADER) != 0 ||
        append_b64_line(out, cap, &pos, SIGN_LABEL, seed, sizeof(seed)) != 0 ||
        append_b64_line(out, cap, &pos, CURVE_LABEL, id->curve_sk, sizeof(id->curve_sk)) != 0)
        goto done;
    *out_len = pos;
    rc = 0;
done:
    sodium_memzero(seed, sizeof(seed));
    if (rc != 0)
        sodium_memzero(out, cap);
    return rc;
}

/* Consumes the literal s at *p; -1 when the text differs. */
static int expect_str(const char **p, const char *end, const char *s)
{
    size_t n = strlen(s);

    if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* Consumes exactly b64_chars of canonical padded base64 decoding to bin_len
 * bytes. With b64_end NULL and no ignore set, libsodium refuses any
 * character outside the alphabet, missing or extra padding and non-zero
 * spare bits, so each key has exactly one accepted text. */
static int take_b64(const char **p, const char *end, uint8_t *bin, size_t bin_len, size_t b64_chars)
{
    size_t got = 0;

    if ((size_t)(end - *p) < b64_chars)
        return -1;
    if (sodium_base642bin(bin, bin_len, *p, b64_chars, NULL, &got, NULL, B64_VARIANT) != 0 ||
        got != bin_len)
        return -1;
    *p += b64_chars;
    return 0;
}

static int take_b64_line(const char **p, const char *end, const char *label, uint8_t bin[32])
{
    if (expect_str(p, end, label) != 0 || take_b64(p, end, bin, 32, B64_32_CHARS) != 0)
        return -1;
    return expect_str(p, end, "\n");
}

int sp_identity_decode(const char *text, size_t len, struct sp_identity **out)
{
    struct sp_identity *id = NULL;
    uint8_t seed[SEED_BYTES];
    const char *p = text, *end;
    int rc;

    if (text == NULL || out == NULL)
        return SP_ERR_INVALID_ARG;
    if (len != SECRET_TEXT_LEN)
        return SP_ERR_KEYFILE_FORMAT;
    end = text + len;
    rc = identity_alloc(&id);
    if (rc != 0)
        goto done;
    rc = SP_ERR_KEYFILE_FORMAT;
    if (expect_str(&p, end, SECRET_HEADER) != 0 || take_b64_line(&p, end, SIGN_LABEL, seed) != 0 ||
        take_b64_line(&p, end, CURVE_LABEL, id->curve_sk) != 0 || p != end)
        goto done;
    crypto_sign_seed_keypair(id->sign_pk, id->sign_sk, seed);
    if (crypto_scalarmult_curve25519_base(id->curve_pk, id->curve_sk) != 0)
        goto done;
    rc = identity_seal(id);
done:
    sodium_memzero(seed, sizeof(seed));
    if (rc != 0)
        sodium_free(id);
    else
        *out = id;
    return rc;
}

int sp_identity_public_encode(const struct sp_identity_public *pub, char *out, size_t cap,
                              size_t *out_len)
{
    uint8_t both[SP_SIGN_PUBLIC_BYTES + SP_CURVE_PUBLIC_BYTES];
    size_t pos = 0;

    if (pub == NULL || out == NULL || out_len == NULL || cap == 0)
        return SP_ERR_INVALID_ARG;
    memcpy(both, pub->sign_pk, SP_SIGN_PUBLIC_BYTES);
    memcpy(both + SP_SIGN_PUBLIC_BYTES, pub->curve_pk, SP_CURVE_PUBLIC_BYTES);
    if (append_b64_line(out, cap, &pos, PUBLIC_PREFIX, both, sizeof(both)) != 0) {
        out[0] = '\0';
        return SP_ERR_OVERFLOW;
    }
    *out_len = pos;
    return 0;
}

/* True when pk is of small order (the identity, a torsion point or their
 * non-canonical aliases): X25519 with it yields all zeros, which
 * crypto_scalarmult_curve25519 reports as failure for any clamped scalar. */
static bool curve_public_is_weak(const uint8_t pk[SP_CURVE_PUBLIC_BYTES])
{
    static const uint8_t probe[crypto_scalarmult_curve25519_SCALARBYTES] = {1};
    uint8_t shared[crypto_scalarmult_curve25519_BYTES];

    return crypto_scalarmult_curve25519(shared, probe, pk) != 0;
}

int sp_identity_public_decode(const char *text, size_t len, struct sp_identity_public *out)
{
    uint8_t both[SP_SIGN_PUBLIC_BYTES + SP_CURVE_PUBLIC_BYTES];
    const char *p = text, *end;

    if (text == NULL || out == NULL)
        return SP_ERR_INVALID_ARG;
    if (len == PUBLIC_TEXT_LEN + 1 && text[PUBLIC_TEXT_LEN] == '\n')
        len--;
    if (len != PUBLIC_TEXT_LEN)
        return SP_ERR_KEYFILE_FORMAT;
    end = text + len;
    if (expect_str(&p, end, PUBLIC_PREFIX) != 0 ||
        take_b64(&p, end, both, sizeof(both), B64_64_CHARS) != 0 || p != end)
        return SP_ERR_KEYFILE_FORMAT;
    /* A signing key that is not a main-subgroup point can never verify
     * anything, and a small-order CURVE key gives an all-zero shared secret
     * that libzmq refuses at handshake time; refusing either here names the
     * bad config line instead. */
    if (crypto_core_ed25519_is_valid_point(both) != 1 ||
        curve_public_is_weak(both + SP_SIGN_PUBLIC_BYTES))
        return SP_ERR_KEYFILE_FORMAT;
    memcpy(out->sign_pk, both, SP_SIGN_PUBLIC_BYTES);
    memcpy(out->curve_pk, both + SP_SIGN_PUBLIC_BYTES, SP_CURVE_PUBLIC_BYTES);
    return 0;
}
