/*
 * The round engine: every matching round a node takes part in, as a state
 * machine with no I/O of its own (issue 9). The daemon's driver
 * (daemon/fed.c) and the simulator (tests/sim/) drive it the same way:
 *
 *   events in  — sp_engine_on_peer (a peer's message, already attributed to
 *                a configured peer by the transport), sp_engine_job_done (a job the
 *                engine asked for came back), sp_engine_control (a control
 *                request), sp_engine_tick (time passed);
 *   actions out — through the ports below: send these bytes to that peer,
 *                run this job (on any thread), read or write the node's
 *                store, record this audit entry, write a log line. A port
 *                never calls back into the engine (the driver queues what a
 *                port call causes and feeds it in as a later event).
 *
 * Every entry point takes the time as an argument (struct sp_engine_now);
 * the engine reads no clock. Randomness (round keys, FINAL shuffles, the
 * walk digest's key) comes from libsodium's randombytes, which the simulator
 * replaces with a seeded generator (randombytes_set_implementation), so a
 * schedule replays exactly. All entry points are called from one thread;
 * only a job's run function runs elsewhere, and it touches only its job and
 * data that stays read-only while it is out.
 *
 * Changes from the first draft (for code written against it): the store's
 * run_get reads through a reader (runs_read_begin/run_get/runs_read_end,
 * no copy) and runs_clear was added; the gov port gained anchor, its
 * callbacks are optional one by one, and the engine computes the verdict's
 * digest; sp_engine_stop (fail live rounds) is split from sp_engine_free;
 * sp_engine_on_multipart and SP_ENGINE_PEER_UNKNOWN carry what the
 * transport refuses before decoding; control no longer serves STATUS (the
 * daemon fills it; sp_engine_rounds_active is the engine's part); log
 * levels are enum sp_engine_log_level; the case store's own_commit records
 * the kept key types with the version (struct sp_case_own_meta's kept).
 */
#ifndef SP_ROUND_ENGINE_H
#define SP_ROUND_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/roundid.h"
#include "round/types.h"

struct sp_engine;
struct sp_proposal;
struct sp_peer_propose;
struct sp_ctl_request;
struct sp_ctl_reply;

/* The time at an event: monotonic milliseconds (deadlines, rates) and the
 * wall clock in Unix milliseconds (what the round record and audit say). */
struct sp_engine_now {
    uint64_t mono_ms;
    uint64_t wall_ms;
};

/* A job the engine wants run: the driver calls run(job) on any thread, then
 * sp_engine_job_done(job) on the engine's thread. cancelled may be set by
 * the engine while the job waits: the driver then skips run (ran stays
 * false) and still hands the job back. */
struct sp_job {
    struct sp_job *next; /* the driver's list link while it holds the job */
    void (*run)(struct sp_job *job);
    atomic_bool cancelled;
    bool ran;
};

/* What the node's configuration says that the engine needs (the driver
 * fills it from struct sp_config). The engine borrows it: the driver may
 * change it between events (a configuration reload), but a peer keeps its
 * index (peers are only added at the end). */
struct sp_engine_config {
    const char *node;         /* this node's name */
    const char *const *peers; /* configured peers' names; index = peer index */
    size_t npeers;
    uint32_t batch_size;            /* values per BATCH (0: the protocol's maximum) */
    uint32_t batch_window;          /* unacknowledged BATCHes per stream (0: 8) */
    uint32_t round_deadline_s;      /* longest round this node takes part in, or what the
                                       proposal's size calls for when that is longer
                                       (sp_proposal_deadline_for_size) */
    uint32_t round_stall_s;         /* a round in which no participant progressed this long fails
                                       (0: SP_ENG_STALL_DEFAULT_S, 120) */
    uint64_t max_set_size;          /* largest own set per key type it offers (0: no cap) */
    uint32_t counts_suppress_below; /* recorded in the initiator's round_result */
    unsigned workers;               /* threads the driver runs jobs on (splits batches) */
    /* Case questions (docs/case-questions.md). As an answering node: */
    uint32_t case_key_mask;            /* key types it keeps epoch outputs for (0: answers none) */
    uint32_t case_epoch_days;          /* an epoch's length in days (0: 30) */
    uint32_t case_max_values;          /* largest question it answers, all key types (0: 100) */
    uint32_t case_questions_per_epoch; /* per coordinator (0: 20) */
    uint64_t case_values_per_epoch;    /* per coordinator, all questions (0: 1000) */
    bool case_tell_ok;                 /* accepts proposals that tell holders */
    const char *const *case_askers;    /* peers it sends its filter to and answers */
    size_t ncase_askers;
    /* As an asking node: */
    bool case_ask;                /* fetches partners' filters and may ask */
    uint32_t case_filter_check_s; /* how often it asks partners for newer filters (0: 60) */
};

