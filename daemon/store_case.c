/*
 * The case store (round/engine.h, struct sp_engine_case_store; design in
 * docs/case-questions.md): this node's own epoch outputs for case questions
 * (value -> fingerprint and back), the deltas its filters are brought up to
 * date with, the questions each coordinator asked per epoch, and the epoch
 * secret, which lives in a key file beside the store and never in it (a copy
 * of the store, a backup, must not carry the key that opens its filters).
 * Layouts in store_impl.h. Every function is one short transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/keytype.h"
#include "daemon/log.h"
#include "daemon/store_impl.h"
#include "sys/keyfile.h"

#define META_FIXED      29 /* epoch u32, version u64, started_at u64, delta_from u64, n u8 */
#define META_KEPT       4  /* kept u32, after the n values (store format version 2) */
#define META_BYTES      (META_FIXED + 8 * SP_KEY_TYPE_COUNT + META_KEPT)
#define OWN_KEY_MAX     (1 + SP_STORE_VALUE_MAX)
#define FP_PREFIX       9 /* type u8, fp u64 */
#define FP_KEY_MAX      (FP_PREFIX + SP_STORE_VALUE_MAX)
#define DELTA_KEY_BYTES 13 /* version u64, type u8, seq u32 */
#define QUOTA_KEY_BYTES (4 + 32)
#define QUOTA_BYTES     12 /* questions u32, values u64 */
#define SECRET_BYTES    32

static const MDB_val meta_key = {3, "own"};

/* What case.meta holds: the port's record, and the oldest version whose
 * delta is still kept (delta_read tells "no longer kept" from "no change of
 * that type" with it). */
struct meta {
    struct sp_case_own_meta m;
    uint64_t delta_from;
};

/* The port's ctx points at the struct sp_store pointer (store.h). */
static struct sp_store *store_of(void *ctx)
{
    return *(struct sp_store **)ctx;
}

static bool type_ok(unsigned t)
{
    return t >= SP_KEY_TYPE_MIN && t <= SP_KEY_TYPE_MAX;
}

/* ---- case.meta ----------------------------------------------------------- */

static void meta_encode(uint8_t out[META_BYTES], const struct meta *x)
{
    sp_be32_put(out, x->m.epoch);
    sp_be64_put(out + 4, x->m.version);
    sp_be64_put(out + 12, x->m.started_at);
    sp_be64_put(out + 20, x->delta_from);
    out[28] = SP_KEY_TYPE_COUNT;
    for (size_t t = 0; t < SP_KEY_TYPE_COUNT; t++)
        sp_be64_put(out + META_FIXED + 8 * t, x->m.values[t]);
    sp_be32_put(out + META_FIXED + 8 * SP_KEY_TYPE_COUNT, x->m.kept);
}

/* Decodes a record; false when it is not one. A record written with fewer
 * key types than this build knows is read with the others at 0; one with
 * more is not this build's. A record without the kept mask (written before
 * store format version 2; the migration to it rewrites them) is read with
 * the mask derived as it was then: the key types with values. That is
 * wrong only for a kept type without values, which such a record cannot
 * tell from a type not kept (it is lendable again once a sync commits). */
static bool meta_decode(const MDB_val *v, struct meta *x)
{
    const uint8_t *p = v->mv_data;
    size_t n = v->mv_size >= META_FIXED ? p[28] : 0;
    if (v->mv_size < META_FIXED || n > SP_KEY_TYPE_COUNT)
        return false;
    bool has_kept = v->mv_size == META_FIXED + 8 * n + META_KEPT;
    if (!has_kept && v->mv_size != META_FIXED + 8 * n)
        return false;
    memset(x, 0, sizeof *x);
    x->m.epoch = sp_be32_get(p);
    x->m.version = sp_be64_get(p + 4);
    x->m.started_at = sp_be64_get(p + 12);
    x->delta_from = sp_be64_get(p + 20);
    for (size_t t = 0; t < n; t++) {
        x->m.values[t] = sp_be64_get(p + META_FIXED + 8 * t);
        if (!has_kept && x->m.values[t] > 0 && type_ok((unsigned)t))
            x->m.kept |= SP_KEY_MASK(t);
    }
    if (has_kept)
        x->m.kept = sp_be32_get(p + META_FIXED + 8 * n) & SP_KEY_MASK_ALL;
    return true;
}

