/* The round's expectation from the cleartext oracle (sim_oracle.h). */
#include "sim_oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "proto/proposal.h"
#include "round/round_agg.h"
#include "tests/linkage/cleartext.h"

struct collect {
    struct sim_expect *x;
    const char *const *names;
    unsigned nnodes;
    int err;
};

static int grow(void **p, size_t n, size_t elem)
{
    /* capacity: 8, then doubled whenever n reaches a power of two >= 8 */
    if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
        return 0;
    void *q = realloc(*p, (n ? 2 * n : 8) * elem);
    if (q == NULL)
        return -1;
    *p = q;
    return 0;
}

void sim_row_text(const struct sim_row *r, char out[SIM_ROW_TEXT])
{
    snprintf(out, SIM_ROW_TEXT, "%s,%s,%s,%x,%u", r->dataset, r->record_id, r->partner,
             r->key_types, r->klass);
}

static int on_link(void *ctx, const struct sp_ct_link *l)
{
    struct collect *c = ctx;
    unsigned node = 0;
    while (node < c->nnodes && strcmp(c->names[node], l->node) != 0)
        node++;
    if (node == c->nnodes)
        return -1;
    struct sim_row r = {.key_types = l->types, .klass = (uint8_t)l->klass};
    snprintf(r.dataset, sizeof(r.dataset), "%s", l->dataset);
    snprintf(r.record_id, sizeof(r.record_id), "%s", l->record_id);
    snprintf(r.partner, sizeof(r.partner), "%s", l->partner);
    size_t n = c->x->nrows[node];
    if (grow((void **)&c->x->rows[node], n, SIM_ROW_TEXT) != 0)
        return -1;
    sim_row_text(&r, c->x->rows[node][n]);
    c->x->nrows[node]++;
    return 0;
}

static int on_cell(void *ctx, int type, uint64_t nodes, uint64_t count)
{
    struct collect *c = ctx;
    struct sim_expect *x = c->x;
    uint8_t kt = (uint8_t)type;
    for (size_t i = 0; i < x->ncounts; i++) /* subject cells of several nodes add up */
        if (x->counts[i].key_type == kt && x->counts[i].holders == (uint32_t)nodes) {
            x->counts[i].count += count;
            return 0;
        }
    if (grow((void **)&x->counts, x->ncounts, sizeof(*x->counts)) != 0)
        return -1;
    x->counts[x->ncounts++] = (struct sim_count){kt, (uint32_t)nodes, count};
    return 0;
}

