/*
 * What an audit entry may say: its types, its fields and, per type, which
 * fields it has. Every value has a kind that admits only what an auditor
 * needs and nothing that could carry personal data: counts, times, node and
 * dataset names, round ids, digests and public keys, error codes, and short
 * texts (reasons, purposes, legal bases) that refuse anything that looks
 * like an identifier. There is no kind for an identifier, a match-key value
 * or a blinded value.
 *
 * The numbers of types and fields are part of the signed format: stable,
 * never reused. docs/audit.md lists the same tables for auditors.
 * Pure.
 */
#ifndef SP_AUDIT_SCHEMA_H
#define SP_AUDIT_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* X(name, number, "json name") */
#define SP_AUDIT_TYPES(X)                                                                          \
    X(NODE_START, 1, "node_start")                                                                 \
    X(NODE_STOP, 2, "node_stop")                                                                   \
    X(CONFIG_CHANGE, 3, "config_change")                                                           \
    X(KEY_CHANGE, 4, "key_change")                                                                 \
    X(DATASET_LOAD, 5, "dataset_load")                                                             \
    X(PROPOSAL_ACCEPTED, 6, "proposal_accepted")                                                   \
    X(PROPOSAL_REFUSED, 7, "proposal_refused")                                                     \
    X(ROUND_PARTICIPANTS, 8, "round_participants")                                                 \
    X(ROUND_SIZES, 9, "round_sizes")                                                               \
    X(ROUND_RESULT, 10, "round_result")                                                            \
    X(ROUND_FAILED, 11, "round_failed")                                                            \
    X(RETENTION_PURGE, 12, "retention_purge")                                                      \
    X(CONNECTION_REFUSED, 13, "connection_refused")                                                \
    X(LOG_HEAD_RECEIVED, 14, "log_head_received")                                                  \
    X(LOG_HEAD_SENT, 15, "log_head_sent")                                                          \
    X(CASE_ANSWER, 16, "case_answer")

enum sp_audit_type {
#define SP_AUDIT_TYPE_ENUM(n, v, s) SP_AUDIT_##n = (v),
    SP_AUDIT_TYPES(SP_AUDIT_TYPE_ENUM)
#undef SP_AUDIT_TYPE_ENUM
};
#define SP_AUDIT_TYPE_MAX 16

/* Value kinds. */
enum sp_audit_kind {
    SP_AUDIT_KIND_COUNT = 1,     /* u64: a count, size, version, number of days */
    SP_AUDIT_KIND_TIME = 2,      /* u64: Unix seconds */
    SP_AUDIT_KIND_TEXT = 3,      /* UTF-8 (see sp_audit_text_check), per-field maximum */
    SP_AUDIT_KIND_NAME = 4,      /* node or dataset name: [a-z0-9_-]{1,64} */
    SP_AUDIT_KIND_DIGEST = 5,    /* 32 bytes: a SHA-256 digest or a public key */
    SP_AUDIT_KIND_ROUND = 6,     /* 16 bytes: a round id */
    SP_AUDIT_KIND_KEYCOUNT = 7,  /* a key type (common/keytype.h) with a u64 count */
    SP_AUDIT_KIND_KEYMASK = 8,   /* u32: a non-empty set of key types */
    SP_AUDIT_KIND_MODE = 9,      /* disclosure mode: 1 counts, 2 threshold, 3 partners, 4 case */
    SP_AUDIT_KIND_CODE = 10,     /* an SP_ERR_* code: -2^31..0 */
    SP_AUDIT_KIND_SIGNATURE = 11 /* 64 bytes: an Ed25519 signature (a peer's log head) */
};

