/*
 * The round PROPOSAL and the limits shared by both message families.
 *
 * A proposal is encoded on its own (not inside a peer message's fields) so
 * that the coordinator signs exactly these bytes and every node digests the
 * same bytes: PROPOSE carries the encoding as an opaque bin. The encoding is
 * canonical: sp_proposal_decode accepts only the bytes sp_proposal_encode
 * produces for the decoded struct, so a signature and a digest over the bytes
 * identify the proposal uniquely. Hashing belongs to crypto/, not here.
 *
 * Pure: no I/O, no allocation, no secrets. The normative text is
 * proto/README.md. msgpack-c is an implementation detail of proto/.
 */
#ifndef SP_PROTO_PROPOSAL_H
#define SP_PROTO_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/keytype.h"
#include "common/roundid.h"

/* The version of the PROPOSAL and of control frames: their first element.
 * Peer frames have their own (SP_PEER_VERSION, proto/peer.h): a stored
 * round record keeps its proposal's bytes, which must stay readable. */
#define SP_PROTO_VERSION 1

/* Limits shared by peer and control messages (README "Limits"). Text limits
 * are in bytes of UTF-8, without the terminating NUL that the structs add. */
#define SP_PROTO_NAME_MAX          64 /* node name: [a-z0-9-]{1,64} */
#define SP_PROTO_DATASET_MAX       64 /* dataset name: [a-z0-9_-]{1,64} */
#define SP_PROTO_MAX_PARTICIPANTS  32 /* holder masks are u32 */
#define SP_PROTO_MIN_PARTICIPANTS  2
#define SP_PROTO_TEXT_MAX          1024 /* purpose, reasons, messages */
#define SP_PROTO_CASE_REF_MAX      128
#define SP_PROTO_COORDINATOR_MAX   128
#define SP_PROTO_LEGAL_BASIS_MAX   256     /* keeps a full proposal under 16 KiB */
#define SP_PROTO_OIN_BYTES         20      /* Dutch OIN: exactly 20 digits, or empty */
#define SP_PROTO_MAX_DEADLINE_S    604800u /* one week */
#define SP_PROTO_MAX_COUNT_ENTRIES 65536
/* Largest encoded proposal (the PROPOSE bin). The field limits above keep
 * every valid proposal below it (worst case 12550 bytes). */
#define SP_PROPOSAL_MAX_BYTES 16384

/* Disclosure mode of a round (protocol.md, step 5). */
enum sp_proposal_mode {
    SP_PROPOSAL_MODE_COUNTS = 1,    /* coordinator gets the incidence histogram only */
    SP_PROPOSAL_MODE_THRESHOLD = 2, /* a node learns which own records >= k nodes hold */
    SP_PROPOSAL_MODE_PARTNERS = 3,  /* ... and which other nodes hold them */
    /* A case question (docs/case-questions.md): the asking node (participant
     * `counter`) learns, per case subject and partner, whether the partner
     * holds it; nobody else learns anything but the question's size. */
    SP_PROPOSAL_MODE_CASE = 4,
};
/* Most values a case proposal may declare, all key types together
 * (== SP_PEER_CASE_MAX_VALUES). */
#define SP_PROPOSAL_CASE_MAX_VALUES 4096

/* One participating node. Its index in sp_proposal.participants is its
 * participant index: ring position and holder-mask bit (1u << index). */
struct sp_proposal_participant {
    char name[SP_PROTO_NAME_MAX + 1];               /* [a-z0-9-]{1,64}, unique in the proposal */
    char oin[SP_PROTO_OIN_BYTES + 1];               /* "" or exactly 20 ASCII digits */
    char legal_basis[SP_PROTO_LEGAL_BASIS_MAX + 1]; /* UTF-8, 1..256 bytes */
    uint32_t key_types; /* non-empty subset of SP_KEY_MASK_ALL (common/keytype.h) */
};

/* A round proposal. All strings are NUL-terminated UTF-8 without control
 * characters other than TAB (checked on encode and decode). */
struct sp_proposal {
    uint8_t round_id[SP_ROUND_ID_BYTES];            /* random, chosen by the initiator */
    char coordinator[SP_PROTO_COORDINATOR_MAX + 1]; /* who proposes; 1..128 bytes */
    char case_ref[SP_PROTO_CASE_REF_MAX + 1];       /* case reference; 1..128 bytes */
    char purpose[SP_PROTO_TEXT_MAX + 1];            /* 1..1024 bytes */
    uint32_t nparticipants; /* SP_PROTO_MIN_PARTICIPANTS..SP_PROTO_MAX_PARTICIPANTS */
    struct sp_proposal_participant participants[SP_PROTO_MAX_PARTICIPANTS];
    uint8_t min_holders;     /* k: 1..nparticipants */
    uint8_t mode;            /* enum sp_proposal_mode */
    uint8_t counter;         /* participant index of the counting node: < nparticipants;
                                mode case: of the asking node */
    uint64_t max_set_size;   /* per node and key type cap on distinct values; >= 1 */
    uint64_t created_at;     /* Unix seconds, filled by the initiating daemon */
    uint64_t expires_at;     /* Unix seconds; > created_at; nodes refuse it after this */
    uint32_t deadline_s;     /* round time limit once started: 1..SP_PROTO_MAX_DEADLINE_S */
    uint32_t retention_days; /* how long results are kept; any u32 (0: purge at once) */
    /* Mode case only (encoded only then; zero otherwise, checked): the
     * question's size per key type (index = key type; the asker's key_types
     * are exactly the types with a non-zero size; sum 1..
     * SP_PROPOSAL_CASE_MAX_VALUES), and whether each partner is told which
     * of its own records matched. */
    uint32_t case_sizes[SP_KEY_TYPE_COUNT];
    bool tell_holders;
};

