/*
 * One simulated schedule (sim.h): its plan drawn from the seed, the event
 * loop that drives the engines, and the checks at the end.
 */
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/keytype.h"
#include "proto/control.h"
#include "proto/peer.h"
#include "proto/proposal.h"
#include "round/round.h"
#include "round/round_meta.h"
#include "sim_internal.h"
#include "sim_oracle.h"

static const char *const outcome_names[SIM_OUT_COUNT] = {
    "done", "failed-cleanly", "wrong", "stuck", "privacy", "unexplained",
};

const char *sim_outcome_name(int outcome)
{
    return outcome >= 0 && outcome < SIM_OUT_COUNT ? outcome_names[outcome] : "?";
}

int sim_init(void)
{
    if (sim_randombytes_install() != 0 || sodium_init() < 0)
        return -1;
    return 0;
}

/* ---- the plan ------------------------------------------------------------------ */

/* One round of a schedule. */
struct round_plan {
    unsigned nparts;
    unsigned ring[SIM_MAX_NODES]; /* participant index -> node */
    int mode;
    unsigned k, initiator, counter; /* participant indices */
    uint32_t types[SIM_MAX_NODES];
};

struct plan {
    unsigned nnodes, nrounds;
    struct round_plan rd[SIM_ROUNDS_MAX]; /* the second one starts at second_at */
    uint64_t second_at;
    uint32_t batch_size, window, deadline_s;
    unsigned workers, scale;
    int fault;
    unsigned fault_node, cut_peer, per_mille, budget;
    uint64_t fault_at, back_after, jump;
};

static unsigned draw_nodes(struct sim_rng *r)
{
    static const unsigned weight[] = {0, 0, 20, 25, 20, 12, 10, 7, 6}; /* per 100 */
    unsigned x = (unsigned)sim_rng_below(r, 100), n = 2;
    while (n < SIM_MAX_NODES && x >= weight[n])
        x -= weight[n++];
    return n;
}

/* The round's key types: two to five of those the data has; a participant
 * sometimes offers one fewer. */
static void draw_types(struct round_plan *rp, struct sim_rng *r, uint32_t have)
{
    uint32_t round = 0;
    unsigned want = (unsigned)sim_rng_range(r, 2, 5), n = 0;
    while (n < want && (have & ~round)) {
        unsigned t = (unsigned)sim_rng_range(r, SP_KEY_TYPE_MIN, SP_KEY_TYPE_MAX);
        if ((have & SP_KEY_MASK(t)) && !(round & SP_KEY_MASK(t))) {
            round |= SP_KEY_MASK(t);
            n++;
        }
    }
    for (unsigned i = 0; i < rp->nparts; i++) {
        rp->types[i] = round;
        if (n > 1 && sim_rng_chance(r, 150)) {
            uint32_t m = round;
            unsigned drop = (unsigned)sim_rng_below(r, n);
            for (unsigned t = 0; t < 32; t++)
                if ((m >> t) & 1u && drop-- == 0)
                    rp->types[i] &= ~(UINT32_C(1) << t);
        }
    }
}

/* A round over nnodes nodes: sometimes with bystanders, the ring a random
 * order, any mode, k mostly 2, any initiator and counting node. */
