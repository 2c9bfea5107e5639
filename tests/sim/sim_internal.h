/*
 * The simulator's inside, shared by sim.c (the schedule: config, event
 * loop, checks) and sim_ports.c (the engine's ports in memory).
 */
#ifndef SP_SIM_INTERNAL_H
#define SP_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "round/engine.h"
#include "sim.h"
#include "sim_check.h"
#include "sim_data.h"
#include "sim_net.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_store.h"

#define SIM_LOG_MAX 200
#define SIM_WALL_T0 UINT64_C(1796000000000) /* wall clock at t = 0 (Unix ms, 2026) */
#define SIM_MONO_T0 UINT64_C(1000000)       /* monotonic clock at t = 0 */

struct sim;
struct plan;
struct sim_cq;        /* sim_case.c: a case schedule's plan and state */
struct sim_case_list; /* sim_case_data.h */

#define SIM_ROUNDS_MAX 2  /* rounds at the same time in a schedule */
#define SIM_STALL_S    10 /* the engines' round_stall_s: a round without progress this long fails */
/* fault slow: the slow node runs one job at a time, each taking this long
 * (a busy machine); at most the stall timeout less the PROGRESS interval
 * as ticks space it (3-4 s) and a margin, so the others hear its progress
 * in time (ROUNDS.md, "Faults") */
#define SIM_SLOW_MIN_MS 3000
#define SIM_SLOW_MAX_MS 5500

/* The transport's handle of a delivered message (reply_to): its sender. */
struct sim_reply {
    unsigned from;
};

struct sim_node {
    struct sim *sim;
    unsigned id;
    char name[8];
    const char *peers[SIM_MAX_NODES];
    unsigned peer_node[SIM_MAX_NODES]; /* peer index -> node */
    int peer_of[SIM_MAX_NODES];        /* node -> peer index, -1 for itself */
    struct sp_engine_config cfg;
    struct sp_engine_ports ports;
    struct sp_engine *eng;
    struct sim_store store;
    bool up;
    bool hung;            /* fault hang: up (its links too), but its engine gets no event */
    uint32_t incarnation; /* engines this node had: a job of an older one is gone */
    uint64_t clock_offset;
    uint32_t tick_gen;
    uint64_t tick_at;
    uint64_t slow_free_at; /* fault slow: when its one busy worker is free */
    uint64_t link_changed; /* when this node last stopped or started */
    /* gov: audit entries recorded, by type, and the fake head */
    uint64_t audit_entries, audit_results, audit_failed, anchors, refused;
    uint64_t head_seen[SIM_MAX_NODES];
    unsigned rounds_done, rounds_failed; /* at the end, by the round records */
    bool lie_done;
};

struct sim {
    uint64_t seed;
    const struct sim_options *opt;
    struct sim_rng rng; /* delivery order, job order */
    struct sim_queue q;
    struct sim_net net;
    struct sim_data data;
    struct sim_round_view view[SIM_ROUNDS_MAX]; /* [0] the faults' and lies' round */
    unsigned nviews;
    const struct plan *plan;
    struct sim_node node[SIM_MAX_NODES];
    unsigned nnodes;
    uint64_t now;
    uint64_t pending; /* queued messages and jobs */
    uint64_t messages;
    bool oom;
    bool start_refused;
    /* the fault */
    int fault;
    unsigned fault_node;
    bool fired;
    unsigned lied_to; /* VERDICT lie: the node told too much (or SIM_MAX_NODES) */
    /* link-cut: the link cut_a - cut_b is down from cut_from until cut_to */
    unsigned cut_a, cut_b;
    uint64_t cut_from, cut_to;
    uint64_t restart_at;                   /* restart: when the stopped node comes back */
    unsigned busy_left;                    /* busy: sends still to refuse */
    uint64_t privacy_texts;                /* log lines that named a value */
    struct sim_cq *cs;                     /* a case schedule; NULL for a round schedule */
    const struct sim_case_list *case_list; /* its list: values no log line may name */
    /* the log ring */
    char (*log)[SIM_LOG_MAX];
    unsigned log_cap, log_n, log_at;
};

/* The time as node n sees it. */
struct sp_engine_now sim_now(const struct sim *s, unsigned n);
/* Appends a line to the log ring ("[ms] node: text"). */
void sim_log(struct sim *s, unsigned node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills node n's ports and configuration. */
void sim_ports_init(struct sim *s, unsigned n);
/* Whether the link a - b is cut at the simulator's time. */
bool sim_link_cut(const struct sim *s, unsigned a, unsigned b);
/* Queues a delivery, counting it as pending. */
void sim_push(struct sim *s, const struct sim_event *ev);

/* sim.c's pieces that a case schedule shares. */
int sim_start_engine(struct sim *s, unsigned n);
void sim_loop(struct sim *s, uint64_t horizon, uint64_t *events);
void sim_set_outcome(struct sim_result *r, int outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sim_print_log(const struct sim *s, FILE *out);
void sim_teardown(struct sim *s);

/* sim_case.c: case schedules (README.md, "Case questions"). */
/* Runs case schedule s->seed (s initialised as sim_run does); 0 or -1. */
int sim_case_run(struct sim *s, struct sim_result *r);
void sim_case_event(struct sim *s, const struct sim_event *ev);
bool sim_case_quiet(const struct sim *s);
void sim_case_end(struct sim *s);
/* The send port's part: the message's type for a targeted fault, and a
 * lying partner's answer (*out: re-encoded bytes the caller frees).
 * Returns true when the message was changed. */
bool sim_case_on_send(struct sim *s, unsigned from, unsigned to, const uint8_t *bytes, size_t len,
                      uint8_t **out, size_t *olen);

#endif
