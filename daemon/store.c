/*
 * The state store's environment: opening LMDB, the one-daemon-per-state-dir
 * lock, recovery of loads interrupted by a crash, and garbage collection of
 * superseded dataset versions. Layouts are described in store_impl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/store_impl.h"

static const char *const db_names[SP_DB_COUNT] = {
    [SP_DB_META] = "sp.meta",        [SP_DB_DATASETS] = "sp.datasets",
    [SP_DB_LOADS] = "sp.loads",      [SP_DB_GARBAGE] = "sp.garbage",
    [SP_DB_STAGE] = "sp.stage",      [SP_DB_KEYS] = "sp.keys",
    [SP_DB_ROUNDS] = "sp.rounds",    [SP_DB_RESMETA] = "sp.resmeta",
    [SP_DB_RESULTS] = "sp.results",  [SP_DB_COUNTS] = "sp.counts",
    [SP_DB_RUNS] = "round.final",    [SP_DB_CASE_OWN] = "case.own",
    [SP_DB_CASE_FP] = "case.fp",     [SP_DB_CASE_DELTA] = "case.delta",
    [SP_DB_CASE_META] = "case.meta", [SP_DB_CASE_QUOTA] = "case.quota",
};

int sp_store_mdb_err(int rc, const char *op)
{
    sp_log_error("store: %s: %s", op, mdb_strerror(rc));
    if (rc == MDB_MAP_FULL)
        return SP_ERR_STORE_FULL;
    if (rc == ENOMEM)
        return SP_ERR_NOMEM;
    return SP_ERR_STORE;
}

int sp_store_txn_begin(struct sp_store *s, unsigned flags, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, flags, txn);
    return rc ? sp_store_mdb_err(rc, "begin transaction") : 0;
}

int sp_store_txn_commit(MDB_txn *txn, const char *op)
{
    int rc = mdb_txn_commit(txn);
    return rc ? sp_store_mdb_err(rc, op) : 0;
}

int sp_store_txn_commit_hooked(struct sp_store *s, MDB_txn *txn, const char *op)
{
    int err = s->hook.pre_commit ? s->hook.pre_commit(s->hook.ctx, txn) : 0;
    if (err)
        mdb_txn_abort(txn);
    else
        err = sp_store_txn_commit(txn, op);
    if (s->hook.post_commit)
        s->hook.post_commit(s->hook.ctx, err == 0);
    return err;
}

void sp_store_txn_abort_hooked(struct sp_store *s, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    if (s->hook.post_commit)
        s->hook.post_commit(s->hook.ctx, false);
}

void sp_store_set_hook(struct sp_store *store, const struct sp_store_hook *hook)
{
    if (hook)
        store->hook = *hook;
    else
        memset(&store->hook, 0, sizeof store->hook);
}

struct MDB_env *sp_store_env(struct sp_store *store)
{
    return store->env;
}

uint32_t sp_store_format(const struct sp_store *store)
{
    return store->format;
}

/* One daemon per state directory: LMDB itself would let two processes share
 * the environment, but two daemons would also share a control socket path
 * and run each other's rounds. flock is released when the process dies. */
static int lock_state_dir(const char *dir, int *fd_out)
{
    char path[4200];
    int n = snprintf(path, sizeof path, "%s/lock", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return SP_ERR_INVALID_ARG;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        sp_log_error("store: cannot open %s: %s", path, strerror(errno));
        return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        sp_log_error("store: state directory %s is in use by another snijpuntd", dir);
        close(fd);
        return SP_ERR_BUSY;
    }
    *fd_out = fd;
    return 0;
}

