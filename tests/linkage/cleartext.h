/*
 * Cleartext record linkage by equal match keys: the reference a private round
 * must reproduce exactly (tests/linkage/README.md).
 *
 * Records are added key by key, each under a node (an agency) and a dataset.
 * A record links to another node when any of its keys (of the selected key
 * types and classes) equals a key of a record of that node; datasets of the
 * same node count as one node. Test and tool code: it holds key values in
 * the clear in ordinary memory.
 */
#ifndef SP_TESTS_CLEARTEXT_H
#define SP_TESTS_CLEARTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SP_CT_MAX_NODES 64

struct sp_ct; /* opaque */

/* One (record, partner node) link. The strings are owned by the linker. */
struct sp_ct_link {
    const char *node;
    const char *dataset;
    const char *record_id;
    const char *partner;
    int entity;     /* enum sp_entity of every key type in types */
    uint32_t types; /* SP_KEY_MASK bits of the key types through which it links */
    int klass;      /* strongest (lowest) class among those keys: SP_CLASS_* */
};

typedef int (*sp_ct_link_fn)(void *ctx, const struct sp_ct_link *link);

/* Returns 0 or SP_ERR_NOMEM. */
int sp_ct_new(struct sp_ct **out);
void sp_ct_free(struct sp_ct **ct);

/* Adds one key of a record (the record is created on first sight; the same
 * (node, dataset, record_id) later adds to it). type is enum sp_key_type,
 * klass enum sp_key_class. Returns 0, SP_ERR_INVALID_ARG (bad type/class,
 * empty names), SP_ERR_OVERFLOW (more than SP_CT_MAX_NODES nodes),
 * SP_ERR_NOMEM. */
int sp_ct_add(struct sp_ct *ct, const char *node, const char *dataset, const char *record_id,
              int type, int klass, const char *value, size_t len);

/* Adds a record with no keys (it still counts as a record). */
int sp_ct_add_record(struct sp_ct *ct, const char *node, const char *dataset,
                     const char *record_id);

/* Calls fn for every (record, other node) link through keys whose type is in
 * type_mask and whose class is at most max_class (SP_CLASS_B: A and B keys).
 * Records are visited in the order they were first added, partners in the
 * order nodes were first seen. Stops at and returns fn's first non-zero
 * value; else 0 (SP_ERR_NOMEM on allocation failure). */
int sp_ct_links(struct sp_ct *ct, uint32_t type_mask, int max_class, sp_ct_link_fn fn, void *ctx);

/* One pair of records of different nodes that share keys (each unordered
 * pair once), for record-level precision. */
struct sp_ct_pair {
    struct sp_ct_link a; /* a.partner is b's node */
    const char *b_dataset;
    const char *b_record_id;
};
typedef int (*sp_ct_pair_fn)(void *ctx, const struct sp_ct_pair *pair);

/* Calls fn for every pair of records of different nodes sharing a key of a
 * type in type_mask and class at most max_class; types and klass as in
 * sp_ct_links. Returns 0, fn's first non-zero value, or SP_ERR_NOMEM. */
int sp_ct_pairs(struct sp_ct *ct, uint32_t type_mask, int max_class, sp_ct_pair_fn fn, void *ctx);

/* Every record, for totals: calls fn with partner NULL, types 0. */
int sp_ct_records(struct sp_ct *ct, sp_ct_link_fn fn, void *ctx);

/* Numbers of records and of keys added (a record's duplicate keys count once
 * per add). */
size_t sp_ct_record_count(const struct sp_ct *ct);
size_t sp_ct_key_count(const struct sp_ct *ct);

/* Names of the nodes, in the order first seen. */
size_t sp_ct_node_count(const struct sp_ct *ct);
const char *sp_ct_node_name(const struct sp_ct *ct, size_t i);

/* Reads a `snijpunt keys` CSV file (header record_id,key_type,class,value;
 * key_type by name or number, class A/B/C or 1..3) into the linker under node
 * and dataset. Returns 0, SP_ERR_IO, SP_ERR_INPUT_CSV (with *bad_line set),
 * or as sp_ct_add. */
