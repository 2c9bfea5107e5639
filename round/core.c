/* The engine's services for every phase: the round table, the round
 * record, state events, sending (to peers through the send port, to this
 * node itself through the self-delivery queue), jobs, log lines. Calls no
 * phase. See core.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/group.h"
#include "round/core.h"
#include "round/round_meta.h"

void sp_eng_log(const struct sp_engine *e, int level, const char *fmt, ...)
{
    char line[2 * SP_PROTO_TEXT_MAX];
    va_list ap;
    if (!e->ports.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    e->ports.log(e->ports.ctx, level, line);
}

int sp_eng_peer_find(const struct sp_engine *e, const char *name)
{
    for (size_t i = 0; i < e->cfg->npeers; i++)
        if (strcmp(e->cfg->peers[i], name) == 0)
            return (int)i;
    return -1;
}

int sp_eng_ctl_error(struct sp_ctl_reply *reply, uint8_t op, int rc, const char *fmt, ...)
{
    char msg[SP_PROTO_TEXT_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sp_ctl_reply_set_error(reply, op, rc, msg);
    return rc;
}

/* ---- rounds ------------------------------------------------------------ */

struct sp_round *sp_eng_round_find(struct sp_engine *e, const uint8_t id[SP_ROUND_ID_BYTES])
{
    for (struct sp_round *r = e->rounds; r; r = r->next)
        if (memcmp(r->id, id, SP_ROUND_ID_BYTES) == 0)
            return r;
    return NULL;
}

int sp_eng_event(struct sp_round *r, int event)
{
    int next;
    int rc = sp_round_transition(r->state, event, &next);
    if (rc) {
        sp_eng_log(r->eng, SP_ENGINE_LOG_ERROR, "round %s: event %d not allowed in state %s",
                   r->hex, event, sp_round_state_name(r->state));
        return rc;
    }
    sp_eng_log(r->eng, SP_ENGINE_LOG_INFO, "round %s: %s -> %s", r->hex,
               sp_round_state_name(r->state), sp_round_state_name(next));
    r->state = next;
    if (sp_round_state_terminal(next))
        r->finished_at = sp_eng_unix_s(r->eng);
    return 0;
}

int sp_eng_meta(const struct sp_round *r, int state, uint8_t **blob, size_t *len)
{
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    uint8_t *buf = malloc(SP_ROUND_META_MAX_BYTES);
    int rc = SP_ERR_NOMEM;
    if (!m || !buf)
        goto out;
    memcpy(m->round_id, r->id, sizeof(m->round_id));
    m->state = (uint8_t)state;
    m->self_index = (uint8_t)r->me;
    m->initiator = (r->roles & SP_ROUND_ROLE_INITIATOR) ? 1 : 0;
    m->created_at = r->created_at;
    m->created_ms = r->created_wall_ms;
    m->started_at = r->started_at;
    m->finished_at = sp_round_state_terminal(state)
                         ? (r->finished_at ? r->finished_at : sp_eng_unix_s(r->eng))
                         : 0;
    m->records_matched = r->records_matched;
    memcpy(m->matched, r->matched, sizeof(m->matched));
    m->values_sent = r->values_sent;
    m->values_received = r->values_received;
    m->rows = r->rows;
    memcpy(m->set_sizes, r->set_sizes, sizeof(m->set_sizes));
    snprintf(m->reason, sizeof(m->reason), "%s", r->reason);
    m->proposal_len = (uint32_t)r->prop_len;
    memcpy(m->proposal, r->prop_bytes, r->prop_len);
    if ((rc = sp_round_meta_encode(m, buf, SP_ROUND_META_MAX_BYTES, len)) != 0)
        goto out;
    *blob = buf;
    buf = NULL;
out:
    free(buf);
    free(m);
    return rc;
}

void sp_eng_persist(struct sp_round *r)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc = sp_eng_meta(r, r->state, &blob, &len);
    if (rc == 0)
        rc = st->round_put(st->ctx, r->id, blob, len);
    if (rc)
        sp_eng_log(r->eng, SP_ENGINE_LOG_ERROR, "round %s: cannot record its state: %s", r->hex,
                   sp_strerror(rc));
    free(blob);
}

/* ---- sending ----------------------------------------------------------- */

