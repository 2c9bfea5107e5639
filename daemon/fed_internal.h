/*
 * Internals of the federation engine, shared by its fed*.c files only:
 *   fed.c        lifecycle, poll/dispatch/tick, round lookup, failure,
 *                persistence, jobs
 *   fed_msg.c    sending (and the self-delivery queue), message intake and
 *                refusal
 *   fed_setup.c  proposals: ROUND_START, PROPOSE/ACCEPT/REFUSE/START/ABORT/ERROR
 *   fed_ring.c   own values into the ring (hash + blind jobs), BATCH/CREDIT,
 *                flow-control windows, fully blinded values coming home
 *   fed_final.c  own FINALs to the counting node, VERDICTs, mapping verdicts
 *                to records, results, DONE/COUNTS at the initiator
 *   fed_count.c  the counting node: sorted runs in LMDB, the merge, histogram,
 *                VERDICTs, COUNTS
 *   fed_ctl.c    control requests (ROUNDS, ROUND_CANCEL, the engine's part of STATUS)
 *
 * Threading: everything here runs on the main thread except the `run`
 * functions of jobs (struct fed_job), which touch only their job and data
 * that stays read-only while the job is out (the round key, the holders
 * arrays during the mapping pass).
 */
#ifndef SP_DAEMON_FED_INTERNAL_H
#define SP_DAEMON_FED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "common/keytype.h"
#include "daemon/config.h"
#include "daemon/federation.h"
#include "daemon/peer.h"
#include "round/round.h"
#include "round/round_agg.h"
#include "daemon/store.h"
#include "daemon/worker.h"
#include "proto/control.h"
#include "proto/peer.h"
#include "proto/proposal.h"

struct sp_round_key;
struct fed_counter;
struct fed_recovered;

#define FED_ELEM       SP_PEER_ELEMENT_BYTES
#define FED_NTYPES     (SP_KEY_TYPE_MAX + 1)
#define FED_REASON_MAX SP_PROTO_TEXT_MAX
/* A participant link that stays down this long fails the rounds using it. */
#define FED_LINK_GRACE_MS 5000
/* Refusal log lines per peer per FED_LOG_WINDOW_MS (the count is exact). */
#define FED_LOG_BURST     20
#define FED_LOG_WINDOW_MS 10000
/* Own hash jobs allowed ahead of the window, to keep the workers busy. */
#define FED_HASH_AHEAD(workers) ((workers) + 1)
/* Elements per part of a batch job (see fed_job_submit_parts). */
#define FED_PART_ELEMS 512
/* Most rounds kept in memory at once (live or winding down). */
#define FED_MAX_ROUNDS 64

/* One match-key value read ahead of its batch (personal data: wiped). */
struct fed_value {
    uint8_t type;
    uint8_t klass;
    uint16_t len;
    uint8_t val[SP_STORE_VALUE_MAX];
};

/* Recognises the distinct (type, value) pairs of a key walk, which yields
 * equal pairs next to each other: the producer and the mapping pass number
 * values the same way through it. */
struct fed_distinct {
    bool have;
    struct fed_value prev;
};

/* Adds a distinct value to a walk digest (fed_round.walk). */
void fed_walk_update(crypto_generichash_state *st, const struct fed_value *v);
/* True when ref starts a new distinct value (and remembers it). */
bool fed_distinct_next(struct fed_distinct *d, const struct sp_store_keyref *ref);
void fed_distinct_wipe(struct fed_distinct *d);

enum fed_job_kind {
    FED_JOB_HASH = 1, /* own values: hash to the group, blind (hops = 1) */
    FED_JOB_BLIND,    /* a peer's batch: blind once more */
    FED_JOB_SCAN,     /* set sizes: distinct values per key type */
    FED_JOB_MAP,      /* verdicts -> result rows */
    FED_JOB_MERGE,    /* the counting node: sorted runs -> holder masks */
};

struct fed_round;

