/*
 * The CLI's machine-readable output (`--json`): the tree's one JSON writer
 * (common/jsonw.h: sp_json_obj_open, sp_json_str, ...) bound to a stdio
 * stream.
 *
 * Usage: sp_json_init, then nested obj/arr open/close calls with values; a
 * key is given inside objects and must be NULL inside arrays and at the top.
 * sp_json_finish ends the document with a newline and checks balance and
 * stream errors.
 */
#ifndef SP_TOOLS_CLI_JSON_H
#define SP_TOOLS_CLI_JSON_H

#include <stdio.h>

#include "common/err.h"
#include "common/jsonw.h"

/* Writes the document to out. */
void sp_json_init(struct sp_json *j, FILE *out);

/* Ends the document with a newline and flushes. Returns 0, SP_ERR_STATE
 * (opens and closes did not balance) or SP_ERR_IO (the stream failed). */
SP_NODISCARD int sp_json_finish(struct sp_json *j);

#endif
