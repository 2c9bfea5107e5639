/*
 * CLI <-> local daemon messages (over the ipc:// control socket), see
 * proto/README.md. Request [1, op, ...fields]; reply [1, op, status, ...fields]
 * where status is 0 or a negative SP_ERR_* code; an error reply carries only
 * `message` after the status.
 *
 * Memory: encoders write into a caller buffer or a malloc'd one they return.
 * Decoders copy small values into the structs; zero-copy pointers into the
 * input buffer (which must outlive their use) are used for LOAD_BEGIN's
 * mapping text, LOAD_CHUNK's data and AUDIT_EXPORT's entry bytes. Reply lists
 * (peers, datasets, rounds, result rows, counts, audit entries) are decoded
 * into storage the reply owns: release it with sp_ctl_reply_clear. Requests
 * own no storage. A struct filled by hand for encoding owns nothing.
 *
 * Pure: no I/O, no secrets. Every function is safe on hostile input.
 */
#ifndef SP_PROTO_CONTROL_H
#define SP_PROTO_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/keytype.h"
#include "proto/peer.h"
#include "proto/proposal.h"

/* Largest control frame accepted or produced (a 10000-row RESULTS page or a
 * 1 MiB LOAD_CHUNK fit with room to spare). */
#define SP_CTL_MSG_MAX_BYTES         (8u * 1024u * 1024u)
#define SP_CTL_MAPPING_MAX_BYTES     65536
#define SP_CTL_CHUNK_MAX_BYTES       (1024u * 1024u)
#define SP_CTL_VERSION_MAX           64  /* daemon version string */
#define SP_CTL_ENDPOINT_MAX          256 /* ZeroMQ endpoint string */
#define SP_CTL_STATE_MAX             32  /* round state: [a-z0-9_-]{1,32} */
#define SP_CTL_RECORD_ID_MAX         128 /* == SP_INGEST_MAX_RECORD_ID_BYTES */
#define SP_CTL_MAX_PEERS             256
#define SP_CTL_MAX_DATASETS          1024
#define SP_CTL_MAX_ROUNDS            1000
#define SP_CTL_RESULTS_MAX_LIMIT     10000
#define SP_CTL_AUDIT_MAX_LIMIT       1000
#define SP_CTL_AUDIT_ENTRY_MAX_BYTES 65536
#define SP_CTL_SHA256_BYTES          32
#define SP_CTL_PATH_MAX              1024 /* BACKUP file path or name, bytes */
/* INGEST_STATS mirrors struct sp_ingest_stats (input/ingest.h) without
 * depending on the input layer; the daemon copies field by field. */
/* keys_by_type: index = key type, [0] is 0 */
#define SP_CTL_STATS_KEY_TYPES       SP_KEY_TYPE_COUNT
#define SP_CTL_STATS_MAX_ERROR_LINES 100 /* >= SP_INGEST_MAX_ERROR_LINES */
#define SP_CTL_STATS_MAX_FIELDS      32  /* >= SP_FIELD_COUNT (19) */
#define SP_CTL_STATS_MAX_REASONS     8   /* >= SP_REJECT_REASON_COUNT (8) */

enum sp_ctl_op {
    SP_CTL_STATUS = 1,
    SP_CTL_LOAD_BEGIN = 2,
    SP_CTL_LOAD_CHUNK = 3,
    SP_CTL_LOAD_END = 4,
    SP_CTL_DATASETS = 5,
    SP_CTL_ROUND_START = 6,
    SP_CTL_ROUNDS = 7,
    SP_CTL_RESULTS = 8,
    SP_CTL_COUNTS = 9,
    SP_CTL_ROUND_CANCEL = 10,
    SP_CTL_AUDIT_EXPORT = 11,
    SP_CTL_AUDIT_HEAD = 12,   /* the node's signed audit-log head */
    SP_CTL_ROUND_SUBMIT = 13, /* start a round from a coordinator-signed proposal */
    SP_CTL_SUBJECTS = 14,     /* a round's subject counts (what the coordinator sees) */
    SP_CTL_BACKUP = 15,       /* a compacted hot copy of the store, written by the daemon */
    SP_CTL_CASE_ASK = 16,     /* ask a case question: signed proposal + case list */
    SP_CTL_CASE_STATUS = 17,  /* this node's epoch and the partners' filters it holds */
    SP_CTL_CASE_EPOCH = 18    /* begin a new epoch now (new key, own outputs, filters) */
};
#define SP_CTL_OP_MIN 1
#define SP_CTL_OP_MAX 18

