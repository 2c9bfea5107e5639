/*
 * A tiny JSON writer for machine-readable command output (`--json`). It
 * writes compact JSON to a stdio stream, inserting commas itself and escaping
 * every string (control characters, quotes, backslashes; bytes that are not
 * UTF-8 become U+FFFD), so callers cannot produce invalid JSON by accident.
 * Self-contained (stdio only) so that the daemon can use it too, and small so
 * that swapping it for a library (libjansson) touches one file.
 *
 * Usage: sp_json_init, then nested obj/arr open/close calls with values; a
 * key is given inside objects and must be NULL inside arrays and at the top.
 * sp_json_finish checks balance and stream errors.
 */
#ifndef SP_TOOLS_CLI_JSON_H
#define SP_TOOLS_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

#define SP_JSON_MAX_DEPTH 32

struct sp_json {
    FILE *out;
    int depth;
    bool need_comma[SP_JSON_MAX_DEPTH + 1];
    bool in_object[SP_JSON_MAX_DEPTH + 1];
    bool misuse; /* unbalanced or too deep; reported by sp_json_finish */
};

void sp_json_init(struct sp_json *j, FILE *out);
void sp_json_obj_open(struct sp_json *j, const char *key);
void sp_json_obj_close(struct sp_json *j);
void sp_json_arr_open(struct sp_json *j, const char *key);
void sp_json_arr_close(struct sp_json *j);
void sp_json_str(struct sp_json *j, const char *key, const char *value); /* NULL -> null */
void sp_json_strn(struct sp_json *j, const char *key, const char *value, size_t len);
void sp_json_uint(struct sp_json *j, const char *key, uint64_t value);
void sp_json_int(struct sp_json *j, const char *key, int64_t value);
void sp_json_bool(struct sp_json *j, const char *key, bool value);

/* Ends the document with a newline and flushes. Returns 0, SP_ERR_STATE
 * (opens and closes did not balance) or SP_ERR_IO (the stream failed). */
SP_NODISCARD int sp_json_finish(struct sp_json *j);

#endif
