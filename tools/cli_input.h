/*
 * Shared plumbing of the offline input commands (`check`, `keys`): their
 * command line, loading a mapping file, and streaming an export file through
 * the input layer. Errors are printed to stderr as "snijpunt: FILE:LINE: what"
 * and never contain a data value from the export.
 */
#ifndef SP_TOOLS_CLI_INPUT_H
#define SP_TOOLS_CLI_INPUT_H

#include <stdbool.h>
#include <stdio.h>

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

/* What an offline input command (check, keys) does once its command line
 * is parsed and the mapping loaded. */
struct sp_cli_input_cmd {
    bool allow_json;          /* takes --json */
    void (*usage)(FILE *out); /* printed for --help */
    /* The work; returns the exit status (0 or 1). */
    int (*run)(const struct sp_cli_input_args *a, const struct sp_mapping *m);
    /* Called when the mapping cannot be loaded (reason printed); may be NULL. */
    void (*mapping_failed)(const struct sp_cli_input_args *a);
};

/* The main of an offline input command (argv[0] is the command): parses
 * argv, prints usage for --help, loads the mapping and runs c->run.
 * Returns the exit status: run's, 0 after --help, 1 when the mapping cannot
 * be loaded, 2 usage error. */
int sp_cli_input_main(int argc, char **argv, const struct sp_cli_input_cmd *c);

/* Parses a strict YYYY-MM-DD calendar date into yyyymmdd. Returns 0 or
 * SP_ERR_INPUT_FORMAT. */
SP_NODISCARD int sp_cli_parse_date(const char *s, int *yyyymmdd);

/* Today's local date as yyyymmdd (99991231 without a clock: then no date
 * counts as in the future). */
int sp_cli_today(void);

/* Loads and parses a mapping file; on failure prints "snijpunt: FILE:LINE:
 * ..." and returns the error (SP_ERR_IO, SP_ERR_INPUT_MAPPING, ...). */
SP_NODISCARD int sp_cli_load_mapping(const char *path, struct sp_mapping **out);

/* Reads the export at path (or stdin for "-") in chunks through ing, then
 * finishes it. On a fatal error prints "snijpunt: FILE:LINE: ..." (the
 * ingestion's diagnostic) and returns the error; 0 when the file was read to
 * the end (row-level problems are in the statistics, not errors). */
SP_NODISCARD int sp_cli_ingest_file(const char *path, struct sp_ingest *ing, sp_record_fn fn,
                                    void *ctx);

/* Feeds the export at path through a new ingestion of m (today as
 * yyyymmdd) that keeps no record, for its statistics (sp_ingest_stats).
 * *ing is set whenever the ingestion was created, also on failure (for
 * sp_ingest_diagnostic); the caller frees it. Returns 0 or the error,
 * printed as sp_cli_ingest_file prints it. */
SP_NODISCARD int sp_cli_ingest_count(const struct sp_mapping *m, int today, const char *path,
                                     struct sp_ingest **ing);

/* Prints "snijpunt: FILE:LINE: rest" for a diagnostic that starts with
 * "line N: ", else "snijpunt: FILE: diag". */
void sp_cli_print_diag(const char *path, const char *diag);

#endif
