/*
 * Turns verdicts into result rows (protocol.md step 5, issue 4 "results"):
 * for each own record and each partner, the union of the key types through
 * which that partner holds one of the record's values, and the strongest
 * class (A before B before C) among those keys.
 *
 * Pure, in memory: records are keyed by (dataset, record id); memory grows
 * with the number of matched (record, partner) pairs only, since unmatched
 * values add nothing. Record ids are not personal identifiers, but nothing
 * here ever sees a key value.
 */
#ifndef SP_DAEMON_ROUND_AGG_H
#define SP_DAEMON_ROUND_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Partner index of a threshold-mode row: the node learns only that at least
 * k nodes hold the record, not which. Stored and shown as partner
 * SP_ROUND_PARTNER_ANY, which is SP_CTL_PARTNER_ANY on the control wire. */
#define SP_ROUND_AGG_ANY     255
#define SP_ROUND_PARTNER_ANY "*"

struct sp_round_agg;

SP_NODISCARD int sp_round_agg_new(struct sp_round_agg **out);
void sp_round_agg_free(struct sp_round_agg **agg);

/* Adds one (record, key) pair of this node (participant index me) whose value
 * the verdict says is held by holders (already checked with
 * sp_round_check_holders), under mode (enum sp_proposal_mode):
 *   partners:  one contribution per holder other than me;
 *   threshold: one contribution with partner SP_ROUND_AGG_ANY when
 *              holders != 0;
 *   counts:    nothing.
 * dataset and record_id are copied (NUL-terminated; each at most 255 bytes).
 * klass is the key's class (1 A .. 3 C). Returns 0, SP_ERR_INVALID_ARG,
 * SP_ERR_NOMEM or SP_ERR_OVERFLOW (more than 2^31 entries). */
SP_NODISCARD int sp_round_agg_add(struct sp_round_agg *agg, const char *dataset,
                                  const char *record_id, uint8_t key_type, uint8_t klass,
                                  uint32_t holders, unsigned me, int mode);

/* Distinct records with at least one row, and the number of rows. */
uint64_t sp_round_agg_records(const struct sp_round_agg *agg);
uint64_t sp_round_agg_rows(const struct sp_round_agg *agg);

/* Calls fn for every row, ordered by dataset, record id (byte order), then
 * partner index. key_types is a SP_KEY_MASK set; klass the strongest class.
 * Strings are valid during the call. fn returns 0 to go on, or a negative
 * code that stops the walk and is returned. Returns 0, SP_ERR_NOMEM or fn's
 * code. */
typedef int (*sp_round_agg_fn)(void *ctx, const char *dataset, const char *record_id,
                               unsigned partner, uint32_t key_types, uint8_t klass);
SP_NODISCARD int sp_round_agg_foreach(struct sp_round_agg *agg, sp_round_agg_fn fn, void *ctx);

#endif
