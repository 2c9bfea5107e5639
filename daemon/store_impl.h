/*
 * Internals shared by store.c (environment, garbage collection),
 * store_data.c (datasets, loads, the key index) and store_round.c (rounds,
 * results, counts). Not a public interface: only store*.c include it.
 *
 * Record layouts (all integers big-endian, so LMDB's byte order is numeric):
 *   sp.meta      "next_slot" -> u32
 *   sp.datasets  name -> DSINFO (see store_data.c)
 *   sp.loads     slot u32 -> name          (load in progress: staging)
 *   sp.garbage   slot u32 -> ""            (version to delete)
 *   sp.records   slot u32 | seq u64 -> u8 idlen, id, u8 nkeys,
 *                                       nkeys x (u8 type, u8 class, u16 len, value)
 *   sp.keys      u8 type | value | 0x00 | slot u32 | id -> u8 class
 *   sp.rounds    round id -> blob
 *   sp.resmeta   round id -> u8 committed, u64 rows
 *   sp.results   round id | seq u64 -> row (see store_round.c)
 *   sp.counts    round id -> n x (u8 type, u32 holders, u64 count)
 * A dataset version is a "slot": a number never reused. Readers see a slot's
 * keys only when sp.datasets names it current, which is what makes loads
 * atomic: staging a load writes under a fresh slot, the swap rewrites one
 * sp.datasets entry.
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
    SP_DB_RECORDS,
    SP_DB_KEYS,
    SP_DB_ROUNDS,
    SP_DB_RESMETA,
    SP_DB_RESULTS,
    SP_DB_COUNTS,
    SP_DB_COUNT
};

struct sp_store {
    MDB_env *env;
    MDB_dbi dbi[SP_DB_COUNT];
    int lock_fd; /* flock'ed <state_dir>/lock: one daemon per state dir */
    size_t max_key;
};

/* Maps an LMDB return code to SP_ERR_STORE / SP_ERR_STORE_FULL and logs the
 * operation with mdb_strerror. rc must not be 0. */
int sp_store_mdb_err(int rc, const char *op);
/* Begins a transaction (flags 0 or MDB_RDONLY), logging failures. */
int sp_store_txn_begin(struct sp_store *s, unsigned flags, MDB_txn **txn);
/* Commits, logging failures (the transaction is gone either way). */
int sp_store_txn_commit(MDB_txn *txn, const char *op);

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

/* Longest key-index key: type, value, NUL, slot, record id. */
#define SP_STORE_KEYKEY_MAX (1 + SP_STORE_VALUE_MAX + 1 + 4 + SP_STORE_RECORD_ID_MAX)

/* A record of sp.records, parsed in place. Key i starts at a cursor that
 * sp_store_rec_key advances. */
struct sp_rec_view {
    const uint8_t *id;
    size_t idlen;
    size_t nkeys;
    const uint8_t *next; /* next key to read */
    const uint8_t *end;
};
/* Parses and fully validates a sp.records value. Returns 0 or SP_ERR_STORE. */
int sp_store_rec_parse(const void *data, size_t len, struct sp_rec_view *rv);
/* Reads the next key of a parsed record (validated by sp_store_rec_parse). */
void sp_store_rec_key(struct sp_rec_view *rv, struct sp_store_key *out);
/* Builds a sp.keys key into out; returns its length. */
size_t sp_store_keykey(uint8_t out[SP_STORE_KEYKEY_MAX], const struct sp_store_key *k,
                       uint32_t slot, const uint8_t *id, size_t idlen);

/* Deletes the keys and records of one garbage slot, at most budget records,
 * inside txn. Sets *done when the slot has no records left. */
int sp_store_gc_slot(struct sp_store *s, MDB_txn *txn, uint32_t slot, size_t budget, bool *done,
                     size_t *deleted);

#endif
