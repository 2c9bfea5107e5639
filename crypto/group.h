/*
 * The prime-order group of the matching protocol: hashing match-key values to
 * group elements and blinding batches of elements with a round scalar.
 *
 * The group is ristretto255 (RFC 9496); hashing is RFC 9380's
 * hash_to_ristretto255 (expand_message_xmd with SHA-512, then the RFC 9496
 * element derivation). crypto/README.md records the measurements behind the
 * choice and the exact domain separation tags, which are part of the protocol.
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
/* Input of the RFC 9496 element derivation (two field-element halves). */
#define SP_GROUP_UNIFORM_BYTES 64
/* Protocol version baked into every domain separation tag. */
#define SP_GROUP_PROTOCOL_VERSION 1
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
 *   "snijpunt-v<version>-<key type name>-with-ristretto255_XMD:SHA-512_R255MAP_RO_"
 * e.g. "snijpunt-v1-bsn-with-ristretto255_XMD:SHA-512_R255MAP_RO_" (the RFC 9380
 * section 3.1 form: application, version, then the suite ID). Changing it
 * changes every blinded value. Writes a NUL-terminated string into dst
 * (capacity dst_cap) and its length without the NUL to *dst_len (may be NULL).
 * Returns 0, SP_ERR_INVALID_ARG (unknown key type, NULL) or SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_group_dst(char *dst, size_t dst_cap, size_t *dst_len, int key_type);

/* Hash-to-group (RFC 9380 hash_to_ristretto255) of a canonical match-key
 * value under a key type's DST. Deterministic; no secrets, but value is
 * personal data and every intermediate buffer is wiped.
 * Returns 0, SP_ERR_INVALID_ARG, or SP_ERR_CRYPTO_POINT in the (never yet
 * observed, probability 2^-252) case that the value hashes to the identity. */
SP_NODISCARD int sp_group_hash(uint8_t out[SP_GROUP_ELEMENT_BYTES], int key_type,
                               const uint8_t *value, size_t value_len);

/* hash_to_ristretto255 under an explicit DST (sp_group_hash is this with
 * sp_group_dst's tag). For other protocol domains and for RFC test vectors.
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_DST or SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_group_hash_dst(uint8_t out[SP_GROUP_ELEMENT_BYTES], const uint8_t *dst,
                                   size_t dst_len, const uint8_t *msg, size_t msg_len);

/* The RFC 9496 section 4.3.4 element derivation (one-way map) of 64 uniform
 * bytes, the last step of hash_to_ristretto255. Never fails. */
void sp_group_map_uniform(uint8_t out[SP_GROUP_ELEMENT_BYTES],
                          const uint8_t uniform[SP_GROUP_UNIFORM_BYTES]);

/* Returns 0 when elem is a canonical encoding of a valid, non-identity element,
 * else SP_ERR_CRYPTO_POINT. Use on every element that came from a peer and is
 * not passed through sp_blind_batch (which checks by itself). */
SP_NODISCARD int sp_group_element_check(const uint8_t elem[SP_GROUP_ELEMENT_BYTES]);

/* A per-round secret scalar in guarded memory (sodium_malloc: guard pages,
 * mlocked, excluded from core dumps), read-only from creation to free, so
 * any number of threads may use it at once. Never serialised. */
struct sp_round_key;

/* Draws a fresh uniformly random non-zero scalar. *out is owned by the caller
 * and must be released with sp_round_key_free. Touches secrets.
 * Returns 0, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or SP_ERR_INTERNAL (the page
 * protection could not be set). */
SP_NODISCARD int sp_round_key_new(struct sp_round_key **out);

/* Makes a round key from a given scalar (32 bytes little-endian, canonical:
 * 0 < scalar < group order). For known-answer tests and benchmarks only: a
 * round always uses sp_round_key_new. Touches secrets (the caller wipes its
 * copy). Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_SCALAR (zero or not
 * canonical), SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or SP_ERR_INTERNAL. */
SP_NODISCARD int sp_round_key_from_scalar(struct sp_round_key **out,
                                          const uint8_t scalar[SP_GROUP_SCALAR_BYTES]);

/* Wipes and frees a round key and clears *key (its pages are unmapped, so a
 * stale pointer faults instead of reading the scalar). NULL and *key == NULL
 * are no-ops. */
void sp_round_key_free(struct sp_round_key **key);

/* Blinds n elements in place: elems[i] = key * elems[i]. elems is n *
 * SP_GROUP_ELEMENT_BYTES bytes. Every input element is checked (canonical
 * encoding, valid, not the identity) as part of decoding it; on an invalid
 * one, returns SP_ERR_CRYPTO_POINT and sets *bad_index (if not NULL) to its
 * index, and the contents of elems are unspecified (callers discard the batch).
 * Thread-safe for concurrent calls with the same key. Touches secrets.
 * Returns 0, SP_ERR_INVALID_ARG or SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_blind_batch(const struct sp_round_key *key, uint8_t *elems, size_t n,
                                size_t *bad_index);

#endif
