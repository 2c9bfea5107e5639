/*
 * Datasets in the state store: staged loads swapped in atomically, the
 * dataset summaries, and the key index the rounds read. Layouts are in
 * store_impl.h. The key index is ordered by (type, value, slot, record id)
 * so that a round takes each key type's distinct values in one pass.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/keytype.h"
#include "daemon/log.h"
#include "daemon/store_impl.h"

/* A load's buffer is written when it holds this much, in one transaction.
 * Larger transactions copy fewer B-tree pages (index inserts are random), so
 * loads get faster (1M records x 3 keys: 19 s with 10k-record transactions,
 * 9 s with these); smaller ones bound the memory and the time the single
 * writer is held. */
#define LOAD_FLUSH_BYTES   (8u << 20)
#define LOAD_FLUSH_RECORDS 32768u
#define DSINFO_BYTES       85
#define DSINFO_FORMAT      1

struct sp_store_load {
    struct sp_store *s;
    char name[SP_STORE_NAME_MAX + 1];
    uint32_t slot;
    uint64_t next_seq;
    uint64_t records;
    uint64_t keys;
    uint8_t *buf; /* records as (u32 len, value) */
    size_t buf_len, buf_cap, buf_records;
    size_t buf_keys, buf_keybytes; /* index entries the buffer will produce */
    int failed;
};

bool sp_store_dataset_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > SP_STORE_NAME_MAX || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- dataset summaries ------------------------------------------------- */

static void dsinfo_encode(uint8_t out[DSINFO_BYTES], uint32_t slot, const struct sp_dataset_info *d)
{
    out[0] = DSINFO_FORMAT;
    sp_be32_put(out + 1, slot);
    sp_be32_put(out + 5, d->version);
    sp_be64_put(out + 9, d->loaded_at);
    sp_be64_put(out + 17, d->records);
    sp_be64_put(out + 25, d->keys);
    sp_be64_put(out + 33, d->rejected_fields);
    sp_be64_put(out + 41, d->structural_errors);
    sp_be32_put(out + 49, d->key_mask);
    memcpy(out + 53, d->input_sha256, SP_STORE_SHA256_BYTES);
}

static int dsinfo_decode(const MDB_val *k, const MDB_val *v, uint32_t *slot,
                         struct sp_dataset_info *d)
{
    const uint8_t *p = v->mv_data;
    if (v->mv_size != DSINFO_BYTES || p[0] != DSINFO_FORMAT || k->mv_size == 0 ||
        k->mv_size > SP_STORE_NAME_MAX) {
        sp_log_error("store: malformed dataset summary");
        return SP_ERR_STORE;
    }
    memset(d, 0, sizeof *d);
    memcpy(d->name, k->mv_data, k->mv_size);
    *slot = sp_be32_get(p + 1);
    d->version = sp_be32_get(p + 5);
    d->loaded_at = sp_be64_get(p + 9);
    d->records = sp_be64_get(p + 17);
    d->keys = sp_be64_get(p + 25);
    d->rejected_fields = sp_be64_get(p + 33);
    d->structural_errors = sp_be64_get(p + 41);
    d->key_mask = sp_be32_get(p + 49);
    memcpy(d->input_sha256, p + 53, SP_STORE_SHA256_BYTES);
    return 0;
}

static int dsinfo_get(struct sp_store *s, MDB_txn *txn, const char *name, uint32_t *slot,
                      struct sp_dataset_info *d)
{
    MDB_val k = {strlen(name), (void *)(uintptr_t)name}, v;
    int rc = mdb_get(txn, s->dbi[SP_DB_DATASETS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return SP_ERR_NOT_FOUND;
    if (rc)
        return sp_store_mdb_err(rc, "read dataset");
    return dsinfo_decode(&k, &v, slot, d);
}

int sp_store_dataset_get(struct sp_store *store, const char *name, struct sp_dataset_info *out)
{
    if (!sp_store_dataset_name_valid(name))
        return SP_ERR_NOT_FOUND;
    MDB_txn *txn = NULL;
    uint32_t slot;
    struct sp_dataset_info d;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = dsinfo_get(store, txn, name, &slot, &d);
    mdb_txn_abort(txn);
    if (!err)
        *out = d;
    return err;
}

int sp_store_datasets_foreach(struct sp_store *store, sp_store_dataset_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    struct sp_dataset_info d;
    uint32_t slot;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn), rc;
    if (err)
        return err;
    if ((rc = mdb_cursor_open(txn, store->dbi[SP_DB_DATASETS], &cur))) {
        err = sp_store_mdb_err(rc, "list datasets");
        goto out;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        err = dsinfo_decode(&k, &v, &slot, &d);
        if (!err)
            err = fn(ctx, &d);
    }
    if (!err && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "list datasets");
out:
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

int sp_store_datasets_count(struct sp_store *store, uint32_t *out)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    int rc = mdb_stat(txn, store->dbi[SP_DB_DATASETS], &st);
    mdb_txn_abort(txn);
    if (rc)
        return sp_store_mdb_err(rc, "count datasets");
    *out = st.ms_entries > UINT32_MAX ? UINT32_MAX : (uint32_t)st.ms_entries;
    return 0;
}

/* ---- loads ------------------------------------------------------------- */

static int name_is_loading(struct sp_store *s, MDB_txn *txn, const char *name, bool *busy)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t n = strlen(name);
    int rc = mdb_cursor_open(txn, s->dbi[SP_DB_LOADS], &cur);
    if (rc)
        return sp_store_mdb_err(rc, "check loads");
    *busy = false;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !*busy;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        *busy = v.mv_size == n && memcmp(v.mv_data, name, n) == 0;
    mdb_cursor_close(cur);
    return (rc == 0 || rc == MDB_NOTFOUND) ? 0 : sp_store_mdb_err(rc, "check loads");
}