struct fed_job {
    struct sp_worker_job base; /* first: the pool hands back this pointer */
    struct fed_job *rnext;     /* the round's list of jobs out */
    struct fed_round *round;
    int kind;
    int rc;
    /* A batch is split into parts that run on several workers at once; the
     * leader owns the buffers, the other parts point into them. */
    struct fed_job *leader; /* NULL for a leader (or an unsplit job) */
    uint32_t part_off, part_n;
    unsigned parts_left; /* leader: parts not back yet (itself included) */
    bool parts_cancelled;
    const struct sp_round_key *key; /* borrowed from the round */
    /* HASH / BLIND: one batch */
    uint8_t origin, key_type, hops;
    bool last;
    uint32_t seq;
    uint32_t n;
    uint8_t *elems; /* n * FED_ELEM */
    int from;       /* BLIND: participant that sent it (credit owed) */
    /* HASH: the cleartext values (personal data; wiped after hashing) */
    uint8_t *vals;
    size_t vals_len, vals_cap;
    uint32_t *offs; /* n + 1 offsets into vals */
    /* SCAN */
    uint32_t key_mask;
    uint64_t counts[FED_NTYPES];
    /* MAP: result rows, built by the worker */
    struct sp_round_agg *agg;
    struct sp_result_row *rows;
    size_t nrows;
    struct sp_peer_subject_count *subjects; /* partners mode: this node's report */
    uint32_t nsubjects;
    char diag[128];
};

/* A BATCH that arrived before this node's START (fed_msg.c): the
 * predecessor got its START first over another link. Kept as received and
 * taken in once START is here. */
struct fed_early {
    struct fed_early *next;
    int peer;
    size_t len;
    uint8_t data[];
};
/* Early BATCHes kept per round: the predecessor's window per stream bounds
 * them in an honest ring; more is refused. */
#define FED_EARLY_MAX 64

/* A batch waiting for room in a window (ring or FINAL). */
struct fed_pending {
    struct fed_pending *next;
    struct sp_peer_batch b; /* elements point at buf */
    uint8_t *buf;
    int credit_to; /* participant owed a CREDIT when this leaves, or -1 */
};

/* Own values of one key type. Value index i (in key order) lives in batch
 * i / batch_size at position i % batch_size. */
struct fed_own {
    uint32_t nbatches; /* produced so far */
    uint32_t home;     /* came back fully blinded */
    uint32_t cap;
    uint8_t **elems; /* per batch: fully blinded elements, NULL until home */
    uint32_t *count; /* per batch: number of elements */
    uint64_t nvalues;
    uint32_t *perm;    /* FINAL order: perm[j] = value index */
    uint32_t *holders; /* per value index, from the VERDICTs */
};

struct fed_final_ref {
    uint8_t key_type;
    uint32_t seq;      /* within the key type's stream */
    uint32_t start, n; /* range of perm */
};

struct fed_round {
    struct fed_round *next;
    struct sp_fed *fed;
    uint8_t id[SP_ROUND_ID_BYTES];
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    struct sp_proposal prop;
    uint8_t *prop_bytes;
    size_t prop_len;
    int state;
    unsigned roles;
    unsigned me, n;
    unsigned initiator;                     /* participant index of the proposing node */
    int peer_of[SP_PROTO_MAX_PARTICIPANTS]; /* config peer index; -1 for me */
    char reason[FED_REASON_MAX + 1];
    uint64_t created_ms, deadline_ms;
    uint64_t created_at, started_at, finished_at; /* Unix seconds */
    uint64_t created_wall_ms;                     /* Unix milliseconds */
    uint64_t set_sizes[FED_NTYPES];
    uint64_t values_sent, values_received, records_matched, rows;
    uint64_t matched[SP_ENTITY_COUNT]; /* own records with a row, per entity */
    bool persisted_final;
    /* progress (fed_progress.c): the phase last seen, since when and how far
     * it was then; log pacing */
    const char *phase;
    uint64_t phase_ms, phase_done0, progress_logged_ms;

