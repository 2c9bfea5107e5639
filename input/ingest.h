/*
 * Dataset ingestion: an agency export (CSV bytes) plus its mapping in, per
 * record the derived match keys out, with counts of everything rejected.
 *
 * Pure and streaming: the caller reads the file and feeds chunks of any size;
 * records are delivered through a callback as soon as they are complete. No
 * identifier value is ever written into the statistics; rejects are counts
 * and line numbers only.
 */
#ifndef SP_INPUT_INGEST_H
#define SP_INPUT_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "input/derive.h"
#include "input/mapping.h"

#define SP_INGEST_MAX_RECORD_ID_BYTES 128
/* Structural-error line numbers remembered (the count is always exact). */
#define SP_INGEST_MAX_ERROR_LINES 100

/* One record's keys, deduplicated (each (type, value) at most once). */
struct sp_record_keys {
    const char *record_id; /* NUL-terminated, UTF-8 */
    uint64_t line;         /* 1-based physical line where the record starts */
    size_t nkeys;
    const struct sp_key *keys;
};

/* Called once per usable record (a record with no keys is still delivered,
 * with nkeys == 0). Return 0 to go on; a negative SP_ERR_* stops ingestion and
 * is returned by sp_ingest_feed/finish. */
typedef int (*sp_record_fn)(void *ctx, const struct sp_record_keys *rec);

struct sp_ingest_stats {
    uint64_t lines;          /* physical lines consumed, header included */
    uint64_t records;        /* data records seen */
    uint64_t records_usable; /* delivered to the callback */
    uint64_t records_without_keys;
    uint64_t keys;           /* keys delivered, after per-record dedup */
    uint64_t keys_by_type[16];
    uint64_t structural_errors; /* rows skipped: field count, encoding, quoting */
    size_t nerror_lines;
    uint64_t error_lines[SP_INGEST_MAX_ERROR_LINES];
    int error_codes[SP_INGEST_MAX_ERROR_LINES]; /* SP_ERR_INPUT_* per error line */
    uint64_t duplicate_record_ids;
    struct sp_field_stats fields[SP_FIELD_COUNT]; /* indexed by enum sp_field */
};

struct sp_ingest; /* opaque */

/* Creates an ingestion for one file under a mapping (borrowed; must outlive
 * the ingestion). Returns 0, SP_ERR_NOMEM. */
SP_NODISCARD int sp_ingest_new(const struct sp_mapping *mapping, struct sp_ingest **out);
void sp_ingest_free(struct sp_ingest **ing);

/* Feeds the next chunk of the file. Returns 0; SP_ERR_INPUT_COLUMN when the
 * header lacks a mapped column (fatal: the file cannot be used, *err_line and
 * the diagnostic say which); or the callback's error. Row-level problems are
 * not errors here: they are counted in the statistics. */
SP_NODISCARD int sp_ingest_feed(struct sp_ingest *ing, const uint8_t *buf, size_t len,
                                sp_record_fn fn, void *ctx);
/* Flushes the last record (a file without a final newline). Returns as feed;
 * SP_ERR_INPUT_CSV when the file had no header at all. */
SP_NODISCARD int sp_ingest_finish(struct sp_ingest *ing, sp_record_fn fn, void *ctx);

const struct sp_ingest_stats *sp_ingest_stats(const struct sp_ingest *ing);

/* A human-readable sentence for the last fatal error (names the column,
 * line and what was expected; never a data value). Empty when none. */
const char *sp_ingest_diagnostic(const struct sp_ingest *ing);

#endif
