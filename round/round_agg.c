/* Per-record aggregation of verdicts; see round_agg.h. */
#include "round/round_agg.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "proto/proposal.h"

#define NAME_MAX_BYTES 255
#define NIL            UINT32_MAX
#define ENTRIES_MAX    (UINT32_C(1) << 31)

struct record {
    uint64_t hash;
    uint32_t str;     /* offset of "dataset\0record_id\0" in the arena */
    uint32_t first;   /* first row, NIL when none; sorted by (partner, entity) */
    uint8_t entities; /* bit (1 << entity) for every entity with a row */
};

/* One row: a (record, partner, entity) triple. */
struct partner {
    uint32_t next;
    uint32_t key_types; /* all of one entity */
    uint8_t partner;
    uint8_t entity;
    uint8_t klass; /* strongest among key_types */
};

struct sp_round_agg {
    char *arena;
    size_t arena_len, arena_cap;
    struct record *recs;
    uint32_t nrecs, recs_cap;
    struct partner *parts;
    uint32_t nparts, parts_cap;
    uint32_t *index;                   /* open addressing: record index + 1, 0 = empty */
    uint32_t index_cap;                /* power of two */
    uint64_t matched[SP_ENTITY_COUNT]; /* records with a row of the entity */
    uint64_t nmatched;                 /* records with any row */
    /* Local subjects (partners mode only, see round_agg.h): per entity a
     * union-find forest over own records (parent NIL: the record has no
     * linking key of the entity) and the partners seen per record. Sized
     * like recs. */
    bool subjects;
    unsigned me;
    uint32_t *parent[SP_ENTITY_COUNT]; /* NULL until the entity's first linking key */
    uint32_t *seen[SP_ENTITY_COUNT];
    uint32_t active;    /* bit 1 << entity: its arrays exist */
    uint32_t run_first; /* first record of the current value, NIL at its start */
    bool sorted;        /* foreach reordered recs: parent/seen no longer match */
};

static uint64_t fnv1a(const char *a, size_t alen, const char *b, size_t blen)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < alen; i++)
        h = (h ^ (uint8_t)a[i]) * UINT64_C(1099511628211);
    h = (h ^ 0xff) * UINT64_C(1099511628211); /* separator: ("ab","c") != ("a","bc") */
    for (size_t i = 0; i < blen; i++)
        h = (h ^ (uint8_t)b[i]) * UINT64_C(1099511628211);
    return h;
}

int sp_round_agg_new(struct sp_round_agg **out)
{
    struct sp_round_agg *a = calloc(1, sizeof(*a));
    if (!a)
        return SP_ERR_NOMEM;
    a->index_cap = 1024;
    a->run_first = NIL;
    a->index = calloc(a->index_cap, sizeof(*a->index));
    if (!a->index) {
        free(a);
        return SP_ERR_NOMEM;
    }
    *out = a;
    return 0;
}

void sp_round_agg_free(struct sp_round_agg **ap)
{
    if (!ap || !*ap)
        return;
    struct sp_round_agg *a = *ap;
    free(a->arena);
    free(a->recs);
    free(a->parts);
    free(a->index);
    for (int e = 0; e < SP_ENTITY_COUNT; e++) {
        free(a->parent[e]);
        free(a->seen[e]);
    }
    free(a);
    *ap = NULL;
}

/* Grows an array to hold one more element (doubling, capped). */
static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    if (*cap >= ENTRIES_MAX)
        return SP_ERR_OVERFLOW;
    uint32_t ncap = *cap ? *cap * 2 : 256;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return SP_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* Grows recs, and with subjects on the per-entity arrays to the same
 * capacity, before a record is entered: a failure enters nothing. */
