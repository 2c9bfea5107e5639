/*
 * CSV as the CLI writes it (results, keys, joined exports): RFC 4180 fields.
 */
#ifndef SP_TOOLS_CLI_CSV_H
#define SP_TOOLS_CLI_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len), quoted (quotes doubled) when it holds a separator, a
 * quote or a line break, or starts or ends with a space. */
void sp_csv_write_field(FILE *out, const char *s, size_t len);

#endif