/* Reads the record: 0, SP_ERR_NOT_FOUND (no epoch yet) or SP_ERR_STORE. */
static int meta_get(struct sp_store *s, MDB_txn *txn, struct meta *x)
{
    MDB_val k = meta_key, v;
    int rc = mdb_get(txn, s->dbi[SP_DB_CASE_META], &k, &v);
    if (rc == MDB_NOTFOUND)
        return SP_ERR_NOT_FOUND;
    if (rc)
        return sp_store_mdb_err(rc, "read case.meta");
    if (!meta_decode(&v, x)) {
        sp_log_error("store: malformed case.meta record");
        return SP_ERR_STORE;
    }
    return 0;
}

static int meta_put(struct sp_store *s, MDB_txn *txn, const struct meta *x)
{
    uint8_t b[META_BYTES];
    meta_encode(b, x);
    MDB_val k = meta_key, v = {sizeof b, b};
    int rc = mdb_put(txn, s->dbi[SP_DB_CASE_META], &k, &v, 0);
    return rc ? sp_store_mdb_err(rc, "write case.meta") : 0;
}

int sp_store_case_migrate_2(struct sp_store *s, MDB_txn *txn)
{
    MDB_val k = meta_key, v;
    struct meta x;
    int rc = mdb_get(txn, s->dbi[SP_DB_CASE_META], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return sp_store_mdb_err(rc, "read case.meta");
    /* a malformed record is left as it is: reading it fails as before,
     * and the daemon starts */
    return meta_decode(&v, &x) ? meta_put(s, txn, &x) : 0;
}

static int own_meta(void *ctx, struct sp_case_own_meta *m)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    struct meta x;
    int err = sp_store_txn_begin(s, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = meta_get(s, txn, &x);
    mdb_txn_abort(txn);
    if (!err)
        *m = x.m;
    return err;
}

/* ---- own_begin: a new epoch ---------------------------------------------- */

/* Deletes the quota counts of epochs before `epoch` (keys begin with the
 * epoch, big-endian: they are the first entries). */
static int quota_prune(struct sp_store *s, MDB_txn *txn, uint32_t epoch)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, s->dbi[SP_DB_CASE_QUOTA], &cur);
    while (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
        if (k.mv_size != QUOTA_KEY_BYTES || sp_be32_get(k.mv_data) >= epoch)
            break;
        rc = mdb_cursor_del(cur, 0);
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : sp_store_mdb_err(rc, "prune case.quota");
}

static int own_begin(void *ctx, uint32_t epoch, uint64_t started_at)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    if (epoch == 0)
        return SP_ERR_INVALID_ARG; /* 0 means "no epoch" in the record */
    int err = sp_store_txn_begin(s, 0, &txn), rc = 0;
    if (err)
        return err;
    /* mdb_drop(.., 0) empties a database in place: one call per table,
     * whatever its size, and all of it in this one transaction */
    if ((rc = mdb_drop(txn, s->dbi[SP_DB_CASE_OWN], 0)) ||
        (rc = mdb_drop(txn, s->dbi[SP_DB_CASE_FP], 0)) ||
        (rc = mdb_drop(txn, s->dbi[SP_DB_CASE_DELTA], 0))) {
        err = sp_store_mdb_err(rc, "clear the previous case epoch");
        goto out;
    }
    /* version 1 (the set-up) records no delta: the first kept is 2 */
    struct meta x = {.m = {.epoch = epoch, .started_at = started_at}, .delta_from = 2};
    if ((err = quota_prune(s, txn, epoch)) || (err = meta_put(s, txn, &x)))
        goto out;
    err = sp_store_txn_commit(txn, "begin case epoch");
    txn = NULL;
out:
    if (txn)
        mdb_txn_abort(txn);
    return err;
}

/* ---- the own outputs in key order ---------------------------------------- */

struct own_walk {
    MDB_txn *txn;
    MDB_cursor *cur;
    bool started;
    bool at_next;         /* after a renewal: the cursor is already at the next entry */
    bool ended;           /* walked to the end: the snapshot is released */
    uint32_t since_renew; /* a fresh snapshot every OWN_RENEW_EVERY entries */
};

/* The walk's read transaction is renewed as the key index walk's is
 * (store_keys.c): the sync writes the outputs while it walks them, and a
 * reader held through a set-up keeps every freed page from reuse. */
