/*
 * Rounds in the state store: the federation engine's opaque round blobs,
 * result rows (staged, then made visible together with the round's final
 * state in one transaction) and incidence counts. Layouts in store_impl.h.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/store_impl.h"

#define RESMETA_BYTES 9
#define COUNT_BYTES   13
#define ROW_MAX_BYTES (3 + SP_STORE_NAME_MAX * 2 + SP_STORE_RECORD_ID_MAX + 5)
#define DELETE_CHUNK  10000

static MDB_val rid_val(const uint8_t round_id[SP_ROUND_ID_BYTES])
{
    return (MDB_val){SP_ROUND_ID_BYTES, (void *)(uintptr_t)round_id};
}

int sp_store_round_put(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                       const void *blob, size_t len)
{
    if (!round_id || (len && !blob) || len > SP_STORE_ROUND_BLOB_MAX)
        return SP_ERR_INVALID_ARG;
    MDB_txn *txn = NULL;
    MDB_val k = rid_val(round_id), v = {len, (void *)(uintptr_t)(blob ? blob : "")};
    int err = sp_store_txn_begin(store, 0, &txn);
    if (err)
        return err;
    int rc = mdb_put(txn, store->dbi[SP_DB_ROUNDS], &k, &v, 0);
    if (rc) {
        sp_store_txn_abort_hooked(store, txn);
        return sp_store_mdb_err(rc, "write round");
    }
    return sp_store_txn_commit_hooked(store, txn, "write round");
}

int sp_store_round_get(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                       void **blob_out, size_t *len_out)
{
    MDB_txn *txn = NULL;
    MDB_val k = rid_val(round_id), v;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    int rc = mdb_get(txn, store->dbi[SP_DB_ROUNDS], &k, &v);
    if (rc == MDB_NOTFOUND)
        err = SP_ERR_NOT_FOUND;
    else if (rc)
        err = sp_store_mdb_err(rc, "read round");
    void *copy = err ? NULL : malloc(v.mv_size ? v.mv_size : 1);
    if (!err && !copy)
        err = SP_ERR_NOMEM;
    if (!err) {
        memcpy(copy, v.mv_data, v.mv_size);
        *blob_out = copy;
        *len_out = v.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}

int sp_store_rounds_foreach(struct sp_store *store, sp_store_round_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn), rc;
    if (err)
        return err;
    if ((rc = mdb_cursor_open(txn, store->dbi[SP_DB_ROUNDS], &cur))) {
        err = sp_store_mdb_err(rc, "list rounds");
        goto out;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !err;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SP_ROUND_ID_BYTES)
            err = SP_ERR_STORE;
        else
            err = fn(ctx, k.mv_data, v.mv_data, v.mv_size);
    }
    if (!err && rc != MDB_NOTFOUND)
        err = sp_store_mdb_err(rc, "list rounds");
out:
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

/* ---- results ----------------------------------------------------------- */

struct resmeta {
    int committed;
    uint64_t rows;
};

static int resmeta_get(struct sp_store *s, MDB_txn *txn, const uint8_t *round_id, struct resmeta *m)
{
    MDB_val k = rid_val(round_id), v;
    int rc = mdb_get(txn, s->dbi[SP_DB_RESMETA], &k, &v);
    *m = (struct resmeta){0, 0};
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return sp_store_mdb_err(rc, "read results");
    if (v.mv_size != RESMETA_BYTES) {
        sp_log_error("store: malformed results header");
        return SP_ERR_STORE;
    }
    m->committed = ((const uint8_t *)v.mv_data)[0] != 0;
    m->rows = sp_be64_get((const uint8_t *)v.mv_data + 1);
    return 0;
}

static int resmeta_put(struct sp_store *s, MDB_txn *txn, const uint8_t *round_id,
                       const struct resmeta *m)
{
    uint8_t b[RESMETA_BYTES];
    b[0] = (uint8_t)m->committed;
    sp_be64_put(b + 1, m->rows);
    MDB_val k = rid_val(round_id), v = {sizeof b, b};
    int rc = mdb_put(txn, s->dbi[SP_DB_RESMETA], &k, &v, 0);
    return rc ? sp_store_mdb_err(rc, "write results") : 0;
}

