/* Peer messages: encoding and sending (to peers, or to this node itself
 * through the self queue), and the intake of received ones: decoding,
 * attribution to a round and participant, the per-state admission rules,
 * and refusal (counted, logged without values, answered with ERROR). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/roundid.h"
#include "daemon/config.h"
#include "daemon/fed_internal.h"
#include "daemon/gov.h"
#include "daemon/log.h"

/* ---- sending ---------------------------------------------------------- */

int fed_send(struct fed_round *r, unsigned p, struct sp_peer_msg *m)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    memcpy(m->round_id, r->id, sizeof(m->round_id));
    int rc = sp_peer_encode_alloc(m, &buf, &len);
    if (rc) {
        sp_log_error("round %s: cannot encode %s: %s", r->hex, sp_peer_type_name(m->type),
                     sp_strerror(rc));
        return rc;
    }
    if (p != r->me) {
        rc = sp_peers_send(r->fed->peers, r->peer_of[p], buf, len);
        if (rc == 0)
            fed_gov_count(r, p, m, true);
        return rc;
    }
    struct fed_selfmsg *s = malloc(sizeof(*s) + len);
    if (!s) {
        free(buf);
        return SP_ERR_NOMEM;
    }
    s->next = NULL;
    s->len = len;
    memcpy(s->data, buf, len);
    free(buf);
    struct sp_fed *fed = r->fed;
    if (fed->self_tail)
        fed->self_tail->next = s;
    else
        fed->self_head = s;
    fed->self_tail = s;
    return 0;
}

void fed_send_best(struct fed_round *r, unsigned p, struct sp_peer_msg *m)
{
    int rc = fed_send(r, p, m);
    if (rc)
        sp_log_warn("round %s: cannot send %s to %s: %s", r->hex, sp_peer_type_name(m->type),
                    fed_pname(r, p), sp_strerror(rc));
}

void fed_send_peer(struct sp_fed *fed, int peer, struct sp_peer_msg *m)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = sp_peer_encode_alloc(m, &buf, &len);
    if (rc == 0)
        rc = sp_peers_send(fed->peers, peer, buf, len);
    if (rc)
        sp_log_warn("cannot send %s to %s: %s", sp_peer_type_name(m->type),
                    sp_peers_name(fed->peers, peer), sp_strerror(rc));
}

/* ---- intake ----------------------------------------------------------- */

static const char *peer_label(const struct sp_fed *fed, int peer)
{
    return peer < 0 ? fed->cfg->node : sp_peers_name(fed->peers, peer);
}

/* Counts and logs a refused message (rate-limited per peer; never a value)
 * and answers with ERROR when it came in on the listener. */
static void refuse(struct sp_fed *fed, int peer, const struct sp_peer_in *in, int type,
                   const uint8_t *round_id, int code, const char *why)
{
    struct fed_peer_stats *st = &fed->pstats[peer >= 0 ? (size_t)peer : SP_CONFIG_MAX_PEERS];
    st->refused++;
    fed->refused_total++;
    if (fed->now_ms - st->window_start_ms >= FED_LOG_WINDOW_MS) {
        if (st->logged_in_window > FED_LOG_BURST)
            sp_log_warn("peer %s: %u more refused messages not logged", peer_label(fed, peer),
                        st->logged_in_window - FED_LOG_BURST);
        st->window_start_ms = fed->now_ms;
        st->logged_in_window = 0;
    }
    if (++st->logged_in_window <= FED_LOG_BURST) {
        char hex[SP_ROUND_ID_HEX_LEN + 1] = "-";
        if (round_id)
            sp_round_id_hex(round_id, hex);
        const char *tn = sp_peer_type_name(type);
        sp_log_warn("refused message from peer %s: type %s, round %s: %s (%s); %" PRIu64
                    " refused from this peer",
                    peer_label(fed, peer), tn ? tn : "?", hex, why, sp_errname(code), st->refused);
    }
    if (fed->gov && peer >= 0) { /* recorded at most once a minute per peer (gov.h) */
        char text[SP_PROTO_TEXT_MAX + 1];
        const char *tn = sp_peer_type_name(type);
        snprintf(text, sizeof(text), "a %s message was refused: %s", tn ? tn : "malformed", why);
        sp_gov_refused(fed->gov, peer_label(fed, peer), NULL, code < 0 ? code : SP_ERR_PEER_REFUSED,
                       text);
    }
    if (!in || !in->via_router || type == SP_PEER_ERROR)
        return;
    struct sp_peer_msg m = {.type = SP_PEER_ERROR};
    if (round_id)
        memcpy(m.round_id, round_id, sizeof(m.round_id));
    m.error.code = code < 0 ? code : SP_ERR_PROTO_MALFORMED;
    snprintf(m.error.reason, sizeof(m.error.reason), "%s", why);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (sp_peer_encode_alloc(&m, &buf, &len) == 0)
        sp_peers_reply(fed->peers, in, buf, len);
}