void sp_eng_count_elems(struct sp_round *r, unsigned p, const struct sp_peer_msg *m, bool sent)
{
    unsigned kt;
    uint32_t n;
    if (p == r->me || p >= r->n)
        return;
    if (m->type == SP_PEER_BATCH) {
        kt = m->batch.key_type;
        n = m->batch.nelements;
    } else if (m->type == SP_PEER_FINAL) {
        kt = m->final.key_type;
        n = m->final.nelements;
    } else if (m->type == SP_PEER_CASE_ASK || m->type == SP_PEER_CASE_ANSWER) {
        /* a question's values per key type, both ways (the audit's sizes) */
        const struct sp_peer_case_group *g =
            m->type == SP_PEER_CASE_ASK ? m->case_ask.groups : m->case_answer.groups;
        uint32_t ng = m->type == SP_PEER_CASE_ASK ? m->case_ask.ngroups : m->case_answer.ngroups;
        for (uint32_t i = 0; i < ng; i++) {
            if (g[i].key_type >= SP_ENG_NTYPES)
                continue;
            if (sent)
                r->audit.sent[p][g[i].key_type] += g[i].nelements;
            else
                r->audit.received[p][g[i].key_type] += g[i].nelements;
        }
        return;
    } else if (m->type == SP_PEER_VERDICT) {
        r->live.verdicts++; /* liveness.c: progress of the counting phase */
        return;
    } else if (m->type == SP_PEER_ACCEPT && !sent) {
        for (uint32_t i = 0; i < m->accept.nset_sizes; i++)
            if (m->accept.set_sizes[i].key_type < SP_ENG_NTYPES)
                r->audit.declared[p][m->accept.set_sizes[i].key_type] =
                    m->accept.set_sizes[i].count;
        return;
    } else {
        return;
    }
    if (kt >= SP_ENG_NTYPES)
        return;
    if (sent)
        r->audit.sent[p][kt] += n;
    else
        r->audit.received[p][kt] += n;
}

int sp_eng_send(struct sp_round *r, unsigned p, struct sp_peer_msg *m)
{
    struct sp_engine *e = r->eng;
    uint8_t *buf = NULL;
    size_t len = 0;
    memcpy(m->round_id, r->id, sizeof(m->round_id));
    int rc = sp_peer_encode_alloc(m, &buf, &len);
    if (rc) {
        sp_eng_log(e, SP_ENGINE_LOG_ERROR, "round %s: cannot encode %s: %s", r->hex,
                   sp_peer_type_name(m->type), sp_strerror(rc));
        return rc;
    }
    if (p != r->me) {
        rc = e->ports.send(e->ports.ctx, r->peer_of[p], NULL, buf, len);
        free(buf);
        if (rc == 0)
            sp_eng_count_elems(r, p, m, true);
        return rc;
    }
    struct sp_eng_selfmsg *s = malloc(sizeof(*s));
    if (!s) {
        free(buf);
        return SP_ERR_NOMEM;
    }
    *s = (struct sp_eng_selfmsg){.len = len, .data = buf};
    if (e->self_tail)
        e->self_tail->next = s;
    else
        e->self_head = s;
    e->self_tail = s;
    return 0;
}

void sp_eng_send_best(struct sp_round *r, unsigned p, struct sp_peer_msg *m)
{
    int rc = sp_eng_send(r, p, m);
    if (rc)
        sp_eng_log(r->eng, SP_ENGINE_LOG_WARN, "round %s: cannot send %s to %s: %s", r->hex,
                   sp_peer_type_name(m->type), sp_eng_pname(r, p), sp_strerror(rc));
}

static void resend_drop(struct sp_eng_resend *k)
{
    free(k->buf);
    *k = (struct sp_eng_resend){0};
}

int sp_eng_send_keep(struct sp_round *r, unsigned p, struct sp_peer_msg *m)
{
    struct sp_engine *e = r->eng;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (p == r->me || p >= r->n)
        return sp_eng_send(r, p, m); /* to itself: the self queue */
    struct sp_eng_resend *k = &r->resend[p];
    if (k->buf && m->type != SP_PEER_ABORT)
        return sp_eng_send(r, p, m); /* one waits already (not reached: see callers) */
    resend_drop(k);                  /* an ABORT replaces what waits: the round failed */
    memcpy(m->round_id, r->id, sizeof(m->round_id));
    int rc = sp_peer_encode_alloc(m, &buf, &len);
    if (rc) {
        sp_eng_log(e, SP_ENGINE_LOG_ERROR, "round %s: cannot encode %s: %s", r->hex,
                   sp_peer_type_name(m->type), sp_strerror(rc));
        return rc;
    }
    rc = e->ports.send(e->ports.ctx, r->peer_of[p], NULL, buf, len);
    if (rc == 0) {
        free(buf);
        sp_eng_count_elems(r, p, m, true);
        return 0;
    }
    uint64_t now = e->now.mono_ms, until = r->deadline_ms;
    if (m->type == SP_PEER_ABORT && until < now + SP_ENG_LINK_GRACE_MS)
        until = now + SP_ENG_LINK_GRACE_MS; /* a round may fail at its deadline */
    *k = (struct sp_eng_resend){.buf = buf,
                                .len = len,
                                .type = m->type,
                                .rc = rc,
                                .tries = 1,
                                .wait_ms = SP_ENG_RESEND_FIRST_MS,
                                .next_ms = now + SP_ENG_RESEND_FIRST_MS,
                                .until_ms = until};
    sp_eng_log(e, SP_ENGINE_LOG_WARN,
               "round %s: the transport did not take %s to %s (%s); offering it again for up "
               "to %" PRIu64 " s",
               r->hex, sp_peer_type_name(m->type), sp_eng_pname(r, p), sp_strerror(rc),
               (until - now + 999) / 1000);
    return SP_ENG_KEPT;
}

