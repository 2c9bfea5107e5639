/*
 * The engine's ports in memory (round/engine.h): the store over sim_store
 * (sim_store_port.c), a governance that accepts what the engine's own rules
 * allow and keeps its audit entries as counts, sending through the
 * simulated network (with the privacy check and, for a lying node, the
 * lie), jobs into the event queue, log lines into the ring, and the
 * simulator's view of the links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/entry.h"
#include "audit/head.h"
#include "audit/schema.h"
#include "proto/peer.h"
#include "proto/proposal.h"
#include "round/round_meta.h"
#include "sim_case_data.h"
#include "sim_internal.h"

/* ---- governance ------------------------------------------------------------------ */

static int judge(void *ctx, const struct sp_proposal *p, const uint8_t *bytes, size_t len,
                 const struct sp_peer_propose *signed_by, uint64_t now_unix,
                 struct sp_engine_verdict *v, char *reason, size_t cap)
{
    struct sim_node *n = ctx;
    struct sim *s = n->sim;
    (void)signed_by, (void)now_unix;
    size_t cl = strlen(p->case_ref);
    if (s->fault == SIM_FAULT_REFUSE && n->id == s->fault_node && cl >= 2 &&
        strcmp(p->case_ref + cl - 2, "-0") == 0) { /* the first round only */
        s->fired = true;
        snprintf(reason, cap, "the local policy does not allow this case");
        sim_log(s, n->id, "FAULT: the policy refuses the proposal");
        return SP_ERR_ROUND_REFUSED;
    }
    memset(v, 0, sizeof(*v));
    crypto_hash_sha256(v->digest, bytes, len);
    snprintf(v->coordinator, sizeof(v->coordinator), "%.64s", p->coordinator);
    return 0;
}

static int record(void *ctx, struct sp_audit_entry **e, bool stage)
{
    struct sim_node *n = ctx;
    n->audit_entries++;
    int type = sp_audit_entry_type(*e);
    n->audit_results += type == SP_AUDIT_ROUND_RESULT;
    n->audit_failed += type == SP_AUDIT_ROUND_FAILED;
    if (n->sim->opt->verbose)
        sim_log(n->sim, n->id, "audit %s%s", sp_audit_type_name(type), stage ? " (staged)" : "");
    sp_audit_entry_free(e);
    return 0;
}

static int head(void *ctx, struct sp_audit_head *h)
{
    struct sim_node *n = ctx;
    memset(h, 0, sizeof(*h));
    snprintf(h->node, sizeof(h->node), "%s", n->name);
    h->seq = n->audit_entries;
    memcpy(h->hash, &n->audit_entries, sizeof(n->audit_entries));
    return 0;
}

static void anchor(void *ctx)
{
    struct sim_node *n = ctx;
    n->anchors++;
}

static int peer_head(void *ctx, size_t peer, const struct sp_audit_head *h, char *why, size_t cap)
{
    struct sim_node *n = ctx;
    if (peer >= SIM_MAX_NODES)
        return SP_ERR_INVALID_ARG;
    unsigned from = n->peer_node[peer];
    if (strcmp(h->node, n->sim->node[from].name) != 0) {
        snprintf(why, cap, "head of %s from %s", h->node, n->sim->node[from].name);
        return SP_ERR_CRYPTO_SIGNATURE;
    }
    if (h->seq < n->head_seen[from]) {
        snprintf(why, cap, "log of %s went back from %llu to %llu", h->node,
                 (unsigned long long)n->head_seen[from], (unsigned long long)h->seq);
        return SP_ERR_AUDIT;
    }
    n->head_seen[from] = h->seq;
    return 0;
}

static void refused(void *ctx, const char *peer, int code_, const char *why)
{
    struct sim_node *n = ctx;
    n->refused++;
    sim_log(n->sim, n->id, "refused from %s: %s (%s)", peer, why ? why : "", sp_strerror(code_));
}

/* ---- lies -------------------------------------------------------------------------- */

/* A VERDICT that discloses more than the mode allows, in a way the receiver
 * can tell (README.md, "Lies"). */
