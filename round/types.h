/*
 * The types the round engine (engine.h) and the node's store share: a
 * (record, key) pair of the key index as a round walks it, a result row, an
 * incidence count, and the limits on what they hold. Pure data: the daemon's
 * store (daemon/store.h) uses these types, the engine never sees the store.
 */
#ifndef SP_ROUND_TYPES_H
#define SP_ROUND_TYPES_H

#include <stdint.h>

#include "common/keytype.h"

#define SP_ROUND_NAME_MAX      64  /* dataset and node names, bytes */
#define SP_ROUND_RECORD_ID_MAX 128 /* = SP_INGEST_MAX_RECORD_ID_BYTES */
#define SP_ROUND_VALUE_MAX     256 /* a match-key value, = SP_DERIVE_MAX_VALUE_BYTES */

/* One (record, key) pair of a current dataset version, as the key index
 * walk yields it: ordered by key type, then value bytes (shorter first when
 * one is a prefix of the other), then dataset version, then record id, so
 * all pairs with the same (type, value) are adjacent. Pointers are valid
 * until the next call on the walk. */
struct sp_keyref {
    uint8_t type;
    uint8_t klass;
    uint16_t value_len;    /* at most SP_ROUND_VALUE_MAX */
    const uint8_t *value;  /* not NUL-terminated; personal data */
    const char *dataset;   /* NUL-terminated */
    const char *record_id; /* NUL-terminated */
};

/* One result row: own record (dataset, record_id) is also held by partner
 * through key_types (SP_KEY_MASK bits), strongest class klass. partner is a
 * node name, or in threshold mode "*" (the node learns only that >= k nodes
 * hold the record, not which). */
struct sp_result_row {
    const char *dataset;
    const char *record_id;
    const char *partner;
    uint32_t key_types;
    uint8_t klass;
};

/* One incidence count: count values of key_type are held by exactly the
 * nodes in holders (bit 1 << participant index). */
struct sp_count_entry {
    uint8_t key_type; /* a key type (1..16), or SP_ROUND_SUBJECT_CELL | entity */
    uint32_t holders;
    uint64_t count;
};
/* A round's subject cells (how many persons, companies, ... are held by
 * exactly those nodes) are stored with its incidence counts, their first
 * byte marked with this bit: one blob, one transaction, one deletion. */
#define SP_ROUND_SUBJECT_CELL 0x80u

#endif
