/*
 * The node's audit events, one builder per event of protocol.md's "What an
 * auditor can check" (docs/audit.md lists the entry types). Each builder
 * returns a new entry (audit/entry.h) with every field the event has; the
 * caller appends or stages it (audit_log.h). Builders take only names,
 * counts, digests, keys, codes and texts: never an identifier, a match-key
 * value or a blinded value.
 *
 * Texts that come from elsewhere (a peer's refusal reason, a proposal's
 * purpose) may hold what the audit log refuses (control characters, long
 * digit runs that could be an identifier): sp_auditev_text makes them
 * loggable by replacing control characters with spaces and the digits of
 * every run of 9 or more with '#', so the entry is still written and says
 * as much as it safely can.
 *
 * Pure. Each returns 0, SP_ERR_NOMEM, or SP_ERR_AUDIT_FIELD (an argument
 * the schema refuses, e.g. an invalid name); *out is written only on
 * success.
 */
#ifndef SP_ROUND_AUDIT_EVENTS_H
#define SP_ROUND_AUDIT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "common/err.h"
#include "common/keytype.h"
#include "common/roundid.h"
#include "proto/proposal.h"

/* per key type arrays are indexed by key type (0 unused) */
#define SP_AUDITEV_TYPES SP_KEY_TYPE_COUNT

/* Writes a loggable version of text (at most max bytes, max < cap) into
 * out; returns out, or fallback when nothing loggable is left. */
const char *sp_auditev_text(const char *text, size_t max, char *out, size_t cap,
                            const char *fallback);

/* node_start: software version, configuration digest, certificate digest
 * (NULL without a certificate) and the identity's public keys. */
SP_NODISCARD int sp_auditev_node_start(const char *node, const char *software,
                                       const uint8_t config_sha256[32], const uint8_t *cert_sha256,
                                       const uint8_t sign_pk[32], const uint8_t curve_pk[32],
                                       struct sp_audit_entry **out);
SP_NODISCARD int sp_auditev_node_stop(const char *reason, struct sp_audit_entry **out);
/* prev: the digest recorded before, or NULL. */
SP_NODISCARD int sp_auditev_config_change(const uint8_t config_sha256[32], const uint8_t *prev,
                                          struct sp_audit_entry **out);
/* Any of the three may be NULL; serial 0 = none. */
SP_NODISCARD int sp_auditev_key_change(const uint8_t *cert_sha256, const uint8_t *sign_pk,
                                       const uint8_t *curve_pk, uint64_t cert_serial,
                                       const char *detail, struct sp_audit_entry **out);

struct sp_auditev_dataset {
    const char *name;
    uint64_t version, records, usable, keys, rejected_fields, structural_errors;
    const uint8_t *input_sha256; /* 32 bytes */
};
SP_NODISCARD int sp_auditev_dataset_load(const struct sp_auditev_dataset *d,
                                         struct sp_audit_entry **out);

/* proposal_accepted for participant self of p. coordinator_cert: digest of
 * the coordinator's certificate, or NULL (unsigned). initiator: index. */
SP_NODISCARD int sp_auditev_proposal_accepted(const struct sp_proposal *p, const uint8_t digest[32],
                                              const uint8_t *coordinator_cert, unsigned self,
                                              unsigned initiator, struct sp_audit_entry **out);
/* proposal_refused. p may be NULL (the proposal did not decode); round,
 * initiator and peer may be NULL. */
SP_NODISCARD int sp_auditev_proposal_refused(const uint8_t *round, const uint8_t digest[32],
                                             const struct sp_proposal *p, const char *initiator,
                                             const char *peer, int code, const char *reason,
                                             struct sp_audit_entry **out);
/* round_participants: ring order, counting node, own set sizes per key type
 * (types in key_mask). */
SP_NODISCARD int sp_auditev_round_participants(const struct sp_proposal *p,
                                               const uint8_t digest[32], uint32_t key_mask,
                                               const uint64_t set_sizes[SP_AUDITEV_TYPES],
                                               struct sp_audit_entry **out);
/* round_sizes with one peer: values per key type declared (may be NULL),
 * sent to it and received from it; zero counts are left out. */
SP_NODISCARD int sp_auditev_round_sizes(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer,
                                        const uint64_t *declared,
                                        const uint64_t sent[SP_AUDITEV_TYPES],
                                        const uint64_t received[SP_AUDITEV_TYPES],
                                        struct sp_audit_entry **out);

struct sp_auditev_result {
    int mode;
    bool have_records; /* records_matched / candidates / matched given */
    uint64_t records_matched, candidates;
    uint64_t matched[SP_ENTITY_COUNT]; /* own records with a row per entity; [0] unused */
    bool have_cells;                   /* cells / suppressed_below given (the initiator's counts) */
    uint64_t cells, suppressed_below;
    const uint8_t *transcript_sha256; /* or NULL */
};
SP_NODISCARD int sp_auditev_round_result(const uint8_t round[SP_ROUND_ID_BYTES],
                                         const struct sp_auditev_result *r,
                                         struct sp_audit_entry **out);
/* A round that failed before this node accepted or refused it (another
 * participant refused, or the initiator's own round failed early): what the
 * round was, so that its log names the case and the coordinator too. */
struct sp_auditev_undecided {
    const struct sp_proposal *p; /* NULL: the node recorded its decision already */
    const uint8_t *digest;       /* SHA-256 of the proposal bytes */
    const char *initiator;       /* or NULL */
};
SP_NODISCARD int sp_auditev_round_failed(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer,
                                         int code, const char *reason,
                                         const struct sp_auditev_undecided *u,
                                         struct sp_audit_entry **out);
/* case_answer (the asking node of a case question, per partner): code 0
 * when it answered, with subjects = the case subjects it knows; otherwise
 * the refusal's or failure's code and reason. Never a subject. */
SP_NODISCARD int sp_auditev_case_answer(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer,
                                        int code, const char *reason, uint64_t subjects,
                                        struct sp_audit_entry **out);
SP_NODISCARD int sp_auditev_retention_purge(const uint8_t round[SP_ROUND_ID_BYTES],
                                            uint32_t retention_days, uint64_t rows_deleted,
                                            const char *detail, struct sp_audit_entry **out);
/* peer and peer_key may be NULL; serial 0 = unknown. */
SP_NODISCARD int sp_auditev_connection_refused(const char *peer, const uint8_t *peer_key,
                                               uint64_t cert_serial, int code, const char *reason,
                                               struct sp_audit_entry **out);
SP_NODISCARD int sp_auditev_log_head_sent(const uint8_t round[SP_ROUND_ID_BYTES],
                                          const char *const *peers, size_t npeers,
                                          uint64_t head_seq, const uint8_t head_hash[32],
                                          struct sp_audit_entry **out);
SP_NODISCARD int sp_auditev_log_head_received(const uint8_t round[SP_ROUND_ID_BYTES],
                                              const char *peer, uint64_t head_seq,
                                              const uint8_t head_hash[32],
                                              const uint8_t head_sig[64],
                                              struct sp_audit_entry **out);

#endif
