/*
 * Signed log heads: (node, seq, head_hash) signed by the node, where
 * head_hash is the entry hash of the node's entry seq. A head pins the whole
 * log up to seq: changing, removing or reordering any entry up to it changes
 * head_hash. Nodes exchange heads at the end of every round (LOG_HEAD peer
 * message) and record the heads they receive (log_head_received entries);
 * an export ends with the node's current head.
 *
 *   signature = Ed25519(node key, "snijpunt-audit-head-v1\0" || u8 len ||
 *                       node name || u64 seq (big-endian) || head_hash)
 *
 * Pure; signing is a callback as for entries.
 */
#ifndef SP_AUDIT_HEAD_H
#define SP_AUDIT_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "common/err.h"

struct sp_audit_head {
    char node[SP_AUDIT_NAME_MAX + 1]; /* the node whose log this is */
    uint64_t seq;                     /* seq of the last entry covered */
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    uint8_t sig[SP_AUDIT_SIG_BYTES];
};

/* Signs h (node, seq and hash set by the caller) into h->sig.
 * Returns 0, SP_ERR_INVALID_ARG (node is not a valid name), or sign's error. */
SP_NODISCARD int sp_audit_head_sign(struct sp_audit_head *h, sp_audit_sign_fn sign, void *sign_ctx);

/* Verifies h->sig with the node's signing key. Returns 0,
 * SP_ERR_INVALID_ARG (node is not a valid name) or SP_ERR_CRYPTO_SIGNATURE. */
SP_NODISCARD int sp_audit_head_verify(const struct sp_audit_head *h,
                                      const uint8_t pk[SP_AUDIT_PK_BYTES]);

#endif