static void draw_round(struct round_plan *rp, struct sim_rng *r, unsigned nnodes, uint32_t have)
{
    rp->nparts = nnodes;
    if (nnodes > 2 && sim_rng_chance(r, 200))
        rp->nparts = (unsigned)sim_rng_range(r, 2, nnodes - 1); /* bystanders */
    unsigned perm[SIM_MAX_NODES];
    for (unsigned i = 0; i < nnodes; i++)
        perm[i] = i;
    for (unsigned i = nnodes; i > 1; i--) {
        unsigned j = (unsigned)sim_rng_below(r, i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    memcpy(rp->ring, perm, sizeof(perm));
    rp->mode = (int)sim_rng_range(r, SP_PROPOSAL_MODE_COUNTS, SP_PROPOSAL_MODE_PARTNERS);
    unsigned x = (unsigned)sim_rng_below(r, 100);
    rp->k = x < 15 ? 1 : x < 65 || rp->nparts < 3 ? 2 : (unsigned)sim_rng_range(r, 3, rp->nparts);
    rp->initiator = (unsigned)sim_rng_below(r, rp->nparts);
    rp->counter = (unsigned)sim_rng_below(r, rp->nparts);
    draw_types(rp, r, have);
}

static void draw_fault(struct plan *p, struct sim_rng *r)
{
    /* the round faults (the case faults follow SIM_FAULT_BUSY) */
    p->fault = sim_rng_chance(r, 250) ? SIM_FAULT_NONE
                                      : (int)sim_rng_range(r, SIM_FAULT_DROP, SIM_FAULT_BUSY);
    p->per_mille = (unsigned)sim_rng_range(r, 10, 80);
    p->budget = (unsigned)sim_rng_range(r, 1, 3);
    p->fault_at = sim_rng_range(r, 1, 400);
    p->back_after = sim_rng_range(r, 0, 8000);
    p->jump = (uint64_t)p->deadline_s * 1000 + sim_rng_range(r, 1, 10000);
    p->fault_node = (unsigned)sim_rng_below(r, p->nnodes);
    if (p->fault == SIM_FAULT_LIE_VERDICT)
        p->fault_node = p->rd[0].ring[p->rd[0].counter];
    if (p->fault == SIM_FAULT_LIE_SIZES) /* the initiator sends no ACCEPT */
        p->fault_node =
            p->rd[0].ring[(p->rd[0].initiator + 1 + sim_rng_below(r, p->rd[0].nparts - 1)) %
                          p->rd[0].nparts];
    if (p->fault == SIM_FAULT_LIE_CREDIT || p->fault == SIM_FAULT_CANCEL ||
        p->fault == SIM_FAULT_REFUSE || p->fault == SIM_FAULT_BUSY)
        p->fault_node = p->rd[0].ring[sim_rng_below(r, p->rd[0].nparts)];
    if (p->fault == SIM_FAULT_CUT) { /* two participants; back after 1-8 s */
        p->fault_node = p->rd[0].ring[sim_rng_below(r, p->rd[0].nparts)];
        p->cut_peer =
            p->rd[0].ring[(p->rd[0].initiator + 1 + sim_rng_below(r, p->rd[0].nparts - 1)) %
                          p->rd[0].nparts];
        if (p->cut_peer == p->fault_node)
            p->cut_peer = p->rd[0].ring[p->rd[0].initiator];
        p->back_after = sim_rng_range(r, 1000, 8000);
    }
}

/* The liveness faults (issue 11), in 4 % of the schedules in place of the
 * drawn fault, from a stream of their own (every other plan stays as it
 * was): a participant that hangs (its process alive, its links up, its
 * engine given nothing), or one that runs one job at a time, each 3-5.5 s
 * (a busy machine), whose round then gets the deadline its size calls for. */
static void draw_live_fault(struct plan *p, uint64_t seed)
{
    struct sim_rng r = sim_rng_fork(seed, 0x4c495645); /* "LIVE" */
    if (!sim_rng_chance(&r, 40))
        return;
    p->fault = sim_rng_chance(&r, 500) ? SIM_FAULT_HANG : SIM_FAULT_SLOW;
    p->fault_node = p->rd[0].ring[sim_rng_below(&r, p->rd[0].nparts)];
    p->fault_at = sim_rng_range(&r, 1, 300);
    p->jump = 0;
    if (p->fault == SIM_FAULT_SLOW)
        p->deadline_s = 0; /* fill_proposal: what the size calls for */
}

static void draw_plan(struct plan *p, uint64_t seed, bool stress, struct sim_data *d, int *err)
{
    struct sim_rng r = sim_rng_fork(seed, 0x504c414e); /* "PLAN" */
    memset(p, 0, sizeof(*p));
    p->nnodes = draw_nodes(&r);
    p->scale = sim_rng_chance(&r, 100) ? 2 : 1;
    if (stress) /* more data: more batches, full windows */
        p->scale = (unsigned)sim_rng_range(&r, 2, 4);
    struct sim_rng dr = sim_rng_fork(seed, 0x44415441); /* "DATA" */
    *err = sim_data_generate(d, p->nnodes, p->scale, stress, &dr);
    p->nrounds = 1;
    draw_round(&p->rd[0], &r, p->nnodes, d->type_mask);
    p->batch_size = (uint32_t)sim_rng_range(&r, 1, 4);
    p->window = (uint32_t)sim_rng_range(&r, 1, 3);
    p->workers = (unsigned)sim_rng_range(&r, 1, 3);
    p->deadline_s = 30;
    draw_fault(p, &r);
    if (stress) { /* more of the message fault */
        p->per_mille = (unsigned)sim_rng_range(&r, 20, 200);
        p->budget = (unsigned)sim_rng_range(&r, 1, 8);
    }
    /* sometimes a second round at the same time (its own stream: the first
     * round's plan does not change with it) */
    /* sometimes the engine's defaults: batch size 0 (the protocol's
     * maximum) and window 0 (8) -- a stream of its own as well */
    struct sim_rng rc = sim_rng_fork(seed, 0x43464732); /* "CFG2" */
    if (sim_rng_chance(&rc, 100)) {
        p->batch_size = 0;
        p->window = 0;
    }
    draw_live_fault(p, seed);
    struct sim_rng r2 = sim_rng_fork(seed, 0x524e4432); /* "RND2" */
    if (sim_rng_chance(&r2, 150)) {
        p->nrounds = 2;
        draw_round(&p->rd[1], &r2, p->nnodes, d->type_mask);
        p->second_at = sim_rng_range(&r2, 1, 60);
    }
}

/* ---- the log ring ------------------------------------------------------------------ */

void sim_log(struct sim *s, unsigned node, const char *fmt, ...)
{
    char *line = s->log[s->log_at];
    int n = snprintf(line, SIM_LOG_MAX, "[%6llu] %s ", (unsigned long long)s->now,
                     node < SIM_MAX_NODES ? s->node[node].name : "sim");
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && n < SIM_LOG_MAX)
        vsnprintf(line + n, SIM_LOG_MAX - (size_t)n, fmt, ap);
    va_end(ap);
    s->log_at = (s->log_at + 1) % s->log_cap;
    if (s->log_n < s->log_cap)
        s->log_n++;
}

void sim_print_log(const struct sim *s, FILE *out)
{
    for (unsigned i = 0; i < s->log_n; i++)
        fprintf(out, "  %s\n", s->log[(s->log_at + s->log_cap - s->log_n + i) % s->log_cap]);
}

/* ---- the event loop ---------------------------------------------------------------- */

struct sp_engine_now sim_now(const struct sim *s, unsigned n)
{
    return (struct sp_engine_now){SIM_MONO_T0 + s->now + s->node[n].clock_offset,
                                  SIM_WALL_T0 + s->now};
}

bool sim_link_cut(const struct sim *s, unsigned a, unsigned b)
{
    return s->fault == SIM_FAULT_CUT && s->now >= s->cut_from && s->now < s->cut_to &&
           ((s->cut_a == a && s->cut_b == b) || (s->cut_a == b && s->cut_b == a));
}

/* Events that keep a schedule going (ticks do not). */
static bool counts_pending(int kind)
{
    return kind != SIM_EV_TICK;
}

void sim_push(struct sim *s, const struct sim_event *ev)
{
    if (counts_pending(ev->kind))
        s->pending++;
    if (sim_queue_push(&s->q, ev) != 0) {
        s->oom = true;
        if (ev->kind == SIM_EV_MSG)
            free(ev->ptr);
    }
}

/* Asks node n's engine when it wants its next tick. */
static void resched(struct sim *s, unsigned n)
{
    struct sim_node *node = &s->node[n];
    if (!node->up || node->eng == NULL || node->hung)
        return;
    long t = sp_engine_next_tick_ms(node->eng, sim_now(s, n));
    if (t < 0)
        t = sp_engine_rounds_active(node->eng) > 0 ? 1000 : -1;
    if (t < 0)
        return;
    uint64_t at = s->now + (t < 1 ? 1 : (uint64_t)t);
    if (node->tick_at > s->now && node->tick_at <= at)
        return;
    node->tick_at = at;
    struct sim_event ev = {
        .at = at, .kind = SIM_EV_TICK, .node = (uint8_t)n, .gen = ++node->tick_gen};
    sim_push(s, &ev);
}

int sim_start_engine(struct sim *s, unsigned n)
{
    struct sim_node *node = &s->node[n];
    node->up = true;
    node->link_changed = s->now;
    node->incarnation++;
    node->tick_at = 0;
    int rc = sp_engine_new(&node->cfg, &node->ports, sim_now(s, n), &node->eng);
    if (rc != 0)
        sim_log(s, n, "engine did not start: %s", sp_strerror(rc));
    return rc;
}

/* A node stops as a killed process would: no goodbye, its store as it was. */
static void stop_engine(struct sim *s, unsigned n)
{
    struct sim_node *node = &s->node[n];
    node->up = false;
    node->link_changed = s->now;
    node->store.frozen = true;
    sp_engine_free(&node->eng); /* frees the jobs it had out (their events are skipped) */
    node->store.frozen = false;
    node->incarnation++;
}

/* On replay: every delivery in the log ("<- TYPE from n2 (key type, seq)"). */
static void trace(struct sim *s, const struct sim_event *ev)
{
    struct sp_peer_msg m;
    if (sp_peer_decode(ev->ptr, ev->len, &m) != 0) {
        sim_log(s, ev->node, "<- %zu bytes from %s that do not decode%s", ev->len,
                s->node[ev->from].name, ev->fault ? " (faulted)" : "");
        return;
    }
    unsigned kt = 0, seq = 0;
    if (m.type == SP_PEER_BATCH)
        kt = m.batch.key_type, seq = m.batch.seq;
    else if (m.type == SP_PEER_FINAL)
        kt = m.final.key_type, seq = m.final.seq;
    else if (m.type == SP_PEER_VERDICT)
        kt = m.verdict.key_type, seq = m.verdict.seq;
    else if (m.type == SP_PEER_CREDIT)
        kt = m.credit.key_type, seq = m.credit.seq;
    sim_log(s, ev->node, "<- %s from %s (type %u, seq %u)%s", sp_peer_type_name(m.type),
            s->node[ev->from].name, kt, seq, ev->fault ? " (faulted)" : "");
    sp_peer_msg_clear(&m);
}

static void deliver(struct sim *s, const struct sim_event *ev)
{
    struct sim_node *node = &s->node[ev->node];
    if (!node->up || !s->node[ev->from].up || node->hung) { /* a hung process reads nothing */
        free(ev->ptr);
        return;
    }
    struct sim_reply reply = {ev->from};
    if (s->opt->verbose)
        trace(s, ev);
    sp_engine_on_peer(node->eng, (size_t)node->peer_of[ev->from], &reply, ev->ptr, ev->len,
                      sim_now(s, ev->node));
    free(ev->ptr);
}

static void run_job(struct sim *s, const struct sim_event *ev)
{
    struct sim_node *node = &s->node[ev->node];
    struct sp_job *job = ev->ptr;
    if (ev->gen != node->incarnation || node->eng == NULL || node->hung)
        return; /* its engine is gone (or hung), and the job with it */
    job->ran = false;
    if (!atomic_load(&job->cancelled)) {
        job->run(job);
        job->ran = true;
    }
    sp_engine_job_done(node->eng, job, sim_now(s, ev->node));
}

/* Whether node n takes part in a round of the schedule. */
static bool takes_part(const struct sim *s, unsigned n)
{
    for (unsigned v = 0; v < s->nviews; v++)
        if (s->view[v].part_of[n] >= 0)
            return true;
    return false;
}

static int start_round(struct sim *s, const struct plan *p, unsigned round);

/* The operator of node n cancels the (first) round (control ROUND_CANCEL). */
static void cancel(struct sim *s, unsigned n)
{
    static struct sp_ctl_request req;
    struct sp_ctl_reply rep;
    if (!s->node[n].up || s->node[n].eng == NULL || !s->view[0].have_id)
        return;
    memset(&req, 0, sizeof(req));
    req.op = SP_CTL_ROUND_CANCEL;
    memcpy(req.round_cancel.round_id, s->view[0].round_id, SP_ROUND_ID_BYTES);
    int rc = sp_engine_control(s->node[n].eng, &req, &rep, sim_now(s, n));
    sim_log(s, n, "FAULT: the operator cancels the round: %s", rc == 0 ? "cancelled" : rep.message);
    s->fired = s->fired || rc == 0;
    sp_ctl_reply_clear(&rep);
}

static void dispatch(struct sim *s, const struct sim_event *ev)
{
    struct sim_node *node = &s->node[ev->node];
    switch (ev->kind) {
    case SIM_EV_MSG:
        deliver(s, ev);
        break;
    case SIM_EV_JOB:
        run_job(s, ev);
        break;
    case SIM_EV_TICK:
        if (ev->gen == node->tick_gen && node->up && node->eng != NULL && !node->hung) {
            node->tick_at = 0;
            sp_engine_tick(node->eng, sim_now(s, ev->node));
        }
        break;
    case SIM_EV_STOP:
        sim_log(s, ev->node, "FAULT: stops");
        s->fired = s->fired || takes_part(s, ev->node); /* a bystander stops: no fault */
        stop_engine(s, ev->node);
        break;
    case SIM_EV_RESTART:
        sim_log(s, ev->node, "FAULT: comes back");
        if (sim_start_engine(s, ev->node) != 0)
            s->oom = true;
        break;
    case SIM_EV_CUT:
        sim_log(s, ev->node, "FAULT: link to %s %s", s->node[ev->from].name,
                ev->len ? "cut" : "back");
        s->fired = s->fired || (ev->len && takes_part(s, ev->node));
        break;
    case SIM_EV_CANCEL:
        cancel(s, ev->node);
        break;
    case SIM_EV_START:
        if (start_round(s, s->plan, ev->gen) != 0)
            s->start_refused = true;
        break;
    case SIM_EV_CASE:
        sim_case_event(s, ev);
        break;
    case SIM_EV_HANG:
        sim_log(s, ev->node, "FAULT: hangs (its links stay up)");
        /* it fires when the node still has the round to do (or to hear of) */
        s->fired = s->fired || (takes_part(s, ev->node) &&
                                (sp_engine_rounds_active(node->eng) > 0 ||
                                 sim_store_round_get(&node->store, s->view[0].round_id) == NULL));
        node->hung = true;
        break;
    case SIM_EV_JUMP:
        sim_log(s, ev->node, "FAULT: clock jumps %llu ms", (unsigned long long)ev->len);
        s->fired = s->fired || takes_part(s, ev->node);
        node->clock_offset += ev->len;
        break;
    }
    if (counts_pending(ev->kind))
        s->pending--;
}

/* Nothing in flight and no engine wants a tick: every round ended and left
 * memory (scratch deleted, log heads in or given up). */
static bool quiet(const struct sim *s)
{
    if (s->pending > 0)
        return false;
    if (s->cs != NULL) /* answering nodes tick for ever: the question decides */
        return sim_case_quiet(s);
    for (unsigned i = 0; i < s->nnodes; i++) {
        const struct sim_node *n = &s->node[i];
        if (n->up && n->eng != NULL && !n->hung &&
            (sp_engine_rounds_active(n->eng) > 0 ||
             sp_engine_next_tick_ms(n->eng, sim_now(s, i)) >= 0))
            return false;
    }
    return true;
}

/* Runs events until every engine is quiet or the horizon passes. */
void sim_loop(struct sim *s, uint64_t horizon, uint64_t *events)
{
    for (unsigned i = 0; i < s->nnodes; i++)
        resched(s, i);
    struct sim_event ev;
    while (!s->oom && !quiet(s) && sim_queue_next_at(&s->q) <= horizon &&
           sim_queue_pop(&s->q, &ev) == 0) {
        s->now = ev.at;
        dispatch(s, &ev);
        (*events)++;
        if (ev.node < s->nnodes)
            resched(s, ev.node);
        if (ev.kind == SIM_EV_MSG && ev.from < s->nnodes)
            resched(s, ev.from);
    }
}

/* ---- setting up ------------------------------------------------------------------ */

static void setup_nodes(struct sim *s, const struct plan *p)
{
    s->nnodes = p->nnodes;
    for (unsigned i = 0; i < p->nnodes; i++) {
        struct sim_node *n = &s->node[i];
        n->sim = s;
        n->id = i;
        snprintf(n->name, sizeof(n->name), "n%u", i % 100);
    }
    for (unsigned i = 0; i < p->nnodes; i++) {
        struct sim_node *n = &s->node[i];
        size_t np = 0;
        for (unsigned j = 0; j < p->nnodes; j++) {
            n->peer_of[j] = -1;
            if (j == i)
                continue;
            n->peer_of[j] = (int)np;
            n->peer_node[np] = j;
            n->peers[np++] = s->node[j].name;
        }
        n->cfg = (struct sp_engine_config){.node = n->name,
                                           .peers = n->peers,
                                           .npeers = np,
                                           .batch_size = p->batch_size,
                                           .batch_window = p->window,
                                           .round_deadline_s = 60,
                                           .round_stall_s = SIM_STALL_S,
                                           .max_set_size = 0,
                                           .counts_suppress_below = 0,
                                           .workers = p->workers};
        sim_store_init(&n->store, &s->data.node[i]);
        sim_ports_init(s, i);
    }
}

static void setup_view(struct sim *s, struct sim_round_view *v, const struct round_plan *rp)
{
    sim_check_init(v);
    v->n = rp->nparts;
    for (unsigned i = 0; i < rp->nparts; i++) {
        v->node_of[i] = (int)rp->ring[i];
        v->part_of[rp->ring[i]] = (int)i;
        v->types[i] = rp->types[i];
        sim_data_distinct(&s->data.node[rp->ring[i]], rp->types[i], v->sizes[i]);
    }
    v->initiator = rp->initiator;
    v->counter = rp->counter;
    v->mode = rp->mode;
    v->k = rp->k;
}

static void fill_proposal(const struct sim *s, const struct plan *p, unsigned round,
                          struct sp_proposal *pr)
{
    const struct round_plan *rp = &p->rd[round];
    memset(pr, 0, sizeof(*pr));
    snprintf(pr->coordinator, sizeof(pr->coordinator), "sim-coordinator");
    snprintf(pr->case_ref, sizeof(pr->case_ref), "SIM-%016llx-%u", (unsigned long long)s->seed,
             round);
    snprintf(pr->purpose, sizeof(pr->purpose), "simulated schedule");
    pr->nparticipants = rp->nparts;
    for (unsigned i = 0; i < rp->nparts; i++) {
        snprintf(pr->participants[i].name, sizeof(pr->participants[i].name), "%s",
                 s->node[rp->ring[i]].name);
        snprintf(pr->participants[i].legal_basis, sizeof(pr->participants[i].legal_basis), "test");
        pr->participants[i].key_types = rp->types[i];
    }
    pr->min_holders = (uint8_t)rp->k;
    pr->mode = (uint8_t)rp->mode;
    pr->counter = (uint8_t)rp->counter;
    pr->max_set_size = 100000;
    pr->expires_at = SIM_WALL_T0 / 1000 + 3600;
    pr->deadline_s = p->deadline_s ? p->deadline_s : sp_proposal_deadline_for_size(pr);
    pr->retention_days = 30;
}

/* The initiator's operator starts round `round` (control ROUND_START). */
static int start_round(struct sim *s, const struct plan *p, unsigned round)
{
    static struct sp_ctl_request req; /* large: a whole proposal */
    struct sp_ctl_reply rep;
    struct sim_round_view *v = &s->view[round];
    unsigned init = p->rd[round].ring[p->rd[round].initiator];
    if (!s->node[init].up || s->node[init].eng == NULL)
        return 0; /* the initiator is down: the round never starts */
    memset(&req, 0, sizeof(req));
    req.op = SP_CTL_ROUND_START;
    fill_proposal(s, p, round, &req.round_start);
    int rc = sp_engine_control(s->node[init].eng, &req, &rep, sim_now(s, init));
    if (rc == 0 && rep.status == 0) {
        memcpy(v->round_id, rep.round_id, SP_ROUND_ID_BYTES);
        v->have_id = true;
    } else {
        sim_log(s, init, "ROUND_START refused: %s", rep.message);
        rc = rc ? rc : SP_ERR_INTERNAL;
    }
    sp_ctl_reply_clear(&rep);
    return rc;
}

static void schedule_fault(struct sim *s, const struct plan *p)
{
    struct sim_event ev = {.at = p->fault_at, .node = (uint8_t)p->fault_node};
    s->fault = p->fault;
    s->fault_node = p->fault_node;
    s->lied_to = SIM_MAX_NODES;
    s->busy_left = p->budget;
    sim_net_init(&s->net, s->seed, p->fault, p->per_mille, p->budget, 1, 12, 4000);
    if (p->fault == SIM_FAULT_STOP || p->fault == SIM_FAULT_RESTART) {
        ev.kind = SIM_EV_STOP;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_RESTART) {
        ev.kind = SIM_EV_RESTART;
        ev.at = s->restart_at = p->fault_at + p->back_after;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_CLOCK) {
        ev.kind = SIM_EV_JUMP;
        ev.len = p->jump;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_CUT) {
        s->cut_a = p->fault_node;
        s->cut_b = p->cut_peer;
        s->cut_from = p->fault_at;
        s->cut_to = p->fault_at + p->back_after;
        ev.kind = SIM_EV_CUT;
        ev.from = (uint8_t)p->cut_peer;
        ev.len = 1;
        sim_push(s, &ev);
        ev.at = s->cut_to;
        ev.len = 0;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_CANCEL) {
        ev.kind = SIM_EV_CANCEL;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_HANG) {
        ev.kind = SIM_EV_HANG;
        sim_push(s, &ev);
    }
}

/* ---- the checks ------------------------------------------------------------------ */

/* A failure reason's class, for the campaign's figures. */
static const char *reason_class(const char *r)
{
    static const struct {
        const char *word, *cls;
    } t[] = {
        {"in state failed", "peer had failed"},
        {"cancel", "cancelled"},
        {"cannot send", "cannot send"},
        {"busy", "cannot send"},
        {"deadline", "deadline"},
        {"no progress from", "stall"},
        {"unreachable", "peer unreachable"},
        {"restarted", "node restarted"},
        {"shut down", "node shut down"},
        {"refused", "refused"},
        {"ERROR", "peer error"},
        {"lost", "peer lost the round"},
        {"window", "window"},
        {"expected", "unexpected message"},
        {"credit", "credit"},
        {"holders", "verdict refused"},
        {"VERDICT", "verdict refused"},
    };
    const char *a = strstr(r, "aborted by ");
    const char *scan = a != NULL ? strchr(a, ':') : NULL;
    scan = scan != NULL ? scan : r;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strstr(scan, t[i].word) != NULL)
            return t[i].cls;
    return a != NULL ? "aborted by a peer" : "other";
}

