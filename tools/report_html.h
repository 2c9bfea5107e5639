/*
 * The coordinator's report as one self-contained HTML page: inline CSS and
 * SVG, no script, no fetch of anything (a Content-Security-Policy of
 * default-src 'none' makes the browser refuse any, so the page works the
 * same offline on a locked-down workstation). Every text from outside is
 * escaped (report.h: sp_report_esc). Every number of the charts is printed
 * as text in a table too, with the same data attributes as the bars
 * (data-entity, data-key-type, data-holders, data-holders-mask,
 * data-count), so a test can compare them with `snijpunt counts --json`.
 *
 * Pure: writes to a stdio stream; reads no clock (r->generated_at).
 */
#ifndef SP_TOOLS_REPORT_HTML_H
#define SP_TOOLS_REPORT_HTML_H

#include <stdio.h>

#include "common/err.h"
#include "tools/report.h"

/* Charts draw at most this many combinations each (the largest by holders,
 * then count); the tables list every cell. */
#define SP_REPORT_MAX_COLUMNS 48

/* Writes the page for r to out. Returns 0, SP_ERR_INVALID_ARG (NULL, more
 * than SP_REPORT_MAX_PARTICIPANTS participants or a cell with an entity out
 * of range), SP_ERR_NOMEM, or SP_ERR_IO (the stream failed). */
SP_NODISCARD int sp_report_html_write(FILE *out, const struct sp_report *r);

#endif
