/* A live round's liveness: every participant tells the others how far its
 * work has come and whether it has a job of the round in hand (PROGRESS,
 * every SP_ENG_LIVE_SEND_MS while the round runs, counts or finishes), and
 * a round in which nobody's work advanced and nobody was at a job for the
 * stall timeout fails, naming the participant it waits for: the one gone
 * silent, else the one whose work stopped first. A large round is never
 * failed for being large: its deadline comes from its size
 * (sp_proposal_deadline_for_size), its liveness from progress. See
 * ROUNDS.md, "Faults". */
#include <inttypes.h>
#include <stdio.h>

#include "round/core.h"

static bool watched_state(int state)
{
    return state == SP_ROUND_RUNNING || state == SP_ROUND_COUNTING || state == SP_ROUND_FINISHING;
}

static uint8_t phase_of_state(int state)
{
    if (state == SP_ROUND_COUNTING)
        return SP_PEER_PHASE_COUNTING;
    return state == SP_ROUND_FINISHING ? SP_PEER_PHASE_FINISHING : SP_PEER_PHASE_RING;
}

/* The state names (ROUNDS.md, "States") of the wire's phases. */
static const char *phase_name(uint8_t phase)
{
    if (phase == SP_PEER_PHASE_COUNTING)
        return "counting";
    return phase == SP_PEER_PHASE_FINISHING ? "finishing" : "running";
}

static uint64_t stall_ms(const struct sp_round *r)
{
    uint32_t s = r->eng->cfg->round_stall_s;
    return (uint64_t)(s ? s : SP_ENG_STALL_DEFAULT_S) * 1000u;
}

uint64_t sp_eng_live_work(const struct sp_round *r)
{
    uint64_t w = r->live.jobs_work + r->live.verdicts;
    for (unsigned p = 0; p < r->n; p++)
        for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
            w += r->audit.sent[p][t] + r->audit.received[p][t];
    for (const struct sp_eng_job *j = r->jobs; j; j = j->rnext)
        w += atomic_load_explicit(&j->progress, memory_order_relaxed);
    return w;
}

/* The watch begins when the round starts here: everyone is as fresh as
 * now (a participant that never reports is silent from this moment). */
static void watch_begin(struct sp_round *r, uint64_t now)
{
    r->live.watching = true;
    r->live.own_advance_ms = now;
    r->live.sent_ms = 0;
    for (unsigned p = 0; p < r->n; p++) {
        struct sp_eng_live_peer *lp = &r->live.peer[p];
        if (lp->phase == 0) /* nothing heard yet (a PROGRESS may precede START here) */
            lp->advance_ms = lp->heard_ms = now;
    }
}

void sp_eng_live_on_progress(struct sp_round *r, unsigned from, const struct sp_peer_progress *p)
{
    struct sp_eng_live_peer *lp = &r->live.peer[from];
    uint64_t now = r->eng->now.mono_ms;
    if (from == r->me || from >= r->n)
        return;
    /* PROGRESS arrives in order on one link; a lower figure is a broken
     * peer's, and it does not count as progress. A job in hand does: the
     * sender is at work, if slowly (a busy machine, a long merge or
     * mapping pass, another round's jobs ahead of this one's). */
    if (p->work > lp->work || p->busy || lp->phase == 0 || p->phase > lp->phase)
        lp->advance_ms = now;
    if (p->work > lp->work)
        lp->work = p->work;
    lp->heard_ms = now;
    lp->phase = p->phase;
}

void sp_eng_live_ended(struct sp_round *r, unsigned from)
{
    if (from < r->n && from != r->me)
        r->live.ended |= UINT32_C(1) << from;
}

void sp_eng_live_job_back(struct sp_round *r, const struct sp_eng_job *job)
{
    r->live.jobs_work += atomic_load_explicit(&job->progress, memory_order_relaxed);
}

/* Whether this node still waits for participant p: not once the round
 * ended there (its LOG_HEAD came), and the initiator not for a participant
 * whose DONE came in. */
