/*
 * HKDF-SHA-512 (RFC 5869) on libsodium's HMAC-SHA-512 (see hkdf.h for why
 * it is written here). HMAC keys of any length are accepted by
 * crypto_auth_hmacsha512_init (longer ones are hashed, as RFC 2104 says).
 */
#include "hkdf.h"

#include <string.h>

#include <sodium.h>

int sp_hkdf_sha512_extract(uint8_t prk[SP_HKDF_SHA512_PRK_BYTES], const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len)
{
    static const uint8_t zero_salt[SP_HKDF_SHA512_PRK_BYTES];
    crypto_auth_hmacsha512_state st;

    if (prk == NULL || (salt == NULL && salt_len > 0) || (ikm == NULL && ikm_len > 0))
        return SP_ERR_INVALID_ARG;
    if (salt_len == 0) {
        salt = zero_salt;
        salt_len = sizeof(zero_salt);
    }
    crypto_auth_hmacsha512_init(&st, salt, salt_len);
    if (ikm_len > 0)
        crypto_auth_hmacsha512_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha512_final(&st, prk);
    sodium_memzero(&st, sizeof(st));
    return 0;
}

int sp_hkdf_sha512_expand(uint8_t *out, size_t out_len, const uint8_t prk[SP_HKDF_SHA512_PRK_BYTES],
                          const uint8_t *info, size_t info_len)
{
    crypto_auth_hmacsha512_state st;
    uint8_t t[crypto_auth_hmacsha512_BYTES];
    size_t done = 0;

    if (out == NULL || prk == NULL || out_len == 0 || out_len > SP_HKDF_SHA512_MAX_BYTES ||
        (info == NULL && info_len > 0))
        return SP_ERR_INVALID_ARG;
    /* T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty. */
    for (uint8_t i = 1; done < out_len; i++) {
        size_t take = out_len - done < sizeof(t) ? out_len - done : sizeof(t);

        crypto_auth_hmacsha512_init(&st, prk, SP_HKDF_SHA512_PRK_BYTES);
        if (i > 1)
            crypto_auth_hmacsha512_update(&st, t, sizeof(t));
        if (info_len > 0)
            crypto_auth_hmacsha512_update(&st, info, info_len);
        crypto_auth_hmacsha512_update(&st, &i, 1);
        crypto_auth_hmacsha512_final(&st, t);
        memcpy(out + done, t, take);
        done += take;
    }
    sodium_memzero(&st, sizeof(st));
    sodium_memzero(t, sizeof(t));
    return 0;
}

int sp_hkdf_sha512(uint8_t *out, size_t out_len, const uint8_t *salt, size_t salt_len,
                   const uint8_t *ikm, size_t ikm_len, const uint8_t *info, size_t info_len)
{
    uint8_t prk[SP_HKDF_SHA512_PRK_BYTES];
    int rc;

    if (out == NULL || out_len == 0 || out_len > SP_HKDF_SHA512_MAX_BYTES ||
        (info == NULL && info_len > 0))
        return SP_ERR_INVALID_ARG;
    rc = sp_hkdf_sha512_extract(prk, salt, salt_len, ikm, ikm_len);
    if (rc == 0)
        rc = sp_hkdf_sha512_expand(out, out_len, prk, info, info_len);
    sodium_memzero(prk, sizeof(prk));
    return rc;
}