static int open_env(struct sp_store *s, const char *dir, uint64_t map_bytes)
{
    char path[4200];
    int n = snprintf(path, sizeof path, "%s/%s", dir, SP_STORE_FILE_NAME);
    if (n < 0 || (size_t)n >= sizeof path)
        return SP_ERR_INVALID_ARG;
    int rc = mdb_env_create(&s->env);
    if (rc)
        return sp_store_mdb_err(rc, "create environment");
    if ((rc = mdb_env_set_mapsize(s->env, (size_t)map_bytes)) ||
        (rc = mdb_env_set_maxdbs(s->env, SP_STORE_MAX_DBS)) ||
        (rc = mdb_env_set_maxreaders(s->env, 126)))
        return sp_store_mdb_err(rc, "configure environment");
    rc = mdb_env_open(s->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
    if (rc) {
        sp_log_error("store: cannot open %s", path);
        return sp_store_mdb_err(rc, "open environment");
    }
    s->max_key = (size_t)mdb_env_get_maxkeysize(s->env);
    return 0;
}

static int open_dbis(struct sp_store *s)
{
    MDB_txn *txn = NULL;
    int err = sp_store_txn_begin(s, 0, &txn);
    if (err)
        return err;
    for (int i = 0; i < SP_DB_COUNT; i++) {
        int rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
        if (rc) {
            mdb_txn_abort(txn);
            return sp_store_mdb_err(rc, db_names[i]);
        }
    }
    return sp_store_txn_commit(txn, "open databases");
}

/* The store's format version (sp.meta "format" -> u32, big-endian).
 *
 * A build knows SP_STORE_FORMAT_VERSION. Opening a store:
 *  - without the record: a new (empty) store is this version and is stamped
 *    so; one made before versions were recorded is version 1 and is stamped
 *    so, then migrated;
 *  - of this version: opened;
 *  - older: migrated step by step (migrate_from, one function per version,
 *    each in its own write transaction that also stamps the new version, so
 *    an interrupted migration resumes where it stopped); a version without a
 *    step is refused;
 *  - newer: refused. The store is never written before it is understood.
 * Every refusal names both versions and what to do. */
static int read_format(MDB_txn *txn, MDB_dbi meta, uint32_t *version)
{
    MDB_val k = {6, "format"}, v;
    int rc = mdb_get(txn, meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *version = 0;
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size != 4)
        return MDB_CORRUPTED;
    *version = sp_be32_get(v.mv_data);
    return 0;
}

static int stamp_format(MDB_txn *txn, MDB_dbi meta, uint32_t version)
{
    uint8_t b[4];
    sp_be32_put(b, version);
    MDB_val k = {6, "format"}, v = {4, b};
    return mdb_put(txn, meta, &k, &v, 0);
}

/* One migration step from version `from` to from + 1, inside txn.
 * 1 -> 2: case.meta's record gains the kept key-type mask. */
static int migrate_from(struct sp_store *s, MDB_txn *txn, uint32_t from)
{
    switch (from) {
    case 1:
        return sp_store_case_migrate_2(s, txn);
    default:
        return SP_ERR_UNSUPPORTED;
    }
}

/* Whether no database holds an entry (a store created just now). */
static int store_empty(struct sp_store *s, MDB_txn *txn, bool *empty)
{
    MDB_stat st;
    *empty = true;
    for (size_t i = 0; i < SP_DB_COUNT && *empty; i++) {
        int rc = mdb_stat(txn, s->dbi[i], &st);
        if (rc)
            return rc;
        *empty = st.ms_entries == 0;
    }
    return 0;
}

static int refuse_format(const char *path, uint32_t found)
{
    if (found > SP_STORE_FORMAT_VERSION)
        sp_log_error("store: %s is store format version %u, but this snijpuntd understands "
                     "version %u at most: run the snijpuntd that wrote it (or a newer one), or "
                     "restore a backup made with this version",
                     path, found, SP_STORE_FORMAT_VERSION);
    else
        sp_log_error("store: %s is store format version %u, which this snijpuntd (store format "
                     "version %u) cannot migrate: migrate it with an older snijpuntd first, or "
                     "restore a backup of version %u",
                     path, found, SP_STORE_FORMAT_VERSION, SP_STORE_FORMAT_VERSION);
    return SP_ERR_UNSUPPORTED;
}

/* One transaction of check_format: reads the version and accepts it
 * (*done), refuses it, or records or migrates the store one version on. */
static int format_step(struct sp_store *s, const char *path, bool *done)
{
    MDB_txn *txn = NULL;
    uint32_t v = 0, stamp = 1;
    bool empty = false;
    int err = sp_store_txn_begin(s, 0, &txn), rc;
    if (err)
        return err;
    if ((rc = read_format(txn, s->dbi[SP_DB_META], &v))) {
        err = sp_store_mdb_err(rc, "read the store format version");
        goto out;
    }
    if (v >= SP_STORE_FORMAT_VERSION) {
        if (v == SP_STORE_FORMAT_VERSION)
            s->format = v;
        else
            err = refuse_format(path, v);
        *done = true;
        goto out;
    }
    if (v == 0) { /* new, or before versions were recorded: version 1's layout */
        if (!(rc = store_empty(s, txn, &empty)) && empty)
            stamp = SP_STORE_FORMAT_VERSION;
        if (rc || (rc = stamp_format(txn, s->dbi[SP_DB_META], stamp))) {
            err = sp_store_mdb_err(rc, "stamp the store format version");
            goto out;
        }
        sp_log_info("store: %s recorded as store format version %u", path, stamp);
    } else {
        err = migrate_from(s, txn, v);
        if (!err && (rc = stamp_format(txn, s->dbi[SP_DB_META], v + 1)))
            err = sp_store_mdb_err(rc, "stamp the store format version");
        if (err) {
            err = err == SP_ERR_UNSUPPORTED ? refuse_format(path, v) : err;
            goto out;
        }
        sp_log_warn("store: %s migrated from store format version %u to %u", path, v, v + 1);
    }
    err = sp_store_txn_commit(txn, "store format version");
    txn = NULL; /* committed or, on failure, freed by the commit */
out:
    mdb_txn_abort(txn);
    return err;
}

static int check_format(struct sp_store *s, const char *dir)
{
    char path[4200];
    bool done = false;
    int err = 0;
    snprintf(path, sizeof path, "%s/%s", dir, SP_STORE_FILE_NAME);
    while (!err && !done)
        err = format_step(s, path, &done);
    return err;
}

/* Loads that were in progress when the previous process stopped can never
 * be finished: their staging becomes garbage, the current versions stay. */
static int recover_loads(struct sp_store *s)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    int err = sp_store_txn_begin(s, 0, &txn), rc;
    if (err)
        return err;
    MDB_val k, v, empty = {0, ""};
    size_t n = 0;
    if ((rc = mdb_cursor_open(txn, s->dbi[SP_DB_LOADS], &cur)))
        goto out;
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
        if ((rc = mdb_put(txn, s->dbi[SP_DB_GARBAGE], &k, &empty, 0)) ||
            (rc = mdb_cursor_del(cur, 0)))
            goto out;
        n++;
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
out:
    mdb_cursor_close(cur);
    if (rc) {
        mdb_txn_abort(txn);
        return sp_store_mdb_err(rc, "recover loads");
    }
    if (n)
        sp_log_warn("store: %zu interrupted load(s) discarded; previous versions kept", n);
    return sp_store_txn_commit(txn, "recover loads");
}

