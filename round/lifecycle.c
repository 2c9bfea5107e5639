/* A round's life at this node: created from a proposal, failed (by a fault,
 * a peer, the deadline or the operator), and, at start-up, the rounds a
 * previous process left live recorded as failed. See ROUNDS.md, "Faults". */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/group.h"
#include "round/core.h"
#include "round/credit.h"
#include "round/round_meta.h"

static int map_participants(struct sp_round *r)
{
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me) {
            r->peer_of[p] = SP_ENG_PEER_SELF;
            continue;
        }
        int i = sp_eng_peer_find(r->eng, r->prop.participants[p].name);
        if (i < 0)
            return SP_ERR_PEER_UNKNOWN;
        r->peer_of[p] = (size_t)i;
    }
    return 0;
}

int sp_eng_round_create(struct sp_engine *e, const struct sp_proposal *prop, const uint8_t *bytes,
                        size_t len, unsigned initiator, int state, struct sp_round **out)
{
    int rc = SP_ERR_NOMEM;
    if (e->nrounds >= SP_ENG_MAX_ROUNDS)
        return SP_ERR_BUSY;
    int me = sp_proposal_participant_index(prop, e->cfg->node);
    if (me < 0)
        return SP_ERR_ROUND_REFUSED;
    struct sp_round *r = calloc(1, sizeof(*r));
    if (!r || !(r->prop_bytes = malloc(len)))
        goto out;
    r->eng = e;
    r->prop = *prop;
    memcpy(r->prop_bytes, bytes, len);
    r->prop_len = len;
    memcpy(r->id, prop->round_id, sizeof(r->id));
    sp_round_id_hex(r->id, r->hex);
    r->state = state;
    r->me = (unsigned)me;
    r->n = prop->nparticipants;
    r->initiator = initiator;
    r->fail_from = -1;
    /* in a case question `counter` names the asking node: nobody counts */
    bool counts = prop->mode != SP_PROPOSAL_MODE_CASE && prop->counter == r->me;
    r->roles =
        (initiator == r->me ? SP_ROUND_ROLE_INITIATOR : 0) | (counts ? SP_ROUND_ROLE_COUNTER : 0);
    r->ring.begun = prop->mode == SP_PROPOSAL_MODE_CASE; /* no ring */
    if ((rc = map_participants(r)) != 0)
        goto out;
    r->created_ms = e->now.mono_ms;
    r->deadline_ms = e->now.mono_ms + (uint64_t)prop->deadline_s * 1000u;
    r->created_wall_ms = e->now.wall_ms;
    r->created_at = sp_eng_unix_s(e);
    r->batch_size = e->cfg->batch_size ? e->cfg->batch_size : SP_PEER_BATCH_MAX_ELEMENTS;
    if (r->batch_size > SP_PEER_BATCH_MAX_ELEMENTS)
        r->batch_size = SP_PEER_BATCH_MAX_ELEMENTS;
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        sp_window_init(&r->ring.win[p], sp_eng_window(e));
    sp_window_init(&r->fin.win, sp_eng_window(e));
    r->next = e->rounds;
    e->rounds = r;
    e->nrounds++;
    *out = r;
    return 0;
out:
    if (r) {
        free(r->prop_bytes);
        free(r);
    }
    return rc;
}

void sp_eng_fail(struct sp_round *r, int code, bool send_abort, const char *fmt, ...)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    if (sp_round_state_terminal(r->state))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
    sp_eng_log(r->eng, SP_ENGINE_LOG_WARN, "round %s failed: %s", r->hex, r->reason);
    if (sp_eng_event(r, SP_ROUND_EV_FAIL) != 0)
        return;
    for (unsigned p = 0; send_abort && p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_ABORT};
        m.abort.code = code < 0 ? code : SP_ERR_ROUND_FAILED;
        snprintf(m.abort.reason, sizeof(m.abort.reason), "%s", r->reason);
        int rc = sp_eng_send_keep(r, p, &m); /* kept: offered again at ticks */
        if (rc < 0)
            sp_eng_log(r->eng, SP_ENGINE_LOG_WARN, "round %s: cannot send ABORT to %s: %s", r->hex,
                       sp_eng_pname(r, p), sp_strerror(rc));
    }
    for (struct sp_eng_job *j = r->jobs; j; j = j->rnext)
        atomic_store(&j->base.cancelled, true);
    if ((r->fin.rows_appended || r->fin.appended) && st->results_delete(st->ctx, r->id) != 0)
        sp_eng_log(r->eng, SP_ENGINE_LOG_ERROR, "round %s: cannot delete its staged results",
                   r->hex);
    sp_eng_audit_failed(r, code < 0 ? code : SP_ERR_ROUND_FAILED); /* with the failed state */
    sp_eng_persist(r);
    sp_eng_audit_ended(r);
}

/* A CREDIT that does not fit fails the round here, naming both sides
 * (round/credit.h says why this node, not the sender, fails it). */
