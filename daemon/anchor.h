/*
 * The audit anchor: a small file next to the store (STATE_DIR/audit-anchor)
 * that remembers how far this node's audit chain had come (node, seq of the
 * head entry, its hash). The store can be deleted or replaced by an older
 * copy; the anchor makes that loud:
 *   - an empty audit log where the anchor says a chain existed: the node
 *     does not start (the store was deleted; restore it from a backup, or
 *     move the anchor away to start a new chain on purpose);
 *   - a log behind the anchor (an older copy of the store, e.g. a restored
 *     backup): a warning naming both positions, and the node starts;
 *   - no anchor (first start, or it was removed): it is written.
 * Peers also remember this node's heads (gov.c): a head that went backwards
 * is refused and recorded there.
 *
 * Written atomically (temporary file, fsync, rename), mode 0600.
 */
#ifndef SP_DAEMON_ANCHOR_H
#define SP_DAEMON_ANCHOR_H

#include <stdbool.h>
#include <stdint.h>

#include "audit/entry.h"
#include "common/err.h"

#define SP_ANCHOR_FILE "audit-anchor"

struct sp_anchor {
    char node[SP_AUDIT_NAME_MAX + 1];
    uint64_t seq;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
};

/* Reads STATE_DIR/audit-anchor. Returns 0, SP_ERR_NOT_FOUND (no file), or
 * SP_ERR_AUDIT (not an anchor: damaged), SP_ERR_IO. */
SP_NODISCARD int sp_anchor_read(const char *state_dir, struct sp_anchor *out);
/* Writes it atomically. Returns 0 or SP_ERR_IO (logged by the caller). */
SP_NODISCARD int sp_anchor_write(const char *state_dir, const struct sp_anchor *a);

/* Judges the log's head (have: whether the log has entries) against the
 * anchor at start-up, as the header comment says; writes nothing (the
 * caller writes the anchor once the start is in the log). Returns 0 (start)
 * or SP_ERR_AUDIT (do not start; logged with what to do). */
SP_NODISCARD int sp_anchor_check(const char *state_dir, const char *node, bool have, uint64_t seq,
                                 const uint8_t hash[SP_AUDIT_HASH_BYTES]);

#endif
