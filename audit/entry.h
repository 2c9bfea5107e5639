/*
 * One audit entry: its canonical bytes, its place in the hash chain, and
 * its signature.
 *
 * An entry is [seq, time, type, fields, prev_hash]; its canonical encoding
 * (below) is what is hashed and signed:
 *   entry_hash = SHA-256("snijpunt-audit-entry-v1\0" || entry bytes)
 *   signature  = Ed25519(node key, "snijpunt-audit-entry-sig-v1\0" || entry_hash)
 *   prev_hash  = entry_hash of the entry before (32 zero bytes for seq 0)
 * A record (what the daemon stores and AUDIT_EXPORT returns) is the entry
 * bytes followed by the 64-byte signature.
 *
 * Entry bytes (all integers big-endian):
 *   u8 version (1) | u16 type | u64 seq | u64 time | prev_hash[32] |
 *   u8 nfields | nfields x (u8 field | value)
 * where the value's layout follows the field's kind (audit/schema.h):
 *   COUNT, TIME u64 | TEXT u16 len + bytes | NAME u8 len + bytes |
 *   DIGEST [32] | ROUND [16] | KEYCOUNT u8 key type + u64 |
 *   KEYMASK u32 | MODE u8 | CODE i32 | SIGNATURE [64]
 * Fields appear in ascending field number; a repeated field keeps its order
 * (participants in ring order), KEYCOUNT values ascend by key type. The
 * decoder accepts only this canonical form, so equal entries have equal
 * bytes and one hash.
 *
 * Entries are built with the typed sp_audit_add_* functions, which accept
 * only the fields the entry's type allows (audit/schema.h) with valid
 * values: there is no way to add an arbitrary byte string.
 *
 * Pure. Signing is a callback (sp_audit_sign_fn) so the node's secret key
 * stays in crypto/ (sp_identity_sign); this layer only verifies.
 */
#ifndef SP_AUDIT_ENTRY_H
#define SP_AUDIT_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/schema.h"
#include "common/err.h"
#include "common/roundid.h"

#define SP_AUDIT_VERSION          1
#define SP_AUDIT_HASH_BYTES       32
#define SP_AUDIT_SIG_BYTES        64
#define SP_AUDIT_PK_BYTES         32
#define SP_AUDIT_NAME_MAX         64
#define SP_AUDIT_MAX_FIELDS       64
#define SP_AUDIT_ENTRY_MAX_BYTES  8192
#define SP_AUDIT_RECORD_MAX_BYTES (SP_AUDIT_ENTRY_MAX_BYTES + SP_AUDIT_SIG_BYTES)

/* Signs msg (msg_len bytes) with the node's Ed25519 key into sig; returns 0
 * or a negative SP_ERR_* code. sp_identity_sign (crypto/identity.h) has
 * this shape once its first argument is passed through ctx. */
typedef int (*sp_audit_sign_fn)(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg,
                                size_t msg_len);

/* A field as read back from an entry. Pointers point into the entry and
 * live as long as it does. */
struct sp_audit_value {
    int field;            /* enum sp_audit_field */
    int kind;             /* enum sp_audit_kind */
    uint64_t u;           /* COUNT, TIME, KEYMASK, MODE, and KEYCOUNT's count */
    int64_t code;         /* CODE */
    int key_type;         /* KEYCOUNT */
    const uint8_t *bytes; /* DIGEST, ROUND, SIGNATURE; TEXT and NAME (NUL-terminated) */
    size_t len;           /* bytes of the above (without the NUL) */
};

struct sp_audit_entry; /* opaque */

/* A new, empty entry of type (enum sp_audit_type). Returns 0,
 * SP_ERR_INVALID_ARG (unknown type) or SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_entry_new(int type, struct sp_audit_entry **out);
/* Frees; clears *e. NULL-safe. */
void sp_audit_entry_free(struct sp_audit_entry **e);

/* Adders. Each checks that field has the adder's kind and is allowed (once
 * more) in the entry's type, and that the value is valid for its kind.
 * Return 0 or: SP_ERR_AUDIT_FIELD (wrong kind or type, too many, invalid
 * value, a duplicate key type or name in a repeated field), SP_ERR_OVERFLOW
 * (the entry would exceed SP_AUDIT_ENTRY_MAX_BYTES or SP_AUDIT_MAX_FIELDS),
 * SP_ERR_STATE (the entry is already sealed). On failure the entry is
 * unchanged. */
SP_NODISCARD int sp_audit_add_count(struct sp_audit_entry *e, int field, uint64_t value);
SP_NODISCARD int sp_audit_add_time(struct sp_audit_entry *e, int field, uint64_t unix_seconds);
/* text: NUL-terminated; see sp_audit_text_check for what is refused. */
SP_NODISCARD int sp_audit_add_text(struct sp_audit_entry *e, int field, const char *text);
/* name: NUL-terminated node or dataset name, [a-z0-9_-]{1,64}. */
SP_NODISCARD int sp_audit_add_name(struct sp_audit_entry *e, int field, const char *name);
/* A SHA-256 digest (of a file, configuration, proposal, certificate) or a
 * public key. Never a hash of an identifier. */
