/*
 * The group of the matching protocol: hashing match-key values to group
 * elements and blinding batches of elements with a round scalar.
 *
 * Elements are X25519 u-coordinates (32 bytes, canonical little-endian) of
 * points in the prime-order subgroup of curve25519; hashing is RFC 9380's
 * curve25519_XMD:SHA-512_ELL2_RO_ (expand_message_xmd with SHA-512, two
 * Elligator 2 maps, added, times the cofactor 8), keeping u; blinding is the
 * X25519 function with a clamped round scalar. crypto/README.md records the
 * measurements behind the choice, why clamping and u-only equality keep the
 * blinding commutative and safe, and the exact domain separation tags, which
 * are part of the protocol.
 *
 * Pure: caller-provided fixed-size buffers; no I/O, clock or logging.
 * Every function that touches a round key says so; round keys live in guarded
 * memory (see struct sp_round_key).
 */
#ifndef SP_CRYPTO_GROUP_H
#define SP_CRYPTO_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_GROUP_ELEMENT_BYTES 32
#define SP_GROUP_SCALAR_BYTES  32
/* Protocol version baked into every domain separation tag (1 was
 * ristretto255; 2 is X25519 with curve25519_XMD:SHA-512_ELL2_RO_). */
#define SP_GROUP_PROTOCOL_VERSION 2
/* Longest DST accepted (RFC 9380 allows 255; longer tags are refused, not
 * hashed down as RFC 9380 section 5.3.3 would allow: ours are short). */
#define SP_GROUP_DST_MAX_BYTES 255
/* Largest expand_message_xmd output with SHA-512 (ell <= 255 blocks). */
#define SP_XMD_SHA512_MAX_BYTES (255 * 64)

/* Initialises the crypto library; call once before anything else (further
 * calls are cheap no-ops). Thread-safe. Returns 0 or SP_ERR_CRYPTO_INIT. */
SP_NODISCARD int sp_crypto_init(void);

/* RFC 9380 section 5.3.1 expand_message_xmd with SHA-512: writes out_len
 * (1..SP_XMD_SHA512_MAX_BYTES) uniform bytes derived from msg under dst
 * (dst_len 1..SP_GROUP_DST_MAX_BYTES). msg may be NULL when msg_len is 0.
 * Intermediate hash blocks are wiped (msg may be a match-key value).
 * Returns 0, SP_ERR_INVALID_ARG (out_len, NULL) or SP_ERR_CRYPTO_DST. */
SP_NODISCARD int sp_expand_message_xmd_sha512(uint8_t *out, size_t out_len, const uint8_t *msg,
                                              size_t msg_len, const uint8_t *dst, size_t dst_len);

/* Builds the domain separation tag of a key type:
 *   "snijpunt-v<version>-<key type name>-with-curve25519_XMD:SHA-512_ELL2_RO_"
 * e.g. "snijpunt-v2-bsn-with-curve25519_XMD:SHA-512_ELL2_RO_" (the RFC 9380
 * section 3.1 form: application, version, then the suite ID). Changing it
 * changes every blinded value. Writes a NUL-terminated string into dst
 * (capacity dst_cap) and its length without the NUL to *dst_len (may be NULL).
 * Returns 0, SP_ERR_INVALID_ARG (unknown key type, NULL) or SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_group_dst(char *dst, size_t dst_cap, size_t *dst_len, int key_type);

/* Hash-to-group (RFC 9380 hash_to_curve with curve25519_XMD:SHA-512_ELL2_RO_,
 * the u-coordinate of the result) of a canonical match-key value under a key
 * type's DST. Deterministic; no secrets, but value is personal data and every
 * intermediate buffer is wiped. One field inversion per call: use
 * sp_group_hash_many for many values.
 * Returns 0, SP_ERR_INVALID_ARG, or SP_ERR_CRYPTO_POINT in the (never yet
 * observed, probability about 2^-250) case that the value hashes to the
 * identity. */
SP_NODISCARD int sp_group_hash(uint8_t out[SP_GROUP_ELEMENT_BYTES], int key_type,
                               const uint8_t *value, size_t value_len);

/* sp_group_hash for n values of one key type: value i is vals[offs[i]] ..
 * vals[offs[i+1] - 1] (offs has n + 1 non-decreasing entries; vals may be
 * NULL when all values are empty). Writes n elements to out (n * 32 bytes).
 * Shares one field inversion among up to 64 values (Montgomery's trick),
 * which is why it exists. Same secrecy as sp_group_hash.
 * Returns 0, SP_ERR_INVALID_ARG or SP_ERR_CRYPTO_POINT (out then unspecified). */
