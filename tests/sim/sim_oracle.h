/*
 * What a round must compute, from the project's one cleartext oracle
 * (tests/linkage/cleartext.h): per node its result rows, and at the
 * initiator the incidence histogram and (partners mode) the subject cells.
 */
#ifndef SP_SIM_ORACLE_H
#define SP_SIM_ORACLE_H

#include <stddef.h>

#include "sim_check.h"
#include "sim_data.h"
#include "sim_store.h"

#define SIM_ROW_TEXT 128

struct sim_expect {
    char (*rows[SIM_MAX_NODES])[SIM_ROW_TEXT]; /* sorted row texts per simulator node */
    size_t nrows[SIM_MAX_NODES];
    struct sim_count *counts; /* sorted by (key type, holders) */
    size_t ncounts;
};

/* Computes the expectation of the round v describes over d (names[i]: node
 * i's name). Returns 0 or -1 (no memory, or the oracle failed). */
int sim_oracle_expect(const struct sim_data *d, const struct sim_round_view *v,
                      const char *const *names, struct sim_expect *x);
void sim_expect_free(struct sim_expect *x);

/* A row as text: "dataset,record_id,partner,key types (hex mask),class". */
void sim_row_text(const struct sim_row *r, char out[SIM_ROW_TEXT]);

/* Compares a node's committed rows (any order) with the expectation.
 * Returns 0 when equal, else 1 with the first difference in why. */
int sim_oracle_rows_equal(const struct sim_expect *x, unsigned node, const struct sim_row *rows,
                          size_t n, char *why, size_t cap);
/* Compares the initiator's committed counts (any order). */
int sim_oracle_counts_equal(const struct sim_expect *x, const struct sim_count *c, size_t n,
                            char *why, size_t cap);

#endif