SP_NODISCARD int sp_audit_add_digest(struct sp_audit_entry *e, int field,
                                     const uint8_t digest[SP_AUDIT_HASH_BYTES]);
SP_NODISCARD int sp_audit_add_round(struct sp_audit_entry *e,
                                    const uint8_t round_id[SP_ROUND_ID_BYTES]);
/* key_type: 1..SP_KEY_TYPE_MAX (common/keytype.h), once per field. */
SP_NODISCARD int sp_audit_add_keycount(struct sp_audit_entry *e, int field, int key_type,
                                       uint64_t count);
/* mask: non-empty subset of SP_KEY_MASK_ALL. */
SP_NODISCARD int sp_audit_add_keymask(struct sp_audit_entry *e, int field, uint32_t mask);
/* mode: 1 counts, 2 threshold, 3 partners. */
SP_NODISCARD int sp_audit_add_mode(struct sp_audit_entry *e, int mode);
/* code: an SP_ERR_* code (<= 0). */
SP_NODISCARD int sp_audit_add_code(struct sp_audit_entry *e, int code);
SP_NODISCARD int sp_audit_add_signature(struct sp_audit_entry *e, int field,
                                        const uint8_t sig[SP_AUDIT_SIG_BYTES]);

/* Completes the entry: checks every required field is present, sets seq,
 * time and prev_hash, encodes it, hashes it and signs the hash with sign.
 * Writes the record (entry bytes || signature) into record (capacity cap;
 * SP_AUDIT_RECORD_MAX_BYTES always suffices), its length into *record_len
 * and the entry hash (the next entry's prev_hash) into hash_out.
 * The entry is sealed afterwards (no more fields). Returns 0,
 * SP_ERR_AUDIT_FIELD (a required field is missing), SP_ERR_OVERFLOW (cap),
 * SP_ERR_STATE (already sealed), or sign's error. */
SP_NODISCARD int sp_audit_entry_seal(struct sp_audit_entry *e, uint64_t seq, uint64_t time,
                                     const uint8_t prev_hash[SP_AUDIT_HASH_BYTES],
                                     sp_audit_sign_fn sign, void *sign_ctx, uint8_t *record,
                                     size_t cap, size_t *record_len,
                                     uint8_t hash_out[SP_AUDIT_HASH_BYTES]);

/* Decodes entry bytes (without the signature), strictly: canonical form,
 * every field allowed and valid, required fields present, nothing after.
 * *out (sealed) is the caller's to free; written only on success.
 * Returns 0, SP_ERR_AUDIT_FORMAT, SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_entry_decode(const uint8_t *buf, size_t len, struct sp_audit_entry **out);

/* Splits and checks a record: decodes the entry bytes, computes the entry
 * hash into hash (may be NULL) and, when pk is not NULL, verifies the
 * signature with it. *out may be NULL when the entry is not wanted.
 * Returns 0, SP_ERR_AUDIT_FORMAT, SP_ERR_CRYPTO_SIGNATURE, SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_record_open(const uint8_t *record, size_t len,
                                      const uint8_t pk[SP_AUDIT_PK_BYTES],
                                      struct sp_audit_entry **out,
                                      uint8_t hash[SP_AUDIT_HASH_BYTES]);

/* Canonical bytes of a sealed entry into buf. Returns 0, SP_ERR_STATE (not
 * sealed), SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_audit_entry_encode(const struct sp_audit_entry *e, uint8_t *buf, size_t cap,
                                       size_t *len_out);

/* entry_hash of entry bytes (see above). */
void sp_audit_entry_hash(const uint8_t *entry, size_t len, uint8_t out[SP_AUDIT_HASH_BYTES]);
/* Verifies an entry signature over entry_hash. Returns 0 or
 * SP_ERR_CRYPTO_SIGNATURE. */
SP_NODISCARD int sp_audit_entry_sig_verify(const uint8_t pk[SP_AUDIT_PK_BYTES],
                                           const uint8_t hash[SP_AUDIT_HASH_BYTES],
                                           const uint8_t sig[SP_AUDIT_SIG_BYTES]);

/* Accessors. seq, time and prev are meaningful once sealed. */
int sp_audit_entry_type(const struct sp_audit_entry *e);
uint64_t sp_audit_entry_seq(const struct sp_audit_entry *e);
uint64_t sp_audit_entry_time(const struct sp_audit_entry *e);
const uint8_t *sp_audit_entry_prev(const struct sp_audit_entry *e);
size_t sp_audit_entry_nfields(const struct sp_audit_entry *e);
/* The i-th field in canonical order. Returns 0 or SP_ERR_NOT_FOUND. */
int sp_audit_entry_field(const struct sp_audit_entry *e, size_t i, struct sp_audit_value *out);
/* The nth (from 0) occurrence of field. Returns 0 or SP_ERR_NOT_FOUND. */
int sp_audit_entry_find(const struct sp_audit_entry *e, int field, size_t nth,
                        struct sp_audit_value *out);
/* How often field occurs. */
size_t sp_audit_entry_count(const struct sp_audit_entry *e, int field);

#endif
