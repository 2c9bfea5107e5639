/*
 * Internal to proto/: message pieces shared by the peer and control
 * families (the proposal body, which ROUND_START reuses, count entries and
 * text checks). Built on wire.h; not part of the layer's interface.
 */
#ifndef SP_PROTO_CODEC_H
#define SP_PROTO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/peer.h"
#include "proto/proposal.h"
#include "proto/wire.h"

/* Elements of the proposal after the version: 13 for the full proposal, 11
 * for a ROUND_START request (no round_id, no created_at). */
#define SP_CODEC_PROPOSAL_FIELDS    13
#define SP_CODEC_ROUND_START_FIELDS 11
/* Mode case only: case_sizes and tell_holders after the 13. */
#define SP_CODEC_PROPOSAL_CASE_FIELDS 2

/* Writes / reads the proposal's fields (not the enclosing array header or
 * version). `request` selects the ROUND_START subset. Reading checks types
 * and sizes only; callers validate the result with sp_proposal_validate*. */
void sp_codec_put_proposal(struct sp_wire_writer *w, const struct sp_proposal *p, bool request);
SP_NODISCARD int sp_codec_get_proposal(struct sp_wire_reader *r, struct sp_proposal *p,
                                       bool request);

/* Count entries [key_type, holders, count], strictly increasing by
 * (key_type, holders), key_type valid, holders non-zero; FIELD when n > 0
 * and e is NULL. */
SP_NODISCARD int sp_codec_check_counts(const struct sp_peer_count *e, uint32_t n);
void sp_codec_put_counts(struct sp_wire_writer *w, const struct sp_peer_count *e, uint32_t n);
/* Reads and checks the entries (sp_codec_get_list into *owned, which the
 * caller frees, also on error) and points *entries at them. */
SP_NODISCARD int sp_codec_get_counts(struct sp_wire_reader *r, void **owned,
                                     const struct sp_peer_count **entries, uint32_t *n);

/* Subject cells [entity, holders, count], strictly increasing by (entity,
 * holders), entity valid, holders non-zero; as the count entries above. */
SP_NODISCARD int sp_codec_check_subjects(const struct sp_peer_subject_count *e, uint32_t n);
void sp_codec_put_subjects(struct sp_wire_writer *w, const struct sp_peer_subject_count *e,
                           uint32_t n);
SP_NODISCARD int sp_codec_get_subjects(struct sp_wire_reader *r, void **owned,
                                       const struct sp_peer_subject_count **cells, uint32_t *n);

/* Per-entity counters: an array of exactly SP_ENTITY_MAX u64 (entities 1..5
 * in order; v[0] is not sent and reads as 0). */
void sp_codec_put_entity_counts(struct sp_wire_writer *w, const uint64_t v[SP_ENTITY_COUNT]);
SP_NODISCARD int sp_codec_get_entity_counts(struct sp_wire_reader *r, uint64_t v[SP_ENTITY_COUNT]);

/* Bounded lists of n elements of size bytes. Check: OVERSIZED when n > max,
 * FIELD when n > 0 and list is NULL, then check_one (NULL: none) on each.
 * Get: an array of at most max elements read with get_one into zeroed
 * storage stored at *owned (left NULL when n is 0; stored on error too, the
 * caller frees it); *n is set on success only. */
SP_NODISCARD int sp_codec_check_list(const void *list, uint32_t n, uint32_t max, size_t size,
                                     int (*check_one)(const void *elem));
SP_NODISCARD int sp_codec_get_list(struct sp_wire_reader *r, uint32_t max, size_t size,
                                   int (*get_one)(struct sp_wire_reader *r, void *elem),
                                   void **owned, uint32_t *n);

/* The signed proposal of PROPOSE and ROUND_SUBMIT: [proposal, signature,
 * signer_cert]. The check requires sizes within limits, a signature of 0 or
 * 64 bytes and a proposal that decodes and validates. */
SP_NODISCARD int sp_codec_check_propose(const struct sp_peer_propose *p);
void sp_codec_put_propose(struct sp_wire_writer *w, const struct sp_peer_propose *p);
SP_NODISCARD int sp_codec_get_propose(struct sp_wire_reader *r, struct sp_peer_propose *p);

/* The signed audit-log head of LOG_HEAD and AUDIT_HEAD: [node, seq,
 * head_hash (32 bytes), signature (64 bytes)]. */
void sp_codec_put_signed_head(struct sp_wire_writer *w, const char *node, uint64_t seq,
                              const uint8_t *head_hash, const uint8_t *signature);
SP_NODISCARD int sp_codec_get_signed_head(struct sp_wire_reader *r, char *node, uint64_t *seq,
                                          uint8_t *head_hash, uint8_t *signature);

/* 0 when the NUL-terminated string in s[0..max] is text of min..max bytes
 * (sp_wire_text_valid), else SP_ERR_PROTO_FIELD. */
SP_NODISCARD int sp_codec_check_text(const char *s, size_t min, size_t max);
/* 0 when s (array of SP_PROTO_NAME_MAX + 1) holds a valid node name. */
SP_NODISCARD int sp_codec_check_node(const char *s);
/* 0 when mask is a non-empty subset of SP_KEY_MASK_ALL. */
SP_NODISCARD int sp_codec_check_key_mask(uint32_t mask);
/* 0 when t is a key type 1..SP_KEY_TYPE_MAX. */
SP_NODISCARD int sp_codec_check_key_type(unsigned t);

/* Reads a text field into dst like sp_wire_get_text, then requires a node
 * name (FIELD otherwise). */
SP_NODISCARD int sp_codec_get_node(struct sp_wire_reader *r, char *dst);

/* Writes a frame head: an array header of n elements, the family's version
 * (SP_PEER_VERSION, SP_PROTO_VERSION for control), type. */
void sp_codec_put_head(struct sp_wire_writer *w, unsigned version, uint32_t n, unsigned type);
/* Common frame head: array header with 2..max elements, the family's
 * version and a type in type_min..type_max. Order of checks: array (TYPE;
 * OVERSIZED above max, unless the elements are there and the first is
 * another version: VERSION; MALFORMED below 2), version (VERSION), type
 * (UNKNOWN_MSG). Sets *n to the elements left after version and type, and
 * *type. */
SP_NODISCARD int sp_codec_get_head(struct sp_wire_reader *r, unsigned version, uint32_t max,
                                   uint32_t *n, uint8_t *type, unsigned type_min,
                                   unsigned type_max);

/* Control reply bodies (ctlreply.c), one descriptor per op: the elements
 * after [version, op, status] of a status-0 reply, and how to check, write
 * and read them. get may allocate list storage into rep->owned_ (also on
 * error; the caller clears). */
struct sp_ctl_reply;
struct sp_codec_reply_desc {
    uint32_t nfields;
    int (*check)(const struct sp_ctl_reply *rep);
    void (*put)(struct sp_wire_writer *w, const struct sp_ctl_reply *rep);
    int (*get)(struct sp_wire_reader *r, struct sp_ctl_reply *rep);
};
/* The descriptor of op 1..SP_CTL_OP_MAX, else NULL. */
const struct sp_codec_reply_desc *sp_codec_reply_desc(int op);
/* Largest status-0 reply body (STATUS). */
#define SP_CODEC_REPLY_MAX_FIELDS 13

#endif
