/* The intake of received peer messages: decoding, attribution to a round
 * and participant, the per-state admission rules, the BATCHes that come
 * before START, routing to the phase a message belongs to, and refusal
 * (counted, logged rate-limited and without values, answered with ERROR).
 * See ROUNDS.md, "Faults". */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "round/core.h"
#include "round/credit.h"

static const char *peer_label(const struct sp_engine *e, size_t peer)
{
    if (peer < e->cfg->npeers)
        return e->cfg->peers[peer];
    return peer == SP_ENG_PEER_SELF ? e->cfg->node : "(unknown)";
}

/* Counts and logs a refused message (rate-limited per peer; never a value)
 * and answers with ERROR when it came in on a connection that can take a
 * reply (reply_to). */
static void refuse(struct sp_engine *e, size_t peer, const void *reply_to, int type,
                   const uint8_t *round_id, int code, const char *why)
{
    const struct sp_engine_gov *g = &e->ports.gov;
    struct sp_eng_peer_stats *st =
        &e->pstats[peer < e->cfg->npeers && peer < SP_ENG_PEER_STATS - 1 ? peer
                                                                         : SP_ENG_PEER_STATS - 1];
    const char *tn = sp_peer_type_name(type);
    st->refused++;
    e->refused_total++;
    if (e->now.mono_ms - st->window_start_ms >= SP_ENG_LOG_WINDOW_MS) {
        if (st->logged_in_window > SP_ENG_LOG_BURST)
            sp_eng_warn(e, "peer %s: %u more refused messages not logged", peer_label(e, peer),
                        st->logged_in_window - SP_ENG_LOG_BURST);
        st->window_start_ms = e->now.mono_ms;
        st->logged_in_window = 0;
    }
    if (++st->logged_in_window <= SP_ENG_LOG_BURST) {
        char hex[SP_ROUND_ID_HEX_LEN + 1] = "-";
        if (round_id)
            sp_round_id_hex(round_id, hex);
        sp_eng_warn(e,
                    "refused message from peer %s: type %s, round %s: %s (%s); %" PRIu64
                    " refused from this peer",
                    peer_label(e, peer), tn ? tn : "?", hex, why, sp_errname(code), st->refused);
    }
    if (g->refused && peer < e->cfg->npeers) { /* the port rate-limits what it records */
        char text[SP_PROTO_TEXT_MAX + 1];
        snprintf(text, sizeof(text), "a %s message was refused: %s", tn ? tn : "malformed", why);
        g->refused(g->ctx, peer_label(e, peer), code < 0 ? code : SP_ERR_PEER_REFUSED, text);
    }
    if (!reply_to || type == SP_PEER_ERROR)
        return;
    struct sp_peer_msg m = {.type = SP_PEER_ERROR};
    if (round_id)
        memcpy(m.round_id, round_id, sizeof(m.round_id));
    m.error.code = code < 0 ? code : SP_ERR_PROTO_MALFORMED;
    snprintf(m.error.reason, sizeof(m.error.reason), "%s", why);
    sp_eng_send_peer(e, peer, reply_to, &m);
}

static int participant_of(const struct sp_round *r, size_t peer)
{
    if (peer == SP_ENG_PEER_SELF)
        return (int)r->me;
    for (unsigned p = 0; p < r->n; p++)
        if (p != r->me && r->peer_of[p] == peer)
            return (int)p;
    return -1;
}

/* Messages that may legitimately trail a round that already ended here
 * (credits crossing the end, aborts from slower peers, the heartbeats of
 * participants still at work: a node does not know when another is done). */
static bool trailing_ok(int type)
{
    return type == SP_PEER_CREDIT || type == SP_PEER_ABORT || type == SP_PEER_ERROR ||
           type == SP_PEER_LOG_HEAD || type == SP_PEER_PROGRESS;
}

static bool round_known_in_store(struct sp_engine *e, const uint8_t *id)
{
    void *blob = NULL;
    size_t len = 0;
    int rc = e->ports.store.round_get(e->ports.store.ctx, id, &blob, &len);
    free(blob);
    return rc == 0;
}

