/*
 * The oblivious PRF of case questions (docs/case-questions.md):
 *
 *   F_k(x) = X25519(k, H_case(x))       k: a partner's epoch key per key type
 *
 * H_case is RFC 9380 curve25519_XMD:SHA-512_ELL2_RO_ under a DST of its own
 * ("snijpunt-case-v1-<key type>-with-curve25519_XMD:SHA-512_ELL2_RO_"), so
 * case outputs have nothing in common with the blinded values of a
 * whole-dataset round. The asker blinds Q = [r]H_case(s) with a fresh scalar
 * per value, the partner evaluates R = [k]Q (sp_blind_batch with its epoch
 * key), the asker unblinds [r^-1 mod L]R = F_k(s) and looks the fingerprint
 * up in the partner's filter.
 *
 * Unblinding cannot use X25519 (it clamps every scalar, and r^-1 mod L is no
 * clamped scalar): R lies in the prime-order subgroup, so it is mapped to
 * the Edwards curve (y = (u - 1) / (u + 1), either sign of x: [n]P and
 * [n](-P) have the same u), multiplied with libsodium's noclamp Edwards
 * multiplication by r^-1 mod L, and mapped back (u = (1 + y) / (1 - y)).
 *
 * Pure: caller buffers, guarded memory for secrets, no I/O.
 */
#ifndef SP_CRYPTO_OPRF_H
#define SP_CRYPTO_OPRF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "crypto/group.h"

#define SP_OPRF_SECRET_BYTES 32

/* A node's epoch secret in guarded memory (sodium_malloc, read-only after
 * creation, wiped on free). Never sent; the driver keeps it in a 0600 file
 * so that a restart inside the epoch keeps its outputs valid. */
struct sp_oprf_secret;

/* A fresh random secret. Returns 0, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM,
 * SP_ERR_INTERNAL. */
SP_NODISCARD int sp_oprf_secret_new(struct sp_oprf_secret **out);
/* A secret from its 32 bytes (read back from the epoch file; the caller
 * wipes its copy). Returns 0, SP_ERR_INVALID_ARG, SP_ERR_NOMEM, SP_ERR_INTERNAL. */
SP_NODISCARD int sp_oprf_secret_from_bytes(struct sp_oprf_secret **out,
                                           const uint8_t bytes[SP_OPRF_SECRET_BYTES]);
/* Its 32 bytes, for the epoch file (the caller wipes out). */
void sp_oprf_secret_bytes(const struct sp_oprf_secret *s, uint8_t out[SP_OPRF_SECRET_BYTES]);
/* Wipes, frees, clears *s; NULL-safe. */
void sp_oprf_secret_free(struct sp_oprf_secret **s);

/* The epoch key of (epoch, key type): HKDF-SHA-512 of the secret with info
 * "snijpunt case oprf v1" | epoch (u32 BE) | key type (u8), clamped, as a
 * struct sp_round_key (guarded; evaluate with sp_blind_batch, free with
 * sp_round_key_free). Returns 0, SP_ERR_INVALID_ARG, SP_ERR_NOMEM, SP_ERR_INTERNAL. */
SP_NODISCARD int sp_oprf_key_derive(const struct sp_oprf_secret *s, uint32_t epoch, int key_type,
                                    struct sp_round_key **out);

/* Builds H_case's domain separation tag of a key type:
 *   "snijpunt-case-v1-<key type name>-with-curve25519_XMD:SHA-512_ELL2_RO_"
 * (as sp_group_dst does for rounds). Writes a NUL-terminated string and its
 * length without the NUL to *dst_len (may be NULL). Returns 0,
 * SP_ERR_INVALID_ARG (unknown key type, NULL) or SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_oprf_dst(char *dst, size_t dst_cap, size_t *dst_len, int key_type);

/* H_case of n values of one key type (layout as sp_group_hash_many: value i
 * is vals[offs[i]] .. vals[offs[i+1] - 1]). Same secrecy as sp_group_hash.
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_oprf_hash_many(uint8_t *out, int key_type, const uint8_t *vals,
                                   const uint32_t *offs, size_t n);

/* The asker's blinding scalars of one question, in guarded memory. */
struct sp_oprf_blinds;

/* Blinds n hashed values in place (elems: n * 32 bytes, H_case outputs in,
 * [r_i]H_case out) with a fresh scalar each, kept in *out for the unblinding.
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_POINT (an input of low
 * order), SP_ERR_NOMEM, SP_ERR_INTERNAL. */
SP_NODISCARD int sp_oprf_blind(uint8_t *elems, size_t n, struct sp_oprf_blinds **out);
/* Unblinds n answers in place (elems: R_first .. R_{first+n-1}, each the
 * partner's answer to value first+i; out: F_k of that value). Every answer is
 * checked (canonical, on the curve, not of low order; libsodium's Edwards
 * multiplication also refuses a point outside the prime-order subgroup); a
 * refused one sets *bad_index (if not NULL) to its index in elems (0..n-1)
 * and returns SP_ERR_CRYPTO_POINT (elems then unspecified). first + n must
 * not exceed the count of scalars.
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_oprf_unblind(const struct sp_oprf_blinds *b, size_t first, uint8_t *elems,
                                 size_t n, size_t *bad_index);
/* Number of scalars held. */
size_t sp_oprf_blinds_count(const struct sp_oprf_blinds *b);
/* Wipes, frees, clears *b; NULL-safe. */
void sp_oprf_blinds_free(struct sp_oprf_blinds **b);

/* The 64-bit fingerprint a filter holds: the first 8 bytes, little-endian,
 * of BLAKE2b with a 64-byte output (BLAKE2b-512; libsodium's generichash
 * has no 8-byte output), unkeyed, over "snijpunt case fp v1" | key type (u8)
 * | F (32 bytes). Equal outputs of different key types give unrelated
 * fingerprints. */
uint64_t sp_oprf_fingerprint(int key_type, const uint8_t f[SP_GROUP_ELEMENT_BYTES]);

#endif