/* What the store keeps of this node's own epoch (an answering node). */
struct sp_case_own_meta {
    uint32_t epoch;      /* 0: none */
    uint64_t version;    /* 0 during the set-up, then 1, 2, ... per change */
    uint64_t started_at; /* Unix seconds */
    uint64_t values[SP_KEY_TYPE_COUNT];
    /* Key types the committed version's outputs were built for (recorded
     * by own_commit; 0 before the set-up's commit). A kept type may have
     * no values: its outputs are complete and empty. */
    uint32_t kept;
};

/* One own value's PRF output: (key type, value) -> fingerprint. The walk
 * yields them ordered like the key index walk (type, then value bytes), so
 * the engine finds added and removed values by walking both side by side. */
struct sp_case_own_entry {
    uint8_t key_type;
    uint16_t len;
    const uint8_t *value; /* valid until the next call on the walk */
    uint64_t fp;
};

/* A change to the own outputs (add or remove one value's entry). */
struct sp_case_own_change {
    bool add;
    uint8_t key_type;
    uint16_t len;
    const uint8_t *value; /* copied by the store */
    uint64_t fp;
};

/* The node's store for case questions (daemon/store_case.c). Synchronous,
 * short; 0 or a negative SP_ERR_*. */
struct sp_engine_case_store {
    /* The own epoch's record; SP_ERR_NOT_FOUND when there is none. */
    int (*own_meta)(void *ctx, struct sp_case_own_meta *m);
    /* Begins epoch `epoch`: deletes every own output and delta of the
     * previous one and records (epoch, version 0, started_at, kept 0), in
     * one transaction. */
    int (*own_begin)(void *ctx, uint32_t epoch, uint64_t started_at);
    /* The own outputs in key order (struct sp_case_own_entry); next returns
     * 0, SP_ERR_NOT_FOUND at the end, or an error; close is NULL-safe. */
    int (*own_open)(void *ctx, void **walk);
    int (*own_next)(void *walk, struct sp_case_own_entry *e);
    void (*own_close)(void *walk);
    /* Applies changes (one transaction) and records them as part of the
     * delta that will become `version` (what a FILTER from version - 1
     * carries). The set-up (version 1) records no delta. */
    int (*own_put)(void *ctx, uint64_t version, const struct sp_case_own_change *ch, size_t n);
    /* Makes `version` the current one (its delta complete), built for the
     * key types in `kept` (recorded with it: struct sp_case_own_meta);
     * deltas older than version - keep are deleted. */
    int (*own_commit)(void *ctx, uint64_t version, uint32_t kept, uint32_t keep);
    /* Every fingerprint of key_type, sorted (a malloc'd array the caller
     * frees; *fp NULL when n is 0). */
    int (*fps_read)(void *ctx, uint8_t key_type, uint64_t **fp, size_t *n);
    /* The delta that made `version` for key_type (malloc'd arrays the
     * caller frees); SP_ERR_NOT_FOUND when it is no longer kept. */
    int (*delta_read)(void *ctx, uint64_t version, uint8_t key_type, uint64_t **added,
                      size_t *nadded, uint64_t **removed, size_t *nremoved);
    /* Calls fn for every own record holding a value of key_type whose
     * current fingerprint is fp (tell holders); stops at fn's first
     * non-zero return. */
    int (*fp_records)(void *ctx, uint8_t key_type, uint64_t fp,
                      int (*fn)(void *fctx, const char *dataset, const char *record_id),
                      void *fctx);
    /* The epoch secret, kept outside the store (a 0600 file next to it):
     * put writes it (refusing to replace one), get reads it
     * (SP_ERR_NOT_FOUND), drop deletes it (NULL-safe if absent). */
    int (*secret_put)(void *ctx, uint32_t epoch, const uint8_t secret[32]);
    int (*secret_get)(void *ctx, uint32_t epoch, uint8_t secret[32]);
    int (*secret_drop)(void *ctx, uint32_t epoch);
    /* Adds one question of `values` values to what coordinator coord_fp
     * (SHA-256 of its certificate) asked in epoch, and returns the totals
     * before the addition; with add false only reads them. */
    int (*quota)(void *ctx, uint32_t epoch, const uint8_t coord_fp[32], bool add, uint32_t values,
                 uint32_t *questions, uint64_t *values_total);
};