/* Checks every field of p against the bounds above (the same checks that
 * encode and decode apply). Returns 0, SP_ERR_PROTO_FIELD (a value out of
 * range, an unterminated or invalid string, duplicate participant names). */
SP_NODISCARD int sp_proposal_validate(const struct sp_proposal *p);

/* Like sp_proposal_validate but ignores round_id and created_at, which a
 * ROUND_START control request does not carry (expires_at is then only
 * checked to be non-zero). Returns 0 or SP_ERR_PROTO_FIELD. */
SP_NODISCARD int sp_proposal_validate_request(const struct sp_proposal *p);

/* Encodes p canonically into buf (capacity cap; SP_PROPOSAL_MAX_BYTES always
 * suffices) and sets *len_out. buf is the caller's; nothing is allocated.
 * Returns 0; SP_ERR_PROTO_FIELD (p invalid, see sp_proposal_validate);
 * SP_ERR_OVERFLOW (cap too small; *len_out untouched). */
SP_NODISCARD int sp_proposal_encode(const struct sp_proposal *p, uint8_t *buf, size_t cap,
                                    size_t *len_out);

/* Decodes a proposal (all values copied; buf may be freed afterwards).
 * *out is written only on success. Returns 0 or: SP_ERR_PROTO_TRUNCATED,
 * SP_ERR_PROTO_OVERSIZED (len > SP_PROPOSAL_MAX_BYTES or a string/array
 * beyond its limit), SP_ERR_PROTO_TYPE, SP_ERR_PROTO_VERSION,
 * SP_ERR_PROTO_MALFORMED (wrong element count, non-canonical encoding),
 * SP_ERR_PROTO_FIELD, SP_ERR_PROTO_TRAILING. */
SP_NODISCARD int sp_proposal_decode(const uint8_t *buf, size_t len, struct sp_proposal *out);

/* What a coordinator signs (PROPOSE's signature, proto/README.md §5): the
 * domain string with its terminating NUL, then the encoded proposal bytes:
 *   signature = Ed25519(coordinator key, "snijpunt-proposal-v1\0" || bytes) */
#define SP_PROPOSAL_SIG_DOMAIN     "snijpunt-proposal-v1"
#define SP_PROPOSAL_SIG_DOMAIN_LEN (sizeof SP_PROPOSAL_SIG_DOMAIN) /* with the NUL */
#define SP_PROPOSAL_SIGNED_MAX     (SP_PROPOSAL_SIG_DOMAIN_LEN + SP_PROPOSAL_MAX_BYTES)
/* Writes that message for bytes[0..len) into out (capacity cap). Returns its
 * length, or 0 when len is 0, above SP_PROPOSAL_MAX_BYTES, or cap is too
 * small. */
size_t sp_proposal_signed_message(const uint8_t *bytes, size_t len, uint8_t *out, size_t cap);

/* A round's deadline from its size (daemon/ROUNDS.md, "Deadline"): every
 * node blinds every participant's values once, at most
 * V = sum over participants of (key types offered) x max_set_size values;
 * the budget is SP_PROPOSAL_DEADLINE_FLOOR_S plus V at a deliberately slow
 * SP_PROPOSAL_DEADLINE_US_PER_VALUE per value (about five times the slowest
 * rate measured on a busy 2-core machine, hashing, blinding, counting and
 * mapping together), rounded up to whole seconds and capped at
 * SP_PROTO_MAX_DEADLINE_S. A case question (its size is its case_sizes, at
 * most 4096 values) gets the floor. Pure; never fails (0 participants: the
 * floor). */
#define SP_PROPOSAL_DEADLINE_FLOOR_S      600u
#define SP_PROPOSAL_DEADLINE_US_PER_VALUE 1000u
uint32_t sp_proposal_deadline_for_size(const struct sp_proposal *p);

/* Index of the participant called name, or SP_ERR_NOT_FOUND. */
int sp_proposal_participant_index(const struct sp_proposal *p, const char *name);

/* True when s[0..len) is a valid node name: [a-z0-9-]{1,64}. */
bool sp_proto_node_name_valid(const char *s, size_t len);
/* True when s[0..len) is a valid dataset name: [a-z0-9_-]{1,64}. */
bool sp_proto_dataset_name_valid(const char *s, size_t len);

#endif
