/*
 * One round's story in plain language, for an auditor (snijpunt audit show
 * --round ID): who proposed it, why and on what legal basis, who took part,
 * what went where, what each node learned and when results were deleted,
 * told from the entries of one or more nodes' logs. Only what the entries
 * say: names, counts, digests, times; never record contents.
 *
 * Pure.
 */
#ifndef SP_AUDIT_STORY_H
#define SP_AUDIT_STORY_H

#include <stdint.h>

#include "audit/crosscheck.h"
#include "audit/entry.h"
#include "common/err.h"
#include "common/roundid.h"

struct sp_audit_story; /* opaque */

SP_NODISCARD int sp_audit_story_new(const uint8_t round_id[SP_ROUND_ID_BYTES],
                                    struct sp_audit_story **out);
void sp_audit_story_free(struct sp_audit_story **s);

/* Offers entry e from node's log (feed each log in order); a copy is kept
 * when e is about the round. Returns 0, SP_ERR_INVALID_ARG, SP_ERR_OVERFLOW
 * (more than 4096 entries kept), SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_story_add(struct sp_audit_story *s, const char *node,
                                    const struct sp_audit_entry *e);

/* Emits the story line by line. Returns 0, or SP_ERR_NOT_FOUND when no
 * entry was about the round. */
SP_NODISCARD int sp_audit_story_render(const struct sp_audit_story *s, sp_audit_emit_fn emit,
                                       void *ctx);

#endif
