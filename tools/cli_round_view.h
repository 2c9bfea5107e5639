/*
 * How the CLI shows rounds: the status block, the list table, JSON, and the
 * progress of a live round (phase, values done of total, rate, time left)
 * as a line or a terminal progress bar. Used by `snijpunt round` and by
 * commands that name a round's mode.
 */
#ifndef SP_TOOLS_CLI_ROUND_VIEW_H
#define SP_TOOLS_CLI_ROUND_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "proto/control.h"
#include "tools/cli_json.h"

/* "counts", "threshold", "partners", or "?". */
const char *sp_cli_mode_name(int mode);

/* The progress of a round's phase, derived from a ROUND_INFO. */
struct sp_cli_progress {
    const char *unit; /* "values", "rows" or "participants accepted" */
    unsigned percent; /* 0..100; 0 when the total is unknown */
    uint64_t rate;    /* per second over the phase so far; 0 when unknown */
    uint64_t eta_s;   /* seconds left at that rate; 0 when unknown */
    bool known;       /* the phase has a total to measure against */
};
void sp_cli_progress_of(const struct sp_ctl_round_info *ri, struct sp_cli_progress *p);

/* "blinding 120000/200000 values (60%), 24000/s, about 4 s left"; just the
 * phase when it has no total. */
void sp_cli_progress_text(const struct sp_ctl_round_info *ri, char *out, size_t cap);

/* A progress bar for a terminal of width columns (no newline): the phase,
 * a bar, the figures. */
void sp_cli_progress_bar(const struct sp_ctl_round_info *ri, unsigned width, char *out, size_t cap);

/* The status block of one round (`round status`). */
void sp_cli_round_print(FILE *out, const struct sp_ctl_round_info *ri);
/* The list table: a header, then one line per round. */
void sp_cli_round_list(FILE *out, const struct sp_ctl_round_info *rounds, uint32_t n);
/* One round as a JSON object (the same fields as the status block). */
void sp_cli_round_json(struct sp_json *j, const struct sp_ctl_round_info *ri);

#endif
