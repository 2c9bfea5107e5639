/*
 * The node's state store: one LMDB environment in the state directory
 * (<state_dir>/state.mdb and its lock file, MDB_NOSUBDIR, MDB_NOTLS).
 *
 * What it holds (and, as important, what it does not):
 *  - datasets: for each dataset name the CURRENT version and its summary, and
 *    per record only its record id and its derived match-key values (the
 *    canonical key inputs). Never raw CSV rows, names or other fields.
 *  - rounds: one opaque "round meta" blob per round id (the federation engine
 *    defines its content), result rows and incidence counts.
 *
 * Named databases used here (all prefixed "sp."): sp.meta, sp.datasets,
 * sp.keys, sp.stage, sp.loads, sp.garbage, sp.rounds, sp.results,
 * sp.resmeta, sp.counts (layouts in store_impl.h), round.final (the counting node's scratch,
 * below), and case.own, case.fp, case.delta, case.meta, case.quota (case questions, below). Other
 * modules may open their own named databases in the same environment through sp_store_env(): the
 * audit log (daemon/audit_log.h) uses "audit.log" and "audit.meta". At most SP_STORE_MAX_DBS named
 * databases exist in total.
 *
 * Transactions. LMDB allows ONE write transaction at a time per environment,
 * and a thread that begins a second write transaction while it holds one
 * deadlocks. Every function below begins and commits its own transaction
 * before returning; callers therefore must not call them while holding a
 * write transaction of their own on sp_store_env(). Keep write transactions
 * short (one batch, never across a zmq_poll): the loop, dataset loads and
 * rounds all share the single writer. Read transactions (MDB_NOTLS) may be
 * held across loop iterations and used from another thread, one thread at a
 * time; a long read transaction keeps old pages alive, so end it when done.
 *
 * Errors: every function returns 0 or a negative SP_ERR_*: SP_ERR_STORE for an
 * LMDB failure (the mdb_strerror text is logged, with the operation),
 * SP_ERR_STORE_FULL when the map is full (MDB_MAP_FULL: raise store_map_size),
 * SP_ERR_NOMEM, SP_ERR_INVALID_ARG for arguments out of their limits, and the
 * specific codes listed per function. Threading: sp_store is safe to use from
 * several threads only as LMDB is (writes serialise on LMDB's writer lock).
 */
#ifndef SP_DAEMON_STORE_H
#define SP_DAEMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/keytype.h"
#include "common/roundid.h"
#include "round/engine.h" /* the case store port */
#include "round/types.h"  /* the key walk pair, result rows, counts */

struct MDB_env;  /* lmdb.h: typedef struct MDB_env MDB_env */
struct sp_store; /* opaque */
struct sp_store_load;
struct sp_store_keys_iter;

#define SP_STORE_SHA256_BYTES      32
#define SP_STORE_NAME_MAX          SP_ROUND_NAME_MAX      /* dataset and node names, bytes */
#define SP_STORE_RECORD_ID_MAX     SP_ROUND_RECORD_ID_MAX /* = SP_INGEST_MAX_RECORD_ID_BYTES */
#define SP_STORE_VALUE_MAX         SP_ROUND_VALUE_MAX     /* = SP_DERIVE_MAX_VALUE_BYTES */
#define SP_STORE_MAX_DBS           64
#define SP_STORE_ROUND_BLOB_MAX    (1u << 20)          /* round meta blob, bytes */
#define SP_STORE_COUNTS_MAX        (1u << 20)          /* count entries per round */
#define SP_STORE_DEFAULT_MAP_BYTES (UINT64_C(8) << 30) /* sparse file */
#define SP_STORE_FILE_NAME         "state.mdb"
/* The layout of the records above (store_impl.h). Raise it with any change
 * an older build would misread, and add the migration step (store.c).
 * 2: case.meta records the kept key-type mask. */
#define SP_STORE_FORMAT_VERSION 2u

/* ---- environment ------------------------------------------------------- */

/* Opens (creating when absent) <state_dir>/state.mdb with a map of
 * map_bytes (0 = SP_STORE_DEFAULT_MAP_BYTES). state_dir must exist and
 * should be owner-only. Opening checks the store's format version (sp.meta;
 * a new store is stamped with this one, a store with data but without a
 * version is version 1 and is stamped so): an older version is
 * migrated; one this build cannot migrate, or a newer one, is refused with
 * SP_ERR_UNSUPPORTED and both versions and what to do logged, before
 * anything is written. Opening also moves every load that was in progress
 * when the previous process stopped into the garbage list (its staged keys
 * are deleted by sp_store_gc_step; the dataset's previous version is intact).
 * Returns 0, SP_ERR_STORE, SP_ERR_NOMEM, SP_ERR_INVALID_ARG, SP_ERR_UNSUPPORTED
 * (format version), SP_ERR_BUSY (another daemon holds the state directory). */