#define OWN_RENEW_EVERY 4096

/* A fresh snapshot, the cursor again at the entry it was at (by key; the
 * sync changes only entries behind the walk). */
static int own_renew(struct own_walk *w)
{
    MDB_val k, v;
    uint8_t saved[OWN_KEY_MAX];
    int rc = mdb_cursor_get(w->cur, &k, &v, MDB_GET_CURRENT);
    if (rc || k.mv_size > sizeof saved)
        return rc == MDB_NOTFOUND ? 0 : SP_ERR_STORE;
    memcpy(saved, k.mv_data, k.mv_size);
    size_t n = k.mv_size;
    mdb_txn_reset(w->txn);
    if ((rc = mdb_txn_renew(w->txn)) != 0 || (rc = mdb_cursor_renew(w->txn, w->cur)) != 0)
        return sp_store_mdb_err(rc, "renew a read of case.own");
    k = (MDB_val){n, saved};
    rc = mdb_cursor_get(w->cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && (k.mv_size != n || memcmp(k.mv_data, saved, n) != 0))
        w->at_next = true; /* the entry is gone: the one here is the next */
    if (rc == MDB_NOTFOUND)
        w->at_next = true; /* and nothing follows it: the next read says so */
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : sp_store_mdb_err(rc, "read case.own");
}

static void own_close(void *walk)
{
    struct own_walk *w = walk;
    if (!w)
        return;
    if (w->cur)
        mdb_cursor_close(w->cur);
    if (w->txn)
        mdb_txn_abort(w->txn);
    free(w);
}

static int own_open(void *ctx, void **walk)
{
    struct sp_store *s = store_of(ctx);
    struct own_walk *w = calloc(1, sizeof *w);
    if (!w)
        return SP_ERR_NOMEM;
    int err = sp_store_txn_begin(s, MDB_RDONLY, &w->txn), rc;
    if (!err && (rc = mdb_cursor_open(w->txn, s->dbi[SP_DB_CASE_OWN], &w->cur)))
        err = sp_store_mdb_err(rc, "read case.own");
    if (err) {
        own_close(w);
        return err;
    }
    *walk = w;
    return 0;
}

/* case.own's key is (type, value) under LMDB's default order: bytes
 * compared, the shorter first when one is a prefix of the other. That is
 * the key index walk's order (store.h: type, then value bytes, shorter
 * first), which is what lets the engine walk both side by side. */
static int own_next(void *walk, struct sp_case_own_entry *e)
{
    struct own_walk *w = walk;
    MDB_val k, v;
    int rc;
    if (w->ended)
        return SP_ERR_NOT_FOUND;
    if (w->started && ++w->since_renew >= OWN_RENEW_EVERY) {
        w->since_renew = 0;
        if ((rc = own_renew(w)) != 0)
            return rc;
    }
    MDB_cursor_op op = !w->started ? MDB_FIRST : w->at_next ? MDB_GET_CURRENT : MDB_NEXT;
    rc = mdb_cursor_get(w->cur, &k, &v, op);
    if (rc == EINVAL && op == MDB_GET_CURRENT)
        rc = MDB_NOTFOUND; /* positioned past the end */
    w->started = true;
    w->at_next = false;
    if (rc == MDB_NOTFOUND) {
        /* a walk at its end (the set-up's, from nothing, at once) may stay
         * open through the whole sync: it must not pin what the sync frees */
        mdb_txn_reset(w->txn);
        w->ended = true;
        return SP_ERR_NOT_FOUND;
    }
    if (rc)
        return sp_store_mdb_err(rc, "read case.own");
    const uint8_t *key = k.mv_data;
    if (k.mv_size < 2 || k.mv_size > OWN_KEY_MAX || !type_ok(key[0]) || v.mv_size != 8) {
        sp_log_error("store: malformed case.own entry");
        return SP_ERR_STORE;
    }
    e->key_type = key[0];
    e->len = (uint16_t)(k.mv_size - 1);
    e->value = key + 1; /* in the read transaction's snapshot: stable until close */
    e->fp = sp_be64_get(v.mv_data);
    return 0;
}

/* ---- own_put: changes and their delta ------------------------------------ */

/* One effective change of the fingerprint multiset (what a delta says). */
struct fp_op {
    uint8_t type;
    bool add;
    uint64_t fp;
};

