/* A round's side of the node's governance (issue 5), through the gov port:
 * proposals judged by the node's policy, the audit entries of a round
 * (accepted or refused, participants, sizes per peer, result or failure),
 * and the signed log heads exchanged when a round ends (LOG_HEAD). Entry
 * builders in audit_events.c; see docs/audit.md. A NULL callback of the
 * port does nothing (engine.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/head.h"
#include "round/audit_events.h"
#include "round/core.h"

static uint32_t others(const struct sp_round *r)
{
    return sp_eng_all_bits(r->n) & ~(UINT32_C(1) << r->me);
}

int sp_eng_audit_judge(struct sp_engine *e, const struct sp_proposal *p, const uint8_t *bytes,
                       size_t len, const struct sp_peer_propose *pp, struct sp_engine_verdict *v,
                       char *reason, size_t cap)
{
    const struct sp_engine_gov *g = &e->ports.gov;
    memset(v, 0, sizeof *v);
    crypto_hash_sha256(v->digest, bytes, len);
    if (!g->judge)
        return 0;
    return g->judge(g->ctx, p, bytes, len, pp, sp_eng_unix_s(e), v, reason, cap);
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
    uint8_t *d = n ? malloc(n) : NULL;
    if (d)
        memcpy(d, b, n);
    return d;
}

int sp_eng_audit_bind(struct sp_round *r, const struct sp_engine_verdict *v,
                      const struct sp_peer_propose *pp)
{
    struct sp_eng_audit *a = &r->audit;
    memcpy(a->digest, v->digest, sizeof a->digest);
    a->is_signed = v->is_signed;
    if (v->is_signed)
        memcpy(a->coord_cert_fp, v->coord_cert_fp, sizeof a->coord_cert_fp);
    if (!pp || !pp->signature_len)
        return 0;
    a->sig = dup_bytes(pp->signature, pp->signature_len);
    a->cert = dup_bytes(pp->signer_cert, pp->signer_cert_len);
    if (!a->sig || (pp->signer_cert_len && !a->cert))
        return SP_ERR_NOMEM;
    a->sig_len = pp->signature_len;
    a->cert_len = pp->signer_cert_len;
    return 0;
}

/* Records e: staged when a store write of the round follows at once. */
static void record(struct sp_engine *e, struct sp_audit_entry **entry, int rc, bool stage)
{
    const struct sp_engine_gov *g = &e->ports.gov;
    if (rc) {
        sp_eng_log(e, SP_ENGINE_LOG_ERROR, "audit log: cannot build an entry: %s", sp_strerror(rc));
        return;
    }
    if (g->record(g->ctx, entry, stage) != 0)
        sp_eng_log(e, SP_ENGINE_LOG_ERROR, "audit log: an event of the round was not recorded");
    sp_audit_entry_free(entry); /* the port took it, or it is dropped */
}

void sp_eng_audit_accepted(struct sp_round *r)
{
    struct sp_audit_entry *e = NULL;
    if (!r->eng->ports.gov.record)
        return;
    int rc = sp_auditev_proposal_accepted(&r->prop, r->audit.digest,
                                          r->audit.is_signed ? r->audit.coord_cert_fp : NULL, r->me,
                                          r->initiator, &e);
    record(r->eng, &e, rc, true);
    r->audit.decision_recorded = true;
}

void sp_eng_audit_refused(struct sp_engine *eng, const uint8_t *round, const uint8_t *bytes,
                          size_t len, const struct sp_proposal *p, const char *initiator,
                          const char *peer, int code, const char *reason)
{
    struct sp_audit_entry *e = NULL;
    uint8_t digest[32];
    if (!eng->ports.gov.record)
        return;
    crypto_hash_sha256(digest, bytes, len);
    int rc = sp_auditev_proposal_refused(round, digest, p, initiator, peer, code, reason, &e);
    record(eng, &e, rc, false);
}

void sp_eng_audit_started(struct sp_round *r)
{
    struct sp_audit_entry *e = NULL;
    if (!r->eng->ports.gov.record)
        return;
    int rc = sp_auditev_round_participants(&r->prop, r->audit.digest,
                                           r->prop.participants[r->me].key_types, r->set_sizes, &e);
    record(r->eng, &e, rc, true);
}

void sp_eng_audit_result(struct sp_round *r)
{
    struct sp_audit_entry *e = NULL;
    if (!r->eng->ports.gov.record)
        return;
    struct sp_auditev_result res = {.mode = r->prop.mode,
                                    .have_records = r->prop.mode != SP_PROPOSAL_MODE_COUNTS,
                                    .records_matched = r->records_matched,
                                    .candidates = r->fin.candidates};
    memcpy(res.matched, r->matched, sizeof(res.matched));
    if ((r->roles & SP_ROUND_ROLE_INITIATOR) && r->prop.mode != SP_PROPOSAL_MODE_CASE) {
        res.have_cells = true; /* a case question has no coordinator's counts */
        res.cells = r->fin.ncounts;
        res.suppressed_below = r->eng->cfg->counts_suppress_below;
    }
    int rc = sp_auditev_round_result(r->id, &res, &e);
    record(r->eng, &e, rc, true);
}