/* Reserves a fresh slot and registers it as staging, in one transaction. */
static int load_register(struct sp_store *s, const char *name, uint32_t *slot_out)
{
    MDB_txn *txn = NULL;
    MDB_val mk = {9, "next_slot"}, mv;
    uint8_t buf[4];
    bool busy = false;
    int err = sp_store_txn_begin(s, 0, &txn), rc = 0;
    if (err)
        return err;
    if ((err = name_is_loading(s, txn, name, &busy)) || busy) {
        mdb_txn_abort(txn);
        return err ? err : SP_ERR_BUSY;
    }
    uint32_t slot = 1;
    rc = mdb_get(txn, s->dbi[SP_DB_META], &mk, &mv);
    if (rc == 0 && mv.mv_size == 4)
        slot = sp_be32_get(mv.mv_data);
    else if (rc != MDB_NOTFOUND)
        rc = rc ? rc : MDB_CORRUPTED;
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (!rc && slot == UINT32_MAX)
        rc = MDB_MAP_FULL; /* 4 billion loads: treat as a full store */
    sp_be32_put(buf, slot + 1);
    mv = (MDB_val){4, buf};
    if (!rc)
        rc = mdb_put(txn, s->dbi[SP_DB_META], &mk, &mv, 0);
    uint8_t sk[4];
    sp_be32_put(sk, slot);
    MDB_val k = {4, sk}, v = {strlen(name), (void *)(uintptr_t)name};
    if (!rc)
        rc = mdb_put(txn, s->dbi[SP_DB_LOADS], &k, &v, 0);
    if (rc) {
        mdb_txn_abort(txn);
        return sp_store_mdb_err(rc, "begin load");
    }
    err = sp_store_txn_commit(txn, "begin load");
    if (!err)
        *slot_out = slot;
    return err;
}

int sp_store_load_begin(struct sp_store *store, const char *name, struct sp_store_load **out)
{
    if (!sp_store_dataset_name_valid(name) || !out)
        return SP_ERR_INVALID_ARG;
    struct sp_store_load *l = calloc(1, sizeof *l);
    if (!l)
        return SP_ERR_NOMEM;
    l->s = store;
    memcpy(l->name, name, strlen(name) + 1);
    int err = load_register(store, name, &l->slot);
    if (err) {
        free(l);
        return err;
    }
    *out = l;
    return 0;
}

static int key_valid(const struct sp_store_key *k)
{
    return sp_key_type_valid(k->type) && k->klass >= SP_CLASS_A && k->klass <= SP_CLASS_C &&
           k->value_len >= 1 && k->value_len <= SP_STORE_VALUE_MAX && k->value &&
           !memchr(k->value, 0, k->value_len);
}

static int buf_reserve(struct sp_store_load *l, size_t more)
{
    if (l->buf_len + more <= l->buf_cap)
        return 0;
    size_t cap = l->buf_cap ? l->buf_cap : 65536;
    while (cap < l->buf_len + more)
        cap *= 2;
    uint8_t *nb = realloc(l->buf, cap);
    if (!nb)
        return SP_ERR_NOMEM;
    l->buf = nb;
    l->buf_cap = cap;
    return 0;
}

