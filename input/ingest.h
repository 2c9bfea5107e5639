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
#include "common/keytype.h"
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

/* Why a row was skipped (a structural error). Stable numbers. */
enum sp_row_error {
    SP_ROW_FIELD_COUNT = 1,        /* SP_ERR_INPUT_FIELD_COUNT: not as many fields as the header */
    SP_ROW_STRAY_QUOTE = 2,        /* SP_ERR_INPUT_CSV: quote inside an unquoted field */
    SP_ROW_UNTERMINATED_QUOTE = 3, /* SP_ERR_INPUT_CSV: quoted field open at end of file */
    SP_ROW_TOO_LONG = 4,           /* SP_ERR_INPUT_LENGTH: record over SP_CSV_MAX_RECORD_BYTES */
    SP_ROW_TOO_MANY_FIELDS = 5,    /* SP_ERR_INPUT_FIELD_COUNT: over SP_CSV_MAX_FIELDS */
    SP_ROW_ENCODING = 6,           /* SP_ERR_INPUT_ENCODING: bytes not valid in the encoding */
    SP_ROW_ID_EMPTY = 7,           /* SP_ERR_INPUT_EMPTY: no record id */
    SP_ROW_ID_TOO_LONG = 8,        /* SP_ERR_INPUT_LENGTH: record id over the cap */
    SP_ROW_ID_FORMAT = 9,          /* SP_ERR_INPUT_FORMAT: control character in the id */
    SP_ROW_ERROR_COUNT = 10
};

/* A short English phrase for a row error kind ("wrong number of fields"). */
const char *sp_row_error_text(int kind);

struct sp_ingest_stats {
    uint64_t lines;          /* physical lines consumed, header included */
    uint64_t records;        /* data records seen */
    uint64_t records_usable; /* delivered to the callback */
    uint64_t records_without_keys;
    uint64_t keys; /* keys delivered, after per-record dedup */
    uint64_t keys_by_type[SP_KEY_TYPE_COUNT];
    uint64_t structural_errors; /* rows skipped: field count, encoding, quoting */
    size_t nerror_lines;
    uint64_t error_lines[SP_INGEST_MAX_ERROR_LINES];
    int error_codes[SP_INGEST_MAX_ERROR_LINES]; /* SP_ERR_INPUT_* per error line */
    uint64_t duplicate_record_ids;
    struct sp_field_stats fields[SP_FIELD_COUNT]; /* indexed by enum sp_field */
    /* Details of the remembered error lines, same index as error_lines. */
    uint8_t error_kinds[SP_INGEST_MAX_ERROR_LINES];  /* enum sp_row_error */
    uint32_t error_found[SP_INGEST_MAX_ERROR_LINES]; /* fields found (field count errors) or
                                                        the 1-based column of the problem */
    uint64_t errors_by_kind[SP_ROW_ERROR_COUNT];     /* exact counts per enum sp_row_error */
    uint32_t expected_fields;                        /* columns in the header */
    /* Duplicate detection remembers at most SP_INGEST_MAX_TRACKED_IDS ids;
     * set when a larger file made the duplicate count a lower bound. */
    int duplicate_check_capped;
};

#define SP_INGEST_MAX_TRACKED_IDS (UINT64_C(1) << 22)

/* Writes a sentence about remembered error i (0 <= i < nerror_lines) into buf,
 * e.g. "expected 10 fields, found 9" or "column 4 is not valid utf-8"; never a
 * data value. Returns 0 or SP_ERR_INVALID_ARG (i out of range, buf NULL). */
SP_NODISCARD int sp_ingest_error_describe(const struct sp_ingest_stats *st, size_t i, char *buf,
                                          size_t cap);

struct sp_ingest; /* opaque */

/* Creates an ingestion for one file under a mapping (borrowed; must outlive
 * the ingestion). Returns 0, SP_ERR_NOMEM. */
SP_NODISCARD int sp_ingest_new(const struct sp_mapping *mapping, struct sp_ingest **out);
void sp_ingest_free(struct sp_ingest **ing);

/* The derivation step, sp_derive_keys by default. Tests replace it with a
 * double to observe the decoded field texts that ingestion hands over. */
typedef int (*sp_derive_fn)(const struct sp_derive_opts *opts, const struct sp_raw_record *rec,
                            struct sp_keyset *out, struct sp_field_stats stats[SP_FIELD_COUNT]);
/* Replaces the derivation step; NULL restores sp_derive_keys. Call before the
 * first feed. Returns 0, SP_ERR_INVALID_ARG, SP_ERR_STATE (feeding began). */
SP_NODISCARD int sp_ingest_set_derive(struct sp_ingest *ing, sp_derive_fn fn);

/* Sets "today" (yyyymmdd, e.g. 20250131) for future-date checks; the input
 * layer has no clock, so callers pass the date. Call before the first feed;
 * until then no date counts as in the future (99991231). Returns 0,
 * SP_ERR_INVALID_ARG (not a plausible date), SP_ERR_STATE (feeding began). */
SP_NODISCARD int sp_ingest_set_today(struct sp_ingest *ing, int today_yyyymmdd);

/* Feeds the next chunk of the file. Returns 0; SP_ERR_INPUT_COLUMN when the
 * header lacks a mapped column (fatal: the file cannot be used, *err_line and
 * the diagnostic say which); SP_ERR_NOMEM (remembering record ids for the
 * duplicate check, fatal like a missing column: the diagnostic says so); or
 * the callback's error. Row-level problems are not errors here: they are
 * counted in the statistics. */
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