/* The node's store, as the engine sees it. Every call is synchronous and
 * short (one short transaction at most) and returns 0 or a negative
 * SP_ERR_* (SP_ERR_STORE, SP_ERR_STORE_FULL, SP_ERR_NOMEM, and the codes
 * named below). */
struct sp_engine_store {
    void *ctx;
    /* The key index walk over the current dataset versions (struct
     * sp_keyref: ordered by type, then value). A walk may be kept across
     * events and used from a job, one thread at a time. keys_next returns 0,
     * SP_ERR_NOT_FOUND at the end, or an error; keys_close is NULL-safe. */
    int (*keys_open)(void *ctx, uint32_t key_mask, void **walk);
    int (*keys_next)(void *walk, struct sp_keyref *ref);
    void (*keys_close)(void *walk);
    /* Distinct values per key type (index by type; types outside key_mask
     * 0); called from a job. */
    int (*keys_distinct)(void *ctx, uint32_t key_mask, uint64_t counts[SP_KEY_TYPE_COUNT]);
    /* The round record (meta blob, round/round_meta.h). round_get gives a
     * malloc'd copy the caller frees, or SP_ERR_NOT_FOUND. rounds_foreach
     * calls fn for every stored round (blob valid during the call) and
     * stops at fn's first non-zero return, which it returns. */
    int (*round_put)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len);
    int (*round_get)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], void **blob, size_t *len);
    int (*rounds_foreach)(void *ctx,
                          int (*fn)(void *fctx, const uint8_t id[SP_ROUND_ID_BYTES],
                                    const void *blob, size_t len),
                          void *fctx);
    /* Results: rows staged invisibly (append), then in ONE transaction the
     * rest of the rows, the counts, the final meta blob and visibility
     * (commit); results_delete drops staged or committed rows and counts
     * (the meta blob stays). Strings in rows are copied. */
    int (*results_append)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                          const struct sp_result_row *rows, size_t n);
    int (*results_commit)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                          const struct sp_result_row *rows, size_t n,
                          const struct sp_count_entry *counts, size_t ncounts, const void *blob,
                          size_t len);
    int (*results_delete)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES]);
    /* The counting node's scratch: one sorted run per FINAL batch, keyed by
     * (round, participant, key type, seq); the bytes are the engine's.
     * run_put copies run. Reading: runs_read_begin opens a reader (usable
     * from a job, one thread at a time), run_get points *run into it (valid
     * until runs_read_end; SP_ERR_NOT_FOUND when absent) -- the merge reads
     * every run of a round without copying them. runs_delete deletes up to
     * budget entries of the round's scratch and sets *more when some are
     * left; runs_clear empties the whole scratch (at start-up: a previous
     * process's scratch cannot be used). */
    int (*run_put)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                   uint8_t key_type, uint32_t seq, const void *run, size_t len);
    int (*runs_read_begin)(void *ctx, void **reader);
    int (*run_get)(void *reader, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                   uint8_t key_type, uint32_t seq, const void **run, size_t *len);
    void (*runs_read_end)(void *reader); /* NULL-safe */
    int (*runs_delete)(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], size_t budget, bool *more);
    int (*runs_clear)(void *ctx);
    struct sp_engine_case_store cases;
};