    struct sp_round_key *key;
    struct fed_job *jobs; /* out with the workers */
    unsigned njobs;

    /* setup */
    bool scanned; /* own set sizes known */
    bool accept_sent;
    uint32_t accepted; /* initiator: participants that accepted (own bit too) */

    /* own stream */
    struct sp_store_keys_iter *it, *map_it;
    /* A keyed digest of the walk's distinct values in order: the mapping
     * pass walks the index again and must see exactly the same values.
     * Derived from personal data: kept in memory only, wiped at the end. */
    crypto_generichash_state walk;
    uint8_t walk_key[crypto_generichash_KEYBYTES];
    uint8_t walk_digest[crypto_generichash_BYTES];
    uint32_t batch_size;
    bool produced_all;
    unsigned hashing;
    bool have_peek;
    struct fed_value peek;    /* next distinct value, read ahead */
    struct fed_distinct dist; /* the producer's distinct-value tracker */
    struct fed_own own[FED_NTYPES];

    struct fed_early *early, *early_tail; /* BATCHes ahead of START */
    unsigned nearly;

    /* ring link to the successor: a window and a queue per origin */
    struct sp_window ring_win[SP_PROTO_MAX_PARTICIPANTS];
    struct fed_pending *ring_q[SP_PROTO_MAX_PARTICIPANTS];
    struct fed_pending *ring_qtail[SP_PROTO_MAX_PARTICIPANTS];
    uint32_t ring_qlen[SP_PROTO_MAX_PARTICIPANTS];
    /* batches taken from the predecessor whose CREDIT is still owed */
    uint32_t fwd_owed[SP_PROTO_MAX_PARTICIPANTS][FED_NTYPES];

    /* own FINALs: one stream per own key type (seq from 0 in each; an empty
     * FINAL for a type without values), planned in finals[] by type */
    struct fed_final_ref *finals;
    uint32_t final_first[FED_NTYPES], final_count[FED_NTYPES];
    uint32_t nfinals, finals_sent, verdicts_in;
    uint8_t *verdict_seen; /* bitmap over finals[] */
    struct sp_window final_win;

    /* mapping and results */
    struct sp_round_agg *agg;
    struct sp_result_row *rows_buf;
    size_t nrows_buf, rows_appended;
    bool mapped, appended, committed;

    /* initiator */
    uint32_t done_mask;
    bool counts_in;
    struct sp_peer_count *counts;
    uint32_t ncounts;
    /* subject cells: this node's own report (from the mapping pass), then at
     * the initiator every DONE's appended, merged when committing */
    struct sp_peer_subject_count *subjects;
    uint32_t nsubjects, subjects_cap;

    /* counting node duties (NULL unless this node counts) */
    struct fed_counter *ctr;
    bool scratch_gone; /* terminal and the counting scratch deleted */

    /* governance (fed_gov.c): what the audit log says about the round */
    uint8_t digest[32];        /* SHA-256 of the proposal bytes */
    bool is_signed;            /* a coordinator signed it */
    uint8_t coord_cert_fp[32]; /* SHA-256 of the coordinator's certificate */
    uint8_t *sig, *cert;       /* initiator: forwarded in PROPOSE (NULL: unsigned) */
    size_t sig_len, cert_len;
    /* elements in BATCH and FINAL messages per participant and key type */
    uint64_t sent[SP_PROTO_MAX_PARTICIPANTS][FED_NTYPES];
    uint64_t received[SP_PROTO_MAX_PARTICIPANTS][FED_NTYPES];
    uint64_t declared[SP_PROTO_MAX_PARTICIPANTS][FED_NTYPES]; /* initiator: from ACCEPTs */
    uint64_t candidates;    /* result rows whose strongest class is C */
    int fail_from;          /* participant whose message or absence ended it, or -1 */
    bool ended_recorded;    /* sizes and head sent once it ended */
    bool decision_recorded; /* proposal_accepted is in the log */
    uint32_t heads_in;      /* participants whose LOG_HEAD was recorded */
    uint64_t ended_ms;      /* when it reached a terminal state (monotonic) */
};

