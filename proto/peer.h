/*
 * Node <-> node messages (over CURVE-encrypted ZeroMQ), see proto/README.md.
 *
 * One ZeroMQ frame holds one message: [2, type, round_id, ...fields]. The
 * sender is not in the message; the receiver knows it from the CURVE key.
 *
 * Memory: encoders write into a caller buffer (sp_peer_encode) or a malloc'd
 * buffer they return (sp_peer_encode_alloc). sp_peer_decode is zero-copy for
 * the large byte payloads (proposal, signature, certificate, elements): those
 * pointers point into the input buffer, which must outlive their use. The
 * VERDICT holders and COUNTS entries are decoded into storage that the message
 * owns; release it with sp_peer_msg_clear. A struct filled by hand for
 * encoding owns nothing: its pointers stay the caller's, and clearing it frees
 * nothing of theirs.
 *
 * Pure: no I/O, no secrets. Every function is safe on hostile input.
 */
#ifndef SP_PROTO_PEER_H
#define SP_PROTO_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/keytype.h"
#include "proto/proposal.h"

/* The version of peer frames (their first element). 2 since PROGRESS
 * (proto/README.md section 9): a node refuses a frame of any other version
 * with SP_ERR_PROTO_VERSION, so nodes of one federation run one version. */
#define SP_PEER_VERSION 2

/* Largest peer frame accepted or produced; set ZMQ_MAXMSGSIZE to it. A full
 * COUNTS (65536 entries of at most 16 bytes) is the largest message. */
#define SP_PEER_MSG_MAX_BYTES      (2u * 1024u * 1024u)
#define SP_PEER_ELEMENT_BYTES      32   /* == SP_GROUP_ELEMENT_BYTES */
#define SP_PEER_BATCH_MAX_ELEMENTS 4096 /* per BATCH, FINAL and VERDICT */
#define SP_PEER_SIGNATURE_BYTES    64   /* Ed25519; PROPOSE carries 0 or 64 */
#define SP_PEER_CERT_MAX_BYTES     8192 /* PROPOSE signer_cert */
#define SP_PEER_HASH_BYTES         32   /* LOG_HEAD head_hash */
#define SP_PEER_CREDIT_WINDOW      8    /* unacknowledged messages per stream */

enum sp_peer_type {
    SP_PEER_PROPOSE = 1,   /* initiator -> every participant */
    SP_PEER_ACCEPT = 2,    /* participant -> initiator */
    SP_PEER_REFUSE = 3,    /* participant -> initiator */
    SP_PEER_START = 4,     /* initiator -> every participant */
    SP_PEER_BATCH = 5,     /* ring: node i -> node i+1 */
    SP_PEER_CREDIT = 6,    /* receiver of BATCH/FINAL/VERDICT -> its sender */
    SP_PEER_FINAL = 7,     /* node -> counting node */
    SP_PEER_VERDICT = 8,   /* counting node -> node */
    SP_PEER_COUNTS = 9,    /* counting node -> initiator */
    SP_PEER_ABORT = 10,    /* anyone -> all participants */
    SP_PEER_DONE = 11,     /* node -> initiator */
    SP_PEER_ERROR = 12,    /* receiver -> sender of a refused message */
    SP_PEER_LOG_HEAD = 13, /* every node -> every participant, end of round */
    /* Case questions (docs/case-questions.md): a question is a round in mode
     * case between the asking node and each partner; filters travel outside
     * rounds (round_id is then the asker's request id). */
    SP_PEER_CASE_ASK = 14,    /* asker -> partner: signed proposal + blinded values */
    SP_PEER_CASE_ANSWER = 15, /* partner -> asker: the values under its epoch key */
    SP_PEER_CASE_TELL = 16,   /* asker -> partner: fingerprints found there (tell holders) */
    SP_PEER_FILTER_REQ = 17,  /* asker -> partner: send your filter, I have this version */
    SP_PEER_FILTER = 18,      /* partner -> asker: a whole filter or a delta, in parts */
    SP_PEER_PROGRESS = 19     /* every participant -> every other, every few seconds */
};
#define SP_PEER_TYPE_MIN 1
#define SP_PEER_TYPE_MAX 19

/* PROPOSE: the coordinator-signed proposal. Pointers into the decoded input. */
struct sp_peer_propose {
    const uint8_t *proposal;    /* an encoded PROPOSAL (sp_proposal_decode it) */
    size_t proposal_len;        /* 1..SP_PROPOSAL_MAX_BYTES */
    const uint8_t *signature;   /* Ed25519 over the proposal bytes; NULL when len 0 */
    size_t signature_len;       /* 0 (unsigned) or SP_PEER_SIGNATURE_BYTES */
    const uint8_t *signer_cert; /* coordinator's certificate, opaque; NULL when len 0 */
    size_t signer_cert_len;     /* 0..SP_PEER_CERT_MAX_BYTES */
};