/* ---- requests ---- */

struct sp_ctl_load_begin {
    char dataset[SP_PROTO_DATASET_MAX + 1]; /* [a-z0-9_-]{1,64} */
    const char *mapping;                    /* mapping file text, UTF-8, NOT NUL-terminated */
    size_t mapping_len;                     /* 1..SP_CTL_MAPPING_MAX_BYTES */
    uint64_t total_bytes;                   /* size of the CSV the client will send (progress) */
};

struct sp_ctl_load_chunk {
    uint32_t load_id;
    const uint8_t *data; /* CSV bytes; NULL when data_len is 0 */
    size_t data_len;     /* 0..SP_CTL_CHUNK_MAX_BYTES */
};

struct sp_ctl_load_end {
    uint32_t load_id;
    bool commit; /* false: discard the load, keep the previous version */
};

struct sp_ctl_round_ref {
    uint8_t round_id[SP_ROUND_ID_BYTES];
};

struct sp_ctl_rounds_req {
    bool all;                            /* true: every round (round_id nil on the wire) */
    uint8_t round_id[SP_ROUND_ID_BYTES]; /* when !all */
};

struct sp_ctl_results_req {
    uint8_t round_id[SP_ROUND_ID_BYTES];
    uint64_t offset; /* first row to return */
    uint32_t limit;  /* 1..SP_CTL_RESULTS_MAX_LIMIT */
};

struct sp_ctl_audit_req {
    uint64_t from_seq;
    uint32_t limit; /* 1..SP_CTL_AUDIT_MAX_LIMIT */
};

/* BACKUP: where the daemon writes the copy. path is a file name (written
 * into the daemon's backup_dir) or an absolute path inside backup_dir; text
 * of 1..SP_CTL_PATH_MAX bytes. force: replace an existing file. */
struct sp_ctl_backup_req {
    char path[SP_CTL_PATH_MAX + 1];
    bool force;
};

/* CASE_ASK: a coordinator-signed proposal in mode case (as ROUND_SUBMIT)
 * and the case list, read by the daemon through the mapping like a dataset
 * (the list never leaves the node in the clear). The answer is the round's
 * results (RESULTS): one row per case subject and partner that knows it,
 * and a row with an empty partner and key_types 0 for a subject no partner
 * knows. */
struct sp_ctl_case_ask {
    struct sp_peer_propose propose;
    const char *mapping; /* mapping file text, 1..SP_CTL_MAPPING_MAX_BYTES */
    size_t mapping_len;
    const uint8_t *data; /* the case list (CSV), 1..SP_CTL_CHUNK_MAX_BYTES */
    size_t data_len;
};

/* CASE_EPOCH: rotate (begin a new epoch now) or only report. */
struct sp_ctl_case_epoch_req {
    bool rotate;
};

/* A control request. Set `op` and the member of that name (STATUS,
 * DATASETS and AUDIT_HEAD have none). ROUND_START uses struct sp_proposal
 * without round_id and created_at (not on the wire; zero after decode; the
 * daemon fills them). ROUND_SUBMIT carries a complete encoded PROPOSAL with
 * the coordinator's signature and certificate, exactly as PROPOSE does
 * (pointers into the decoded input; the decoder refuses a proposal that does
 * not decode and validate). */
