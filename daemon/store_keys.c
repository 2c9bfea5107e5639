/*
 * The key index of the state store (layouts and the reason for runs in
 * store_impl.h): KEY encoding, a k-way merge over LMDB cursors, the commit's
 * merge of staged runs into sp.keys, the iterator the rounds use (a merge
 * over the current versions), and deletion of abandoned slots.
 */
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "daemon/log.h"
#include "daemon/store_impl.h"

/* Index entries appended per write transaction by the commit's merge. */
#define MERGE_TXN_ENTRIES 200000

size_t sp_store_key_encode(uint8_t out[SP_STORE_KEY_MAX], const struct sp_store_key *k,
                           const char *id, size_t idlen)
{
    uint8_t *p = out;
    *p++ = k->type;
    memcpy(p, k->value, k->value_len);
    p += k->value_len;
    *p++ = 0;
    memcpy(p, id, idlen);
    return (size_t)(p + idlen - out);
}

size_t sp_store_key_prefix(const uint8_t *key, size_t len)
{
    const uint8_t *nul = len > 2 ? memchr(key + 1, 0, len - 1) : NULL;
    if (!nul)
        return 0;
    size_t pre = (size_t)(nul - key) + 1, vlen = pre - 2, idlen = len - pre;
    if (vlen == 0 || vlen > SP_STORE_VALUE_MAX || idlen == 0 || idlen > SP_STORE_RECORD_ID_MAX)
        return 0;
    return pre;
}

static int bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* ---- k-way merge over cursors ------------------------------------------ */

/* One sorted source: a cursor over a contiguous key range of one DB. */
struct src {
    MDB_cursor *cur;
    uint8_t lo[9]; /* the range's key prefix: slot (and run) */
    size_t lolen;
    uint32_t slot;
    const uint8_t *key; /* current KEY and class */
    size_t keylen, pre;
    uint8_t klass;
    const uint8_t *next, *end; /* runs: entries left in the current chunk */
};

/* Sources ordered by (KEY prefix, slot, record id): within one source KEYs
 * are increasing, so the heap yields the merged order. */
static int src_cmp(const struct src *a, const struct src *b)
{
    int c = bytes_cmp(a->key, a->pre, b->key, b->pre);
    if (c)
        return c;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    return bytes_cmp(a->key + a->pre, a->keylen - a->pre, b->key + b->pre, b->keylen - b->pre);
}

struct heap {
    struct src **h;
    size_t n;
};

static void heap_down(struct heap *hp, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < hp->n && src_cmp(hp->h[l], hp->h[m]) < 0)
            m = l;
        if (l + 1 < hp->n && src_cmp(hp->h[l + 1], hp->h[m]) < 0)
            m = l + 1;
        if (m == i)
            return;
        struct src *t = hp->h[i];
        hp->h[i] = hp->h[m];
        hp->h[m] = t;
        i = m;
    }
}

static void heap_build(struct heap *hp)
{
    for (size_t i = hp->n / 2; i-- > 0;)
        heap_down(hp, i);
}

/* Drops the top source (exhausted) or re-sifts it (advanced). */
static void heap_fix_top(struct heap *hp, bool live)
{
    if (!live)
        hp->h[0] = hp->h[--hp->n];
    if (hp->n)
        heap_down(hp, 0);
}

/* Takes the next entry (u16 KEY length, u8 class, KEY) of the current run
 * chunk. 1: positioned; SP_ERR_STORE when it is malformed. */
static int run_entry(struct src *s)
{
    size_t left = (size_t)(s->end - s->next);
    size_t len = left >= 3 ? sp_be16_get(s->next) : 0;
    if (left < 3 || len > left - 3 || !(s->pre = sp_store_key_prefix(s->next + 3, len))) {
        sp_log_error("store: malformed staged key");
        return SP_ERR_STORE;
    }
    s->klass = s->next[2];
    s->key = s->next + 3;
    s->keylen = len;
    s->next += 3 + len;
    return 1;
}

