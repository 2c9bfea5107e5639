/*
 * Retention: a round's results (rows and counts) are deleted when the
 * retention period its proposal set has ended, counted from when the round
 * finished. retention_days = 0 means "keep until read once": the results
 * go as soon as they have been served to the control socket in full (the
 * last page of RESULTS, or COUNTS), or at the next check when this node
 * has neither rows nor counts to serve. Each deletion is a retention_purge
 * entry in the audit log, written in the same transaction that makes the
 * results invisible (store.h hook); the round's record and its audit
 * entries stay: the audit trail outlives the results.
 *
 * The main loop runs sp_retention_run at start-up and periodically.
 * Main thread only.
 */
#ifndef SP_DAEMON_RETENTION_H
#define SP_DAEMON_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/roundid.h"

struct sp_store;
struct sp_audit_log;

/* How often the loop checks (seconds). */
#define SP_RETENTION_PERIOD_S 60

/* Deletes the results of every round whose retention ended at now (Unix
 * seconds), at most max_rounds per call; *purged (may be NULL) counts the
 * rounds purged. Returns 0 or the first store error (the rest waits for
 * the next run). */
SP_NODISCARD int sp_retention_run(struct sp_store *store, struct sp_audit_log *log, uint64_t now,
                                  size_t max_rounds, size_t *purged);

/* Called after the control socket served a round's results or counts in
 * full: purges them when the round's retention is 0. Returns 0 or an
 * error. */
SP_NODISCARD int sp_retention_served(struct sp_store *store, struct sp_audit_log *log,
                                     const uint8_t round_id[SP_ROUND_ID_BYTES], uint64_t now);

#endif
