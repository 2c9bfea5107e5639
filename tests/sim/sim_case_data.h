/*
 * A case question's data in the simulator (README.md, "Case questions"):
 * the case list -- subjects with real-looking Dutch identifiers (valid BSN,
 * KvK, postcode, kenteken, IBAN), written as CSV with a mapping -- and its
 * keys as the input layer derives them, which is what the asking engine
 * hashes. Partners hold some of those values in their key index (records
 * added to a node's generated data), so that a hit is an exact cleartext
 * equality of the same bytes the engines compare blinded. The oracle says,
 * per subject and partner, which key types hit, per entity, with the
 * strongest class; and per partner, which of its own records a found value
 * names (tell_holders).
 */
#ifndef SP_SIM_CASE_DATA_H
#define SP_SIM_CASE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_data.h"
#include "sim_rng.h"
#include "sim_store.h"

#define SIM_CASE_SUBJECTS_MAX 7
#define SIM_CASE_VALUES_MAX   128
#define SIM_CASE_ROW_TEXT     160

/* One distinct (key type, value) of the list, with the subjects having it. */
struct sim_case_value {
    uint8_t type, klass; /* klass: the strongest the value was derived with */
    uint8_t len;
    uint8_t value[SIM_VALUE_MAX];
    uint32_t subjects; /* bit per subject */
};

struct sim_case_list {
    unsigned nsubjects;
    char id[SIM_CASE_SUBJECTS_MAX][8];
    bool company[SIM_CASE_SUBJECTS_MAX];
    char *csv, *mapping; /* malloc'd texts */
    size_t csv_len, mapping_len;
    struct sim_case_value v[SIM_CASE_VALUES_MAX];
    unsigned nv;
    uint32_t sizes[17]; /* distinct values per key type: the proposal's case_sizes */
    uint32_t type_mask;
};

/* Makes a list of nsubjects (1..SIM_CASE_SUBJECTS_MAX) subjects whose
 * mapping contributes the key types of keys (address is always added: every
 * subject has one); share: subject 1 lives at subject 0's address. Derives
 * its keys with the input layer (today: yyyymmdd). Returns 0, or -1 with
 * why (no memory; a value the input layer rejected or one too long for the
 * simulator: a generator bug). */
int sim_case_list_make(struct sim_case_list *l, struct sim_rng *r, unsigned nsubjects,
                       uint32_t keys, bool share, int today, char *why, size_t cap);
void sim_case_list_free(struct sim_case_list *l);

/* Adds a record (dataset, rid) to nd holding the values of subject s whose
 * key type is in types (not sorted: sim_data_sort after the last). Returns
 * the number of keys added, or -1 (no memory). */
int sim_case_hold(struct sim_node_data *nd, size_t *cap, const struct sim_case_list *l, unsigned s,
                  uint32_t types, const char *dataset, const char *rid);
/* A deep copy of a node's data (for a new version of it). */
int sim_case_data_copy(struct sim_node_data *dst, size_t *cap, const struct sim_node_data *src);
/* Removes every key of record rid (any dataset). Returns how many. */
size_t sim_case_drop_record(struct sim_node_data *nd, const char *rid);

/* Whether nd's key index holds value i of the list. */
bool sim_case_holds(const struct sim_node_data *nd, const struct sim_case_value *v);

/* The asker's expected rows about one partner (name) holding nd: one row
 * per subject and entity with a hit, as text (sim_case_row_text), sorted.
 * *found gets the bits of the list's values it holds (SIM_CASE_VALUES_MAX
 * bits). Returns the row count, or -1 (no memory). */
int sim_case_expect_asker(const struct sim_case_list *l, const struct sim_node_data *nd,
                          const char *partner, char (**rows)[SIM_CASE_ROW_TEXT], uint64_t found[2]);
/* The partner's expected rows when told the values of found (bits): its
 * records holding one, per record and entity, partner = the asker. */
int sim_case_expect_partner(const struct sim_case_list *l, const struct sim_node_data *nd,
                            const uint64_t found[2], const char *asker,
                            char (**rows)[SIM_CASE_ROW_TEXT]);

/* A stored row as text: "dataset,record,partner,entity,key types (hex),class". */
void sim_case_row_text(const struct sim_row *r, char out[SIM_CASE_ROW_TEXT]);
/* Sorts texts (n of them). */
void sim_case_rows_sort(char (*rows)[SIM_CASE_ROW_TEXT], size_t n);

/* True when s[0..len) holds none of the list's values, as a word (the
 * bytes around it are not letters or digits: a BSN's digits inside a round
 * id's hex are not the BSN). */
bool sim_case_text_clean(const struct sim_case_list *l, const char *s, size_t len);

#endif
