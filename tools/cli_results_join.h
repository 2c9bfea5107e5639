/*
 * `snijpunt results --join EXPORT --mapping MAP`: the node's own export with
 * the result columns of each record next to its own columns, for the
 * analyst on the node (local data only: nothing is sent anywhere). The
 * export is read as its mapping says (separator, quoting, encoding, header,
 * record id column) and written as UTF-8 CSV.
 */
#ifndef SP_TOOLS_CLI_RESULTS_JOIN_H
#define SP_TOOLS_CLI_RESULTS_JOIN_H

#include <stdio.h>

#include "tools/cli_results_summary.h"

struct sp_results_join;

/* A join of the records of dataset (NULL: any dataset, refused later when a
 * record id occurs in more than one). Returns 0 or SP_ERR_NOMEM. */
int sp_results_join_new(const char *dataset, struct sp_results_join **out);
void sp_results_join_free(struct sp_results_join **j);

/* Keeps one record's summary (copied as its CSV columns). Returns 0,
 * SP_ERR_NOMEM, or SP_ERR_INVALID_ARG when, without a dataset, the record id
 * was already seen in another dataset (printed: name --dataset). */
int sp_results_join_add(struct sp_results_join *j, const struct sp_record_summary *s);

/* Reads the export at path under the mapping at mapping_path and writes
 * every record that has results, with its columns, to out; with all, every
 * record (empty result columns for the others). Prints what went wrong
 * ("snijpunt: FILE:LINE: ..."). Returns the exit status: 0 or 1. */
int sp_results_join_write(struct sp_results_join *j, const char *path, const char *mapping_path,
                          bool all, FILE *out);

#endif