/* What the node's policy found about a proposal (driver: daemon/policy.c).
 * The engine fills digest before it asks; judge fills the rest. */
struct sp_engine_verdict {
    uint8_t digest[32];        /* SHA-256 of the proposal bytes */
    bool is_signed;            /* a valid coordinator signature */
    uint8_t coord_cert_fp[32]; /* SHA-256 of the coordinator's certificate */
    char coordinator[SP_ROUND_NAME_MAX + 1];
};

struct sp_audit_entry;
struct sp_audit_head;

/* The node's governance: its policy, its audit log and what it remembers of
 * its peers' log heads. Each callback may be NULL (engine-only tests, the
 * simulator): judge NULL accepts every proposal the engine's own rules
 * allow; record NULL records nothing; head NULL sends no LOG_HEAD and waits
 * for none; peer_head NULL takes every LOG_HEAD that names its sender;
 * refused and anchor NULL do nothing. */
struct sp_engine_gov {
    void *ctx;
    /* Judges a proposal with the node's policy: the coordinator's signature
     * (signed_by: the PROPOSE carrying it, NULL when unsigned), the
     * certificate, expiry (now_unix), local policy, membership. 0, or a
     * refusing code with a sentence in reason (capacity cap). */
    int (*judge)(void *ctx, const struct sp_proposal *p, const uint8_t *bytes, size_t len,
                 const struct sp_peer_propose *signed_by, uint64_t now_unix,
                 struct sp_engine_verdict *v, char *reason, size_t cap);
    /* Takes ownership of *e (audit/entry.h) and clears it: appended now, or
     * when stage, written in the same transaction as the engine's next
     * store write (round_put, results_commit or results_delete: the entry
     * and the state change it records commit together). A failure is the
     * port's to log. */
    int (*record)(void *ctx, struct sp_audit_entry **e, bool stage);
    /* Writes what is staged, then the log's current signed head into *h. */
    int (*head)(void *ctx, struct sp_audit_head *h);
    /* After a round's log_head_sent is recorded: anchors the log's head
     * (daemon: the audit anchor file). */
    void (*anchor)(void *ctx);
    /* A LOG_HEAD of configured peer `peer`: verified with that peer's
     * signing key (SP_ERR_CRYPTO_SIGNATURE when it does not verify) and
     * compared with the highest head remembered from it: SP_ERR_AUDIT, with
     * why (capacity cap) saying how, when its log went backwards; 0 and
     * remembered otherwise. */
    int (*peer_head)(void *ctx, size_t peer, const struct sp_audit_head *h, char *why, size_t cap);
    /* A peer's message was refused (peer: its name; the port rate-limits
     * what it records). */
    void (*refused)(void *ctx, const char *peer, int code, const char *why);
};

/* Log levels of ports.log (the daemon's SP_LOG_* have the same values). */
enum sp_engine_log_level {
    SP_ENGINE_LOG_ERROR = 0,
    SP_ENGINE_LOG_WARN = 1,
    SP_ENGINE_LOG_INFO = 2,
    SP_ENGINE_LOG_DEBUG = 3,
};

/* The ports: how the engine's actions leave it. */
struct sp_engine_ports {
    void *ctx;
    /* Sends an encoded peer message (copied) to configured peer `peer`;
     * reply_to, when not NULL, is the handle sp_engine_on_peer was given
     * for a received message: the bytes go back on the connection it came
     * in on (ERROR replies; best effort), and peer is that message's
     * sender (SP_ENGINE_PEER_UNKNOWN possible). Returns 0 (sent or queued)
     * or an error (SP_ERR_BUSY: the peer's queue is full). */
    int (*send)(void *ctx, size_t peer, const void *reply_to, const uint8_t *bytes, size_t len);
    /* Runs a job (any thread); it comes back through sp_engine_job_done. */
    void (*submit)(void *ctx, struct sp_job *job);
    /* One log line (enum sp_engine_log_level); never a personal value. */
    void (*log)(void *ctx, int level, const char *line);
    /* Whether configured peer `peer`'s link is up; *since_ms (monotonic)
     * is when that state last changed. */
    bool (*link_up)(void *ctx, size_t peer, uint64_t *since_ms);
    struct sp_engine_store store;
    struct sp_engine_gov gov;
};

