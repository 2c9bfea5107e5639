/*
 * The round engine's inside (engine.h is its outside): a live round and the
 * engine's services that every phase uses. Shared by the engine's files
 * only (this folder's .c files but round*.c and audit_events.c, which are
 * the rules they use). The files, from the bottom up (a file calls only
 * those below it, so no two call each other):
 *   core.c       the round table, the round record, state events, sending
 *                (and the self-delivery queue), jobs, log lines
 *   audit.c      a round's audit entries and the log heads (the gov port)
 *   lifecycle.c  a round created, failed, or recovered at start-up
 *   setup.c      ROUND_START/SUBMIT, PROPOSE, ACCEPT/REFUSE/START, ABORT/ERROR
 *   ring.c       own values hashed and blinded into batches; peers' batches
 *                blinded and forwarded; BATCH credits
 *   count.c      the counting node: sorted runs, the merge, VERDICTs, COUNTS
 *   final.c      own FINALs, VERDICTs, mapping, results, DONE and COUNTS
 *   progress.c   a live round's phase and progress
 *   liveness.c   PROGRESS to and from the others, the stall check
 *   intake.c     decoding, attribution, admission, refusal, early BATCHes
 *   ctl.c        control requests (ROUNDS, ROUND_CANCEL; starts via setup)
 *   engine.c     the entry points: events to phases, what follows a state
 *                change (engine.c's advance), jobs coming back, ticks
 * Each phase owns its part of struct sp_round (a sub-struct named after it,
 * the counting node's behind a pointer).
 *
 * Threading: everything runs on the engine's thread except the run
 * functions of jobs (struct sp_eng_job), which touch only their job and
 * data that stays read-only while the job is out (the round key, the
 * mapping walk and the holders during the mapping pass, the counter's runs
 * during the merge).
 */
#ifndef SP_ROUND_CORE_H
#define SP_ROUND_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "common/keytype.h"
#include "common/roundid.h"
#include "input/case_list.h"
#include "proto/control.h"
#include "proto/peer.h"
#include "proto/proposal.h"
#include "round/engine.h"
#include "round/round.h"
#include "round/round_agg.h"

struct sp_round_key;
struct sp_eng_counter;
struct sp_eng_case_own;

#define SP_ENG_ELEM       SP_PEER_ELEMENT_BYTES
#define SP_ENG_NTYPES     SP_KEY_TYPE_COUNT
#define SP_ENG_REASON_MAX SP_PROTO_TEXT_MAX
/* A participant link that stays down this long fails the rounds using it. */
#define SP_ENG_LINK_GRACE_MS 5000
/* Refusal log lines per peer per SP_ENG_LOG_WINDOW_MS (the count is exact). */
#define SP_ENG_LOG_BURST     20
#define SP_ENG_LOG_WINDOW_MS 10000
/* Own hash jobs allowed ahead of the window, to keep the workers busy. */
#define SP_ENG_HASH_AHEAD(workers) ((workers) + 1)
/* Elements per part of a batch job (see sp_eng_job_submit_parts). */
#define SP_ENG_PART_ELEMS 512
/* Most rounds kept in memory at once (live or winding down). */
#define SP_ENG_MAX_ROUNDS 64
/* How long a round that ended stays in memory for its peers' log heads. */
#define SP_ENG_HEADS_WAIT_MS 30000
/* A progress log line at most this often per live round. */
#define SP_ENG_PROGRESS_LOG_MS 5000
/* Liveness (liveness.c): a PROGRESS to every other participant this often
 * while a round runs, counts or finishes; a round in which no participant's
 * work advanced for the stall timeout (config round_stall_s, 0: the
 * default) fails, naming the participant it waits for. */
#define SP_ENG_LIVE_SEND_MS       3000
#define SP_ENG_STALL_DEFAULT_S    120
#define SP_ENG_JOB_PROGRESS_EVERY 4096 /* values between a long job's progress updates */
/* Early BATCHes kept per round: the predecessor's window per stream bounds
 * them in an honest ring; more is refused. */
#define SP_ENG_EARLY_MAX  64
#define SP_ENG_PEER_STATS 64
/* The sender "this node" (the self-delivery queue); beside
 * SP_ENGINE_PEER_UNKNOWN. */
#define SP_ENG_PEER_SELF ((size_t)-2)

/* One match-key value read ahead of its batch (personal data: wiped). */
struct sp_eng_value {
    uint8_t type;
    uint8_t klass;
    uint16_t len;
    uint8_t val[SP_ROUND_VALUE_MAX];
};

/* Recognises the distinct (type, value) pairs of a key walk, which yields
 * equal pairs next to each other: the producer and the mapping pass number
 * values the same way through it. */
struct sp_eng_distinct {
    bool have;
    struct sp_eng_value prev;
};

enum sp_eng_job_kind {
    SP_ENG_JOB_HASH = 1, /* own values: hash to the group, blind (hops = 1) */
    SP_ENG_JOB_BLIND,    /* a peer's batch: blind once more */
    SP_ENG_JOB_SCAN,     /* set sizes: distinct values per key type */
    SP_ENG_JOB_MAP,      /* verdicts -> result rows */
    SP_ENG_JOB_MERGE,    /* the counting node: sorted runs -> holder masks */
    /* without a round (round NULL; case_epoch.c's own struct around it): */
    SP_ENG_JOB_OWN_WALK,     /* the key index against the own epoch outputs */
    SP_ENG_JOB_OWN_HASH,     /* added values -> epoch outputs and fingerprints */
    SP_ENG_JOB_CASE_BLIND,   /* asker: case values hashed (H_case) and blinded */
    SP_ENG_JOB_CASE_UNBLIND, /* asker: one partner's answers unblinded, fingerprinted */
    SP_ENG_JOB_CASE_EVAL,    /* partner: a question's values under the epoch key */
};

