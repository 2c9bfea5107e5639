/* A node's store in memory (sim_store.h). Small arrays searched linearly: a
 * schedule has one round and a few dozen runs. The case store's own outputs
 * are an array kept in key order (appended to, sorted before it is read). */
#include "sim_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
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
    sim_case_free(&s->cases);
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

/* ---- the case store ------------------------------------------------------ */

/* The key walk's order (sim_key_cmp without version and record). */
static int case_cmp(uint8_t ta, const uint8_t *va, size_t la, uint8_t tb, const uint8_t *vb,
                    size_t lb)
{
    if (ta != tb)
        return ta < tb ? -1 : 1;
    int c = memcmp(va, vb, la < lb ? la : lb);
    if (c != 0)
        return c;
    return la == lb ? 0 : la < lb ? -1 : 1;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct sim_case_entry *x = a, *y = b;
    return case_cmp(x->type, x->value, x->len, y->type, y->value, y->len);
}

/* Drops removed entries and sorts. */
static void case_compact(struct sim_case *c)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i].dead)
            free(c->e[i].value);
        else
            c->e[k++] = c->e[i];
    }
    if (k != c->n || !c->sorted)
        qsort(c->e, k, sizeof(*c->e), entry_cmp);
    c->n = k;
    c->sorted = true;
}

static void delta_free(struct sim_case_delta *d)
{
    free(d->ch);
    memset(d, 0, sizeof(*d));
}

void sim_case_free(struct sim_case *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].value);
    for (size_t i = 0; i < c->ndeltas; i++)
        delta_free(&c->deltas[i]);
    free(c->e);
    free(c->deltas);
    free(c->secrets);
    free(c->quotas);
    memset(c, 0, sizeof(*c));
}

int sim_case_own_meta(void *ctx, struct sp_case_own_meta *m)
{
    const struct sim_store *s = ctx;
    if (s->cases.meta.epoch == 0)
        return SP_ERR_NOT_FOUND;
    *m = s->cases.meta;
    return 0;
}

int sim_case_own_begin(void *ctx, uint32_t epoch, uint64_t started_at)
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    if (s->frozen)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].value);
    for (size_t i = 0; i < c->ndeltas; i++)
        delta_free(&c->deltas[i]);
    c->n = c->ndeltas = 0;
    c->sorted = true;
    memset(&c->meta, 0, sizeof(c->meta));
    c->meta.epoch = epoch;
    c->meta.started_at = started_at;
    c->begins++;
    return 0;
}

/* A walk is a snapshot (the engine writes the next version while it
 * walks, possibly from another thread, as LMDB's read transaction would
 * allow). */
struct case_walk {
    struct sim_case_entry *e;
    size_t n, at;
};

int sim_case_own_open(void *ctx, void **walk)
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    struct case_walk *w = calloc(1, sizeof(*w));
    case_compact(c);
    if (w == NULL || (c->n > 0 && (w->e = calloc(c->n, sizeof(*w->e))) == NULL))
        goto fail;
    for (; w->n < c->n; w->n++) {
        w->e[w->n] = c->e[w->n];
        w->e[w->n].value = malloc(c->e[w->n].len ? c->e[w->n].len : 1);
        if (w->e[w->n].value == NULL)
            goto fail;
        memcpy(w->e[w->n].value, c->e[w->n].value, c->e[w->n].len);
    }
    *walk = w;
    return 0;
fail:
    sim_case_own_close(w);
    return SP_ERR_NOMEM;
}

int sim_case_own_next(void *walk, struct sp_case_own_entry *e)
{
    struct case_walk *w = walk;
    if (w->at == w->n)
        return SP_ERR_NOT_FOUND;
    const struct sim_case_entry *x = &w->e[w->at++];
    *e = (struct sp_case_own_entry){
        .key_type = x->type, .len = x->len, .value = x->value, .fp = x->fp};
    return 0;
}

void sim_case_own_close(void *walk)
{
    struct case_walk *w = walk;
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->e[i].value);
    free(w->e);
    free(w);
}

static struct sim_case_delta *delta_of(struct sim_case *c, uint64_t version, bool create)
{
    for (size_t i = 0; i < c->ndeltas; i++)
        if (c->deltas[i].version == version)
            return &c->deltas[i];
    if (!create)
        return NULL;
    struct sim_case_delta *g = realloc(c->deltas, (c->ndeltas + 1) * sizeof(*g));
    if (g == NULL)
        return NULL;
    c->deltas = g;
    memset(&g[c->ndeltas], 0, sizeof(g[0]));
    g[c->ndeltas].version = version;
    return &g[c->ndeltas++];
}