int sp_eng_credit_refused(struct sp_round *r, unsigned from, const struct sp_peer_credit *c,
                          const char *fmt, ...)
{
    char why[256], stream[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    const char *kind = sp_peer_type_name(c->kind);
    const char *type = sp_key_type_name(c->key_type);
    if (c->origin < r->n)
        snprintf(stream, sizeof(stream), "%s's stream", sp_eng_pname(r, c->origin));
    else
        snprintf(stream, sizeof(stream), "stream %u", (unsigned)c->origin);
    sp_eng_fail(r, SP_ERR_PROTO_FIELD, true,
                "%s refused a CREDIT %s sent for a %s (%s, key type %s, seq %" PRIu32 "): %s",
                sp_eng_pname(r, r->me), sp_eng_pname(r, from), kind ? kind : "message of no kind",
                stream, type ? type : "?", c->seq, why);
    return SP_ERR_PROTO_FIELD;
}

/* ---- recovery at start-up ---------------------------------------------- */

/* Rounds that were live when the previous process stopped cannot resume
 * (their keys were never on disk): they are recorded as failed, and their
 * other participants are told at once (ABORT), so that they do not wait for
 * a heartbeat timeout or the round's deadline. The walk collects the ids;
 * the updates happen after it (no write inside a walk). */
struct recover_list {
    uint8_t (*ids)[SP_ROUND_ID_BYTES];
    size_t n, cap;
};

static int recover_collect(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob,
                           size_t len)
{
    struct recover_list *l = ctx;
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    if (!m)
        return SP_ERR_NOMEM;
    int rc = 0;
    if (sp_round_meta_decode(blob, len, m) == 0 && !sp_round_state_terminal(m->state)) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 16;
            void *p = realloc(l->ids, ncap * sizeof(*l->ids));
            if (!p) {
                rc = SP_ERR_NOMEM;
                goto out;
            }
            l->ids = p;
            l->cap = ncap;
        }
        memcpy(l->ids[l->n++], id, SP_ROUND_ID_BYTES);
    }
out:
    free(m);
    return rc;
}

/* Tells the other participants of a recovered round that this node
 * restarted during it: an ABORT waits in the peer's outgoing queue until its
 * link is up, and the peer fails the round at once instead of waiting for a
 * timeout. A peer that already ended the round ignores it. */
static void tell_participants(struct sp_engine *e, const struct sp_round_meta *m, const char *hex)
{
    struct sp_proposal *p = calloc(1, sizeof(*p));
    struct sp_peer_msg msg = {.type = SP_PEER_ABORT};
    unsigned told = 0;
    memcpy(msg.round_id, m->round_id, sizeof(msg.round_id));
    msg.abort.code = SP_ERR_ROUND_FAILED;
    snprintf(msg.abort.reason, sizeof(msg.abort.reason), "%s restarted during the round",
             e->cfg->node);
    if (p && sp_proposal_decode(m->proposal, m->proposal_len, p) == 0) {
        for (uint32_t i = 0; i < p->nparticipants; i++) {
            if (strcmp(p->participants[i].name, e->cfg->node) == 0)
                continue;
            told++;
            int peer = sp_eng_peer_find(e, p->participants[i].name);
            if (peer >= 0)
                sp_eng_send_peer(e, (size_t)peer, NULL, &msg);
        }
    }
    free(p);
    sp_eng_log(e, SP_ENGINE_LOG_INFO,
               "round %s: told its %u other participants that this node restarted", hex, told);
}

static int recover_one(struct sp_engine *e, const uint8_t id[SP_ROUND_ID_BYTES])
{
    const struct sp_engine_store *st = &e->ports.store;
    void *blob = NULL;
    size_t len = 0;
    uint8_t *buf = malloc(SP_ROUND_META_MAX_BYTES);
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    int rc = SP_ERR_NOMEM;
    sp_round_id_hex(id, hex);
    if (!buf || !m)
        goto out;
    if ((rc = st->round_get(st->ctx, id, &blob, &len)) != 0 ||
        (rc = sp_round_meta_decode(blob, len, m)) != 0)
        goto out;
    sp_eng_log(e, SP_ENGINE_LOG_WARN, "round %s: was %s when the node stopped; recorded as failed",
               hex, sp_round_state_name(m->state));
    m->state = SP_ROUND_FAILED;
    m->finished_at = sp_eng_unix_s(e);
    snprintf(m->reason, sizeof(m->reason), "the node restarted during the round");
    if ((rc = sp_round_meta_encode(m, buf, SP_ROUND_META_MAX_BYTES, &len)) != 0 ||
        (rc = st->results_delete(st->ctx, id)) != 0)
        goto out;
    sp_eng_audit_recovered(e, id, m->reason); /* written with the failed state */
    if ((rc = st->round_put(st->ctx, id, buf, len)) == 0)
        tell_participants(e, m, hex);
out:
    free(blob);
    free(buf);
    free(m);
    return rc;
}

int sp_eng_recover(struct sp_engine *e)
{
    const struct sp_engine_store *st = &e->ports.store;
    struct recover_list l = {0};
    int rc = st->rounds_foreach(st->ctx, recover_collect, &l);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = recover_one(e, l.ids[i]);
    free(l.ids);
    return rc;
}
