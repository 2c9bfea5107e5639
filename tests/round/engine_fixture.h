/*
 * The fixture of tests/round/test_round_resend.c and test_round_forged.c:
 * three round engines over the simulator's in-memory stores (tests/sim),
 * wired by a FIFO per link (1 ms, or more on a slow link), jobs run on the
 * test's thread in submission order, a tick whenever an engine asks. A
 * node's send port refuses (SP_ERR_BUSY) or duplicates messages of a type
 * as its fields say, and hands every message it sent to its `sent` hook (a
 * forgery); its policy refuses every proposal when `refuse`. A node may
 * hang (hang_at) or run its jobs slowly (job_ms).
 */
#ifndef SP_TESTS_ROUND_ENGINE_FIXTURE_H
#define SP_TESTS_ROUND_ENGINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/peer.h"
#include "round/engine.h"
#include "sim_data.h"
#include "sim_store.h"

#define NN         3
#define DEADLINE_S 30
#define T0_WALL    UINT64_C(1796000000000)
#define T0_MONO    UINT64_C(1000000)
#define NTYPES     (SP_PEER_TYPE_MAX + 1)

struct fx;

struct node {
    struct fx *f;
    unsigned id;
    char name[4];
    const char *peers[NN];
    unsigned peer_node[NN];
    struct sp_engine_config cfg;
    struct sp_engine_ports ports;
    struct sp_engine *e;
    struct sim_store store;
    struct sp_job *jh, *jt;
    uint64_t tick_at; /* 0: none asked for */
    /* the send port's faults */
    unsigned busy_left[NTYPES]; /* refusals still to give, per type */
    bool busy_always[NTYPES];
    unsigned dup[NTYPES]; /* deliver this many extra copies of the next message of a type */
    bool refuse;          /* the policy refuses every proposal */
    uint64_t hang_at;     /* from then on (ms; 0: never) it hangs: links up, nothing reaches
                             its engine, its jobs never come back (test_round_liveness.c) */
    uint32_t job_ms;      /* a slow machine: one job at a time, each this long (0: at once) */
    uint64_t job_ready;   /* when its next job may run */
    unsigned refused;     /* gov.refused calls (messages this node refused) */
    unsigned gave_up, resent;
    uint64_t tries_at[32]; /* when a refused type's sends were tried */
    unsigned ntries;
    int tries_type;
    /* Called with every message this node sent (to be delivered at `at`),
     * before its duplicates; NULL: none. test: the test's own state. */
    void (*sent)(struct node *n, int type, const uint8_t *b, size_t len, uint64_t at);
    void *test;
};

struct msg {
    struct msg *next;
    uint64_t at, seq;
    unsigned from, to;
    size_t len;
    uint8_t b[];
};

struct fx {
    struct sim_data data;
    struct node n[NN];
    struct msg *q;
    uint64_t seq, now;
    uint32_t latency[NN][NN];
    unsigned delivered[NN][NN][NTYPES]; /* to, from, type */
    uint8_t id[SP_ROUND_ID_BYTES];
    uint32_t deadline_s; /* the round's deadline_s (0: DEADLINE_S) */
};

/* The engines' time at the fixture's now (ms since the start). */
struct sp_engine_now now_of(const struct fx *f);
/* Queues a message from -> to, delivered at `at` (after those queued for
 * the same time). */
void push(struct fx *f, unsigned from, unsigned to, const uint8_t *b, size_t len, uint64_t at);
/* The three nodes n0, n1, n2 on generated data (seed 4711), every link
 * 1 ms, batches of 3 with a window of 2; no engine yet. */
void fx_init(struct fx *f);
/* Creates the engines (after the test set the nodes' fields). */
void fx_engines(struct fx *f);
void fx_free(struct fx *f);
/* n0 starts a partners round (k 1) of the three, counted at n1. */
void start(struct fx *f);
/* Runs until every round has left every engine (or the horizon); returns
 * the time the last round became terminal everywhere. */
uint64_t run(struct fx *f, uint64_t horizon);
/* The round's state in node's store, and the start of its reason. */
int state_of(const struct fx *f, unsigned node, char *reason, size_t cap);

#endif
