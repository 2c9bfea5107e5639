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
/* Records, rows and the subject arrays live in pages of PAGE_N entries, so
 * that growing never copies them and never holds an old and a new copy at
 * once (a doubling realloc of the record array did both, and left up to
 * half of it unused). */
#define PAGE_BITS 14
#define PAGE_N    (UINT32_C(1) << PAGE_BITS)
/* The record ids live in blocks of BLOCK_BYTES; an entry never straddles
 * two, and its place (block << BLOCK_BITS | offset) fits 32 bits. */
#define BLOCK_BITS   18
#define BLOCK_BYTES  (UINT32_C(1) << BLOCK_BITS)
#define BLOCKS_MAX   (UINT32_C(1) << (32 - BLOCK_BITS))
#define DATASETS_MAX 65535u /* a dataset's number takes 2 bytes in an entry */

/* An arena entry: the dataset's number (2 bytes, host order), the record id,
 * a NUL. */
#define ENTRY_ID 2

struct record {
    uint32_t str;   /* its entry in the arena */
    uint32_t first; /* first row, NIL when none; sorted by (partner, entity) */
};

/* One row: a (record, partner, entity) triple. */
struct partner {
    uint32_t next;
    uint32_t key_types; /* all of one entity */
    uint8_t partner;
    uint8_t entity;
    uint8_t klass; /* strongest among key_types */
};

/* An array of PAGE_N-entry pages; entries beyond the count are unused. */
struct paged {
    void **page;
    uint32_t npages, cap;
};

struct sp_round_agg {
    char **ds; /* dataset names, numbered in order of appearance */
    uint32_t nds, ds_cap;
    uint32_t *ds_slot; /* open addressing: dataset number + 1, 0 = empty */
    uint32_t ds_slots; /* power of two */
    char **blocks;
    uint32_t nblocks, blocks_cap, block_used;
    struct paged recs; /* struct record */
    uint32_t nrecs;
    struct paged parts; /* struct partner */
    uint32_t nparts;
    uint32_t *index;    /* open addressing: record index + 1, 0 = empty */
    uint32_t index_cap; /* power of two */
    uint32_t *order;    /* records with a row, in row order; valid while ordered */
    uint32_t norder;
    bool ordered;
    uint64_t matched[SP_ENTITY_COUNT]; /* records with a row of the entity */
    uint64_t nmatched;                 /* records with any row */
    /* Local subjects (partners mode only, see round_agg.h): per entity a
     * union-find forest over own records (parent NIL: the record has no
     * linking key of the entity) and the partners seen per record, both
     * indexed like the records. */
    bool subjects;
    unsigned me;
    struct paged parent[SP_ENTITY_COUNT]; /* no pages until the entity's first linking key */
    struct paged seen[SP_ENTITY_COUNT];
    uint32_t active;    /* bit 1 << entity: its arrays are in use */
    uint32_t run_first; /* first record of the current value, NIL at its start */
};

/* ---- storage ---------------------------------------------------------- */

static void *paged_at(const struct paged *p, uint32_t i, size_t elem)
{
    return (char *)p->page[i >> PAGE_BITS] + (size_t)(i & (PAGE_N - 1)) * elem;
}

static struct record *rec(const struct sp_round_agg *a, uint32_t r)
{
    return paged_at(&a->recs, r, sizeof(struct record));
}

static struct partner *part(const struct sp_round_agg *a, uint32_t i)
{
    return paged_at(&a->parts, i, sizeof(struct partner));
}

static uint32_t *u32_at(const struct paged *p, uint32_t i)
{
    return paged_at(p, i, sizeof(uint32_t));
}

/* Makes room for n entries. A failure leaves the array as it was, or with
 * more room: never less. */
static int paged_reserve(struct paged *p, uint32_t n, size_t elem)
{
    while ((uint64_t)p->npages * PAGE_N < n) {
        if (p->npages == p->cap) {
            uint32_t ncap = p->cap ? 2 * p->cap : 16;
            void **t = realloc(p->page, ncap * sizeof(*t));
            if (!t)
                return SP_ERR_NOMEM;
            p->page = t;
            p->cap = ncap;
        }
        void *pg = malloc(PAGE_N * elem);
        if (!pg)
            return SP_ERR_NOMEM;
        p->page[p->npages++] = pg;
    }
    return 0;
}