int sp_ct_read_keys(struct sp_ct *ct, const char *node, const char *dataset, FILE *in,
                    unsigned long *bad_line);

/* ---- a private round's view (the simulator's oracle, tests/sim/) ---------- */

/* What a round over the linker's nodes discloses, node i (first-seen order)
 * being participant i. Add only the keys each participant offers (its key
 * types in the proposal) and add the participants first, in ring order. */
struct sp_ct_round {
    uint32_t type_mask;      /* the round's key types */
    unsigned min_holders;    /* k: a value counts when at least k nodes hold it */
    const char *any_partner; /* threshold mode: one link per record and entity
                                with this partner name ("*"), through values
                                held by >= k nodes (the record's own node
                                included); NULL (partners mode): one link per
                                other node holding such a value */
};

/* Calls fn for every link of the round, as sp_ct_links (every class), with
 * the round's k and partner rule above; with min_holders <= 2 and
 * any_partner NULL it equals sp_ct_links. Returns 0, fn's first non-zero
 * value, SP_ERR_INVALID_ARG (min_holders 0) or SP_ERR_NOMEM. */
int sp_ct_round_links(struct sp_ct *ct, const struct sp_ct_round *r, sp_ct_link_fn fn, void *ctx);

/* The incidence histogram: fn(ctx, type, nodes, count) for every (key type in
 * type_mask, set of nodes) that holds exactly `count` > 0 distinct values,
 * strictly increasing by (type, nodes). Returns 0, fn's value or
 * SP_ERR_NOMEM. */
typedef int (*sp_ct_cell_fn)(void *ctx, int type, uint64_t nodes, uint64_t count);
int sp_ct_histogram(struct sp_ct *ct, uint32_t type_mask, sp_ct_cell_fn fn, void *ctx);

/* The subject cells node reports in a partners round (docs/subject-counts.md,
 * round/round_agg.h): its records grouped per entity through shared values
 * of the round's key types (class C keys of persons and companies never
 * join), a subject's holder set being the node plus every node holding one
 * of its joining values held by >= k nodes; only subjects whose lowest
 * holder is the node. fn(ctx, entity, holders, count) per cell, strictly
 * increasing by (entity, holders); `type` carries the entity. Returns 0,
 * SP_ERR_NOT_FOUND (unknown node), fn's value or SP_ERR_NOMEM. */
int sp_ct_subjects(struct sp_ct *ct, const char *node, const struct sp_ct_round *r,
                   sp_ct_cell_fn fn, void *ctx);

/* ---- what the integration tests compare (build/tests/cleartext-link) ------ */

/* Writes what node must store after the round r (sp_ct_round_links, every
 * class) as `snijpunt results` writes it: the header
 * "dataset,record_id,entity,partner,key_types,class", then one line per own
 * record, entity and partner, key_types joined with '+' in key-type order,
 * fields quoted per RFC 4180 when needed, the lines sorted bytewise.
 * Returns 0, SP_ERR_NOT_FOUND (unknown node), SP_ERR_INVALID_ARG
 * (min_holders 0), SP_ERR_IO, SP_ERR_NOMEM. */
int sp_ct_write_results(struct sp_ct *ct, const char *node, const struct sp_ct_round *r, FILE *out);

/* Writes the incidence histogram of the key types in type_mask
 * (sp_ct_histogram) as lines "KEY_TYPE HOLDERS COUNT": HOLDERS the names of
 * the nodes holding the values, joined with '+' in the order of
 * participants[0..n) (NULL: the order nodes were first seen), cells with a
 * count below suppress_below left out, the lines sorted bytewise. This is
 * what `snijpunt counts --json` shows as key_type, holders and count.
 * Returns 0, SP_ERR_INVALID_ARG (a node that is not among the participants,
 * or a participant named twice), SP_ERR_IO, SP_ERR_NOMEM. */
int sp_ct_write_counts(struct sp_ct *ct, uint32_t type_mask, const char *const *participants,
                       size_t n, uint64_t suppress_below, FILE *out);

#endif