/* Advances a run source: within its chunk, else to its next chunk (sp.stage:
 * slot | run | chunk -> packed entries). 1: positioned; 0: run ended. */
static int run_next(struct src *s, bool first)
{
    if (!first && s->next < s->end)
        return run_entry(s);
    MDB_val k = {s->lolen, s->lo}, v;
    int rc = mdb_cursor_get(s->cur, &k, &v, first ? MDB_SET_RANGE : MDB_NEXT);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return sp_store_mdb_err(rc, "read staged keys");
    if (k.mv_size != 12 || memcmp(k.mv_data, s->lo, s->lolen) != 0)
        return 0;
    s->next = v.mv_data;
    s->end = s->next + v.mv_size;
    return run_entry(s);
}

/* ---- the commit: runs into sp.keys -------------------------------------- */

struct merge_out {
    struct sp_store *s;
    MDB_txn *txn;
    size_t in_txn;
    uint8_t key[4 + SP_STORE_KEY_MAX]; /* slot | KEY of the last entry written */
    size_t len;
};

/* Appends slot | KEY unless it equals the last one (a record id that
 * occurred twice with the same key). */
static int merge_put(struct merge_out *o, const struct src *top)
{
    if (o->len == 4 + top->keylen && memcmp(o->key + 4, top->key, top->keylen) == 0)
        return 0;
    int rc = 0;
    if (!o->txn && (rc = mdb_txn_begin(o->s->env, NULL, 0, &o->txn)) != 0)
        return sp_store_mdb_err(rc, "build key index");
    memcpy(o->key + 4, top->key, top->keylen);
    o->len = 4 + top->keylen;
    MDB_val k = {o->len, o->key}, v = {1, (void *)(uintptr_t)&top->klass};
    if ((rc = mdb_put(o->txn, o->s->dbi[SP_DB_KEYS], &k, &v, MDB_APPEND)) != 0)
        return sp_store_mdb_err(rc, "build key index");
    if (++o->in_txn < MERGE_TXN_ENTRIES)
        return 0;
    o->in_txn = 0;
    MDB_txn *t = o->txn;
    o->txn = NULL;
    return sp_store_txn_commit(t, "build key index");
}

static int open_runs(struct sp_store *s, MDB_txn *rtxn, uint32_t stage_slot, struct src *srcs,
                     uint32_t nruns, struct heap *hp)
{
    for (uint32_t r = 0; r < nruns; r++) {
        struct src *x = &srcs[r];
        int rc = mdb_cursor_open(rtxn, s->dbi[SP_DB_STAGE], &x->cur);
        if (rc)
            return sp_store_mdb_err(rc, "read staged keys");
        sp_be32_put(x->lo, stage_slot);
        sp_be32_put(x->lo + 4, r);
        x->lolen = 8;
        x->slot = stage_slot;
        int got = run_next(x, true);
        if (got < 0)
            return got;
        if (got)
            hp->h[hp->n++] = x;
    }
    heap_build(hp);
    return 0;
}

int sp_store_runs_merge(struct sp_store *s, uint32_t stage_slot, uint32_t nruns, uint32_t key_slot)
{
    MDB_txn *rtxn = NULL;
    struct src *srcs = calloc(nruns ? nruns : 1, sizeof *srcs);
    struct heap hp = {calloc(nruns ? nruns : 1, sizeof(struct src *)), 0};
    struct merge_out o = {.s = s};
    sp_be32_put(o.key, key_slot);
    int err = (!srcs || !hp.h) ? SP_ERR_NOMEM : sp_store_txn_begin(s, MDB_RDONLY, &rtxn);
    if (!err)
        err = open_runs(s, rtxn, stage_slot, srcs, nruns, &hp);
    while (!err && hp.n) {
        struct src *top = hp.h[0];
        err = merge_put(&o, top);
        int got = err ? 0 : run_next(top, false);
        if (got < 0)
            err = got;
        heap_fix_top(&hp, got == 1);
    }
    if (o.txn && !err)
        err = sp_store_txn_commit(o.txn, "build key index");
    else if (o.txn)
        mdb_txn_abort(o.txn);
    for (uint32_t r = 0; srcs && r < nruns; r++)
        if (srcs[r].cur)
            mdb_cursor_close(srcs[r].cur);
    if (rtxn)
        mdb_txn_abort(rtxn);
    free(srcs);
    free(hp.h);
    return err;
}

