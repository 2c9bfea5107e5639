/*
 * One line per own record from a round's result rows (`snijpunt results
 * --by-record`, and the columns `--join` puts next to an export's own): who
 * knows the record's own subject (person or company) and with which
 * strongest class, and who knows the address, vehicle or account it
 * mentions. Rows arrive ordered by dataset and record id (the daemon's
 * order), so a record's rows are contiguous.
 */
#ifndef SP_TOOLS_CLI_RESULTS_SUMMARY_H
#define SP_TOOLS_CLI_RESULTS_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "common/keytype.h"
#include "proto/control.h"

/* Partners joined with '+': at most every participant's name. */
#define SP_SUMMARY_LIST_MAX (SP_PROTO_MAX_PARTICIPANTS * (SP_PROTO_NAME_MAX + 1))

struct sp_record_summary {
    char dataset[SP_PROTO_DATASET_MAX + 1];
    char record_id[SP_CTL_RECORD_ID_MAX + 1];
    unsigned subject; /* bits 1 << SP_ENTITY_PERSON / _COMPANY: the subject rows' entities */
    uint8_t klass;    /* strongest class of the subject rows; 0 when none */
    char known_at[SP_ENTITY_COUNT][SP_SUMMARY_LIST_MAX]; /* per entity, partners */
};

/* The CSV header of the summary columns, without a line break:
 * "entity,known_at,class,address_known_at,vehicle_known_at,account_known_at". */
extern const char sp_summary_columns[];

/* Starts a summary for a row's record (clears *s). */
void sp_summary_begin(struct sp_record_summary *s, const struct sp_ctl_result_row *row);
/* True when row belongs to the record *s summarises. */
bool sp_summary_same_record(const struct sp_record_summary *s, const struct sp_ctl_result_row *row);
/* Adds one row of that record. */
void sp_summary_add(struct sp_record_summary *s, const struct sp_ctl_result_row *row);
/* Writes the summary columns (as in sp_summary_columns), CSV-quoted where
 * needed, without a line break. */
void sp_summary_write(FILE *out, const struct sp_record_summary *s);
/* Writes s as an empty set of summary columns (a record nobody knows). */
void sp_summary_write_empty(FILE *out);

#endif