/* The phase a message belongs to. */
static int route(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    switch (m->type) {
    case SP_PEER_ACCEPT:
    case SP_PEER_REFUSE:
    case SP_PEER_START:
    case SP_PEER_ABORT:
    case SP_PEER_ERROR:
        return sp_eng_setup_on_msg(r, from, m);
    case SP_PEER_BATCH:
        return sp_eng_ring_on_msg(r, from, m);
    case SP_PEER_FINAL:
        return sp_eng_count_on_msg(r, from, m);
    case SP_PEER_VERDICT:
    case SP_PEER_COUNTS:
    case SP_PEER_DONE:
        return sp_eng_final_on_msg(r, from, m);
    case SP_PEER_CREDIT: /* by what it acknowledges */
        if (m->credit.kind == SP_PEER_BATCH)
            return sp_eng_ring_on_msg(r, from, m);
        if (m->credit.kind == SP_PEER_FINAL)
            return sp_eng_final_on_msg(r, from, m);
        if (m->credit.kind == SP_PEER_VERDICT)
            return sp_eng_count_on_msg(r, from, m);
        return sp_eng_credit_refused(r, from, &m->credit,
                                     "a CREDIT acknowledges a BATCH, FINAL "
                                     "or VERDICT only");
    case SP_PEER_LOG_HEAD: {
        int rc = sp_eng_audit_on_log_head(r, from, m);
        if (rc == 0)
            sp_eng_live_ended(r, from); /* a head is sent once the round ended there */
        return rc;
    }
    case SP_PEER_PROGRESS:
        sp_eng_live_on_progress(r, from, &m->progress);
        return 0;
    default:
        return SP_ERR_UNSUPPORTED;
    }
}

static void free_early(struct sp_round *r)
{
    while (r->early.head) {
        struct sp_eng_early_msg *m = r->early.head;
        r->early.head = m->next;
        free(m);
    }
    r->early.tail = NULL;
    r->early.n = 0;
}

/* A message of a started round while this node still waits for START:
 * START reaches each participant over its own link from the initiator, so
 * others may have it, and send, first: the ring predecessor its BATCHes,
 * and -- at the counting node -- any participant its FINALs (a node with
 * no values to blind sends them at once). Kept (bounded) instead of
 * refused, which would fail a healthy round. Returns true when kept. */
static bool keep_early(struct sp_round *r, int from, size_t peer, const struct sp_peer_msg *m,
                       const uint8_t *bytes, size_t len)
{
    bool early = (m->type == SP_PEER_BATCH && from == (int)sp_ring_pred(r->me, r->n)) ||
                 (m->type == SP_PEER_FINAL && (r->roles & SP_ROUND_ROLE_COUNTER));
    if (r->state != SP_ROUND_ACCEPTED || !early || !bytes || r->early.n >= SP_ENG_EARLY_MAX)
        return false;
    struct sp_eng_early_msg *k = malloc(sizeof(*k) + len);
    if (!k)
        return false;
    k->next = NULL;
    k->peer = peer;
    k->len = len;
    memcpy(k->data, bytes, len);
    if (r->early.tail) {
        r->early.tail->next = k;
    } else {
        r->early.head = k;
        sp_eng_info(r->eng, "round %s: a %s from %s came before START; kept until START is here",
                    r->hex, sp_peer_type_name(m->type), sp_eng_pname(r, (unsigned)from));
    }
    r->early.tail = k;
    r->early.n++;
    return true;
}

/* bytes: the message as received (kept when it came early), NULL when it
 * is taken in from the early queue. */
