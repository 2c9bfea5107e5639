/*
 * The incidence histogram the counting node builds (protocol.md step 5,
 * `counts`): per key type and holder set, how many distinct values exactly
 * that set of nodes holds. The counting node updates it as each element's
 * holder mask grows (a value first seen with mask {a}, then {a,b}, moves from
 * cell {a} to cell {a,b}), so it is complete when the last FINAL is in, with
 * no second pass over the scratch database.
 *
 * Pure, in memory: one cell per (key type, mask) that occurred, at most
 * SP_PROTO_MAX_COUNT_ENTRIES (what a COUNTS message can carry).
 */
#ifndef SP_ROUND_ROUND_HIST_H
#define SP_ROUND_ROUND_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct sp_peer_count;
struct sp_round_hist;

SP_NODISCARD int sp_round_hist_new(struct sp_round_hist **out);
void sp_round_hist_free(struct sp_round_hist **h);

/* One value of key_type changed holder set from `from` (0: first seen) to
 * `to` (non-zero). Returns 0, SP_ERR_INVALID_ARG (to == 0), SP_ERR_OVERFLOW
 * (more cells than a COUNTS message can carry) or SP_ERR_NOMEM. */
SP_NODISCARD int sp_round_hist_move(struct sp_round_hist *h, uint8_t key_type, uint32_t from,
                                    uint32_t to);

/* The non-empty cells, strictly increasing by (key type, holders), into a
 * malloc'd array the caller frees (*n may be 0). Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_round_hist_cells(const struct sp_round_hist *h, struct sp_peer_count **out,
                                     uint32_t *n);

#endif