void sp_eng_resend_free(struct sp_round *r)
{
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        resend_drop(&r->resend[p]);
}

bool sp_eng_resend_pending(const struct sp_round *r)
{
    for (unsigned p = 0; p < r->n && p < SP_PROTO_MAX_PARTICIPANTS; p++)
        if (r->resend[p].buf)
            return true;
    return false;
}

int sp_eng_resend_step(struct sp_round *r)
{
    struct sp_engine *e = r->eng;
    uint64_t now = e->now.mono_ms;
    int left = 0;
    for (unsigned p = 0; p < r->n && p < SP_PROTO_MAX_PARTICIPANTS; p++) {
        struct sp_eng_resend *k = &r->resend[p];
        if (!k->buf)
            continue;
        bool stale = k->type != SP_PEER_ABORT && r->state == SP_ROUND_FAILED;
        if (stale || now >= k->until_ms) {
            sp_eng_log(e, SP_ENGINE_LOG_WARN,
                       "round %s: gave up sending %s to %s after %" PRIu32 " tries (%s): %s",
                       r->hex, sp_peer_type_name(k->type), sp_eng_pname(r, p), k->tries,
                       sp_strerror(k->rc), stale ? "the round failed" : "its time is over");
            resend_drop(k);
            continue;
        }
        if (now < k->next_ms)
            continue;
        k->tries++;
        k->rc = e->ports.send(e->ports.ctx, r->peer_of[p], NULL, k->buf, k->len);
        if (k->rc != 0) {
            k->wait_ms =
                k->wait_ms >= SP_ENG_RESEND_MAX_MS / 2 ? SP_ENG_RESEND_MAX_MS : 2 * k->wait_ms;
            k->next_ms = now + k->wait_ms;
            continue;
        }
        sp_eng_log(e, SP_ENGINE_LOG_INFO, "round %s: %s to %s sent at try %" PRIu32, r->hex,
                   sp_peer_type_name(k->type), sp_eng_pname(r, p), k->tries);
        if (k->type == SP_PEER_ACCEPT)
            left = SP_PEER_ACCEPT;
        resend_drop(k);
    }
    return left;
}