/* Which failure reasons (classes of reason_class) each fault explains. A
 * delay holds a link back less than the link grace and the deadline, so it
 * explains none; a lie about set sizes changes no result (an engine that
 * checks declared sizes would add its reason here). */
static bool explains(int fault, const char *cls)
{
    static const char *const table[SIM_FAULT_COUNT] = {
        [SIM_FAULT_NONE] = "",
        [SIM_FAULT_DROP] = "|deadline|stall|refused|peer error|",
        [SIM_FAULT_DUP] = "|refused|deadline|stall|peer error|",
        [SIM_FAULT_REORDER] = "|refused|deadline|stall|peer error|",
        [SIM_FAULT_DELAY] = "",
        [SIM_FAULT_CORRUPT] =
            "|deadline|stall|refused|peer error|unexpected message|window|credit|"
            "verdict refused|aborted by a peer|other|", /* a reason's bytes changed */
        [SIM_FAULT_STOP] = "|peer unreachable|deadline|stall|",
        [SIM_FAULT_RESTART] = "|peer unreachable|node restarted|deadline|stall|",
        [SIM_FAULT_LIE_VERDICT] = "|refused|verdict refused|",
        [SIM_FAULT_LIE_SIZES] = "",
        [SIM_FAULT_LIE_CREDIT] = "|refused|credit|window|",
        [SIM_FAULT_CLOCK] = "|deadline|",
        [SIM_FAULT_CUT] = "|peer unreachable|",
        [SIM_FAULT_CANCEL] = "|cancelled|",
        [SIM_FAULT_REFUSE] = "|refused|",
        [SIM_FAULT_BUSY] = "|cannot send|", /* ACCEPT, REFUSE, DONE, ABORT are offered again */
        /* a hang before START reached everyone leaves them to the deadline
         * (no watch before START); after it, the stall names the node */
        [SIM_FAULT_HANG] = "|stall|deadline|",
        [SIM_FAULT_SLOW] = "", /* late, but progressing: the round must end done */
    };
    char key[64];
    /* a peer that failed first (the fault's first effect) refuses what follows */
    if (fault != SIM_FAULT_NONE && strcmp(cls, "peer had failed") == 0)
        return true;
    snprintf(key, sizeof(key), "|%s|", cls);
    return fault >= 0 && fault < SIM_FAULT_COUNT && table[fault] != NULL &&
           strstr(table[fault], key) != NULL;
}