static bool row_valid(const struct sp_result_row *r)
{
    size_t d = r->dataset ? strlen(r->dataset) : 0, i = r->record_id ? strlen(r->record_id) : 0;
    size_t p = r->partner ? strlen(r->partner) : 0;
    return d >= 1 && d <= SP_STORE_NAME_MAX && i >= 1 && i <= SP_STORE_RECORD_ID_MAX &&
           p <= SP_STORE_NAME_MAX;
}

static size_t row_encode(uint8_t *out, const struct sp_result_row *r)
{
    const char *f[3] = {r->dataset, r->record_id, r->partner ? r->partner : ""};
    uint8_t *p = out;
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(f[i]);
        *p++ = (uint8_t)n;
        memcpy(p, f[i], n);
        p += n;
    }
    sp_be32_put(p, r->key_types);
    p[4] = r->klass;
    return (size_t)(p + 5 - out);
}

/* Decodes a row; strings are copied into bufs (valid while bufs lives). */
static int row_decode(const MDB_val *v, char bufs[3][SP_STORE_RECORD_ID_MAX + 1],
                      struct sp_result_row *r)
{
    const uint8_t *p = v->mv_data, *end = p + v->mv_size;
    int rc = SP_ERR_STORE;
    for (int i = 0; i < 3; i++) {
        if (p >= end || (size_t)(end - p) < 1u + p[0] || p[0] > SP_STORE_RECORD_ID_MAX)
            goto out;
        memcpy(bufs[i], p + 1, p[0]);
        bufs[i][p[0]] = '\0';
        p += 1 + p[0];
    }
    if (end - p != 5)
        goto out;
    r->dataset = bufs[0];
    r->record_id = bufs[1];
    r->partner = bufs[2];
    r->key_types = sp_be32_get(p);
    r->klass = p[4];
    rc = 0;
out:
    if (rc)
        sp_log_error("store: malformed result row");
    return rc;
}

/* Appends rows after the round's existing ones, inside txn; m is updated. */
static int rows_put(struct sp_store *s, MDB_txn *txn, const uint8_t *round_id, struct resmeta *m,
                    const struct sp_result_row *rows, size_t n)
{
    uint8_t key[SP_ROUND_ID_BYTES + 8], row[ROW_MAX_BYTES];
    memcpy(key, round_id, SP_ROUND_ID_BYTES);
    for (size_t i = 0; i < n; i++) {
        if (!row_valid(&rows[i]))
            return SP_ERR_INVALID_ARG;
        sp_be64_put(key + SP_ROUND_ID_BYTES, m->rows);
        MDB_val k = {sizeof key, key}, v = {row_encode(row, &rows[i]), row};
        int rc = mdb_put(txn, s->dbi[SP_DB_RESULTS], &k, &v, 0);
        if (rc)
            return sp_store_mdb_err(rc, "write results");
        m->rows++;
    }
    return 0;
}

int sp_store_results_append(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                            const struct sp_result_row *rows, size_t n)
{
    if (!round_id || (n && !rows))
        return SP_ERR_INVALID_ARG;
    MDB_txn *txn = NULL;
    struct resmeta m;
    int err = sp_store_txn_begin(store, 0, &txn);
    if (err)
        return err;
    err = resmeta_get(store, txn, round_id, &m);
    if (!err && m.committed)
        err = SP_ERR_STATE;
    if (!err)
        err = rows_put(store, txn, round_id, &m, rows, n);
    if (!err)
        err = resmeta_put(store, txn, round_id, &m);
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    return sp_store_txn_commit(txn, "write results");
}