/* Records a change in the version's delta; an add and a remove of the same
 * fingerprint (a retried sync after the data changed back) cancel. */
static int delta_record(struct sim_case_delta *d, uint8_t type, bool add, uint64_t fp)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->ch[i].type == type && d->ch[i].fp == fp && d->ch[i].add != add) {
            d->ch[i] = d->ch[--d->n];
            return 0;
        }
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct sim_case_change *g = realloc(d->ch, cap * sizeof(*g));
        if (g == NULL)
            return SP_ERR_NOMEM;
        d->ch = g;
        d->cap = cap;
    }
    d->ch[d->n++] = (struct sim_case_change){type, add, fp};
    return 0;
}

static struct sim_case_entry *case_find(struct sim_case *c, const struct sp_case_own_change *ch)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct sim_case_entry *x = &c->e[mid];
        int r = case_cmp(x->type, x->value, x->len, ch->key_type, ch->value, ch->len);
        if (r == 0)
            return x->dead ? NULL : &c->e[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int case_remove(struct sim_case *c, const struct sp_case_own_change *ch)
{
    struct sim_case_entry *x = case_find(c, ch);
    if (x == NULL || x->fp != ch->fp)
        return SP_ERR_STORE; /* the engine removes only what it walked */
    x->dead = true;
    c->meta.values[ch->key_type]--;
    return 0;
}

static int case_add(struct sim_case *c, const struct sp_case_own_change *ch)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        struct sim_case_entry *g = realloc(c->e, cap * sizeof(*g));
        if (g == NULL)
            return SP_ERR_NOMEM;
        c->e = g;
        c->cap = cap;
    }
    uint8_t *v = malloc(ch->len ? ch->len : 1);
    if (v == NULL)
        return SP_ERR_NOMEM;
    memcpy(v, ch->value, ch->len);
    c->e[c->n++] =
        (struct sim_case_entry){.type = ch->key_type, .len = ch->len, .value = v, .fp = ch->fp};
    c->sorted = false;
    c->meta.values[ch->key_type]++;
    return 0;
}

int sim_case_own_put(void *ctx, uint64_t version, const struct sp_case_own_change *ch, size_t n)
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    struct sim_case_delta *d = NULL;
    int rc = 0;
    if (s->frozen)
        return 0;
    if (c->meta.epoch == 0 || version != c->meta.version + 1 ||
        (version > 1 && (d = delta_of(c, version, true)) == NULL))
        return c->meta.epoch == 0 || version != c->meta.version + 1 ? SP_ERR_STATE : SP_ERR_NOMEM;
    c->puts++;
    for (size_t i = 0; i < n; i++)
        if (!ch[i].add) {
            case_compact(c); /* removals search a sorted array */
            break;
        }
    /* the removals first, while the array is sorted; then the adds */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (ch[i].key_type >= SP_KEY_TYPE_COUNT)
                return SP_ERR_INVALID_ARG;
            if (ch[i].add != (pass == 1))
                continue;
            rc = ch[i].add ? case_add(c, &ch[i]) : case_remove(c, &ch[i]);
            if (rc == 0 && d != NULL)
                rc = delta_record(d, ch[i].key_type, ch[i].add, ch[i].fp);
        }
    }
    return rc;
}

int sim_case_own_commit(void *ctx, uint64_t version, uint32_t kept, uint32_t keep)
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    if (s->frozen)
        return 0;
    if (c->meta.epoch == 0 || version != c->meta.version + 1)
        return SP_ERR_STATE;
    struct sim_case_delta *d = version > 1 ? delta_of(c, version, true) : NULL;
    if (version > 1 && d == NULL)
        return SP_ERR_NOMEM;
    if (d != NULL)
        d->committed = true;
    c->meta.version = version;
    c->meta.kept = kept; /* recorded with the version, as store_case.c does */
    c->commits++;
    for (size_t i = 0; i < c->ndeltas;) {
        if (c->deltas[i].version + keep <= version) {
            delta_free(&c->deltas[i]);
            c->deltas[i] = c->deltas[--c->ndeltas];
        } else {
            i++;
        }
    }
    return 0;
}

static int fp_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The fingerprints of a delta (or of the outputs when d is NULL) of one
 * type, sorted: the adds (add true) or the removes. */
static int fps_collect(struct sim_case *c, const struct sim_case_delta *d, uint8_t type, bool add,
                       uint64_t **out, size_t *nout)
{
    size_t total = d ? d->n : c->n, k = 0;
    uint64_t *f = malloc((total ? total : 1) * sizeof(*f));
    if (f == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < total; i++) {
        if (d != NULL && d->ch[i].type == type && d->ch[i].add == add)
            f[k++] = d->ch[i].fp;
        else if (d == NULL && c->e[i].type == type && !c->e[i].dead)
            f[k++] = c->e[i].fp;
    }
    qsort(f, k, sizeof(*f), fp_cmp);
    if (k == 0) {
        free(f);
        f = NULL;
    }
    *out = f;
    *nout = k;
    return 0;
}