static int grow_records(struct sp_round_agg *a)
{
    uint32_t cap = a->recs_cap;
    int rc = grow((void **)&a->recs, &cap, a->nrecs, sizeof(*a->recs));
    if (rc || !a->subjects || cap == a->recs_cap) {
        a->recs_cap = cap;
        return rc;
    }
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        if (!(a->active & (1u << e)))
            continue;
        void *p = realloc(a->parent[e], (size_t)cap * sizeof(uint32_t));
        if (p)
            a->parent[e] = p;
        void *q = p ? realloc(a->seen[e], (size_t)cap * sizeof(uint32_t)) : NULL;
        if (q)
            a->seen[e] = q;
        if (!p || !q)
            return SP_ERR_NOMEM; /* recs grew: harmless, its cap is not raised */
    }
    a->recs_cap = cap;
    return 0;
}

/* Gives entity e its arrays at its first linking key: a dataset of persons
 * pays nothing for companies, vehicles or accounts. */
static int activate(struct sp_round_agg *a, int e)
{
    if (a->active & (1u << e))
        return 0;
    size_t cap = a->recs_cap ? a->recs_cap : 1;
    uint32_t *p = malloc(cap * sizeof(uint32_t)), *q = calloc(cap, sizeof(uint32_t));
    if (!p || !q) {
        free(p);
        free(q);
        return SP_ERR_NOMEM;
    }
    for (uint32_t r = 0; r < a->nrecs; r++)
        p[r] = NIL;
    a->parent[e] = p;
    a->seen[e] = q;
    a->active |= 1u << e;
    return 0;
}

/* Whether a key links records into a subject (class C never does). */
static bool links(uint8_t key_type, uint8_t klass)
{
    return !(sp_entity_is_subject(sp_key_type_entity(key_type)) && klass == SP_CLASS_C);
}

static int rehash(struct sp_round_agg *a)
{
    uint32_t ncap = a->index_cap * 2;
    uint32_t *idx = calloc(ncap, sizeof(*idx));
    if (!idx)
        return SP_ERR_NOMEM;
    for (uint32_t r = 0; r < a->nrecs; r++) {
        uint32_t slot = (uint32_t)a->recs[r].hash & (ncap - 1);
        while (idx[slot])
            slot = (slot + 1) & (ncap - 1);
        idx[slot] = r + 1;
    }
    free(a->index);
    a->index = idx;
    a->index_cap = ncap;
    return 0;
}

static bool same_record(const struct sp_round_agg *a, uint32_t r, const char *ds, size_t dlen,
                        const char *id, size_t ilen)
{
    const char *s = a->arena + a->recs[r].str;
    return strncmp(s, ds, dlen) == 0 && s[dlen] == '\0' && strncmp(s + dlen + 1, id, ilen) == 0 &&
           s[dlen + 1 + ilen] == '\0';
}

static int add_record(struct sp_round_agg *a, uint64_t h, const char *ds, size_t dlen,
                      const char *id, size_t ilen, uint32_t *out)
{
    int rc;
    size_t need = dlen + ilen + 2;
    if (a->arena_len + need > a->arena_cap) {
        size_t ncap = a->arena_cap ? a->arena_cap * 2 : 65536;
        while (ncap < a->arena_len + need)
            ncap *= 2;
        if (ncap > UINT32_MAX)
            return SP_ERR_OVERFLOW;
        char *p = realloc(a->arena, ncap);
        if (!p)
            return SP_ERR_NOMEM;
        a->arena = p;
        a->arena_cap = ncap;
    }
    if ((rc = grow_records(a)) != 0)
        return rc;
    /* Keep the index at most half full. Rehashed before the record is
     * entered: a rehash that failed after it left a record that lookups
     * could not find, so adding it again entered it twice (tests/alloc). */
    if ((uint64_t)(a->nrecs + 1) * 2 > a->index_cap && (rc = rehash(a)) != 0)
        return rc;
    memcpy(a->arena + a->arena_len, ds, dlen);
    a->arena[a->arena_len + dlen] = '\0';
    memcpy(a->arena + a->arena_len + dlen + 1, id, ilen);
    a->arena[a->arena_len + dlen + 1 + ilen] = '\0';
    a->recs[a->nrecs] = (struct record){.hash = h, .str = (uint32_t)a->arena_len, .first = NIL};
    for (int e = SP_ENTITY_MIN; a->subjects && e <= SP_ENTITY_MAX; e++) {
        if (!(a->active & (1u << e)))
            continue;
        a->parent[e][a->nrecs] = NIL;
        a->seen[e][a->nrecs] = 0;
    }
    a->arena_len += need;
    *out = a->nrecs++;
    uint32_t slot = (uint32_t)h & (a->index_cap - 1);
    while (a->index[slot])
        slot = (slot + 1) & (a->index_cap - 1);
    a->index[slot] = *out + 1;
    return 0;
}

