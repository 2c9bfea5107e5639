/*
 * The audit log in LMDB (see audit_log.h): sealing entries with the node's
 * key, staging them for the transaction of the change they record, and the
 * head kept next to the records.
 */
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/identity.h"
#include "daemon/audit_log.h"
#include "daemon/log.h"
#include "daemon/store.h"

#define DB_LOG          "audit.log"
#define DB_META         "audit.meta"
#define META_HEAD       "head"
#define MAX_META_NAME   24
#define MAX_STAGED_META 8

struct staged_rec {
    uint8_t *rec; /* entry bytes || signature */
    size_t len;
    uint64_t seq;
};

struct staged_meta {
    char name[MAX_META_NAME];
    uint8_t val[SP_AUDIT_META_MAX];
    size_t len;
};

struct sp_audit_log {
    MDB_env *env;
    MDB_dbi log_dbi, meta_dbi;
    char node[SP_AUDIT_NAME_MAX + 1];
    const struct sp_identity *id;
    /* committed: entries 0..count-1, hash of the last one (zeros if none) */
    uint64_t count;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    /* staged on top of the committed log */
    struct staged_rec st[SP_AUDIT_LOG_MAX_STAGED];
    size_t nst;
    struct staged_meta sm[MAX_STAGED_META];
    size_t nsm;
    uint64_t st_count;
    uint8_t st_hash[SP_AUDIT_HASH_BYTES];
};

