/*
 * The one JSON writer of the tree: the CLI's `--json` output (through
 * tools/cli_json.h, which binds it to a stdio stream) and the audit export's
 * lines (audit/jsonl.h, into a buffer) are both written with it, so both
 * escape alike and neither can produce invalid JSON by accident.
 *
 * Compact output (no spaces or newlines), commas inserted by the writer. A
 * key is given inside objects and must be NULL inside arrays and at the top;
 * giving it wrongly, closing what is not open or nesting deeper than
 * SP_JSON_MAX_DEPTH is misuse, reported by sp_json_end. Strings are escaped:
 * '"' and '\\', \n \r \t, other C0 controls and DEL as \u00XX, and each byte
 * that does not start a well-formed UTF-8 sequence (common/utf8.h) as
 * \ufffd; everything else is copied.
 *
 * Pure: no I/O of its own (a sink does that), no allocation.
 */
#ifndef SP_COMMON_JSONW_H
#define SP_COMMON_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_JSON_MAX_DEPTH 32

/* Takes s[0..n); false when it could not (the writer then stops). */
typedef bool (*sp_json_sink_fn)(void *ctx, const char *s, size_t n);

struct sp_json {
    char *buf; /* buffer mode: buf[0..cap), len used */
    size_t cap, len;
    sp_json_sink_fn sink; /* sink mode: every piece goes to sink(ctx, ...) */
    void *ctx;
    bool failed; /* the buffer was full or the sink failed; sticky */
    bool misuse; /* unbalanced, a key where none belongs, or too deep */
    int depth;
    bool need_comma[SP_JSON_MAX_DEPTH + 1];
    bool in_object[SP_JSON_MAX_DEPTH + 1];
};

/* Writes into buf (capacity cap, room for the terminating NUL included). */
void sp_json_init_buf(struct sp_json *j, char *buf, size_t cap);
/* Writes through sink(ctx, ...). */
void sp_json_init_sink(struct sp_json *j, sp_json_sink_fn sink, void *ctx);

void sp_json_obj_open(struct sp_json *j, const char *key);
void sp_json_obj_close(struct sp_json *j);
void sp_json_arr_open(struct sp_json *j, const char *key);
void sp_json_arr_close(struct sp_json *j);
void sp_json_str(struct sp_json *j, const char *key, const char *value); /* NULL -> null */
void sp_json_strn(struct sp_json *j, const char *key, const char *value, size_t len);
void sp_json_uint(struct sp_json *j, const char *key, uint64_t value);
void sp_json_int(struct sp_json *j, const char *key, int64_t value);
void sp_json_bool(struct sp_json *j, const char *key, bool value);
/* b[0..n) as a string of lower-case hex digits (common/hex.h). */
void sp_json_hex(struct sp_json *j, const char *key, const uint8_t *b, size_t n);

/* Ends the document (nothing is added to it). In buffer mode NUL-terminates
 * it and sets *len_out (without the NUL) when len_out is not NULL. Returns
 * 0, SP_ERR_OVERFLOW (the buffer was too small), SP_ERR_IO (the sink
 * failed) or SP_ERR_STATE (misuse, or opens and closes did not balance). */
SP_NODISCARD int sp_json_end(struct sp_json *j, size_t *len_out);

#endif
