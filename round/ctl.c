/* Control requests about rounds: ROUNDS (list and status) and
 * ROUND_CANCEL here, ROUND_START and ROUND_SUBMIT in setup.c. STATUS,
 * RESULTS and COUNTS are the daemon's (daemon/control.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "round/core.h"
#include "round/round_meta.h"

/* ROUND_INFO's fields that come from the proposal. */
static void info_from_proposal(const struct sp_proposal *p, struct sp_ctl_round_info *out)
{
    out->mode = p->mode;
    out->nparticipants = p->nparticipants;
    for (uint32_t i = 0; i < p->nparticipants; i++)
        snprintf(out->participants[i], sizeof(out->participants[i]), "%s", p->participants[i].name);
    snprintf(out->case_ref, sizeof(out->case_ref), "%s", p->case_ref);
    out->min_holders = p->min_holders;
    out->retention_days = p->retention_days;
}

/* ROUND_INFO from a meta blob's fields (and its proposal). */
static int info_from_meta(const struct sp_round_meta *m, struct sp_ctl_round_info *out)
{
    struct sp_proposal *p = calloc(1, sizeof(*p));
    if (!p)
        return SP_ERR_NOMEM;
    memset(out, 0, sizeof(*out));
    memcpy(out->round_id, m->round_id, sizeof(out->round_id));
    snprintf(out->state, sizeof(out->state), "%s", sp_round_state_name(m->state));
    if (sp_proposal_decode(m->proposal, m->proposal_len, p) == 0)
        info_from_proposal(p, out);
    out->started_at = m->started_at;
    out->finished_at = m->finished_at;
    out->created_at = m->created_at;
    out->initiator = m->initiator != 0;
    snprintf(out->reason, sizeof(out->reason), "%s", m->reason);
    out->records_matched = m->records_matched;
    memcpy(out->matched, m->matched, sizeof(out->matched));
    snprintf(out->phase, sizeof(out->phase), "%s", out->state);
    free(p);
    return 0;
}

static void info_from_round(struct sp_round *r, struct sp_ctl_round_info *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->round_id, r->id, sizeof(out->round_id));
    snprintf(out->state, sizeof(out->state), "%s", sp_round_state_name(r->state));
    info_from_proposal(&r->prop, out);
    out->started_at = r->started_at;
    out->finished_at = r->finished_at;
    out->created_at = r->created_at;
    out->initiator = (r->roles & SP_ROUND_ROLE_INITIATOR) != 0;
    snprintf(out->reason, sizeof(out->reason), "%s", r->reason);
    out->records_matched = r->records_matched;
    memcpy(out->matched, r->matched, sizeof(out->matched));
    snprintf(out->phase, sizeof(out->phase), "%s",
             sp_eng_progress(r, r->eng->now.mono_ms, &out->phase_done, &out->phase_total,
                             &out->phase_elapsed_ms, &out->phase_rate));
}

/* Loads a round's meta from the store; SP_ERR_NOT_FOUND when absent. */
static int load_meta(struct sp_engine *e, const uint8_t *id, struct sp_round_meta *m)
{
    void *blob = NULL;
    size_t len = 0;
    int rc = e->ports.store.round_get(e->ports.store.ctx, id, &blob, &len);
    if (rc == 0)
        rc = sp_round_meta_decode(blob, len, m);
    free(blob);
    return rc;
}

struct list_ctx {
    struct sp_ctl_round_info *infos;
    uint64_t *created;
    size_t n, cap;
    struct sp_round_meta *m;
};

static int list_one(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len)
{
    struct list_ctx *l = ctx;
    (void)id;
    if (sp_round_meta_decode(blob, len, l->m) != 0)
        return 0; /* not ours to judge; skip */
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        void *a = realloc(l->infos, ncap * sizeof(*l->infos));
        if (!a)
            return SP_ERR_NOMEM;
        l->infos = a;
        void *b = realloc(l->created, ncap * sizeof(*l->created));
        if (!b)
            return SP_ERR_NOMEM;
        l->created = b;
        l->cap = ncap;
    }
    l->created[l->n] = l->m->created_ms ? l->m->created_ms : l->m->created_at * 1000u;
    return info_from_meta(l->m, &l->infos[l->n++]);
}

/* Orders rounds oldest first, keeping at most SP_CTL_MAX_ROUNDS newest. */
static void order_rounds(struct list_ctx *l)
{
    for (size_t i = 1; i < l->n; i++) { /* insertion sort: lists are short */
        struct sp_ctl_round_info t = l->infos[i];
        uint64_t c = l->created[i];
        size_t j = i;
        for (; j > 0 && l->created[j - 1] > c; j--) {
            l->infos[j] = l->infos[j - 1];
            l->created[j] = l->created[j - 1];
        }
        l->infos[j] = t;
        l->created[j] = c;
    }
    if (l->n > SP_CTL_MAX_ROUNDS) {
        memmove(l->infos, l->infos + (l->n - SP_CTL_MAX_ROUNDS),
                SP_CTL_MAX_ROUNDS * sizeof(*l->infos));
        l->n = SP_CTL_MAX_ROUNDS;
    }
}