void sp_eng_audit_failed(struct sp_round *r, int code)
{
    struct sp_audit_entry *e = NULL;
    if (!r->eng->ports.gov.record)
        return;
    const char *peer = r->fail_from >= 0 ? sp_eng_pname(r, (unsigned)r->fail_from) : NULL;
    struct sp_auditev_undecided u = {.p = r->audit.decision_recorded ? NULL : &r->prop,
                                     .digest = r->audit.digest,
                                     .initiator = sp_eng_pname(r, r->initiator)};
    int rc = sp_auditev_round_failed(r->id, peer, code, r->reason, &u, &e);
    record(r->eng, &e, rc, true);
}

void sp_eng_audit_case_answer(struct sp_round *r, unsigned p, int code, const char *reason,
                              uint64_t subjects)
{
    struct sp_audit_entry *e = NULL;
    if (!r->eng->ports.gov.record)
        return;
    int rc = sp_auditev_case_answer(r->id, sp_eng_pname(r, p), code, reason, subjects, &e);
    record(r->eng, &e, rc, true);
}

void sp_eng_audit_recovered(struct sp_engine *eng, const uint8_t id[SP_ROUND_ID_BYTES],
                            const char *reason)
{
    struct sp_audit_entry *e = NULL;
    if (!eng->ports.gov.record)
        return;
    int rc = sp_auditev_round_failed(id, NULL, SP_ERR_ROUND_FAILED, reason, NULL, &e);
    record(eng, &e, rc, true);
}

/* round_sizes for every other participant (zeros included: both sides of
 * every pair say what they exchanged, which is what the cross-check
 * compares). */
static void record_sizes(struct sp_round *r)
{
    for (unsigned p = 0; p < r->n; p++) {
        struct sp_audit_entry *e = NULL;
        if (p == r->me)
            continue;
        bool declared = (r->roles & SP_ROUND_ROLE_INITIATOR) != 0;
        int rc = sp_auditev_round_sizes(r->id, sp_eng_pname(r, p),
                                        declared ? r->audit.declared[p] : NULL, r->audit.sent[p],
                                        r->audit.received[p], &e);
        record(r->eng, &e, rc, false);
    }
}

/* The signed head over the log as it is now, to every other participant,
 * then log_head_sent naming it. */
static void send_head(struct sp_round *r)
{
    const struct sp_engine_gov *g = &r->eng->ports.gov;
    struct sp_audit_head h;
    struct sp_audit_entry *e = NULL;
    const char *peers[SP_PROTO_MAX_PARTICIPANTS];
    size_t np = 0;
    if (g->head(g->ctx, &h) != 0) {
        sp_eng_log(r->eng, SP_ENGINE_LOG_ERROR, "round %s: cannot sign the audit log head", r->hex);
        return;
    }
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_LOG_HEAD};
        snprintf(m.log_head.node, sizeof m.log_head.node, "%s", h.node);
        m.log_head.seq = h.seq;
        memcpy(m.log_head.head_hash, h.hash, sizeof m.log_head.head_hash);
        memcpy(m.log_head.signature, h.sig, sizeof m.log_head.signature);
        sp_eng_send_best(r, p, &m);
        peers[np++] = sp_eng_pname(r, p);
    }
    if (g->record) {
        int rc = sp_auditev_log_head_sent(r->id, peers, np, h.seq, h.hash, &e);
        record(r->eng, &e, rc, false);
    }
    if (g->anchor)
        g->anchor(g->ctx);
}

void sp_eng_audit_ended(struct sp_round *r)
{
    if (r->audit.ended_recorded)
        return;
    r->audit.ended_recorded = true;
    r->audit.ended_ms = r->eng->now.mono_ms;
    if (r->eng->ports.gov.record)
        record_sizes(r);
    if (r->eng->ports.gov.head)
        send_head(r);
}

int sp_eng_audit_on_log_head(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_engine_gov *g = &r->eng->ports.gov;
    const struct sp_peer_log_head *lh = &m->log_head;
    struct sp_audit_head h = {.seq = lh->seq};
    struct sp_audit_entry *e = NULL;
    char why[200] = "";
    if (from == r->me || (r->audit.heads_in & (UINT32_C(1) << from)))
        return SP_ERR_PROTO_FIELD; /* one head per peer and round */
    if (strcmp(lh->node, sp_eng_pname(r, from)) != 0)
        return SP_ERR_PEER_REFUSED;
    snprintf(h.node, sizeof h.node, "%s", lh->node);
    memcpy(h.hash, lh->head_hash, sizeof h.hash);
    memcpy(h.sig, lh->signature, sizeof h.sig);
    int rc = g->peer_head ? g->peer_head(g->ctx, r->peer_of[from], &h, why, sizeof why) : 0;
    if (rc == SP_ERR_AUDIT) {
        /* its log is shorter than when it last sent a head: the peer's store
         * was deleted or replaced. Refused and recorded, loudly. */
        sp_eng_log(r->eng, SP_ENGINE_LOG_ERROR, "round %s: %s's %s", r->hex, lh->node, why);
        if (g->refused)
            g->refused(g->ctx, lh->node, SP_ERR_AUDIT, why);
    }
    if (rc)
        return rc;
    r->audit.heads_in |= UINT32_C(1) << from;
    if (g->record) {
        rc = sp_auditev_log_head_received(r->id, lh->node, lh->seq, lh->head_hash, lh->signature,
                                          &e);
        record(r->eng, &e, rc, false);
    }
    return 0;
}

bool sp_eng_audit_heads_settled(const struct sp_round *r, uint64_t now_ms)
{
    if (!r->eng->ports.gov.head || r->audit.heads_in == others(r))
        return true;
    return r->audit.ended_recorded && now_ms - r->audit.ended_ms >= SP_ENG_HEADS_WAIT_MS;
}