static int find_record(struct sp_round_agg *a, const char *ds, const char *id, uint32_t *out)
{
    size_t dlen = strnlen(ds, NAME_MAX_BYTES + 1), ilen = strnlen(id, NAME_MAX_BYTES + 1);
    if (dlen == 0 || ilen == 0 || dlen > NAME_MAX_BYTES || ilen > NAME_MAX_BYTES)
        return SP_ERR_INVALID_ARG;
    uint64_t h = fnv1a(ds, dlen, id, ilen);
    uint32_t slot = (uint32_t)h & (a->index_cap - 1);
    while (a->index[slot]) {
        uint32_t r = a->index[slot] - 1;
        if (a->recs[r].hash == h && same_record(a, r, ds, dlen, id, ilen)) {
            *out = r;
            return 0;
        }
        slot = (slot + 1) & (a->index_cap - 1);
    }
    return add_record(a, h, ds, dlen, id, ilen, out);
}

/* Adds key_type/klass to record r's row for (partner p, the key type's
 * entity), kept sorted by (partner, entity). */
static int add_partner(struct sp_round_agg *a, uint32_t r, uint8_t p, uint8_t key_type,
                       uint8_t klass)
{
    uint8_t entity = (uint8_t)sp_key_type_entity(key_type);
    uint32_t prev = NIL, cur = a->recs[r].first;
    while (cur != NIL && (a->parts[cur].partner < p ||
                          (a->parts[cur].partner == p && a->parts[cur].entity < entity))) {
        prev = cur;
        cur = a->parts[cur].next;
    }
    if (cur != NIL && a->parts[cur].partner == p && a->parts[cur].entity == entity) {
        struct partner *e = &a->parts[cur];
        e->key_types |= SP_KEY_MASK(key_type);
        if (klass < e->klass)
            e->klass = klass;
        return 0;
    }
    int rc = grow((void **)&a->parts, &a->parts_cap, a->nparts, sizeof(*a->parts));
    if (rc)
        return rc;
    uint32_t n = a->nparts++;
    a->parts[n] = (struct partner){.next = cur,
                                   .key_types = SP_KEY_MASK(key_type),
                                   .partner = p,
                                   .entity = entity,
                                   .klass = klass};
    if (prev == NIL)
        a->recs[r].first = n;
    else
        a->parts[prev].next = n;
    if (a->recs[r].entities == 0)
        a->nmatched++;
    if (!(a->recs[r].entities & (1u << entity)))
        a->matched[entity]++;
    a->recs[r].entities |= (uint8_t)(1u << entity);
    return 0;
}

/* Makes room for n more partner entries before the record is looked up:
 * a grow that failed after a new record was entered left a record without
 * rows, which sp_round_agg_records must not count (tests/alloc). */
static int reserve_parts(struct sp_round_agg *a, uint32_t n)
{
    while (a->parts_cap - a->nparts < n) {
        int rc = grow((void **)&a->parts, &a->parts_cap, a->parts_cap, sizeof(*a->parts));
        if (rc)
            return rc;
    }
    return 0;
}

/* Union-find root with path halving. */
static uint32_t find_root(uint32_t *parent, uint32_t r)
{
    while (parent[r] != r) {
        parent[r] = parent[parent[r]];
        r = parent[r];
    }
    return r;
}