/* X(name, number, "json name", kind, max text bytes (TEXT only)) */
#define SP_AUDIT_FIELDS(X)                                                                         \
    X(NODE, 1, "node", NAME, 0)                                                                    \
    X(SOFTWARE, 2, "software", TEXT, 128)                                                          \
    X(CONFIG_SHA256, 3, "config_sha256", DIGEST, 0)                                                \
    X(PREV_CONFIG_SHA256, 4, "prev_config_sha256", DIGEST, 0)                                      \
    X(CERT_SHA256, 5, "cert_sha256", DIGEST, 0)                                                    \
    X(SIGN_PK, 6, "sign_pk", DIGEST, 0)                                                            \
    X(CURVE_PK, 7, "curve_pk", DIGEST, 0)                                                          \
    X(DATASET, 8, "dataset", NAME, 0)                                                              \
    X(VERSION, 9, "version", COUNT, 0)                                                             \
    X(RECORDS, 10, "records", COUNT, 0)                                                            \
    X(USABLE, 11, "usable", COUNT, 0)                                                              \
    X(KEYS, 12, "keys", COUNT, 0)                                                                  \
    X(REJECTED_FIELDS, 13, "rejected_fields", COUNT, 0)                                            \
    X(STRUCTURAL_ERRORS, 14, "structural_errors", COUNT, 0)                                        \
    X(INPUT_SHA256, 15, "input_sha256", DIGEST, 0)                                                 \
    X(ROUND, 16, "round", ROUND, 0)                                                                \
    X(PROPOSAL_SHA256, 17, "proposal_sha256", DIGEST, 0)                                           \
    X(COORDINATOR, 18, "coordinator", TEXT, 128)                                                   \
    X(COORDINATOR_CERT_SHA256, 19, "coordinator_cert_sha256", DIGEST, 0)                           \
    X(CASE_REF, 20, "case_ref", TEXT, 128)                                                         \
    X(PURPOSE, 21, "purpose", TEXT, 1024)                                                          \
    X(LEGAL_BASIS, 22, "legal_basis", TEXT, 256)                                                   \
    X(MODE, 23, "mode", MODE, 0)                                                                   \
    X(MIN_HOLDERS, 24, "min_holders", COUNT, 0)                                                    \
    X(COUNTER, 25, "counter", NAME, 0)                                                             \
    X(INITIATOR, 26, "initiator", NAME, 0)                                                         \
    X(MAX_SET_SIZE, 27, "max_set_size", COUNT, 0)                                                  \
    X(KEY_TYPES, 28, "key_types", KEYMASK, 0)                                                      \
    X(EXPIRES_AT, 29, "expires_at", TIME, 0)                                                       \
    X(RETENTION_DAYS, 30, "retention_days", COUNT, 0)                                              \
    X(PARTICIPANT, 31, "participant", NAME, 0)                                                     \
    X(PEER, 32, "peer", NAME, 0)                                                                   \
    X(CODE, 33, "code", CODE, 0)                                                                   \
    X(REASON, 34, "reason", TEXT, 1024)                                                            \
    X(SET_SIZE, 35, "set_size", KEYCOUNT, 0)                                                       \
    X(DECLARED, 36, "declared", KEYCOUNT, 0)                                                       \
    X(SENT, 37, "sent", KEYCOUNT, 0)                                                               \
    X(RECEIVED, 38, "received", KEYCOUNT, 0)                                                       \
    X(RECORDS_MATCHED, 39, "records_matched", COUNT, 0)                                            \
    X(CANDIDATES, 40, "candidates", COUNT, 0)                                                      \
    X(CELLS, 41, "cells", COUNT, 0)                                                                \
    X(SUPPRESSED_BELOW, 42, "suppressed_below", COUNT, 0)                                          \
    X(TRANSCRIPT_SHA256, 43, "transcript_sha256", DIGEST, 0)                                       \
    X(ROWS_DELETED, 44, "rows_deleted", COUNT, 0)                                                  \
    X(PEER_KEY, 45, "peer_key", DIGEST, 0)                                                         \
    X(CERT_SERIAL, 46, "cert_serial", COUNT, 0)                                                    \
    X(HEAD_SEQ, 47, "head_seq", COUNT, 0)                                                          \
    X(HEAD_HASH, 48, "head_hash", DIGEST, 0)                                                       \
    X(HEAD_SIG, 49, "head_sig", SIGNATURE, 0)                                                      \
    X(DETAIL, 50, "detail", TEXT, 1024)                                                            \
    X(MATCHED_PERSON, 51, "matched_person", COUNT, 0)                                              \
    X(MATCHED_COMPANY, 52, "matched_company", COUNT, 0)                                            \
    X(MATCHED_ADDRESS, 53, "matched_address", COUNT, 0)                                            \
    X(MATCHED_VEHICLE, 54, "matched_vehicle", COUNT, 0)                                            \
    X(MATCHED_ACCOUNT, 55, "matched_account", COUNT, 0)

enum sp_audit_field {
#define SP_AUDIT_FIELD_ENUM(n, v, s, k, m) SP_AUDIT_F_##n = (v),
    SP_AUDIT_FIELDS(SP_AUDIT_FIELD_ENUM)
#undef SP_AUDIT_FIELD_ENUM
};
#define SP_AUDIT_FIELD_MAX 55

/* "node_start"; NULL when type is not a known type. */
const char *sp_audit_type_name(int type);
/* "sent"; NULL when field is unknown. */
const char *sp_audit_field_name(int field);
/* Kind of a field (enum sp_audit_kind); 0 when unknown. */
int sp_audit_field_kind(int field);
/* Largest TEXT value in bytes; 0 for other kinds. */
size_t sp_audit_field_text_max(int field);

/* How often field may occur in an entry of type: *min..*max (0..0: not
 * allowed). Returns false when type or field is unknown. */
bool sp_audit_schema_occurs(int type, int field, unsigned *min, unsigned *max);
/* True when field may occur more than once in type (rendered as a list). */
bool sp_audit_schema_repeated(int type, int field);

/* "counts", "threshold", "partners"; NULL otherwise. */
const char *sp_audit_mode_name(int mode);

/* True when s[0..len) is a node or dataset name: [a-z0-9_-]{1,64}. */
bool sp_audit_name_valid(const char *s, size_t len);

/* Checks a TEXT value: 1..max bytes of well-formed UTF-8 without control
 * characters (TAB allowed), and without 9 or more digits in a row (digits
 * separated by single spaces or dots count as one run). The last rule keeps
 * BSNs, A-nummers, IBANs and the like out of the log: write long numbers
 * with a dash or slash ("PV-2024/123456"). Returns 0 or SP_ERR_AUDIT_FIELD;
 * *why (when not NULL) is set to a static sentence. */
SP_NODISCARD int sp_audit_text_check(const char *s, size_t len, size_t max, const char **why);

#endif
