/*
 * A schedule's data: per node a small set of records with keys of several
 * key types and every entity (common/keytype.h), drawn from one universe of
 * persons, companies, addresses, vehicles and accounts so that nodes
 * overlap as planned (a subject is held by 1, 2, 3 or more nodes; some
 * values are typos only one node has; some records are duplicates at one
 * node; some values are prefixes of others).
 *
 * Every value starts with SIM_VALUE_MARK, which never appears in what a
 * node may log or say: the privacy check looks for it.
 */
#ifndef SP_SIM_DATA_H
#define SP_SIM_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_rng.h"

#define SIM_MAX_NODES  8
#define SIM_VALUE_MAX  48         /* case list keys (sim_case_data.h) are longer */
#define SIM_VALUE_MARK "\xc2\xa7" /* U+00A7 SECTION SIGN */
#define SIM_NAME_MAX   24

/* One (record, key) pair of a node's key index. */
struct sim_key {
    uint8_t type;  /* enum sp_key_type */
    uint8_t klass; /* enum sp_key_class */
    uint8_t len;
    uint8_t value[SIM_VALUE_MAX];
    uint32_t version; /* the dataset's current version */
    char dataset[SIM_NAME_MAX];
    char record_id[SIM_NAME_MAX];
};

struct sim_node_data {
    struct sim_key *keys; /* in key-index order once sorted */
    size_t nkeys;
    uint32_t nrecords;
};

struct sim_data {
    unsigned nnodes;
    uint32_t type_mask; /* key types that occur anywhere */
    struct sim_node_data node[SIM_MAX_NODES];
};

/* Generates the data of nnodes (1..SIM_MAX_NODES) nodes from rng, each
 * node's keys sorted (sim_data_sort). scale (1..4) multiplies the universe.
 * odd: values with bytes above 0x7f in the middle (é), and records of the
 * dataset "registratie" that reuse the id of the node's previous record
 * (the same id in two datasets is two records). Returns 0 or -1 (no
 * memory; d is then freed). */
int sim_data_generate(struct sim_data *d, unsigned nnodes, unsigned scale, bool odd,
                      struct sim_rng *rng);
void sim_data_free(struct sim_data *d);

/* The key index order (round/types.h, daemon/store.h): key type, then value
 * bytes (the shorter first when one is a prefix of the other), then dataset
 * version, then record id. */
int sim_key_cmp(const struct sim_key *a, const struct sim_key *b);
void sim_data_sort(struct sim_node_data *nd);

/* Distinct values per key type among keys whose type is in mask. */
void sim_data_distinct(const struct sim_node_data *nd, uint32_t mask, uint64_t counts[17]);

#endif