static void lie_verdict(struct sim *s, unsigned to, struct sp_peer_msg *m, uint32_t *buf)
{
    unsigned me = (unsigned)s->view[0].part_of[to], n = s->view[0].n;
    uint32_t own = UINT32_C(1) << me;
    uint32_t nh = m->verdict.nholders;
    if (s->view[0].mode == SP_PROPOSAL_MODE_COUNTS || nh == 0) {
        buf[0] = own;
        nh = 1;
    } else {
        memcpy(buf, m->verdict.holders, nh * sizeof(*buf));
        if (s->view[0].mode == SP_PROPOSAL_MODE_THRESHOLD)
            buf[0] = (UINT32_C(1) << n) - 1; /* who, not only whether */
        else if (s->view[0].k >= 3)
            buf[0] = own | (UINT32_C(1) << ((me + 1) % n)); /* fewer than k holders */
        else
            buf[0] = own | (UINT32_C(1) << n); /* a holder that does not exist */
    }
    m->verdict.holders = buf;
    m->verdict.nholders = nh;
}

/* Applies the schedule's lie to a message node `from` sends `to`; returns
 * true when m was changed (and must be re-encoded). */
static bool lie(struct sim *s, struct sim_node *node, unsigned to, struct sp_peer_msg *m,
                uint32_t *buf)
{
    if (node->id != s->fault_node || node->lie_done || !s->view[0].have_id ||
        memcmp(m->round_id, s->view[0].round_id, SP_ROUND_ID_BYTES) != 0)
        return false;
    if (s->fault == SIM_FAULT_LIE_VERDICT && m->type == SP_PEER_VERDICT &&
        s->view[0].part_of[to] >= 0) {
        lie_verdict(s, to, m, buf);
        s->lied_to = to;
    } else if (s->fault == SIM_FAULT_LIE_SIZES && m->type == SP_PEER_ACCEPT &&
               m->accept.nset_sizes > 0) {
        for (uint32_t i = 0; i < m->accept.nset_sizes; i++)
            m->accept.set_sizes[i].count = m->accept.set_sizes[i].count * 3 + 7;
    } else if (s->fault == SIM_FAULT_LIE_CREDIT && m->type == SP_PEER_CREDIT) {
        m->credit.seq += 1000; /* a credit for a batch never received */
    } else {
        return false;
    }
    node->lie_done = true;
    s->fired = true;
    sim_log(s, node->id, "LIE: %s to %s changed", sp_peer_type_name(m->type), s->node[to].name);
    return true;
}

/* ---- sending ------------------------------------------------------------------------ */

static void route(struct sim *s, unsigned from, unsigned to, const uint8_t *bytes, size_t len)
{
    struct sim_delivery d[2];
    /* a link that is cut, or whose peer restarts, keeps what is sent (the
     * DEALER queues it while it reconnects) until it is back */
    bool back_later =
        s->fault == SIM_FAULT_RESTART && to == s->fault_node && s->restart_at > s->now;
    if (!s->node[from].up || (!s->node[to].up && !back_later))
        return; /* a peer that stopped for good: lost */
    uint64_t now = sim_link_cut(s, from, to) ? s->cut_to : s->now;
    if (!s->node[to].up)
        now = s->restart_at;
    int nd = sim_net_route(&s->net, from, to, now, bytes, len, d);
    if (nd < 0) {
        s->oom = true;
        return;
    }
    for (int i = 0; i < nd; i++) {
        struct sim_event ev = {.at = d[i].at,
                               .kind = SIM_EV_MSG,
                               .node = (uint8_t)to,
                               .from = (uint8_t)from,
                               .fault = d[i].fault,
                               .ptr = d[i].bytes,
                               .len = d[i].len};
        sim_push(s, &ev);
    }
}

