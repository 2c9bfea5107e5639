/*
 * The engine's ports in memory (round/engine.h): the store over sim_store,
 * a governance that accepts what the engine's own rules allow and keeps
 * its audit entries as counts, sending through the simulated network (with
 * the privacy check and, for a lying node, the lie), jobs into the event
 * queue, log lines into the ring, and the simulator's view of the links.
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
#include "sim_internal.h"

/* ---- the store ------------------------------------------------------------------- */

struct walk {
    struct sim_walk w;
};

static int keys_open(void *ctx, uint32_t mask, void **out)
{
    struct sim_node *n = ctx;
    struct walk *w = malloc(sizeof(*w));
    if (w == NULL)
        return SP_ERR_NOMEM;
    sim_walk_open(&w->w, &n->store, mask);
    *out = w;
    return 0;
}

static int keys_next(void *walk, struct sp_keyref *ref)
{
    struct walk *w = walk;
    const struct sim_key *k = sim_walk_next(&w->w);
    if (k == NULL)
        return SP_ERR_NOT_FOUND;
    *ref = (struct sp_keyref){.type = k->type,
                              .klass = k->klass,
                              .value_len = k->len,
                              .value = k->value,
                              .dataset = k->dataset,
                              .record_id = k->record_id};
    return 0;
}

static void keys_close(void *walk)
{
    free(walk);
}

static int keys_distinct(void *ctx, uint32_t mask, uint64_t counts[SP_KEY_TYPE_COUNT])
{
    struct sim_node *n = ctx;
    uint64_t c[17];
    sim_data_distinct(n->store.data, mask, c);
    for (int t = 0; t < SP_KEY_TYPE_COUNT; t++)
        counts[t] = t < 17 ? c[t] : 0;
    return 0;
}

/* sim_store's codes as SP_ERR_*: 1 (frozen: the write is lost with the
 * node) is success for the engine. */
static int code(int rc)
{
    return rc == -1 ? SP_ERR_NOMEM : rc == -2 ? SP_ERR_STATE : 0;
}

static int round_put(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len)
{
    struct sim_node *n = ctx;
    return code(sim_store_round_put(&n->store, id, blob, len));
}

static int round_get(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], void **blob, size_t *len)
{
    struct sim_node *n = ctx;
    const struct sim_blob *b = sim_store_round_get(&n->store, id);
    if (b == NULL)
        return SP_ERR_NOT_FOUND;
    void *p = malloc(b->len ? b->len : 1);
    if (p == NULL)
        return SP_ERR_NOMEM;
    memcpy(p, b->p, b->len);
    *blob = p;
    *len = b->len;
    return 0;
}

static int rounds_foreach(void *ctx,
                          int (*fn)(void *fctx, const uint8_t id[SP_ROUND_ID_BYTES],
                                    const void *blob, size_t len),
                          void *fctx)
{
    struct sim_node *n = ctx;
    for (size_t i = 0; i < n->store.nrounds; i++) {
        int rc = fn(fctx, n->store.rounds[i].id, n->store.rounds[i].p, n->store.rounds[i].len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Copies rows into sim rows (names longer than the simulator's are an
 * engine error: it only has the simulator's names). */
static int to_rows(const struct sp_result_row *rows, size_t n, struct sim_row **out)
{
    struct sim_row *r = calloc(n ? n : 1, sizeof(*r));
    if (r == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].dataset == NULL || rows[i].record_id == NULL || rows[i].partner == NULL ||
            strlen(rows[i].dataset) >= sizeof(r[i].dataset) ||
            strlen(rows[i].record_id) >= sizeof(r[i].record_id) ||
            strlen(rows[i].partner) >= sizeof(r[i].partner)) {
            free(r);
            return SP_ERR_INVALID_ARG;
        }
        strcpy(r[i].dataset, rows[i].dataset);
        strcpy(r[i].record_id, rows[i].record_id);
        strcpy(r[i].partner, rows[i].partner);
        r[i].key_types = rows[i].key_types;
        r[i].klass = rows[i].klass;
    }
    *out = r;
    return 0;
}

static int results_append(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                          const struct sp_result_row *rows, size_t n)
{
    struct sim_node *node = ctx;
    struct sim_row *r;
    int rc = to_rows(rows, n, &r);
    if (rc == 0) {
        rc = code(sim_store_results_append(&node->store, id, r, n));
        free(r);
    }
    return rc;
}

static int results_commit(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                          const struct sp_result_row *rows, size_t n,
                          const struct sp_count_entry *counts, size_t ncounts, const void *blob,
                          size_t len)
{
    struct sim_node *node = ctx;
    struct sim_row *r;
    struct sim_count *c = calloc(ncounts ? ncounts : 1, sizeof(*c));
    int rc = c == NULL ? SP_ERR_NOMEM : to_rows(rows, n, &r);
    if (rc == 0) {
        for (size_t i = 0; i < ncounts; i++)
            c[i] = (struct sim_count){counts[i].key_type, counts[i].holders, counts[i].count};
        rc = code(sim_store_results_commit(&node->store, id, r, n, c, ncounts, blob, len));
        free(r);
    }
    free(c);
    return rc;
}

static int results_delete(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES])
{
    struct sim_node *n = ctx;
    return code(sim_store_results_delete(&n->store, id));
}

static int run_put(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                   uint8_t key_type, uint32_t seq, const void *run, size_t len)
{
    struct sim_node *n = ctx;
    return code(sim_store_run_put(&n->store, id, participant, key_type, seq, run, len));
}

static int runs_read_begin(void *ctx, void **reader)
{
    struct sim_node *n = ctx;
    *reader = &n->store;
    return 0;
}

static int run_get(void *reader, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                   uint8_t key_type, uint32_t seq, const void **run, size_t *len)
{
    const struct sim_blob *b = sim_store_run_get(reader, id, participant, key_type, seq);
    if (b == NULL)
        return SP_ERR_NOT_FOUND;
    *run = b->p;
    *len = b->len;
    return 0;
}

static void runs_read_end(void *reader)
{
    (void)reader;
}

static int runs_delete(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], size_t budget, bool *more)
{
    struct sim_node *n = ctx;
    return code(sim_store_runs_delete(&n->store, id, budget, more));
}

static int runs_clear(void *ctx)
{
    struct sim_node *n = ctx;
    if (n->store.frozen)
        return 0;
    for (size_t i = 0; i < n->store.nruns; i++)
        free(n->store.runs[i].p);
    n->store.nruns = 0;
    return 0;
}

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
    struct sim_event ev = {.at = s->now + sim_rng_below(&s->rng, 4),
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
    if (!sim_check_text_clean(line, strlen(line)))
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
        .store = {.ctx = node,
                  .keys_open = keys_open,
                  .keys_next = keys_next,
                  .keys_close = keys_close,
                  .keys_distinct = keys_distinct,
                  .round_put = round_put,
                  .round_get = round_get,
                  .rounds_foreach = rounds_foreach,
                  .results_append = results_append,
                  .results_commit = results_commit,
                  .results_delete = results_delete,
                  .run_put = run_put,
                  .runs_read_begin = runs_read_begin,
                  .run_get = run_get,
                  .runs_read_end = runs_read_end,
                  .runs_delete = runs_delete,
                  .runs_clear = runs_clear},
        .gov = {.ctx = node,
                .judge = judge,
                .record = record,
                .head = head,
                .anchor = anchor,
                .peer_head = peer_head,
                .refused = refused},
    };
}