SP_NODISCARD int sp_store_open(const char *state_dir, uint64_t map_bytes, struct sp_store **out);
/* The store's format version (SP_STORE_FORMAT_VERSION once open). */
uint32_t sp_store_format(const struct sp_store *store);
/* Closes the environment; NULL-safe; clears *store. Every load, iterator and
 * foreign transaction must have ended. */
void sp_store_close(struct sp_store **store);

/* The LMDB environment, for modules that keep their own named databases
 * (the audit log: "audit.*"). The caller opens its DBIs with mdb_dbi_open in a transaction it
 * commits (not concurrently with another mdb_dbi_open), keeps write
 * transactions short and never holds one while calling sp_store_*. */
struct MDB_env *sp_store_env(struct sp_store *store);

/* A hook that runs inside the write transactions that change what the node
 * holds: a dataset version swapped in (sp_store_load_commit's last
 * transaction), a round record written (sp_store_round_put), results
 * committed (sp_store_results_commit) and results made invisible
 * (sp_store_round_delete_results' first transaction). pre_commit may write
 * into the same transaction — the audit log does, so that an entry and the
 * change it records commit together or not at all; a non-zero return aborts
 * the transaction and the store function returns that code. post_commit
 * learns the outcome of every transaction pre_commit ran in, or that was
 * aborted after it began (a function that fails before its transaction
 * begins calls neither). Both run on the calling thread, inside the store
 * function. */
struct MDB_txn;
struct sp_store_hook {
    int (*pre_commit)(void *ctx, struct MDB_txn *txn);
    void (*post_commit)(void *ctx, bool committed);
    void *ctx;
};
/* Installs hook (copied; NULL removes it). */
void sp_store_set_hook(struct sp_store *store, const struct sp_store_hook *hook);

/* Deletes up to budget entries of abandoned dataset versions (superseded or
 * aborted loads) in one short write transaction. Sets *more to true when
 * garbage remains. The main loop calls it when idle. Returns 0 or an error. */
SP_NODISCARD int sp_store_gc_step(struct sp_store *store, size_t budget, bool *more);

/* Writes a consistent, compacted copy of the whole environment (every named
 * database, the audit log included) to fd, which must be open for writing
 * at offset 0 (mdb_env_copyfd2 with MDB_CP_COMPACT). The copy is taken from
 * one read transaction: writers go on meanwhile (rounds, loads) and what
 * they commit later is not in it. The copy is a complete state.mdb: put it
 * in place of a stopped node's store to restore. The caller syncs and
 * closes fd. Returns 0 or SP_ERR_STORE (the LMDB reason logged), SP_ERR_IO. */
SP_NODISCARD int sp_store_backup(struct sp_store *store, int fd);

/* Space: *file_bytes the disk use of state.mdb (allocated blocks: the map
 * is a sparse file), *used_bytes the pages in use in the map, *map_bytes
 * the map size. Returns 0 or SP_ERR_STORE, SP_ERR_IO. */
SP_NODISCARD int sp_store_usage(struct sp_store *store, uint64_t *file_bytes, uint64_t *used_bytes,
                                uint64_t *map_bytes);

/* ---- datasets ---------------------------------------------------------- */

/* Summary of a dataset's current version (DATASET_INFO on the control wire). */
struct sp_dataset_info {
    char name[SP_STORE_NAME_MAX + 1];
    uint32_t version;   /* 1 for the first load, +1 per committed load */
    uint64_t loaded_at; /* Unix seconds of the commit */
    uint64_t records;   /* records stored (usable records of the file) */
    uint64_t keys;      /* (record, key) pairs stored */
    uint64_t rejected_fields;
    uint64_t structural_errors;
    uint32_t key_mask;                           /* key types present (SP_KEY_MASK bits) */
    uint8_t input_sha256[SP_STORE_SHA256_BYTES]; /* of the CSV bytes as loaded */
};

/* Dataset names: 1..SP_STORE_NAME_MAX bytes of [a-z0-9_-], not starting
 * with '-' (the control protocol's rule, minus option look-alikes). */
bool sp_store_dataset_name_valid(const char *name);