struct apply {
    struct sp_store *s;
    MDB_txn *txn;
    struct meta *x;
    struct fp_op *ops; /* NULL: the set-up, which records no delta */
    size_t nops;
};

/* Adds or deletes case.fp's (type, fp, value) and notes the change. */
static int fp_index(struct apply *a, const struct sp_case_own_change *c, uint64_t fp, bool add)
{
    uint8_t key[FP_KEY_MAX];
    key[0] = c->key_type;
    sp_be64_put(key + 1, fp);
    memcpy(key + FP_PREFIX, c->value, c->len);
    MDB_val k = {FP_PREFIX + (size_t)c->len, key}, v = {0, ""};
    int rc = add ? mdb_put(a->txn, a->s->dbi[SP_DB_CASE_FP], &k, &v, 0)
                 : mdb_del(a->txn, a->s->dbi[SP_DB_CASE_FP], &k, NULL);
    if (rc)
        return sp_store_mdb_err(rc, add ? "write case.fp" : "delete from case.fp");
    if (add)
        a->x->m.values[c->key_type]++;
    else
        a->x->m.values[c->key_type]--;
    if (a->ops)
        a->ops[a->nops++] = (struct fp_op){c->key_type, add, fp};
    return 0;
}

/* Applies one change as far as it changes something: adding a value held
 * with the same fingerprint, or removing one not held, is no change and is
 * not in the delta (the asker applies deltas to a multiset of fingerprints:
 * only real changes keep its copy equal to the filter). A value held with
 * another fingerprint is replaced: a removal and an addition. */
static int apply_one(struct apply *a, const struct sp_case_own_change *c)
{
    uint8_t key[OWN_KEY_MAX], fpb[8];
    key[0] = c->key_type;
    memcpy(key + 1, c->value, c->len);
    MDB_val k = {1 + (size_t)c->len, key}, v;
    MDB_dbi own = a->s->dbi[SP_DB_CASE_OWN];
    int rc = mdb_get(a->txn, own, &k, &v), err = 0;
    if (rc && rc != MDB_NOTFOUND)
        return sp_store_mdb_err(rc, "read case.own");
    if (rc == 0 && v.mv_size != 8) {
        sp_log_error("store: malformed case.own entry");
        return SP_ERR_STORE;
    }
    bool held = rc == 0;
    uint64_t old = held ? sp_be64_get(v.mv_data) : 0;
    if (held == c->add && (!held || old == c->fp))
        return 0;
    if (held && (err = fp_index(a, c, old, false)))
        return err;
    if (c->add) {
        sp_be64_put(fpb, c->fp);
        v = (MDB_val){8, fpb};
        rc = mdb_put(a->txn, own, &k, &v, 0);
    } else {
        rc = mdb_del(a->txn, own, &k, NULL);
    }
    if (rc)
        return sp_store_mdb_err(rc, "write case.own");
    return c->add ? fp_index(a, c, c->fp, true) : 0;
}

static void delta_key(uint8_t k[DELTA_KEY_BYTES], uint64_t version, uint8_t type, uint32_t seq)
{
    sp_be64_put(k, version);
    k[8] = type;
    sp_be32_put(k + 9, seq);
}

/* The next free seq of (version, type): one past the last one written. */
static int delta_next_seq(MDB_cursor *cur, uint64_t version, uint8_t type, uint32_t *seq)
{
    uint8_t lim[DELTA_KEY_BYTES];
    delta_key(lim, version, type, UINT32_MAX);
    MDB_val k = {sizeof lim, lim}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    *seq = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && k.mv_size == DELTA_KEY_BYTES && memcmp(k.mv_data, lim, 9) == 0)
        *seq = sp_be32_get((const uint8_t *)k.mv_data + 9) + 1;
    return rc;
}