static int on_subject(void *ctx, int entity, uint64_t nodes, uint64_t count)
{
    return on_cell(ctx, 0x80 | entity, nodes, count);
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int cmp_count(const void *a, const void *b)
{
    const struct sim_count *x = a, *y = b;
    if (x->key_type != y->key_type)
        return x->key_type < y->key_type ? -1 : 1;
    if (x->holders != y->holders)
        return x->holders < y->holders ? -1 : 1;
    return x->count < y->count ? -1 : x->count > y->count;
}

/* The linker holds the participants, in ring order, with the keys each
 * offers. */
static int load(struct sp_ct *ct, const struct sim_data *d, const struct sim_round_view *v,
                const char *const *names)
{
    for (unsigned p = 0; p < v->n; p++) {
        const struct sim_node_data *nd = &d->node[v->node_of[p]];
        if (nd->nkeys > 0 && sp_ct_add_record(ct, names[v->node_of[p]], nd->keys[0].dataset,
                                              nd->keys[0].record_id) != 0)
            return -1;
    }
    for (unsigned p = 0; p < v->n; p++) {
        const struct sim_node_data *nd = &d->node[v->node_of[p]];
        for (size_t i = 0; i < nd->nkeys; i++) {
            const struct sim_key *k = &nd->keys[i];
            if ((v->types[p] & SP_KEY_MASK(k->type)) &&
                sp_ct_add(ct, names[v->node_of[p]], k->dataset, k->record_id, k->type, k->klass,
                          (const char *)k->value, k->len) != 0)
                return -1;
        }
    }
    return 0;
}

int sim_oracle_expect(const struct sim_data *d, const struct sim_round_view *v,
                      const char *const *names, struct sim_expect *x)
{
    struct sp_ct *ct = NULL;
    struct collect c = {x, names, d->nnodes, 0};
    uint32_t mask = 0;
    int rc = -1;

    memset(x, 0, sizeof(*x));
    for (unsigned p = 0; p < v->n; p++)
        mask |= v->types[p];
    struct sp_ct_round r = {mask, v->k,
                            v->mode == SP_PROPOSAL_MODE_THRESHOLD ? SP_ROUND_PARTNER_ANY : NULL};
    if (sp_ct_new(&ct) != 0 || load(ct, d, v, names) != 0)
        goto out;
    if (v->mode != SP_PROPOSAL_MODE_COUNTS && sp_ct_round_links(ct, &r, on_link, &c) != 0)
        goto out;
    if (sp_ct_histogram(ct, mask, on_cell, &c) != 0)
        goto out;
    for (unsigned p = 0; v->mode == SP_PROPOSAL_MODE_PARTNERS && p < v->n; p++)
        if (sp_ct_subjects(ct, names[v->node_of[p]], &r, on_subject, &c) != 0)
            goto out;
    for (unsigned i = 0; i < d->nnodes; i++)
        if (x->nrows[i] > 1)
            qsort(x->rows[i], x->nrows[i], SIM_ROW_TEXT, cmp_text);
    if (x->ncounts > 1)
        qsort(x->counts, x->ncounts, sizeof(*x->counts), cmp_count);
    rc = 0;
out:
    sp_ct_free(&ct);
    if (rc != 0)
        sim_expect_free(x);
    return rc;
}

void sim_expect_free(struct sim_expect *x)
{
    for (unsigned i = 0; i < SIM_MAX_NODES; i++)
        free(x->rows[i]);
    free(x->counts);
    memset(x, 0, sizeof(*x));
}

int sim_oracle_rows_equal(const struct sim_expect *x, unsigned node, const struct sim_row *rows,
                          size_t n, char *why, size_t cap)
{
    char(*got)[SIM_ROW_TEXT] = malloc((n ? n : 1) * SIM_ROW_TEXT);
    int rc = 1;
    if (got == NULL) {
        snprintf(why, cap, "out of memory");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        sim_row_text(&rows[i], got[i]);
    if (n > 1)
        qsort(got, n, SIM_ROW_TEXT, cmp_text);
    size_t i = 0;
    for (; i < n && i < x->nrows[node]; i++)
        if (strcmp(got[i], x->rows[node][i]) != 0)
            break;
    if (i == n && i == x->nrows[node])
        rc = 0;
    else if (i < n && i < x->nrows[node])
        snprintf(why, cap, "row %zu is %s, expected %s (%zu rows, %zu expected)", i, got[i],
                 x->rows[node][i], n, x->nrows[node]);
    else
        snprintf(why, cap, "%zu rows, %zu expected (first difference: %s)", n, x->nrows[node],
                 i < n ? got[i] : x->rows[node][i]);
    free(got);
    return rc;
}

int sim_oracle_counts_equal(const struct sim_expect *x, const struct sim_count *c, size_t n,
                            char *why, size_t cap)
{
    struct sim_count *got = malloc((n ? n : 1) * sizeof(*got));
    int rc = 1;
    if (got == NULL) {
        snprintf(why, cap, "out of memory");
        return 1;
    }
    if (n)
        memcpy(got, c, n * sizeof(*c));
    if (n > 1)
        qsort(got, n, sizeof(*got), cmp_count);
    size_t i = 0;
    for (; i < n && i < x->ncounts; i++)
        if (cmp_count(&got[i], &x->counts[i]) != 0)
            break;
    if (i == n && i == x->ncounts)
        rc = 0;
    else if (i < n && i < x->ncounts)
        snprintf(why, cap, "count cell %zu is (%#x, %#x, %llu), expected (%#x, %#x, %llu)", i,
                 got[i].key_type, got[i].holders, (unsigned long long)got[i].count,
                 x->counts[i].key_type, x->counts[i].holders,
                 (unsigned long long)x->counts[i].count);
    else
        snprintf(why, cap, "%zu count cells, %zu expected", n, x->ncounts);
    free(got);
    return rc;
}