/* One key type's set size (distinct values the node will send). */
struct sp_peer_set_size {
    uint8_t key_type; /* 1..SP_KEY_TYPE_MAX */
    uint64_t count;
};

/* ACCEPT: entries in strictly increasing key_type order (checked). */
struct sp_peer_accept {
    uint32_t nset_sizes; /* 0..SP_KEY_TYPE_MAX */
    struct sp_peer_set_size set_sizes[SP_KEY_TYPE_MAX];
};

/* REFUSE, ABORT, ERROR. */
struct sp_peer_reason {
    int32_t code;                       /* a negative SP_ERR_* code (checked < 0) */
    char reason[SP_PROTO_TEXT_MAX + 1]; /* UTF-8, 0..1024 bytes, NUL-terminated */
};

/* BATCH: origin's values with `hops` scalars applied, in origin's order. */
struct sp_peer_batch {
    uint8_t origin;          /* participant index of the values' owner: < 32 */
    uint8_t key_type;        /* 1..SP_KEY_TYPE_MAX */
    uint32_t seq;            /* batch number within (origin, key_type), from 0 */
    uint8_t hops;            /* scalars applied so far: 1..32 */
    bool last;               /* last batch of (origin, key_type) */
    const uint8_t *elements; /* nelements * 32 bytes; NULL when 0 */
    uint32_t nelements;      /* 0..SP_PEER_BATCH_MAX_ELEMENTS */
};

/* CREDIT: acknowledges one message of a stream (flow-control window).
 * `kind` was added to the draft: without it a CREDIT for node i's own BATCH
 * and for its FINAL are indistinguishable when i's successor counts. */
struct sp_peer_credit {
    uint8_t origin;   /* BATCH: its origin; FINAL/VERDICT: index of the node that
                         sent the FINAL / receives the VERDICT */
    uint8_t key_type; /* 1..SP_KEY_TYPE_MAX */
    uint32_t seq;     /* seq of the acknowledged message */
    uint8_t kind;     /* SP_PEER_BATCH, SP_PEER_FINAL or SP_PEER_VERDICT */
};

/* FINAL: a node's fully blinded values, deduplicated and shuffled. */
struct sp_peer_final {
    uint8_t key_type;
    uint32_t seq;
    bool last;
    const uint8_t *elements; /* nelements * 32 bytes; NULL when 0 */
    uint32_t nelements;      /* 0..SP_PEER_BATCH_MAX_ELEMENTS */
};

/* VERDICT: holder masks for the FINAL with the same (key_type, seq). Empty in
 * counts mode. After decode, holders points into storage the message owns. */
struct sp_peer_verdict {
    uint8_t key_type;
    uint32_t seq;
    bool last;
    const uint32_t *holders; /* bit (1u << participant index) */
    uint32_t nholders;       /* 0..SP_PEER_BATCH_MAX_ELEMENTS */
};

/* One incidence-histogram cell: `count` distinct values of key_type are held
 * by exactly the nodes in `holders`. */
struct sp_peer_count {
    uint8_t key_type; /* 1..SP_KEY_TYPE_MAX */
    uint32_t holders; /* non-zero mask */
    uint64_t count;
};

/* COUNTS: entries strictly increasing by (key_type, holders) (checked). After
 * decode, entries points into storage the message owns. */
struct sp_peer_counts {
    const struct sp_peer_count *entries;
    uint32_t nentries; /* 0..SP_PROTO_MAX_COUNT_ENTRIES */
};

/* One subject cell: `count` subjects of `entity` (enum sp_entity) are held
 * by exactly the nodes in `holders` (round/round_agg.h, "local subjects"). */
struct sp_peer_subject_count {
    uint8_t entity;   /* SP_ENTITY_MIN..SP_ENTITY_MAX */
    uint32_t holders; /* non-zero mask */
    uint64_t count;
};

/* DONE: a node's summary at the end of the round: own records matched (any
 * entity, and per entity), values, and in partners mode the subjects whose
 * lowest holder it is (strictly increasing by (entity, holders); after
 * decode, subjects points into storage the message owns). */
struct sp_peer_done {
    uint64_t records_matched;
    uint64_t values_sent;
    uint64_t values_received;
    uint64_t matched[SP_ENTITY_COUNT]; /* index enum sp_entity; [0] is 0 */
    const struct sp_peer_subject_count *subjects;
    uint32_t nsubjects; /* 0..SP_PROTO_MAX_COUNT_ENTRIES */
};