/* Writes one delta record of type's ops: na u32, nr u32, added, removed. */
static int delta_put_type(struct apply *a, MDB_cursor *cur, uint64_t version, uint8_t type)
{
    size_t na = 0, nr = 0;
    for (size_t i = 0; i < a->nops; i++)
        if (a->ops[i].type == type)
            *(a->ops[i].add ? &na : &nr) += 1;
    if (na + nr == 0)
        return 0;
    uint32_t seq = 0;
    uint8_t key[DELTA_KEY_BYTES];
    int rc = delta_next_seq(cur, version, type, &seq);
    delta_key(key, version, type, seq);
    MDB_val k = {sizeof key, key}, v = {8 + 8 * (na + nr), NULL};
    if (!rc)
        rc = mdb_put(a->txn, a->s->dbi[SP_DB_CASE_DELTA], &k, &v, MDB_RESERVE);
    if (rc)
        return sp_store_mdb_err(rc, "write case.delta");
    uint8_t *p = v.mv_data, *added = p + 8, *removed = p + 8 + 8 * na;
    sp_be32_put(p, (uint32_t)na);
    sp_be32_put(p + 4, (uint32_t)nr);
    for (size_t i = 0; i < a->nops; i++) {
        if (a->ops[i].type != type)
            continue;
        uint8_t **at = a->ops[i].add ? &added : &removed;
        sp_be64_put(*at, a->ops[i].fp);
        *at += 8;
    }
    return 0;
}

static int delta_put(struct apply *a, uint64_t version)
{
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[SP_DB_CASE_DELTA], &cur), err = 0;
    if (rc)
        return sp_store_mdb_err(rc, "write case.delta");
    for (uint8_t t = SP_KEY_TYPE_MIN; !err && t <= SP_KEY_TYPE_MAX; t++)
        err = delta_put_type(a, cur, version, t);
    mdb_cursor_close(cur);
    return err;
}

/* Values as the key index holds them (no NUL byte: the index's KEY ends
 * the value with one), which keeps the two orders one. */
static bool change_ok(const struct sp_case_own_change *c)
{
    return type_ok(c->key_type) && c->len >= 1 && c->len <= SP_STORE_VALUE_MAX && c->value &&
           !memchr(c->value, 0, c->len);
}

/* Changes go only into the version after the current one (the set-up into
 * 1, while the record says 0): a put after a crash continues the delta that
 * was being built, which holds only changes that were really made. */
static int own_put(void *ctx, uint64_t version, const struct sp_case_own_change *ch, size_t n)
{
    struct sp_store *s = store_of(ctx);
    struct meta x;
    struct apply a = {.s = s, .x = &x};
    int err = 0;
    for (size_t i = 0; i < n; i++)
        if (!change_ok(&ch[i]))
            return SP_ERR_INVALID_ARG;
    if (version > 1 && n && !(a.ops = malloc(2 * n * sizeof *a.ops)))
        return SP_ERR_NOMEM;
    if ((err = sp_store_txn_begin(s, 0, &a.txn)) || (err = meta_get(s, a.txn, &x)))
        goto out;
    if (version != x.m.version + 1) {
        err = SP_ERR_STATE;
        goto out;
    }
    for (size_t i = 0; !err && i < n; i++)
        err = apply_one(&a, &ch[i]);
    if (err || (a.ops && (err = delta_put(&a, version))) || (err = meta_put(s, a.txn, &x)))
        goto out;
    err = sp_store_txn_commit(a.txn, "write case.own");
    a.txn = NULL;
out:
    if (a.txn)
        mdb_txn_abort(a.txn);
    free(a.ops);
    return err == SP_ERR_NOT_FOUND ? SP_ERR_STATE : err;
}

/* Deletes the deltas of versions before `before` (keys begin with the
 * version, big-endian: they are the first entries). */
static int delta_prune(struct sp_store *s, MDB_txn *txn, uint64_t before)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, s->dbi[SP_DB_CASE_DELTA], &cur);
    while (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
        if (k.mv_size != DELTA_KEY_BYTES || sp_be64_get(k.mv_data) >= before)
            break;
        rc = mdb_cursor_del(cur, 0);
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : sp_store_mdb_err(rc, "prune case.delta");
}

static int own_commit(void *ctx, uint64_t version, uint32_t kept, uint32_t keep)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    struct meta x;
    int err = sp_store_txn_begin(s, 0, &txn);
    if (err)
        return err;
    if ((err = meta_get(s, txn, &x)))
        goto out;
    if (version < x.m.version) {
        err = SP_ERR_STATE;
        goto out;
    }
    x.m.version = version;
    x.m.kept = kept & SP_KEY_MASK_ALL;
    if (version > keep && version - keep > x.delta_from)
        x.delta_from = version - keep;
    if ((err = delta_prune(s, txn, x.delta_from)) || (err = meta_put(s, txn, &x)))
        goto out;
    err = sp_store_txn_commit(txn, "commit case version");
    txn = NULL;
