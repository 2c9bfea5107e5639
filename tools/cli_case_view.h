/*
 * What the asking node of a case question learns, as `snijpunt case
 * results` (and `case ask --wait`) show it to a RIEC analyst: per case
 * subject (the case list's record id) one line per partner and entity that
 * knows it, a line "known to no partner" for a subject nobody knows, and
 * per partner whether it answered (or refused, or did not answer, and why).
 *
 * The daemon's RESULTS rows of a case question (proto/control.h) are one
 * per subject and partner; a row's key types may name more than one entity
 * (a subject listed with a BSN and an address, both known to the partner).
 * Such a row is shown as one line per entity, so an address hit is never
 * shown as a person hit: each line's class is that of its own key types
 * (never stronger than the row's).
 */
#ifndef SP_TOOLS_CLI_CASE_VIEW_H
#define SP_TOOLS_CLI_CASE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "proto/control.h"

/* The CSV header of `case results --csv` (and local-federation's case.csv),
 * without a line break. */
extern const char sp_case_csv_columns[];

/* One line: a subject known to a partner through key types of one entity,
 * or (partner "" and entity 0) a subject no partner knows. */
struct sp_case_line {
    const char *subject; /* the case list's record id */
    const char *partner; /* "" for a subject no partner knows */
    int entity;          /* enum sp_entity; 0 for a subject no partner knows */
    uint32_t key_types;
    uint8_t klass; /* enum sp_key_class; 0 for a subject no partner knows */
};

/* A partner's part in the question. */
struct sp_case_outcome {
    char name[SP_PROTO_NAME_MAX + 1];
    bool answered;
    char why[SP_PROTO_TEXT_MAX + 1]; /* not answered: what the round's reason says */
};

struct sp_case_view {
    struct sp_ctl_round_info ri;
    char self[SP_PROTO_NAME_MAX + 1]; /* the asking node (this node) */
    struct sp_ctl_result_row *rows;   /* copies of the RESULTS rows */
    size_t nrows, cap;
    struct sp_case_line *lines;
    size_t nlines;
    size_t nsubjects, nknown; /* subjects in the list, and known to some partner */
    struct sp_case_outcome outcome[SP_PROTO_MAX_PARTICIPANTS];
    unsigned noutcomes;
};

/* Starts a view of round ri asked by node self. */
void sp_case_view_init(struct sp_case_view *v, const struct sp_ctl_round_info *ri,
                       const char *self);
/* Adds a RESULTS row (copied). Returns 0 or -1 (out of memory). */
int sp_case_view_add(struct sp_case_view *v, const struct sp_ctl_result_row *row);
/* Makes the lines and the partners' outcomes once every row is added.
 * Returns 0 or -1 (out of memory). */
int sp_case_view_finish(struct sp_case_view *v);
void sp_case_view_free(struct sp_case_view *v);

/* The readable form: a heading, the legend, one table line per line, the
 * partners' outcomes. */
void sp_case_view_text(FILE *out, const struct sp_case_view *v);
/* sp_case_csv_columns, then one row per line (a subject no partner knows:
 * empty entity, partner, key_types and class). */
void sp_case_view_csv(FILE *out, const struct sp_case_view *v);
/* One JSON document: {"round", "case", "state", "reason", "subjects",
 * "known", "rows": [{"subject_ref", "entity", "partner", "key_types",
 * "class"}], "partners": [{"name", "answered", "reason"}]}. Returns 0 or 1
 * (standard output failed). */
int sp_case_view_json(FILE *out, const struct sp_case_view *v);

#endif
