/*
 * A node's store in memory, as the engine's store port sees it
 * (round/engine.h, struct sp_engine_store): the key index over the node's
 * generated records (sorted as round/types.h documents), round records,
 * result rows (staged, then committed with counts and the final round
 * record in one step), the counting node's scratch runs, and the case
 * store (struct sp_engine_case_store: the own epoch's record, outputs and
 * deltas, the epoch secrets' "files", the question quotas).
 *
 * It outlives the node's engine: a node that stops and comes back as a
 * fresh engine finds the same store. A frozen store ignores writes (a
 * node that stopped writes nothing more).
 */
#ifndef SP_SIM_STORE_H
#define SP_SIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "round/engine.h"
#include "sim_data.h"

#define SIM_ROUND_ID_BYTES 16

struct sim_row {
    char dataset[SIM_NAME_MAX];
    char record_id[SIM_NAME_MAX];
    char partner[72];
    uint32_t key_types;
    uint8_t klass;
};

struct sim_count {
    uint8_t key_type; /* or 0x80 | entity for a subject cell */
    uint32_t holders;
    uint64_t count;
};

struct sim_blob {
    uint8_t id[SIM_ROUND_ID_BYTES];
    uint8_t participant, key_type; /* runs only */
    uint32_t seq;                  /* runs only */
    void *p;
    size_t len;
};

struct sim_results {
    uint8_t id[SIM_ROUND_ID_BYTES];
    struct sim_row *rows;
    size_t nrows, cap;
    struct sim_count *counts;
    size_t ncounts;
    bool committed;
};

/* One own epoch output: (key type, value) -> fingerprint. */
struct sim_case_entry {
    uint8_t type;
    bool dead; /* removed; dropped at the next compaction */
    uint16_t len;
    uint8_t *value;
    uint64_t fp;
};

struct sim_case_change {
    uint8_t type;
    bool add;
    uint64_t fp;
};

/* The changes that made a version (the one being made: not committed). */
struct sim_case_delta {
    uint64_t version;
    bool committed;
    struct sim_case_change *ch;
    size_t n, cap;
};

struct sim_case_secret {
    uint32_t epoch;
    uint8_t bytes[32];
};

struct sim_case_quota {
    uint32_t epoch;
    uint8_t coord[32];
    uint32_t questions;
    uint64_t values;
};

struct sim_case {
    struct sp_case_own_meta meta; /* epoch 0: none */
    struct sim_case_entry *e;     /* in key order once sorted */
    size_t n, cap;
    bool sorted;
    struct sim_case_delta *deltas;
    size_t ndeltas;
    struct sim_case_secret *secrets;
    size_t nsecrets;
    struct sim_case_quota *quotas;
    size_t nquotas;
    uint64_t puts, commits, begins; /* calls, for tests */
};

struct sim_store {
    const struct sim_node_data *data; /* the key index (not owned) */
    bool frozen;
    struct sim_blob *rounds;
    size_t nrounds;
    struct sim_results *results;
    size_t nresults;
    struct sim_blob *runs;
    size_t nruns;
    uint64_t writes, runs_peak;
    struct sim_case cases;
};

/* A walk over the key index (types in mask), in index order. */
struct sim_walk {
    const struct sim_node_data *data;
    uint32_t mask;
    size_t at;
};

void sim_store_init(struct sim_store *s, const struct sim_node_data *data);
void sim_store_free(struct sim_store *s);

/* The walk: next returns the next key or NULL at the end. */
void sim_walk_open(struct sim_walk *w, const struct sim_store *s, uint32_t mask);
const struct sim_key *sim_walk_next(struct sim_walk *w);

/* Round records: put replaces; get returns the stored blob (not a copy) or
 * NULL. Writes return 0, or 1 when the store is frozen (ignored), -1 no
 * memory. */
int sim_store_round_put(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES], const void *p,
                        size_t len);
const struct sim_blob *sim_store_round_get(const struct sim_store *s,
                                           const uint8_t id[SIM_ROUND_ID_BYTES]);

/* Results: append stages rows; commit appends rows, stores counts, marks
 * them committed and replaces the round record, all at once. -2 when
 * already committed. */
int sim_store_results_append(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                             const struct sim_row *rows, size_t n);
int sim_store_results_commit(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                             const struct sim_row *rows, size_t n, const struct sim_count *counts,
                             size_t ncounts, const void *blob, size_t len);
int sim_store_results_delete(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES]);
/* The round's results, or NULL. */
const struct sim_results *sim_store_results(const struct sim_store *s,
                                            const uint8_t id[SIM_ROUND_ID_BYTES]);

/* Scratch runs by (round, participant, key type, seq); put replaces. get
 * returns the stored run or NULL. delete removes up to budget runs of the
 * round and says whether some are left. */
int sim_store_run_put(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES],
                      uint8_t participant, uint8_t key_type, uint32_t seq, const void *p,
                      size_t len);
const struct sim_blob *sim_store_run_get(const struct sim_store *s,
                                         const uint8_t id[SIM_ROUND_ID_BYTES], uint8_t participant,
                                         uint8_t key_type, uint32_t seq);
int sim_store_runs_delete(struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES], size_t budget,
                          bool *more);
/* Runs of a round still in the scratch (0 after a clean end). */
size_t sim_store_runs_of(const struct sim_store *s, const uint8_t id[SIM_ROUND_ID_BYTES]);

/* The engine's whole store port over s (its ctx is s): sim_store_port.c.
 * The case store's functions keep the own outputs in key order (the key
 * walk's: type, then value bytes, the shorter first on a prefix), deltas
 * per version, and the secrets in memory. */
void sim_store_port(struct sim_store *s, struct sp_engine_store *out);

/* The case store (sim_store_port.c fills the port with these; ctx is the
 * struct sim_store). Writes to a frozen store are ignored. */
int sim_case_own_meta(void *ctx, struct sp_case_own_meta *m);
int sim_case_own_begin(void *ctx, uint32_t epoch, uint64_t started_at);
int sim_case_own_open(void *ctx, void **walk);
int sim_case_own_next(void *walk, struct sp_case_own_entry *e);
void sim_case_own_close(void *walk);
int sim_case_own_put(void *ctx, uint64_t version, const struct sp_case_own_change *ch, size_t n);
int sim_case_own_commit(void *ctx, uint64_t version, uint32_t kept, uint32_t keep);
int sim_case_fps_read(void *ctx, uint8_t key_type, uint64_t **fp, size_t *n);
int sim_case_delta_read(void *ctx, uint64_t version, uint8_t key_type, uint64_t **added,
                        size_t *nadded, uint64_t **removed, size_t *nremoved);
int sim_case_fp_records(void *ctx, uint8_t key_type, uint64_t fp,
                        int (*fn)(void *fctx, const char *dataset, const char *record_id),
                        void *fctx);
int sim_case_secret_put(void *ctx, uint32_t epoch, const uint8_t secret[32]);
int sim_case_secret_get(void *ctx, uint32_t epoch, uint8_t secret[32]);
int sim_case_secret_drop(void *ctx, uint32_t epoch);
int sim_case_quota(void *ctx, uint32_t epoch, const uint8_t coord_fp[32], bool add, uint32_t values,
                   uint32_t *questions, uint64_t *values_total);
void sim_case_free(struct sim_case *c);

#endif