out:
    if (txn)
        mdb_txn_abort(txn);
    return err == SP_ERR_NOT_FOUND ? SP_ERR_STATE : err;
}

/* ---- reading fingerprints and deltas -------------------------------------- */

/* A growing array of fingerprints. */
struct fps {
    uint64_t *v;
    size_t n, cap;
};

static int fps_push(struct fps *f, uint64_t fp)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        uint64_t *v = cap < SIZE_MAX / 8 ? realloc(f->v, cap * sizeof *v) : NULL;
        if (!v)
            return SP_ERR_NOMEM;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = fp;
    return 0;
}

/* Hands the array over (NULL when empty), or frees it after an error. */
static int fps_give(struct fps *f, int err, uint64_t **out, size_t *n)
{
    if (err || f->n == 0) {
        free(f->v);
        f->v = NULL;
        f->n = err ? 0 : f->n;
    }
    if (!err) {
        *out = f->v;
        *n = f->n;
    }
    return err;
}

/* case.fp under (type) is sorted by fingerprint (big-endian after the type
 * byte). A fingerprint shared by two values is there twice: the filter is
 * a multiset, as the deltas are. */
static int fps_walk(struct sp_store *s, MDB_txn *txn, uint8_t type, struct fps *f)
{
    MDB_cursor *cur = NULL;
    MDB_val k = {1, &type}, v;
    int rc = mdb_cursor_open(txn, s->dbi[SP_DB_CASE_FP], &cur), err = 0;
    if (rc)
        return sp_store_mdb_err(rc, "read case.fp");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        if (key[0] != type)
            break;
        if (k.mv_size <= FP_PREFIX) {
            sp_log_error("store: malformed case.fp entry");
            err = SP_ERR_STORE;
            break;
        }
        err = fps_push(f, sp_be64_get(key + 1));
    }
    mdb_cursor_close(cur);
    if (!err && rc && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "read case.fp");
    return err;
}

static int fps_read(void *ctx, uint8_t key_type, uint64_t **fp, size_t *n)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    struct fps f = {0};
    if (!type_ok(key_type))
        return SP_ERR_INVALID_ARG;
    int err = sp_store_txn_begin(s, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = fps_walk(s, txn, key_type, &f);
    mdb_txn_abort(txn);
    return fps_give(&f, err, fp, n);
}

/* Appends one delta record's fingerprints to added and removed. */
static int delta_parse(const MDB_val *v, struct fps *added, struct fps *removed)
{
    const uint8_t *p = v->mv_data;
    uint64_t na = v->mv_size >= 8 ? sp_be32_get(p) : 0,
             nr = v->mv_size >= 8 ? sp_be32_get(p + 4) : 0;
    if (v->mv_size < 8 || v->mv_size != 8 + 8 * (na + nr)) {
        sp_log_error("store: malformed case.delta record");
        return SP_ERR_STORE;
    }
    int err = 0;
    for (uint64_t i = 0; !err && i < na + nr; i++)
        err = fps_push(i < na ? added : removed, sp_be64_get(p + 8 + 8 * i));
    return err;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts both and cancels what is in both (a value added and removed again
 * in the same version, in two puts): what is left is the change from
 * version - 1 to version whichever order the asker applies it in. */
static void delta_net(struct fps *a, struct fps *r)
{
    size_t i = 0, j = 0, oa = 0, orr = 0;
    if (a->n)
        qsort(a->v, a->n, sizeof *a->v, u64_cmp);
    if (r->n)
        qsort(r->v, r->n, sizeof *r->v, u64_cmp);
    while (i < a->n && j < r->n) {
        if (a->v[i] == r->v[j])
            i++, j++;
        else if (a->v[i] < r->v[j])
            a->v[oa++] = a->v[i++];
        else
            r->v[orr++] = r->v[j++];
    }
    while (i < a->n)
        a->v[oa++] = a->v[i++];
    while (j < r->n)
        r->v[orr++] = r->v[j++];
    a->n = oa;
    r->n = orr;
}

static int delta_walk(struct sp_store *s, MDB_txn *txn, uint64_t version, uint8_t type,
                      struct fps *a, struct fps *r)
{
    MDB_cursor *cur = NULL;
    uint8_t lo[DELTA_KEY_BYTES];
    delta_key(lo, version, type, 0);
    MDB_val k = {sizeof lo, lo}, v;
    int rc = mdb_cursor_open(txn, s->dbi[SP_DB_CASE_DELTA], &cur), err = 0;
    if (rc)
        return sp_store_mdb_err(rc, "read case.delta");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != DELTA_KEY_BYTES || memcmp(k.mv_data, lo, 9) != 0)
            break;
        err = delta_parse(&v, a, r);
    }
    mdb_cursor_close(cur);
    if (!err && rc && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "read case.delta");
    return err;
}

