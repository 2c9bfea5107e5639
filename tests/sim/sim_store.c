/* A node's store in memory (sim_store.h). Small arrays searched linearly: a
 * schedule has one round and a few dozen runs. */
#include "sim_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"

void sim_store_init(struct sim_store *s, const struct sim_node_data *data)
{
    memset(s, 0, sizeof(*s));
    s->data = data;
}

void sim_store_free(struct sim_store *s)
{
    for (size_t i = 0; i < s->nrounds; i++)
        free(s->rounds[i].p);
    for (size_t i = 0; i < s->nruns; i++)
        free(s->runs[i].p);
    for (size_t i = 0; i < s->nresults; i++) {
        free(s->results[i].rows);
        free(s->results[i].counts);
    }
    free(s->rounds);
    free(s->runs);
    free(s->results);
    memset(s, 0, sizeof(*s));
}

void sim_walk_open(struct sim_walk *w, const struct sim_store *s, uint32_t mask)
{
    w->data = s->data;
    w->mask = mask;
    w->at = 0;
}

const struct sim_key *sim_walk_next(struct sim_walk *w)
{
    while (w->data != NULL && w->at < w->data->nkeys) {
        const struct sim_key *k = &w->data->keys[w->at++];
        if (w->mask & SP_KEY_MASK(k->type))
            return k;
    }
    return NULL;
}

static bool same_id(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, SIM_ROUND_ID_BYTES) == 0;
}

/* Copies p into *dst (replacing), or -1. */
static int set_blob(struct sim_blob *dst, const void *p, size_t len)
{
    void *q = malloc(len ? len : 1);
    if (q == NULL)
        return -1;
    if (len)
        memcpy(q, p, len);
    free(dst->p);
    dst->p = q;
    dst->len = len;
    return 0;
}

static struct sim_blob *new_blob(struct sim_blob **v, size_t *n)
{
    struct sim_blob *g = realloc(*v, (*n + 1) * sizeof(**v));
    if (g == NULL)
        return NULL;
    *v = g;
    memset(&g[*n], 0, sizeof(g[*n]));
    return &g[(*n)++];
}

int sim_store_round_put(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES], const void *p,
                        size_t len)
{
    if (s->frozen)
        return 1;
    s->writes++;
    for (size_t i = 0; i < s->nrounds; i++)
        if (same_id(s->rounds[i].id, id))
            return set_blob(&s->rounds[i], p, len);
    struct sim_blob *b = new_blob(&s->rounds, &s->nrounds);
    if (b == NULL)
        return -1;
    memcpy(b->id, id, SIM_ROUND_ID_BYTES);
    if (set_blob(b, p, len) != 0) {
        s->nrounds--;
        return -1;
    }
    return 0;
}

const struct sim_blob *sim_store_round_get(const struct sim_store *s,
                                           const uint8_t id[SIM_ROUND_ID_BYTES])
{
    for (size_t i = 0; i < s->nrounds; i++)
        if (same_id(s->rounds[i].id, id))
            return &s->rounds[i];
    return NULL;
}

static size_t results_index(const struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES])
{
    size_t i = 0;
    while (i < s->nresults && !same_id(s->results[i].id, id))
        i++;
    return i;
}

static struct sim_results *results_of(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                                      bool create)
{
    size_t at = results_index(s, id);
    if (at < s->nresults)
        return &s->results[at];
    if (!create)
        return NULL;
    struct sim_results *g = realloc(s->results, (s->nresults + 1) * sizeof(*g));
    if (g == NULL)
        return NULL;
    s->results = g;
    memset(&g[s->nresults], 0, sizeof(g[0]));
    memcpy(g[s->nresults].id, id, SIM_ROUND_ID_BYTES);
    return &g[s->nresults++];
}

const struct sim_results *sim_store_results(const struct sim_store *s,
                                            const uint8_t id[SIM_ROUND_ID_BYTES])
{
    size_t at = results_index(s, id);
    return at < s->nresults ? &s->results[at] : NULL;
}

