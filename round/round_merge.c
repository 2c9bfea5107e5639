/* Counting by sorted runs; see round_merge.h. */
#include "round/round_merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "round/round_hist.h"

#define E SP_ROUND_ELEM_BYTES

static int cmp_index(const void *a, const void *b, void *elems)
{
    const uint8_t *base = elems;
    return memcmp(base + (size_t) * (const uint16_t *)a * E,
                  base + (size_t) * (const uint16_t *)b * E, E);
}

int sp_round_sort_batch(const uint8_t *elems, uint32_t n, uint8_t *sorted, uint16_t *perm)
{
    if (n > SP_ROUND_RUN_MAX)
        return SP_ERR_INVALID_ARG;
    for (uint32_t i = 0; i < n; i++)
        perm[i] = (uint16_t)i;
    qsort_r(perm, n, sizeof(*perm), cmp_index, (void *)(uintptr_t)elems);
    for (uint32_t i = 0; i < n; i++)
        memcpy(sorted + (size_t)i * E, elems + (size_t)perm[i] * E, E);
    return 0;
}

/* A binary min-heap of run indices, ordered by each run's current element. */
struct heap {
    uint32_t *h;
    size_t n;
    const struct sp_round_run *runs;
    const uint32_t *pos;
};

static const uint8_t *head(const struct heap *hp, uint32_t r)
{
    return hp->runs[r].elems + (size_t)hp->pos[r] * E;
}

static bool less(const struct heap *hp, size_t a, size_t b)
{
    return memcmp(head(hp, hp->h[a]), head(hp, hp->h[b]), E) < 0;
}

static void swap(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(struct heap *hp, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < hp->n && less(hp, l, m))
            m = l;
        if (l + 1 < hp->n && less(hp, l + 1, m))
            m = l + 1;
        if (m == i)
            return;
        swap(&hp->h[i], &hp->h[m]);
        i = m;
    }
}

static void sift_up(struct heap *hp, size_t i)
{
    while (i > 0 && less(hp, i, (i - 1) / 2)) {
        swap(&hp->h[i], &hp->h[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

/* Takes the smallest run off the heap; returns its index. */
static uint32_t pop(struct heap *hp)
{
    uint32_t r = hp->h[0];
    hp->h[0] = hp->h[--hp->n];
    sift_down(hp, 0);
    return r;
}

static void push(struct heap *hp, uint32_t r)
{
    hp->h[hp->n++] = r;
    sift_up(hp, hp->n - 1);
}

/* Pops every run whose head equals the smallest element into group[], ORs
 * their holders into *mask, and returns how many. */
static size_t take_group(struct heap *hp, uint32_t *group, uint8_t *elem, uint32_t *mask)
{
    size_t g = 0;
    memcpy(elem, head(hp, hp->h[0]), E);
    *mask = 0;
    while (hp->n && memcmp(head(hp, hp->h[0]), elem, E) == 0) {
        uint32_t r = pop(hp);
        group[g++] = r;
        *mask |= UINT32_C(1) << hp->runs[r].holder;
    }
    return g;
}

/* Stores mask at each grouped run's head (and at its repeats of the same
 * element), advances the runs and pushes back those not exhausted. Returns
 * 0 or SP_ERR_INVALID_ARG (a run out of order). */
static int advance_group(struct heap *hp, uint32_t *pos, const uint32_t *group, size_t g,
                         const uint8_t *elem, uint32_t mask)
{
    for (size_t i = 0; i < g; i++) {
        const struct sp_round_run *run = &hp->runs[group[i]];
        uint32_t *p = &pos[group[i]];
        while (*p < run->n && memcmp(run->elems + (size_t)*p * E, elem, E) == 0)
            run->masks[(*p)++] = mask;
        if (*p < run->n && memcmp(run->elems + (size_t)*p * E, elem, E) < 0)
            return SP_ERR_INVALID_ARG;
        if (*p < run->n)
            push(hp, group[i]);
    }
    return 0;
}

int sp_round_merge(struct sp_round_run *runs, size_t nruns, uint8_t key_type,
                   struct sp_round_hist *hist)
{
    int rc = SP_ERR_NOMEM;
    uint32_t *pos = calloc(nruns ? nruns : 1, sizeof(*pos));
    uint32_t *heap_mem = calloc(nruns ? nruns : 1, sizeof(*heap_mem));
    uint32_t *group = calloc(nruns ? nruns : 1, sizeof(*group));
    struct heap hp = {.h = heap_mem, .runs = runs, .pos = pos};
    uint8_t elem[E];
    if (!pos || !heap_mem || !group)
        goto out;
    for (size_t r = 0; r < nruns; r++) {
        if (runs[r].holder >= 32) {
            rc = SP_ERR_INVALID_ARG;
            goto out;
        }
        if (runs[r].n)
            push(&hp, (uint32_t)r);
    }
    rc = 0;
    while (hp.n && rc == 0) {
        uint32_t mask;
        size_t g = take_group(&hp, group, elem, &mask);
        rc = advance_group(&hp, pos, group, g, elem, mask);
        if (rc == 0)
            rc = sp_round_hist_move(hist, key_type, 0, mask);
    }
out:
    free(pos);
    free(heap_mem);
    free(group);
    return rc;
}