struct fed_selfmsg {
    struct fed_selfmsg *next;
    size_t len;
    uint8_t data[];
};

struct fed_peer_stats {
    uint64_t refused;
    uint64_t window_start_ms;
    unsigned logged_in_window;
};

struct sp_fed {
    const struct sp_config *cfg;
    struct sp_store *store;
    const struct sp_identity *id;
    struct sp_gov *gov; /* audit log, membership, policy; NULL in engine-only tests */
    struct sp_peers *peers;
    struct sp_workers *workers;
    size_t npeer_items;
    struct fed_round *rounds;
    unsigned nrounds;
    struct fed_selfmsg *self_head, *self_tail;
    struct fed_peer_stats pstats[SP_CONFIG_MAX_PEERS + 1]; /* last: self/unknown */
    uint64_t refused_total;
    uint64_t now_ms;
    /* counting scratch (fed_count.c) */
    unsigned final_dbi;
    bool scratch_open;
    /* rounds recorded as failed at start-up, whose participants are told */
    struct fed_recovered *recovered;
    size_t nrecovered;
    /* control replies: storage valid until the next sp_fed_control call */
    struct sp_ctl_round_info *ctl_rounds;
    struct sp_ctl_peer_info *ctl_peers;
};

/* ---- fed.c ---------------------------------------------------------- */
struct fed_round *fed_round_find(struct sp_fed *fed, const uint8_t id[SP_ROUND_ID_BYTES]);
/* Creates a round from proposal bytes (decoded into prop); links it. */
SP_NODISCARD int fed_round_create(struct sp_fed *fed, const struct sp_proposal *prop,
                                  const uint8_t *bytes, size_t len, unsigned initiator, int state,
                                  struct fed_round **out);
/* Fails a live round: reason, ABORT to the other participants (unless
 * quiet), key wiped, buffers and scratch dropped, no results. */
