/* The round engine's entry points (engine.h): every event goes to the phase
 * it concerns, then engine.c's advance lets each round take the steps that
 * follow its state; jobs coming back; ticks (deadlines, link checks, paced
 * work); rounds leaving memory. See core.h for the files below it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/group.h"
#include "round/core.h"

/* For a terminal round with no job out: drops its buffers and walks and
 * wipes its key. A job still out may be reading the key, the mapping walk
 * or the holders: everything waits until the last one is back. */
static void release_idle(struct sp_round *r)
{
    if (r->released || !sp_round_state_terminal(r->state) || r->jobs)
        return;
    sp_eng_ring_release(r);
    sp_eng_final_release(r);
    sp_eng_case_release(r);
    sp_round_key_free(&r->key);
    r->released = true;
}

/* The steps that follow a round's state, in the order a round takes them
 * (one pass can take several: a node without values blinds nothing and is
 * counting at once). Called after every event. */
static void advance(struct sp_round *r)
{
    int rc;
    if (sp_eng_is_case(r))
        sp_eng_case_advance(r); /* no ring, no counting: its own steps */
    if (r->state == SP_ROUND_RUNNING && !r->ring.begun) {
        r->ring.begun = true;
        if ((rc = sp_eng_ring_begin(r)) != 0)
            sp_eng_fail(r, rc, true, "cannot start blinding: %s", sp_strerror(rc));
    }
    if (sp_round_state_started(r->state))
        sp_eng_intake_early(r);
    if (r->state == SP_ROUND_COUNTING && !r->fin.begun) {
        r->fin.begun = true;
        if ((rc = sp_eng_final_begin(r)) != 0)
            sp_eng_fail(r, rc, true, "cannot send own values to the counting node: %s",
                        sp_strerror(rc));
    }
    if (r->state == SP_ROUND_FINISHING && r->fin.committed && sp_eng_count_done(r) &&
        sp_eng_event(r, SP_ROUND_EV_FINISHED) == 0)
        sp_eng_audit_ended(r);
    if (sp_round_state_terminal(r->state)) {
        sp_eng_intake_early(r);
        release_idle(r);
    }
}

/* Every round advances, and what this node sent itself is delivered,
 * until nothing is left to do. */
static void settle(struct sp_engine *e)
{
    for (;;) {
        for (struct sp_round *r = e->rounds; r; r = r->next)
            advance(r);
        if (!e->self_head)
            return;
        while (e->self_head) {
            struct sp_eng_selfmsg *s = e->self_head;
            e->self_head = s->next;
            if (!e->self_head)
                e->self_tail = NULL;
            sp_eng_intake(e, SP_ENG_PEER_SELF, NULL, s->data, s->len);
            free(s->data);
            free(s);
        }
    }
}

static void round_unlink_free(struct sp_engine *e, struct sp_round *r)
{
    for (struct sp_round **pp = &e->rounds; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            e->nrounds--;
            break;
        }
    }
    sp_eng_ring_release(r);
    sp_eng_final_release(r);
    sp_eng_count_free(r);
    sp_eng_case_free(r);
    sp_eng_intake_drop_early(r); /* live when the engine is freed without a stop */
    sp_eng_resend_free(r);
    sp_round_key_free(&r->key);
    free(r->prop_bytes);
    free(r->audit.sig);
    free(r->audit.cert);
    free(r);
}

/* A terminal round whose jobs are back, whose scratch is gone, whose
 * peers' log heads are in (or SP_ENG_HEADS_WAIT_MS passed) and that keeps
 * no message the transport refused (DONE, REFUSE, ABORT) leaves memory;
 * the store keeps its record. */
static void release_finished(struct sp_engine *e)
{
    struct sp_round *r = e->rounds;
    while (r) {
        struct sp_round *next = r->next;
        if (sp_round_state_terminal(r->state) && !r->jobs && !sp_eng_resend_pending(r) &&
            (r->scratch_gone || (r->scratch_gone = sp_eng_count_cleanup_step(r))) &&
            sp_eng_audit_heads_settled(r, e->now.mono_ms))
            round_unlink_free(e, r);
        r = next;
    }
}

/* ---- events ------------------------------------------------------------ */

void sp_engine_on_peer(struct sp_engine *e, size_t peer, const void *reply_to, const uint8_t *bytes,
                       size_t len, struct sp_engine_now now)
{
    e->now = now;
    sp_eng_intake(e, peer, reply_to, bytes, len);
    settle(e);
}

void sp_engine_on_multipart(struct sp_engine *e, size_t peer, const void *reply_to,
                            struct sp_engine_now now)
{
    e->now = now;
    sp_eng_intake_multipart(e, peer, reply_to);
}