/* ---- garbage collection ------------------------------------------------- */

/* Deletes up to *budget entries of dbi whose key starts with slot. */
static int gc_range(struct sp_store *s, MDB_txn *txn, int dbi, uint32_t slot, size_t *budget,
                    bool *left)
{
    MDB_cursor *cur = NULL;
    uint8_t lo[4];
    sp_be32_put(lo, slot);
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, s->dbi[dbi], &cur);
    if (rc)
        return sp_store_mdb_err(rc, "gc");
    /* Entries go in key order, so the first at or after the slot's start is
     * always the next one. */
    for (;;) {
        k = (MDB_val){sizeof lo, lo};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        *left = rc == 0 && k.mv_size >= 4 && memcmp(k.mv_data, lo, 4) == 0;
        if (!*left || *budget == 0)
            break;
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        --*budget;
    }
    mdb_cursor_close(cur);
    return (rc == 0 || rc == MDB_NOTFOUND) ? 0 : sp_store_mdb_err(rc, "gc");
}

int sp_store_gc_slot(struct sp_store *s, MDB_txn *txn, uint32_t slot, size_t budget, bool *done)
{
    bool left_keys = false, left_stage = false;
    int err = gc_range(s, txn, SP_DB_KEYS, slot, &budget, &left_keys);
    if (!err)
        err = gc_range(s, txn, SP_DB_STAGE, slot, &budget, &left_stage);
    *done = !left_keys && !left_stage;
    return err;
}

/* ---- the iterator: a merge over the current versions -------------------- */

/* A walk renews its read transaction every this many entries: a reader
 * keeps every page freed after its snapshot from being reused, and a walk
 * lasts as long as a round's producer or a case set-up that writes a
 * million entries meanwhile (the store grew by 3 KB per value before). */
#define ITER_RENEW_EVERY 4096

struct sp_store_keys_iter {
    MDB_txn *txn;
    uint32_t since_renew;
    bool ended; /* walked to the end: the read transaction is reset */
    uint32_t mask;
    size_t nsrcs;
    struct src *srcs;
    char (*names)[SP_STORE_NAME_MAX + 1]; /* dataset of srcs[i] */
    struct heap hp;
    int started;
    char rid[SP_STORE_RECORD_ID_MAX + 1];
};

static int idx_seek(struct src *x, unsigned from, uint32_t mask);

/* Reads the entry under an index cursor (sp.keys: slot | KEY -> class),
 * skipping key types outside mask. 1: positioned; 0: past the slot. */
static int idx_entry(struct src *x, int rc, const MDB_val *k, const MDB_val *v, uint32_t mask)
{
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return sp_store_mdb_err(rc, "read keys");
    if (k->mv_size < 5 || memcmp(k->mv_data, x->lo, 4) != 0)
        return 0;
    const uint8_t *key = (const uint8_t *)k->mv_data + 4;
    if (key[0] > SP_KEY_TYPE_MAX)
        return 0;
    if (!(mask & SP_KEY_MASK(key[0])))
        return idx_seek(x, key[0] + 1u, mask);
    x->key = key;
    x->keylen = k->mv_size - 4;
    x->pre = sp_store_key_prefix(key, x->keylen);
    if (!x->pre || v->mv_size != 1) {
        sp_log_error("store: malformed key index entry");
        return SP_ERR_STORE;
    }
    x->klass = *(const uint8_t *)v->mv_data;
    return 1;
}