static int add_rows(struct sim_results *r, const struct sim_row *rows, size_t n)
{
    if (r->nrows + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16;
        while (cap < r->nrows + n)
            cap *= 2;
        struct sim_row *g = realloc(r->rows, cap * sizeof(*g));
        if (g == NULL)
            return -1;
        r->rows = g;
        r->cap = cap;
    }
    if (n)
        memcpy(r->rows + r->nrows, rows, n * sizeof(*rows));
    r->nrows += n;
    return 0;
}

int sim_store_results_append(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                             const struct sim_row *rows, size_t n)
{
    if (s->frozen)
        return 1;
    s->writes++;
    struct sim_results *r = results_of(s, id, true);
    if (r == NULL)
        return -1;
    if (r->committed)
        return -2;
    return add_rows(r, rows, n);
}

int sim_store_results_commit(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                             const struct sim_row *rows, size_t n, const struct sim_count *counts,
                             size_t ncounts, const void *blob, size_t len)
{
    if (s->frozen)
        return 1;
    struct sim_results *r = results_of(s, id, true);
    if (r == NULL)
        return -1;
    if (r->committed)
        return -2;
    struct sim_count *c = malloc((ncounts ? ncounts : 1) * sizeof(*c));
    if (c == NULL)
        return -1;
    size_t before = r->nrows;
    if (add_rows(r, rows, n) != 0 || sim_store_round_put(s, id, blob, len) != 0) {
        r->nrows = before; /* all or nothing */
        free(c);
        return -1;
    }
    if (ncounts)
        memcpy(c, counts, ncounts * sizeof(*c));
    free(r->counts);
    r->counts = c;
    r->ncounts = ncounts;
    r->committed = true;
    return 0;
}

int sim_store_results_delete(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES])
{
    if (s->frozen)
        return 1;
    s->writes++;
    struct sim_results *r = results_of(s, id, false);
    if (r != NULL) {
        free(r->rows);
        free(r->counts);
        *r = s->results[--s->nresults];
    }
    return 0;
}

static size_t run_index(const struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                        uint8_t participant, uint8_t key_type, uint32_t seq)
{
    size_t i = 0;
    for (; i < s->nruns; i++) {
        const struct sim_blob *b = &s->runs[i];
        if (same_id(b->id, id) && b->participant == participant && b->key_type == key_type &&
            b->seq == seq)
            break;
    }
    return i;
}

int sim_store_run_put(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                      uint8_t participant, uint8_t key_type, uint32_t seq, const void *p,
                      size_t len)
{
    if (s->frozen)
        return 1;
    s->writes++;
    size_t at = run_index(s, id, participant, key_type, seq);
    if (at < s->nruns)
        return set_blob(&s->runs[at], p, len);
    struct sim_blob *b = new_blob(&s->runs, &s->nruns);
    if (b == NULL)
        return -1;
    memcpy(b->id, id, SIM_ROUND_ID_BYTES);
    b->participant = participant;
    b->key_type = key_type;
    b->seq = seq;
    if (set_blob(b, p, len) != 0) {
        s->nruns--;
        return -1;
    }
    if (s->nruns > s->runs_peak)
        s->runs_peak = s->nruns;
    return 0;
}

const struct sim_blob *sim_store_run_get(const struct sim_store *s,
                                         const uint8_t id[SIM_ROUND_ID_BYTES], uint8_t participant,
                                         uint8_t key_type, uint32_t seq)
{
    size_t at = run_index(s, id, participant, key_type, seq);
    return at < s->nruns ? &s->runs[at] : NULL;
}

int sim_store_runs_delete(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES], size_t budget,
                          bool *more)
{
    *more = false;
    if (s->frozen)
        return 1;
    s->writes++;
    for (size_t i = 0; i < s->nruns;) {
        if (!same_id(s->runs[i].id, id)) {
            i++;
            continue;
        }
        if (budget == 0) {
            *more = true;
            return 0;
        }
        free(s->runs[i].p);
        s->runs[i] = s->runs[--s->nruns];
        budget--;
    }
    return 0;
}

size_t sim_store_runs_of(const struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES])
{
    size_t n = 0;
    for (size_t i = 0; i < s->nruns; i++)
        n += same_id(s->runs[i].id, id);
    return n;
}