/* LOG_HEAD: the sender's signed audit-log head after the round. */
struct sp_peer_log_head {
    char node[SP_PROTO_NAME_MAX + 1]; /* [a-z0-9-]{1,64} */
    uint64_t seq;                     /* sequence number of the head entry */
    uint8_t head_hash[SP_PEER_HASH_BYTES];
    uint8_t signature[SP_PEER_SIGNATURE_BYTES];
};

/* ---- case questions ---------------------------------------------------- */

/* Most values in one question, all key types together (a partner's policy
 * sets its own, smaller, max_case_size). */
#define SP_PEER_CASE_MAX_VALUES 4096
/* Most fingerprints (added + removed) in one FILTER message: 8 bytes each,
 * 1.6 MB, under SP_PEER_MSG_MAX_BYTES with room for the header. */
#define SP_PEER_FILTER_MAX_ENTRIES 200000

/* One key type's values of a question (CASE_ASK: blinded H(s)^r; CASE_ANSWER:
 * the same values under the partner's epoch key, in the order asked). */
struct sp_peer_case_group {
    uint8_t key_type;        /* 1..SP_KEY_TYPE_MAX */
    const uint8_t *elements; /* nelements * 32 bytes; NULL when 0 */
    uint32_t nelements;      /* 1..SP_PEER_CASE_MAX_VALUES */
};

/* CASE_ASK: the coordinator-signed proposal (mode case) and the blinded case
 * values, groups strictly increasing by key_type, at most
 * SP_PEER_CASE_MAX_VALUES elements in all (checked). round_id is the
 * proposal's. */
struct sp_peer_case_ask {
    struct sp_peer_propose propose;
    uint32_t ngroups; /* 1..SP_KEY_TYPE_MAX */
    struct sp_peer_case_group groups[SP_KEY_TYPE_MAX];
};

/* CASE_ANSWER: the partner's epoch and the version of its filter that the
 * answer goes with (the asker brings its copy to at least that version
 * before it looks the values up); groups as asked. */
struct sp_peer_case_answer {
    uint32_t epoch;   /* >= 1 */
    uint64_t version; /* >= 1 */
    uint32_t ngroups; /* 1..SP_KEY_TYPE_MAX */
    struct sp_peer_case_group groups[SP_KEY_TYPE_MAX];
};

/* One key type's fingerprints (CASE_TELL). */
struct sp_peer_fp_group {
    uint8_t key_type;   /* 1..SP_KEY_TYPE_MAX */
    const uint64_t *fp; /* after decode: storage the message owns */
    uint32_t nfp;       /* 1..SP_PEER_CASE_MAX_VALUES */
};

/* CASE_TELL: the fingerprints of the partner's epoch that the asker found
 * (only when the proposal says tell_holders); groups strictly increasing by
 * key_type, 0..SP_PEER_CASE_MAX_VALUES fingerprints in all. An empty TELL
 * says "none of yours". */
struct sp_peer_case_tell {
    uint32_t epoch;
    uint32_t ngroups; /* 0..SP_KEY_TYPE_MAX */
    struct sp_peer_fp_group groups[SP_KEY_TYPE_MAX];
};

/* FILTER_REQ: the asker holds the partner's filter at (epoch, version);
 * version 0: it holds nothing (send the whole filter). */
struct sp_peer_filter_req {
    uint32_t epoch;
    uint64_t version;
};

/* FILTER: part `seq` of the partner's filter of one key type at (epoch,
 * version): the whole filter when base_version is 0 (added holds its
 * fingerprints, removed is empty), else the change from base_version.
 * Parts go out in (key_type, seq) order; `complete` marks the last part of
 * the last key type: only then does the asker apply what it received. A
 * key type without values sends nothing. After decode, added and removed
 * point into storage the message owns (little-endian u64 on the wire). */
struct sp_peer_filter {
    uint32_t epoch;        /* >= 1 */
    uint64_t version;      /* >= 1 */
    uint64_t base_version; /* 0 (whole), 1..version-1 (delta), or version: the asker's
                              copy is current (key_type 0, nothing, complete) */
    uint8_t key_type;      /* 0 (only in a part with nothing, to carry complete) or 1..16 */
    uint32_t seq;          /* part number across the whole transfer, from 0 */
    bool complete;
    const uint64_t *added;
    uint32_t nadded;
    const uint64_t *removed;
    uint32_t nremoved; /* nadded + nremoved <= SP_PEER_FILTER_MAX_ENTRIES */
};

/* PROGRESS phases: the sender's state in the round. */
enum sp_peer_phase {
    SP_PEER_PHASE_RING = 1,      /* running: own values in the ring, others' blinded */
    SP_PEER_PHASE_COUNTING = 2,  /* counting: FINALs, VERDICTs, the merge */
    SP_PEER_PHASE_FINISHING = 3, /* finishing: the mapping pass, results, duties */
};
#define SP_PEER_PHASE_MIN 1
#define SP_PEER_PHASE_MAX 3