void sim_set_outcome(struct sim_result *r, int outcome, const char *fmt, ...)
{
    /* the worst outcome wins; its first description stays */
    static const int rank[SIM_OUT_COUNT] = {0, 1, 4, 3, 5, 2};
    if (rank[outcome] <= rank[r->outcome])
        return;
    r->outcome = outcome;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
}

/* A DONE node: its rows (and at the initiator the counts) are the oracle's. */
static void check_done(struct sim *s, const struct sim_round_view *v, unsigned n,
                       const struct sim_expect *x, struct sim_result *r)
{
    const struct sim_results *res = sim_store_results(&s->node[n].store, v->round_id);
    char why[300];
    if (v == &s->view[0] && n == s->lied_to) {
        sim_set_outcome(r, SIM_OUT_WRONG, "%s ended done after a VERDICT that disclosed too much",
                        s->node[n].name);
        return;
    }
    if (res == NULL || !res->committed) {
        sim_set_outcome(r, SIM_OUT_WRONG, "%s is done without committed results", s->node[n].name);
        return;
    }
    if (sim_oracle_rows_equal(x, n, res->rows, res->nrows, why, sizeof(why)) != 0)
        sim_set_outcome(r, SIM_OUT_WRONG, "%s results: %s", s->node[n].name, why);
    bool init = v->part_of[n] == (int)v->initiator;
    if (init && sim_oracle_counts_equal(x, res->counts, res->ncounts, why, sizeof(why)) != 0)
        sim_set_outcome(r, SIM_OUT_WRONG, "%s counts: %s", s->node[n].name, why);
    if (!init && res->ncounts != 0)
        sim_set_outcome(r, SIM_OUT_WRONG, "%s stored %zu count cells, not being the initiator",
                        s->node[n].name, res->ncounts);
    if (sim_store_runs_of(&s->node[n].store, v->round_id) != 0)
        sim_set_outcome(r, SIM_OUT_WRONG, "%s left scratch runs of a done round", s->node[n].name);
}

