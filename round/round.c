/* Pure round logic; see round.h. */
#include "round/round.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/peer.h"
#include "proto/proposal.h"

static const char *const state_names[SP_ROUND_STATE_MAX + 1] = {
    [SP_ROUND_PROPOSED] = "proposed",   [SP_ROUND_ACCEPTED] = "accepted",
    [SP_ROUND_RUNNING] = "running",     [SP_ROUND_COUNTING] = "counting",
    [SP_ROUND_FINISHING] = "finishing", [SP_ROUND_DONE] = "done",
    [SP_ROUND_FAILED] = "failed",       [SP_ROUND_REFUSED] = "refused",
};

const char *sp_round_state_name(int state)
{
    if (state < SP_ROUND_STATE_MIN || state > SP_ROUND_STATE_MAX)
        return "unknown";
    return state_names[state];
}

bool sp_round_state_terminal(int state)
{
    return state == SP_ROUND_DONE || state == SP_ROUND_FAILED || state == SP_ROUND_REFUSED;
}

bool sp_round_state_started(int state)
{
    return state == SP_ROUND_RUNNING || state == SP_ROUND_COUNTING || state == SP_ROUND_FINISHING;
}

/* The forward transitions; FAIL is handled apart (from any live state). */
static const struct {
    int from, event, to;
} transitions[] = {
    {SP_ROUND_PROPOSED, SP_ROUND_EV_ALL_ACCEPTED, SP_ROUND_RUNNING},
    {SP_ROUND_ACCEPTED, SP_ROUND_EV_START, SP_ROUND_RUNNING},
    {SP_ROUND_RUNNING, SP_ROUND_EV_OWN_BLINDED, SP_ROUND_COUNTING},
    {SP_ROUND_COUNTING, SP_ROUND_EV_VERDICTS, SP_ROUND_FINISHING},
    {SP_ROUND_FINISHING, SP_ROUND_EV_FINISHED, SP_ROUND_DONE},
    /* a case question has no ring and no counting node: asked (running),
     * answered and looked up (finishing), done */
    {SP_ROUND_RUNNING, SP_ROUND_EV_ANSWERED, SP_ROUND_FINISHING},
};

int sp_round_transition(int state, int event, int *next)
{
    if (state < SP_ROUND_STATE_MIN || state > SP_ROUND_STATE_MAX || sp_round_state_terminal(state))
        return SP_ERR_STATE;
    if (event == SP_ROUND_EV_FAIL) {
        *next = SP_ROUND_FAILED;
        return 0;
    }
    for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
        if (transitions[i].from == state && transitions[i].event == event) {
            *next = transitions[i].to;
            return 0;
        }
    }
    return SP_ERR_STATE;
}

int sp_round_accepts(int state, unsigned roles, int type)
{
    bool started = sp_round_state_started(state);
    bool live = state >= SP_ROUND_STATE_MIN && state <= SP_ROUND_STATE_MAX &&
                !sp_round_state_terminal(state);
    bool ok;
    switch (type) {
    case SP_PEER_ACCEPT:
    case SP_PEER_REFUSE:
        ok = state == SP_ROUND_PROPOSED && (roles & SP_ROUND_ROLE_INITIATOR);
        break;
    case SP_PEER_START:
        ok = state == SP_ROUND_ACCEPTED && !(roles & SP_ROUND_ROLE_INITIATOR);
        break;
    case SP_PEER_BATCH:
    case SP_PEER_CREDIT:
        ok = started;
        break;
    case SP_PEER_FINAL:
        ok = started && (roles & SP_ROUND_ROLE_COUNTER);
        break;
    case SP_PEER_VERDICT:
        ok = state == SP_ROUND_COUNTING;
        break;
    case SP_PEER_COUNTS:
    case SP_PEER_DONE:
        ok = started && (roles & SP_ROUND_ROLE_INITIATOR);
        break;
    case SP_PEER_ABORT:
    case SP_PEER_ERROR:
    case SP_PEER_PROGRESS: /* a peer may have START before this node */
        ok = live;
        break;
    case SP_PEER_LOG_HEAD: /* the audit's (audit.c): from any participant, any time */
        ok = true;
        break;
    default: /* PROPOSE creates rounds */
        return SP_ERR_UNSUPPORTED;
    }
    return ok ? 0 : SP_ERR_STATE;
}

