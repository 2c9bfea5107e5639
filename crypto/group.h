/*
 * The prime-order group of the matching protocol: hashing match-key values to
 * group elements and blinding batches of elements with a round scalar.
 *
 * Pure: caller-provided fixed-size buffers; no I/O, clock or logging. The group
 * and the reasons for choosing it are recorded in crypto/README.md.
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
/* Protocol version baked into every domain separation tag. */
#define SP_GROUP_PROTOCOL_VERSION 1
/* Longest DST accepted (RFC 9380 allows 255). */
#define SP_GROUP_DST_MAX_BYTES 255

/* Initialises the crypto library; call once before anything else. Thread-safe.
 * Returns 0 or SP_ERR_CRYPTO_INIT. */
SP_NODISCARD int sp_crypto_init(void);

/* RFC 9380 section 5.3.1 expand_message_xmd with SHA-512.
 * out_len <= 255*64, dst_len 1..255. Returns 0, SP_ERR_INVALID_ARG or
 * SP_ERR_CRYPTO_DST. */
SP_NODISCARD int sp_expand_message_xmd_sha512(uint8_t *out, size_t out_len, const uint8_t *msg,
                                              size_t msg_len, const uint8_t *dst, size_t dst_len);

/* Builds the domain separation tag for a key type:
 * "snijpunt-v<version>-<key type name>_XMD:SHA-512_R255MAP_RO_" (see README).
 * Writes a NUL-terminated string into dst (capacity dst_cap) and its length to
 * *dst_len. Returns 0, SP_ERR_INVALID_ARG (unknown key type) or SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_group_dst(char *dst, size_t dst_cap, size_t *dst_len, int key_type);

/* Hash-to-group (RFC 9380 hash_to_curve for the chosen group) of a canonical
 * match-key value under a key type's DST. Deterministic; no secrets.
 * Returns 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_group_hash(uint8_t out[SP_GROUP_ELEMENT_BYTES], int key_type,
                               const uint8_t *value, size_t value_len);

/* Returns 0 when elem is a canonical encoding of a valid, non-identity element,
 * else SP_ERR_CRYPTO_POINT. Use on every element that came from a peer. */
SP_NODISCARD int sp_group_element_check(const uint8_t elem[SP_GROUP_ELEMENT_BYTES]);

/* A per-round secret scalar in guarded memory (sodium_malloc: guard pages,
 * mlocked, excluded from core dumps). Never serialised. */
struct sp_round_key;

/* Draws a fresh uniformly random non-zero scalar. *out is owned by the caller
 * and must be released with sp_round_key_free. Touches secrets.
 * Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_round_key_new(struct sp_round_key **out);

/* Wipes and frees a round key and clears *key. NULL and *key == NULL are no-ops. */
void sp_round_key_free(struct sp_round_key **key);

/* Blinds n elements in place: elems[i] = key * elems[i]. elems is n *
 * SP_GROUP_ELEMENT_BYTES bytes. Every input element is checked; on an invalid
 * one, returns SP_ERR_CRYPTO_POINT and sets *bad_index (if not NULL) to its
 * index, and the contents of elems are unspecified (callers discard the batch).
 * Thread-safe for concurrent calls with the same key. Touches secrets.
 * Returns 0, SP_ERR_INVALID_ARG or SP_ERR_CRYPTO_POINT. */
SP_NODISCARD int sp_blind_batch(const struct sp_round_key *key, uint8_t *elems, size_t n,
                                size_t *bad_index);

#endif