/* Starts loading a new version of dataset name. The keys go to a staging
 * area that no reader sees until sp_store_load_commit. Several loads may run
 * at once, but not two of the same name. Returns 0, SP_ERR_INVALID_ARG (bad
 * name), SP_ERR_BUSY (a load of that name is running), SP_ERR_STORE(_FULL). */
SP_NODISCARD int sp_store_load_begin(struct sp_store *store, const char *name,
                                     struct sp_store_load **out);

/* One derived key of a record. value: canonical key input, 1..SP_STORE_VALUE_MAX
 * bytes, no NUL byte (personal data: never logged). */
struct sp_store_key {
    uint8_t type;  /* enum sp_key_type */
    uint8_t klass; /* enum sp_key_class */
    uint16_t value_len;
    const char *value;
};

/* Adds one record (its id and keys) to the load. The keys are copied into a
 * buffer that is sorted and written as one staged run, in a short write
 * transaction, whenever it fills (8 MiB) and at sp_store_load_flush. A record
 * id may repeat: each distinct (record id, key) pair is kept once. Returns 0,
 * SP_ERR_INVALID_ARG (empty or too long id, bad key), SP_ERR_STORE(_FULL),
 * SP_ERR_NOMEM. After an error the load can only be aborted. */
SP_NODISCARD int sp_store_load_put(struct sp_store_load *load, const char *record_id,
                                   const struct sp_store_key *keys, size_t nkeys);
/* Writes the buffered records now (one write transaction). */
SP_NODISCARD int sp_store_load_flush(struct sp_store_load *load);

/* Flushes, merges the staged runs into the key index under a fresh version
 * (appending, in write transactions of bounded size that no reader sees), and
 * in ONE small write transaction makes that version the dataset's current:
 * version = previous + 1, loaded_at = now, and the counters, key mask and
 * digest from *info (its name and version are ignored). The previous version becomes garbage. Frees
 * the load and clears *load in every case; on failure the previous version stays current and the
 * staging becomes garbage. *out_info (may be NULL) receives the stored
 * summary. Returns 0 or SP_ERR_STORE(_FULL). */
SP_NODISCARD int sp_store_load_commit(struct sp_store_load **load,
                                      const struct sp_dataset_info *info,
                                      struct sp_dataset_info *out_info);
/* Drops the load: its staging becomes garbage. Frees; clears *load; NULL-safe. */
void sp_store_load_abort(struct sp_store_load **load);
/* Records and keys buffered or written so far by this load. */
uint64_t sp_store_load_records(const struct sp_store_load *load);

/* Summary of one dataset's current version. Returns 0 or SP_ERR_NOT_FOUND. */
SP_NODISCARD int sp_store_dataset_get(struct sp_store *store, const char *name,
                                      struct sp_dataset_info *out);
/* Calls fn for every dataset, in name order. fn returns 0 to go on or a
 * negative code, which stops the walk and is returned. */
typedef int (*sp_store_dataset_fn)(void *ctx, const struct sp_dataset_info *info);
SP_NODISCARD int sp_store_datasets_foreach(struct sp_store *store, sp_store_dataset_fn fn,
                                           void *ctx);
/* Number of datasets with a current version. */
SP_NODISCARD int sp_store_datasets_count(struct sp_store *store, uint32_t *out);

/* ---- the key index, for rounds ----------------------------------------- */

/* The iterator yields (record, key) pairs as struct sp_keyref (round/types.h). */

/* Iterates over the CURRENT version of every dataset (a snapshot: loads
 * committed later are not seen) and yields the (record, key) pairs whose type
 * is in key_mask, ORDERED by key type, then value bytes (shorter value first
 * when one is a prefix of the other), then dataset version, then record id. So all
 * pairs with the same (type, value) are adjacent: a round takes the distinct
 * values of a key type in one pass and keeps their records to map verdicts
 * back. Streams from one read transaction and a cursor; memory is constant.
 * The iterator may be kept across loop iterations and used from another
 * thread (one at a time). */
SP_NODISCARD int sp_store_keys_iter_new(struct sp_store *store, uint32_t key_mask,
                                        struct sp_store_keys_iter **out);
/* Fills *ref with the next pair. Returns 0, SP_ERR_NOT_FOUND at the end, or
 * SP_ERR_STORE. */
SP_NODISCARD int sp_store_keys_iter_next(struct sp_store_keys_iter *it, struct sp_keyref *ref);
/* Ends the read transaction; NULL-safe; clears *it. */
void sp_store_keys_iter_free(struct sp_store_keys_iter **it);

/* The same walk through a callback: fn returns 0 to go on or a negative code
 * that stops the walk and is returned. */
