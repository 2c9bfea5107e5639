/*
 * The simulated network: what becomes of a message one node sends another.
 * A link delivers in order (as a ZeroMQ connection does) after a latency
 * drawn from the schedule's stream; the schedule's message fault, when it
 * has one, touches a few messages: dropped, delivered twice, overtaken by
 * later ones (reorder), held back with the link behind it (delay), or with
 * bytes changed in the frame's head (corrupt).
 */
#ifndef SP_SIM_NET_H
#define SP_SIM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "sim_data.h"
#include "sim_rng.h"

/* A schedule's fault. One per schedule (or none). */
enum sim_fault {
    SIM_FAULT_NONE = 0,
    SIM_FAULT_DROP,
    SIM_FAULT_DUP,
    SIM_FAULT_REORDER,
    SIM_FAULT_DELAY,
    SIM_FAULT_CORRUPT,
    SIM_FAULT_STOP,        /* a node stops and never comes back */
    SIM_FAULT_RESTART,     /* a node stops and comes back on its store */
    SIM_FAULT_LIE_VERDICT, /* the counting node discloses more than the mode allows */
    SIM_FAULT_LIE_SIZES,   /* a node declares wrong set sizes in ACCEPT */
    SIM_FAULT_LIE_CREDIT,  /* a node sends a CREDIT for nothing it received */
    SIM_FAULT_CLOCK,       /* a node's monotonic clock leaps past the deadline */
    SIM_FAULT_CUT,         /* the link between two participants is down for 1-8 s */
    SIM_FAULT_CANCEL,      /* an operator cancels the round at a node */
    SIM_FAULT_REFUSE,      /* a participant's policy refuses the proposal */
    SIM_FAULT_BUSY,        /* a node's send port says SP_ERR_BUSY (queue full) */
    /* case questions only (sim_case.c): */
    SIM_FAULT_CHANGE,      /* a partner's data changes between its set-up and the question */
    SIM_FAULT_ROTATE,      /* a partner begins a new epoch while the question runs */
    SIM_FAULT_LIE_KEY,     /* a partner answers under another key */
    SIM_FAULT_LIE_GARBAGE, /* a partner answers with points that are no valid elements */
    SIM_FAULT_LIMIT,       /* a partner's limits are below the question (it refuses) */
    /* rounds again (liveness, issue 11; drawn from a stream of their own): */
    SIM_FAULT_HANG, /* a participant hangs: its process lives (links up), it does nothing */
    SIM_FAULT_SLOW, /* a participant runs one job at a time, 3-5.5 s each: a long round */
    SIM_FAULT_COUNT
};

/* "drop", "dup", ...; "none". */
const char *sim_fault_name(int fault);
/* True for the faults sim_net_route applies. */
int sim_fault_is_message(int fault);

/* One delivery of a sent message (bytes malloc'd, the caller's). */
struct sim_delivery {
    uint64_t at;
    uint8_t *bytes;
    size_t len;
    uint8_t fault; /* the fault that touched it, or 0 */
};

struct sim_net {
    struct sim_rng rng;
    int fault;          /* enum sim_fault (message faults only act here) */
    unsigned per_mille; /* chance per message while budget lasts */
    unsigned budget;    /* messages still to touch */
    unsigned fired;     /* messages touched */
    uint64_t lat_min, lat_max;
    uint64_t delay_max; /* DELAY: longest hold (ms) */
    uint8_t only_type;  /* when not 0: only messages of this peer type are touched */
    uint8_t msg_type;   /* the type of the message being routed (set by the caller) */
    uint64_t link_at[SIM_MAX_NODES][SIM_MAX_NODES]; /* last delivery per link (FIFO) */
};

void sim_net_init(struct sim_net *n, uint64_t seed, int fault, unsigned per_mille, unsigned budget,
                  uint64_t lat_min, uint64_t lat_max, uint64_t delay_max);
/* Decides the deliveries of bytes[0..len) sent at `now` from `from` to `to`
 * into out[0..2); returns how many (0: dropped), or -1 (no memory). The
 * bytes are copied. */
int sim_net_route(struct sim_net *n, unsigned from, unsigned to, uint64_t now, const uint8_t *bytes,
                  size_t len, struct sim_delivery out[2]);

#endif