int sp_store_load_put(struct sp_store_load *load, const char *record_id,
                      const struct sp_store_key *keys, size_t nkeys)
{
    size_t idlen = record_id ? strlen(record_id) : 0;
    if (load->failed)
        return SP_ERR_STATE;
    if (idlen == 0 || idlen > SP_STORE_RECORD_ID_MAX || nkeys > 255 || (nkeys && !keys))
        return SP_ERR_INVALID_ARG;
    size_t need = 4 + 1 + idlen + 1;
    for (size_t i = 0; i < nkeys; i++) {
        if (!key_valid(&keys[i]))
            return SP_ERR_INVALID_ARG;
        need += 4 + keys[i].value_len;
    }
    load->records++;
    if (nkeys == 0)
        return 0; /* a record without keys can never match: nothing to keep */
    int err = buf_reserve(load, need);
    if (err)
        return load->failed = 1, err;
    uint8_t *p = load->buf + load->buf_len;
    sp_be32_put(p, (uint32_t)(need - 4));
    p[4] = (uint8_t)idlen;
    memcpy(p + 5, record_id, idlen);
    p += 5 + idlen;
    *p++ = (uint8_t)nkeys;
    for (size_t i = 0; i < nkeys; i++) {
        p[0] = keys[i].type;
        p[1] = keys[i].klass;
        sp_be16_put(p + 2, keys[i].value_len);
        memcpy(p + 4, keys[i].value, keys[i].value_len);
        p += 4 + keys[i].value_len;
    }
    load->buf_len += need;
    load->buf_records++;
    load->buf_keys += nkeys;
    load->buf_keybytes += need - 6 - idlen + nkeys * (5 + idlen);
    load->keys += nkeys;
    if (load->buf_len >= LOAD_FLUSH_BYTES || load->buf_records >= LOAD_FLUSH_RECORDS)
        return sp_store_load_flush(load);
    return 0;
}

uint64_t sp_store_load_records(const struct sp_store_load *load)
{
    return load->records;
}

/* Key-index entries of one flush, sorted before insertion so that LMDB walks
 * the B-tree in order instead of jumping around it. Each entry is
 * (u16 key length, u8 class, key). */
struct keykeys {
    uint8_t *buf;
    size_t len, cap;
    const uint8_t **ptr;
    size_t n, ptr_cap;
};

static int keykeys_add(struct keykeys *kk, const uint8_t *key, size_t len, uint8_t klass)
{
    if (kk->len + 3 + len > kk->cap || kk->n == kk->ptr_cap)
        return SP_ERR_INTERNAL; /* sized up front from the buffer */
    uint8_t *p = kk->buf + kk->len;
    sp_be16_put(p, (uint16_t)len);
    p[2] = klass;
    memcpy(p + 3, key, len);
    kk->ptr[kk->n++] = p;
    kk->len += 3 + len;
    return 0;
}

