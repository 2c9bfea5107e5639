/*
 * Streaming RFC 4180 record splitter. Bytes in (chunks of any size, split
 * anywhere: inside a quoted field, a CRLF pair or a multibyte character), one
 * row per record out through a callback. Works on raw bytes: separator, quote,
 * CR and LF are ASCII and never occur inside a multibyte character of UTF-8,
 * ISO-8859-1 or Windows-1252, so decoding can wait until a record is complete.
 *
 * Accepted: quoted fields with embedded separators, doubled quotes and line
 * breaks; CRLF, LF or a lone CR as record end; a last record without line end.
 * Empty lines are skipped. Optionally (trim) spaces around fields are dropped,
 * also around a quoted field ( "a" ). Structural problems never stop the
 * stream: the row is delivered with an error set and the next record starts
 * after the next line end outside quotes.
 *
 * Hard caps: a record is at most SP_CSV_MAX_RECORD_BYTES raw bytes and
 * SP_CSV_MAX_FIELDS fields; beyond that the row is delivered with an error
 * and its contents are incomplete. Memory use is fixed at creation.
 */
#ifndef SP_INPUT_CSV_H
#define SP_INPUT_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_CSV_MAX_RECORD_BYTES 65536
#define SP_CSV_MAX_FIELDS       1024
#define SP_CSV_NO_QUOTE         (-1)

/* Why a row is structurally broken. */
enum sp_csv_error {
    SP_CSV_OK = 0,
    SP_CSV_STRAY_QUOTE = 1, /* quote inside an unquoted field, or text after a closing quote */
    SP_CSV_UNTERMINATED_QUOTE = 2, /* quoted field still open at end of file */
    SP_CSV_TOO_LONG = 3,           /* more than SP_CSV_MAX_RECORD_BYTES */
    SP_CSV_TOO_MANY_FIELDS = 4,    /* more than SP_CSV_MAX_FIELDS */
};

struct sp_csv_opts {
    char sep;  /* ',', ';', '\t', '|', ... (not CR, LF or the quote) */
    int quote; /* usually '"'; SP_CSV_NO_QUOTE for none */
    bool trim; /* drop spaces (and tabs, unless sep is a tab) around fields */
};

struct sp_csv_field {
    uint32_t off; /* into sp_csv_row.data */
    uint32_t len;
};

/* One record. Everything points into the splitter and is valid only during
 * the callback. Field bytes are unquoted ("" collapsed), not decoded, and lie
 * back to back in data in field order (field[i + 1].off == field[i].off +
 * field[i].len). */
struct sp_csv_row {
    uint64_t line;  /* 1-based physical line where the record starts */
    size_t nfields; /* fields found (exact even beyond the cap) */
    size_t nstored; /* fields in field[] (min(nfields, SP_CSV_MAX_FIELDS)) */
    const uint8_t *data;
    const struct sp_csv_field *field;
    int error;          /* enum sp_csv_error: the first problem found */
    size_t error_field; /* 0-based field where it was found */
};

/* Return 0 to go on; a negative SP_ERR_* stops the stream and is returned by
 * sp_csv_feed/sp_csv_finish. */
typedef int (*sp_csv_row_fn)(void *ctx, const struct sp_csv_row *row);

struct sp_csv; /* opaque */

/* Returns 0, SP_ERR_INVALID_ARG (sep is CR, LF or equals the quote; quote is
 * CR or LF), SP_ERR_NOMEM. */
SP_NODISCARD int sp_csv_new(const struct sp_csv_opts *opts, struct sp_csv **out);
void sp_csv_free(struct sp_csv **csv);

/* Splits the next chunk. Returns 0 or the callback's error. */
SP_NODISCARD int sp_csv_feed(struct sp_csv *csv, const uint8_t *buf, size_t len, sp_csv_row_fn fn,
                             void *ctx);
/* End of input: delivers a last record without line end (or with an open
 * quote, as SP_CSV_UNTERMINATED_QUOTE). Returns 0 or the callback's error. */
SP_NODISCARD int sp_csv_finish(struct sp_csv *csv, sp_csv_row_fn fn, void *ctx);

/* Physical lines consumed so far (after finish: including a last line
 * without line end). */
uint64_t sp_csv_lines(const struct sp_csv *csv);

#endif
