/*
 * Counting by sorted runs (the counting node's core, pure and in memory):
 * each FINAL batch is sorted when it arrives and stored as a run; when every
 * participant's runs are in, one k-way merge per key type finds, for every
 * distinct element, the set of participants whose runs contain it (its
 * holder mask), writes that mask next to each occurrence and adds the value
 * to the incidence histogram. No table keyed by element is ever built, so the
 * scratch is written sequentially (one entry per batch) and memory is 4
 * bytes per counted value. ROUNDS.md, "Counting", says why.
 */
#ifndef SP_ROUND_ROUND_MERGE_H
#define SP_ROUND_ROUND_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_ROUND_ELEM_BYTES 32   /* == SP_GROUP_ELEMENT_BYTES */
#define SP_ROUND_RUN_MAX    4096 /* == SP_PEER_BATCH_MAX_ELEMENTS: perm fits u16 */

struct sp_round_hist;

/* Sorts a batch of n (<= SP_ROUND_RUN_MAX) elements ascending (byte order)
 * into sorted, and writes perm[i] = the original position of sorted element
 * i. Returns 0, SP_ERR_INVALID_ARG (n too large) or SP_ERR_NOMEM. */
SP_NODISCARD int sp_round_sort_batch(const uint8_t *elems, uint32_t n, uint8_t *sorted,
                                     uint16_t *perm);

/* One sorted run: a participant's batch of one key type. */
struct sp_round_run {
    const uint8_t *elems; /* n * SP_ROUND_ELEM_BYTES, ascending */
    uint32_t n;
    uint8_t holder;  /* participant index (< 32) */
    uint32_t *masks; /* out: n holder masks, in the run's (sorted) order */
};

/* Merges the runs of one key type: for every distinct element, mask = OR of
 * (1 << holder) over the runs that contain it; stores mask at each of its
 * positions and adds one value to hist cell (key_type, mask). A participant
 * sending an element twice counts once. Returns 0, SP_ERR_INVALID_ARG (a run
 * out of order, or holder >= 32), SP_ERR_NOMEM, or sp_round_hist_move's
 * error. */
SP_NODISCARD int sp_round_merge(struct sp_round_run *runs, size_t nruns, uint8_t key_type,
                                struct sp_round_hist *hist);

#endif
