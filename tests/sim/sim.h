/*
 * One simulated schedule: N round engines (round/engine.h) in this process,
 * wired by a deterministic event queue, all choices drawn from one seed:
 * the data, the round (participants in ring order, mode, k, initiator,
 * counting node, key types, batch sizes and windows), the order of message
 * deliveries and jobs, and at most one fault. The schedule runs one round
 * to its end, then checks it (README.md: what is checked).
 */
#ifndef SP_SIM_SIM_H
#define SP_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_net.h"

enum sim_outcome {
    SIM_OUT_DONE = 0,        /* every node DONE with the oracle's results */
    SIM_OUT_FAILED = 1,      /* failed cleanly: every failure explained by the fault */
    SIM_OUT_WRONG = 2,       /* a DONE node whose results differ, or an accepted lie */
    SIM_OUT_STUCK = 3,       /* a live node not terminal after the deadline */
    SIM_OUT_PRIVACY = 4,     /* a message or log line disclosed more than the mode */
    SIM_OUT_UNEXPLAINED = 5, /* a failure no injected fault explains */
    SIM_OUT_COUNT
};

const char *sim_outcome_name(int outcome);

struct sim_result {
    uint64_t seed;
    int outcome;
    int fault;                                     /* enum sim_fault chosen */
    bool fired;                                    /* the fault happened */
    unsigned nodes, rounds, participants, mode, k; /* participants, mode, k: the first round */
    unsigned done, failed, unreached, stopped;
    uint64_t sim_ms;   /* simulated time at the end */
    uint64_t round_s;  /* the first round at its initiator, created to ended (s; 0: not ended) */
    uint64_t messages; /* sent by engines */
    uint64_t events;
    char why[512];         /* what went wrong, or the first failure reason */
    char reason_class[48]; /* FAILED: the class of the first reason */
};

/* Options of a run. */
struct sim_options {
    bool verbose;       /* print the schedule, every node's end and the log */
    FILE *out;          /* where (stdout when NULL) */
    unsigned log_lines; /* lines kept in the ring buffer (0: 48) */
    bool stress;        /* plans with 2-4 times the data, odd values and ids (sim_data.h), and up
                           to 8 faulted messages */
};

/* Installs the seeded randombytes and initialises libsodium. Call once per
 * process before any schedule. Returns 0 or -1. */
int sim_init(void);

/* Whether schedule `seed` is a case question (sim_case.c; a quarter of the
 * seeds, drawn from a stream of its own: the other schedules' plans do not
 * change). */
bool sim_case_chosen(uint64_t seed);

/* Runs schedule `seed`. Returns 0 (the result is in *r), or -1 when the
 * simulator itself failed (no memory). A failing schedule prints its seed
 * and the last log lines. */
int sim_run(uint64_t seed, const struct sim_options *o, struct sim_result *r);

#endif
