/*
 * The case list of a case question, as the CLI reads it: the mapping text
 * and the CSV (at most one control chunk, 1 MiB), for `snijpunt case ask`,
 * and the distinct values per key type that the proposal must declare, for
 * `snijpunt proposal create --case-list` (counted with input/case_list.h,
 * the same code the asking node's engine reads the list with).
 */
#ifndef SP_TOOLS_CLI_CASE_LIST_H
#define SP_TOOLS_CLI_CASE_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "common/keytype.h"

/* Reads the mapping file and the case list (each malloc'd; the caller frees
 * them). Returns 0, or -1 with the reason printed after cmd. */
int sp_cli_case_files(const char *cmd, const char *mapping_path, const char *list_path,
                      char **mapping, size_t *mapping_len, char **data, size_t *data_len);
/* The case list's distinct values per key type (index = key type). Returns
 * 0, or -1 with the reason printed (the list's line and field when it
 * cannot be used; never a value). */
int sp_cli_case_sizes(const char *cmd, const char *mapping_path, const char *list_path,
                      uint32_t sizes[SP_KEY_TYPE_COUNT]);

#endif
