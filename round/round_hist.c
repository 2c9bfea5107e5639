/* The incidence histogram; see round_hist.h. */
#include "round/round_hist.h"

#include <stdlib.h>

#include "proto/peer.h"
#include "proto/proposal.h"

struct cell {
    uint64_t key; /* key_type << 32 | holders; 0 = empty slot (holders != 0) */
    uint64_t count;
};

struct sp_round_hist {
    struct cell *t; /* open addressing, power-of-two size, at most half full */
    uint32_t cap, used;
};

int sp_round_hist_new(struct sp_round_hist **out)
{
    struct sp_round_hist *h = calloc(1, sizeof(*h));
    if (!h)
        return SP_ERR_NOMEM;
    h->cap = 256;
    h->t = calloc(h->cap, sizeof(*h->t));
    if (!h->t) {
        free(h);
        return SP_ERR_NOMEM;
    }
    *out = h;
    return 0;
}

void sp_round_hist_free(struct sp_round_hist **hp)
{
    if (!hp || !*hp)
        return;
    free((*hp)->t);
    free(*hp);
    *hp = NULL;
}

static struct cell *slot(struct cell *t, uint32_t cap, uint64_t key)
{
    uint32_t i = (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
    while (t[i].key && t[i].key != key)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

static int grow(struct sp_round_hist *h)
{
    uint32_t ncap = h->cap * 2;
    struct cell *n = calloc(ncap, sizeof(*n));
    if (!n)
        return SP_ERR_NOMEM;
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->t[i].key)
            *slot(n, ncap, h->t[i].key) = h->t[i];
    free(h->t);
    h->t = n;
    h->cap = ncap;
    return 0;
}

int sp_round_hist_move(struct sp_round_hist *h, uint8_t key_type, uint32_t from, uint32_t to)
{
    if (to == 0)
        return SP_ERR_INVALID_ARG;
    uint64_t key = (uint64_t)key_type << 32 | to;
    struct cell *c = slot(h->t, h->cap, key);
    if (!c->key) {
        if (h->used >= SP_PROTO_MAX_COUNT_ENTRIES)
            return SP_ERR_OVERFLOW;
        if ((h->used + 1) * 2 > h->cap) {
            int rc = grow(h);
            if (rc)
                return rc;
            c = slot(h->t, h->cap, key);
        }
        c->key = key;
        h->used++;
    }
    c->count++;
    if (from) {
        struct cell *old = slot(h->t, h->cap, (uint64_t)key_type << 32 | from);
        if (old->key && old->count)
            old->count--;
    }
    return 0;
}

static int cmp_cells(const void *a, const void *b)
{
    const struct sp_peer_count *x = a, *y = b;
    if (x->key_type != y->key_type)
        return x->key_type < y->key_type ? -1 : 1;
    return x->holders < y->holders ? -1 : x->holders > y->holders;
}

int sp_round_hist_cells(const struct sp_round_hist *h, struct sp_peer_count **out, uint32_t *n)
{
    struct sp_peer_count *e = calloc(h->used ? h->used : 1, sizeof(*e));
    if (!e)
        return SP_ERR_NOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->t[i].key && h->t[i].count)
            e[k++] = (struct sp_peer_count){.key_type = (uint8_t)(h->t[i].key >> 32),
                                            .holders = (uint32_t)h->t[i].key,
                                            .count = h->t[i].count};
    qsort(e, k, sizeof(*e), cmp_cells);
    *out = e;
    *n = k;
    return 0;
}
