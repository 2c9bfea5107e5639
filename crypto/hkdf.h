/*
 * HKDF with HMAC-SHA-512 (RFC 5869). libsodium 1.0.18 (Debian 12) has no
 * crypto_kdf_hkdf_sha512_* (added in 1.0.19), so it is written here on
 * crypto_auth_hmacsha512; tests/crypto/test_hkdf.c checks it against
 * vectors computed independently (Python's hmac and OpenSSL's `openssl kdf`).
 * Internal to crypto/ (the OPRF's epoch keys); pure.
 */
#ifndef SP_CRYPTO_HKDF_H
#define SP_CRYPTO_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_HKDF_SHA512_PRK_BYTES 64
/* RFC 5869: L <= 255 * HashLen. */
#define SP_HKDF_SHA512_MAX_BYTES (255 * 64)

/* HKDF-Extract: prk = HMAC-SHA-512(salt, ikm); salt may be NULL when
 * salt_len is 0 (RFC 5869: a string of 64 zero bytes, which HMAC pads to
 * the same key as the empty one). Returns 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_hkdf_sha512_extract(uint8_t prk[SP_HKDF_SHA512_PRK_BYTES], const uint8_t *salt,
                                        size_t salt_len, const uint8_t *ikm, size_t ikm_len);

/* HKDF-Expand: out_len (1..SP_HKDF_SHA512_MAX_BYTES) bytes from prk and info
 * (info may be NULL when info_len is 0). Intermediate blocks are wiped.
 * Returns 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_hkdf_sha512_expand(uint8_t *out, size_t out_len,
                                       const uint8_t prk[SP_HKDF_SHA512_PRK_BYTES],
                                       const uint8_t *info, size_t info_len);

/* Extract then expand; the PRK is wiped. Returns 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_hkdf_sha512(uint8_t *out, size_t out_len, const uint8_t *salt, size_t salt_len,
                                const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
                                size_t info_len);

#endif
