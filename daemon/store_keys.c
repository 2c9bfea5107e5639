/*
 * The key index of the state store: its record encoding, the iterator the
 * rounds use, and deletion of abandoned dataset versions. Layouts are in
 * store_impl.h.
 */
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "daemon/log.h"
#include "daemon/store_impl.h"

struct slot_name {
    uint32_t slot;
    char name[SP_STORE_NAME_MAX + 1];
};

struct sp_store_keys_iter {
    struct sp_store *s;
    MDB_txn *txn;
    MDB_cursor *cur;
    uint32_t mask;
    struct slot_name *slots; /* current versions, sorted by slot */
    size_t nslots;
    int started;
    char rid[SP_STORE_RECORD_ID_MAX + 1];
};

int sp_store_rec_parse(const void *data, size_t len, struct sp_rec_view *rv)
{
    const uint8_t *p = data, *end = p + len;
    if (len < 3 || p[0] == 0 || (size_t)p[0] + 2 > len)
        goto bad;
    rv->idlen = p[0];
    rv->id = p + 1;
    rv->nkeys = p[1 + rv->idlen];
    rv->next = p + 2 + rv->idlen;
    rv->end = end;
    const uint8_t *q = rv->next;
    for (size_t i = 0; i < rv->nkeys; i++) {
        if (end - q < 4)
            goto bad;
        size_t vl = sp_be16_get(q + 2);
        if (vl == 0 || vl > SP_STORE_VALUE_MAX || (size_t)(end - q - 4) < vl)
            goto bad;
        q += 4 + vl;
    }
    if (q != end)
        goto bad;
    return 0;
bad:
    sp_log_error("store: malformed record entry");
    return SP_ERR_STORE;
}

void sp_store_rec_key(struct sp_rec_view *rv, struct sp_store_key *out)
{
    const uint8_t *q = rv->next;
    out->type = q[0];
    out->klass = q[1];
    out->value_len = sp_be16_get(q + 2);
    out->value = (const char *)(q + 4);
    rv->next = q + 4 + out->value_len;
}

size_t sp_store_keykey(uint8_t out[SP_STORE_KEYKEY_MAX], const struct sp_store_key *k,
                       uint32_t slot, const uint8_t *id, size_t idlen)
{
    uint8_t *p = out;
    *p++ = k->type;
    memcpy(p, k->value, k->value_len);
    p += k->value_len;
    *p++ = 0;
    sp_be32_put(p, slot);
    memcpy(p + 4, id, idlen);
    return (size_t)(p + 4 + idlen - out);
}

/* Deletes one record of a garbage slot and its index entries. An index entry
 * may already be gone: a record id that occurred twice with the same key
 * shares one entry. */
static int gc_record(struct sp_store *s, MDB_txn *txn, uint32_t slot, const MDB_val *v)
{
    struct sp_rec_view rv;
    struct sp_store_key sk;
    uint8_t key[SP_STORE_KEYKEY_MAX];
    int err = sp_store_rec_parse(v->mv_data, v->mv_size, &rv);
    for (size_t i = 0; !err && i < rv.nkeys; i++) {
        sp_store_rec_key(&rv, &sk);
        MDB_val k = {sp_store_keykey(key, &sk, slot, rv.id, rv.idlen), key};
        int rc = mdb_del(txn, s->dbi[SP_DB_KEYS], &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            err = sp_store_mdb_err(rc, "gc keys");
    }
    return err;
}

int sp_store_gc_slot(struct sp_store *s, MDB_txn *txn, uint32_t slot, size_t budget, bool *done,
                     size_t *deleted)
{
    MDB_cursor *cur = NULL;
    uint8_t start[12] = {0};
    sp_be32_put(start, slot);
    MDB_val k = {sizeof start, start}, v;
    int err = 0, rc = mdb_cursor_open(txn, s->dbi[SP_DB_RECORDS], &cur);
    if (rc)
        return sp_store_mdb_err(rc, "gc");
    *done = false;
    *deleted = 0;
    /* Records are deleted in key order, so the first one at or after the
     * slot's start is always the next to go. */
    for (;;) {
        k = (MDB_val){sizeof start, start};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc || *deleted >= budget || k.mv_size != 12 || memcmp(k.mv_data, start, 4) != 0)
            break;
        if ((err = gc_record(s, txn, slot, &v)))
            break;
        if ((rc = mdb_cursor_del(cur, 0)))
            break;
        ++*deleted;
    }
    if (!err && rc == 0 && (k.mv_size != 12 || memcmp(k.mv_data, start, 4) != 0))
        *done = true;
    else if (!err && rc == MDB_NOTFOUND)
        *done = true, rc = 0;
    if (!err && rc)
        err = sp_store_mdb_err(rc, "gc");
    mdb_cursor_close(cur);
    return err;
}

/* ---- iterator ---------------------------------------------------------- */

static int slot_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct slot_name *)a)->slot, y = ((const struct slot_name *)b)->slot;
    return (x > y) - (x < y);
}

static int load_slots(struct sp_store_keys_iter *it)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    MDB_stat st;
    int rc = mdb_stat(it->txn, it->s->dbi[SP_DB_DATASETS], &st);
    if (!rc)
        rc = mdb_cursor_open(it->txn, it->s->dbi[SP_DB_DATASETS], &cur);
    if (rc)
        return sp_store_mdb_err(rc, "read datasets");
    it->slots = calloc(st.ms_entries ? st.ms_entries : 1, sizeof *it->slots);
    if (!it->slots) {
        mdb_cursor_close(cur);
        return SP_ERR_NOMEM;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && it->nslots < st.ms_entries;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size < 5 || k.mv_size == 0 || k.mv_size > SP_STORE_NAME_MAX)
            continue; /* dsinfo_decode reports malformed entries elsewhere */
        struct slot_name *sn = &it->slots[it->nslots++];
        sn->slot = sp_be32_get((const uint8_t *)v.mv_data + 1);
        memcpy(sn->name, k.mv_data, k.mv_size);
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        return sp_store_mdb_err(rc, "read datasets");
    qsort(it->slots, it->nslots, sizeof *it->slots, slot_cmp);
    return 0;
}

