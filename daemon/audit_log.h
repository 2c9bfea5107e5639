/*
 * The node's audit log in the state store: an append-only sequence of
 * signed, hash-chained records (audit/entry.h) in the LMDB environment of
 * the store, and the node's head (seq and hash of the last entry) kept next
 * to it. Entries are built with audit/'s typed adders, so they cannot carry
 * an identifier, a match-key value or a blinded value; this module seals
 * them (next seq, time, previous hash, the node's Ed25519 signature through
 * sp_identity_sign) and writes them.
 *
 * Named databases (store.h allows "audit.*"):
 *   audit.log   u64 seq (big-endian) -> record (entry bytes || signature),
 *               written with MDB_APPEND: a seq is never written twice and
 *               never out of order;
 *   audit.meta  "head" -> u64 seq || hash[32], and a few facts the node
 *               compares at start-up (configuration digest, public keys,
 *               certificate digest) under short names.
 * Every write puts the new records and the new head in ONE transaction.
 *
 * Writing an entry together with the change it records: sp_audit_log_stage
 * seals the entry and keeps it; the store's hook (sp_audit_log_hook) writes
 * whatever is staged inside the next transaction that changes the node's
 * state (store.h, sp_store_set_hook), so both commit or neither does. An
 * aborted transaction drops what was staged (the change did not happen).
 * Entries about events without a state change are appended at once
 * (sp_audit_log_append). Single-threaded: the main loop's thread only.
 *
 * Errors: 0 or SP_ERR_STORE / SP_ERR_STORE_FULL (LMDB, logged),
 * SP_ERR_NOMEM, SP_ERR_AUDIT (the stored log is damaged: its head does not
 * match its last record), the codes of sp_audit_entry_seal.
 */
#ifndef SP_DAEMON_AUDIT_LOG_H
#define SP_DAEMON_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "audit/head.h"
#include "common/err.h"

struct MDB_env;
struct sp_identity;
struct sp_store_hook;
struct sp_audit_log; /* opaque */

/* Names of the facts kept in audit.meta (values up to 64 bytes). */
#define SP_AUDIT_META_CONFIG "config_sha256"
#define SP_AUDIT_META_SIGN   "sign_pk"
#define SP_AUDIT_META_CURVE  "curve_pk"
#define SP_AUDIT_META_CERT   "cert_sha256"
#define SP_AUDIT_META_MAX    64

/* Opens (creating) the audit databases in env and reads the head back: the
 * last record must exist, decode, and hash to the stored head. node is this
 * node's name (for heads); id its identity (borrowed; it signs every entry).
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_AUDIT, SP_ERR_STORE, SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_log_open(struct MDB_env *env, const char *node,
                                   const struct sp_identity *id, struct sp_audit_log **out);
/* Frees (staged entries are dropped); NULL-safe; clears *log. */
void sp_audit_log_close(struct sp_audit_log **log);

/* Seals *e (taking it: *e is freed and cleared in every case) with the next
 * seq, time now (Unix seconds) and the previous hash, and writes it in a
 * transaction of its own (with anything staged before it). */
SP_NODISCARD int sp_audit_log_append(struct sp_audit_log *log, struct sp_audit_entry **e,
                                     uint64_t now);
/* Seals *e (taking it, as above) and stages it for the next hooked store
 * transaction. At most SP_AUDIT_LOG_MAX_STAGED entries wait at once. */
#define SP_AUDIT_LOG_MAX_STAGED 64
SP_NODISCARD int sp_audit_log_stage(struct sp_audit_log *log, struct sp_audit_entry **e,
                                    uint64_t now);
/* Stages a fact for audit.meta (written with the staged entries). len 1..64. */
SP_NODISCARD int sp_audit_log_stage_meta(struct sp_audit_log *log, const char *name,
                                         const void *val, size_t len);
/* Writes what is staged in a transaction of its own (no-op when nothing is). */
SP_NODISCARD int sp_audit_log_flush(struct sp_audit_log *log);
/* Drops what is staged (the change it described will not happen). */
void sp_audit_log_discard(struct sp_audit_log *log);
/* Number of staged entries. */
size_t sp_audit_log_staged(const struct sp_audit_log *log);

/* The store hook that writes staged entries inside state-changing
 * transactions: pass the result to sp_store_set_hook. */
void sp_audit_log_hook(struct sp_audit_log *log, struct sp_store_hook *out);

/* The committed head: *seq is the seq of the last entry and hash its entry
 * hash. Returns false when the log is empty. */
bool sp_audit_log_head(const struct sp_audit_log *log, uint64_t *seq,
                       uint8_t hash[SP_AUDIT_HASH_BYTES]);
/* Number of committed entries (the next seq). */
uint64_t sp_audit_log_count(const struct sp_audit_log *log);
/* Fills *h with this node's signed head over the committed log. Touches
 * the node's secret key (signing). Returns 0, SP_ERR_STATE (empty log), or
 * the signer's error. */
SP_NODISCARD int sp_audit_log_head_signed(struct sp_audit_log *log, struct sp_audit_head *h);

/* Calls fn for the committed records seq from_seq .. from_seq + limit - 1
 * (fewer at the end of the log, or when the next record would take the
 * total over max_bytes; at least one is always passed when any exists), in
 * one read transaction; record is valid during the call only. fn returns 0
 * to go on or a negative code that stops the walk and is returned. */
typedef int (*sp_audit_log_fn)(void *ctx, uint64_t seq, const uint8_t *record, size_t len);
SP_NODISCARD int sp_audit_log_read(struct sp_audit_log *log, uint64_t from_seq, uint32_t limit,
                                   size_t max_bytes, sp_audit_log_fn fn, void *ctx);

/* Reads a committed fact from audit.meta into val (capacity
 * SP_AUDIT_META_MAX). Returns 0 with *len set, SP_ERR_NOT_FOUND, or
 * SP_ERR_STORE. */
SP_NODISCARD int sp_audit_log_meta_get(struct sp_audit_log *log, const char *name,
                                       uint8_t val[SP_AUDIT_META_MAX], size_t *len);

#endif
