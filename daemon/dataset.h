/*
 * A dataset load in progress: the mapping parsed, the CSV bytes streamed
 * through input/ingest as chunks arrive from the control socket, the keys
 * staged in the store in short write transactions (one per 32768 records or
 * 8 MiB, never held between chunks), and the new version swapped in at the
 * end (see store.h). Only record ids and
 * derived key values reach the store; the CSV bytes are hashed, never kept.
 */
#ifndef SP_DAEMON_DATASET_H
#define SP_DAEMON_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "daemon/store.h"
#include "input/ingest.h"

#define SP_DATASET_DIAG_BYTES 512

struct sp_dataset_load;
struct sp_audit_log;

/* Starts loading dataset name with the given mapping text. today_yyyymmdd
 * is the date for future-date checks. On failure writes a reason into diag
 * ("mapping line 3: ..."). Returns 0, SP_ERR_INPUT_MAPPING, SP_ERR_INVALID_ARG
 * (dataset name), SP_ERR_BUSY (that dataset is being loaded), SP_ERR_NOMEM,
 * SP_ERR_STORE(_FULL). */
SP_NODISCARD int sp_dataset_load_new(struct sp_store *store, const char *name, const char *mapping,
                                     size_t mapping_len, int today_yyyymmdd,
                                     struct sp_dataset_load **out, char *diag, size_t diag_cap);

/* Feeds the next chunk of CSV bytes and stages the records it completed.
 * A fatal input error (a mapped column missing from the header, a file in
 * the wrong encoding) returns its SP_ERR_INPUT_* with diag naming the line;
 * the load can then only be freed. Row-level problems are counted, not
 * errors. Returns 0, SP_ERR_INPUT_*, SP_ERR_STORE(_FULL), SP_ERR_NOMEM,
 * SP_ERR_STATE (after an earlier failure). */
SP_NODISCARD int sp_dataset_load_feed(struct sp_dataset_load *load, const uint8_t *data, size_t len,
                                      char *diag, size_t diag_cap);

/* Finishes the file and makes it the dataset's current version. Fills
 * *info with the stored summary. With log not NULL, a dataset_load audit
 * entry (name, version, counts, rejects, the SHA-256 of the file; never a
 * value) is written in the same transaction as the swap. On failure the
 * previous version stays and nothing is recorded. The load must still be
 * freed. Returns as sp_dataset_load_feed, and the audit log's errors. */
SP_NODISCARD int sp_dataset_load_commit(struct sp_dataset_load *load, struct sp_audit_log *log,
                                        struct sp_dataset_info *info, char *diag, size_t diag_cap);

/* Counters so far. */
uint64_t sp_dataset_load_bytes(const struct sp_dataset_load *load);
const struct sp_ingest_stats *sp_dataset_load_stats(const struct sp_dataset_load *load);
const char *sp_dataset_load_name(const struct sp_dataset_load *load);

/* Frees the load; an uncommitted load is aborted (the previous version stays
 * and the staging is garbage collected). NULL-safe; clears *load. */
void sp_dataset_load_free(struct sp_dataset_load **load);

#endif
