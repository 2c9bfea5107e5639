/*
 * The pure logic of a matching round (no I/O, no clock, no secrets), kept
 * apart from the engine so that every rule can be unit-tested:
 *  - the round's state machine (which events move it where);
 *  - which peer message a round accepts in which state and role;
 *  - ring routing of BATCHes (who may send what to whom, and what to do);
 *  - disclosure: what the counting node tells each node per element;
 *  - flow-control windows (CREDIT);
 *  - the checks a participant applies to a proposal before it accepts.
 * ROUNDS.md describes the protocol these pieces implement.
 */
#ifndef SP_ROUND_ROUND_H
#define SP_ROUND_ROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct sp_proposal;

/* States of a round at one node. Stored in the round meta blob: the values
 * are stable. */
enum sp_round_state {
    SP_ROUND_PROPOSED = 1,  /* initiator: PROPOSE sent, waiting for every answer */
    SP_ROUND_ACCEPTED = 2,  /* participant: ACCEPT sent, waiting for START */
    SP_ROUND_RUNNING = 3,   /* own values travel the ring; peers' are blinded here */
    SP_ROUND_COUNTING = 4,  /* own fully blinded values went to the counting node */
    SP_ROUND_FINISHING = 5, /* verdicts in: results being written; remaining duties */
    SP_ROUND_DONE = 6,      /* results committed, every duty done */
    SP_ROUND_FAILED = 7,    /* terminal, with a reason; no results */
    SP_ROUND_REFUSED = 8,   /* this node refused the proposal (terminal) */
};
#define SP_ROUND_STATE_MIN 1
#define SP_ROUND_STATE_MAX 8

enum sp_round_event {
    SP_ROUND_EV_ALL_ACCEPTED = 1, /* initiator: every participant accepted */
    SP_ROUND_EV_START = 2,        /* participant: START from the initiator */
    SP_ROUND_EV_OWN_BLINDED = 3,  /* every own value came back fully blinded */
    SP_ROUND_EV_VERDICTS = 4,     /* every VERDICT for our FINALs is in */
    SP_ROUND_EV_FINISHED = 5,     /* results committed and duties done */
    SP_ROUND_EV_FAIL = 6,         /* deadline, fault, ABORT, cancel */
    SP_ROUND_EV_ANSWERED = 7,     /* case question: every partner answered (or could not) */
};

/* Roles a node can have in a round (bit set). */
#define SP_ROUND_ROLE_INITIATOR 0x1u
#define SP_ROUND_ROLE_COUNTER   0x2u

/* "proposed", "accepted", ..., or "unknown". */
const char *sp_round_state_name(int state);
/* True for DONE, FAILED and REFUSED. */
bool sp_round_state_terminal(int state);
/* True once START happened and the round is not terminal (streams run). */
bool sp_round_state_started(int state);
/* The state that event leads to from state, in *next. Returns 0 or
 * SP_ERR_STATE when the event is not allowed in that state (a terminal state
 * allows nothing; FAIL is allowed from every other state). */
SP_NODISCARD int sp_round_transition(int state, int event, int *next);

/* Whether a round in `state`, where this node has `roles`, accepts a message
 * of peer type `type` (enum sp_peer_type). PROPOSE never reaches a round (it
 * creates one). Returns 0 or SP_ERR_STATE. */
SP_NODISCARD int sp_round_accepts(int state, unsigned roles, int type);

/* ---- ring ----------------------------------------------------------- */

static inline unsigned sp_ring_succ(unsigned me, unsigned n)
{
    return (me + 1) % n;
}
static inline unsigned sp_ring_pred(unsigned me, unsigned n)
{
    return (me + n - 1) % n;
}

enum sp_ring_action {
    SP_RING_FORWARD = 1, /* blind, hops + 1, send to the successor */
    SP_RING_HOME = 2,    /* our own values, fully blinded: keep them */
};