static bool waits_for(const struct sp_round *r, unsigned p)
{
    if ((r->live.ended >> p) & 1u)
        return false;
    return !((r->roles & SP_ROUND_ROLE_INITIATOR) && ((r->fin.done_mask >> p) & 1u));
}

static void send_progress(struct sp_round *r, uint64_t work)
{
    struct sp_peer_msg m = {.type = SP_PEER_PROGRESS};
    m.progress = (struct sp_peer_progress){
        .phase = phase_of_state(r->state), .work = work, .busy = r->njobs > 0};
    r->live.sent_ms = r->eng->now.mono_ms;
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me || ((r->live.ended >> p) & 1u))
            continue; /* ended there: it needs to hear nothing more */
        int rc = sp_eng_send(r, p, &m);
        if (rc) /* a heartbeat is best effort: the next one follows */
            sp_eng_debug(r->eng, "round %s: PROGRESS to %s not sent: %s", r->hex,
                         sp_eng_pname(r, p), sp_strerror(rc));
    }
}

/* The participant a stalled round waits for: the one that went silent (no
 * PROGRESS for the stall timeout: its process hangs, or stopped with the
 * link up) the longest, else the one whose work stopped first (a message
 * lost: everyone waits). This node is a candidate too; it is never silent
 * to itself. */
static unsigned stalled_one(const struct sp_round *r, uint64_t now, uint64_t limit)
{
    unsigned best = r->me;
    int best_rank = -1;
    uint64_t best_ms = UINT64_MAX;
    for (unsigned p = 0; p < r->n; p++) {
        const struct sp_eng_live_peer *lp = &r->live.peer[p];
        bool self = p == r->me;
        if (!self && !waits_for(r, p))
            continue;
        bool silent = !self && now - lp->heard_ms >= limit;
        int rank = silent ? 1 : 0;
        uint64_t ms = silent ? lp->heard_ms : self ? r->live.own_advance_ms : lp->advance_ms;
        if (rank > best_rank || (rank == best_rank && ms < best_ms)) {
            best = p;
            best_rank = rank;
            best_ms = ms;
        }
    }
    return best;
}

/* Fails the round when nobody's work advanced for the stall timeout. */
static void check_stall(struct sp_round *r, uint64_t now)
{
    uint64_t limit = stall_ms(r), latest = r->live.own_advance_ms;
    for (unsigned p = 0; p < r->n; p++)
        if (p != r->me && waits_for(r, p) && r->live.peer[p].advance_ms > latest)
            latest = r->live.peer[p].advance_ms;
    if (now - latest < limit)
        return;
    unsigned p = stalled_one(r, now, limit);
    const struct sp_eng_live_peer *lp = &r->live.peer[p];
    uint64_t since = p == r->me ? r->live.own_advance_ms : lp->advance_ms;
    uint8_t phase = p == r->me ? phase_of_state(r->state) : lp->phase;
    r->fail_from = p == r->me ? -1 : (int)p;
    sp_eng_fail(r, SP_ERR_TIMEOUT, true, "no progress from %s for %" PRIu64 " s in phase %s",
                sp_eng_pname(r, p), (now - since) / 1000u, phase_name(phase));
}

void sp_eng_live_tick(struct sp_round *r)
{
    uint64_t now = r->eng->now.mono_ms;
    if (sp_eng_is_case(r) || !watched_state(r->state))
        return; /* a question has no ring; before START nothing is at work yet */
    if (!r->live.watching)
        watch_begin(r, now);
    uint64_t work = sp_eng_live_work(r);
    uint64_t local = work + r->fin.rows_appended;    /* rows: progress that stays here */
    if (local > r->live.own_local || r->njobs > 0) { /* a job in hand: at work */
        r->live.own_local = local;
        r->live.own_advance_ms = now;
    }
    if (now - r->live.sent_ms >= SP_ENG_LIVE_SEND_MS)
        send_progress(r, work);
    check_stall(r, now);
}