/* Whether a stall reason names node `name` as the one without progress. */
static bool names_node(const char *reason, const char *name)
{
    char want[32];
    snprintf(want, sizeof(want), "no progress from %s for", name);
    return strstr(reason, want) != NULL;
}

/* A failed node: its reason must be one the schedule's fault explains. */
static void check_failed(struct sim *s, unsigned n, const struct sp_round_meta *m,
                         struct sim_result *r)
{
    const char *name = s->node[n].name;
    const char *cls = m->state == SP_ROUND_REFUSED ? "refused" : reason_class(m->reason);
    /* a link back within the link grace (5 s) explains nothing */
    bool short_cut = s->fault == SIM_FAULT_CUT && s->cut_to - s->cut_from < 5000;
    r->failed++;
    if (s->fired && s->fault == SIM_FAULT_HANG && strcmp(cls, "stall") == 0 &&
        !names_node(m->reason, s->node[s->fault_node].name))
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED,
                        "%s failed for a stall that does not name %s, "
                        "which hung: %.300s",
                        name, s->node[s->fault_node].name, m->reason);
    if (s->fired && (short_cut || !explains(s->fault, cls)))
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "%s %s (%s), which %s does not explain: %.300s",
                        name, sp_round_state_name(m->state), cls, sim_fault_name(s->fault),
                        m->reason);
    if (r->reason_class[0] == '\0') {
        snprintf(r->reason_class, sizeof(r->reason_class), "%s", cls);
        if (r->outcome == SIM_OUT_DONE)
            snprintf(r->why, sizeof(r->why), "%s %s: %.400s", name, sp_round_state_name(m->state),
                     m->reason);
    }
    if (!s->fired)
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "%s %s without a fault: %.400s", name,
                        sp_round_state_name(m->state), m->reason);
    else if (r->outcome == SIM_OUT_DONE)
        r->outcome = SIM_OUT_FAILED;
}