int sp_ring_route(unsigned n, unsigned me, unsigned from, unsigned origin, unsigned hops,
                  int *action)
{
    if (n < 2 || me >= n || from != sp_ring_pred(me, n) || origin >= n || hops < 1 || hops > n)
        return SP_ERR_PROTO_FIELD;
    if ((origin + hops) % n != me)
        return SP_ERR_PROTO_FIELD;
    if (origin == me)
        *action = SP_RING_HOME; /* (me + hops) % n == me with 1 <= hops <= n: hops == n */
    else
        *action = SP_RING_FORWARD;
    return 0;
}

uint32_t sp_round_disclose(int mode, uint32_t mask, unsigned min_holders, unsigned receiver)
{
    if (receiver >= 32)
        return 0;
    uint32_t own = UINT32_C(1) << receiver;
    if (!(mask & own) || (unsigned)__builtin_popcount(mask) < min_holders)
        return 0;
    switch (mode) {
    case SP_PROPOSAL_MODE_THRESHOLD:
        return own;
    case SP_PROPOSAL_MODE_PARTNERS:
        return mask;
    default: /* counts, or anything unknown: disclose nothing */
        return 0;
    }
}

int sp_round_check_holders(int mode, uint32_t holders, unsigned min_holders, unsigned me,
                           unsigned n)
{
    if (holders == 0)
        return 0;
    if (me >= n || n > 32)
        return SP_ERR_PROTO_FIELD;
    uint32_t own = UINT32_C(1) << me;
    uint32_t valid = n == 32 ? UINT32_MAX : (UINT32_C(1) << n) - 1;
    switch (mode) {
    case SP_PROPOSAL_MODE_THRESHOLD:
        return holders == own ? 0 : SP_ERR_PROTO_FIELD;
    case SP_PROPOSAL_MODE_PARTNERS:
        if (!(holders & own) || (holders & ~valid) ||
            (unsigned)__builtin_popcount(holders) < min_holders)
            return SP_ERR_PROTO_FIELD;
        return 0;
    default:
        return SP_ERR_PROTO_FIELD;
    }
}

void sp_window_init(struct sp_window *w, uint32_t cap)
{
    memset(w, 0, sizeof(*w));
    w->cap = cap < 1 ? 1 : cap > SP_WINDOW_MAX ? SP_WINDOW_MAX : cap;
}

int sp_window_add(struct sp_window *w, uint8_t key_type, uint32_t seq)
{
    if (sp_window_full(w))
        return SP_ERR_BUSY;
    w->slot[w->used].key_type = key_type;
    w->slot[w->used].seq = seq;
    w->used++;
    return 0;
}

int sp_window_ack(struct sp_window *w, uint8_t key_type, uint32_t seq)
{
    for (uint32_t i = 0; i < w->used; i++) {
        if (w->slot[i].key_type == key_type && w->slot[i].seq == seq) {
            w->slot[i] = w->slot[w->used - 1];
            w->used--;
            return 0;
        }
    }
    return SP_ERR_NOT_FOUND;
}

__attribute__((format(printf, 3, 4))) static int refuse(char *reason, size_t cap, const char *fmt,
                                                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, cap, fmt, ap);
    va_end(ap);
    return SP_ERR_ROUND_REFUSED;
}

uint32_t sp_round_longest_deadline(const struct sp_proposal *p, uint32_t node_limit)
{
    uint32_t by_size = sp_proposal_deadline_for_size(p);
    return node_limit > by_size ? node_limit : by_size;
}

int sp_round_judge(const struct sp_proposal *p, const struct sp_round_judge_ctx *jc, char *reason,
                   size_t cap)
{
    if (sp_proposal_validate(p) != 0)
        return refuse(reason, cap, "%s", "the proposal breaks the protocol's limits");
    if (sp_proposal_participant_index(p, jc->self) < 0)
        return refuse(reason, cap, "this node (%s) is not a participant", jc->self);
    if (sp_proposal_participant_index(p, jc->sender) < 0)
        return refuse(reason, cap, "the proposing node %s is not a participant", jc->sender);
    for (uint32_t i = 0; i < p->nparticipants; i++) {
        const char *name = p->participants[i].name;
        if (strcmp(name, jc->self) != 0 && !jc->is_peer(jc->ctx, name))
            return refuse(reason, cap, "participant %s is not a configured peer of this node",
                          name);
    }
    if (p->expires_at <= jc->now_unix)
        return refuse(reason, cap, "%s", "the proposal has expired");
    uint32_t longest = sp_round_longest_deadline(p, jc->max_deadline_s);
    if (jc->max_deadline_s && p->deadline_s > longest)
        return refuse(reason, cap, "the round deadline exceeds this node's limit of %" PRIu32 " s",
                      longest);
    return 0;
}
