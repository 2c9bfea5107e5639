/*
 * Cross-checks of several nodes' audit exports (snijpunt audit crosscheck).
 *
 * Each export is first verified on its own (audit/verify.h) with its node's
 * key, and the heads each node recorded from the others are applied as pins
 * to the others' logs. Then, per round id found in any log:
 *   - the nodes agree on the proposal digest and on the participants (in
 *     ring order) and the counting node;
 *   - every participant whose export is given has entries for the round;
 *   - for every pair of nodes A, B both given: what A logged as sent to B
 *     equals what B logged as received from A, per key type, both ways;
 *   - the head A logged as sent in the round is the head B logged as
 *     received from A, and A really signed it.
 * Each disagreement is one sentence through the emit callback; node names,
 * round ids, key types and counts only.
 *
 * A disagreement is **explained** when a log records why the round did not
 * end normally: a node that crashed or was restarted ("the node restarted
 * during the round"), stopped ("shut down during the round"), refused the
 * proposal, or lost a peer. Messages in flight, sizes and heads that never
 * got written are then expected to be missing, and the finding says which
 * recorded end explains it ("explained by ..."). What no recorded end can
 * explain stays **unexplained** and fails the cross-check: a log that does
 * not verify, a head that differs from the one its node logged or that its
 * node did not sign, different proposals or participants, and any missing
 * or unequal exchange in a round that ended normally everywhere.
 *
 * Pure.
 */
#ifndef SP_AUDIT_CROSSCHECK_H
#define SP_AUDIT_CROSSCHECK_H

#include <stddef.h>

#include "audit/verify.h"
#include "common/err.h"

/* Receives one finding (a NUL-terminated sentence without newline). */
typedef void (*sp_audit_emit_fn)(void *ctx, const char *line);

struct sp_audit_cc_summary {
    size_t logs;      /* exports */
    size_t bad_logs;  /* exports that failed their own verification */
    size_t rounds;    /* distinct round ids */
    size_t pairs;     /* (round, A, B) size comparisons made */
    size_t pins;      /* peers' heads checked against the logs they pin */
    size_t problems;  /* unexplained findings: tampering or loss */
    size_t explained; /* findings a recorded crash, stop or refusal explains */
};

struct sp_audit_crosscheck; /* opaque */

SP_NODISCARD int sp_audit_crosscheck_new(struct sp_audit_crosscheck **out);
void sp_audit_crosscheck_free(struct sp_audit_crosscheck **cc);

/* Adds one node's export: a verifier made with the node's key and name
 * (both required), with every line fed but not finished. Takes ownership
 * and clears *v. Returns 0, SP_ERR_INVALID_ARG (no key or name),
 * SP_ERR_EXISTS (a second export of the same node), SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_crosscheck_add(struct sp_audit_crosscheck *cc,
                                         struct sp_audit_verifier **v);

/* Runs the checks above, emitting each finding (and each export's own
 * verification failure); explained findings start with "explained by".
 * Fills *sum. Returns 0 when nothing is unexplained, SP_ERR_AUDIT when
 * something is, SP_ERR_NOMEM. Runs once. */
SP_NODISCARD int sp_audit_crosscheck_run(struct sp_audit_crosscheck *cc, sp_audit_emit_fn emit,
                                         void *ctx, struct sp_audit_cc_summary *sum);

#endif