struct sp_round;

struct sp_eng_job {
    struct sp_job base;       /* first: the driver hands back this pointer */
    struct sp_eng_job *rnext; /* the round's list of jobs out */
    struct sp_round *round;   /* NULL: an OWN_* job (case_epoch.c) */
    int kind;
    int rc;
    /* A batch is split into parts that run on several workers at once; the
     * leader owns the buffers, the other parts point into them. */
    struct sp_eng_job *leader; /* NULL for a leader (or an unsplit job) */
    uint32_t part_off, part_n;
    unsigned parts_left; /* leader: parts not back yet (itself included) */
    bool parts_cancelled;
    /* A long job's values done so far (the merge, the mapping pass): set by
     * the worker, read by the engine's thread for liveness (liveness.c). */
    atomic_uint_fast64_t progress;
    const struct sp_round_key *key; /* borrowed from the round */
    /* HASH / BLIND: one batch */
    uint8_t origin, key_type, hops;
    bool last;
    uint32_t seq;
    uint32_t n;
    uint8_t *elems; /* n * SP_ENG_ELEM */
    unsigned from;  /* BLIND: participant that sent it (credit owed) */
    /* HASH: the cleartext values (personal data; wiped after hashing) */
    uint8_t *vals;
    size_t vals_len, vals_cap;
    uint32_t *offs; /* n + 1 offsets into vals */
    /* SCAN */
    uint32_t key_mask;
    uint64_t counts[SP_ENG_NTYPES];
    /* MAP: the rows aggregated per record, built by the worker */
    struct sp_round_agg *agg;
    struct sp_peer_subject_count *subjects; /* partners mode: this node's report */
    uint32_t nsubjects;
    /* CASE_*: the case file's own job data, freed with the job by cfree */
    void *cdata;
    void (*cfree)(void *cdata);
};

/* ---- a round's parts, one per phase ------------------------------------ */

/* setup.c */
struct sp_eng_setup {
    bool scanned; /* own set sizes known */
    bool accept_sent;
    uint32_t accepted; /* initiator: participants that accepted (own bit too) */
};

/* A batch waiting for room in the ring's window. */
struct sp_eng_pending {
    struct sp_eng_pending *next;
    struct sp_peer_batch b; /* elements point at buf */
    uint8_t *buf;
    int credit_to; /* participant owed a CREDIT when this leaves, or -1 */
};

/* Own values of one key type. Value index i (in key order) lives in batch
 * i / batch_size at position i % batch_size. */
struct sp_eng_own {
    uint32_t nbatches; /* produced so far */
    uint32_t home;     /* came back fully blinded */
    uint32_t cap;
    uint8_t **elems; /* per batch: fully blinded elements, NULL until home */
    uint32_t *count; /* per batch: number of elements */
    uint64_t nvalues;
};

/* ring.c */
struct sp_eng_ring {
    bool begun;
    void *it; /* the producer's key walk (store port) */
    /* A keyed digest of the walk's distinct values in order: the mapping
     * pass walks the index again and must see exactly the same values.
     * Derived from personal data: kept in memory only, wiped at the end. */
    crypto_generichash_state walk;
    uint8_t walk_key[crypto_generichash_KEYBYTES];
    uint8_t walk_digest[crypto_generichash_BYTES];
    bool produced_all;
    unsigned hashing;
    bool have_peek;
    struct sp_eng_value peek;    /* next distinct value, read ahead */
    struct sp_eng_distinct dist; /* the producer's distinct-value tracker */
    struct sp_eng_own own[SP_ENG_NTYPES];
    /* the link to the successor: a window and a queue per origin */
    struct sp_window win[SP_PROTO_MAX_PARTICIPANTS];
    struct sp_eng_pending *q[SP_PROTO_MAX_PARTICIPANTS];
    struct sp_eng_pending *qtail[SP_PROTO_MAX_PARTICIPANTS];
    uint32_t qlen[SP_PROTO_MAX_PARTICIPANTS];
    /* batches taken from the predecessor whose CREDIT is still owed */
    uint32_t fwd_owed[SP_PROTO_MAX_PARTICIPANTS][SP_ENG_NTYPES];
};

/* A BATCH that arrived before this node's START (intake.c): the
 * predecessor got its START first over another link. Kept as received and
 * taken in once START is here. */
struct sp_eng_early_msg {
    struct sp_eng_early_msg *next;
    size_t peer;
    size_t len;
    uint8_t data[];
};

/* intake.c */
struct sp_eng_early {
    struct sp_eng_early_msg *head, *tail;
    unsigned n;
};

struct sp_eng_final_ref {
    uint8_t key_type;
    uint32_t seq;      /* within the key type's stream */
    uint32_t start, n; /* range of perm */
};