int sp_store_keys_iter_new(struct sp_store *store, uint32_t key_mask,
                           struct sp_store_keys_iter **out)
{
    struct sp_store_keys_iter *it = calloc(1, sizeof *it);
    if (!it)
        return SP_ERR_NOMEM;
    it->s = store;
    it->mask = key_mask & SP_KEY_MASK_ALL;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &it->txn), rc;
    if (!err)
        err = load_slots(it);
    if (!err && (rc = mdb_cursor_open(it->txn, store->dbi[SP_DB_KEYS], &it->cur)))
        err = sp_store_mdb_err(rc, "read keys");
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
    if ((*it)->cur)
        mdb_cursor_close((*it)->cur);
    if ((*it)->txn)
        mdb_txn_abort((*it)->txn);
    free((*it)->slots);
    free(*it);
    *it = NULL;
}

/* Positions the cursor at the first entry of the first wanted type >= from,
 * or returns MDB_NOTFOUND. */
static int seek_type(struct sp_store_keys_iter *it, unsigned from, MDB_val *k, MDB_val *v)
{
    while (from <= SP_KEY_TYPE_MAX && !(it->mask & SP_KEY_MASK(from)))
        from++;
    if (from > SP_KEY_TYPE_MAX)
        return MDB_NOTFOUND;
    uint8_t t = (uint8_t)from;
    *k = (MDB_val){1, &t};
    return mdb_cursor_get(it->cur, k, v, MDB_SET_RANGE);
}

static const struct slot_name *find_slot(const struct sp_store_keys_iter *it, uint32_t slot)
{
    struct slot_name key = {.slot = slot};
    return bsearch(&key, it->slots, it->nslots, sizeof key, slot_cmp);
}

/* Decodes an index entry into ref; returns 1 when it belongs to a current
 * version, 0 to skip it, or SP_ERR_STORE when it is malformed. */
static int decode_entry(struct sp_store_keys_iter *it, const MDB_val *k, const MDB_val *v,
                        struct sp_store_keyref *ref)
{
    const uint8_t *p = k->mv_data;
    const uint8_t *nul = k->mv_size > 2 ? memchr(p + 1, 0, k->mv_size - 1) : NULL;
    size_t vlen = nul ? (size_t)(nul - p - 1) : 0;
    size_t idlen = nul ? k->mv_size - (size_t)(nul - p) - 5 : 0;
    if (!nul || vlen == 0 || vlen > SP_STORE_VALUE_MAX || k->mv_size < vlen + 7 || idlen == 0 ||
        idlen > SP_STORE_RECORD_ID_MAX || v->mv_size != 1) {
        sp_log_error("store: malformed key index entry");
        return SP_ERR_STORE;
    }
    const struct slot_name *sn = find_slot(it, sp_be32_get(nul + 1));
    if (!sn)
        return 0;
    memcpy(it->rid, nul + 5, idlen);
    it->rid[idlen] = '\0';
    ref->type = p[0];
    ref->klass = *(const uint8_t *)v->mv_data;
    ref->value_len = (uint16_t)vlen;
    ref->value = p + 1;
    ref->dataset = sn->name;
    ref->record_id = it->rid;
    return 1;
}

int sp_store_keys_iter_next(struct sp_store_keys_iter *it, struct sp_store_keyref *ref)
{
    MDB_val k, v;
    int rc;
    if (!it->started) {
        it->started = 1;
        rc = seek_type(it, SP_KEY_TYPE_MIN, &k, &v);
    } else {
        rc = mdb_cursor_get(it->cur, &k, &v, MDB_NEXT);
    }
    for (;;) {
        if (rc == MDB_NOTFOUND)
            return SP_ERR_NOT_FOUND;
        if (rc)
            return sp_store_mdb_err(rc, "read keys");
        unsigned type = k.mv_size ? *(const uint8_t *)k.mv_data : 0;
        if (type > SP_KEY_TYPE_MAX)
            return SP_ERR_NOT_FOUND;
        if (!(it->mask & SP_KEY_MASK(type))) {
            rc = seek_type(it, type + 1, &k, &v);
            continue;
        }
        int got = decode_entry(it, &k, &v, ref);
        if (got < 0)
            return got;
        if (got)
            return 0;
        rc = mdb_cursor_get(it->cur, &k, &v, MDB_NEXT);
    }
}

int sp_store_keys_foreach(struct sp_store *store, uint32_t key_mask, sp_store_key_fn fn, void *ctx)
{
    struct sp_store_keys_iter *it = NULL;
    struct sp_store_keyref ref;
    int err = sp_store_keys_iter_new(store, key_mask, &it);
    while (!err && (err = sp_store_keys_iter_next(it, &ref)) == 0)
        err = fn(ctx, &ref);
    sp_store_keys_iter_free(&it);
    return err == SP_ERR_NOT_FOUND ? 0 : err;
}

int sp_store_keys_distinct(struct sp_store *store, uint32_t key_mask, uint64_t counts[16])
{
    struct sp_store_keys_iter *it = NULL;
    struct sp_store_keyref ref;
    uint8_t prev[SP_STORE_VALUE_MAX];
    size_t prev_len = 0;
    unsigned prev_type = 0;
    uint64_t c[16] = {0};
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
