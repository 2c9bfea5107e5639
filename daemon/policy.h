/*
 * Whether this node takes part in a proposed round: the coordinator's
 * signature and certificate, the proposal's expiry, and the node's local
 * policy from its configuration (daemon/README.md, "Local policy").
 *
 * A coordinator signs exactly the encoded PROPOSAL (proto/proposal.h,
 * sp_proposal_signed_message):
 *   signature = Ed25519(coordinator key, "snijpunt-proposal-v1\0" || bytes)
 * and the signature travels with the coordinator's certificate (PROPOSE's
 * signature and signer_cert). A node accepts a proposal only when, in this
 * order:
 *   1. it is signed (or unsigned and allow_unsigned_rounds = yes);
 *   2. the certificate chains to the federation CA, is valid now, is not
 *      revoked, has the role coordinator, and the signature verifies with
 *      it over the bytes as they arrived (so any modification shows);
 *   3. the proposal names the certificate's holder as its coordinator;
 *   4. it has not expired (and was not made in the future);
 *   5. its texts can be recorded in the audit log (audit/schema.h);
 *   6. local policy: accepted coordinators, purposes, this node's legal
 *      basis, key types, disclosure modes, the smallest k, the largest
 *      max_set_size, the longest retention, whether it may count; for a
 *      case question (mode case) instead of modes, k, max_set_size and
 *      counting: as its asker (participant `counter`) case_ask; as a
 *      partner the asker in case_askers, the key types asked about (those
 *      with a size) within case_key_types, their total size within
 *      case_max_values, and tell_holders only with case_tell_holders (the
 *      rate per coordinator and epoch is the engine's, round/engine.h's
 *      quota port);
 *   7. every other participant is an admitted member (members.h) and,
 *      where the proposal gives an OIN, it is the one in that member's
 *      certificate (this node's too).
 * Replays (a round id already seen) are the caller's check: it knows the
 * store. Pure apart from reading the configuration and the membership.
 */
#ifndef SP_DAEMON_POLICY_H
#define SP_DAEMON_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "pki/cert.h"
#include "proto/proposal.h"

struct sp_config;
struct sp_members;

#define SP_POLICY_SIG_BYTES    64
#define SP_POLICY_DIGEST_BYTES 32

/* What arrived: the decoded proposal and the exact bytes it came as. */
struct sp_policy_input {
    const struct sp_proposal *prop;
    const uint8_t *bytes; /* the encoded PROPOSAL, 1..SP_PROPOSAL_MAX_BYTES */
    size_t len;
    const uint8_t *sig; /* NULL/0 or 64 bytes */
    size_t sig_len;
    const uint8_t *cert; /* the coordinator's certificate (PEM or DER), or NULL/0 */
    size_t cert_len;
    int64_t now; /* Unix seconds */
};

/* What the judgement found (filled as far as it got, also on refusal). */
struct sp_policy_verdict {
    uint8_t digest[SP_POLICY_DIGEST_BYTES]; /* SHA-256 of the proposal bytes */
    bool is_signed;                         /* a valid coordinator signature */
    struct sp_pki_cert_info coordinator;    /* when is_signed */
    int self;                               /* this node's participant index, or -1 */
};

/* Judges a proposal for this node (cfg->node). Returns 0 when the node may
 * take part, or the refusing code with a sentence a person can act on in
 * reason (capacity cap; no key material):
 *   SP_ERR_PROPOSAL_UNSIGNED   no signature, and unsigned rounds are refused
 *   SP_ERR_CERT, SP_ERR_CERT_UNTRUSTED, SP_ERR_CERT_EXPIRED,
 *   SP_ERR_CERT_REVOKED, SP_ERR_CRL, SP_ERR_CERT_ROLE
 *                              the coordinator's certificate does not pass,
 *                              or names someone else than the proposal
 *   SP_ERR_CRYPTO_SIGNATURE    the signature does not verify (modified, or
 *                              signed with another key)
 *   SP_ERR_PROPOSAL_EXPIRED    past its expiry
 *   SP_ERR_POLICY              local policy, an unloggable text, or a signed
 *                              proposal that gives a participant no OIN
 *   SP_ERR_ROUND_REFUSED       this node is not a participant
 *   SP_ERR_PEER_UNKNOWN, SP_ERR_CERT*
 *                              a participant is not an admitted member, or
 *                              its OIN differs from its certificate's */
SP_NODISCARD int sp_policy_judge(const struct sp_config *cfg, const struct sp_members *members,
                                 const struct sp_policy_input *in, struct sp_policy_verdict *out,
                                 char *reason, size_t cap);

#endif
