/*
 * An UpSet chart as inline SVG (Lex et al., "UpSet: Visualization of
 * Intersecting Sets", 2014): one column per combination of holders with a
 * bar of its count above a row of dots marking which participants hold it,
 * and per participant a horizontal bar of its total. Our own ~200 lines
 * rather than a library: Debian packages no C library that emits SVG
 * without JavaScript, and the chart needs only rectangles, circles, lines
 * and text. Pure: writes to a stdio stream, no other I/O.
 *
 * Every bar carries its numbers as data attributes (data-entity,
 * data-key-type when per key type, data-holders, data-holders-mask,
 * data-count; totals data-participant and data-total) and a <title>, so
 * that tests and screen readers read the same numbers the bars show.
 */
#ifndef SP_TOOLS_REPORT_SVG_H
#define SP_TOOLS_REPORT_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "tools/report.h"

struct sp_report_upset {
    const char *id;                           /* the chart's element id (unique in the page) */
    const char *label;                        /* its accessible name */
    const char *entity;                       /* data-entity of its bars */
    const char *key_type;                     /* data-key-type of its bars, or NULL */
    const struct sp_report *r;                /* participant names and k */
    const struct sp_report_cell *const *cols; /* the columns, in drawing order */
    uint32_t ncols;
    const uint64_t *totals; /* per participant (r->nparticipants): its total */
};

/* Writes the chart's <svg> element. Columns of fewer than k holders are
 * drawn grey (held by too few partners to be a match). Returns 0, or
 * SP_ERR_INVALID_ARG (no participants, more than SP_REPORT_MAX_PARTICIPANTS
 * or a NULL argument). Stream errors are left for the caller's ferror. */
int sp_report_svg_upset(FILE *out, const struct sp_report_upset *u);

#endif