/* final.c */
struct sp_eng_final {
    bool begun;
    /* own FINALs: one stream per own key type (seq from 0 in each; an empty
     * FINAL for a type without values), planned in finals[] by type */
    uint32_t *perm[SP_ENG_NTYPES];    /* FINAL order: perm[t][j] = value index */
    uint32_t *holders[SP_ENG_NTYPES]; /* per value index, from the VERDICTs */
    struct sp_eng_final_ref *finals;
    uint32_t first[SP_ENG_NTYPES], count[SP_ENG_NTYPES];
    uint32_t nfinals, sent, verdicts_in;
    uint8_t *verdict_seen; /* bitmap over finals[] */
    struct sp_window win;
    /* mapping and results */
    void *map_it;                     /* the mapping pass's key walk */
    struct sp_round_agg *agg;         /* the rows, taken a slice at a time */
    struct sp_round_agg_pos rows_pos; /* the next row to store */
    size_t nrows, rows_appended;
    uint64_t candidates; /* result rows whose strongest class is C */
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
};

/* audit.c: what the audit log says about the round */
struct sp_eng_audit {
    uint8_t digest[32];        /* SHA-256 of the proposal bytes */
    bool is_signed;            /* a coordinator signed it */
    uint8_t coord_cert_fp[32]; /* SHA-256 of the coordinator's certificate */
    uint8_t *sig, *cert;       /* initiator: forwarded in PROPOSE (NULL: unsigned) */
    size_t sig_len, cert_len;
    /* elements in BATCH and FINAL messages per participant and key type
     * (core.c counts them as they pass) */
    uint64_t sent[SP_PROTO_MAX_PARTICIPANTS][SP_ENG_NTYPES];
    uint64_t received[SP_PROTO_MAX_PARTICIPANTS][SP_ENG_NTYPES];
    uint64_t declared[SP_PROTO_MAX_PARTICIPANTS][SP_ENG_NTYPES]; /* initiator: from ACCEPTs */
    bool ended_recorded;    /* sizes and head sent once it ended */
    bool decision_recorded; /* proposal_accepted is in the log */
    uint32_t heads_in;      /* participants whose LOG_HEAD was recorded */
    uint64_t ended_ms;      /* when it reached a terminal state (monotonic) */
};

/* A message that the transport did not take (the send port refused it:
 * the peer's queue full, the link down at that instant) and that nothing
 * later in the round would make up for: a participant's ACCEPT, REFUSE or
 * DONE to the initiator, and ABORT to anyone. Kept encoded, one per
 * participant, and offered again at ticks, the wait doubling from
 * SP_ENG_RESEND_FIRST_MS to SP_ENG_RESEND_MAX_MS, until it leaves or
 * until_ms (core.c; ROUNDS.md, "Faults"). An ABORT replaces what waits. */
#define SP_ENG_RESEND_FIRST_MS 50
#define SP_ENG_RESEND_MAX_MS   2000
struct sp_eng_resend {
    uint8_t *buf; /* the encoded message; NULL: nothing waits */
    size_t len;
    int type; /* SP_PEER_* */
    int rc;   /* the send port's last answer */
    uint32_t tries, wait_ms;
    uint64_t next_ms;  /* monotonic: when it is offered again */
    uint64_t until_ms; /* the round's deadline; for an ABORT at least the link grace */
};

/* progress.c: the phase last seen, since when and how far it was then */
struct sp_eng_progress {
    const char *phase;
    uint64_t phase_ms, phase_done0, logged_ms;
};

/* liveness.c: what this node last heard of a participant's progress */
struct sp_eng_live_peer {
    uint64_t work;       /* the highest work it reported */
    uint64_t advance_ms; /* monotonic: when its work last went up (or the watch began) */
    uint64_t heard_ms;   /* monotonic: its last PROGRESS (or the watch began) */
    uint8_t phase;       /* its last phase (enum sp_peer_phase; 0: none heard) */
};

/* liveness.c: the round's watch (from when it started at this node) */
struct sp_eng_live {
    bool watching;
    uint64_t sent_ms;   /* last PROGRESS sent */
    uint64_t jobs_work; /* values done by long jobs that came back */
    uint64_t verdicts;  /* VERDICT messages sent to or received from others */
    uint64_t own_local; /* own work and what stays local (result rows) */
    uint64_t own_advance_ms;
    uint32_t ended; /* participants whose LOG_HEAD came: the round ended there */
    struct sp_eng_live_peer peer[SP_PROTO_MAX_PARTICIPANTS];
};

struct sp_round {
    struct sp_round *next;
    struct sp_engine *eng;
    uint8_t id[SP_ROUND_ID_BYTES];
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    struct sp_proposal prop;
    uint8_t *prop_bytes;
    size_t prop_len;
    int state;
    unsigned roles;
    unsigned me, n;
    unsigned initiator;                        /* participant index of the proposing node */
    size_t peer_of[SP_PROTO_MAX_PARTICIPANTS]; /* config peer index; SP_ENG_PEER_SELF for me */
    char reason[SP_ENG_REASON_MAX + 1];
    int fail_from;                    /* participant whose message or absence ended it, or -1 */
    uint64_t created_ms, deadline_ms; /* monotonic */
    uint64_t created_at, started_at, finished_at; /* Unix seconds */
    uint64_t created_wall_ms;                     /* Unix milliseconds */
    uint32_t batch_size;
    /* what the round record says */
    uint64_t set_sizes[SP_ENG_NTYPES];
    uint64_t values_sent, values_received, records_matched, rows;
    uint64_t matched[SP_ENTITY_COUNT]; /* own records with a row, per entity */

