/*
 * The simulator's event queue: every message delivery, job completion,
 * tick and fault of a schedule, ordered by simulated time and then by the
 * order they were queued, so that a schedule is one deterministic sequence.
 */
#ifndef SP_SIM_QUEUE_H
#define SP_SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

enum sim_ev_kind {
    SIM_EV_MSG = 1,     /* bytes from node `from` arrive at `node` */
    SIM_EV_JOB = 2,     /* a job of `node` runs (or comes back cancelled) */
    SIM_EV_TICK = 3,    /* `node` gets a tick (stale unless gen matches) */
    SIM_EV_STOP = 4,    /* `node` stops: its links go down */
    SIM_EV_RESTART = 5, /* `node` comes back as a fresh engine on its store */
    SIM_EV_JUMP = 6,    /* `node`'s monotonic clock leaps forward by `len` ms */
    SIM_EV_CUT = 7,     /* the link `node` - `from` goes down (len 1) or up (len 0) */
    SIM_EV_CANCEL = 8,  /* `node`'s operator cancels the round */
    SIM_EV_START = 9,   /* `node`'s operator starts round `gen` */
    SIM_EV_CASE = 10,   /* a step of a case schedule (sim_case.c; gen says which) */
    SIM_EV_HANG = 11,   /* `node` hangs: nothing reaches its engine any more, links stay up */
};

struct sim_event {
    uint64_t at;    /* simulated milliseconds */
    uint64_t order; /* set by sim_queue_push: ties keep queueing order */
    uint8_t kind;
    uint8_t node;
    uint8_t from;
    uint8_t fault; /* MSG: enum sim_fault that touched it, 0 none */
    uint32_t gen;
    void *ptr; /* MSG: malloc'd bytes, owned by the queue; JOB: the job */
    size_t len;
};

struct sim_queue {
    struct sim_event *v;
    size_t n, cap;
    uint64_t pushed;
};

/* Queues ev (copied; ev->order is assigned). Returns 0 or -1 (no memory). */
int sim_queue_push(struct sim_queue *q, const struct sim_event *ev);
/* Takes the earliest event into *ev. Returns 0, or -1 when empty. */
int sim_queue_pop(struct sim_queue *q, struct sim_event *ev);
/* The earliest event's time, or UINT64_MAX when empty. */
uint64_t sim_queue_next_at(const struct sim_queue *q);
/* Frees every queued message's bytes and the queue's storage (jobs are the
 * caller's: it hands them back to their engine first). */
void sim_queue_clear(struct sim_queue *q);

#endif
