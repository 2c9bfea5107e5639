/*
 * What group.c shares with the other files of crypto/ (oprf.c) and nobody
 * else: hashing under an explicit DST in batches, a round key from derived
 * bytes, and the stack wipe after the ladder. Not part of the layer's
 * interface (crypto/README.md lists that); the layout of struct
 * sp_round_key stays inside group.c.
 */
#ifndef SP_CRYPTO_GROUP_INTERNAL_H
#define SP_CRYPTO_GROUP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "group.h"

/* sp_group_hash_many under an explicit DST (1..SP_GROUP_DST_MAX_BYTES):
 * the same argument checks and the same batching. Returns 0,
 * SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_DST or SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_group_hash_many_dst(uint8_t *out, const uint8_t *dst, size_t dst_len,
                                        const uint8_t *vals, const uint32_t *offs, size_t n);

/* A round key from 32 derived bytes (clamped here), for keys that are not
 * drawn at random but derived (the OPRF's epoch keys). The caller wipes its
 * copy. Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM,
 * SP_ERR_INTERNAL. */
SP_NODISCARD int sp_round_key_from_derived(struct sp_round_key **out,
                                           const uint8_t bytes[SP_GROUP_SCALAR_BYTES]);

/* A 32-byte secret in guarded memory (sodium_malloc: guard pages, mlocked,
 * out of core dumps): the given bytes (or fresh random ones), passed
 * through fix when not NULL (a clamp), then read-only for the rest of its
 * life; free with sodium_free. The round keys and the OPRF's epoch secrets
 * are made with it. Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_INIT,
 * SP_ERR_NOMEM, SP_ERR_INTERNAL. */
SP_NODISCARD int sp_guarded_secret32(void **out, const uint8_t *bytes, void (*fix)(uint8_t s[32]));

/* RFC 7748 decodeScalar25519 in place: a multiple of 8 in [2^254, 2^255). */
void sp_scalar_clamp(uint8_t s[SP_GROUP_SCALAR_BYTES]);

/* Overwrites 16 KiB of stack below the caller (libsodium's ladders leave
 * their copy of the scalar there, the 4-lane ladder its spilled state;
 * 1.0.18 has no sodium_stackzero). */
void sp_crypto_wipe_stack(void);

#endif
