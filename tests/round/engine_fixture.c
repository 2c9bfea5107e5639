/* The three-engine fixture of tests/round (engine_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine_fixture.h"
#include "proto/control.h"
#include "round/core.h"
#include "round/round_meta.h"
#include "sim_rng.h"

struct sp_engine_now now_of(const struct fx *f)
{
    return (struct sp_engine_now){.mono_ms = T0_MONO + f->now, .wall_ms = T0_WALL + f->now};
}

void push(struct fx *f, unsigned from, unsigned to, const uint8_t *b, size_t len, uint64_t at)
{
    struct msg *m = malloc(sizeof(*m) + len);
    assert_non_null(m);
    *m = (struct msg){.at = at, .seq = f->seq++, .from = from, .to = to, .len = len};
    memcpy(m->b, b, len);
    struct msg **pp = &f->q;
    while (*pp && ((*pp)->at < at || ((*pp)->at == at && (*pp)->seq < m->seq)))
        pp = &(*pp)->next;
    m->next = *pp;
    *pp = m;
}

/* ---- ports ------------------------------------------------------------- */

static int send_port(void *ctx, size_t peer, const void *reply_to, const uint8_t *b, size_t len)
{
    struct node *n = ctx;
    struct fx *f = n->f;
    unsigned to = reply_to ? *(const unsigned *)reply_to : n->peer_node[peer];
    struct sp_peer_msg m;
    assert_int_equal(sp_peer_decode(b, len, &m), 0);
    int type = m.type;
    sp_peer_msg_clear(&m);
    assert_true(type > 0 && type < NTYPES);
    if (!reply_to && (n->busy_always[type] || n->busy_left[type] > 0)) {
        if (n->busy_left[type] > 0)
            n->busy_left[type]--;
        if (n->ntries < 32)
            n->tries_at[n->ntries++] = f->now;
        n->tries_type = type;
        return SP_ERR_BUSY;
    }
    if (!reply_to && n->tries_type == type && n->ntries < 32)
        n->tries_at[n->ntries++] = f->now; /* the try that went */
    uint64_t lat = f->latency[n->id][to];
    push(f, n->id, to, b, len, f->now + lat);
    if (n->sent)
        n->sent(n, type, b, len, f->now + lat);
    for (; !reply_to && n->dup[type] > 0; n->dup[type]--)
        push(f, n->id, to, b, len, f->now + lat);
    return 0;
}

static void submit(void *ctx, struct sp_job *job)
{
    struct node *n = ctx;
    job->next = NULL;
    if (n->jt)
        n->jt->next = job;
    else
        n->jh = job;
    n->jt = job;
}

static void log_line(void *ctx, int level, const char *line)
{
    struct node *n = ctx;
    (void)level;
    if (strstr(line, "gave up sending"))
        n->gave_up++;
    if (strstr(line, "sent at try"))
        n->resent++;
    if (getenv("SP_TEST_VERBOSE"))
        fprintf(stderr, "[%6llu] %s %s\n", (unsigned long long)n->f->now, n->name, line);
}

static bool link_up(void *ctx, size_t peer, uint64_t *since)
{
    (void)ctx, (void)peer;
    *since = 0;
    return true;
}

static int judge(void *ctx, const struct sp_proposal *p, const uint8_t *bytes, size_t len,
                 const struct sp_peer_propose *signed_by, uint64_t now_unix,
                 struct sp_engine_verdict *v, char *reason, size_t cap)
{
    struct node *n = ctx;
    (void)p, (void)bytes, (void)len, (void)signed_by, (void)now_unix, (void)v;
    if (!n->refuse)
        return 0;
    snprintf(reason, cap, "the test's policy refuses it");
    return SP_ERR_POLICY;
}

static void refused(void *ctx, const char *peer, int code, const char *why)
{
    struct node *n = ctx;
    (void)peer, (void)code, (void)why;
    n->refused++;
}

/* ---- the federation ---------------------------------------------------- */

void fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    struct sim_rng rng = sim_rng_fork(4711, 9);
    assert_int_equal(sim_data_generate(&f->data, NN, 1, false, &rng), 0);
    for (unsigned i = 0; i < NN; i++) {
        struct node *n = &f->n[i];
        n->f = f;
        n->id = i;
        snprintf(n->name, sizeof(n->name), "n%u", i);
    }
    for (unsigned i = 0; i < NN; i++) {
        struct node *n = &f->n[i];
        size_t np = 0;
        for (unsigned j = 0; j < NN; j++) {
            f->latency[i][j] = 1;
            if (j == i)
                continue;
            n->peer_node[np] = j;
            n->peers[np++] = f->n[j].name;
        }
        n->cfg = (struct sp_engine_config){.node = n->name,
                                           .peers = n->peers,
                                           .npeers = np,
                                           .batch_size = 3,
                                           .batch_window = 2,
                                           .round_deadline_s = 60,
                                           .workers = 1};
        sim_store_init(&n->store, &f->data.node[i]);
        n->ports = (struct sp_engine_ports){
            .ctx = n, .send = send_port, .submit = submit, .log = log_line, .link_up = link_up};
        sim_store_port(&n->store, &n->ports.store);
        n->ports.gov = (struct sp_engine_gov){.ctx = n, .judge = judge, .refused = refused};
    }
}

void fx_engines(struct fx *f)
{
    for (unsigned i = 0; i < NN; i++)
        assert_int_equal(sp_engine_new(&f->n[i].cfg, &f->n[i].ports, now_of(f), &f->n[i].e), 0);
}