/* Joins record r to the current value's local subject of its entity. */
static void link_subject(struct sp_round_agg *a, uint32_t r, uint8_t key_type, uint8_t klass,
                         uint32_t others)
{
    int e = sp_key_type_entity(key_type);
    /* a class C key (addr_dob) is a candidate, never evidence of identity */
    if (!links(key_type, klass))
        return;
    uint32_t *parent = a->parent[e];
    if (parent[r] == NIL)
        parent[r] = r;
    a->seen[e][r] |= others;
    if (a->run_first == NIL) {
        a->run_first = r;
        return;
    }
    uint32_t x = find_root(parent, a->run_first), y = find_root(parent, r);
    if (x != y)
        parent[x > y ? x : y] = x < y ? x : y; /* the smaller index: deterministic */
}

int sp_round_agg_subjects_begin(struct sp_round_agg *a, unsigned me)
{
    if (me >= 32 || a->nrecs != 0)
        return SP_ERR_INVALID_ARG;
    a->subjects = true;
    a->me = me;
    return 0;
}

void sp_round_agg_next_value(struct sp_round_agg *a)
{
    a->run_first = NIL;
}

int sp_round_agg_add(struct sp_round_agg *a, const char *dataset, const char *record_id,
                     uint8_t key_type, uint8_t klass, uint32_t holders, unsigned me, int mode)
{
    if (!sp_key_type_valid(key_type) || klass < SP_CLASS_A || klass > SP_CLASS_C || me >= 32)
        return SP_ERR_INVALID_ARG;
    bool track = a->subjects && mode == SP_PROPOSAL_MODE_PARTNERS;
    if (mode == SP_PROPOSAL_MODE_COUNTS || (holders == 0 && !track))
        return 0;
    uint32_t others = holders & ~(UINT32_C(1) << me);
    if (mode == SP_PROPOSAL_MODE_PARTNERS && others == 0 && !track)
        return 0;
    uint32_t r;
    int rc = reserve_parts(
        a, mode == SP_PROPOSAL_MODE_THRESHOLD ? 1 : (uint32_t)__builtin_popcount(others));
    if (rc == 0 && track && links(key_type, klass))
        rc = activate(a, sp_key_type_entity(key_type));
    if (rc == 0)
        rc = find_record(a, dataset, record_id, &r);
    if (rc)
        return rc;
    if (track)
        link_subject(a, r, key_type, klass, others);
    if (mode == SP_PROPOSAL_MODE_THRESHOLD)
        return holders ? add_partner(a, r, SP_ROUND_AGG_ANY, key_type, klass) : 0;
    for (unsigned p = 0; p < 32; p++)
        if ((others >> p) & 1u)
            if ((rc = add_partner(a, r, (uint8_t)p, key_type, klass)) != 0)
                return rc;
    return 0;
}

uint64_t sp_round_agg_records(const struct sp_round_agg *a)
{
    return a->nmatched;
}

uint64_t sp_round_agg_matched(const struct sp_round_agg *a, int entity)
{
    return sp_entity_valid(entity) ? a->matched[entity] : 0;
}

uint64_t sp_round_agg_rows(const struct sp_round_agg *a)
{
    return a->nparts;
}

static int cmp_records(const void *x, const void *y, void *arena)
{
    const struct record *a = x, *b = y;
    const char *sa = (const char *)arena + a->str, *sb = (const char *)arena + b->str;
    int c = strcmp(sa, sb);
    if (c)
        return c;
    return strcmp(sa + strlen(sa) + 1, sb + strlen(sb) + 1);
}

