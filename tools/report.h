/*
 * The coordinator's report of one round (`snijpunt report`): what it shows,
 * as plain data. cmd_report.c fills a struct sp_report from the node's
 * control replies (ROUNDS, COUNTS, SUBJECTS) and its audit log
 * (report_audit.c); report_html.c renders it as one self-contained HTML
 * page. Keeping the data apart from the I/O makes the page unit-testable
 * from a struct filled by hand.
 *
 * Everything here is counts, names, times and digests; no identifier and
 * no key value. Texts (case, purpose, legal bases, coordinator) come from
 * outside and are escaped by the renderer, never trusted.
 */
#ifndef SP_TOOLS_REPORT_H
#define SP_TOOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "common/roundid.h"

#define SP_REPORT_MAX_PARTICIPANTS 32 /* holder masks are u32 */
#define SP_REPORT_NAME_MAX         64
#define SP_REPORT_TEXT_MAX         1024
#define SP_REPORT_SHORT_MAX        256 /* case, coordinator, legal basis */
#define SP_REPORT_HASH_BYTES       32
#define SP_REPORT_MAX_HEADS        64
#define SP_REPORT_MAX_PEERS        32
/* Entities as in common/keytype.h (enum sp_entity): person 1 .. account 5. */
#define SP_REPORT_ENTITY_MAX 5

typedef char sp_report_name_t[SP_REPORT_NAME_MAX + 1];

struct sp_report_participant {
    sp_report_name_t name;
    char legal_basis[SP_REPORT_SHORT_MAX + 1]; /* "" when not known to this node */
    char oin[21];                              /* "" when not stated or not known */
};

/* The signed proposal file, when the coordinator gave it (--proposal): its
 * digest equals the one the node recorded; its signature checked against
 * the federation CA when --ca was given. */
struct sp_report_signed {
    bool given;                        /* the file was read and is this round's proposal */
    bool checked;                      /* its signature was checked against a CA */
    bool valid;                        /* ... and holds */
    char why[SP_REPORT_SHORT_MAX + 1]; /* why not valid */
    sp_report_name_t name, org;        /* the signer's certificate subject (valid only) */
    char oin[21];
    uint64_t serial;
    uint8_t fingerprint[SP_REPORT_HASH_BYTES]; /* SHA-256 of the certificate (DER) */
};

/* One cell of the chart: how many subjects (per_subject) or key values
 * (else, then key_type is set) of one entity exactly the participants in
 * holders (bit i = participant i) hold. */
struct sp_report_cell {
    uint8_t entity;   /* 1..SP_REPORT_ENTITY_MAX */
    uint8_t key_type; /* 0 for subject cells; else the key type (common/keytype.h) */
    uint32_t holders; /* non-zero */
    uint64_t count;
};

/* A signed log head recorded at the end of the round: by the report's node
 * about itself (sent) or about a peer (received from it). */
struct sp_report_head {
    sp_report_name_t node; /* whose head */
    bool sent;             /* the report's node sent its own head */
    uint64_t seq;
    uint8_t hash[SP_REPORT_HASH_BYTES];
    uint64_t time; /* when it was recorded */
};

/* What the report's node exchanged with one peer (sums over key types). */
struct sp_report_peer {
    sp_report_name_t name;
    uint64_t sent, received;
};

struct sp_report {
    char round_hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_report_name_t node; /* the node the report was read from */
    uint64_t generated_at; /* Unix seconds */

    /* The proposal (proposal_accepted, ROUNDS). */
    bool have_proposal; /* this node's log holds the acceptance */
    char case_ref[SP_REPORT_SHORT_MAX + 1];
    char purpose[SP_REPORT_TEXT_MAX + 1];
    char coordinator[SP_REPORT_SHORT_MAX + 1];
    bool have_coordinator_cert;
    uint8_t coordinator_cert_sha256[SP_REPORT_HASH_BYTES];
    bool have_proposal_digest;
    uint8_t proposal_sha256[SP_REPORT_HASH_BYTES];
    uint8_t mode; /* 1 counts, 2 threshold, 3 partners; 0 unknown */
    uint32_t min_holders;
    sp_report_name_t counter, initiator;
    uint64_t max_set_size;
    uint32_t key_types; /* mask, bit 1 << type */
    uint64_t expires_at;
    bool have_retention;
    uint32_t retention_days;
    uint32_t nparticipants;
    struct sp_report_participant participants[SP_REPORT_MAX_PARTICIPANTS];
    uint32_t deadline_s; /* 0: unknown */
    struct sp_report_signed file;

    /* Where it stands (ROUNDS). */
    char state[33];
    char reason[SP_REPORT_TEXT_MAX + 1];
    uint64_t created_at, started_at, finished_at; /* 0: unknown */

    /* The counts. */
    bool have_counts; /* false: this node holds no counts (not the initiator) */
    bool per_subject; /* cells count subjects; else key values per key type */
    uint32_t suppressed_below;
    uint32_t suppressed_cells;
    bool suppressed_cells_known;
    const struct sp_report_cell *cells; /* owned by the caller */
    uint32_t ncells;

    /* Audit facts of this node's log. */
    bool have_node_cert;
    uint8_t node_cert_sha256[SP_REPORT_HASH_BYTES];
    bool have_result;
    uint64_t records_matched, candidates, cells_reported;
    bool have_matched; /* own records with a result row, per entity (ROUND_INFO) */
    uint64_t matched[SP_REPORT_ENTITY_MAX + 1];
    bool have_transcript;
    uint8_t transcript_sha256[SP_REPORT_HASH_BYTES];
    uint32_t nheads;
    struct sp_report_head heads[SP_REPORT_MAX_HEADS];
    uint32_t npeers;
    struct sp_report_peer peers[SP_REPORT_MAX_PEERS];
    bool have_log_head; /* the node's current signed head (AUDIT_HEAD) */
    uint64_t log_head_seq;
    uint8_t log_head_hash[SP_REPORT_HASH_BYTES];
};

/* "person", "company", "address", "vehicle", "account"; NULL otherwise. */
const char *sp_report_entity_name(int entity);
/* "counts", "threshold", "partners"; NULL otherwise. */
const char *sp_report_mode_name(int mode);

/* Writes s HTML-escaped (text and attribute values alike): & < > " ' as
 * entities, control characters (other than TAB and LF) as spaces, bytes
 * that are not well-formed UTF-8 as U+FFFD. NULL writes nothing. */
void sp_report_esc(FILE *out, const char *s);
/* The holder set as participant names joined with '+' in participant order
 * ("gemeente-a+politie-b"); a bit beyond the participants known is "#i".
 * Truncated to cap (at least 1) bytes, always NUL-terminated. */
void sp_report_holders(const struct sp_report *r, uint32_t mask, char *out, size_t cap);
/* The number of holders in a mask. */
unsigned sp_report_degree(uint32_t mask);

#endif