/* Creates the engine. Empties the counting scratch (runs_clear), marks the
 * rounds that were live when the node last stopped as failed (round_put,
 * round_failed recorded) and tells their other participants (ABORT through
 * send: the driver's transport must exist). Borrows cfg (it outlives the
 * engine); copies ports. Returns 0, SP_ERR_NOMEM, SP_ERR_STORE(_FULL). */
SP_NODISCARD int sp_engine_new(const struct sp_engine_config *cfg,
                               const struct sp_engine_ports *ports, struct sp_engine_now now,
                               struct sp_engine **out);
/* Fails every live round ("the node shut down during the round"; ABORT to
 * its participants, keys wiped once their jobs are back). Call before the
 * transport goes. */
void sp_engine_stop(struct sp_engine *e, struct sp_engine_now now);
/* Frees the engine and its rounds, deleting what is left of their scratch.
 * No job may be running (the driver stopped its threads); jobs it still
 * holds (queued, or done and not handed back) are freed here and must not
 * be touched afterwards. NULL-safe; clears *e. */
void sp_engine_free(struct sp_engine **e);

/* The sender of a message on a connection without a configured peer's
 * identity (refused). */
#define SP_ENGINE_PEER_UNKNOWN ((size_t)-1)

/* A peer message received from configured peer `peer` (bytes undecoded:
 * the engine decodes, attributes and refuses what a state does not allow,
 * counted, logged rate-limited, and answered with ERROR through send when
 * reply_to is not NULL). reply_to is the transport's handle of the message,
 * valid during the call only. */
void sp_engine_on_peer(struct sp_engine *e, size_t peer, const void *reply_to, const uint8_t *bytes,
                       size_t len, struct sp_engine_now now);
/* A message that came in as more than one frame (one frame per message):
 * refused like an undecodable one. */
void sp_engine_on_multipart(struct sp_engine *e, size_t peer, const void *reply_to,
                            struct sp_engine_now now);
/* A job came back (ran, or cancelled). */
void sp_engine_job_done(struct sp_engine *e, struct sp_job *job, struct sp_engine_now now);
/* A round control request (ROUND_START, ROUND_SUBMIT, ROUNDS, ROUND_CANCEL;
 * proto/control.h): fills reply (zeroed first); list storage in it stays
 * valid until the next call or sp_engine_free. Returns 0, or a negative
 * SP_ERR_* with reply already an error reply whose message says why
 * (SP_ERR_UNSUPPORTED for any other op). Never waits on anything. */
SP_NODISCARD int sp_engine_control(struct sp_engine *e, const struct sp_ctl_request *req,
                                   struct sp_ctl_reply *reply, struct sp_engine_now now);
/* Time passed: deadlines, link checks, paced work (result rows, scratch
 * deletion), progress lines, rounds leaving memory. */
void sp_engine_tick(struct sp_engine *e, struct sp_engine_now now);
/* A dataset version was committed or deleted: the own epoch outputs of an
 * answering node are brought in step with the key index (soon, in jobs;
 * calls close together make one sync). */
void sp_engine_datasets_changed(struct sp_engine *e, struct sp_engine_now now);
/* Milliseconds until the engine wants a tick (0: now), or -1. */
long sp_engine_next_tick_ms(const struct sp_engine *e, struct sp_engine_now now);
/* Rounds not yet terminal. */
uint32_t sp_engine_rounds_active(const struct sp_engine *e);

#endif