static void check_node(struct sim *s, const struct sim_round_view *v, unsigned n,
                       const struct sim_expect *x, struct sim_result *r)
{
    struct sim_node *node = &s->node[n];
    const struct sim_blob *b = sim_store_round_get(&node->store, v->round_id);
    static struct sp_round_meta m;
    if (v->part_of[n] < 0) {
        if (b != NULL)
            sim_set_outcome(r, SIM_OUT_PRIVACY, "%s, no participant, has a record of the round",
                            node->name);
        return;
    }
    if (!node->up || node->hung) {
        r->stopped++;
        return;
    }
    if (b == NULL) {
        r->unreached++;
        if (!s->fired)
            sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "%s never heard of the round", node->name);
        return;
    }
    if (sp_round_meta_decode(b->p, b->len, &m) != 0) {
        sim_set_outcome(r, SIM_OUT_WRONG, "%s: the round record does not decode", node->name);
        return;
    }
    if (!sp_round_state_terminal(m.state)) {
        sim_set_outcome(r, SIM_OUT_STUCK, "%s still %s at %llu ms", node->name,
                        sp_round_state_name(m.state), (unsigned long long)s->now);
        return;
    }
    if (v == &s->view[0] && v->part_of[n] == (int)v->initiator && m.finished_at >= m.created_at)
        r->round_s = m.finished_at - m.created_at;
    if (m.state == SP_ROUND_DONE) {
        r->done++;
        node->rounds_done++;
        check_done(s, v, n, x, r);
        return;
    }
    node->rounds_failed += m.state == SP_ROUND_FAILED;
    check_failed(s, n, &m, r);
}