int sp_store_open(const char *state_dir, uint64_t map_bytes, struct sp_store **out)
{
    if (!state_dir || !*state_dir || !out)
        return SP_ERR_INVALID_ARG;
    if (map_bytes == 0)
        map_bytes = SP_STORE_DEFAULT_MAP_BYTES;
    if (map_bytes > SIZE_MAX)
        return SP_ERR_INVALID_ARG;
    struct sp_store *s = calloc(1, sizeof *s);
    if (!s)
        return SP_ERR_NOMEM;
    s->lock_fd = -1;
    int err = (s->dir = strdup(state_dir)) ? 0 : SP_ERR_NOMEM;
    if (!err)
        err = lock_state_dir(state_dir, &s->lock_fd);
    if (!err)
        err = open_env(s, state_dir, map_bytes);
    if (!err)
        err = open_dbis(s);
    if (!err)
        err = check_format(s, state_dir);
    if (!err)
        err = recover_loads(s);
    if (err) {
        sp_store_close(&s);
        return err;
    }
    *out = s;
    return 0;
}

void sp_store_close(struct sp_store **store)
{
    if (!store || !*store)
        return;
    struct sp_store *s = *store;
    if (s->env)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->dir);
    free(s);
    *store = NULL;
}

int sp_store_backup(struct sp_store *store, int fd)
{
    if (!store || fd < 0)
        return SP_ERR_INVALID_ARG;
    int rc = mdb_env_copyfd2(store->env, fd, MDB_CP_COMPACT);
    if (rc == EIO || rc == ENOSPC || rc == EPIPE) {
        sp_log_error("store: backup: %s", strerror(rc));
        return SP_ERR_IO;
    }
    return rc ? sp_store_mdb_err(rc, "backup") : 0;
}

