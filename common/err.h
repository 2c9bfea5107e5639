/*
 * The one error table of snijpunt.
 *
 * Functions that can fail return int: 0 on success or a negative SP_ERR_* code.
 * sp_strerror() gives a fixed, human-readable sentence for each code; callers add
 * the context (file, line, field, peer) themselves. Codes are grouped by layer so
 * that each layer's owner appends to its own block; values are never reused.
 */
#ifndef SP_COMMON_ERR_H
#define SP_COMMON_ERR_H

#define SP_NODISCARD __attribute__((warn_unused_result))

/* X(name, value, message) */
#define SP_ERR_TABLE(X)                                                                            \
    /* general */                                                                                  \
    X(SP_OK, 0, "success")                                                                         \
    X(SP_ERR_INVALID_ARG, -1, "invalid argument")                                                  \
    X(SP_ERR_NOMEM, -2, "out of memory")                                                           \
    X(SP_ERR_OVERFLOW, -3, "size or count exceeds its limit")                                      \
    X(SP_ERR_IO, -4, "input/output error")                                                         \
    X(SP_ERR_NOT_FOUND, -5, "not found")                                                           \
    X(SP_ERR_EXISTS, -6, "already exists")                                                         \
    X(SP_ERR_PERMISSION, -7, "permission denied")                                                  \
    X(SP_ERR_BUSY, -8, "busy")                                                                     \
    X(SP_ERR_TIMEOUT, -9, "timed out")                                                             \
    X(SP_ERR_INTERNAL, -10, "internal error")                                                      \
    X(SP_ERR_UNSUPPORTED, -11, "not supported")                                                    \
    X(SP_ERR_STATE, -12, "not allowed in the current state")                                       \
    /* crypto (-100..-199) */                                                                      \
    X(SP_ERR_CRYPTO_INIT, -100, "cryptographic library failed to initialise")                      \
    X(SP_ERR_CRYPTO_POINT, -101, "invalid or non-canonical group element")                         \
    X(SP_ERR_CRYPTO_SCALAR, -102, "invalid scalar")                                                \
    X(SP_ERR_CRYPTO_DST, -103, "domain separation tag too long or empty")                          \
    X(SP_ERR_CRYPTO_SIGNATURE, -104, "signature verification failed")                              \
    X(SP_ERR_KEYFILE_MODE, -105, "key file is readable or writable by group or others")            \
    X(SP_ERR_KEYFILE_OWNER, -106, "key file is not owned by the current user")                     \
    X(SP_ERR_KEYFILE_FORMAT, -107, "key file is malformed")                                        \
    X(SP_ERR_CERT, -108, "certificate invalid")                                                    \
    X(SP_ERR_CERT_REVOKED, -109, "certificate revoked")                                            \
    X(SP_ERR_CERT_EXPIRED, -110, "certificate expired or not yet valid")                           \
    X(SP_ERR_CERT_UNTRUSTED, -111, "certificate does not chain to the federation CA")              \
    X(SP_ERR_CERT_KEY_MISMATCH, -112, "certificate does not match the key in use")                 \
    X(SP_ERR_KEYFILE_TYPE, -113, "key file is not a regular file (symbolic link, directory, ...)") \
    X(SP_ERR_KEYFILE_DIR, -114, "key file directory is writable by others or has another owner")   \
    /* proto (-200..-299) */                                                                       \
    X(SP_ERR_PROTO_TRUNCATED, -200, "message truncated")                                           \
    X(SP_ERR_PROTO_OVERSIZED, -201, "message or field exceeds its size limit")                     \
    X(SP_ERR_PROTO_TYPE, -202, "message field has the wrong type")                                 \
    X(SP_ERR_PROTO_VERSION, -203, "unknown protocol version")                                      \
    X(SP_ERR_PROTO_TRAILING, -204, "trailing data after message")                                  \
    X(SP_ERR_PROTO_UNKNOWN_MSG, -205, "unknown message type")                                      \
    X(SP_ERR_PROTO_FIELD, -206, "message field missing or out of range")                           \
    X(SP_ERR_PROTO_MALFORMED, -207, "malformed message")                                           \
    /* input (-300..-399) */                                                                       \
    X(SP_ERR_INPUT_ENCODING, -300, "bytes are not valid in the declared encoding")                 \
    X(SP_ERR_INPUT_CSV, -301, "malformed CSV")                                                     \
    X(SP_ERR_INPUT_FIELD_COUNT, -302, "wrong number of fields")                                    \
    X(SP_ERR_INPUT_MAPPING, -303, "invalid mapping file")                                          \
    X(SP_ERR_INPUT_COLUMN, -304, "mapped column not in the header")                                \
    X(SP_ERR_INPUT_EMPTY, -305, "value is empty")                                                  \
    X(SP_ERR_INPUT_FORMAT, -306, "value has the wrong format")                                     \
    X(SP_ERR_INPUT_CHECKSUM, -307, "check digit or checksum fails")                                \
    X(SP_ERR_INPUT_RANGE, -308, "value out of range")                                              \
    X(SP_ERR_INPUT_LENGTH, -309, "value has the wrong length")                                     \
    X(SP_ERR_INPUT_DUPLICATE, -310, "a record id occurs on more than one line")                    \
    /* daemon and store (-400..-499) */                                                            \
    X(SP_ERR_CONFIG, -400, "invalid configuration")                                                \
    X(SP_ERR_STORE, -401, "state store error")                                                     \
    X(SP_ERR_STORE_FULL, -402, "state store is full")                                              \
    X(SP_ERR_ROUND_UNKNOWN, -403, "unknown round")                                                 \
    X(SP_ERR_ROUND_FAILED, -404, "round failed")                                                   \
    X(SP_ERR_ROUND_REFUSED, -405, "round refused")                                                 \
    X(SP_ERR_PEER_UNKNOWN, -406, "unknown peer")                                                   \
    X(SP_ERR_PEER_REFUSED, -407, "peer refused")                                                   \
    X(SP_ERR_CONTROL, -408, "control request failed")                                              \
    X(SP_ERR_POLICY, -409, "refused by local policy")                                              \
    X(SP_ERR_AUDIT, -410, "audit log verification failed")                                         \
    X(SP_ERR_PROPOSAL_UNSIGNED, -411, "proposal not signed by a coordinator")                      \
    X(SP_ERR_PROPOSAL_EXPIRED, -412, "proposal expired")                                           \
    X(SP_ERR_PROPOSAL_REPLAY, -413, "proposal replayed (round id already seen)")                   \
    X(SP_ERR_UNSAFE_PERMS, -414,                                                                   \
      "file or directory writable by group or others, or owned by another user")                   \
    /* pki and audit (-500..-599) */                                                               \
    X(SP_ERR_PKI_OIN, -500, "invalid OIN (organisation identification number)")                    \
    X(SP_ERR_CERT_ROLE, -501, "certificate has the wrong role for this use")                       \
    X(SP_ERR_CRL, -502, "revocation list invalid, expired or not from the federation CA")          \
    X(SP_ERR_AUDIT_FORMAT, -503, "audit entry or export line malformed")                           \
    X(SP_ERR_AUDIT_FIELD, -504, "audit field not allowed here (entry type, kind or content)")

enum sp_err {
#define SP_ERR_ENUM(name, value, msg) name = (value),
    SP_ERR_TABLE(SP_ERR_ENUM)
#undef SP_ERR_ENUM
};

/* Returns a static sentence for an SP_ERR_* code; never NULL. */
const char *sp_strerror(int err);

/* Returns the symbolic name ("SP_ERR_NOMEM") of a code; never NULL. */
const char *sp_errname(int err);

#endif