static int delta_read(void *ctx, uint64_t version, uint8_t key_type, uint64_t **added,
                      size_t *nadded, uint64_t **removed, size_t *nremoved)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    struct meta x;
    struct fps a = {0}, r = {0};
    if (!type_ok(key_type))
        return SP_ERR_INVALID_ARG;
    int err = sp_store_txn_begin(s, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = meta_get(s, txn, &x);
    /* kept: from delta_from up to the current version (a version still
     * being built has no complete delta yet) */
    if (!err && (version < x.delta_from || version > x.m.version))
        err = SP_ERR_NOT_FOUND;
    if (!err)
        err = delta_walk(s, txn, version, key_type, &a, &r);
    mdb_txn_abort(txn);
    if (!err)
        delta_net(&a, &r);
    err = fps_give(&a, err, added, nadded);
    if (err) {
        free(r.v);
        return err;
    }
    if ((err = fps_give(&r, 0, removed, nremoved))) {
        free(*added);
        *added = NULL;
    }
    return err;
}

/* ---- fp_records: who holds a fingerprint (tell holders) ------------------- */

static int fp_records(void *ctx, uint8_t key_type, uint64_t fp,
                      int (*fn)(void *fctx, const char *dataset, const char *record_id), void *fctx)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    uint8_t lo[FP_PREFIX];
    if (!type_ok(key_type) || !fn)
        return SP_ERR_INVALID_ARG;
    lo[0] = key_type;
    sp_be64_put(lo + 1, fp);
    MDB_val k = {sizeof lo, lo}, v;
    int err = sp_store_txn_begin(s, MDB_RDONLY, &txn), rc = 0;
    if (err)
        return err;
    if ((rc = mdb_cursor_open(txn, s->dbi[SP_DB_CASE_FP], &cur)))
        goto out;
    /* the values with this fingerprint (nearly always one), then the
     * records of the current dataset versions holding each */
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= FP_PREFIX || memcmp(k.mv_data, lo, FP_PREFIX) != 0)
            break;
        err = sp_store_keys_records(s, txn, key_type, (const uint8_t *)k.mv_data + FP_PREFIX,
                                    k.mv_size - FP_PREFIX, fn, fctx);
    }
out:
    if (!err && rc && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "read case.fp");
    if (cur)
        mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

/* ---- the epoch secret: <state_dir>/case/epoch-<N>.key --------------------- */

static int secret_path(struct sp_store *s, uint32_t epoch, char *out, size_t cap, bool dir_only)
{
    int n = dir_only ? snprintf(out, cap, "%s/case", s->dir)
                     : snprintf(out, cap, "%s/case/epoch-%u.key", s->dir, epoch);
    return n < 0 || (size_t)n >= cap ? SP_ERR_INVALID_ARG : 0;
}

/* The directory is made owner-only; one that exists is left as it is (the
 * key file functions refuse it when others may write in it). */
static int secret_dir(struct sp_store *s)
{
    char dir[4200];
    int err = secret_path(s, 0, dir, sizeof dir, true);
    if (err)
        return err;
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    sp_log_error("store: cannot create %s: %s", dir, strerror(errno));
    return errno == EACCES ? SP_ERR_PERMISSION : SP_ERR_IO;
}

static void secret_log(const char *path, int err)
{
    char why[512];
    sp_log_error("store: case epoch secret: %s", sp_keyfile_explain(why, sizeof why, path, err));
}

