/*
 * The asker's copy of a partner's epoch filter (case_filter.h): a sorted
 * multiset of 64-bit fingerprints.
 *
 * Why it looks the way it does:
 * - A delta is applied in three steps so that it is all-or-nothing: every
 *   allocation comes first (sorted copies of the delta, then the array's
 *   growth, which realloc does without changing the contents), then the
 *   removals are checked against the filter without touching it, and only
 *   then is the filter changed, which can no longer fail.
 * - The change is linear in the filter: removals compact it in one pass,
 *   the added fingerprints are merged in from the back (the array is
 *   already large enough), so nothing is sorted but the delta itself.
 */
#include "case_filter.h"

#include <stdlib.h>
#include <string.h>

#define FILTER_MIN_CAP 16

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

void sp_case_filter_clear(struct sp_case_filter *f)
{
    if (f == NULL)
        return;
    free(f->fp);
    f->fp = NULL;
    f->n = 0;
    f->cap = 0;
}

/* Makes room for need entries (contents unchanged; on failure f unchanged). */
static int reserve(struct sp_case_filter *f, size_t need, bool doubling)
{
    size_t cap = f->cap;
    uint64_t *p;

    if (need <= f->cap)
        return 0;
    if (need > SIZE_MAX / sizeof(uint64_t))
        return SP_ERR_OVERFLOW;
    /* Doubling for a filter arriving in parts; exactly need when doubling
     * would overflow or not suffice, and for a delta on a held filter (a
     * few values more must not double a million). */
    cap = cap < FILTER_MIN_CAP ? FILTER_MIN_CAP : cap;
    cap = !doubling || cap > SIZE_MAX / sizeof(uint64_t) / 2 ? need : 2 * cap;
    if (cap < need)
        cap = need;
    p = realloc(f->fp, cap * sizeof(uint64_t));
    if (p == NULL)
        return SP_ERR_NOMEM;
    f->fp = p;
    f->cap = cap;
    return 0;
}

int sp_case_filter_append(struct sp_case_filter *f, const uint64_t *fp, size_t n)
{
    int rc;

    if (f == NULL || (fp == NULL && n > 0))
        return SP_ERR_INVALID_ARG;
    if (n == 0)
        return 0;
    if (n > SIZE_MAX - f->n)
        return SP_ERR_OVERFLOW;
    rc = reserve(f, f->n + n, true);
    if (rc != 0)
        return rc;
    memcpy(f->fp + f->n, fp, n * sizeof(uint64_t));
    f->n += n;
    return 0;
}

/* The array down to its size: a filter arrives in parts of unknown total,
 * so appending doubles the capacity, and a copy held for a month should
 * cost its 8 bytes per value, not up to 16 (bench/README.md measured the
 * asker's memory per value). A failed shrink keeps the larger array. */
static void shrink(struct sp_case_filter *f)
{
    if (f->cap <= f->n || f->n == 0)
        return;
    uint64_t *p = realloc(f->fp, f->n * sizeof(uint64_t));
    if (p) {
        f->fp = p;
        f->cap = f->n;
    }
}

void sp_case_filter_seal(struct sp_case_filter *f)
{
    if (f == NULL)
        return;
    shrink(f);
    if (f->n >= 2)
        qsort(f->fp, f->n, sizeof(uint64_t), cmp_u64);
}

/* A sorted copy of n fingerprints (NULL when n == 0). */
static int sorted_copy(uint64_t **out, const uint64_t *v, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    if (n > SIZE_MAX / sizeof(uint64_t))
        return SP_ERR_OVERFLOW;
    *out = malloc(n * sizeof(uint64_t));
    if (*out == NULL)
        return SP_ERR_NOMEM;
    memcpy(*out, v, n * sizeof(uint64_t));
    qsort(*out, n, sizeof(uint64_t), cmp_u64);
    return 0;
}

/* True when every one of the sorted rm[] has an occurrence of its own in
 * the sorted filter (a value removed twice must be there twice). */
static bool removable(const struct sp_case_filter *f, const uint64_t *rm, size_t nrm)
{
    size_t i = 0;

    for (size_t j = 0; j < nrm; j++, i++) {
        while (i < f->n && f->fp[i] < rm[j])
            i++;
        if (i == f->n || f->fp[i] != rm[j])
            return false;
    }
    return true;
}

/* Removes the sorted rm[] (known to be there) in one pass. */
static void remove_sorted(struct sp_case_filter *f, const uint64_t *rm, size_t nrm)
{
    size_t w = 0, j = 0;

    for (size_t i = 0; i < f->n; i++) {
        if (j < nrm && f->fp[i] == rm[j]) {
            j++;
            continue;
        }
        f->fp[w++] = f->fp[i];
    }
    f->n = w;
}

/* Merges the sorted add[] in from the back (f->cap >= f->n + nadd). */
static void merge_sorted(struct sp_case_filter *f, const uint64_t *add, size_t nadd)
{
    size_t i = f->n, j = nadd, w = f->n + nadd;

    while (j > 0) {
        if (i > 0 && f->fp[i - 1] > add[j - 1])
            f->fp[--w] = f->fp[--i];
        else
            f->fp[--w] = add[--j];
    }
    f->n += nadd;
}

int sp_case_filter_apply(struct sp_case_filter *f, const uint64_t *added, size_t nadded,
                         const uint64_t *removed, size_t nremoved)
{
    uint64_t *add = NULL, *rm = NULL;
    int rc;

    if (f == NULL || (added == NULL && nadded > 0) || (removed == NULL && nremoved > 0))
        return SP_ERR_INVALID_ARG;
    if (nremoved > f->n)
        return SP_ERR_NOT_FOUND;
    if (nadded > SIZE_MAX - (f->n - nremoved))
        return SP_ERR_OVERFLOW;
    rc = sorted_copy(&rm, removed, nremoved);
    if (rc == 0)
        rc = sorted_copy(&add, added, nadded);
    if (rc != 0)
        goto out;
    if (!removable(f, rm, nremoved)) {
        rc = SP_ERR_NOT_FOUND;
        goto out;
    }
    rc = reserve(f, f->n - nremoved + nadded, false);
    if (rc != 0)
        goto out;
    remove_sorted(f, rm, nremoved);
    merge_sorted(f, add, nadded);
out:
    free(add);
    free(rm);
    return rc;
}

bool sp_case_filter_contains(const struct sp_case_filter *f, uint64_t fp)
{
    size_t lo = 0, hi;

    if (f == NULL || f->n == 0)
        return false;
    hi = f->n;
    /* First index whose entry is >= fp. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (f->fp[mid] < fp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n && f->fp[lo] == fp;
}