int sp_store_usage(struct sp_store *store, uint64_t *file_bytes, uint64_t *used_bytes,
                   uint64_t *map_bytes)
{
    MDB_envinfo info;
    MDB_stat st;
    const char *path = NULL;
    struct stat fs;
    int rc = mdb_env_info(store->env, &info);
    if (!rc)
        rc = mdb_env_stat(store->env, &st);
    if (!rc)
        rc = mdb_env_get_path(store->env, &path);
    if (rc)
        return sp_store_mdb_err(rc, "usage");
    if (stat(path, &fs) != 0) {
        sp_log_error("store: %s: %s", path, strerror(errno));
        return SP_ERR_IO;
    }
    *file_bytes = (uint64_t)fs.st_blocks * 512u;
    *used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    *map_bytes = info.me_mapsize;
    if (*used_bytes > *map_bytes)
        *used_bytes = *map_bytes;
    return 0;
}

/* Key of the first entry of dbi (k's data points into the map), or
 * MDB_NOTFOUND. */
static int first_key(MDB_txn *txn, MDB_dbi dbi, MDB_val *k)
{
    MDB_cursor *cur = NULL;
    MDB_val v;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return rc;
    rc = mdb_cursor_get(cur, k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    return rc;
}

int sp_store_gc_step(struct sp_store *store, size_t budget, bool *more)
{
    MDB_txn *txn = NULL;
    MDB_val k;
    bool done = false;
    int err = sp_store_txn_begin(store, 0, &txn);
    if (err)
        return err;
    int rc = first_key(txn, store->dbi[SP_DB_GARBAGE], &k);
    if (rc == 0 && k.mv_size != 4)
        rc = MDB_CORRUPTED;
    if (rc) {
        mdb_txn_abort(txn);
        *more = false;
        return rc == MDB_NOTFOUND ? 0 : sp_store_mdb_err(rc, "gc");
    }
    uint8_t slotkey[4];
    memcpy(slotkey, k.mv_data, 4);
    MDB_val sk = {4, slotkey};
    err = sp_store_gc_slot(store, txn, sp_be32_get(slotkey), budget ? budget : 1, &done);
    if (!err && done && (rc = mdb_del(txn, store->dbi[SP_DB_GARBAGE], &sk, NULL)))
        err = sp_store_mdb_err(rc, "gc");
    bool left = !done;
    if (!err && done) {
        rc = first_key(txn, store->dbi[SP_DB_GARBAGE], &k);
        left = rc == 0;
        if (rc && rc != MDB_NOTFOUND)
            err = sp_store_mdb_err(rc, "gc");
    }
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    err = sp_store_txn_commit(txn, "gc");
    if (!err) {
        if (done)
            sp_log_debug("store: dataset slot %u released", sp_be32_get(slotkey));
        *more = left;
    }
    return err;
}