/* LMDB's default key order: bytes, then the shorter first. */
static int keykey_cmp(const void *a, const void *b)
{
    const uint8_t *x = *(const uint8_t *const *)a, *y = *(const uint8_t *const *)b;
    size_t lx = sp_be16_get(x), ly = sp_be16_get(y);
    int c = memcmp(x + 3, y + 3, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

/* Writes each buffered record to sp.records and collects its index keys. */
static int flush_records(struct sp_store_load *l, MDB_txn *txn, struct keykeys *kk)
{
    uint8_t rk[12], key[SP_STORE_KEYKEY_MAX];
    struct sp_rec_view rv;
    struct sp_store_key sk;
    sp_be32_put(rk, l->slot);
    for (size_t off = 0; off < l->buf_len;) {
        size_t len = sp_be32_get(l->buf + off);
        const uint8_t *rec = l->buf + off + 4;
        off += 4 + len;
        sp_be64_put(rk + 4, l->next_seq++);
        MDB_val k = {sizeof rk, rk}, v = {len, (void *)(uintptr_t)rec};
        int rc = mdb_put(txn, l->s->dbi[SP_DB_RECORDS], &k, &v, 0);
        if (rc)
            return sp_store_mdb_err(rc, "stage records");
        int err = sp_store_rec_parse(rec, len, &rv);
        for (size_t i = 0; !err && i < rv.nkeys; i++) {
            sp_store_rec_key(&rv, &sk);
            size_t kl = sp_store_keykey(key, &sk, l->slot, rv.id, rv.idlen);
            err = keykeys_add(kk, key, kl, sk.klass);
        }
        if (err)
            return err;
    }
    return 0;
}

static int flush_keys(struct sp_store_load *l, MDB_txn *txn, struct keykeys *kk)
{
    qsort(kk->ptr, kk->n, sizeof kk->ptr[0], keykey_cmp);
    for (size_t i = 0; i < kk->n; i++) {
        const uint8_t *p = kk->ptr[i];
        MDB_val k = {sp_be16_get(p), (void *)(uintptr_t)(p + 3)};
        MDB_val v = {1, (void *)(uintptr_t)(p + 2)};
        int rc = mdb_put(txn, l->s->dbi[SP_DB_KEYS], &k, &v, 0);
        if (rc)
            return sp_store_mdb_err(rc, "stage keys");
    }
    return 0;
}

int sp_store_load_flush(struct sp_store_load *load)
{
    if (load->failed)
        return SP_ERR_STATE;
    if (load->buf_records == 0)
        return 0;
    struct keykeys kk = {0};
    kk.cap = load->buf_keybytes;
    kk.ptr_cap = load->buf_keys;
    kk.buf = malloc(kk.cap);
    kk.ptr = malloc(kk.ptr_cap * sizeof kk.ptr[0]);
    MDB_txn *txn = NULL;
    int err = (!kk.buf || !kk.ptr) ? SP_ERR_NOMEM : sp_store_txn_begin(load->s, 0, &txn);
    if (!err)
        err = flush_records(load, txn, &kk);
    if (!err)
        err = flush_keys(load, txn, &kk);
    if (!err)
        err = sp_store_txn_commit(txn, "stage load");
    else if (txn)
        mdb_txn_abort(txn);
    free(kk.buf);
    free(kk.ptr);
    if (err)
        load->failed = 1;
    load->buf_len = 0;
    load->buf_records = 0;
    load->buf_keys = 0;
    load->buf_keybytes = 0;
    return err;
}

/* The swap: one small transaction makes the staged slot current. */
static int load_swap(struct sp_store_load *l, const struct sp_dataset_info *info,
                     struct sp_dataset_info *out)
{
    MDB_txn *txn = NULL;
    struct sp_dataset_info old, now = *info;
    uint32_t old_slot = 0;
    uint8_t sk[4], ds[DSINFO_BYTES];
    int err = sp_store_txn_begin(l->s, 0, &txn), rc = 0;
    if (err)
        return err;
    err = dsinfo_get(l->s, txn, l->name, &old_slot, &old);
    memcpy(now.name, l->name, sizeof now.name);
    now.version = err == SP_ERR_NOT_FOUND ? 1 : old.version + 1;
    now.loaded_at = (uint64_t)time(NULL);
    if (err == SP_ERR_NOT_FOUND)
        err = 0;
    else if (!err) {
        sp_be32_put(sk, old_slot);
        MDB_val gk = {4, sk}, gv = {0, ""};
        if ((rc = mdb_put(txn, l->s->dbi[SP_DB_GARBAGE], &gk, &gv, 0)))
            err = sp_store_mdb_err(rc, "commit load");
    }
    sp_be32_put(sk, l->slot);
    MDB_val lk = {4, sk};
    if (!err && (rc = mdb_del(txn, l->s->dbi[SP_DB_LOADS], &lk, NULL)))
        err = rc == MDB_NOTFOUND ? SP_ERR_STATE : sp_store_mdb_err(rc, "commit load");
    dsinfo_encode(ds, l->slot, &now);
    MDB_val dk = {strlen(l->name), l->name}, dv = {sizeof ds, ds};
    if (!err && (rc = mdb_put(txn, l->s->dbi[SP_DB_DATASETS], &dk, &dv, 0)))
        err = sp_store_mdb_err(rc, "commit load");
    if (!err)
        err = sp_store_txn_commit(txn, "commit load");
    else
        mdb_txn_abort(txn);
    if (!err && out)
        *out = now;
    return err;
}

int sp_store_load_commit(struct sp_store_load **load, const struct sp_dataset_info *info,
                         struct sp_dataset_info *out_info)
{
    struct sp_store_load *l = *load;
    int err = sp_store_load_flush(l);
    if (!err)
        err = load_swap(l, info, out_info);
    if (err) {
        sp_store_load_abort(load);
        return err;
    }
    free(l->buf);
    free(l);
    *load = NULL;
    return 0;
}

void sp_store_load_abort(struct sp_store_load **load)
{
    if (!load || !*load)
        return;
    struct sp_store_load *l = *load;
    MDB_txn *txn = NULL;
    uint8_t sk[4];
    sp_be32_put(sk, l->slot);
    MDB_val k = {4, sk}, v = {0, ""};
    /* If this fails the slot stays listed as loading, and the next start-up
     * turns it into garbage: the staging is never visible either way. */
    if (sp_store_txn_begin(l->s, 0, &txn) == 0) {
        int rc = mdb_del(txn, l->s->dbi[SP_DB_LOADS], &k, NULL);
        if (rc == 0 || rc == MDB_NOTFOUND)
            rc = mdb_put(txn, l->s->dbi[SP_DB_GARBAGE], &k, &v, 0);
        if (rc) {
            sp_store_mdb_err(rc, "abort load");
            mdb_txn_abort(txn);
        } else if (sp_store_txn_commit(txn, "abort load") != 0) {
            sp_log_warn("store: staging of dataset %s is released at the next start", l->name);
        }
    }
    free(l->buf);
    free(l);
    *load = NULL;
}
