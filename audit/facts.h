/*
 * Internal to audit/: what a verifier keeps of a log for cross-checks
 * (verify.c fills it, crosscheck.c reads it). Not part of the interface.
 */
#ifndef SP_AUDIT_FACTS_H
#define SP_AUDIT_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "audit/verify.h"
#include "common/keytype.h"
#include "common/roundid.h"

#define SP_AUDIT_MAX_PARTICIPANTS 32

typedef char sp_audit_name_t[SP_AUDIT_NAME_MAX + 1];

/* Elements sent to and received from one peer in one round, per key type. */
struct sp_audit_peer_sizes {
    sp_audit_name_t peer;
    uint64_t sent[SP_KEY_TYPE_MAX + 1];
    uint64_t received[SP_KEY_TYPE_MAX + 1];
    size_t line;
};

#define SP_AUDIT_END_REASON_MAX 160

struct sp_audit_round_facts {
    uint8_t id[SP_ROUND_ID_BYTES];
    size_t line; /* first entry about the round */
    bool accepted, refused, failed, result;
    /* why the round failed or was refused here (round_failed or
     * proposal_refused), cut to fit; "" when it did not */
    char end_reason[SP_AUDIT_END_REASON_MAX + 1];
    bool have_digest, digest_conflict;
    uint8_t digest[SP_AUDIT_HASH_BYTES];
    bool have_participants, participants_conflict;
    size_t nparts;
    sp_audit_name_t parts[SP_AUDIT_MAX_PARTICIPANTS];
    sp_audit_name_t counter;
    struct sp_audit_peer_sizes *sizes;
    size_t nsizes;
    bool head_sent;
    uint64_t head_sent_seq;
    uint8_t head_sent_hash[SP_AUDIT_HASH_BYTES];
    size_t nsent_to;
    sp_audit_name_t sent_to[SP_AUDIT_MAX_PARTICIPANTS]; /* who the head went to */
    /* the asking node of a case question: each partner's outcome
     * (case_answer; code 0 answered) */
    size_t ncase;
    struct {
        sp_audit_name_t peer;
        int64_t code;
    } case_answers[SP_AUDIT_MAX_PARTICIPANTS];
};

/* A peer's head recorded in this log (log_head_received). */
struct sp_audit_recv_head {
    sp_audit_name_t peer;
    uint8_t round[SP_ROUND_ID_BYTES];
    uint64_t seq;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    uint8_t sig[SP_AUDIT_SIG_BYTES];
    size_t line;
};

struct sp_audit_facts {
    struct sp_audit_round_facts *rounds;
    size_t nrounds, rounds_cap;
    size_t last; /* the round found last: entries of a round come together */
    struct sp_audit_recv_head *heads;
    size_t nheads, heads_cap;
};

/* The facts collected by a verifier (valid until it is freed). */
const struct sp_audit_facts *sp_audit_verifier_facts(const struct sp_audit_verifier *v);
/* Its signing key, or NULL. */
const uint8_t *sp_audit_verifier_pk(const struct sp_audit_verifier *v);
/* Records what entry e (verified, at line) says about rounds; 0 or
 * SP_ERR_NOMEM. */
int sp_audit_facts_add(struct sp_audit_facts *f, const struct sp_audit_entry *e, size_t line);
void sp_audit_facts_clear(struct sp_audit_facts *f);

#endif
