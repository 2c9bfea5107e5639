/*
 * Dates of birth in the four declared export formats (dutch-identifiers.md,
 * "Dates"). The format is declared per file, never guessed per record.
 * Two-digit years are rejected; so are impossible dates (31-02-1990, month
 * 13), years before 1850 and dates after "today" (passed in: the input layer
 * has no clock). In jjjjmmdd, 00 marks an unknown day or month and 00000000
 * an unknown date: such a date contributes no full-date key.
 *
 * Pure, allocation-free.
 */
#ifndef SP_INPUT_DATE_H
#define SP_INPUT_DATE_H

#include <stdbool.h>
#include <stddef.h>

#define SP_DATE_MIN_YEAR 1850

struct sp_date {
    int year;  /* 0 when unknown */
    int month; /* 1..12, 0 when unknown */
    int day;   /* 1..31, 0 when unknown */
};

/* True for a real calendar date (leap years included). */
bool sp_date_exists(int year, int month, int day);

/*
 * Parses text in format (enum sp_date_format, input/derive.h). today_yyyymmdd
 * is "now" (0: no future check). Returns 0 with *out a full date; or
 * SP_REJECT_UNKNOWN_PART with the known parts in *out; or SP_REJECT_FORMAT
 * (shape, two-digit year, unknown format), SP_REJECT_RANGE (impossible,
 * before SP_DATE_MIN_YEAR, in the future).
 */
int sp_date_parse(int format, const char *text, size_t len, int today_yyyymmdd,
                  struct sp_date *out);

/* Writes a full date as 8 digits "yyyymmdd" (no NUL). */
void sp_date_format8(const struct sp_date *d, char out[8]);

#endif
