/*
 * Shared plumbing of the offline input commands (`check`, `keys`): their
 * command line, loading a mapping file, and streaming an export file through
 * the input layer. Errors are printed to stderr as "snijpunt: FILE:LINE: what"
 * and never contain a data value from the export.
 */
#ifndef SP_TOOLS_CLI_INPUT_H
#define SP_TOOLS_CLI_INPUT_H

#include <stdbool.h>

#include "common/err.h"
#include "input/ingest.h"
#include "input/mapping.h"

struct sp_cli_input_args {
    const char *mapping; /* --mapping FILE */
    const char *input;   /* the export; "-" is standard input */
    int today;           /* --today YYYY-MM-DD as yyyymmdd, else the local date */
    bool json;           /* --json (only where allowed) */
    bool help;           /* --help / -h: print usage and exit 0 */
};

/* Parses argv (argv[0] is the command). Prints a message naming the problem
 * to stderr on error. Returns 0, or 2 (usage error: the exit status). */
int sp_cli_input_args_parse(int argc, char **argv, bool allow_json, struct sp_cli_input_args *a);

/* Parses a strict YYYY-MM-DD calendar date into yyyymmdd. Returns 0 or
 * SP_ERR_INPUT_FORMAT. */
SP_NODISCARD int sp_cli_parse_date(const char *s, int *yyyymmdd);

/* Loads and parses a mapping file; on failure prints "snijpunt: FILE:LINE:
 * ..." and returns the error (SP_ERR_IO, SP_ERR_INPUT_MAPPING, ...). */
SP_NODISCARD int sp_cli_load_mapping(const char *path, struct sp_mapping **out);

/* Reads the export at path (or stdin for "-") in chunks through ing, then
 * finishes it. On a fatal error prints "snijpunt: FILE:LINE: ..." (the
 * ingestion's diagnostic) and returns the error; 0 when the file was read to
 * the end (row-level problems are in the statistics, not errors). */
SP_NODISCARD int sp_cli_ingest_file(const char *path, struct sp_ingest *ing, sp_record_fn fn,
                                    void *ctx);

/* Prints "snijpunt: FILE:LINE: rest" for a diagnostic that starts with
 * "line N: ", else "snijpunt: FILE: diag". */
void sp_cli_print_diag(const char *path, const char *diag);

#endif