struct sp_ctl_request {
    uint8_t op; /* enum sp_ctl_op */
    union {
        struct sp_ctl_load_begin load_begin;
        struct sp_ctl_load_chunk load_chunk;
        struct sp_ctl_load_end load_end;
        struct sp_proposal round_start;
        struct sp_ctl_rounds_req rounds;
        struct sp_ctl_results_req results;
        struct sp_ctl_round_ref counts;
        struct sp_ctl_round_ref subjects;
        struct sp_ctl_round_ref round_cancel;
        struct sp_ctl_audit_req audit_export;
        struct sp_peer_propose round_submit;
        struct sp_ctl_backup_req backup;
        struct sp_ctl_case_ask case_ask;
        struct sp_ctl_case_epoch_req case_epoch;
        /* CASE_STATUS has no fields */
    };
};

/* ---- replies ---- */

struct sp_ctl_peer_info {
    char name[SP_PROTO_NAME_MAX + 1];
    char endpoint[SP_CTL_ENDPOINT_MAX + 1]; /* 1..256 bytes */
    bool connected;
};

struct sp_ctl_status_reply {
    char node[SP_PROTO_NAME_MAX + 1];
    char version[SP_CTL_VERSION_MAX + 1]; /* 1..64 bytes */
    uint64_t uptime_s;
    uint32_t datasets;
    uint32_t rounds_active;
    const struct sp_ctl_peer_info *peers;
    uint32_t npeers; /* 0..SP_CTL_MAX_PEERS */
    /* What an operator watches (Unix seconds; 0: not there): */
    uint64_t cert_not_after;   /* this node's certificate expires (0: no ca_cert) */
    uint64_t crl_next_update;  /* the CRL's nextUpdate (0: no crl) */
    uint64_t audit_entries;    /* entries in the audit log (the head is entries - 1) */
    uint64_t audit_head_time;  /* time of the last entry (0: empty log) */
    uint64_t store_file_bytes; /* disk use of state.mdb (allocated blocks) */
    uint64_t store_used_bytes; /* pages in use in the map */
    uint64_t store_map_bytes;  /* the map size (store_map_size) */
};

/* DATASET_INFO: one loaded dataset version. */
struct sp_ctl_dataset_info {
    char name[SP_PROTO_DATASET_MAX + 1];
    uint32_t version;   /* >= 1 */
    uint64_t loaded_at; /* Unix seconds */
    uint64_t records;
    uint64_t keys;
    uint64_t rejected_fields;
    uint64_t structural_errors;
    uint8_t input_sha256[SP_CTL_SHA256_BYTES];
};

struct sp_ctl_field_stats {
    uint64_t accepted;
    uint64_t empty;
    uint64_t rejected[SP_CTL_STATS_MAX_REASONS]; /* indexed by enum sp_reject_reason */
};

/* INGEST_STATS: the counters of struct sp_ingest_stats. */
struct sp_ctl_ingest_stats {
    uint64_t lines;
    uint64_t records;
    uint64_t records_usable;
    uint64_t records_without_keys;
    uint64_t keys;
    uint64_t keys_by_type[SP_CTL_STATS_KEY_TYPES]; /* [0] must be 0 */
    uint64_t structural_errors;
    uint64_t duplicate_record_ids;
    uint32_t nerror_lines; /* 0..SP_CTL_STATS_MAX_ERROR_LINES */
    uint64_t error_lines[SP_CTL_STATS_MAX_ERROR_LINES];
    int32_t error_codes[SP_CTL_STATS_MAX_ERROR_LINES]; /* negative SP_ERR_INPUT_* */
    uint32_t nfields;  /* fields[0..nfields) are sent, indexed by enum sp_field */
    uint32_t nreasons; /* rejected[0..nreasons) are sent for every field: 0..8 */
    struct sp_ctl_field_stats fields[SP_CTL_STATS_MAX_FIELDS];
};