void fx_free(struct fx *f)
{
    for (unsigned i = 0; i < NN; i++) {
        sp_engine_free(&f->n[i].e);
        sim_store_free(&f->n[i].store);
    }
    while (f->q) {
        struct msg *m = f->q;
        f->q = m->next;
        free(m);
    }
    sim_data_free(&f->data);
}

void start(struct fx *f)
{
    static struct sp_ctl_request req;
    struct sp_ctl_reply rep;
    memset(&req, 0, sizeof(req));
    req.op = SP_CTL_ROUND_START;
    struct sp_proposal *p = &req.round_start;
    snprintf(p->coordinator, sizeof(p->coordinator), "test");
    snprintf(p->case_ref, sizeof(p->case_ref), "RESEND-1");
    snprintf(p->purpose, sizeof(p->purpose), "test");
    p->nparticipants = NN;
    for (unsigned i = 0; i < NN; i++) {
        snprintf(p->participants[i].name, sizeof(p->participants[i].name), "%s", f->n[i].name);
        snprintf(p->participants[i].legal_basis, sizeof(p->participants[i].legal_basis), "test");
        p->participants[i].key_types = f->data.type_mask;
    }
    p->min_holders = 1;
    p->mode = SP_PROPOSAL_MODE_PARTNERS;
    p->counter = 1;
    p->max_set_size = 100000;
    p->expires_at = T0_WALL / 1000 + 3600;
    p->deadline_s = f->deadline_s ? f->deadline_s : DEADLINE_S;
    p->retention_days = 30;
    assert_int_equal(sp_engine_control(f->n[0].e, &req, &rep, now_of(f)), 0);
    assert_int_equal(rep.status, 0);
    memcpy(f->id, rep.round_id, sizeof(f->id));
    sp_ctl_reply_clear(&rep);
}

static bool hung(const struct node *n)
{
    return n->hang_at && n->f->now >= n->hang_at;
}

static bool quiet(const struct fx *f)
{
    if (f->q)
        return false;
    for (unsigned i = 0; i < NN; i++)
        if (!hung(&f->n[i]) && (f->n[i].jh || f->n[i].e->nrounds != 0))
            return false;
    return true;
}

/* Runs node n's jobs in submission order (a slow one: one when it is
 * ready, each job_ms long). Returns whether one ran. */
static bool run_jobs(struct fx *f, struct node *n)
{
    bool ran = false;
    while (n->jh && !hung(n) && f->now >= n->job_ready) {
        struct sp_job *j = n->jh;
        n->jh = j->next;
        if (!n->jh)
            n->jt = NULL;
        if (!atomic_load(&j->cancelled)) {
            j->run(j);
            j->ran = true;
        }
        sp_engine_job_done(n->e, j, now_of(f));
        ran = true;
        if (n->job_ms) {
            n->job_ready = f->now + n->job_ms;
            break;
        }
    }
    return ran;
}

uint64_t run(struct fx *f, uint64_t horizon)
{
    uint64_t ended = 0;
    for (f->now = 1; f->now <= horizon && !quiet(f); f->now++) {
        bool busy = true;
        while (busy) {
            busy = false;
            while (f->q && f->q->at <= f->now) {
                struct msg *m = f->q;
                f->q = m->next;
                struct sp_peer_msg d;
                if (sp_peer_decode(m->b, m->len, &d) == 0) {
                    f->delivered[m->to][m->from][d.type]++;
                    sp_peer_msg_clear(&d);
                }
                unsigned from = m->from;
                struct node *to = &f->n[m->to];
                size_t peer = m->from < m->to ? m->from : m->from - 1;
                if (!hung(to)) /* a hung process reads nothing */
                    sp_engine_on_peer(to->e, peer, &from, m->b, m->len, now_of(f));
                free(m);
                busy = true;
            }
            for (unsigned i = 0; i < NN; i++)
                busy = run_jobs(f, &f->n[i]) || busy;
        }
        for (unsigned i = 0; i < NN; i++) { /* a tick when the engine asked for one */
            struct node *n = &f->n[i];
            if (hung(n))
                continue;
            if (n->tick_at && f->now >= n->tick_at) {
                n->tick_at = 0;
                sp_engine_tick(n->e, now_of(f));
            }
            long t = sp_engine_next_tick_ms(n->e, now_of(f));
            uint64_t at = f->now + (t > 0 ? (uint64_t)t : 1);
            if (t >= 0 && (!n->tick_at || at < n->tick_at))
                n->tick_at = at;
        }
        bool live = false;
        for (unsigned i = 0; i < NN; i++)
            live = live || (!hung(&f->n[i]) && sp_engine_rounds_active(f->n[i].e) != 0);
        if (live)
            ended = f->now + 1;
    }
    assert_true(quiet(f)); /* every round left memory: nothing kept for ever */
    return ended;
}

int state_of(const struct fx *f, unsigned node, char *reason, size_t cap)
{
    const struct sim_blob *b = sim_store_round_get(&f->n[node].store, f->id);
    static struct sp_round_meta m;
    assert_non_null(b);
    assert_int_equal(sp_round_meta_decode(b->p, b->len, &m), 0);
    if (reason && snprintf(reason, cap, "%s", m.reason) >= (int)cap)
        reason[cap - 1] = '\0'; /* the start is what the test reads */
    return m.state;
}