static void job_detach(struct sp_round *r, struct sp_eng_job *job)
{
    for (struct sp_eng_job **pp = &r->jobs; *pp; pp = &(*pp)->rnext) {
        if (*pp == job) {
            *pp = job->rnext;
            r->njobs--;
            return;
        }
    }
}

void sp_engine_job_done(struct sp_engine *e, struct sp_job *base, struct sp_engine_now now)
{
    struct sp_eng_job *job = (struct sp_eng_job *)base;
    struct sp_round *r = job->round;
    e->now = now;
    if (!r) { /* the engine's own: on no round's list */
        if (job->kind == SP_ENG_JOB_OWN_WALK || job->kind == SP_ENG_JOB_OWN_HASH)
            sp_eng_case_own_job_done(e, job);
        else
            sp_eng_job_free(job);
        goto out;
    }
    job_detach(r, job);
    sp_eng_live_job_back(r, job);
    if (job->parts_left || job->leader) {
        /* one part of a batch: the batch is done when every part is */
        struct sp_eng_job *lead = job->leader ? job->leader : job;
        if (job->rc && !lead->rc)
            lead->rc = job->rc;
        if (!job->base.ran)
            lead->parts_cancelled = true;
        if (job != lead)
            sp_eng_job_free(job);
        if (--lead->parts_left > 0)
            goto out;
        job = lead;
    }
    if (!sp_round_state_terminal(r->state) && job->base.ran && !job->parts_cancelled) {
        switch (job->kind) {
        case SP_ENG_JOB_HASH:
        case SP_ENG_JOB_BLIND:
            sp_eng_ring_job_done(r, job);
            break;
        case SP_ENG_JOB_SCAN:
            sp_eng_setup_job_done(r, job);
            break;
        case SP_ENG_JOB_MAP:
            sp_eng_final_job_done(r, job);
            break;
        case SP_ENG_JOB_MERGE:
            sp_eng_count_job_done(r, job);
            break;
        case SP_ENG_JOB_CASE_BLIND:
        case SP_ENG_JOB_CASE_UNBLIND:
        case SP_ENG_JOB_CASE_EVAL:
            sp_eng_case_job_done(r, job);
            break;
        }
    }
    sp_eng_job_free(job);
out:
    settle(e);
}

int sp_engine_control(struct sp_engine *e, const struct sp_ctl_request *req,
                      struct sp_ctl_reply *reply, struct sp_engine_now now)
{
    e->now = now;
    memset(reply, 0, sizeof(*reply));
    reply->op = req->op;
    int rc = sp_eng_ctl(e, req, reply);
    settle(e);
    return rc;
}

/* ---- time -------------------------------------------------------------- */