static int counts_put(struct sp_store *s, MDB_txn *txn, const uint8_t *round_id,
                      const struct sp_count_entry *counts, size_t n)
{
    MDB_val k = rid_val(round_id), v = {n * COUNT_BYTES, NULL};
    if (n == 0)
        v.mv_size = 0;
    int rc = mdb_put(txn, s->dbi[SP_DB_COUNTS], &k, &v, MDB_RESERVE);
    if (rc)
        return sp_store_mdb_err(rc, "write counts");
    uint8_t *p = v.mv_data;
    for (size_t i = 0; i < n; i++, p += COUNT_BYTES) {
        p[0] = counts[i].key_type;
        sp_be32_put(p + 1, counts[i].holders);
        sp_be64_put(p + 5, counts[i].count);
    }
    return 0;
}

int sp_store_results_commit(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                            const struct sp_result_row *rows, size_t n,
                            const struct sp_count_entry *counts, size_t ncounts,
                            const void *final_blob, size_t final_len)
{
    if (!round_id || (n && !rows) || (ncounts && !counts) || ncounts > SP_STORE_COUNTS_MAX ||
        (final_len && !final_blob) || final_len > SP_STORE_ROUND_BLOB_MAX)
        return SP_ERR_INVALID_ARG;
    MDB_txn *txn = NULL;
    struct resmeta m;
    MDB_val k = rid_val(round_id),
            v = {final_len, (void *)(uintptr_t)(final_blob ? final_blob : "")};
    int err = sp_store_txn_begin(store, 0, &txn), rc;
    if (err)
        return err;
    err = resmeta_get(store, txn, round_id, &m);
    if (!err && m.committed)
        err = SP_ERR_STATE;
    if (!err)
        err = rows_put(store, txn, round_id, &m, rows, n);
    if (!err)
        err = counts_put(store, txn, round_id, counts, ncounts);
    m.committed = 1;
    if (!err)
        err = resmeta_put(store, txn, round_id, &m);
    if (!err && (rc = mdb_put(txn, store->dbi[SP_DB_ROUNDS], &k, &v, 0)))
        err = sp_store_mdb_err(rc, "write round");
    if (err) {
        sp_store_txn_abort_hooked(store, txn);
        return err;
    }
    return sp_store_txn_commit_hooked(store, txn, "commit results");
}

/* Deletes up to DELETE_CHUNK rows of a round; *left says whether any remain. */
static int delete_chunk(struct sp_store *s, const uint8_t *round_id, bool *left)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    uint8_t start[SP_ROUND_ID_BYTES + 8] = {0};
    memcpy(start, round_id, SP_ROUND_ID_BYTES);
    MDB_val k, v;
    size_t n = 0;
    int err = sp_store_txn_begin(s, 0, &txn), rc;
    if (err)
        return err;
    if ((rc = mdb_cursor_open(txn, s->dbi[SP_DB_RESULTS], &cur)))
        goto out;
    for (;;) {
        k = (MDB_val){sizeof start, start};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        *left = rc == 0 && k.mv_size == sizeof start &&
                memcmp(k.mv_data, round_id, SP_ROUND_ID_BYTES) == 0;
        if (!*left || n == DELETE_CHUNK)
            break;
        if ((rc = mdb_cursor_del(cur, 0)))
            goto out;
        n++;
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
out:
    mdb_cursor_close(cur);
    if (rc) {
        mdb_txn_abort(txn);
        return sp_store_mdb_err(rc, "delete results");
    }
    return sp_store_txn_commit(txn, "delete results");
}

int sp_store_round_delete_results(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES])
{
    MDB_txn *txn = NULL;
    MDB_val k = rid_val(round_id);
    bool left = true;
    int err = 0, rc;
    /* The header goes first: from then on no reader sees the rows as
     * committed, however far the chunked deletion gets. */
    if ((err = sp_store_txn_begin(store, 0, &txn)))
        return err;
    rc = mdb_del(txn, store->dbi[SP_DB_RESMETA], &k, NULL);
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = mdb_del(txn, store->dbi[SP_DB_COUNTS], &k, NULL);
    if (rc && rc != MDB_NOTFOUND) {
        sp_store_txn_abort_hooked(store, txn);
        return sp_store_mdb_err(rc, "delete results");
    }
    if ((err = sp_store_txn_commit_hooked(store, txn, "delete results")))
        return err;
    while (!err && left)
        err = delete_chunk(store, round_id, &left);
    return err;
}

