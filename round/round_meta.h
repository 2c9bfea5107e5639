/*
 * The round meta blob: how the federation engine records one round in the
 * store (sp_store_round_put; the store keeps it opaque). It holds the
 * proposal bytes exactly as proposed (so a digest or, later, a signature can
 * be checked again), this node's view of the round (state, role, times,
 * counters) and, for a failed or refused round, the reason. Never a value,
 * element or key.
 *
 * Encoding (all integers big-endian): "SPR3", state u8, self index u8,
 * initiator u8, then u64 created_at, started_at, finished_at,
 * records_matched, values_sent, values_received, rows, created_ms, then
 * SP_KEY_TYPE_COUNT (17) u64 own set sizes (index = key type), SP_ENTITY_MAX
 * (5) u64 records matched per entity (person .. account), round_id
 * (16 bytes), reason (u16 length + UTF-8), proposal (u32 length + bytes).
 * Decoding is strict (exact length, known state, bounded fields). "SPR2"
 * (no per-entity counts) and "SPR1" blobs of earlier builds (also 16 set
 * sizes, before key type 16) decode too; they are never written.
 */
#ifndef SP_ROUND_ROUND_META_H
#define SP_ROUND_ROUND_META_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/keytype.h"
#include "proto/proposal.h"

#define SP_ROUND_META_MAX_BYTES (320 + SP_PROTO_TEXT_MAX + SP_PROPOSAL_MAX_BYTES)

struct sp_round_meta {
    uint8_t round_id[SP_ROUND_ID_BYTES];
    uint8_t state;                         /* enum sp_round_state */
    uint8_t self_index;                    /* this node's participant index */
    uint8_t initiator;                     /* 1 when this node proposed the round */
    uint64_t created_at;                   /* Unix seconds: proposed (initiator) or received */
    uint64_t started_at;                   /* START; 0 when not started */
    uint64_t finished_at;                  /* terminal state reached; 0 while live */
    uint64_t records_matched;              /* own records with at least one result row */
    uint64_t matched[SP_ENTITY_COUNT];     /* ... with a row of the entity; [0] is 0 */
    uint64_t values_sent;                  /* own distinct values sent into the ring */
    uint64_t values_received;              /* peers' values this node blinded */
    uint64_t rows;                         /* result rows stored */
    uint64_t created_ms;                   /* Unix milliseconds of created_at: orders rounds */
    uint64_t set_sizes[SP_KEY_TYPE_COUNT]; /* own distinct values per key type */
    char reason[SP_PROTO_TEXT_MAX + 1];
    uint32_t proposal_len;
    uint8_t proposal[SP_PROPOSAL_MAX_BYTES];
};

/* Encodes m into buf (capacity cap; SP_ROUND_META_MAX_BYTES suffices).
 * Returns 0, SP_ERR_INVALID_ARG (a field out of range) or SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_round_meta_encode(const struct sp_round_meta *m, uint8_t *buf, size_t cap,
                                      size_t *len_out);
/* Decodes a blob; *m written only on success. Returns 0 or SP_ERR_STORE
 * (not a meta blob of this version, or damaged). */
SP_NODISCARD int sp_round_meta_decode(const uint8_t *buf, size_t len, struct sp_round_meta *m);

#endif
