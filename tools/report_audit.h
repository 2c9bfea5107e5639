/*
 * What a node's audit log says about one round, for the report: the
 * proposal it accepted (case, purpose, its own legal basis, coordinator and
 * certificate digest, mode, k, participants, expiry, retention, digest), the
 * values it exchanged per peer, what it learned, and the signed log heads
 * it sent and received at the end. Fed one decoded entry at a time, in log
 * order (as `snijpunt audit export` reads them).
 *
 * Pure. Entries come from the local node over its control socket; they are
 * decoded strictly by audit/ (sp_audit_record_open) before they get here.
 */
#ifndef SP_TOOLS_REPORT_AUDIT_H
#define SP_TOOLS_REPORT_AUDIT_H

#include <stdint.h>

#include "audit/entry.h"
#include "common/err.h"
#include "tools/report.h"

/* Adds what e says about the round round_id to r. Entries about other rounds
 * are ignored, except node_start entries before the round's acceptance (the
 * node's certificate digest then in use). A repeated head or peer replaces
 * the earlier one. Returns 0, or SP_ERR_OVERFLOW (more heads or peers than
 * the report holds; r keeps what fitted). */
SP_NODISCARD int sp_report_audit_add(struct sp_report *r, const uint8_t round_id[SP_ROUND_ID_BYTES],
                                     const struct sp_audit_entry *e);

#endif