static int participant_of(const struct fed_round *r, int peer)
{
    if (peer < 0)
        return (int)r->me;
    for (unsigned p = 0; p < r->n; p++)
        if (p != r->me && r->peer_of[p] == peer)
            return (int)p;
    return -1;
}

/* Messages that may legitimately trail a round that already ended here
 * (credits crossing the end, aborts from slower peers). */
static bool trailing_ok(int type)
{
    return type == SP_PEER_CREDIT || type == SP_PEER_ABORT || type == SP_PEER_ERROR ||
           type == SP_PEER_LOG_HEAD;
}

static bool round_known_in_store(struct sp_fed *fed, const uint8_t *id)
{
    void *blob = NULL;
    size_t len = 0;
    int rc = sp_store_round_get(fed->store, id, &blob, &len);
    free(blob);
    return rc == 0;
}

static int route(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    switch (m->type) {
    case SP_PEER_ACCEPT:
        fed_on_accept(r, from, m);
        return 0;
    case SP_PEER_REFUSE:
        fed_on_refuse(r, from, m);
        return 0;
    case SP_PEER_START:
        if (from != r->initiator)
            return SP_ERR_PEER_REFUSED;
        fed_on_start(r, from);
        return 0;
    case SP_PEER_BATCH:
        return fed_on_batch(r, from, m);
    case SP_PEER_CREDIT:
        return fed_on_credit(r, from, m);
    case SP_PEER_FINAL:
        return fed_on_final(r, from, m);
    case SP_PEER_VERDICT:
        return fed_on_verdict(r, from, m);
    case SP_PEER_COUNTS:
        return fed_on_counts(r, from, m);
    case SP_PEER_DONE:
        return fed_on_done(r, from, m);
    case SP_PEER_ABORT:
        fed_on_abort(r, from, m);
        return 0;
    case SP_PEER_ERROR:
        fed_on_error(r, from, m);
        return 0;
    case SP_PEER_LOG_HEAD:
        return fed_on_log_head(r, from, m);
    default:
        return SP_ERR_UNSUPPORTED;
    }
}

void fed_early_free(struct fed_round *r)
{
    while (r->early) {
        struct fed_early *e = r->early;
        r->early = e->next;
        free(e);
    }
    r->early_tail = NULL;
    r->nearly = 0;
}

/* A BATCH from the ring predecessor while this node still waits for START:
 * START reaches each participant over its own link from the initiator, so
 * the predecessor may have it, and send, first. Kept (bounded) instead of
 * refused, which would fail a healthy round. Returns true when kept. */
static bool keep_early(struct fed_round *r, int from, int peer, const struct sp_peer_msg *m,
                       const struct sp_peer_in *in)
{
    if (r->state != SP_ROUND_ACCEPTED || m->type != SP_PEER_BATCH || !in ||
        from != (int)sp_ring_pred(r->me, r->n) || r->nearly >= FED_EARLY_MAX)
        return false;
    struct fed_early *e = malloc(sizeof(*e) + in->len);
    if (!e)
        return false;
    e->next = NULL;
    e->peer = peer;
    e->len = in->len;
    memcpy(e->data, in->data, in->len);
    if (r->early_tail) {
        r->early_tail->next = e;
    } else {
        r->early = e;
        sp_log_info("round %s: a BATCH from %s came before START; kept until START is here", r->hex,
                    fed_pname(r, (unsigned)from));
    }
    r->early_tail = e;
    r->nearly++;
    return true;
}

static void handle_msg(struct sp_fed *fed, int peer, const struct sp_peer_msg *m,
                       const struct sp_peer_in *in);