static int list_all(struct sp_engine *e, struct sp_ctl_reply *reply)
{
    struct list_ctx l = {.m = calloc(1, sizeof(struct sp_round_meta))};
    const struct sp_engine_store *st = &e->ports.store;
    int rc = l.m ? st->rounds_foreach(st->ctx, list_one, &l) : SP_ERR_NOMEM;
    if (rc == 0) {
        for (size_t i = 0; i < l.n; i++) { /* live rounds: the fresher view */
            struct sp_round *r = sp_eng_round_find(e, l.infos[i].round_id);
            if (r)
                info_from_round(r, &l.infos[i]);
        }
        order_rounds(&l);
    }
    free(l.m);
    free(l.created);
    if (rc) {
        free(l.infos);
        return sp_eng_ctl_error(reply, SP_CTL_ROUNDS, rc, "cannot list rounds: %s",
                                sp_strerror(rc));
    }
    free(e->ctl_rounds);
    e->ctl_rounds = l.infos;
    reply->rounds.rounds = l.infos;
    reply->rounds.nrounds = (uint32_t)l.n;
    return 0;
}

static int ctl_rounds(struct sp_engine *e, const struct sp_ctl_rounds_req *req,
                      struct sp_ctl_reply *reply)
{
    if (req->all)
        return list_all(e, reply);
    struct sp_ctl_round_info *info = calloc(1, sizeof(*info));
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    int rc = info && m ? 0 : SP_ERR_NOMEM;
    struct sp_round *r = sp_eng_round_find(e, req->round_id);
    if (rc == 0 && r)
        info_from_round(r, info);
    else if (rc == 0 && (rc = load_meta(e, req->round_id, m)) == 0)
        rc = info_from_meta(m, info);
    free(m);
    if (rc) {
        char hex[SP_ROUND_ID_HEX_LEN + 1];
        sp_round_id_hex(req->round_id, hex);
        free(info);
        return sp_eng_ctl_error(reply, SP_CTL_ROUNDS,
                                rc == SP_ERR_NOT_FOUND ? SP_ERR_ROUND_UNKNOWN : rc,
                                "no round %s on node %s", hex, e->cfg->node);
    }
    free(e->ctl_rounds);
    e->ctl_rounds = info;
    reply->rounds.rounds = info;
    reply->rounds.nrounds = 1;
    return 0;
}

static int ctl_cancel(struct sp_engine *e, const struct sp_ctl_round_ref *req,
                      struct sp_ctl_reply *reply)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(req->round_id, hex);
    struct sp_round *r = sp_eng_round_find(e, req->round_id);
    if (r && !sp_round_state_terminal(r->state)) {
        sp_eng_fail(r, SP_ERR_ROUND_FAILED, true, "cancelled by the operator of %s", e->cfg->node);
        return 0;
    }
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    int rc = m ? load_meta(e, req->round_id, m) : SP_ERR_NOMEM;
    if (rc == 0)
        rc =
            sp_eng_ctl_error(reply, SP_CTL_ROUND_CANCEL, SP_ERR_STATE,
                             "round %s has already ended (%s)", hex, sp_round_state_name(m->state));
    else
        rc = sp_eng_ctl_error(reply, SP_CTL_ROUND_CANCEL,
                              rc == SP_ERR_NOT_FOUND ? SP_ERR_ROUND_UNKNOWN : rc,
                              "no round %s on node %s", hex, e->cfg->node);
    free(m);
    return rc;
}

/* CASE_STATUS: this node's own epoch and its copies of partners' filters;
 * CASE_EPOCH: the same after beginning a new epoch when asked to. */
static int ctl_case_status(struct sp_engine *e, const struct sp_ctl_request *req,
                           struct sp_ctl_reply *reply)
{
    char why[SP_ENG_REASON_MAX + 1] = "";
    if (req->op == SP_CTL_CASE_EPOCH && req->case_epoch.rotate) {
        int rc = sp_eng_case_own_rotate(e, why, sizeof(why));
        if (rc)
            return sp_eng_ctl_error(reply, req->op, rc, "%s", why[0] ? why : sp_strerror(rc));
    }
    sp_eng_case_own_status(e, &reply->case_status.own);
    if (req->op == SP_CTL_CASE_STATUS)
        sp_eng_case_filters_status(e, &reply->case_status.filters, &reply->case_status.nfilters);
    return 0;
}

int sp_eng_ctl(struct sp_engine *e, const struct sp_ctl_request *req, struct sp_ctl_reply *reply)
{
    switch (req->op) {
    case SP_CTL_ROUND_START:
        return sp_eng_setup_start(e, &req->round_start, reply);
    case SP_CTL_ROUND_SUBMIT:
        return sp_eng_setup_submit(e, &req->round_submit, reply);
    case SP_CTL_ROUNDS:
        return ctl_rounds(e, &req->rounds, reply);
    case SP_CTL_ROUND_CANCEL:
        return ctl_cancel(e, &req->round_cancel, reply);
    case SP_CTL_CASE_ASK:
        return sp_eng_case_ask_ctl(e, &req->case_ask, reply);
    case SP_CTL_CASE_STATUS:
    case SP_CTL_CASE_EPOCH:
        return ctl_case_status(e, req, reply);
    default:
        return sp_eng_ctl_error(reply, req->op, SP_ERR_UNSUPPORTED, "not a round request");
    }
}
