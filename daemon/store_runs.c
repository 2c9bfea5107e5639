/* The counting node's scratch (store.h, "round.final"): one sorted run per
 * FINAL batch, written once in a short transaction, read by the merge
 * through one read transaction, deleted in slices. Key: round id |
 * participant | key type | seq (big-endian). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store_impl.h"

#define RUN_KEY_BYTES (SP_ROUND_ID_BYTES + 1 + 1 + 4)

struct sp_store_runs_reader {
    struct sp_store *s;
    MDB_txn *txn;
};

static void run_key(uint8_t k[RUN_KEY_BYTES], const uint8_t *id, uint8_t p, uint8_t type,
                    uint32_t seq)
{
    memcpy(k, id, SP_ROUND_ID_BYTES);
    k[SP_ROUND_ID_BYTES] = p;
    k[SP_ROUND_ID_BYTES + 1] = type;
    sp_be32_put(k + SP_ROUND_ID_BYTES + 2, seq);
}

int sp_store_runs_clear(struct sp_store *s)
{
    MDB_txn *txn = NULL;
    int err = sp_store_txn_begin(s, 0, &txn);
    if (err)
        return err;
    int rc = mdb_drop(txn, s->dbi[SP_DB_RUNS], 0);
    if (rc) {
        mdb_txn_abort(txn);
        return sp_store_mdb_err(rc, "clear round.final");
    }
    return sp_store_txn_commit(txn, "clear round.final");
}

int sp_store_run_put(struct sp_store *s, const uint8_t round_id[SP_ROUND_ID_BYTES],
                     uint8_t participant, uint8_t key_type, uint32_t seq, const void *run,
                     size_t len)
{
    uint8_t k[RUN_KEY_BYTES];
    MDB_txn *txn = NULL;
    int err = sp_store_txn_begin(s, 0, &txn);
    if (err)
        return err;
    run_key(k, round_id, participant, key_type, seq);
    MDB_val key = {sizeof(k), k}, val = {len, NULL};
    int rc = mdb_put(txn, s->dbi[SP_DB_RUNS], &key, &val, MDB_RESERVE);
    if (rc == 0)
        memcpy(val.mv_data, run, len);
    if (rc) {
        mdb_txn_abort(txn);
        return sp_store_mdb_err(rc, "write round.final");
    }
    return sp_store_txn_commit(txn, "write round.final");
}

int sp_store_runs_read_begin(struct sp_store *s, struct sp_store_runs_reader **out)
{
    struct sp_store_runs_reader *rd = calloc(1, sizeof(*rd));
    if (!rd)
        return SP_ERR_NOMEM;
    int err = sp_store_txn_begin(s, MDB_RDONLY, &rd->txn);
    if (err) {
        free(rd);
        return err;
    }
    rd->s = s;
    *out = rd;
    return 0;
}

int sp_store_run_get(struct sp_store_runs_reader *rd, const uint8_t round_id[SP_ROUND_ID_BYTES],
                     uint8_t participant, uint8_t key_type, uint32_t seq, const void **run,
                     size_t *len)
{
    uint8_t k[RUN_KEY_BYTES];
    run_key(k, round_id, participant, key_type, seq);
    MDB_val key = {sizeof(k), k}, val;
    int rc = mdb_get(rd->txn, rd->s->dbi[SP_DB_RUNS], &key, &val);
    if (rc == MDB_NOTFOUND)
        return SP_ERR_NOT_FOUND;
    if (rc)
        return sp_store_mdb_err(rc, "read round.final");
    *run = val.mv_data;
    *len = val.mv_size;
    return 0;
}

void sp_store_runs_read_end(struct sp_store_runs_reader *rd)
{
    if (!rd)
        return;
    mdb_txn_abort(rd->txn);
    free(rd);
}

/* Deletes up to *budget entries whose key starts with the round id. */
static int delete_prefix(MDB_txn *txn, MDB_dbi dbi, const uint8_t *id, size_t *budget, bool *more)
{
    MDB_cursor *cur;
    uint8_t from[SP_ROUND_ID_BYTES];
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return rc;
    memcpy(from, id, sizeof(from));
    MDB_val k = {sizeof(from), from}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= SP_ROUND_ID_BYTES &&
           memcmp(k.mv_data, id, SP_ROUND_ID_BYTES) == 0) {
        if (*budget == 0) {
            *more = true;
            break;
        }
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        (*budget)--;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == EINVAL) /* deleted the last entry */
            rc = MDB_NOTFOUND;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int sp_store_runs_delete(struct sp_store *s, const uint8_t round_id[SP_ROUND_ID_BYTES],
                         size_t budget, bool *more)
{
    MDB_txn *txn = NULL;
    *more = false;
    int err = sp_store_txn_begin(s, 0, &txn);
    if (err)
        return err;
    int rc = delete_prefix(txn, s->dbi[SP_DB_RUNS], round_id, &budget, more);
    if (rc) {
        mdb_txn_abort(txn);
        return sp_store_mdb_err(rc, "delete round.final");
    }
    return sp_store_txn_commit(txn, "delete round.final");
}
