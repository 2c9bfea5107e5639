/*
 * How the CLI shows rounds: the status block, the list table, JSON, and the
 * progress of a live round (phase, values done of total, rate, time left)
 * as a line or a terminal progress bar; and one round's info with the checks
 * of the commands that read a round's results or counts. Used by `snijpunt
 * round`, `results`, `counts` and `report`.
 */
#ifndef SP_TOOLS_CLI_ROUND_VIEW_H
#define SP_TOOLS_CLI_ROUND_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "proto/control.h"
#include "tools/cli_json.h"

/* "counts", "threshold", "partners", "case", or "?". */
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

struct sp_cli_conn;

/* ROUNDS for one round into *out. Returns 0, or 1 when the daemon could
 * not be asked or knows no such round (printed as cmd's). */
int sp_cli_round_get(struct sp_cli_conn *conn, const uint8_t id[SP_ROUND_ID_BYTES], const char *cmd,
                     struct sp_ctl_round_info *out);

/* Whether prog may read the round here; prints why not and returns 1.
 * ask: when only the initiating node holds what is read (counts, the
 * report), where to go instead ("ask there"); NULL when any node may read.
 * A round kept until read once (retention 0 days) needs consume; reading
 * says what reading deletes ("reading it deletes its results"). */
int sp_cli_round_readable(const struct sp_ctl_round_info *ri, const char *prog, const char *ask,
                          bool consume, const char *reading);

/* The status block of one round (`round status`). */
void sp_cli_round_print(FILE *out, const struct sp_ctl_round_info *ri);
/* The list table: a header, then one line per round. */
void sp_cli_round_list(FILE *out, const struct sp_ctl_round_info *rounds, uint32_t n);
/* One round as a JSON object (the same fields as the status block). */
void sp_cli_round_json(struct sp_json *j, const struct sp_ctl_round_info *ri);

#endif