/* Decides what node `me` of an n-ring does with a BATCH (origin, hops) that
 * participant `from` sent. Valid only when from is me's predecessor, origin
 * < n, 1 <= hops <= n and the batch has travelled exactly `hops` links from
 * origin to reach me: (origin + hops) % n == me. Then HOME when origin is me
 * (hops == n), else FORWARD. Returns 0 with *action set, or
 * SP_ERR_PROTO_FIELD (wrong sender, origin or hop count). */
SP_NODISCARD int sp_ring_route(unsigned n, unsigned me, unsigned from, unsigned origin,
                               unsigned hops, int *action);

/* ---- disclosure ----------------------------------------------------- */

/* What the counting node tells node `receiver` about one of its elements,
 * held by the nodes in `mask` (bit per participant index), under mode
 * (enum sp_proposal_mode) with k = min_holders:
 *   counts    -> 0 (VERDICTs carry no holders at all);
 *   threshold -> (1 << receiver) when popcount(mask) >= k, else 0;
 *   partners  -> mask when popcount(mask) >= k, else 0.
 * A mask without the receiver's bit yields 0 (it never sent that element). */
uint32_t sp_round_disclose(int mode, uint32_t mask, unsigned min_holders, unsigned receiver);

/* Checks a holders value a node received in a VERDICT against what the mode
 * may disclose to it: counts -> only 0 (and then no holders at all);
 * threshold -> 0 or exactly its own bit; partners -> 0, or a mask with its
 * own bit, at least k bits, none >= n. Returns 0 or SP_ERR_PROTO_FIELD. */
SP_NODISCARD int sp_round_check_holders(int mode, uint32_t holders, unsigned min_holders,
                                        unsigned me, unsigned n);

/* ---- flow control --------------------------------------------------- */

#define SP_WINDOW_MAX 64

/* The unacknowledged messages of one stream on one link (at most cap). */
struct sp_window {
    uint32_t cap; /* 1..SP_WINDOW_MAX */
    uint32_t used;
    struct {
        uint8_t key_type;
        uint32_t seq;
    } slot[SP_WINDOW_MAX];
};

void sp_window_init(struct sp_window *w, uint32_t cap);
static inline bool sp_window_full(const struct sp_window *w)
{
    return w->used >= w->cap;
}
/* Records a sent message. Returns 0 or SP_ERR_BUSY (full). */
SP_NODISCARD int sp_window_add(struct sp_window *w, uint8_t key_type, uint32_t seq);
/* Removes an acknowledged message. Returns 0 or SP_ERR_NOT_FOUND (a CREDIT
 * for nothing outstanding: refused). */
SP_NODISCARD int sp_window_ack(struct sp_window *w, uint8_t key_type, uint32_t seq);

/* ---- proposals ------------------------------------------------------ */

/* What a node knows when it judges a proposal. */
struct sp_round_judge_ctx {
    const char *self;   /* this node's name */
    const char *sender; /* the peer that sent PROPOSE (the initiator) */
    /* is_peer(ctx, name): true when name is a configured peer */
    bool (*is_peer)(void *ctx, const char *name);
    void *ctx;
    uint64_t now_unix;       /* wall clock, seconds */
    uint32_t max_deadline_s; /* this node's round_deadline (0: none; see below) */
};

/* The longest deadline a node whose round_deadline is node_limit accepts
 * for proposal p: node_limit, or what p's size calls for
 * (sp_proposal_deadline_for_size) when that is longer, so that a healthy
 * large round is never refused or failed for its size (ROUNDS.md,
 * "Deadline"). */
uint32_t sp_round_longest_deadline(const struct sp_proposal *p, uint32_t node_limit);

/* Checks a decoded proposal before this node takes part: the sender and
 * this node are participants, every other participant is a configured peer,
 * the proposal has not expired, and the structural rules of
 * sp_proposal_validate. Writes a reason a person can act on into reason
 * (capacity cap). Returns 0, SP_ERR_ROUND_REFUSED (reason says why). */
SP_NODISCARD int sp_round_judge(const struct sp_proposal *p, const struct sp_round_judge_ctx *jc,
                                char *reason, size_t cap);

#endif
