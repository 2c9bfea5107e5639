/*
 * Governance of a node: its audit log (audit_log.h), its federation
 * membership (members.h), its local policy for proposals (policy.h) and
 * the retention of results (retention.h), bundled for the main loop, the
 * control socket and the federation engine.
 *
 * At start-up (sp_gov_new) the node's certificate is checked (a node whose
 * certificate does not pass does not start), the audit log is opened and
 * its hook installed in the store, and the start is recorded: node_start,
 * and config_change / key_change when the configuration digest, the
 * identity's public keys or the certificate differ from those recorded at
 * the previous start. Results whose retention ended are purged.
 *
 * Refusals of peers (connections and messages) are recorded as
 * connection_refused entries, at most one per peer or key per
 * SP_GOV_REFUSAL_WINDOW_S; the next entry says how many were left out.
 *
 * Main thread only.
 */
#ifndef SP_DAEMON_GOV_H
#define SP_DAEMON_GOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "common/err.h"
#include "common/roundid.h"
#include "daemon/policy.h"

struct sp_config;
struct sp_store;
struct sp_identity;
struct sp_audit_log;
struct sp_members;
struct sp_gov; /* opaque */

#define SP_GOV_REFUSAL_WINDOW_S 60

/* Borrows cfg, store and id for its lifetime. now_ms: CLOCK_MONOTONIC.
 * Returns 0, or the error that keeps the node from starting (logged with
 * what to do): SP_ERR_CERT*, SP_ERR_CRL, SP_ERR_IO, SP_ERR_NOT_FOUND (a
 * certificate file), SP_ERR_AUDIT (damaged log), SP_ERR_STORE, SP_ERR_NOMEM. */
SP_NODISCARD int sp_gov_new(const struct sp_config *cfg, struct sp_store *store,
                            const struct sp_identity *id, uint64_t now_ms, struct sp_gov **out);
/* Records node_stop with reason (may be NULL), removes the store hook,
 * frees; NULL-safe; clears *gov. */
void sp_gov_free(struct sp_gov **gov, const char *reason);

struct sp_audit_log *sp_gov_log(struct sp_gov *gov);
/* Writes the audit anchor (anchor.h) at the log's head: after a round's
 * head was signed, and at start and stop. */
void sp_gov_anchor(struct sp_gov *gov);
const struct sp_members *sp_gov_members(const struct sp_gov *gov);
const struct sp_config *sp_gov_config(const struct sp_gov *gov);

/* Appends *e now (stage false) or stages it for the next state-changing
 * store transaction (stage true); takes *e in every case. A failure is
 * logged (the audit log cannot be written: the operator must act) and
 * returned. */
SP_NODISCARD int sp_gov_record(struct sp_gov *gov, struct sp_audit_entry **e, bool stage);

/* Timers: re-reads the CRL and the certificates every crl_reload seconds,
 * purges results whose retention ended every SP_RETENTION_PERIOD_S, writes
 * anything left staged. */
void sp_gov_tick(struct sp_gov *gov, uint64_t now_ms);
/* Milliseconds until sp_gov_tick has work. */
long sp_gov_next_timeout_ms(const struct sp_gov *gov, uint64_t now_ms);
/* SIGHUP (daemon/reload.h), after the configuration gov borrows was
 * re-read (and changed in place, or not). sp_gov_reread re-reads the CRL
 * and the certificates as the timer does. sp_gov_renew_members, for a
 * change of what membership is built from (CA, CRL, certificate paths,
 * peers), reads the CA, the CRL and every certificate anew for the
 * configuration now in force, and this node's certificate must pass as at
 * start-up. Both then record what changed since the audit log last
 * recorded it (config_change for the configuration's digest, key_change
 * for a renewed certificate of this node) and start the CRL timer again
 * from now_ms. sp_gov_renew_members returns 0, or the error that refuses
 * the new membership with why (capacity cap) filled: the previous
 * membership stays in use and nothing is recorded (the caller puts the
 * previous configuration back). */
void sp_gov_reread(struct sp_gov *gov, uint64_t now_ms);
SP_NODISCARD int sp_gov_renew_members(struct sp_gov *gov, uint64_t now_ms, char *why, size_t cap);

/* Whether configured peer i may connect now (members.h); a refusal is
 * logged and recorded with the peer's key (may be NULL). Returns 0 or the
 * refusing code with why filled. */
SP_NODISCARD int sp_gov_admit(struct sp_gov *gov, size_t i, const uint8_t *key, char *why,
                              size_t cap);
/* Records any other refusal of a peer: peer (NULL when unknown), its CURVE
 * key (NULL when unknown), the code and the reason. Rate-limited. */
void sp_gov_refused(struct sp_gov *gov, const char *peer, const uint8_t *key, int code,
                    const char *reason);

/* Checks a peer's signed head against the highest one this node recorded
 * from it (read from the audit log's log_head_received entries once, then
 * kept): 0 and remembered when it is further; SP_ERR_AUDIT with *before set
 * when the peer's log went backwards (a lower head, or one as far with
 * another hash). A head further on cannot be told from a rewritten log
 * here; the cross-check's pins catch that. */
SP_NODISCARD int sp_gov_peer_head(struct sp_gov *gov, const char *peer, uint64_t seq,
                                  const uint8_t hash[SP_AUDIT_HASH_BYTES], uint64_t *before);

/* sp_policy_judge with this node's configuration and membership. */
SP_NODISCARD int sp_gov_judge(const struct sp_gov *gov, const struct sp_policy_input *in,
                              struct sp_policy_verdict *out, char *reason, size_t cap);

/* The control socket served a round's results or counts in full. */
void sp_gov_served(struct sp_gov *gov, const uint8_t round_id[SP_ROUND_ID_BYTES]);

#endif