static int idx_seek(struct src *x, unsigned from, uint32_t mask)
{
    while (from <= SP_KEY_TYPE_MAX && !(mask & SP_KEY_MASK(from)))
        from++;
    if (from > SP_KEY_TYPE_MAX)
        return 0;
    uint8_t lo[5];
    memcpy(lo, x->lo, 4);
    lo[4] = (uint8_t)from;
    MDB_val k = {sizeof lo, lo}, v;
    int rc = mdb_cursor_get(x->cur, &k, &v, MDB_SET_RANGE);
    return idx_entry(x, rc, &k, &v, mask);
}

/* Collects the current version of every dataset as a merge source. */
static int open_sources(struct sp_store *s, struct sp_store_keys_iter *it)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    MDB_stat st;
    int rc = mdb_stat(it->txn, s->dbi[SP_DB_DATASETS], &st);
    if (!rc)
        rc = mdb_cursor_open(it->txn, s->dbi[SP_DB_DATASETS], &cur);
    if (rc)
        return sp_store_mdb_err(rc, "read datasets");
    size_t cap = st.ms_entries ? st.ms_entries : 1;
    it->srcs = calloc(cap, sizeof *it->srcs);
    it->names = calloc(cap, sizeof *it->names);
    it->hp.h = calloc(cap, sizeof *it->hp.h);
    int err = (!it->srcs || !it->names || !it->hp.h) ? SP_ERR_NOMEM : 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !err && rc == 0 && it->nsrcs < cap;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size < 5 || k.mv_size == 0 || k.mv_size > SP_STORE_NAME_MAX)
            continue; /* reported by the dataset listing */
        struct src *x = &it->srcs[it->nsrcs];
        memcpy(it->names[it->nsrcs], k.mv_data, k.mv_size);
        memcpy(x->lo, (const uint8_t *)v.mv_data + 1, 4);
        x->lolen = 4;
        x->slot = sp_be32_get(x->lo);
        if ((rc = mdb_cursor_open(it->txn, s->dbi[SP_DB_KEYS], &x->cur)) != 0)
            break;
        it->nsrcs++;
    }
    mdb_cursor_close(cur);
    if (!err && rc && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "read datasets");
    return err;
}

int sp_store_keys_iter_new(struct sp_store *store, uint32_t key_mask,
                           struct sp_store_keys_iter **out)
{
    struct sp_store_keys_iter *it = calloc(1, sizeof *it);
    if (!it)
        return SP_ERR_NOMEM;
    it->mask = key_mask & SP_KEY_MASK_ALL;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &it->txn);
    if (!err)
        err = open_sources(store, it);
    if (err) {
        sp_store_keys_iter_free(&it);
        return err;
    }
    *out = it;
    return 0;
}

void sp_store_keys_iter_free(struct sp_store_keys_iter **it)
{
    if (!it || !*it)
        return;
    struct sp_store_keys_iter *x = *it;
    for (size_t i = 0; x->srcs && i < x->nsrcs; i++)
        mdb_cursor_close(x->srcs[i].cur);
    if (x->txn)
        mdb_txn_abort(x->txn);
    free(x->srcs);
    free(x->names);
    free(x->hp.h);
    free(x);
    *it = NULL;
}

static int iter_start(struct sp_store_keys_iter *it)
{
    it->started = 1;
    for (size_t i = 0; i < it->nsrcs; i++) {
        int got = idx_seek(&it->srcs[i], SP_KEY_TYPE_MIN, it->mask);
        if (got < 0)
            return got;
        if (got)
            it->hp.h[it->hp.n++] = &it->srcs[i];
    }
    heap_build(&it->hp);
    return 0;
}

/* A fresh snapshot for the walk: every source in the heap is positioned
 * again at its current entry (by key; a key that is gone since puts it at
 * the next one, and a later sync sees the change anyway). */