int sp_round_agg_foreach(struct sp_round_agg *a, sp_round_agg_fn fn, void *ctx)
{
    /* Sorting the records invalidates the hash index; rebuild it after. */
    a->sorted = true;
    if (a->nrecs)
        qsort_r(a->recs, a->nrecs, sizeof(*a->recs), cmp_records, a->arena);
    memset(a->index, 0, (size_t)a->index_cap * sizeof(*a->index));
    for (uint32_t r = 0; r < a->nrecs; r++) {
        uint32_t slot = (uint32_t)a->recs[r].hash & (a->index_cap - 1);
        while (a->index[slot])
            slot = (slot + 1) & (a->index_cap - 1);
        a->index[slot] = r + 1;
    }
    for (uint32_t r = 0; r < a->nrecs; r++) {
        const char *ds = a->arena + a->recs[r].str;
        const char *id = ds + strlen(ds) + 1;
        for (uint32_t e = a->recs[r].first; e != NIL; e = a->parts[e].next) {
            int rc = fn(ctx, ds, id, a->parts[e].partner, a->parts[e].entity, a->parts[e].key_types,
                        a->parts[e].klass);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* The cells this node reports, (entity << 32 | holder set) -> count, in an
 * open-addressing table: there are few distinct holder sets, not one per
 * subject. */
struct cells {
    uint64_t *key; /* 0: empty (a real key has a non-zero holder set) */
    uint64_t *count;
    size_t cap, n;
};

static int cells_add(struct cells *c, uint64_t key)
{
    if ((c->n + 1) * 2 > c->cap) {
        struct cells g = {.cap = c->cap ? 2 * c->cap : 64};
        g.key = calloc(g.cap, sizeof(*g.key));
        g.count = calloc(g.cap, sizeof(*g.count));
        if (!g.key || !g.count) {
            free(g.key);
            free(g.count);
            return SP_ERR_NOMEM;
        }
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->key[i])
                continue;
            size_t j = (size_t)(c->key[i] * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (g.cap - 1);
            while (g.key[j])
                j = (j + 1) & (g.cap - 1);
            g.key[j] = c->key[i];
            g.count[j] = c->count[i];
        }
        g.n = c->n;
        free(c->key);
        free(c->count);
        *c = g;
    }
    size_t j = (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (c->cap - 1);
    while (c->key[j] && c->key[j] != key)
        j = (j + 1) & (c->cap - 1);
    if (!c->key[j]) {
        c->key[j] = key;
        c->n++;
    }
    c->count[j]++;
    return 0;
}

/* The local subjects whose lowest holder is this node, counted per cell. */
static int subject_cells(struct sp_round_agg *a, struct cells *c)
{
    uint32_t me_bit = UINT32_C(1) << a->me;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        if (!(a->active & (1u << e)))
            continue;
        uint32_t *parent = a->parent[e], *seen = a->seen[e];
        for (uint32_t r = 0; r < a->nrecs; r++) /* the partners of a subject */
            if (parent[r] != NIL && find_root(parent, r) != r)
                seen[find_root(parent, r)] |= seen[r];
        for (uint32_t r = 0; r < a->nrecs; r++) {
            if (parent[r] != r)
                continue; /* no key of the entity, or not the subject's root */
            uint32_t h = seen[r] | me_bit;
            if ((h & (0u - h)) != me_bit)
                continue; /* another node is its lowest holder and counts it */
            int rc = cells_add(c, (uint64_t)e << 32 | h);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int sp_round_agg_subjects(struct sp_round_agg *a, sp_round_agg_subject_fn fn, void *ctx)
{
    if (!a->subjects)
        return 0;
    if (a->sorted)
        return SP_ERR_STATE;
    struct cells c = {0};
    uint64_t *keys = NULL;
    int rc = subject_cells(a, &c);
    size_t n = 0;
    if (rc == 0 && c.n && !(keys = malloc(c.n * sizeof(*keys))))
        rc = SP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < c.cap; i++)
        if (c.key[i])
            keys[n++] = c.key[i];
    if (rc == 0 && n > 1) /* keys is NULL without cells: qsort(NULL, 0) is undefined */
        qsort(keys, n, sizeof(*keys), cmp_u64);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t j = (size_t)(keys[i] * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (c.cap - 1);
        while (c.key[j] != keys[i])
            j = (j + 1) & (c.cap - 1);
        rc = fn(ctx, (uint8_t)(keys[i] >> 32), (uint32_t)keys[i], c.count[j]);
    }
    free(keys);
    free(c.key);
    free(c.count);
    return rc;
}