typedef int (*sp_store_key_fn)(void *ctx, const struct sp_keyref *ref);
SP_NODISCARD int sp_store_keys_foreach(struct sp_store *store, uint32_t key_mask,
                                       sp_store_key_fn fn, void *ctx);

/* Number of DISTINCT values per key type over the current versions (index by
 * key type, 0..SP_KEY_TYPE_MAX; types outside key_mask are 0). One pass over the index;
 * these are the set sizes a node announces. */
SP_NODISCARD int sp_store_keys_distinct(struct sp_store *store, uint32_t key_mask,
                                        uint64_t counts[SP_KEY_TYPE_COUNT]);

/* ---- rounds ------------------------------------------------------------ */

/* The round meta blob is the federation engine's own encoding of a round
 * (state, proposal bytes, mode, participants, timestamps, failure reason,
 * counters); the store keeps it opaque, at most SP_STORE_ROUND_BLOB_MAX. */
SP_NODISCARD int sp_store_round_put(struct sp_store *store,
                                    const uint8_t round_id[SP_ROUND_ID_BYTES], const void *blob,
                                    size_t len);
/* Copies the blob into a malloc'd buffer the caller frees. Returns 0 or
 * SP_ERR_NOT_FOUND. */
SP_NODISCARD int sp_store_round_get(struct sp_store *store,
                                    const uint8_t round_id[SP_ROUND_ID_BYTES], void **blob_out,
                                    size_t *len_out);
/* Calls fn for every round, in round id order; blob valid during the call. */
typedef int (*sp_store_round_fn)(void *ctx, const uint8_t round_id[SP_ROUND_ID_BYTES],
                                 const void *blob, size_t len);
SP_NODISCARD int sp_store_rounds_foreach(struct sp_store *store, sp_store_round_fn fn, void *ctx);

/* A round's results are struct sp_result_row and struct sp_count_entry
 * (round/types.h); subject cells are count entries whose key_type carries
 * SP_ROUND_SUBJECT_CELL: one blob, one transaction, one deletion. */

/* Stages result rows of a round in one short write transaction. Staged rows
 * are invisible (sp_store_results_foreach reports none, total 0) until
 * sp_store_results_commit; use this when a round has too many rows to commit
 * at once. Returns 0, SP_ERR_STATE (results of this round already
 * committed), SP_ERR_INVALID_ARG, SP_ERR_STORE(_FULL). */
SP_NODISCARD int sp_store_results_append(struct sp_store *store,
                                         const uint8_t round_id[SP_ROUND_ID_BYTES],
                                         const struct sp_result_row *rows, size_t n);
/* In ONE write transaction: appends rows (n may be 0 when everything was
 * staged), stores the counts (may be 0 entries), makes all the round's rows
 * visible and replaces the round meta blob with final_blob. So a round is
 * either complete (final state, results, counts) or has no visible results.
 * Returns 0, SP_ERR_STATE (already committed), SP_ERR_INVALID_ARG,
 * SP_ERR_STORE(_FULL). */
SP_NODISCARD int sp_store_results_commit(struct sp_store *store,
                                         const uint8_t round_id[SP_ROUND_ID_BYTES],
                                         const struct sp_result_row *rows, size_t n,
                                         const struct sp_count_entry *counts, size_t ncounts,
                                         const void *final_blob, size_t final_len);
/* Deletes a round's rows (staged or committed) and counts, in chunks of short
 * transactions; the round meta blob stays (a failed round's reason, or
 * retention: the audit trail outlives results). Returns 0 or an error. */
SP_NODISCARD int sp_store_round_delete_results(struct sp_store *store,
                                               const uint8_t round_id[SP_ROUND_ID_BYTES]);

/* ---- the counting node's scratch (round.final) ------------------------- */

/* One sorted run per FINAL batch a counting node received, keyed by (round
 * id, participant, key type, seq); the bytes are the round engine's
 * (round/count.c). Not part of what the node holds: no hook runs, and the
 * scratch of rounds a previous process ran is useless (sp_store_runs_clear
 * at start). */
struct sp_store_runs_reader;
/* Empties the whole scratch in one write transaction. */
SP_NODISCARD int sp_store_runs_clear(struct sp_store *store);
/* Stores a run (copied) in one short write transaction. */
SP_NODISCARD int sp_store_run_put(struct sp_store *store, const uint8_t round_id[SP_ROUND_ID_BYTES],
                                  uint8_t participant, uint8_t key_type, uint32_t seq,
                                  const void *run, size_t len);