static int iter_renew(struct sp_store_keys_iter *it)
{
    uint8_t(*saved)[4 + SP_STORE_KEY_MAX] = malloc(it->hp.n * sizeof *saved + 1);
    size_t *len = malloc(it->hp.n * sizeof *len + 1);
    int err = saved && len ? 0 : SP_ERR_NOMEM, rc;
    for (size_t i = 0; !err && i < it->hp.n; i++) {
        const struct src *x = it->hp.h[i];
        len[i] = 4 + x->keylen;
        if (len[i] > sizeof saved[i]) {
            err = SP_ERR_STORE;
            break;
        }
        memcpy(saved[i], x->lo, 4);
        memcpy(saved[i] + 4, x->key, x->keylen);
    }
    if (!err) {
        mdb_txn_reset(it->txn);
        if ((rc = mdb_txn_renew(it->txn)) != 0)
            err = sp_store_mdb_err(rc, "renew a read of the keys");
    }
    for (size_t i = 0; !err && i < it->nsrcs; i++)
        if ((rc = mdb_cursor_renew(it->txn, it->srcs[i].cur)) != 0)
            err = sp_store_mdb_err(rc, "renew a read of the keys");
    size_t n = 0;
    for (size_t i = 0; !err && i < it->hp.n; i++) {
        struct src *x = it->hp.h[i];
        MDB_val k = {len[i], saved[i]}, v;
        rc = mdb_cursor_get(x->cur, &k, &v, MDB_SET_RANGE);
        int got = idx_entry(x, rc, &k, &v, it->mask);
        if (got < 0)
            err = got;
        else if (got)
            it->hp.h[n++] = x;
    }
    if (!err) {
        it->hp.n = n;
        heap_build(&it->hp);
    }
    free(saved);
    free(len);
    return err;
}

int sp_store_keys_iter_next(struct sp_store_keys_iter *it, struct sp_keyref *ref)
{
    int err = 0;
    if (it->ended)
        return SP_ERR_NOT_FOUND;
    if (it->started && it->hp.n && ++it->since_renew >= ITER_RENEW_EVERY) {
        it->since_renew = 0;
        if ((err = iter_renew(it)) != 0)
            return err;
        if (it->hp.n == 0)
            return SP_ERR_NOT_FOUND;
    }
    if (!it->started) {
        err = iter_start(it);
    } else if (it->hp.n) {
        struct src *top = it->hp.h[0];
        MDB_val k, v;
        int rc = mdb_cursor_get(top->cur, &k, &v, MDB_NEXT);
        int got = idx_entry(top, rc, &k, &v, it->mask);
        if (got < 0)
            return got;
        heap_fix_top(&it->hp, got == 1);
    }
    if (err)
        return err;
    if (it->hp.n == 0) {
        if (!it->ended) /* at the end: the snapshot pins nothing more */
            mdb_txn_reset(it->txn);
        it->ended = true;
        return SP_ERR_NOT_FOUND;
    }
    const struct src *top = it->hp.h[0];
    size_t idlen = top->keylen - top->pre;
    memcpy(it->rid, top->key + top->pre, idlen);
    it->rid[idlen] = '\0';
    ref->type = top->key[0];
    ref->klass = top->klass;
    ref->value_len = (uint16_t)(top->pre - 2);
    ref->value = top->key + 1;
    ref->dataset = it->names[top - it->srcs];
    ref->record_id = it->rid;
    return 0;
}

int sp_store_keys_foreach(struct sp_store *store, uint32_t key_mask, sp_store_key_fn fn, void *ctx)
{
    struct sp_store_keys_iter *it = NULL;
    struct sp_keyref ref;
    int err = sp_store_keys_iter_new(store, key_mask, &it);
    while (!err && (err = sp_store_keys_iter_next(it, &ref)) == 0)
        err = fn(ctx, &ref);
    sp_store_keys_iter_free(&it);
    return err == SP_ERR_NOT_FOUND ? 0 : err;
}