SP_NODISCARD int sp_group_hash_many(uint8_t *out, int key_type, const uint8_t *vals,
                                    const uint32_t *offs, size_t n);

/* hash_to_curve (curve25519_XMD:SHA-512_ELL2_RO_) under an explicit DST,
 * u-coordinate only (sp_group_hash is this with sp_group_dst's tag). For
 * other protocol domains and for RFC test vectors.
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_DST or SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_group_hash_dst(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst,
                                   size_t dst_len, const uint8_t *msg, size_t msg_len);

/* RFC 9380 encode_to_curve with curve25519_XMD:SHA-512_ELL2_NU_ (one map, no
 * addition), u-coordinate only. Not used by the protocol (crypto/README.md
 * says why); for the RFC vectors and the benchmark. Returns as
 * sp_group_hash_dst. */
SP_NODISCARD int sp_group_encode_nu_dst(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst,
                                        size_t dst_len, const uint8_t *msg, size_t msg_len);

/* Returns 0 when elem is the canonical encoding (u < p, bit 255 clear) of the
 * u-coordinate of a point on curve25519 (not its twist) whose order does not
 * divide 8, else SP_ERR_CRYPTO_POINT. One exponentiation. Use on elements
 * from a peer that are not passed through sp_blind_batch. */
SP_NODISCARD int sp_group_element_check(const uint8_t elem[SP_GROUP_ELEMENT_BYTES]);

/* A per-round secret scalar in guarded memory (sodium_malloc: guard pages,
 * mlocked, excluded from core dumps), read-only from creation to free, so
 * any number of threads may use it at once. Never serialised. */
struct sp_round_key;

/* Draws 32 fresh random bytes and clamps them (RFC 7748: a multiple of 8 in
 * [2^254, 2^255), 251 random bits). *out is owned by the caller
 * and must be released with sp_round_key_free. Touches secrets.
 * Returns 0, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or SP_ERR_INTERNAL (the page
 * protection could not be set). */
SP_NODISCARD int sp_round_key_new(struct sp_round_key **out);

/* Makes a round key from a given X25519 scalar (32 bytes, clamped here as
 * RFC 7748 does, so every value is accepted). For known-answer tests and
 * benchmarks only: a round always uses sp_round_key_new. Touches secrets
 * (the caller wipes its copy). Returns 0, SP_ERR_INVALID_ARG,
 * SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or SP_ERR_INTERNAL. */
SP_NODISCARD int sp_round_key_from_scalar(struct sp_round_key **out,
                                          const uint8_t scalar[SP_GROUP_SCALAR_BYTES]);

/* Wipes and frees a round key and clears *key (its pages are unmapped, so a
 * stale pointer faults instead of reading the scalar). NULL and *key == NULL
 * are no-ops. */
void sp_round_key_free(struct sp_round_key **key);

/* Blinds n elements in place: elems[i] = X25519(key, elems[i]). elems is n *
 * SP_GROUP_ELEMENT_BYTES bytes. Every input element is checked: a
 * non-canonical encoding (u >= p or bit 255 set) and a point of order
 * dividing 8 (all-zero result) are refused; twist points are blinded like
 * any other (crypto/README.md: harmless). On a refused one, returns
 * SP_ERR_CRYPTO_POINT and sets *bad_index (if not NULL) to its index, and
 * the contents of elems are unspecified (callers discard the batch).
 * Thread-safe for concurrent calls with the same key. Touches secrets.
 * Returns 0, SP_ERR_INVALID_ARG or SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_blind_batch(const struct sp_round_key *key, uint8_t *elems, size_t n,
                                size_t *bad_index);

/* The ladders sp_blind_batch can use (crypto/README.md, "The vectorised
 * ladder"); both compute X25519 exactly, so the choice changes speed only. */
#define SP_BLIND_PORTABLE 1 /* libsodium's crypto_scalarmult_curve25519, one by one */
#define SP_BLIND_AVX2     2 /* crypto/x25519_avx2.c: four elements per ladder */

/* The ladder sp_blind_batch uses, decided once (the first call of this,
 * sp_crypto_init or sp_blind_batch): SP_BLIND_AVX2 when the CPU has AVX2
 * and the environment variable SNIJPUNT_X25519_PORTABLE is unset or empty,
 * else SP_BLIND_PORTABLE. Thread-safe. */
int sp_blind_impl(void);

/* Makes sp_blind_batch use the given ladder from now on (tests and
 * benchmarks: both paths are tested on one machine). Not while another
 * thread blinds. Returns 0, SP_ERR_INVALID_ARG (unknown value) or
 * SP_ERR_UNSUPPORTED (SP_BLIND_AVX2 on a CPU without AVX2). */
SP_NODISCARD int sp_blind_impl_set(int impl);

#endif