/* One round of the schedule, at every node. */
static void check_round(struct sim *s, struct sim_round_view *v, struct sim_result *r)
{
    static const char *names[SIM_MAX_NODES];
    struct sim_expect x;
    for (unsigned i = 0; i < s->nnodes; i++)
        names[i] = s->node[i].name;
    if (sim_oracle_expect(&s->data, v, names, &x) != 0) {
        sim_set_outcome(r, SIM_OUT_WRONG, "the oracle failed");
        return;
    }
    for (unsigned i = 0; i < s->nnodes; i++)
        check_node(s, v, i, &x, r);
    sim_expect_free(&x);
    sim_check_finals_complete(v);
    if (v->privacy > 0)
        sim_set_outcome(r, SIM_OUT_PRIVACY, "%s", v->first_privacy);
    bool excused = s->fault == SIM_FAULT_CORRUPT && s->fired;
    if (v->protocol > 0 && !excused)
        sim_set_outcome(r, SIM_OUT_WRONG, "protocol: %s", v->first_protocol);
}

/* Without a fault every participant has every other one's signed log head
 * (daemon/ROUNDS.md, "Governance"). */
static void check_heads(struct sim *s, struct sim_result *r)
{
    for (unsigned v = 0; v < s->nviews; v++)
        for (unsigned a = 0; a < s->nnodes; a++)
            for (unsigned b = 0; b < s->nnodes; b++)
                if (a != b && !s->node[b].hung && s->view[v].have_id &&
                    s->view[v].part_of[a] >= 0 && s->view[v].part_of[b] >= 0 &&
                    s->node[b].head_seen[a] == 0)
                    sim_set_outcome(r, SIM_OUT_WRONG, "%s has no log head of %s", s->node[b].name,
                                    s->node[a].name);
}

static void check_all(struct sim *s, struct sim_result *r)
{
    r->fired = s->fired = s->fired || s->net.fired > 0;
    for (unsigned v = 0; v < s->nviews; v++)
        if (s->view[v].have_id)
            check_round(s, &s->view[v], r);
    for (unsigned i = 0; i < s->nnodes; i++) {
        const struct sim_node *node = &s->node[i];
        if (node->audit_results < node->rounds_done)
            sim_set_outcome(r, SIM_OUT_WRONG, "%s is done without a round_result audit entry",
                            node->name);
        if (node->audit_failed < node->rounds_failed)
            sim_set_outcome(r, SIM_OUT_WRONG, "%s failed without a round_failed audit entry",
                            node->name);
    }
    if (!s->fired)
        check_heads(s, r);
    if (s->privacy_texts > 0)
        sim_set_outcome(r, SIM_OUT_PRIVACY, "%llu log lines name a value",
                        (unsigned long long)s->privacy_texts);
    if (s->start_refused)
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "an initiator refused ROUND_START");
}

/* ---- a schedule ------------------------------------------------------------------ */

static void print_round(const struct sim *s, const struct round_plan *rp, FILE *out)
{
    static const char *const modes[] = {"?", "counts", "threshold", "partners"};
    fprintf(out, "%u participants (ring:", rp->nparts);
    for (unsigned i = 0; i < rp->nparts; i++)
        fprintf(out, " %s", s->node[rp->ring[i]].name);
    fprintf(out, "), %s k=%u, initiator %s, counter %s", modes[rp->mode], rp->k,
            s->node[rp->ring[rp->initiator]].name, s->node[rp->ring[rp->counter]].name);
}

static void print_plan(const struct sim *s, const struct plan *p, FILE *out)
{
    fprintf(out, "seed %llu: %u nodes, ", (unsigned long long)s->seed, p->nnodes);
    print_round(s, &p->rd[0], out);
    if (p->nrounds > 1) {
        fprintf(out, "; at %llu ms a second round: ", (unsigned long long)p->second_at);
        print_round(s, &p->rd[1], out);
    }
    fprintf(out, "; batch %u window %u workers %u, fault %s", p->batch_size, p->window, p->workers,
            sim_fault_name(p->fault));
    if (p->fault != SIM_FAULT_NONE)
        fprintf(out, " at node %s", s->node[p->fault_node].name);
    fprintf(out, "\n");
}