struct sp_ctl_load_chunk_reply {
    uint64_t bytes_received; /* total for this load so far */
    uint64_t records;        /* records ingested so far */
};

struct sp_ctl_load_end_reply {
    struct sp_ctl_dataset_info summary;
    struct sp_ctl_ingest_stats stats;
};

struct sp_ctl_datasets_reply {
    const struct sp_ctl_dataset_info *datasets;
    uint32_t ndatasets; /* 0..SP_CTL_MAX_DATASETS */
};

/* ROUND_INFO: one round as this node knows it. */
struct sp_ctl_round_info {
    uint8_t round_id[SP_ROUND_ID_BYTES];
    char state[SP_CTL_STATE_MAX + 1]; /* e.g. "running", "done", "failed" */
    uint8_t mode;                     /* enum sp_proposal_mode */
    uint32_t nparticipants;           /* 0..SP_PROTO_MAX_PARTICIPANTS */
    char participants[SP_PROTO_MAX_PARTICIPANTS][SP_PROTO_NAME_MAX + 1];
    uint64_t started_at;                      /* Unix seconds; 0 when not started */
    uint64_t finished_at;                     /* Unix seconds; 0 when not finished */
    char reason[SP_PROTO_TEXT_MAX + 1];       /* why it failed/was refused; may be "" */
    uint64_t records_matched;                 /* own records with a result row (any entity) */
    char case_ref[SP_PROTO_CASE_REF_MAX + 1]; /* the proposal's case reference; may be "" */
    uint8_t min_holders;                      /* the proposal's k */
    uint32_t retention_days;                  /* 0: results kept until read once */
    bool initiator;                           /* this node proposed the round */
    uint64_t created_at;                      /* Unix seconds */
    /* Progress of a live round (docs: daemon/ROUNDS.md, "Progress"): the
     * phase ([a-z_]{1,32}: proposed, blinding, forwarding, counting,
     * writing, or the state of an ended round), values (or rows) done of
     * total in it, how long it has lasted so far, and how many it did per
     * second since it began (0: not measurable yet). */
    char phase[SP_CTL_STATE_MAX + 1];
    uint64_t phase_done, phase_total, phase_elapsed_ms, phase_rate;
    uint64_t matched[SP_ENTITY_COUNT]; /* own records with a row of the entity */
};

struct sp_ctl_rounds_reply {
    const struct sp_ctl_round_info *rounds;
    uint32_t nrounds; /* 0..SP_CTL_MAX_ROUNDS */
};

/* The partner of a threshold-mode result row: the node learns only that at
 * least min_holders nodes hold its record, not which. */
#define SP_CTL_PARTNER_ANY "*"

/* One result row (the results CSV line). */
struct sp_ctl_result_row {
    char dataset[SP_PROTO_DATASET_MAX + 1];
    char record_id[SP_CTL_RECORD_ID_MAX + 1]; /* 1..128 bytes of text */
    char partner[SP_PROTO_NAME_MAX + 1];      /* the other node, or SP_CTL_PARTNER_ANY */
    uint32_t key_types;                       /* non-empty subset of SP_KEY_MASK_ALL */
    uint8_t klass;                            /* enum sp_key_class: strongest class that matched */
};

struct sp_ctl_results_reply {
    uint64_t total; /* rows in the whole result, for paging */
    const struct sp_ctl_result_row *rows;
    uint32_t nrows; /* 0..SP_CTL_RESULTS_MAX_LIMIT */
};

struct sp_ctl_counts_reply {
    uint32_t suppressed_below;           /* cells with count < this were left out */
    uint32_t suppressed_cells;           /* how many cells were left out */
    const struct sp_peer_count *entries; /* strictly increasing (key_type, holders) */
    uint32_t nentries;                   /* 0..SP_PROTO_MAX_COUNT_ENTRIES */
};

