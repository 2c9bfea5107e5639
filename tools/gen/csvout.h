/*
 * A CSV writer for agency-style exports: separator, byte order mark, line
 * ending and encoding per file; RFC 4180 quoting of fields that need it.
 */
#ifndef SP_GEN_CSVOUT_H
#define SP_GEN_CSVOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sp_gen_csv {
    FILE *f;
    const char *path;
    char sep;
    bool crlf;
    bool latin1; /* fields are given in UTF-8 and written as ISO-8859-1 */
    bool at_line_start;
    uint64_t rows; /* data rows written (the header excluded) */
    char *buf;     /* stdio buffer */
};

struct sp_gen_csv_style {
    char sep;
    bool bom; /* UTF-8 byte order mark */
    bool crlf;
    bool latin1;
};

/* Opens path for writing and writes the header (column names separated by
 * commas in `header`, written with the file's separator). Returns 0 or -1
 * with errno set; the caller reports the path. */
int sp_gen_csv_open(struct sp_gen_csv *c, const char *path, const struct sp_gen_csv_style *style,
                    const char *header);
void sp_gen_csv_field(struct sp_gen_csv *c, const char *s);
void sp_gen_csv_fieldf(struct sp_gen_csv *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the current row and counts it. */
void sp_gen_csv_end(struct sp_gen_csv *c);
/* Flushes and closes; returns 0, or -1 when any write failed. */
int sp_gen_csv_close(struct sp_gen_csv *c);

#endif