static void be64_put(uint8_t p[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t be64_get(const uint8_t p[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static int mdb_fail(int rc, const char *op)
{
    sp_log_error("audit log: %s: %s", op, mdb_strerror(rc));
    return rc == MDB_MAP_FULL ? SP_ERR_STORE_FULL : rc == ENOMEM ? SP_ERR_NOMEM : SP_ERR_STORE;
}

/* sp_audit_sign_fn over the node's identity. */
static int sign_cb(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg, size_t len)
{
    return sp_identity_sign(ctx, sig, msg, len);
}

static void *identity_ctx(const struct sp_audit_log *log)
{
    /* sp_identity_sign takes the identity as const; the callback type
     * cannot say so. */
    return (void *)(uintptr_t)log->id;
}

/* ---- open: read the head back ------------------------------------------ */

static int open_dbis(struct sp_audit_log *log)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(log->env, NULL, 0, &txn);
    if (rc)
        return mdb_fail(rc, "begin transaction");
    if ((rc = mdb_dbi_open(txn, DB_LOG, MDB_CREATE, &log->log_dbi)) ||
        (rc = mdb_dbi_open(txn, DB_META, MDB_CREATE, &log->meta_dbi))) {
        mdb_txn_abort(txn);
        return mdb_fail(rc, "open databases");
    }
    rc = mdb_txn_commit(txn);
    return rc ? mdb_fail(rc, "open databases") : 0;
}

/* The stored head must name the last record, whose hash it is. */
static int check_head(struct sp_audit_log *log, MDB_txn *txn)
{
    MDB_val hk = {strlen(META_HEAD), (void *)(uintptr_t)META_HEAD}, hv, k, v;
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(txn, log->log_dbi, &cur);
    if (rc)
        return mdb_fail(rc, "open cursor");
    int last = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    int head = mdb_get(txn, log->meta_dbi, &hk, &hv);
    int err = 0;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    if (last == MDB_NOTFOUND && head == MDB_NOTFOUND)
        goto out; /* a new log */
    if (last && last != MDB_NOTFOUND) {
        err = mdb_fail(last, "read the last entry");
        goto out;
    }
    if (head && head != MDB_NOTFOUND) {
        err = mdb_fail(head, "read the head");
        goto out;
    }
    err = SP_ERR_AUDIT;
    if (last || head || hv.mv_size != 8 + SP_AUDIT_HASH_BYTES || k.mv_size != 8 ||
        be64_get(hv.mv_data) != be64_get(k.mv_data) ||
        sp_audit_record_open(v.mv_data, v.mv_size, NULL, NULL, hash) != 0 ||
        memcmp(hash, (const uint8_t *)hv.mv_data + 8, SP_AUDIT_HASH_BYTES) != 0) {
        sp_log_error("audit log: the stored head does not match the last record: the log is "
                     "damaged");
        goto out;
    }
    err = 0;
    log->count = be64_get(k.mv_data) + 1;
    memcpy(log->hash, hash, sizeof hash);
out:
    mdb_cursor_close(cur);
    return err;
}

int sp_audit_log_open(struct MDB_env *env, const char *node, const struct sp_identity *id,
                      struct sp_audit_log **out)
{
    if (!env || !node || !id || !out || !sp_audit_name_valid(node, strlen(node)))
        return SP_ERR_INVALID_ARG;
    struct sp_audit_log *log = calloc(1, sizeof *log);
    if (!log)
        return SP_ERR_NOMEM;
    log->env = env;
    log->id = id;
    snprintf(log->node, sizeof log->node, "%s", node);
    MDB_txn *txn = NULL;
    int err = open_dbis(log), rc;
    if (!err && (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)))
        err = mdb_fail(rc, "begin transaction");
    if (!err)
        err = check_head(log, txn);
    if (txn)
        mdb_txn_abort(txn);
    if (err) {
        free(log);
        return err;
    }
    log->st_count = log->count;
    memcpy(log->st_hash, log->hash, sizeof log->hash);
    *out = log;
    return 0;
}

void sp_audit_log_close(struct sp_audit_log **log)
{
    if (!log || !*log)
        return;
    sp_audit_log_discard(*log);
    free(*log);
    *log = NULL;
}

/* ---- staging ----------------------------------------------------------- */

void sp_audit_log_discard(struct sp_audit_log *log)
{
    for (size_t i = 0; i < log->nst; i++)
        free(log->st[i].rec);
    log->nst = 0;
    log->nsm = 0;
    log->st_count = log->count;
    memcpy(log->st_hash, log->hash, sizeof log->hash);
}

size_t sp_audit_log_staged(const struct sp_audit_log *log)
{
    return log->nst;
}

int sp_audit_log_stage(struct sp_audit_log *log, struct sp_audit_entry **e, uint64_t now)
{
    uint8_t *rec = NULL, hash[SP_AUDIT_HASH_BYTES];
    size_t len = 0;
    int err = log->nst == SP_AUDIT_LOG_MAX_STAGED ? SP_ERR_OVERFLOW : 0;
    if (!err && !(rec = malloc(SP_AUDIT_RECORD_MAX_BYTES)))
        err = SP_ERR_NOMEM;
    if (!err)
        err = sp_audit_entry_seal(*e, log->st_count, now, log->st_hash, sign_cb, identity_ctx(log),
                                  rec, SP_AUDIT_RECORD_MAX_BYTES, &len, hash);
    sp_audit_entry_free(e);
    if (err) {
        free(rec);
        sp_log_error("audit log: cannot seal an entry: %s", sp_strerror(err));
        return err;
    }
    log->st[log->nst++] = (struct staged_rec){rec, len, log->st_count};
    log->st_count++;
    memcpy(log->st_hash, hash, sizeof hash);
    return 0;
}

int sp_audit_log_stage_meta(struct sp_audit_log *log, const char *name, const void *val, size_t len)
{
    if (!name || strlen(name) >= MAX_META_NAME || strcmp(name, META_HEAD) == 0 || len == 0 ||
        len > SP_AUDIT_META_MAX)
        return SP_ERR_INVALID_ARG;
    struct staged_meta *m = NULL;
    for (size_t i = 0; i < log->nsm && !m; i++)
        if (strcmp(log->sm[i].name, name) == 0)
            m = &log->sm[i];
    if (!m && log->nsm == MAX_STAGED_META)
        return SP_ERR_OVERFLOW;
    if (!m)
        m = &log->sm[log->nsm++];
    snprintf(m->name, sizeof m->name, "%s", name);
    memcpy(m->val, val, len);
    m->len = len;
    return 0;
}

/* Writes the staged records, the new head and staged facts into txn. */
static int write_staged(struct sp_audit_log *log, MDB_txn *txn)
{
    uint8_t key[8], head[8 + SP_AUDIT_HASH_BYTES];
    int rc = 0;
    for (size_t i = 0; i < log->nst && !rc; i++) {
        be64_put(key, log->st[i].seq);
        MDB_val k = {8, key}, v = {log->st[i].len, log->st[i].rec};
        /* MDB_APPEND refuses a key that is not above every key there:
         * nothing can be written twice or out of order. */
        rc = mdb_put(txn, log->log_dbi, &k, &v, MDB_APPEND | MDB_NOOVERWRITE);
    }
    if (!rc && log->nst) {
        be64_put(head, log->st_count - 1);
        memcpy(head + 8, log->st_hash, SP_AUDIT_HASH_BYTES);
        MDB_val k = {strlen(META_HEAD), (void *)(uintptr_t)META_HEAD}, v = {sizeof head, head};
        rc = mdb_put(txn, log->meta_dbi, &k, &v, 0);
    }
    for (size_t i = 0; i < log->nsm && !rc; i++) {
        MDB_val k = {strlen(log->sm[i].name), log->sm[i].name},
                v = {log->sm[i].len, log->sm[i].val};
        rc = mdb_put(txn, log->meta_dbi, &k, &v, 0);
    }
    return rc ? mdb_fail(rc, "write entries") : 0;
}

/* The staged entries are now committed. */
static void staged_committed(struct sp_audit_log *log)
{
    for (size_t i = 0; i < log->nst; i++)
        free(log->st[i].rec);
    log->nst = 0;
    log->nsm = 0;
    log->count = log->st_count;
    memcpy(log->hash, log->st_hash, sizeof log->hash);
}

int sp_audit_log_flush(struct sp_audit_log *log)
{
    if (log->nst == 0 && log->nsm == 0)
        return 0;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(log->env, NULL, 0, &txn);
    int err = rc ? mdb_fail(rc, "begin transaction") : write_staged(log, txn);
    if (!rc && err)
        mdb_txn_abort(txn);
    if (!rc && !err && (rc = mdb_txn_commit(txn)))
        err = mdb_fail(rc, "commit entries");
    if (err)
        sp_audit_log_discard(log);
    else
        staged_committed(log);
    return err;
}

int sp_audit_log_append(struct sp_audit_log *log, struct sp_audit_entry **e, uint64_t now)
{
    int err = sp_audit_log_stage(log, e, now);
    return err ? err : sp_audit_log_flush(log);
}

static int hook_pre(void *ctx, MDB_txn *txn)
{
    struct sp_audit_log *log = ctx;
    return (log->nst || log->nsm) ? write_staged(log, txn) : 0;
}

static void hook_post(void *ctx, bool committed)
{
    struct sp_audit_log *log = ctx;
    if (committed)
        staged_committed(log);
    else
        sp_audit_log_discard(log);
}

void sp_audit_log_hook(struct sp_audit_log *log, struct sp_store_hook *out)
{
    out->pre_commit = hook_pre;
    out->post_commit = hook_post;
    out->ctx = log;
}

/* ---- reading ----------------------------------------------------------- */

bool sp_audit_log_head(const struct sp_audit_log *log, uint64_t *seq,
                       uint8_t hash[SP_AUDIT_HASH_BYTES])
{
    if (log->count == 0)
        return false;
    if (seq)
        *seq = log->count - 1;
    if (hash)
        memcpy(hash, log->hash, SP_AUDIT_HASH_BYTES);
    return true;
}

uint64_t sp_audit_log_count(const struct sp_audit_log *log)
{
    return log->count;
}

int sp_audit_log_head_signed(struct sp_audit_log *log, struct sp_audit_head *h)
{
    if (log->count == 0)
        return SP_ERR_STATE;
    memset(h, 0, sizeof *h);
    snprintf(h->node, sizeof h->node, "%s", log->node);
    h->seq = log->count - 1;
    memcpy(h->hash, log->hash, SP_AUDIT_HASH_BYTES);
    return sp_audit_head_sign(h, sign_cb, identity_ctx(log));
}

int sp_audit_log_read(struct sp_audit_log *log, uint64_t from_seq, uint32_t limit, size_t max_bytes,
                      sp_audit_log_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    uint8_t key[8];
    be64_put(key, from_seq);
    MDB_val k = {8, key}, v;
    int rc = mdb_txn_begin(log->env, NULL, MDB_RDONLY, &txn), err = 0;
    size_t total = 0;
    if (rc)
        return mdb_fail(rc, "begin transaction");
    if ((rc = mdb_cursor_open(txn, log->log_dbi, &cur))) {
        err = mdb_fail(rc, "open cursor");
        goto out;
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (uint32_t n = 0; !rc && !err && n < limit; n++) {
        if (n > 0 && total + v.mv_size > max_bytes)
            break;
        total += v.mv_size;
        err = k.mv_size == 8 ? fn(ctx, be64_get(k.mv_data), v.mv_data, v.mv_size) : SP_ERR_AUDIT;
        if (!err)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (!err && rc && rc != MDB_NOTFOUND)
        err = mdb_fail(rc, "read entries");
out:
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

int sp_audit_log_meta_get(struct sp_audit_log *log, const char *name,
                          uint8_t val[SP_AUDIT_META_MAX], size_t *len)
{
    MDB_txn *txn = NULL;
    MDB_val k = {strlen(name), (void *)(uintptr_t)name}, v;
    int rc = mdb_txn_begin(log->env, NULL, MDB_RDONLY, &txn), err = 0;
    if (rc)
        return mdb_fail(rc, "begin transaction");
    rc = mdb_get(txn, log->meta_dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        err = SP_ERR_NOT_FOUND;
    else if (rc)
        err = mdb_fail(rc, "read meta");
    else if (v.mv_size > SP_AUDIT_META_MAX)
        err = SP_ERR_AUDIT;
    if (!err) {
        memcpy(val, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}