void fed_round_fail(struct fed_round *r, int code, bool send_abort, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* For a terminal round with no job out: drops its buffers and iterators and
 * wipes its key (no-op otherwise; called again when the last job is back). */
void fed_round_release_idle(struct fed_round *r);
/* Applies an event of the state machine; logs. Returns 0 or SP_ERR_STATE. */
SP_NODISCARD int fed_round_event(struct fed_round *r, int event);
/* Writes the round meta blob (sp_store_round_put); a failure is logged (the
 * round goes on: its state is in memory and its outcome is committed or
 * failed later). */
void fed_round_persist(struct fed_round *r);
/* Fills a meta struct (heap; caller frees) from the round's live state. */
SP_NODISCARD int fed_round_meta(const struct fed_round *r, int state, uint8_t **blob, size_t *len);
/* Sends m to participant p (encoding it); to this node itself through the
 * self queue. Returns 0 or an error (encode, queue cap, memory). */
SP_NODISCARD int fed_send(struct fed_round *r, unsigned p, struct sp_peer_msg *m);
/* fed_send where nothing more can be done on failure (ABORT, REFUSE, DONE):
 * a failure is logged. */
void fed_send_best(struct fed_round *r, unsigned p, struct sp_peer_msg *m);
/* Sends m to configured peer `peer` outside any round (REFUSE, ERROR). */
void fed_send_peer(struct sp_fed *fed, int peer, struct sp_peer_msg *m);
/* Hands a job to the workers and records it on the round. */
void fed_job_submit(struct fed_round *r, struct fed_job *job);
/* Submits a HASH or BLIND job in parts of about FED_PART_ELEMS elements, so
 * that one batch keeps every worker busy; the leader comes back (to
 * fed_ring_job_done) once all parts are done. Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int fed_job_submit_parts(struct fed_round *r, struct fed_job *leader);
struct fed_job *fed_job_new(struct fed_round *r, int kind);
void fed_job_free(struct fed_job *job);
/* Whether the round has finished everything and can be released. */
void fed_round_check_finished(struct fed_round *r);

/* ---- fed_msg.c ------------------------------------------------------ */
void fed_on_recv(void *ctx, const struct sp_peer_in *in);
void fed_on_link(void *ctx, int peer, bool up, uint64_t now_ms);
/* Processes the messages this node sent itself (it counts or initiates). */
void fed_drain_self(struct sp_fed *fed);
/* Frees the early BATCHes a round kept (it ended or took them in). */
void fed_early_free(struct fed_round *r);

/* ---- fed_setup.c ---------------------------------------------------- */
SP_NODISCARD int fed_ctl_round_start(struct sp_fed *fed, const struct sp_proposal *req,
                                     struct sp_ctl_reply *reply);
/* ROUND_SUBMIT: a coordinator-signed proposal, judged and proposed as is. */
SP_NODISCARD int fed_ctl_round_submit(struct sp_fed *fed, const struct sp_peer_propose *req,
                                      struct sp_ctl_reply *reply);
void fed_on_propose(struct sp_fed *fed, int peer, const struct sp_peer_msg *m);
void fed_on_accept(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_on_refuse(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_on_start(struct fed_round *r, unsigned from);
void fed_on_abort(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_on_error(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_scan_done(struct fed_round *r, struct fed_job *job);

/* ---- fed_ring.c ----------------------------------------------------- */
/* START happened: draw the key, open the key iterators, start producing. */
SP_NODISCARD int fed_ring_begin(struct fed_round *r);
void fed_ring_produce(struct fed_round *r);
/* Returns 0 or a refusal code (the caller refuses the message). */
SP_NODISCARD int fed_on_batch(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
SP_NODISCARD int fed_on_credit(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_ring_job_done(struct fed_round *r, struct fed_job *job);
void fed_ring_release(struct fed_round *r);
void fed_pending_free(struct fed_pending *p);

/* ---- fed_final.c ---------------------------------------------------- */
/* Every own value is home: shuffle and start sending FINALs. */
SP_NODISCARD int fed_final_begin(struct fed_round *r);
void fed_final_pump(struct fed_round *r);
SP_NODISCARD int fed_on_final_credit(struct fed_round *r, const struct sp_peer_credit *c);
SP_NODISCARD int fed_on_verdict(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_map_done(struct fed_round *r, struct fed_job *job);
void fed_results_step(struct fed_round *r);
SP_NODISCARD int fed_on_done(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
SP_NODISCARD int fed_on_counts(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_final_release(struct fed_round *r);
/* Appends subject cells (this node's, or a DONE's) to the round's; merged
 * when the initiator commits. Returns 0, SP_ERR_NOMEM or SP_ERR_OVERFLOW. */
SP_NODISCARD int fed_subjects_add(struct fed_round *r, const struct sp_peer_subject_count *cells,
                                  uint32_t n);

/* ---- fed_count.c ---------------------------------------------------- */
SP_NODISCARD int fed_scratch_open(struct sp_fed *fed);
SP_NODISCARD int fed_counter_new(struct fed_round *r);
SP_NODISCARD int fed_on_final(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
void fed_merge_done(struct fed_round *r, struct fed_job *job);
SP_NODISCARD int fed_on_verdict_credit(struct fed_round *r, unsigned from,
                                       const struct sp_peer_credit *c);
void fed_counter_pump(struct fed_round *r);
/* True when the counting duties are complete (or this node does not count). */
bool fed_counter_done(const struct fed_round *r);
/* Deletes a slice of the round's scratch; true when none is left. */
bool fed_counter_cleanup_step(struct fed_round *r);
void fed_counter_free(struct fed_round *r);

/* ---- fed_gov.c ------------------------------------------------------ */
/* How long a round that ended stays in memory for its peers' log heads. */
#define FED_HEADS_WAIT_MS 30000
struct sp_policy_verdict;
/* Judges a proposal with the node's policy (gov.h): signature, expiry,
 * local policy, membership. Without governance only the engine's own rules
 * apply (returns 0). Fills *v (digest and signer). Returns 0 or the
 * refusing code with reason set. */
SP_NODISCARD int fed_gov_judge(struct sp_fed *fed, const struct sp_proposal *p,
                               const uint8_t *bytes, size_t len, const struct sp_peer_propose *pp,
                               struct sp_policy_verdict *v, char *reason, size_t cap);
/* Keeps the judgement's digest and signer on the round (and the signature
 * and certificate to forward in PROPOSE). Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int fed_gov_bind(struct fed_round *r, const struct sp_policy_verdict *v,
                              const struct sp_peer_propose *pp);
/* Audit events: staged for the round's next store write, or appended. */
void fed_gov_accepted(struct fed_round *r);
void fed_gov_refused(struct sp_fed *fed, const uint8_t *round, const uint8_t *bytes, size_t len,
                     const struct sp_proposal *p, const char *initiator, const char *peer, int code,
                     const char *reason);
void fed_gov_started(struct fed_round *r);
void fed_gov_result(struct fed_round *r);
void fed_gov_failed(struct fed_round *r, int code);
/* A round that was live when the node stopped, now recorded as failed. */
void fed_gov_recovered(struct sp_fed *fed, const uint8_t id[SP_ROUND_ID_BYTES], const char *reason);
/* A round reached a terminal state: sizes per peer, then the signed head to
 * every other participant (LOG_HEAD) and log_head_sent. Once per round. */
void fed_gov_ended(struct fed_round *r);
/* Counts the elements of a BATCH or FINAL sent to / received from p (and
 * the set sizes an ACCEPT declares). */
void fed_gov_count(struct fed_round *r, unsigned p, const struct sp_peer_msg *m, bool sent);
/* A LOG_HEAD from participant from: checked and recorded. Returns 0 or a
 * refusal code. */
SP_NODISCARD int fed_on_log_head(struct fed_round *r, unsigned from, const struct sp_peer_msg *m);
/* Whether a round that ended may leave memory (heads in, or waited enough). */
bool fed_gov_heads_settled(const struct fed_round *r, uint64_t now_ms);

/* ---- fed_progress.c ------------------------------------------------- */
/* A progress log line at most this often per live round. */
#define FED_PROGRESS_LOG_MS 5000
/* The round's phase (proposed, blinding, forwarding, counting, writing, or
 * the state of an ended round), what is done of its total (values; rows
 * when writing), how long the phase has lasted and its rate per second
 * (what was done since it began, not before); remembers when the phase
 * changed. */
const char *fed_progress(struct fed_round *r, uint64_t now_ms, uint64_t *done, uint64_t *total,
                         uint64_t *elapsed_ms, uint64_t *rate);
/* Logs progress every FED_PROGRESS_LOG_MS during a live round (tick). */
void fed_progress_log(struct fed_round *r, uint64_t now_ms);

/* ---- fed_ctl.c ------------------------------------------------------ */
SP_NODISCARD int fed_ctl_rounds(struct sp_fed *fed, const struct sp_ctl_rounds_req *req,
                                struct sp_ctl_reply *reply);
SP_NODISCARD int fed_ctl_status(struct sp_fed *fed, struct sp_ctl_reply *reply);
SP_NODISCARD int fed_ctl_cancel(struct sp_fed *fed, const struct sp_ctl_round_ref *req,
                                struct sp_ctl_reply *reply);

/* The credit window this node keeps: its batch_window, at most the
 * protocol's SP_PEER_CREDIT_WINDOW (which is what every receiver allows). */
uint32_t fed_window(const struct sp_fed *fed);
/* Formats a monotonic time as a UTC wall-clock timestamp. */
void fed_format_wall(uint64_t mono_ms, uint64_t now_ms, char out[32]);
const char *fed_pname(const struct fed_round *r, unsigned p);

#endif