long sp_eng_resend_next_ms(const struct sp_round *r, uint64_t now_ms)
{
    long best = -1;
    for (unsigned p = 0; p < r->n && p < SP_PROTO_MAX_PARTICIPANTS; p++) {
        const struct sp_eng_resend *k = &r->resend[p];
        if (!k->buf)
            continue;
        uint64_t at = k->next_ms < k->until_ms ? k->next_ms : k->until_ms;
        long t = at <= now_ms ? 0 : (long)(at - now_ms);
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

void sp_eng_send_peer(struct sp_engine *e, size_t peer, const void *reply_to,
                      const struct sp_peer_msg *m)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = sp_peer_encode_alloc(m, &buf, &len);
    if (rc == 0)
        rc = e->ports.send(e->ports.ctx, peer, reply_to, buf, len);
    free(buf);
    if (rc)
        sp_eng_log(e, SP_ENGINE_LOG_WARN, "cannot send %s to %s: %s", sp_peer_type_name(m->type),
                   peer < e->cfg->npeers ? e->cfg->peers[peer] : "?", sp_strerror(rc));
}

void sp_eng_send_refuse(struct sp_engine *e, size_t peer, const uint8_t *id, int code,
                        const char *reason)
{
    struct sp_peer_msg m = {.type = SP_PEER_REFUSE};
    memcpy(m.round_id, id, sizeof(m.round_id));
    sp_peer_reason_set(&m.refuse, code, reason);
    sp_eng_send_peer(e, peer, NULL, &m);
}

int sp_eng_proposal_open(const struct sp_peer_propose *pp, const uint8_t id[SP_ROUND_ID_BYTES],
                         struct sp_proposal *prop, bool *decoded, char *reason, size_t cap)
{
    int rc = sp_proposal_decode(pp->proposal, pp->proposal_len, prop);
    *decoded = false;
    if (rc) {
        snprintf(reason, cap, "the proposal cannot be decoded: %s", sp_strerror(rc));
        return rc;
    }
    if (memcmp(prop->round_id, id, SP_ROUND_ID_BYTES) != 0) {
        snprintf(reason, cap, "the message's round id differs from the proposal's");
        return SP_ERR_PROTO_FIELD;
    }
    *decoded = true;
    return 0;
}

static bool is_peer(void *ctx, const char *name)
{
    return sp_eng_peer_find(ctx, name) >= 0;
}

int sp_eng_judge_membership(struct sp_engine *e, size_t peer, const struct sp_proposal *p,
                            char *reason, size_t cap)
{
    struct sp_round_judge_ctx jc = {.self = e->cfg->node,
                                    .sender = e->cfg->peers[peer],
                                    .is_peer = is_peer,
                                    .ctx = e,
                                    .now_unix = sp_eng_unix_s(e)};
    int rc = sp_round_judge(p, &jc, reason, cap);
    if (rc)
        return rc;
    uint32_t longest = sp_round_longest_deadline(p, e->cfg->round_deadline_s);
    if (p->deadline_s > longest) {
        snprintf(reason, cap,
                 "the round deadline %" PRIu32 " s exceeds the longest this node accepts for "
                 "it (%" PRIu32 " s: round_deadline %" PRIu32 " s, or what its size calls for)",
                 p->deadline_s, longest, e->cfg->round_deadline_s);
        return SP_ERR_POLICY;
    }
    return 0;
}

/* ---- jobs -------------------------------------------------------------- */

struct sp_eng_job *sp_eng_job_new(struct sp_round *r, int kind)
{
    struct sp_eng_job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->round = r;
    j->kind = kind;
    j->key = r->key;
    return j;
}

bool sp_eng_round_id_seen(struct sp_engine *e, const uint8_t id[SP_ROUND_ID_BYTES])
{
    void *blob = NULL;
    size_t len = 0;
    if (sp_eng_round_find(e, id))
        return true;
    int rc = e->ports.store.round_get(e->ports.store.ctx, id, &blob, &len);
    free(blob);
    return rc != SP_ERR_NOT_FOUND; /* a store error counts as seen: refuse */
}

void sp_eng_job_free(struct sp_eng_job *j)
{
    if (!j)
        return;
    if (j->leader) { /* a part: its buffers are the leader's */
        free(j);
        return;
    }
    if (j->vals) {
        sodium_memzero(j->vals, j->vals_cap);
        free(j->vals);
    }
    free(j->offs);
    free(j->elems);
    free(j->subjects);
    sp_round_agg_free(&j->agg);
    if (j->cfree)
        j->cfree(j->cdata);
    free(j);
}

void sp_eng_job_submit(struct sp_round *r, struct sp_eng_job *job)
{
    struct sp_engine *e = r->eng;
    job->rnext = r->jobs;
    r->jobs = job;
    r->njobs++;
    e->ports.submit(e->ports.ctx, &job->base);
}

int sp_eng_job_submit_parts(struct sp_round *r, struct sp_eng_job *lead)
{
    uint32_t nparts = (lead->n + SP_ENG_PART_ELEMS - 1) / SP_ENG_PART_ELEMS;
    if (nparts < 1)
        nparts = 1;
    struct sp_eng_job *parts[SP_PEER_BATCH_MAX_ELEMENTS / SP_ENG_PART_ELEMS + 1];
    uint32_t per = (lead->n + nparts - 1) / nparts;
    parts[0] = lead;
    for (uint32_t i = 1; i < nparts; i++) {
        struct sp_eng_job *j = sp_eng_job_new(r, lead->kind);
        if (!j) {
            while (i-- > 1)
                sp_eng_job_free(parts[i]);
            return SP_ERR_NOMEM;
        }
        j->base.run = lead->base.run;
        j->leader = lead;
        j->key_type = lead->key_type;
        j->elems = lead->elems; /* borrowed: the leader frees them */
        j->vals = lead->vals;
        j->offs = lead->offs;
        parts[i] = j;
    }
    lead->parts_left = nparts;
    for (uint32_t i = 0; i < nparts; i++) {
        parts[i]->part_off = i * per;
        parts[i]->part_n =
            i * per >= lead->n ? 0 : (lead->n - i * per < per ? lead->n - i * per : per);
        sp_eng_job_submit(r, parts[i]);
    }
    return 0;
}
