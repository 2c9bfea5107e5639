/*
 * Turns verdicts into result rows (protocol.md step 5, issue 4 "results"):
 * one row per own record, partner and **entity** (common/keytype.h): the
 * union of the key types of that entity through which that partner holds
 * one of the record's values, and the strongest class (A before B before C)
 * among those keys only. A person record whose address is known at a
 * partner gets a row of entity address, never a stronger person row: an
 * address shared by two people does not make them one person.
 *
 * Local subjects (partners mode, sp_round_agg_subjects_begin): the own
 * records are grouped per entity into subjects, records that share a value
 * of a class A/B key of the entity being one subject (addresses, vehicles,
 * accounts: records sharing the value). A subject's holder set is this node
 * plus every partner that holds one of its values; this node reports the
 * subjects whose lowest-index holder it is, so that summing every node's
 * report counts each subject once (docs/subject-counts.md says what this
 * does and does not disclose).
 *
 * Pure, in memory: records are keyed by (dataset, record id); without
 * subjects memory grows with the matched (record, partner) pairs only; with
 * subjects every own record is kept. Per record: 8 bytes, its id + 3 bytes
 * (the dataset name is kept once), 8 to 16 bytes of hash index, and with
 * subjects 8 bytes per entity its keys link; per row 12 bytes, and 4 (+4
 * while sorting) per record with rows for the order. Records, rows and ids
 * are kept in fixed-size pages and blocks, so growing never copies them.
 * Record ids are not personal identifiers, but nothing here ever sees a key
 * value.
 */
#ifndef SP_ROUND_ROUND_AGG_H
#define SP_ROUND_ROUND_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Partner index of a threshold-mode row: the node learns only that at least
 * k nodes hold the record, not which. Stored and shown as partner
 * SP_ROUND_PARTNER_ANY, which is SP_CTL_PARTNER_ANY on the control wire. */
#define SP_ROUND_AGG_ANY     255
#define SP_ROUND_PARTNER_ANY "*"

struct sp_round_agg;

SP_NODISCARD int sp_round_agg_new(struct sp_round_agg **out);
void sp_round_agg_free(struct sp_round_agg **agg);

/* Turns on local subjects for participant index me (partners mode only;
 * before the first add). Returns 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_round_agg_subjects_begin(struct sp_round_agg *agg, unsigned me);

/* Says that the next adds concern a new distinct value (subjects: records
 * added under one value are one subject). */
void sp_round_agg_next_value(struct sp_round_agg *agg);

/* Adds one (record, key) pair of this node (participant index me) whose value
 * the verdict says is held by holders (already checked with
 * sp_round_check_holders; 0 when not held by k nodes: with subjects on, every
 * pair is added), under mode (enum sp_proposal_mode):
 *   partners:  one contribution per holder other than me;
 *   threshold: one contribution with partner SP_ROUND_AGG_ANY when
 *              holders != 0;
 *   counts:    nothing.
 * dataset and record_id are copied (NUL-terminated; each at most 255 bytes).
 * klass is the key's class (1 A .. 3 C). Returns 0, SP_ERR_INVALID_ARG,
 * SP_ERR_NOMEM or SP_ERR_OVERFLOW (more than 2^31 entries). */
SP_NODISCARD int sp_round_agg_add(struct sp_round_agg *agg, const char *dataset,
                                  const char *record_id, uint8_t key_type, uint8_t klass,
                                  uint32_t holders, unsigned me, int mode);

/* Distinct records with at least one row, and the number of rows. */
uint64_t sp_round_agg_records(const struct sp_round_agg *agg);
uint64_t sp_round_agg_rows(const struct sp_round_agg *agg);
/* Distinct records with at least one row of entity; 0 for an invalid one. */
uint64_t sp_round_agg_matched(const struct sp_round_agg *agg, int entity);

/* Rows whose strongest class is klass. */
uint64_t sp_round_agg_rows_of_class(const struct sp_round_agg *agg, uint8_t klass);

/* Puts the records with rows in the order of sp_round_agg_foreach (which
 * does it when needed; call it to do the sorting at a time of your choice).
 * Kept until an add gives a record its first row. Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_round_agg_order(struct sp_round_agg *agg);

/* Calls fn for every row, ordered by dataset, record id (byte order), then
 * partner index, then entity. key_types is a SP_KEY_MASK set of key types
 * of that entity; klass the strongest class among them. Strings are valid
 * until the agg is freed. fn returns 0 to go on, or a negative code that
 * stops the walk and is returned. Returns 0, SP_ERR_NOMEM or fn's code. */
typedef int (*sp_round_agg_fn)(void *ctx, const char *dataset, const char *record_id,
                               unsigned partner, uint8_t entity, uint32_t key_types, uint8_t klass);
SP_NODISCARD int sp_round_agg_foreach(struct sp_round_agg *agg, sp_round_agg_fn fn, void *ctx);

/* The same a slice at a time: calls fn for at most max rows from *pos on
 * (zeroed: the first row) and moves *pos past them; *given = the rows given
 * (fewer than max: the end). No add may come between the calls of one walk.
 * Returns 0, SP_ERR_NOMEM or fn's code (then *pos is not meaningful). */
struct sp_round_agg_pos {
    uint32_t rec; /* place in the order */
    uint32_t row; /* 0: the record's first row, else the next row's number + 1 */
};
SP_NODISCARD int sp_round_agg_foreach_n(struct sp_round_agg *agg, struct sp_round_agg_pos *pos,
                                        size_t max, sp_round_agg_fn fn, void *ctx, size_t *given);

/* Calls fn for every (entity, holder set) with the number of local subjects
 * this node reports under it (holders includes this node's bit), strictly
 * increasing by (entity, holders); nothing when subjects are off. Call after
 * the last add. Returns 0, SP_ERR_NOMEM or fn's code. */
typedef int (*sp_round_agg_subject_fn)(void *ctx, uint8_t entity, uint32_t holders, uint64_t count);
SP_NODISCARD int sp_round_agg_subjects(struct sp_round_agg *agg, sp_round_agg_subject_fn fn,
                                       void *ctx);

#endif