static int send_port(void *ctx, size_t peer, const void *reply_to, const uint8_t *bytes, size_t len)
{
    struct sim_node *node = ctx;
    struct sim *s = node->sim;
    unsigned to;
    if (reply_to != NULL)
        to = ((const struct sim_reply *)reply_to)->from;
    else if (peer < SIM_MAX_NODES - 1 && peer < (size_t)s->nnodes - 1)
        to = node->peer_node[peer];
    else
        return SP_ERR_INVALID_ARG;
    s->messages++;
    /* busy: the transport's queue to that peer is full; nothing is sent */
    if (s->fault == SIM_FAULT_BUSY && node->id == s->fault_node && reply_to == NULL &&
        s->busy_left > 0 && s->node[to].up && sim_rng_chance(&s->net.rng, 100)) {
        s->busy_left--;
        s->fired = true;
        sim_log(s, node->id, "FAULT: send to %s: queue full", s->node[to].name);
        return SP_ERR_BUSY;
    }
    for (unsigned v = 0; v < s->nviews; v++)
        sim_check_message(&s->view[v], node->id, to, bytes, len);
    if (s->cs != NULL) { /* a case schedule: targeted faults, a lying partner */
        uint8_t *out = NULL;
        size_t olen = 0;
        if (sim_case_on_send(s, node->id, to, bytes, len, &out, &olen)) {
            route(s, node->id, to, out, olen);
            free(out);
            return 0;
        }
    }

    struct sp_peer_msg m;
    uint32_t buf[SP_PEER_BATCH_MAX_ELEMENTS];
    if (s->fault >= SIM_FAULT_LIE_VERDICT && s->fault <= SIM_FAULT_LIE_CREDIT &&
        sp_peer_decode(bytes, len, &m) == 0) {
        uint8_t *out = NULL;
        size_t olen = 0;
        if (lie(s, node, to, &m, buf) && sp_peer_encode_alloc(&m, &out, &olen) == 0) {
            /* a forged CREDIT comes in addition to the real one */
            if (s->fault == SIM_FAULT_LIE_CREDIT)
                route(s, node->id, to, bytes, len);
            route(s, node->id, to, out, olen);
            free(out);
            sp_peer_msg_clear(&m);
            return 0;
        }
        sp_peer_msg_clear(&m);
    }
    route(s, node->id, to, bytes, len);
    return 0;
}

static void submit_port(void *ctx, struct sp_job *job)
{
    struct sim_node *node = ctx;
    struct sim *s = node->sim;
    uint64_t at = s->now + sim_rng_below(&s->rng, 4);
    if (s->fault == SIM_FAULT_SLOW && node->id == s->fault_node) { /* a slow, busy machine */
        uint64_t from = node->slow_free_at > s->now ? node->slow_free_at : s->now;
        at = node->slow_free_at = from + sim_rng_range(&s->rng, SIM_SLOW_MIN_MS, SIM_SLOW_MAX_MS);
        s->fired = true; /* the slow node is a participant of the round */
    }
    struct sim_event ev = {.at = at,
                           .kind = SIM_EV_JOB,
                           .node = (uint8_t)node->id,
                           .gen = node->incarnation,
                           .ptr = job};
    sim_push(s, &ev);
}

static void log_port(void *ctx, int level, const char *line)
{
    struct sim_node *node = ctx;
    static const char *const lv[] = {"E", "W", "I", "D"};
    if (!sim_check_text_clean(line, strlen(line)) ||
        !sim_case_text_clean(node->sim->case_list, line, strlen(line)))
        node->sim->privacy_texts++;
    if (level == SP_ENGINE_LOG_DEBUG && !node->sim->opt->verbose)
        return;
    sim_log(node->sim, node->id, "%s %s", level >= 0 && level <= 3 ? lv[level] : "?", line);
}

static bool link_up_port(void *ctx, size_t peer, uint64_t *since_ms)
{
    struct sim_node *node = ctx;
    struct sim *s = node->sim;
    if (peer >= (size_t)s->nnodes - 1)
        return false;
    const struct sim_node *other = &s->node[node->peer_node[peer]];
    uint64_t changed =
        node->link_changed > other->link_changed ? node->link_changed : other->link_changed;
    bool cut = sim_link_cut(s, node->id, other->id);
    if (s->fault == SIM_FAULT_CUT && s->cut_from <= s->now && s->cut_from > changed &&
        ((s->cut_a == node->id && s->cut_b == other->id) ||
         (s->cut_b == node->id && s->cut_a == other->id)))
        changed = cut ? s->cut_from : s->cut_to;
    if (since_ms != NULL)
        *since_ms = SIM_MONO_T0 + changed + node->clock_offset;
    return node->up && other->up && !cut;
}

void sim_ports_init(struct sim *s, unsigned n)
{
    struct sim_node *node = &s->node[n];
    node->ports = (struct sp_engine_ports){
        .ctx = node,
        .send = send_port,
        .submit = submit_port,
        .log = log_port,
        .link_up = link_up_port,
        .gov = {.ctx = node,
                .judge = judge,
                .record = record,
                .head = head,
                .anchor = anchor,
                .peer_head = peer_head,
                .refused = refused},
    };
    /* the store, the case store too (unused while case_key_mask is 0) */
    sim_store_port(&node->store, &node->ports.store);
}