    struct sp_round_key *key;
    struct sp_eng_job *jobs; /* out with the driver */
    unsigned njobs;
    bool released; /* terminal, jobs back, buffers and key gone */

    struct sp_eng_setup setup;
    struct sp_eng_ring ring;
    struct sp_eng_early early;
    struct sp_eng_final fin;
    struct sp_eng_counter *ctr; /* count.c; NULL until this node counts */
    bool scratch_gone;          /* terminal and the counting scratch deleted */
    struct sp_eng_audit audit;
    struct sp_eng_progress progress;
    struct sp_eng_live live;
    struct sp_eng_resend resend[SP_PROTO_MAX_PARTICIPANTS]; /* core.c, per participant */
    struct sp_eng_case_q *cq; /* case_ask.c / case_answer.c; NULL in other modes */
};

struct sp_eng_selfmsg {
    struct sp_eng_selfmsg *next;
    size_t len;
    uint8_t *data;
};

struct sp_eng_peer_stats {
    uint64_t refused;
    uint64_t window_start_ms;
    unsigned logged_in_window;
};

struct sp_engine {
    const struct sp_engine_config *cfg; /* the driver's; may change between events */
    struct sp_engine_ports ports;
    struct sp_engine_now now; /* of the event being handled */
    struct sp_round *rounds;
    unsigned nrounds;
    struct sp_eng_selfmsg *self_head, *self_tail;
    /* per configured peer (the last: self, unknown, and peers beyond it) */
    struct sp_eng_peer_stats pstats[SP_ENG_PEER_STATS];
    uint64_t refused_total;
    /* control replies: storage valid until the next sp_engine_control call */
    struct sp_ctl_round_info *ctl_rounds;
    struct sp_eng_case_own *case_own;     /* case_epoch.c; NULL: no own epoch */
    struct sp_eng_case_peers *case_peers; /* case_filters.c */
};

static inline uint32_t sp_eng_all_bits(unsigned n)
{
    return n >= 32 ? UINT32_MAX : (UINT32_C(1) << n) - 1;
}

static inline const char *sp_eng_pname(const struct sp_round *r, unsigned p)
{
    return p < r->n ? r->prop.participants[p].name : "?";
}

/* The credit window this node keeps: its batch_window, at most the
 * protocol's SP_PEER_CREDIT_WINDOW (which is what every receiver allows). */
static inline uint32_t sp_eng_window(const struct sp_engine *e)
{
    uint32_t w = e->cfg->batch_window;
    return w == 0 || w > SP_PEER_CREDIT_WINDOW ? SP_PEER_CREDIT_WINDOW : w;
}

static inline uint64_t sp_eng_unix_s(const struct sp_engine *e)
{
    return e->now.wall_ms / 1000u;
}

/* ---- core.c ------------------------------------------------------------ */