static void paged_free(struct paged *p)
{
    for (uint32_t i = 0; i < p->npages; i++)
        free(p->page[i]);
    free(p->page);
    *p = (struct paged){0};
}

static const char *entry(const struct sp_round_agg *a, uint32_t str)
{
    return a->blocks[str >> BLOCK_BITS] + (str & (BLOCK_BYTES - 1));
}

static uint16_t entry_ds(const char *e)
{
    uint16_t d;
    memcpy(&d, e, sizeof(d));
    return d;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * UINT64_C(1099511628211);
    return h;
}

#define FNV_BASIS UINT64_C(1469598103934665603)

/* A record's hash: its dataset's number and its id. */
static uint64_t record_hash(uint16_t ds, const char *id, size_t ilen)
{
    return fnv1a(fnv1a(FNV_BASIS, &ds, sizeof(ds)), id, ilen);
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
    for (uint32_t i = 0; i < a->nds; i++)
        free(a->ds[i]);
    free(a->ds);
    free(a->ds_slot);
    for (uint32_t i = 0; i < a->nblocks; i++)
        free(a->blocks[i]);
    free(a->blocks);
    paged_free(&a->recs);
    paged_free(&a->parts);
    free(a->index);
    free(a->order);
    for (int e = 0; e < SP_ENTITY_COUNT; e++) {
        paged_free(&a->parent[e]);
        paged_free(&a->seen[e]);
    }
    free(a);
    *ap = NULL;
}

/* ---- datasets --------------------------------------------------------- */

static uint32_t ds_home(const struct sp_round_agg *a, const char *name, size_t len)
{
    return (uint32_t)fnv1a(FNV_BASIS, name, len) & (a->ds_slots - 1);
}

static int ds_rehash(struct sp_round_agg *a)
{
    uint32_t nslots = a->ds_slots ? 2 * a->ds_slots : 16;
    uint32_t *s = calloc(nslots, sizeof(*s)), *old = a->ds_slot;
    if (!s)
        return SP_ERR_NOMEM;
    a->ds_slot = s;
    a->ds_slots = nslots;
    for (uint32_t d = 0; d < a->nds; d++) {
        uint32_t i = ds_home(a, a->ds[d], strlen(a->ds[d]));
        while (s[i])
            i = (i + 1) & (nslots - 1);
        s[i] = d + 1;
    }
    free(old);
    return 0;
}