/* SUBJECTS: per entity and holder set, how many subjects (persons,
 * companies, addresses, vehicles, accounts) are held by exactly those
 * nodes. available is false for rounds whose mode gives the nodes no
 * holder sets (counts, threshold): then there are no cells. */
struct sp_ctl_subjects_reply {
    bool available;
    uint32_t suppressed_below;                 /* cells with count < this were left out */
    uint32_t suppressed_cells;                 /* how many cells were left out */
    const struct sp_peer_subject_count *cells; /* strictly increasing (entity, holders) */
    uint32_t ncells;                           /* 0..SP_PROTO_MAX_COUNT_ENTRIES */
};

/* One encoded audit entry (format owned by the daemon's audit module). */
struct sp_ctl_blob {
    const uint8_t *data; /* points into the decoded input */
    size_t len;          /* 1..SP_CTL_AUDIT_ENTRY_MAX_BYTES */
};

struct sp_ctl_audit_reply {
    const struct sp_ctl_blob *entries;
    uint32_t nentries; /* 0..SP_CTL_AUDIT_MAX_LIMIT */
};

/* AUDIT_HEAD: the node's signed head (as in LOG_HEAD) covering entries
 * 0..seq of its audit log; an export ends with it. */
struct sp_ctl_audit_head {
    char node[SP_PROTO_NAME_MAX + 1]; /* [a-z0-9-]{1,64} */
    uint64_t seq;                     /* seq of the last entry covered */
    uint8_t head_hash[SP_PEER_HASH_BYTES];
    uint8_t signature[SP_PEER_SIGNATURE_BYTES];
};

/* BACKUP: the file written (absolute path) and its size. */
struct sp_ctl_backup_reply {
    char path[SP_CTL_PATH_MAX + 1]; /* 1..SP_CTL_PATH_MAX bytes of text */
    uint64_t bytes;
};

/* CASE_STATUS and CASE_EPOCH: this node's own epoch, as an answering node. */
struct sp_ctl_case_own {
    uint32_t epoch;                     /* 0: none yet */
    uint64_t version;                   /* filter version within the epoch (1 after set-up) */
    uint64_t started_at;                /* Unix seconds the epoch began */
    bool ready;                         /* own outputs complete (set-up and last delta done) */
    uint64_t pending;                   /* values still to compute (set-up or a delta) */
    uint64_t values[SP_KEY_TYPE_COUNT]; /* own outputs per key type */
};

/* One partner's filter as this node holds it (an asking node). */
struct sp_ctl_case_filter_info {
    char peer[SP_PROTO_NAME_MAX + 1];
    uint32_t epoch; /* 0: none held */
    uint64_t version;
    uint64_t values;                  /* fingerprints held, all key types */
    uint64_t synced_at;               /* Unix seconds of the last complete transfer; 0: never */
    char state[SP_CTL_STATE_MAX + 1]; /* "current", "syncing", "refused", "none" */
};

struct sp_ctl_case_status_reply {
    struct sp_ctl_case_own own;
    const struct sp_ctl_case_filter_info *filters;
    uint32_t nfilters; /* 0..SP_CTL_MAX_PEERS */
};

/* A control reply. status 0: the member named after op is valid (LOAD_BEGIN:
 * load_id; ROUND_START and ROUND_SUBMIT: round_id; ROUND_CANCEL: nothing;
 * AUDIT_EXPORT: audit; AUDIT_HEAD: audit_head). status < 0: only
 * message is valid. op may be 0 only in an error reply to a request whose op
 * could not be decoded. */