/* A monotonic time as a UTC wall-clock timestamp. */
static void format_wall(const struct sp_engine *e, uint64_t mono, char out[32])
{
    uint64_t ago = e->now.mono_ms > mono ? e->now.mono_ms - mono : 0;
    time_t t = (time_t)((e->now.wall_ms - (ago < e->now.wall_ms ? ago : 0)) / 1000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void check_links(struct sp_round *r)
{
    struct sp_engine *e = r->eng;
    uint64_t now = e->now.mono_ms;
    for (unsigned p = 0; p < r->n && !sp_round_state_terminal(r->state); p++) {
        uint64_t since = 0;
        if (p == r->me || !e->ports.link_up ||
            e->ports.link_up(e->ports.ctx, r->peer_of[p], &since))
            continue;
        if (since < r->created_ms)
            since = r->created_ms;
        if (now - since < SP_ENG_LINK_GRACE_MS)
            continue;
        char when[32];
        format_wall(e, since, when);
        if (sp_eng_is_case(r) && sp_eng_case_link_lost(r, p, when))
            continue; /* a question needs each link on its own, not all of them */
        r->fail_from = (int)p;
        sp_eng_fail(r, SP_ERR_TIMEOUT, true, "peer %s unreachable since %s", sp_eng_pname(r, p),
                    when);
    }
}

static void check_round(struct sp_round *r)
{
    uint64_t now = r->eng->now.mono_ms;
    if (sp_round_state_terminal(r->state))
        return;
    if (now >= r->deadline_ms) {
        if (sp_eng_is_case(r) && sp_eng_case_deadline(r))
            return; /* a question ends with the answers it has */
        sp_eng_fail(r, SP_ERR_TIMEOUT, true, "deadline of %" PRIu32 " s passed in state %s",
                    r->prop.deadline_s, sp_round_state_name(r->state));
        return;
    }
    check_links(r);
    if (sp_round_state_terminal(r->state))
        return;
    sp_eng_live_tick(r);
    if (sp_round_state_terminal(r->state))
        return;
    if (r->state == SP_ROUND_FINISHING && !sp_eng_is_case(r))
        sp_eng_final_results_step(r);
    sp_eng_progress_log(r, now);
}

void sp_engine_tick(struct sp_engine *e, struct sp_engine_now now)
{
    e->now = now;
    settle(e);
    for (struct sp_round *r = e->rounds; r; r = r->next) {
        /* a message the transport refused first: it may be what ends a wait */
        if (sp_eng_resend_step(r) == SP_PEER_ACCEPT)
            sp_eng_setup_accept_left(r);
        check_round(r);
    }
    sp_eng_case_own_tick(e);
    sp_eng_case_filters_tick(e);
    settle(e);
    release_finished(e);
}

void sp_engine_datasets_changed(struct sp_engine *e, struct sp_engine_now now)
{
    e->now = now;
    sp_eng_case_own_data_changed(e);
}

long sp_engine_next_tick_ms(const struct sp_engine *e, struct sp_engine_now now)
{
    uint64_t now_ms = now.mono_ms;
    if (e->self_head)
        return 0;
    long best = sp_eng_case_own_next_tick_ms(e);
    long filters = sp_eng_case_filters_next_tick_ms(e);
    if (filters >= 0 && (best < 0 || filters < best))
        best = filters;
    for (const struct sp_round *r = e->rounds; r; r = r->next) {
        long t;
        bool terminal = sp_round_state_terminal(r->state);
        if (terminal && r->scratch_gone && !r->jobs)
            t = sp_eng_audit_heads_settled(r, now_ms)
                    ? 0
                    : (long)(r->audit.ended_ms + SP_ENG_HEADS_WAIT_MS - now_ms); /* heads */
        else if (terminal)
            t = 10; /* winding down: scratch deletion, jobs coming back */
        else if (r->state == SP_ROUND_FINISHING && !r->fin.committed)
            t = 0;
        else
            t = now_ms >= r->deadline_ms ? 0 : (long)(r->deadline_ms - now_ms);
        if (!terminal && t > 1000)
            t = 1000; /* link checks */
        long resend = sp_eng_resend_next_ms(r, now_ms);
        if (resend >= 0 && resend < t)
            t = resend;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

uint32_t sp_engine_rounds_active(const struct sp_engine *e)
{
    uint32_t n = 0;
    for (const struct sp_round *r = e->rounds; r; r = r->next)
        if (!sp_round_state_terminal(r->state))
            n++;
    return n;
}

/* ---- lifecycle --------------------------------------------------------- */

int sp_engine_new(const struct sp_engine_config *cfg, const struct sp_engine_ports *ports,
                  struct sp_engine_now now, struct sp_engine **out)
{
    const struct sp_engine_store *st = &ports->store;
    struct sp_engine *e = calloc(1, sizeof(*e));
    int rc = SP_ERR_NOMEM;
    if (!e)
        goto out;
    e->cfg = cfg;
    e->ports = *ports;
    e->now = now;
    /* Scratch of rounds that a previous process ran cannot be used. */
    if ((rc = st->runs_clear(st->ctx)) != 0 || (rc = sp_eng_recover(e)) != 0 ||
        (rc = sp_eng_case_own_new(e)) != 0 || (rc = sp_eng_case_filters_new(e)) != 0)
        goto out;
    *out = e;
    return 0;
out:
    sp_engine_free(&e);
    return rc;
}

void sp_engine_stop(struct sp_engine *e, struct sp_engine_now now)
{
    e->now = now;
    for (struct sp_round *r = e->rounds; r; r = r->next)
        sp_eng_fail(r, SP_ERR_ROUND_FAILED, true, "the node shut down during the round");
    settle(e);
}

void sp_engine_free(struct sp_engine **ep)
{
    if (!ep || !*ep)
        return;
    struct sp_engine *e = *ep;
    while (e->rounds) {
        struct sp_round *r = e->rounds;
        while (r->jobs) {
            struct sp_eng_job *j = r->jobs;
            r->jobs = j->rnext;
            struct sp_eng_job *lead = j->leader ? j->leader : j;
            if (!lead->parts_left) { /* not split */
                sp_eng_job_free(j);
                continue;
            }
            if (j != lead)
                sp_eng_job_free(j);
            if (--lead->parts_left == 0) /* the leader goes with its last part */
                sp_eng_job_free(lead);
        }
        r->njobs = 0;
        while (!sp_eng_count_cleanup_step(r))
            ;
        round_unlink_free(e, r);
    }
    while (e->self_head) {
        struct sp_eng_selfmsg *s = e->self_head;
        e->self_head = s->next;
        free(s->data);
        free(s);
    }
    sp_eng_case_own_free(e);
    sp_eng_case_filters_free(e);
    free(e->ctl_rounds);
    free(e);
    *ep = NULL;
}