/* The number of dataset name (len bytes), entered when new. */
static int ds_number(struct sp_round_agg *a, const char *name, size_t len, uint16_t *out)
{
    int rc;
    if ((uint64_t)(a->nds + 1) * 2 > a->ds_slots && (rc = ds_rehash(a)) != 0)
        return rc;
    uint32_t i = ds_home(a, name, len);
    for (; a->ds_slot[i]; i = (i + 1) & (a->ds_slots - 1)) {
        const char *n = a->ds[a->ds_slot[i] - 1];
        if (strncmp(n, name, len) == 0 && n[len] == '\0') {
            *out = (uint16_t)(a->ds_slot[i] - 1);
            return 0;
        }
    }
    if (a->nds == DATASETS_MAX)
        return SP_ERR_OVERFLOW;
    if (a->nds == a->ds_cap) {
        uint32_t ncap = a->ds_cap ? 2 * a->ds_cap : 8;
        char **t = realloc(a->ds, ncap * sizeof(*t));
        if (!t)
            return SP_ERR_NOMEM;
        a->ds = t;
        a->ds_cap = ncap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return SP_ERR_NOMEM;
    memcpy(copy, name, len);
    copy[len] = '\0';
    a->ds[a->nds] = copy;
    a->ds_slot[i] = ++a->nds;
    *out = (uint16_t)(a->nds - 1);
    return 0;
}

/* ---- records ---------------------------------------------------------- */

/* Gives entity e its arrays at its first linking key: a dataset of persons
 * pays nothing for companies, vehicles or accounts. */
static int activate(struct sp_round_agg *a, int e)
{
    if (a->active & (1u << e))
        return 0;
    uint32_t n = a->nrecs > 0 ? a->nrecs : 1;
    int rc = paged_reserve(&a->parent[e], n, sizeof(uint32_t));
    if (rc == 0)
        rc = paged_reserve(&a->seen[e], n, sizeof(uint32_t));
    if (rc)
        return rc; /* pages kept for the next try; freed with the agg */
    for (uint32_t r = 0; r < a->nrecs; r++) {
        *u32_at(&a->parent[e], r) = NIL;
        *u32_at(&a->seen[e], r) = 0;
    }
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
    if (a->index_cap >= ENTRIES_MAX)
        return SP_ERR_OVERFLOW;
    uint32_t ncap = a->index_cap * 2;
    uint32_t *idx = calloc(ncap, sizeof(*idx));
    if (!idx)
        return SP_ERR_NOMEM;
    for (uint32_t r = 0; r < a->nrecs; r++) {
        const char *e = entry(a, rec(a, r)->str);
        uint32_t slot =
            (uint32_t)record_hash(entry_ds(e), e + ENTRY_ID, strlen(e + ENTRY_ID)) & (ncap - 1);
        while (idx[slot])
            slot = (slot + 1) & (ncap - 1);
        idx[slot] = r + 1;
    }
    free(a->index);
    a->index = idx;
    a->index_cap = ncap;
    return 0;
}

/* Room for an entry of need bytes in the arena; its place in *str. */
static int arena_reserve(struct sp_round_agg *a, size_t need, uint32_t *str)
{
    if (a->nblocks == 0 || a->block_used + need > BLOCK_BYTES) {
        if (a->nblocks == BLOCKS_MAX)
            return SP_ERR_OVERFLOW;
        if (a->nblocks == a->blocks_cap) {
            uint32_t ncap = a->blocks_cap ? 2 * a->blocks_cap : 16;
            char **t = realloc(a->blocks, ncap * sizeof(*t));
            if (!t)
                return SP_ERR_NOMEM;
            a->blocks = t;
            a->blocks_cap = ncap;
        }
        char *b = malloc(BLOCK_BYTES);
        if (!b)
            return SP_ERR_NOMEM;
        a->blocks[a->nblocks++] = b;
        a->block_used = 0;
    }
    *str = (a->nblocks - 1) << BLOCK_BITS | a->block_used;
    return 0;
}

/* Enters a new record. Everything that can fail comes first: a failure
 * enters nothing (tests/alloc). */
static int add_record(struct sp_round_agg *a, uint32_t slot, uint16_t ds, const char *id,
                      size_t ilen, uint32_t *out)
{
    int rc;
    uint32_t str;
    if (a->nrecs >= ENTRIES_MAX)
        return SP_ERR_OVERFLOW;
    if ((rc = arena_reserve(a, ENTRY_ID + ilen + 1, &str)) != 0 ||
        (rc = paged_reserve(&a->recs, a->nrecs + 1, sizeof(struct record))) != 0)
        return rc;
    for (int e = SP_ENTITY_MIN; a->subjects && e <= SP_ENTITY_MAX; e++)
        if ((a->active & (1u << e)) &&
            ((rc = paged_reserve(&a->parent[e], a->nrecs + 1, sizeof(uint32_t))) != 0 ||
             (rc = paged_reserve(&a->seen[e], a->nrecs + 1, sizeof(uint32_t))) != 0))
            return rc;
    /* Keep the index at most half full. Rehashed before the record is
     * entered: a rehash that failed after it left a record that lookups
     * could not find, so adding it again entered it twice (tests/alloc). */
    if ((uint64_t)(a->nrecs + 1) * 2 > a->index_cap) {
        if ((rc = rehash(a)) != 0)
            return rc;
        slot = (uint32_t)record_hash(ds, id, ilen) & (a->index_cap - 1);
        while (a->index[slot])
            slot = (slot + 1) & (a->index_cap - 1);
    }
    char *e = a->blocks[str >> BLOCK_BITS] + (str & (BLOCK_BYTES - 1));
    memcpy(e, &ds, sizeof(ds));
    memcpy(e + ENTRY_ID, id, ilen);
    e[ENTRY_ID + ilen] = '\0';
    a->block_used += (uint32_t)(ENTRY_ID + ilen + 1);
    *rec(a, a->nrecs) = (struct record){.str = str, .first = NIL};
    for (int en = SP_ENTITY_MIN; a->subjects && en <= SP_ENTITY_MAX; en++) {
        if (!(a->active & (1u << en)))
            continue;
        *u32_at(&a->parent[en], a->nrecs) = NIL;
        *u32_at(&a->seen[en], a->nrecs) = 0;
    }
    *out = a->nrecs++;
    a->index[slot] = *out + 1;
    return 0;
}

static int find_record(struct sp_round_agg *a, const char *ds, const char *id, uint32_t *out)
{
    size_t dlen = strnlen(ds, NAME_MAX_BYTES + 1), ilen = strnlen(id, NAME_MAX_BYTES + 1);
    if (dlen == 0 || ilen == 0 || dlen > NAME_MAX_BYTES || ilen > NAME_MAX_BYTES)
        return SP_ERR_INVALID_ARG;
    uint16_t d;
    int rc = ds_number(a, ds, dlen, &d);
    if (rc)
        return rc;
    uint32_t slot = (uint32_t)record_hash(d, id, ilen) & (a->index_cap - 1);
    for (; a->index[slot]; slot = (slot + 1) & (a->index_cap - 1)) {
        uint32_t r = a->index[slot] - 1;
        const char *e = entry(a, rec(a, r)->str);
        /* strncmp stops at the entry's NUL: an entry at a block's end is
         * never read past, however long id is */
        if (entry_ds(e) == d && strncmp(e + ENTRY_ID, id, ilen) == 0 &&
            e[ENTRY_ID + ilen] == '\0') {
            *out = r;
            return 0;
        }
    }
    return add_record(a, slot, d, id, ilen, out);
}

/* Adds key_type/klass to record r's row for (partner p, the key type's
 * entity), kept sorted by (partner, entity). Room for the row is reserved. */
static void add_partner(struct sp_round_agg *a, uint32_t r, uint8_t p, uint8_t key_type,
                        uint8_t klass)
{
    uint8_t entity = (uint8_t)sp_key_type_entity(key_type);
    struct record *rc = rec(a, r);
    uint32_t prev = NIL, cur = rc->first;
    while (cur != NIL && (part(a, cur)->partner < p ||
                          (part(a, cur)->partner == p && part(a, cur)->entity < entity))) {
        prev = cur;
        cur = part(a, cur)->next;
    }
    if (cur != NIL && part(a, cur)->partner == p && part(a, cur)->entity == entity) {
        struct partner *e = part(a, cur);
        e->key_types |= SP_KEY_MASK(key_type);
        if (klass < e->klass)
            e->klass = klass;
        return;
    }
    bool had_entity = false; /* a row of the entity with another partner */
    for (uint32_t i = rc->first; i != NIL && !had_entity; i = part(a, i)->next)
        had_entity = part(a, i)->entity == entity;
    if (rc->first == NIL) {
        a->nmatched++;
        a->ordered = false; /* a record the order does not have */
    }
    if (!had_entity)
        a->matched[entity]++;
    uint32_t n = a->nparts++;
    *part(a, n) = (struct partner){.next = cur,
                                   .key_types = SP_KEY_MASK(key_type),
                                   .partner = p,
                                   .entity = entity,
                                   .klass = klass};
    if (prev == NIL)
        rc->first = n;
    else
        part(a, prev)->next = n;
}

/* Makes room for n more rows before the record is looked up: a grow that
 * failed after a new record was entered left a record without rows, which
 * sp_round_agg_records must not count (tests/alloc). */
static int reserve_parts(struct sp_round_agg *a, uint32_t n)
{
    if ((uint64_t)a->nparts + n > ENTRIES_MAX)
        return SP_ERR_OVERFLOW;
    return paged_reserve(&a->parts, a->nparts + n, sizeof(struct partner));
}

/* ---- local subjects --------------------------------------------------- */

/* Union-find root with path halving. */
static uint32_t find_root(const struct paged *parent, uint32_t r)
{
    uint32_t *pr;
    while (*(pr = u32_at(parent, r)) != r) {
        uint32_t gp = *u32_at(parent, *pr);
        *pr = gp;
        r = gp;
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
    struct paged *parent = &a->parent[e];
    if (*u32_at(parent, r) == NIL)
        *u32_at(parent, r) = r;
    *u32_at(&a->seen[e], r) |= others;
    if (a->run_first == NIL) {
        a->run_first = r;
        return;
    }
    uint32_t x = find_root(parent, a->run_first), y = find_root(parent, r);
    if (x != y) /* the smaller index: deterministic */
        *u32_at(parent, x > y ? x : y) = x < y ? x : y;
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
    if (mode == SP_PROPOSAL_MODE_THRESHOLD) {
        if (holders)
            add_partner(a, r, SP_ROUND_AGG_ANY, key_type, klass);
        return 0;
    }
    for (unsigned p = 0; p < 32; p++)
        if ((others >> p) & 1u)
            add_partner(a, r, (uint8_t)p, key_type, klass);
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

uint64_t sp_round_agg_rows_of_class(const struct sp_round_agg *a, uint8_t klass)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < a->nparts; i++)
        n += part(a, i)->klass == klass;
    return n;
}

/* ---- rows in order ---------------------------------------------------- */

/* By dataset name, then record id (byte order). */
static int cmp_records(const void *x, const void *y, void *ctx)
{
    const struct sp_round_agg *a = ctx;
    const char *ea = entry(a, rec(a, *(const uint32_t *)x)->str);
    const char *eb = entry(a, rec(a, *(const uint32_t *)y)->str);
    uint16_t da = entry_ds(ea), db = entry_ds(eb);
    int c = da == db ? 0 : strcmp(a->ds[da], a->ds[db]);
    return c ? c : strcmp(ea + ENTRY_ID, eb + ENTRY_ID);
}

int sp_round_agg_order(struct sp_round_agg *a)
{
    if (a->ordered)
        return 0;
    free(a->order);
    a->order = NULL;
    a->norder = 0;
    /* only the records with rows: with subjects on most records have none */
    uint32_t *o = malloc((a->nmatched ? a->nmatched : 1) * sizeof(*o));
    if (!o)
        return SP_ERR_NOMEM;
    uint32_t n = 0;
    for (uint32_t r = 0; r < a->nrecs; r++)
        if (rec(a, r)->first != NIL)
            o[n++] = r;
    if (n > 1)
        qsort_r(o, n, sizeof(*o), cmp_records, a);
    a->order = o;
    a->norder = n;
    a->ordered = true;
    return 0;
}

int sp_round_agg_foreach_n(struct sp_round_agg *a, struct sp_round_agg_pos *pos, size_t max,
                           sp_round_agg_fn fn, void *ctx, size_t *given)
{
    size_t n = 0;
    int rc = sp_round_agg_order(a);
    for (; rc == 0 && n < max && pos->rec < a->norder; pos->row = 0, pos->rec++) {
        uint32_t r = a->order[pos->rec];
        const char *e = entry(a, rec(a, r)->str);
        uint32_t i = pos->row ? pos->row - 1 : rec(a, r)->first;
        for (; i != NIL; i = part(a, i)->next) {
            if (n == max) {
                pos->row = i + 1;
                *given = n;
                return 0;
            }
            const struct partner *p = part(a, i);
            if ((rc = fn(ctx, a->ds[entry_ds(e)], e + ENTRY_ID, p->partner, p->entity, p->key_types,
                         p->klass)) != 0)
                break;
            n++;
        }
        if (rc)
            break;
    }
    *given = n;
    return rc;
}

int sp_round_agg_foreach(struct sp_round_agg *a, sp_round_agg_fn fn, void *ctx)
{
    struct sp_round_agg_pos pos = {0};
    size_t n;
    return sp_round_agg_foreach_n(a, &pos, SIZE_MAX, fn, ctx, &n);
}

/* ---- subject cells ---------------------------------------------------- */

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
        struct paged *parent = &a->parent[e], *seen = &a->seen[e];
        for (uint32_t r = 0; r < a->nrecs; r++) { /* the partners of a subject */
            if (*u32_at(parent, r) == NIL)
                continue;
            uint32_t root = find_root(parent, r);
            if (root != r)
                *u32_at(seen, root) |= *u32_at(seen, r);
        }
        for (uint32_t r = 0; r < a->nrecs; r++) {
            if (*u32_at(parent, r) != r)
                continue; /* no key of the entity, or not the subject's root */
            uint32_t h = *u32_at(seen, r) | me_bit;
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