/* A log line through the log port (enum sp_engine_log_level). */
void sp_eng_log(const struct sp_engine *e, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define sp_eng_error(e, ...) sp_eng_log(e, SP_ENGINE_LOG_ERROR, __VA_ARGS__)
#define sp_eng_warn(e, ...)  sp_eng_log(e, SP_ENGINE_LOG_WARN, __VA_ARGS__)
#define sp_eng_info(e, ...)  sp_eng_log(e, SP_ENGINE_LOG_INFO, __VA_ARGS__)
#define sp_eng_debug(e, ...) sp_eng_log(e, SP_ENGINE_LOG_DEBUG, __VA_ARGS__)
/* Configured peer index of a name, or -1. */
int sp_eng_peer_find(const struct sp_engine *e, const char *name);
/* Fills an error reply of control op `op`; returns rc. */
int sp_eng_ctl_error(struct sp_ctl_reply *reply, uint8_t op, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

struct sp_round *sp_eng_round_find(struct sp_engine *e, const uint8_t id[SP_ROUND_ID_BYTES]);
/* True when a round with this id is in memory or in the store (a store
 * error counts as seen: the caller refuses). Replay protection. */
bool sp_eng_round_id_seen(struct sp_engine *e, const uint8_t id[SP_ROUND_ID_BYTES]);
/* Applies an event of the state machine; logs. Returns 0 or SP_ERR_STATE. */
SP_NODISCARD int sp_eng_event(struct sp_round *r, int event);
/* The round record (round_meta.h) of the round's live state, in state:
 * heap (caller frees). */
SP_NODISCARD int sp_eng_meta(const struct sp_round *r, int state, uint8_t **blob, size_t *len);
/* Writes the round record (round_put); a failure is logged (the round goes
 * on: its state is in memory, its outcome committed or failed later). */
void sp_eng_persist(struct sp_round *r);

/* Sends m to participant p (encoding it); to this node itself through the
 * self queue. Counts BATCH and FINAL elements for the audit. Returns 0 or
 * an error (encode, the peer's queue, memory). */
SP_NODISCARD int sp_eng_send(struct sp_round *r, unsigned p, struct sp_peer_msg *m);
/* sp_eng_send where nothing more can be done on failure (ABORT, REFUSE,
 * DONE): a failure is logged. */
void sp_eng_send_best(struct sp_round *r, unsigned p, struct sp_peer_msg *m);
/* sp_eng_send for a message that must arrive (ACCEPT, REFUSE and DONE to
 * the initiator, ABORT): when the send port refuses it, it is kept for
 * sp_eng_resend_step (one per participant; an ABORT replaces the one
 * waiting). Returns 0 (sent), SP_ENG_KEPT (kept, logged), or an error that
 * retrying would not mend (encoding, memory). */
#define SP_ENG_KEPT 1
SP_NODISCARD int sp_eng_send_keep(struct sp_round *r, unsigned p, struct sp_peer_msg *m);
/* At a tick: offers each kept message again once its wait is over; drops
 * it, logged, at its until_ms, and an ACCEPT, REFUSE or DONE once the round
 * failed (its ABORT says more). Returns SP_PEER_ACCEPT when a kept ACCEPT
 * left now, else 0. */
int sp_eng_resend_step(struct sp_round *r);
/* Whether a message waits; milliseconds until one wants a tick, or -1. */
bool sp_eng_resend_pending(const struct sp_round *r);
long sp_eng_resend_next_ms(const struct sp_round *r, uint64_t now_ms);
/* Frees the kept messages (the round leaves memory). */
void sp_eng_resend_free(struct sp_round *r);
/* A REFUSE to configured peer `peer` for round (or request) id, outside any
 * round's state (a proposal or question refused before a round exists, a
 * filter request); a failure is logged. */
void sp_eng_send_refuse(struct sp_engine *e, size_t peer, const uint8_t *id, int code,
                        const char *reason);
/* A proposal that came in a peer message (PROPOSE, CASE_ASK): decoded into
 * *prop and checked to carry the message's round id. Returns 0, or the
 * refusing code with reason set (*decoded: whether *prop holds it). */
SP_NODISCARD int sp_eng_proposal_open(const struct sp_peer_propose *pp,
                                      const uint8_t id[SP_ROUND_ID_BYTES], struct sp_proposal *prop,
                                      bool *decoded, char *reason, size_t cap);
/* The rules every participant applies to a proposal from peer `peer`
 * (sp_round_judge: membership, expiry, limits) and this node's own limit
 * on a round's duration. Returns 0 or the refusing code with reason set. */
SP_NODISCARD int sp_eng_judge_membership(struct sp_engine *e, size_t peer,
                                         const struct sp_proposal *p, char *reason, size_t cap);
/* Sends m to configured peer `peer` outside any round (or back on the
 * connection of reply_to); a failure is logged. */
void sp_eng_send_peer(struct sp_engine *e, size_t peer, const void *reply_to,
                      const struct sp_peer_msg *m);
/* Counts the elements of a BATCH or FINAL sent to / received from p, and
 * the set sizes an ACCEPT declares (audit.c records them). */
void sp_eng_count_elems(struct sp_round *r, unsigned p, const struct sp_peer_msg *m, bool sent);

struct sp_eng_job *sp_eng_job_new(struct sp_round *r, int kind);
void sp_eng_job_free(struct sp_eng_job *job);
/* Hands a job to the driver and records it on the round. */
void sp_eng_job_submit(struct sp_round *r, struct sp_eng_job *job);
/* Submits a HASH or BLIND job in parts of about SP_ENG_PART_ELEMS elements,
 * so that one batch keeps every worker busy; the leader comes back once all
 * parts are done. Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_eng_job_submit_parts(struct sp_round *r, struct sp_eng_job *leader);

/* ---- audit.c ----------------------------------------------------------- */

/* Judges a proposal with the node's policy (gov port): signature, expiry,
 * local policy, membership. Fills v (its digest always). Returns 0 or the
 * refusing code with reason set. */
SP_NODISCARD int sp_eng_audit_judge(struct sp_engine *e, const struct sp_proposal *p,
                                    const uint8_t *bytes, size_t len,
                                    const struct sp_peer_propose *pp, struct sp_engine_verdict *v,
                                    char *reason, size_t cap);
/* Keeps the judgement's digest and signer on the round (and the signature
 * and certificate to forward in PROPOSE). Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_eng_audit_bind(struct sp_round *r, const struct sp_engine_verdict *v,
                                   const struct sp_peer_propose *pp);
/* Audit entries: staged for the round's next store write, or appended. */
void sp_eng_audit_accepted(struct sp_round *r);
void sp_eng_audit_refused(struct sp_engine *e, const uint8_t *round, const uint8_t *bytes,
                          size_t len, const struct sp_proposal *p, const char *initiator,
                          const char *peer, int code, const char *reason);
void sp_eng_audit_started(struct sp_round *r);
void sp_eng_audit_result(struct sp_round *r);
void sp_eng_audit_failed(struct sp_round *r, int code);
/* A case question's outcome with partner p (staged with the results). */
void sp_eng_audit_case_answer(struct sp_round *r, unsigned p, int code, const char *reason,
                              uint64_t subjects);
/* A round that was live when the node stopped, now recorded as failed. */
void sp_eng_audit_recovered(struct sp_engine *e, const uint8_t id[SP_ROUND_ID_BYTES],
                            const char *reason);
/* A round reached a terminal state: sizes per peer, then the signed head to
 * every other participant (LOG_HEAD) and log_head_sent. Once per round. */
void sp_eng_audit_ended(struct sp_round *r);
/* A LOG_HEAD from participant from: checked and recorded. Returns 0 or a
 * refusal code. */
SP_NODISCARD int sp_eng_audit_on_log_head(struct sp_round *r, unsigned from,
                                          const struct sp_peer_msg *m);
/* Whether a round that ended may leave memory (heads in, or waited enough). */
bool sp_eng_audit_heads_settled(const struct sp_round *r, uint64_t now_ms);

/* ---- liveness.c -------------------------------------------------------- */

/* This node's work in the round as PROGRESS reports it: elements of the
 * BATCHes and FINALs it sent and received, VERDICT messages, and the values
 * its long jobs went through (also while they run). Never decreases; a
 * function of the participants' set sizes only (no rows, no matches). */
uint64_t sp_eng_live_work(const struct sp_round *r);
/* A PROGRESS from participant from. */
void sp_eng_live_on_progress(struct sp_round *r, unsigned from, const struct sp_peer_progress *p);
/* Participant from's LOG_HEAD came: the round ended there (done or
 * failed), it reports no more progress and is waited for no longer. */
void sp_eng_live_ended(struct sp_round *r, unsigned from);
/* A job of the round came back: its progress stays counted. */
void sp_eng_live_job_back(struct sp_round *r, const struct sp_eng_job *job);
/* At a tick of a live round: PROGRESS to the others every
 * SP_ENG_LIVE_SEND_MS (best effort), and the stall check: the round fails
 * when no participant's work (this node's included) advanced for the
 * stall timeout, naming the one it waits for (ROUNDS.md, "Faults"). */
void sp_eng_live_tick(struct sp_round *r);

/* ---- lifecycle.c ------------------------------------------------------- */

/* Creates a round from proposal bytes (decoded into prop); links it.
 * Returns 0, SP_ERR_BUSY (too many rounds), SP_ERR_ROUND_REFUSED (this node
 * is no participant), SP_ERR_PEER_UNKNOWN, SP_ERR_NOMEM. */
SP_NODISCARD int sp_eng_round_create(struct sp_engine *e, const struct sp_proposal *prop,
                                     const uint8_t *bytes, size_t len, unsigned initiator,
                                     int state, struct sp_round **out);
/* Fails a live round: reason, ABORT to the other participants (unless
 * quiet), queued jobs cancelled, staged results deleted, round_failed
 * recorded with the failed state. Its buffers go when its jobs are back
 * (engine.c). */
void sp_eng_fail(struct sp_round *r, int code, bool send_abort, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* At start-up: rounds that were live when the node stopped are recorded as
 * failed and their other participants told. Returns 0 or an error. */
SP_NODISCARD int sp_eng_recover(struct sp_engine *e);

/* ---- setup.c ----------------------------------------------------------- */

/* The checks of a round request made at this node: the protocol's limits,
 * this node and every participant configured, expiry, this node's deadline.
 * Returns 0 or an error with reply filled (op). */
SP_NODISCARD int sp_eng_setup_check(struct sp_engine *e, const struct sp_proposal *p, uint8_t op,
                                    struct sp_ctl_reply *reply);
/* ROUND_START (an unsigned proposal made here) and ROUND_SUBMIT (a
 * coordinator-signed one, judged and proposed as is). */
SP_NODISCARD int sp_eng_setup_start(struct sp_engine *e, const struct sp_proposal *req,
                                    struct sp_ctl_reply *reply);
SP_NODISCARD int sp_eng_setup_submit(struct sp_engine *e, const struct sp_peer_propose *req,
                                     struct sp_ctl_reply *reply);
void sp_eng_setup_on_propose(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m);
/* ACCEPT, REFUSE, START, ABORT, ERROR. Returns 0 or a refusal code. */
SP_NODISCARD int sp_eng_setup_on_msg(struct sp_round *r, unsigned from,
                                     const struct sp_peer_msg *m);
void sp_eng_setup_job_done(struct sp_round *r, struct sp_eng_job *job);
/* The ACCEPT kept by sp_eng_send_keep left at a later tick (engine.c). */
void sp_eng_setup_accept_left(struct sp_round *r);

/* ---- ring.c ------------------------------------------------------------ */

/* START happened: draw the key, open the key walk, start producing.
 * Returns 0 or an error (the caller fails the round). */
SP_NODISCARD int sp_eng_ring_begin(struct sp_round *r);
/* BATCH, and CREDITs for BATCHes. Returns 0 or a refusal code. */
SP_NODISCARD int sp_eng_ring_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m);
void sp_eng_ring_job_done(struct sp_round *r, struct sp_eng_job *job);
void sp_eng_ring_release(struct sp_round *r);
/* The key walk's distinct values (the producer here, the mapping pass in
 * final.c): true when ref starts a new distinct value (remembered), and
 * the walk digest's update with it. */
bool sp_eng_distinct_next(struct sp_eng_distinct *d, const struct sp_keyref *ref);
void sp_eng_walk_update(crypto_generichash_state *st, const struct sp_eng_value *v);

/* ---- count.c ----------------------------------------------------------- */

/* FINAL, and CREDITs for VERDICTs. Returns 0 or a refusal code. */
SP_NODISCARD int sp_eng_count_on_msg(struct sp_round *r, unsigned from,
                                     const struct sp_peer_msg *m);
void sp_eng_count_job_done(struct sp_round *r, struct sp_eng_job *job);
/* True when the counting duties are complete (or this node does not count). */
bool sp_eng_count_done(const struct sp_round *r);
/* Deletes a slice of the round's scratch; true when none is left. */
bool sp_eng_count_cleanup_step(struct sp_round *r);
void sp_eng_count_free(struct sp_round *r);

/* ---- final.c ----------------------------------------------------------- */

/* Every own value is home: shuffle and start sending FINALs. Returns 0 or
 * an error (the caller fails the round). */
SP_NODISCARD int sp_eng_final_begin(struct sp_round *r);
/* VERDICT, DONE, COUNTS, and CREDITs for FINALs. Returns 0 or a refusal
 * code. */
SP_NODISCARD int sp_eng_final_on_msg(struct sp_round *r, unsigned from,
                                     const struct sp_peer_msg *m);
void sp_eng_final_job_done(struct sp_round *r, struct sp_eng_job *job);
/* Stores result rows a slice at a time (keeping each write short); at the
 * end commits, or waits for every DONE and COUNTS at the initiator. */
void sp_eng_final_results_step(struct sp_round *r);
void sp_eng_final_release(struct sp_round *r);

/* ---- progress.c -------------------------------------------------------- */

/* The round's phase (proposed, blinding, forwarding, counting, writing, or
 * the state of an ended round), what is done of its total (values; rows
 * when writing), how long the phase has lasted and its rate per second
 * (what was done since it began, not before); remembers when the phase
 * changed. */
const char *sp_eng_progress(struct sp_round *r, uint64_t now_ms, uint64_t *done, uint64_t *total,
                            uint64_t *elapsed_ms, uint64_t *rate);
/* Logs progress every SP_ENG_PROGRESS_LOG_MS during a live round (tick). */
void sp_eng_progress_log(struct sp_round *r, uint64_t now_ms);

/* ---- intake.c ---------------------------------------------------------- */

/* A received message from configured peer `peer` (or SP_ENG_PEER_SELF,
 * SP_ENGINE_PEER_UNKNOWN): decoded, attributed, admitted or refused,
 * routed to its phase. */
void sp_eng_intake(struct sp_engine *e, size_t peer, const void *reply_to, const uint8_t *bytes,
                   size_t len);
/* Refuses a message that came as several frames. */
void sp_eng_intake_multipart(struct sp_engine *e, size_t peer, const void *reply_to);
/* The messages that came ahead of START: taken in, in their order, once
 * the round started (it may be counting already: a node without values);
 * dropped once it ended. */
void sp_eng_intake_early(struct sp_round *r);
/* Drops what came ahead of START, whatever the state (the round leaves
 * memory: an engine freed without sp_engine_stop has live rounds). */
void sp_eng_intake_drop_early(struct sp_round *r);

/* ---- case_epoch.c ------------------------------------------------------ */

/* This node's own epoch as an answering node (docs/case-questions.md,
 * "Epochs"): the epoch secret, a key per kept key type derived from it, and
 * the own outputs in the case store, kept in step with the key index by
 * syncs (the set-up is the sync from nothing). Its jobs have no round.
 * From sp_engine_new: reads own_meta and the epoch secret (secret_get),
 * derives the keys, schedules the set-up or a sync. Nothing at all when
 * cfg->case_key_mask is 0. Returns 0 or SP_ERR_NOMEM (a store or secret
 * failure is logged and retried at a tick). */
SP_NODISCARD int sp_eng_case_own_new(struct sp_engine *e);
/* From sp_engine_free: frees the jobs still out (none runs then), the keys
 * and the secret. */
void sp_eng_case_own_free(struct sp_engine *e);
/* Rotation when the epoch is older than case_epoch_days (0: 30), a pending
 * sync, the configuration's mask changing, a retry after a failure. */
void sp_eng_case_own_tick(struct sp_engine *e);
/* Milliseconds until the own epoch wants a tick (0: now), or -1. */
long sp_eng_case_own_next_tick_ms(const struct sp_engine *e);
/* The datasets changed: a sync at the next tick (calls before it coalesce;
 * one during a sync asks for one more after it). */
void sp_eng_case_own_data_changed(struct sp_engine *e);
/* Begins a new epoch now (control CASE_EPOCH rotate), or once the running
 * sync is done and every borrowed key is back. Refuses with a sentence in
 * reason (capacity cap): SP_ERR_BUSY while a set-up runs, SP_ERR_STATE
 * when this node keeps no outputs (case_key_mask 0). */
SP_NODISCARD int sp_eng_case_own_rotate(struct sp_engine *e, char *reason, size_t cap);
/* An OWN_* job came back (it is on no round); frees it. */
void sp_eng_case_own_job_done(struct sp_engine *e, struct sp_eng_job *job);
/* True when the current epoch's outputs are complete and committed: the
 * set-up is (a later sync may be running; the committed version stays
 * complete until its successor is committed). */
bool sp_eng_case_own_ready(const struct sp_engine *e, uint32_t *epoch, uint64_t *version);
/* Whether key_type's epoch key may be lent now: the epoch is ready, no
 * rotation waits for borrowed keys, and the type is in the mask the
 * committed outputs were built for (the store's record: a type without
 * values counts) and in the configuration's. The one rule of what may be
 * lent: sp_eng_case_own_borrow lends exactly then, and a question about a
 * type that is not lendable is refused as busy before it is accepted. */
bool sp_eng_case_own_lendable(const struct sp_engine *e, int key_type);
/* The current epoch key of a lendable key type (above), or NULL. The key
 * is read-only and may be used from jobs until sp_eng_case_own_return;
 * rotation (and dropping a key type) waits until every borrow is back. */
const struct sp_round_key *sp_eng_case_own_borrow(struct sp_engine *e, int key_type);
void sp_eng_case_own_return(struct sp_engine *e);
/* CASE_STATUS / CASE_EPOCH: epoch, version, started_at, ready (ready and
 * no sync running or wanted), pending (added values found by the running
 * sync and not yet written), own outputs per key type. All zero without
 * an epoch. */
void sp_eng_case_own_status(const struct sp_engine *e, struct sp_ctl_case_own *out);

/* ---- ctl.c ------------------------------------------------------------- */

SP_NODISCARD int sp_eng_ctl(struct sp_engine *e, const struct sp_ctl_request *req,
                            struct sp_ctl_reply *reply);

/* ---- case questions (docs/case-questions.md) ---------------------------
 * A case question is a round in mode case: the asking node (participant
 * `counter` of the proposal, always its initiator) and each partner, one
 * exchange each (CASE_ASK, CASE_ANSWER or REFUSE, then CASE_TELL when the
 * proposal says tell_holders). No ring, no counting node. Files, from the
 * bottom up:
 * (the case list is read by input/case_list.h)
 *   case_filters.c  the asking node's copies of partners' filters
 *                   (FILTER_REQ out, FILTER in) and the answering node's
 *                   serving of its own (FILTER_REQ in, FILTER out)
 *   case_epoch.c    this node's own epoch: keys, outputs, set-up, sync
 *   case_ask.c      the asking node's question
 *   case_answer.c   a partner's answer and what it is told
 */

/* case_filters.c: the asking node's copy of each partner's filter. */
/* Whether configured peer `peer` is among this node's case_askers. */
bool sp_eng_case_may_ask(const struct sp_engine *e, size_t peer);
SP_NODISCARD int sp_eng_case_filters_new(struct sp_engine *e);
void sp_eng_case_filters_free(struct sp_engine *e);
void sp_eng_case_filters_tick(struct sp_engine *e);
long sp_eng_case_filters_next_tick_ms(const struct sp_engine *e);
/* A partner answered under (epoch, version): the copy is brought to at
 * least that (a FILTER_REQ now unless one is out). */
void sp_eng_case_filters_want(struct sp_engine *e, size_t peer, uint32_t epoch, uint64_t version);
/* True when the copy of peer's filter is at epoch and at least version. */
bool sp_eng_case_filters_current(const struct sp_engine *e, size_t peer, uint32_t epoch,
                                 uint64_t version);
bool sp_eng_case_filters_contains(const struct sp_engine *e, size_t peer, int key_type,
                                  uint64_t fp);
/* FILTER_REQ (an answering node serves its own filter), FILTER and REFUSE
 * for a request of ours. Returns 0 or a refusal code. */
SP_NODISCARD int sp_eng_case_filters_on_msg(struct sp_engine *e, size_t peer,
                                            const struct sp_peer_msg *m);
/* True when m (a REFUSE or ERROR outside rounds) answers one of our
 * FILTER_REQs. */
bool sp_eng_case_filters_owns(const struct sp_engine *e, size_t peer, const uint8_t *id);
/* CASE_STATUS: one entry per configured peer (storage valid until the
 * next call or free). */
void sp_eng_case_filters_status(struct sp_engine *e, const struct sp_ctl_case_filter_info **out,
                                uint32_t *n);

/* A case round's part (asker or partner); NULL in other modes. */
struct sp_eng_case_q;

/* case_ask.c */
SP_NODISCARD int sp_eng_case_ask_ctl(struct sp_engine *e, const struct sp_ctl_case_ask *req,
                                     struct sp_ctl_reply *reply);
/* case_answer.c */
void sp_eng_case_answer_on_ask(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m);
/* Both: a message of a case round (admission is the case files' own).
 * Returns 0 or a refusal code. */
SP_NODISCARD int sp_eng_case_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m);
void sp_eng_case_job_done(struct sp_round *r, struct sp_eng_job *job);
/* The steps a case round's state calls for (engine.c's advance), and the
 * deadline (a question ends with the answers it has). */
void sp_eng_case_advance(struct sp_round *r);
/* Returns true when it handled the deadline (the round goes on to its end). */
bool sp_eng_case_deadline(struct sp_round *r);
/* Participant p's link has been down past the grace (since `when`): true
 * when the question goes on without it (the asker records p as not
 * answering; a partner needs only the asker), false when the round fails. */
bool sp_eng_case_link_lost(struct sp_round *r, unsigned p, const char *when);
void sp_eng_case_release(struct sp_round *r);
/* Release, then the part itself (the round leaves memory). */
void sp_eng_case_free(struct sp_round *r);
static inline bool sp_eng_is_case(const struct sp_round *r)
{
    return r->prop.mode == SP_PROPOSAL_MODE_CASE;
}

#endif
