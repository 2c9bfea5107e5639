/*
 * A partner's epoch filter as the asking node holds it, per key type: the
 * fingerprints of the partner's PRF outputs (crypto/oprf.h), a sorted array
 * of u64 (8 bytes per value; docs/case-questions.md says why not a fuse
 * filter). It is a multiset: two of the partner's values may share a
 * fingerprint (about 3 * 10^-8 per epoch at 10^6 values), and a delta that
 * removes one of them must not remove the other.
 *
 * Pure: memory only.
 */
#ifndef SP_ROUND_CASE_FILTER_H
#define SP_ROUND_CASE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct sp_case_filter {
    uint64_t *fp; /* sorted, non-decreasing; NULL when n == 0 */
    size_t n, cap;
};

/* Empties f and frees its array (f itself is the caller's). NULL-safe. */
void sp_case_filter_clear(struct sp_case_filter *f);
/* Appends n fingerprints in any order (a whole filter arriving in parts);
 * call sp_case_filter_seal once all are in. Returns 0, SP_ERR_NOMEM (f
 * unchanged), SP_ERR_OVERFLOW, SP_ERR_INVALID_ARG (NULL). */
SP_NODISCARD int sp_case_filter_append(struct sp_case_filter *f, const uint64_t *fp, size_t n);
/* Sorts what was appended. */
void sp_case_filter_seal(struct sp_case_filter *f);
/* Applies a delta to a sealed filter: removes one occurrence of each of
 * removed[] (SP_ERR_NOT_FOUND, f unchanged, when one is not there: the
 * asker's copy and the partner's disagree, so the caller fetches the whole
 * filter), then adds added[] (any order). Linear in f->n plus the delta's
 * size times its log. Returns 0, SP_ERR_NOT_FOUND, SP_ERR_NOMEM (f unchanged),
 * SP_ERR_OVERFLOW, SP_ERR_INVALID_ARG (NULL; f unchanged in every case). */
SP_NODISCARD int sp_case_filter_apply(struct sp_case_filter *f, const uint64_t *added,
                                      size_t nadded, const uint64_t *removed, size_t nremoved);
/* True when fp is in the sealed filter (binary search). */
bool sp_case_filter_contains(const struct sp_case_filter *f, uint64_t fp);

#endif