struct sp_ctl_reply {
    uint8_t op;                          /* enum sp_ctl_op, or 0 (error replies only) */
    int32_t status;                      /* 0 or a negative SP_ERR_* code */
    char message[SP_PROTO_TEXT_MAX + 1]; /* status < 0: what went wrong, for a person */
    union {
        struct sp_ctl_status_reply status_info;
        uint32_t load_id;
        struct sp_ctl_load_chunk_reply load_chunk;
        struct sp_ctl_load_end_reply load_end;
        struct sp_ctl_datasets_reply datasets;
        uint8_t round_id[SP_ROUND_ID_BYTES];
        struct sp_ctl_rounds_reply rounds;
        struct sp_ctl_results_reply results;
        struct sp_ctl_counts_reply counts;
        struct sp_ctl_subjects_reply subjects;
        struct sp_ctl_audit_reply audit;
        struct sp_ctl_audit_head audit_head;
        struct sp_ctl_backup_reply backup;
        /* CASE_ASK: round_id (the question's); CASE_EPOCH: case_status with
         * nfilters 0 */
        struct sp_ctl_case_status_reply case_status;
    };
    void *owned_; /* private: storage allocated by sp_ctl_reply_decode */
};

/* Encodes a request into buf (capacity cap) and sets *len_out. Validates with
 * the decoder's rules first. Returns 0 or SP_ERR_PROTO_UNKNOWN_MSG (op),
 * SP_ERR_PROTO_FIELD, SP_ERR_PROTO_OVERSIZED, SP_ERR_OVERFLOW (cap too
 * small; *len_out untouched). */
SP_NODISCARD int sp_ctl_request_encode(const struct sp_ctl_request *req, uint8_t *buf, size_t cap,
                                       size_t *len_out);
/* As above into a malloc'd buffer the caller free()s; also SP_ERR_NOMEM. */
SP_NODISCARD int sp_ctl_request_encode_alloc(const struct sp_ctl_request *req, uint8_t **out,
                                             size_t *len_out);
/* Decodes a request; pointers into buf as described at the top. *out is
 * written only on success. Returns 0 or SP_ERR_PROTO_TRUNCATED, _OVERSIZED
 * (len > SP_CTL_MSG_MAX_BYTES or a field beyond its limit), _TYPE, _VERSION,
 * _UNKNOWN_MSG (op not 1..18), _MALFORMED (element count, non-canonical),
 * _FIELD (value out of range), _TRAILING. */
SP_NODISCARD int sp_ctl_request_decode(const uint8_t *buf, size_t len, struct sp_ctl_request *out);

/* Encodes a reply (status 0: the op's fields; status < 0: message only).
 * Returns as sp_ctl_request_encode; SP_ERR_PROTO_FIELD also for status > 0. */
SP_NODISCARD int sp_ctl_reply_encode(const struct sp_ctl_reply *rep, uint8_t *buf, size_t cap,
                                     size_t *len_out);
/* As above into a malloc'd buffer the caller free()s; also SP_ERR_NOMEM. */
SP_NODISCARD int sp_ctl_reply_encode_alloc(const struct sp_ctl_reply *rep, uint8_t **out,
                                           size_t *len_out);
/* Decodes a reply. On success release with sp_ctl_reply_clear; on error *out
 * is zeroed and owns nothing. Returns as sp_ctl_request_decode, and
 * SP_ERR_NOMEM when list storage cannot be allocated. A decoded error reply
 * returns 0 with out->status < 0: the request failed, the reply did not. */
SP_NODISCARD int sp_ctl_reply_decode(const uint8_t *buf, size_t len, struct sp_ctl_reply *out);

/* Frees storage a decode allocated and zeroes *rep. NULL-safe; frees nothing
 * of a hand-filled struct. */
void sp_ctl_reply_clear(struct sp_ctl_reply *rep);

/* Fills rep as an error reply: zeroes it, sets op, status (must be < 0;
 * anything else becomes SP_ERR_INTERNAL) and message, truncated to
 * SP_PROTO_TEXT_MAX bytes at a UTF-8 character boundary, with control
 * characters and invalid UTF-8 replaced by spaces so that it always encodes. */
void sp_ctl_reply_set_error(struct sp_ctl_reply *rep, uint8_t op, int status, const char *message);

/* "ROUND_START" etc., or NULL for an unknown op. */
const char *sp_ctl_op_name(int op);

#endif