static int secret_put(void *ctx, uint32_t epoch, const uint8_t secret[32])
{
    struct sp_store *s = store_of(ctx);
    char path[4200];
    int err = secret_path(s, epoch, path, sizeof path, false);
    if (!err)
        err = secret_dir(s);
    if (err)
        return err;
    /* overwrite 0: an epoch's secret is drawn once; replacing it would make
     * the filters already sent useless (and hide that it happened) */
    err = sp_keyfile_write(path, (const char *)secret, SECRET_BYTES, 0);
    if (err == SP_ERR_EXISTS)
        sp_log_error("store: case epoch secret %s exists already; an epoch's secret is never "
                     "replaced",
                     path);
    else if (err)
        secret_log(path, err);
    return err;
}

static int secret_get(void *ctx, uint32_t epoch, uint8_t secret[32])
{
    struct sp_store *s = store_of(ctx);
    char path[4200], *buf = NULL;
    size_t len = 0;
    int err = secret_path(s, epoch, path, sizeof path, false);
    if (!err)
        err = sp_keyfile_read(path, &buf, &len);
    if (err == SP_ERR_NOT_FOUND)
        return err;
    if (err) {
        secret_log(path, err);
        return err;
    }
    if (len == SECRET_BYTES)
        memcpy(secret, buf, SECRET_BYTES);
    else
        sp_log_error("store: case epoch secret %s holds %zu bytes, not %d", path, len,
                     SECRET_BYTES);
    sp_keyfile_buf_free(&buf, len); /* wipes */
    return len == SECRET_BYTES ? 0 : SP_ERR_KEYFILE_FORMAT;
}

static int secret_drop(void *ctx, uint32_t epoch)
{
    struct sp_store *s = store_of(ctx);
    char path[4200];
    int err = secret_path(s, epoch, path, sizeof path, false);
    if (err || unlink(path) == 0 || errno == ENOENT)
        return err;
    sp_log_error("store: cannot delete case epoch secret %s: %s", path, strerror(errno));
    return errno == EACCES || errno == EPERM ? SP_ERR_PERMISSION : SP_ERR_IO;
}

/* ---- the questions each coordinator asked per epoch ----------------------- */

static int quota(void *ctx, uint32_t epoch, const uint8_t coord_fp[32], bool add, uint32_t values,
                 uint32_t *questions, uint64_t *values_total)
{
    struct sp_store *s = store_of(ctx);
    MDB_txn *txn = NULL;
    uint8_t key[QUOTA_KEY_BYTES], val[QUOTA_BYTES];
    sp_be32_put(key, epoch);
    memcpy(key + 4, coord_fp, 32);
    MDB_val k = {sizeof key, key}, v;
    uint32_t q = 0;
    uint64_t n = 0;
    int err = sp_store_txn_begin(s, add ? 0 : MDB_RDONLY, &txn);
    if (err)
        return err;
    int rc = mdb_get(txn, s->dbi[SP_DB_CASE_QUOTA], &k, &v);
    if (rc == 0 && v.mv_size == QUOTA_BYTES) {
        q = sp_be32_get(v.mv_data);
        n = sp_be64_get((const uint8_t *)v.mv_data + 4);
    } else if (rc == 0) {
        sp_log_error("store: malformed case.quota record");
        err = SP_ERR_STORE;
    } else if (rc != MDB_NOTFOUND) {
        err = sp_store_mdb_err(rc, "read case.quota");
    }
    if (!err && add) {
        /* saturating: a counter that wrapped would open the quota again */
        sp_be32_put(val, q == UINT32_MAX ? q : q + 1);
        sp_be64_put(val + 4, n > UINT64_MAX - values ? UINT64_MAX : n + values);
        v = (MDB_val){sizeof val, val};
        if ((rc = mdb_put(txn, s->dbi[SP_DB_CASE_QUOTA], &k, &v, 0)))
            err = sp_store_mdb_err(rc, "write case.quota");
    }
    if (!err && add)
        err = sp_store_txn_commit(txn, "write case.quota");
    else
        mdb_txn_abort(txn);
    if (!err) {
        *questions = q;
        *values_total = n;
    }
    return err;
}

struct sp_engine_case_store sp_store_case_port(void)
{
    return (struct sp_engine_case_store){
        .own_meta = own_meta,
        .own_begin = own_begin,
        .own_open = own_open,
        .own_next = own_next,
        .own_close = own_close,
        .own_put = own_put,
        .own_commit = own_commit,
        .fps_read = fps_read,
        .delta_read = delta_read,
        .fp_records = fp_records,
        .secret_put = secret_put,
        .secret_get = secret_get,
        .secret_drop = secret_drop,
        .quota = quota,
    };
}