/* After START: the BATCHes that came ahead of it, in their order. */
static void take_early(struct sp_fed *fed, struct fed_round *r)
{
    struct fed_early *e = r->early;
    r->early = r->early_tail = NULL;
    r->nearly = 0;
    while (e) {
        struct fed_early *next = e->next;
        struct sp_peer_msg m;
        if (sp_peer_decode(e->data, e->len, &m) == 0) {
            handle_msg(fed, e->peer, &m, NULL);
            sp_peer_msg_clear(&m);
        }
        free(e);
        e = next;
    }
}

static void handle_msg(struct sp_fed *fed, int peer, const struct sp_peer_msg *m,
                       const struct sp_peer_in *in)
{
    if (m->type == SP_PEER_PROPOSE) {
        if (peer < 0)
            return; /* never sent to self */
        fed_on_propose(fed, peer, m);
        return;
    }
    struct fed_round *r = fed_round_find(fed, m->round_id);
    if (!r) {
        bool finished = round_known_in_store(fed, m->round_id);
        if (finished && trailing_ok(m->type))
            return;
        if (m->type == SP_PEER_ERROR || m->type == SP_PEER_ABORT) {
            sp_log_info("peer %s: %s for a round unknown here", peer_label(fed, peer),
                        sp_peer_type_name(m->type));
            return;
        }
        refuse(fed, peer, in, m->type, m->round_id, finished ? SP_ERR_STATE : SP_ERR_ROUND_UNKNOWN,
               finished ? "the round has ended on this node" : "unknown round");
        return;
    }
    int from = participant_of(r, peer);
    if (from < 0) {
        refuse(fed, peer, in, m->type, m->round_id, SP_ERR_PEER_REFUSED,
               "the sender is not a participant of this round");
        return;
    }
    int rc = sp_round_accepts(r->state, r->roles, m->type);
    if (rc) {
        if (sp_round_state_terminal(r->state) && trailing_ok(m->type))
            return;
        if (keep_early(r, from, peer, m, in))
            return;
        char why[96];
        snprintf(why, sizeof(why), "not expected in state %s", sp_round_state_name(r->state));
        refuse(fed, peer, in, m->type, m->round_id, rc, why);
        return;
    }
    rc = route(r, (unsigned)from, m);
    if (rc)
        refuse(fed, peer, in, m->type, m->round_id, rc, sp_strerror(rc));
    else
        fed_gov_count(r, (unsigned)from, m, false);
    if (m->type == SP_PEER_START && r->early) {
        if (r->state == SP_ROUND_RUNNING)
            take_early(fed, r);
        else
            fed_early_free(r);
    }
}

void fed_on_recv(void *ctx, const struct sp_peer_in *in)
{
    struct sp_fed *fed = ctx;
    if (in->peer < 0) {
        refuse(fed, -1, in, 0, NULL, SP_ERR_PEER_UNKNOWN,
               "message on a connection without a configured peer identity");
        return;
    }
    if (in->extra_frames) {
        refuse(fed, in->peer, in, 0, NULL, SP_ERR_PROTO_MALFORMED,
               "multipart message (one frame per message)");
        return;
    }
    struct sp_peer_msg m;
    int rc = sp_peer_decode(in->data, in->len, &m);
    if (rc) {
        refuse(fed, in->peer, in, 0, NULL, rc, "undecodable message");
        return;
    }
    handle_msg(fed, in->peer, &m, in);
    sp_peer_msg_clear(&m);
}

void fed_on_link(void *ctx, int peer, bool up, uint64_t now_ms)
{
    (void)ctx;
    (void)peer;
    (void)up;
    (void)now_ms; /* rounds check link state in sp_fed_tick, after a grace */
}

/* Processes messages this node sent to itself (it counts, or initiates). */
void fed_drain_self(struct sp_fed *fed)
{
    while (fed->self_head) {
        struct fed_selfmsg *s = fed->self_head;
        fed->self_head = s->next;
        if (!fed->self_head)
            fed->self_tail = NULL;
        struct sp_peer_msg m;
        if (sp_peer_decode(s->data, s->len, &m) == 0) {
            handle_msg(fed, -1, &m, NULL);
            sp_peer_msg_clear(&m);
        }
        free(s);
    }
}