int sim_case_fps_read(void *ctx, uint8_t key_type, uint64_t **fp, size_t *n)
{
    struct sim_store *s = ctx;
    return fps_collect(&s->cases, NULL, key_type, true, fp, n);
}

int sim_case_delta_read(void *ctx, uint64_t version, uint8_t key_type, uint64_t **added,
                        size_t *nadded, uint64_t **removed, size_t *nremoved)
{
    struct sim_store *s = ctx;
    const struct sim_case_delta *d = delta_of(&s->cases, version, false);
    if (d == NULL || !d->committed)
        return SP_ERR_NOT_FOUND;
    int rc = fps_collect(&s->cases, d, key_type, true, added, nadded);
    if (rc == 0 && (rc = fps_collect(&s->cases, d, key_type, false, removed, nremoved)) != 0) {
        free(*added);
        *added = NULL;
    }
    return rc;
}

int sim_case_fp_records(void *ctx, uint8_t key_type, uint64_t fp,
                        int (*fn)(void *fctx, const char *dataset, const char *record_id),
                        void *fctx)
{
    const struct sim_store *s = ctx;
    const struct sim_case *c = &s->cases;
    for (size_t i = 0; i < c->n; i++) {
        const struct sim_case_entry *x = &c->e[i];
        if (x->dead || x->type != key_type || x->fp != fp || s->data == NULL)
            continue;
        for (size_t k = 0; k < s->data->nkeys; k++) {
            const struct sim_key *y = &s->data->keys[k];
            int rc = 0;
            if (case_cmp(y->type, y->value, y->len, x->type, x->value, x->len) == 0 &&
                (rc = fn(fctx, y->dataset, y->record_id)) != 0)
                return rc;
        }
    }
    return 0;
}

static struct sim_case_secret *secret_of(struct sim_case *c, uint32_t epoch)
{
    for (size_t i = 0; i < c->nsecrets; i++)
        if (c->secrets[i].epoch == epoch)
            return &c->secrets[i];
    return NULL;
}

int sim_case_secret_put(void *ctx, uint32_t epoch, const uint8_t secret[32])
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    if (s->frozen)
        return 0;
    if (secret_of(c, epoch) != NULL)
        return SP_ERR_EXISTS;
    struct sim_case_secret *g = realloc(c->secrets, (c->nsecrets + 1) * sizeof(*g));
    if (g == NULL)
        return SP_ERR_NOMEM;
    c->secrets = g;
    g[c->nsecrets].epoch = epoch;
    memcpy(g[c->nsecrets++].bytes, secret, 32);
    return 0;
}

int sim_case_secret_get(void *ctx, uint32_t epoch, uint8_t secret[32])
{
    struct sim_store *s = ctx;
    const struct sim_case_secret *x = secret_of(&s->cases, epoch);
    if (x == NULL)
        return SP_ERR_NOT_FOUND;
    memcpy(secret, x->bytes, 32);
    return 0;
}

int sim_case_secret_drop(void *ctx, uint32_t epoch)
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    struct sim_case_secret *x = secret_of(c, epoch);
    if (s->frozen || x == NULL)
        return 0;
    *x = c->secrets[--c->nsecrets];
    return 0;
}

int sim_case_quota(void *ctx, uint32_t epoch, const uint8_t coord_fp[32], bool add, uint32_t values,
                   uint32_t *questions, uint64_t *values_total)
{
    struct sim_store *s = ctx;
    struct sim_case *c = &s->cases;
    struct sim_case_quota *q = NULL;
    for (size_t i = 0; i < c->nquotas && q == NULL; i++)
        if (c->quotas[i].epoch == epoch && memcmp(c->quotas[i].coord, coord_fp, 32) == 0)
            q = &c->quotas[i];
    *questions = q ? q->questions : 0;
    *values_total = q ? q->values : 0;
    if (!add || s->frozen)
        return 0;
    if (q == NULL) {
        struct sim_case_quota *g = realloc(c->quotas, (c->nquotas + 1) * sizeof(*g));
        if (g == NULL)
            return SP_ERR_NOMEM;
        c->quotas = g;
        q = &g[c->nquotas++];
        memset(q, 0, sizeof(*q));
        q->epoch = epoch;
        memcpy(q->coord, coord_fp, 32);
    }
    q->questions++;
    q->values += values;
    return 0;
}