int sp_store_results_committed(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                               bool *committed)
{
    MDB_txn *txn = NULL;
    struct resmeta m;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = resmeta_get(store, txn, round_id, &m);
    mdb_txn_abort(txn);
    if (!err)
        *committed = m.committed;
    return err;
}

int sp_store_results_total(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                           uint64_t *total)
{
    MDB_txn *txn = NULL;
    struct resmeta m;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn);
    if (err)
        return err;
    err = resmeta_get(store, txn, round_id, &m);
    mdb_txn_abort(txn);
    if (!err)
        *total = m.committed ? m.rows : 0;
    return err;
}

int sp_store_results_foreach(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                             uint64_t offset, uint64_t limit, sp_store_result_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    struct resmeta m;
    uint8_t key[SP_ROUND_ID_BYTES + 8];
    char bufs[3][SP_STORE_RECORD_ID_MAX + 1];
    struct sp_result_row row;
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn), rc = 0;
    if (err)
        return err;
    err = resmeta_get(store, txn, round_id, &m);
    if (err || !m.committed || offset >= m.rows)
        goto out;
    if ((rc = mdb_cursor_open(txn, store->dbi[SP_DB_RESULTS], &cur))) {
        err = sp_store_mdb_err(rc, "read results");
        goto out;
    }
    memcpy(key, round_id, SP_ROUND_ID_BYTES);
    sp_be64_put(key + SP_ROUND_ID_BYTES, offset);
    MDB_val k = {sizeof key, key}, v;
    uint64_t end = (m.rows - offset < limit) ? m.rows : offset + limit;
    for (uint64_t i = offset; i < end && !err; i++) {
        rc = mdb_cursor_get(cur, &k, &v, i == offset ? MDB_SET_KEY : MDB_NEXT);
        if (!rc && (k.mv_size != sizeof key ||
                    sp_be64_get((const uint8_t *)k.mv_data + SP_ROUND_ID_BYTES) != i))
            rc = MDB_CORRUPTED;
        if (rc)
            err = sp_store_mdb_err(rc, "read results");
        if (!err)
            err = row_decode(&v, bufs, &row);
        if (!err)
            err = fn(ctx, i, &row);
    }
out:
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

int sp_store_counts_get(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                        struct sp_count_entry **out, size_t *n)
{
    MDB_txn *txn = NULL;
    struct resmeta m;
    MDB_val k = rid_val(round_id), v = {0, NULL};
    int err = sp_store_txn_begin(store, MDB_RDONLY, &txn), rc;
    if (err)
        return err;
    err = resmeta_get(store, txn, round_id, &m);
    if (!err && !m.committed)
        err = SP_ERR_NOT_FOUND;
    if (!err && (rc = mdb_get(txn, store->dbi[SP_DB_COUNTS], &k, &v)))
        err = rc == MDB_NOTFOUND ? SP_ERR_NOT_FOUND : sp_store_mdb_err(rc, "read counts");
    if (!err && v.mv_size % COUNT_BYTES)
        err = SP_ERR_STORE;
    size_t cnt = err ? 0 : v.mv_size / COUNT_BYTES;
    struct sp_count_entry *arr = err ? NULL : calloc(cnt ? cnt : 1, sizeof *arr);
    if (!err && !arr)
        err = SP_ERR_NOMEM;
    const uint8_t *p = v.mv_data;
    for (size_t i = 0; !err && i < cnt; i++, p += COUNT_BYTES)
        arr[i] = (struct sp_count_entry){p[0], sp_be32_get(p + 1), sp_be64_get(p + 5)};
    mdb_txn_abort(txn);
    if (err)
        return err;
    *out = arr;
    *n = cnt;
    return 0;
}