int sp_store_keys_distinct(struct sp_store *store, uint32_t key_mask,
                           uint64_t counts[SP_KEY_TYPE_COUNT])
{
    struct sp_store_keys_iter *it = NULL;
    struct sp_keyref ref;
    uint8_t prev[SP_STORE_VALUE_MAX];
    size_t prev_len = 0;
    unsigned prev_type = 0;
    uint64_t c[SP_KEY_TYPE_COUNT] = {0};
    int err = sp_store_keys_iter_new(store, key_mask, &it);
    while (!err && (err = sp_store_keys_iter_next(it, &ref)) == 0) {
        if (ref.type == prev_type && ref.value_len == prev_len &&
            memcmp(ref.value, prev, prev_len) == 0)
            continue;
        c[ref.type]++;
        prev_type = ref.type;
        prev_len = ref.value_len;
        memcpy(prev, ref.value, prev_len);
    }
    sp_store_keys_iter_free(&it);
    if (err != SP_ERR_NOT_FOUND)
        return err;
    memcpy(counts, c, sizeof c);
    return 0;
}

/* ---- the records holding one value -------------------------------------- */

/* Calls fn for the records of one slot holding the value whose KEY prefix
 * (slot, type, value, NUL) is lo[0..lolen). */
static int slot_records(MDB_cursor *cur, const uint8_t *lo, size_t lolen, const char *dataset,
                        int (*fn)(void *ctx, const char *dataset, const char *id), void *ctx)
{
    char id[SP_STORE_RECORD_ID_MAX + 1];
    MDB_val k = {lolen, (void *)(uintptr_t)lo}, v;
    int rc, err = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= lolen || memcmp(k.mv_data, lo, lolen) != 0)
            break;
        size_t idlen = k.mv_size - lolen;
        if (idlen > SP_STORE_RECORD_ID_MAX) {
            sp_log_error("store: malformed key index entry");
            return SP_ERR_STORE;
        }
        memcpy(id, (const uint8_t *)k.mv_data + lolen, idlen);
        id[idlen] = '\0';
        err = fn(ctx, dataset, id);
    }
    if (!err && rc && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "read keys");
    return err;
}

int sp_store_keys_records(struct sp_store *s, MDB_txn *txn, uint8_t type, const uint8_t *value,
                          size_t len, int (*fn)(void *ctx, const char *dataset, const char *id),
                          void *ctx)
{
    MDB_cursor *ds = NULL, *keys = NULL;
    MDB_val k, v;
    uint8_t lo[4 + 1 + SP_STORE_VALUE_MAX + 1];
    char name[SP_STORE_NAME_MAX + 1];
    int err = 0, rc;
    if (len == 0 || len > SP_STORE_VALUE_MAX || memchr(value, 0, len))
        return 0; /* never in the index (sp_store_key_prefix) */
    lo[4] = type;
    memcpy(lo + 5, value, len);
    lo[5 + len] = 0;
    if ((rc = mdb_cursor_open(txn, s->dbi[SP_DB_DATASETS], &ds)) ||
        (rc = mdb_cursor_open(txn, s->dbi[SP_DB_KEYS], &keys)))
        goto out;
    /* each dataset's current version is a slot (sp.datasets: name -> DSINFO,
     * the slot at byte 1) */
    for (rc = mdb_cursor_get(ds, &k, &v, MDB_FIRST); rc == 0 && !err;
         rc = mdb_cursor_get(ds, &k, &v, MDB_NEXT)) {
        if (v.mv_size < 5 || k.mv_size == 0 || k.mv_size > SP_STORE_NAME_MAX)
            continue; /* reported by the dataset listing */
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = '\0';
        memcpy(lo, (const uint8_t *)v.mv_data + 1, 4);
        err = slot_records(keys, lo, 6 + len, name, fn, ctx);
    }
out:
    if (!err && rc && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "read keys");
    if (keys)
        mdb_cursor_close(keys);
    if (ds)
        mdb_cursor_close(ds);
    return err;
}