/* The plan, the outcome, the replay command and the last log lines, in one
 * write (two campaign processes share the output). */
static void report(const struct sim *s, const struct plan *p, const struct sim_result *r, FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        return;
    print_plan(s, p, m);
    fprintf(m, "seed %llu: %s: %s\n", (unsigned long long)s->seed, sim_outcome_name(r->outcome),
            r->why);
    fprintf(m, "replay: SP_SIM_SEED=%llu build/tests/sim-campaign\nlast log lines:\n",
            (unsigned long long)s->seed);
    sim_print_log(s, m);
    if (fclose(m) == 0) {
        fflush(out);
        fwrite(buf, 1, len, out);
        fflush(out);
    }
    free(buf);
}

void sim_teardown(struct sim *s)
{
    struct sim_event ev;
    /* jobs still queued belong to their engines, which free them */
    while (sim_queue_pop(&s->q, &ev) == 0)
        if (ev.kind == SIM_EV_MSG)
            free(ev.ptr);
    sim_queue_clear(&s->q);
    for (unsigned i = 0; i < s->nnodes; i++) {
        s->node[i].store.frozen = true;
        sp_engine_free(&s->node[i].eng);
        sim_store_free(&s->node[i].store);
    }
    for (unsigned v = 0; v < SIM_ROUNDS_MAX; v++)
        sim_check_free(&s->view[v]);
    sim_data_free(&s->data);
    sim_case_end(s); /* after the stores: one may point at its data */
    free(s->log);
}

/* The nodes, the rounds' views, the fault and the second round's start. */
static void setup(struct sim *s, const struct plan *p, struct sim_result *r)
{
    r->fault = p->fault;
    r->nodes = p->nnodes;
    r->rounds = p->nrounds;
    r->participants = p->rd[0].nparts;
    r->mode = (unsigned)p->rd[0].mode;
    r->k = p->rd[0].k;
    s->plan = p;
    s->nviews = p->nrounds;
    setup_nodes(s, p);
    for (unsigned i = 0; i < p->nrounds; i++)
        setup_view(s, &s->view[i], &p->rd[i]);
    schedule_fault(s, p);
    if (p->nrounds > 1) {
        struct sim_event ev = {.at = p->second_at,
                               .kind = SIM_EV_START,
                               .node = (uint8_t)p->rd[1].ring[p->rd[1].initiator],
                               .gen = 1};
        sim_push(s, &ev);
    }
}

/* The longest deadline of the schedule's rounds. */
static uint32_t plan_deadline_s(const struct sim *s, const struct plan *p)
{
    static struct sp_proposal pr; /* large */
    uint32_t most = 0;
    for (unsigned i = 0; i < p->nrounds; i++) {
        fill_proposal(s, p, i, &pr);
        most = pr.deadline_s > most ? pr.deadline_s : most;
    }
    return most;
}

/* Starts the engines and the first round, and runs the schedule. Returns
 * 0 or an engine's error at start. */
static int run(struct sim *s, const struct plan *p, struct sim_result *r)
{
    int err = 0;
    for (unsigned i = 0; i < s->nnodes && err == 0; i++)
        err = sim_start_engine(s, i);
    s->now = 1;
    if (err != 0)
        return err;
    if (start_round(s, p, 0) == 0) {
        sim_loop(s, (uint64_t)plan_deadline_s(s, p) * 1000 + p->jump + 60000, &r->events);
        return 0;
    }
    if (s->fault != SIM_FAULT_REFUSE) /* else its own policy refused: nothing to run */
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "the initiator refused ROUND_START");
    else if (r->outcome == SIM_OUT_DONE)
        r->outcome = SIM_OUT_FAILED;
    snprintf(r->reason_class, sizeof(r->reason_class), "refused");
    r->fired = true;
    return 0;
}

int sim_run(uint64_t seed, const struct sim_options *o, struct sim_result *r)
{
    static struct sim s;
    static const struct sim_options quiet_opt = {0};
    struct plan p;
    int err = 0;

    memset(&s, 0, sizeof(s));
    memset(r, 0, sizeof(*r));
    s.seed = r->seed = seed;
    s.opt = o != NULL ? o : &quiet_opt;
    s.log_cap = s.opt->log_lines ? s.opt->log_lines : 48;
    s.log = calloc(s.log_cap, SIM_LOG_MAX);
    s.rng = sim_rng_fork(seed, 0x4f524452); /* "ORDR" */
    sim_randombytes_seed(seed);
    if (sim_case_chosen(seed)) /* a case question (sim_case.c) */
        return s.log != NULL ? sim_case_run(&s, r) : -1;
    draw_plan(&p, seed, s.opt->stress, &s.data, &err);
    if (err != 0 || s.log == NULL) {
        free(s.log);
        return -1;
    }
    setup(&s, &p, r);
    if (run(&s, &p, r) != 0 || s.oom) {
        sim_teardown(&s);
        return -1;
    }
    if (r->outcome == SIM_OUT_DONE)
        check_all(&s, r);
    r->sim_ms = s.now;
    r->messages = s.messages;
    if (s.opt->verbose || (r->outcome != SIM_OUT_DONE && r->outcome != SIM_OUT_FAILED))
        report(&s, &p, r, s.opt->out ? s.opt->out : stdout);
    sim_teardown(&s);
    return 0;
}