/* A read transaction over the scratch (MDB_NOTLS: usable from another
 * thread, one at a time). sp_store_run_get points *run into it, valid until
 * sp_store_runs_read_end; SP_ERR_NOT_FOUND when absent. read_end is
 * NULL-safe. */
SP_NODISCARD int sp_store_runs_read_begin(struct sp_store *store,
                                          struct sp_store_runs_reader **out);
SP_NODISCARD int sp_store_run_get(struct sp_store_runs_reader *rd,
                                  const uint8_t round_id[SP_ROUND_ID_BYTES], uint8_t participant,
                                  uint8_t key_type, uint32_t seq, const void **run, size_t *len);
void sp_store_runs_read_end(struct sp_store_runs_reader *rd);
/* Deletes up to budget runs of a round in one write transaction; *more is
 * set when some are left. */
SP_NODISCARD int sp_store_runs_delete(struct sp_store *store,
                                      const uint8_t round_id[SP_ROUND_ID_BYTES], size_t budget,
                                      bool *more);

/* Whether a round's results are committed (complete and visible). */
SP_NODISCARD int sp_store_results_committed(struct sp_store *store,
                                            const uint8_t round_id[SP_ROUND_ID_BYTES],
                                            bool *committed);
/* Number of committed result rows of a round (0 when none or not committed). */
SP_NODISCARD int sp_store_results_total(struct sp_store *store,
                                        const uint8_t round_id[SP_ROUND_ID_BYTES], uint64_t *total);
/* Calls fn for committed rows offset .. offset+limit-1 in the order they were
 * appended (a seek, not a scan: paging is cheap). Strings valid during the
 * call. Returns 0, SP_ERR_STORE or fn's code. */
typedef int (*sp_store_result_fn)(void *ctx, uint64_t index, const struct sp_result_row *row);
SP_NODISCARD int sp_store_results_foreach(struct sp_store *store,
                                          const uint8_t round_id[SP_ROUND_ID_BYTES],
                                          uint64_t offset, uint64_t limit, sp_store_result_fn fn,
                                          void *ctx);
/* Copies the committed counts of a round into a malloc'd array (caller frees).
 * Returns 0 (n may be 0) or SP_ERR_NOT_FOUND (results not committed). */
SP_NODISCARD int sp_store_counts_get(struct sp_store *store,
                                     const uint8_t round_id[SP_ROUND_ID_BYTES],
                                     struct sp_count_entry **out, size_t *n);

/* ---- case questions (store_case.c) ------------------------------------- */

/* This node's store for case questions as the round engine's port (struct
 * sp_engine_case_store, round/engine.h, which says what each function does;
 * docs/case-questions.md the design). Every function's ctx is the store
 * port's: a pointer to a variable holding the struct sp_store pointer
 * (the federation driver's struct begins with it; a test passes &store).
 * What the store adds to the port's contract:
 *  - own_next yields entries ordered exactly like the key index walk
 *    (type, then value bytes, the shorter first); value points into the
 *    walk's read transaction.
 *  - own_put takes changes for version = current + 1 only (SP_ERR_STATE
 *    otherwise, or when no epoch began), values 1..SP_STORE_VALUE_MAX bytes
 *    without a NUL byte (as the key index holds them),
 *    types 1..SP_KEY_TYPE_MAX (SP_ERR_INVALID_ARG). A change that changes
 *    nothing (adding a value held with that fingerprint, removing one not
 *    held) is not in the delta; a value added with a new fingerprint
 *    replaces the old one (a removal and an addition).
 *  - fps_read and the filter are multisets: a fingerprint two values share
 *    is there twice. delta_read gives both arrays sorted, net of what was
 *    added and removed again within the version; SP_ERR_NOT_FOUND for
 *    version 1, versions not committed yet and versions pruned by keep.
 *  - fp_records visits the records of the current dataset versions; fn may
 *    call other store functions (MDB_NOTLS).
 *  - own_begin also deletes the quota counts of earlier epochs; not the
 *    secrets (secret_drop, once no question of that epoch is open).
 *  - secrets: <state_dir>/case/epoch-<N>.key (directory created 0700), 32
 *    bytes, written with sys/keyfile.h (0600, atomic, never replacing:
 *    SP_ERR_EXISTS) and read with its checks (a file group or others may
 *    read is refused, SP_ERR_KEYFILE_MODE, with the chmod that fixes it
 *    logged); a file of another length is SP_ERR_KEYFILE_FORMAT.
 * No store hook runs (an audit entry about a case question is appended on
 * its own). */
struct sp_engine_case_store sp_store_case_port(void);

#endif