/* PROGRESS: a live round's heartbeat with its sender's progress (liveness:
 * daemon/ROUNDS.md, "Faults"). work counts values the sender has processed
 * in the round (hashed, blinded, sent as FINAL, judged, counted, mapped):
 * it never decreases, and it is a function of the participants' set sizes,
 * which every participant already learns (proto/README.md section 5). busy:
 * the sender has work of the round in hand (a job out); false when it only
 * waits for others. */
struct sp_peer_progress {
    uint8_t phase; /* enum sp_peer_phase */
    uint64_t work;
    bool busy;
};

/* A peer message. Set `type` and the member of that name; START has none. */
struct sp_peer_msg {
    uint8_t type; /* enum sp_peer_type */
    uint8_t round_id[SP_ROUND_ID_BYTES];
    union {
        struct sp_peer_propose propose;
        struct sp_peer_accept accept;
        struct sp_peer_reason refuse;
        struct sp_peer_batch batch;
        struct sp_peer_credit credit;
        struct sp_peer_final final;
        struct sp_peer_verdict verdict;
        struct sp_peer_counts counts;
        struct sp_peer_reason abort;
        struct sp_peer_done done;
        struct sp_peer_reason error;
        struct sp_peer_log_head log_head;
        struct sp_peer_case_ask case_ask;
        struct sp_peer_case_answer case_answer;
        struct sp_peer_case_tell case_tell;
        struct sp_peer_filter_req filter_req;
        struct sp_peer_filter filter;
        struct sp_peer_progress progress;
    };
    void *owned_; /* private: storage allocated by sp_peer_decode */
};

/* Encodes m into buf (capacity cap; SP_PEER_MSG_MAX_BYTES always suffices)
 * and sets *len_out. Validates m with the decoder's rules first, so a message
 * that encodes is one every peer accepts. Returns 0 or:
 * SP_ERR_PROTO_UNKNOWN_MSG (m->type), SP_ERR_PROTO_FIELD (a value out of
 * range), SP_ERR_PROTO_OVERSIZED (a length or count beyond its limit),
 * SP_ERR_OVERFLOW (cap too small). On error *len_out is untouched. */
SP_NODISCARD int sp_peer_encode(const struct sp_peer_msg *m, uint8_t *buf, size_t cap,
                                size_t *len_out);

/* As sp_peer_encode into a buffer it allocates with malloc (exact size is not
 * guaranteed; *len_out bytes are used). The caller frees *out with free(); it
 * suits zmq_msg_init_data. Returns as sp_peer_encode, or SP_ERR_NOMEM; on
 * error *out is untouched. */
SP_NODISCARD int sp_peer_encode_alloc(const struct sp_peer_msg *m, uint8_t **out, size_t *len_out);

/* Decodes one frame. On success *out is filled (see the lifetime rules at the
 * top) and must later be released with sp_peer_msg_clear; on error *out is
 * zeroed and owns nothing. Returns 0 or:
 * SP_ERR_PROTO_TRUNCATED   the input ends inside the message;
 * SP_ERR_PROTO_OVERSIZED   len > SP_PEER_MSG_MAX_BYTES, or a bin/str/array
 *                          longer than its field's limit;
 * SP_ERR_PROTO_TYPE        an element has the wrong msgpack type;
 * SP_ERR_PROTO_VERSION     the version is not SP_PEER_VERSION;
 * SP_ERR_PROTO_UNKNOWN_MSG the type is not 1..19;
 * SP_ERR_PROTO_MALFORMED   wrong element count for the type, non-canonical
 *                          msgpack, or a reserved byte;
 * SP_ERR_PROTO_FIELD       a value out of range (see README);
 * SP_ERR_PROTO_TRAILING    bytes after the message;
 * SP_ERR_NOMEM             holder/entry storage could not be allocated. */
SP_NODISCARD int sp_peer_decode(const uint8_t *buf, size_t len, struct sp_peer_msg *out);

/* Frees storage a decode allocated and zeroes *m. NULL-safe; safe on a
 * zeroed or hand-filled struct (frees nothing of the caller's). */
void sp_peer_msg_clear(struct sp_peer_msg *m);

/* Fills r for a REFUSE, ABORT or ERROR: code (must be < 0; anything else
 * becomes SP_ERR_INTERNAL) and reason, truncated to SP_PROTO_TEXT_MAX bytes
 * at a UTF-8 character boundary, invalid UTF-8 and control characters
 * replaced by spaces, so that the message always encodes. reason may be NULL. */
void sp_peer_reason_set(struct sp_peer_reason *r, int code, const char *reason);

/* "BATCH" etc., or NULL for an unknown type. */
const char *sp_peer_type_name(int type);

#endif