static void handle(struct sp_engine *e, size_t peer, const void *reply_to,
                   const struct sp_peer_msg *m, const uint8_t *bytes, size_t len)
{
    if (m->type == SP_PEER_PROPOSE || m->type == SP_PEER_CASE_ASK) {
        if (peer >= e->cfg->npeers) /* never sent to self */
            return;
        if (m->type == SP_PEER_PROPOSE)
            sp_eng_setup_on_propose(e, peer, m);
        else
            sp_eng_case_answer_on_ask(e, peer, m);
        return;
    }
    /* filters travel outside rounds (their round id is a request id) */
    bool for_filters = m->type == SP_PEER_FILTER_REQ || m->type == SP_PEER_FILTER ||
                       ((m->type == SP_PEER_REFUSE || m->type == SP_PEER_ERROR) &&
                        sp_eng_case_filters_owns(e, peer, m->round_id));
    if (for_filters) {
        int frc = sp_eng_case_filters_on_msg(e, peer, m);
        if (frc)
            refuse(e, peer, reply_to, m->type, m->round_id, frc, sp_strerror(frc));
        return;
    }
    struct sp_round *r = sp_eng_round_find(e, m->round_id);
    if (!r) {
        bool finished = round_known_in_store(e, m->round_id);
        if (finished && trailing_ok(m->type))
            return;
        if (m->type == SP_PEER_PROGRESS) /* a heartbeat is never answered */
            return;
        if (m->type == SP_PEER_ERROR || m->type == SP_PEER_ABORT) {
            sp_eng_info(e, "peer %s: %s for a round unknown here", peer_label(e, peer),
                        sp_peer_type_name(m->type));
            return;
        }
        refuse(e, peer, reply_to, m->type, m->round_id,
               finished ? SP_ERR_STATE : SP_ERR_ROUND_UNKNOWN,
               finished ? "the round has ended on this node" : "unknown round");
        return;
    }
    int from = participant_of(r, peer);
    if (from < 0) {
        refuse(e, peer, reply_to, m->type, m->round_id, SP_ERR_PEER_REFUSED,
               "the sender is not a participant of this round");
        return;
    }
    if (sp_eng_is_case(r)) { /* its own admission (case.c) */
        int crc = sp_eng_case_on_msg(r, (unsigned)from, m);
        if (crc && !(sp_round_state_terminal(r->state) && trailing_ok(m->type)))
            refuse(e, peer, reply_to, m->type, m->round_id, crc, sp_strerror(crc));
        else if (!crc)
            sp_eng_count_elems(r, (unsigned)from, m, false);
        return;
    }
    int rc = sp_round_accepts(r->state, r->roles, m->type);
    if (rc) {
        if (sp_round_state_terminal(r->state) && trailing_ok(m->type))
            return;
        if (keep_early(r, from, peer, m, bytes, len))
            return;
        char why[96];
        snprintf(why, sizeof(why), "not expected in state %s", sp_round_state_name(r->state));
        refuse(e, peer, reply_to, m->type, m->round_id, rc, why);
        return;
    }
    rc = route(r, (unsigned)from, m);
    /* a message that failed the round here (a CREDIT that does not fit,
     * credit.h) is refused without an ERROR: the ABORT tells its sender */
    bool told = m->type == SP_PEER_CREDIT && sp_round_state_terminal(r->state);
    if (rc)
        refuse(e, peer, told ? NULL : reply_to, m->type, m->round_id, rc,
               told ? r->reason : sp_strerror(rc));
    else
        sp_eng_count_elems(r, (unsigned)from, m, false);
}

void sp_eng_intake_drop_early(struct sp_round *r)
{
    free_early(r);
}

void sp_eng_intake_early(struct sp_round *r)
{
    if (sp_round_state_terminal(r->state)) {
        free_early(r);
        return;
    }
    if (!sp_round_state_started(r->state))
        return;
    struct sp_eng_early_msg *k = r->early.head;
    r->early.head = r->early.tail = NULL;
    r->early.n = 0;
    while (k) {
        struct sp_eng_early_msg *next = k->next;
        struct sp_peer_msg m;
        if (sp_peer_decode(k->data, k->len, &m) == 0) {
            handle(r->eng, k->peer, NULL, &m, NULL, 0);
            sp_peer_msg_clear(&m);
        }
        free(k);
        k = next;
    }
}

void sp_eng_intake_multipart(struct sp_engine *e, size_t peer, const void *reply_to)
{
    if (peer >= e->cfg->npeers)
        refuse(e, SP_ENGINE_PEER_UNKNOWN, reply_to, 0, NULL, SP_ERR_PEER_UNKNOWN,
               "message on a connection without a configured peer identity");
    else
        refuse(e, peer, reply_to, 0, NULL, SP_ERR_PROTO_MALFORMED,
               "multipart message (one frame per message)");
}

void sp_eng_intake(struct sp_engine *e, size_t peer, const void *reply_to, const uint8_t *bytes,
                   size_t len)
{
    if (peer >= e->cfg->npeers && peer != SP_ENG_PEER_SELF) {
        refuse(e, SP_ENGINE_PEER_UNKNOWN, reply_to, 0, NULL, SP_ERR_PEER_UNKNOWN,
               "message on a connection without a configured peer identity");
        return;
    }
    struct sp_peer_msg m;
    int rc = sp_peer_decode(bytes, len, &m);
    if (rc) {
        refuse(e, peer, reply_to, 0, NULL, rc, "undecodable message");
        return;
    }
    handle(e, peer, reply_to, &m, peer == SP_ENG_PEER_SELF ? NULL : bytes, len);
    sp_peer_msg_clear(&m);
}
