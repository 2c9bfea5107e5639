/*
 * Audit entries as JSON for `snijpunt audit show --json`. An entry is
 *   {"node": NAME, "seq": N, "time": "YYYY-MM-DDTHH:MM:SSZ", "type": NAME,
 *    "fields": {...}}
 * with the fields written by the export's own code (sp_audit_jsonl_fields): COUNT
 * and CODE as integers, TIME as RFC 3339 UTC, TEXT and NAME as strings,
 * DIGEST, ROUND and SIGNATURE as lower-case hex, KEYMASK as a list of key
 * type names, MODE as its name; a field the type allows more than once is a
 * list, and KEYCOUNT fields are an object {"bsn": 120, "name_dob": 80}.
 * Only what the entry says: no record contents exist in it to print.
 */
#ifndef SP_TOOLS_CLI_AUDIT_JSON_H
#define SP_TOOLS_CLI_AUDIT_JSON_H

#include "audit/entry.h"
#include "tools/cli_json.h"

/* Writes entry e of node's log as one object (key: its key in the
 * enclosing object, NULL inside an array). */
void sp_cli_audit_json_entry(struct sp_json *j, const char *key, const char *node,
                             const struct sp_audit_entry *e);

#endif
