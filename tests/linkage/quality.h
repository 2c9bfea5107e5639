/*
 * Linkage quality against a truth file, shared by the quality test and the
 * cleartext-link tool: loads datasets through the real input layer (mapping
 * file + sp_ingest) into a cleartext linker and counts (record, other node)
 * pairs against truth.csv. Test code; prints no identifier.
 */
#ifndef SP_TESTS_QUALITY_H
#define SP_TESTS_QUALITY_H

#include <stdint.h>
#include <stdio.h>

#include "common/keytype.h"
#include "tests/linkage/cleartext.h"

/* Loads csv_path under mapping map_path into ct as (node, dataset), with
 * today_yyyymmdd for future-date checks. Returns 0, or an SP_ERR_* (and a
 * message on stderr naming the file). */
int sp_q_load(struct sp_ct *ct, const char *node, const char *dataset, const char *map_path,
              const char *csv_path, int today_yyyymmdd);

struct sp_q_counts {
    uint64_t records, true_pairs, tp, fp;
};

#define SP_Q_MAX_NODES 16

struct sp_q_result {
    struct sp_q_counts all;
    size_t nnodes;
    char node[SP_Q_MAX_NODES][64];
    struct sp_q_counts per_node[SP_Q_MAX_NODES];
    /* per key type: links it takes part in, and links it carries alone */
    uint64_t type_tp[SP_KEY_TYPE_COUNT], type_fp[SP_KEY_TYPE_COUNT];
    uint64_t alone_tp[SP_KEY_TYPE_COUNT], alone_fp[SP_KEY_TYPE_COUNT];
    /* record pairs sharing a key: right subject or not */
    uint64_t pair_tp, pair_fp;
    /* keys derived (all types), for the cost of a round */
    uint64_t keys;
};

/* Compares ct's links (key types in type_mask, classes up to max_class) with
 * truth_path (agency,dataset,record_id,subject_id). Returns 0 or SP_ERR_*. */
int sp_q_evaluate(struct sp_ct *ct, const char *truth_path, uint32_t type_mask, int max_class,
                  struct sp_q_result *res);

/* Prints the figures (overall, per node, per key type) to out. */
void sp_q_print(FILE *out, const char *title, const struct sp_q_result *res);

double sp_q_precision(const struct sp_q_counts *c);
double sp_q_recall(const struct sp_q_counts *c);

/* The key types that say two records are the same person or company:
 * every type but the entity keys (address, kenteken, iban). */
uint32_t sp_q_identity_mask(void);

#endif
