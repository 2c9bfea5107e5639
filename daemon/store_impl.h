/*
 * Internals shared by store.c (environment, garbage collection),
 * store_data.c (datasets, loads), store_keys.c (the key index) and
 * store_round.c (rounds, results, counts). Not a public interface: only
 * store*.c include it.
 *
 * Record layouts (all integers big-endian, so LMDB's byte order is numeric):
 *   sp.meta      "next_slot" -> u32, "format" -> u32 (the store format version)
 *   sp.datasets  name -> DSINFO (see store_data.c)
 *   sp.loads     slot u32 -> name          (a load's staging or version being built)
 *   sp.garbage   slot u32 -> ""            (slot to delete)
 *   sp.stage     slot u32 | run u32 | chunk u32 -> entries (u16 len, u8 class, KEY)...
 *   sp.keys      slot u32 | KEY -> u8 class
 *   sp.rounds    round id -> blob
 *   sp.resmeta   round id -> u8 committed, u64 rows
 *   sp.results   round id | seq u64 -> row (see store_round.c)
 *   sp.counts    round id -> n x (u8 type, u32 holders, u64 count)
 *   case.own     u8 type | value -> fp u64                (store_case.c: the own
 *                epoch outputs; ordered like the key index walk)
 *   case.fp      u8 type | fp u64 | value -> ""          (a fingerprint may repeat)
 *   case.delta   version u64 | u8 type | seq u32 -> na u32, nr u32, na x fp, nr x fp
 *   case.meta    "own" -> epoch u32, version u64, started_at u64, delta_from u64,
 *                n u8, n x u64 (values per key type, index = type), kept u32 (the
 *                key types the committed version was built for; since format
 *                version 2: a record without it is read with the types that
 *                have values, store_case.c meta_decode)
 *   case.quota   epoch u32 | coordinator certificate SHA-256 [32] -> questions u32,
 *                values u64
 * where KEY = u8 type | value | 0x00 | record id (values hold no NUL byte, so
 * KEY's byte order is (type, value, record id) with shorter values first).
 *
 * A "slot" is a number never reused. A dataset version is a slot of sp.keys;
 * readers see it only when sp.datasets names it current, which makes a load
 * atomic. Why runs: index inserts in value order would be random B-tree
 * writes (each transaction copying most leaf pages: slow, and hundreds of MB
 * of dirty pages for a large dataset). Instead a load writes each buffer,
 * sorted, as a run into sp.stage under its staging slot, packed into 64 KiB
 * chunks (a few sequential writes);
 * the commit merges the runs into sp.keys under a fresh slot, which is the
 * highest so far, so every write is an MDB_APPEND at the right edge of the
 * tree. Garbage collection deletes a slot's contiguous ranges.
 */
#ifndef SP_DAEMON_STORE_IMPL_H
#define SP_DAEMON_STORE_IMPL_H

#include <lmdb.h>
#include <stdint.h>

#include "daemon/store.h"

enum sp_store_dbi {
    SP_DB_META,
    SP_DB_DATASETS,
    SP_DB_LOADS,
    SP_DB_GARBAGE,
    SP_DB_STAGE,
    SP_DB_KEYS,
    SP_DB_ROUNDS,
    SP_DB_RESMETA,
    SP_DB_RESULTS,
    SP_DB_COUNTS,
    SP_DB_RUNS, /* the counting node's scratch (store_runs.c) */
    /* case questions (store_case.c); created when a store made before them
     * is opened: new databases, no record of the others changes */
    SP_DB_CASE_OWN,
    SP_DB_CASE_FP,
    SP_DB_CASE_DELTA,
    SP_DB_CASE_META,
    SP_DB_CASE_QUOTA,
    SP_DB_COUNT
};

struct sp_store {
    MDB_env *env;
    MDB_dbi dbi[SP_DB_COUNT];
    int lock_fd; /* flock'ed <state_dir>/lock: one daemon per state dir */
    size_t max_key;
    struct sp_store_hook hook; /* see sp_store_set_hook */
    uint32_t format;           /* SP_STORE_FORMAT_VERSION once open */
    char *dir;                 /* the state directory (the case epoch secrets) */
};

/* Maps an LMDB return code to SP_ERR_STORE / SP_ERR_STORE_FULL and logs the
 * operation with mdb_strerror. rc must not be 0. */
int sp_store_mdb_err(int rc, const char *op);
/* Begins a transaction (flags 0 or MDB_RDONLY), logging failures. */
int sp_store_txn_begin(struct sp_store *s, unsigned flags, MDB_txn **txn);
/* Commits, logging failures (the transaction is gone either way). */
int sp_store_txn_commit(MDB_txn *txn, const char *op);
/* For the transactions that change what the node holds: runs the hook's
 * pre_commit inside txn, commits, and tells post_commit the outcome. */
int sp_store_txn_commit_hooked(struct sp_store *s, MDB_txn *txn, const char *op);
/* Aborts such a transaction (the change failed) and tells post_commit. */
void sp_store_txn_abort_hooked(struct sp_store *s, MDB_txn *txn);

static inline void sp_be16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void sp_be32_put(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline void sp_be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline uint16_t sp_be16_get(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t sp_be32_get(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t sp_be64_get(const uint8_t *p)
{
    return ((uint64_t)sp_be32_get(p) << 32) | sp_be32_get(p + 4);
}

/* KEY: type, value, NUL, record id. */
#define SP_STORE_KEY_MAX (1 + SP_STORE_VALUE_MAX + 1 + SP_STORE_RECORD_ID_MAX)

/* Builds KEY for (k, id) into out; returns its length. */
size_t sp_store_key_encode(uint8_t out[SP_STORE_KEY_MAX], const struct sp_store_key *k,
                           const char *id, size_t idlen);
/* Length of the (type, value, NUL) part of a KEY of len bytes, or 0 when it
 * is malformed (no NUL, empty value or record id, over the limits). */
size_t sp_store_key_prefix(const uint8_t *key, size_t len);

/* Calls fn for every record of the current dataset versions holding the
 * value (type, value[0..len)), inside txn: dataset name and record id,
 * NUL-terminated, valid during the call. Stops at fn's first non-zero
 * return, which it returns. */
int sp_store_keys_records(struct sp_store *s, MDB_txn *txn, uint8_t type, const uint8_t *value,
                          size_t len, int (*fn)(void *ctx, const char *dataset, const char *id),
                          void *ctx);

/* The migration of the case store from store format version 1 to 2 inside
 * txn (store.c, migrate_from): case.meta's record gains the kept mask,
 * derived from the types with values as version 1's readers did. */
int sp_store_case_migrate_2(struct sp_store *s, MDB_txn *txn);

/* Allocates the next slot number inside txn. */
int sp_store_slot_next(struct sp_store *s, MDB_txn *txn, uint32_t *slot);

/* Merges the sorted runs staged under stage_slot into sp.keys under
 * key_slot (appending), in write transactions of bounded size. Identical
 * entries (a record id repeated with the same key) are written once. */
int sp_store_runs_merge(struct sp_store *s, uint32_t stage_slot, uint32_t nruns, uint32_t key_slot);

/* Deletes up to budget entries of slot from sp.keys and sp.stage inside txn;
 * sets *done when none is left. */
int sp_store_gc_slot(struct sp_store *s, MDB_txn *txn, uint32_t slot, size_t budget, bool *done);

#endif
