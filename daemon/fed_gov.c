/* The federation engine's side of governance (issue 5): judging proposals
 * with the node's policy, the audit entries of a round (accepted or refused,
 * participants, sizes per peer, result or failure), and the signed log
 * heads exchanged when a round ends (LOG_HEAD). See gov.h, policy.h and
 * docs/audit.md. Without governance (engine-only tests) these do nothing. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/head.h"
#include "round/audit_events.h"
#include "daemon/audit_log.h"
#include "daemon/config.h"
#include "daemon/fed_internal.h"
#include "daemon/gov.h"
#include "daemon/log.h"

static uint32_t others(const struct fed_round *r)
{
    uint32_t all = r->n >= 32 ? UINT32_MAX : (UINT32_C(1) << r->n) - 1;
    return all & ~(UINT32_C(1) << r->me);
}

int fed_gov_judge(struct sp_fed *fed, const struct sp_proposal *p, const uint8_t *bytes, size_t len,
                  const struct sp_peer_propose *pp, struct sp_policy_verdict *v, char *reason,
                  size_t cap)
{
    memset(v, 0, sizeof *v);
    crypto_hash_sha256(v->digest, bytes, len);
    v->self = sp_proposal_participant_index(p, fed->cfg->node);
    if (!fed->gov)
        return 0;
    struct sp_policy_input in = {p,
                                 bytes,
                                 len,
                                 pp ? pp->signature : NULL,
                                 pp ? pp->signature_len : 0,
                                 pp ? pp->signer_cert : NULL,
                                 pp ? pp->signer_cert_len : 0,
                                 (int64_t)time(NULL)};
    return sp_gov_judge(fed->gov, &in, v, reason, cap);
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
    uint8_t *d = n ? malloc(n) : NULL;
    if (d)
        memcpy(d, b, n);
    return d;
}

int fed_gov_bind(struct fed_round *r, const struct sp_policy_verdict *v,
                 const struct sp_peer_propose *pp)
{
    memcpy(r->digest, v->digest, sizeof r->digest);
    r->is_signed = v->is_signed;
    if (v->is_signed)
        memcpy(r->coord_cert_fp, v->coordinator.fingerprint, sizeof r->coord_cert_fp);
    if (!pp || !pp->signature_len)
        return 0;
    r->sig = dup_bytes(pp->signature, pp->signature_len);
    r->cert = dup_bytes(pp->signer_cert, pp->signer_cert_len);
    if (!r->sig || (pp->signer_cert_len && !r->cert))
        return SP_ERR_NOMEM;
    r->sig_len = pp->signature_len;
    r->cert_len = pp->signer_cert_len;
    return 0;
}

/* Records e: staged when a store write of the round follows at once. */
static void record(struct sp_fed *fed, struct sp_audit_entry **e, int rc, bool stage)
{
    if (rc) {
        sp_log_error("audit log: cannot build an entry: %s", sp_strerror(rc));
        return;
    }
    if (sp_gov_record(fed->gov, e, stage) != 0)
        sp_log_error("audit log: an event of the round was not recorded");
}

void fed_gov_accepted(struct fed_round *r)
{
    struct sp_audit_entry *e = NULL;
    if (!r->fed->gov)
        return;
    int rc = sp_auditev_proposal_accepted(
        &r->prop, r->digest, r->is_signed ? r->coord_cert_fp : NULL, r->me, r->initiator, &e);
    record(r->fed, &e, rc, true);
    r->decision_recorded = true;
}

void fed_gov_refused(struct sp_fed *fed, const uint8_t *round, const uint8_t *bytes, size_t len,
                     const struct sp_proposal *p, const char *initiator, const char *peer, int code,
                     const char *reason)
{
    struct sp_audit_entry *e = NULL;
    uint8_t digest[32];
    if (!fed->gov)
        return;
    crypto_hash_sha256(digest, bytes, len);
    int rc = sp_auditev_proposal_refused(round, digest, p, initiator, peer, code, reason, &e);
    record(fed, &e, rc, false);
}

void fed_gov_started(struct fed_round *r)
{
    struct sp_audit_entry *e = NULL;
    if (!r->fed->gov)
        return;
    int rc = sp_auditev_round_participants(&r->prop, r->digest,
                                           r->prop.participants[r->me].key_types, r->set_sizes, &e);
    record(r->fed, &e, rc, true);
}

void fed_gov_result(struct fed_round *r)
{
    struct sp_audit_entry *e = NULL;
    if (!r->fed->gov)
        return;
    struct sp_auditev_result res = {.mode = r->prop.mode,
                                    .have_records = r->prop.mode != SP_PROPOSAL_MODE_COUNTS,
                                    .records_matched = r->records_matched,
                                    .candidates = r->candidates};
    memcpy(res.matched, r->matched, sizeof(res.matched));
    if (r->roles & SP_ROUND_ROLE_INITIATOR) {
        res.have_cells = true;
        res.cells = r->ncounts;
        res.suppressed_below = r->fed->cfg->counts_suppress_below;
    }
    int rc = sp_auditev_round_result(r->id, &res, &e);
    record(r->fed, &e, rc, true);
}

void fed_gov_failed(struct fed_round *r, int code)
{
    struct sp_audit_entry *e = NULL;
    if (!r->fed->gov)
        return;
    const char *peer = r->fail_from >= 0 ? fed_pname(r, (unsigned)r->fail_from) : NULL;
    struct sp_auditev_undecided u = {.p = r->decision_recorded ? NULL : &r->prop,
                                     .digest = r->digest,
                                     .initiator = fed_pname(r, r->initiator)};
    int rc = sp_auditev_round_failed(r->id, peer, code, r->reason, &u, &e);
    record(r->fed, &e, rc, true);
}

void fed_gov_recovered(struct sp_fed *fed, const uint8_t id[SP_ROUND_ID_BYTES], const char *reason)
{
    struct sp_audit_entry *e = NULL;
    if (!fed->gov)
        return;
    int rc = sp_auditev_round_failed(id, NULL, SP_ERR_ROUND_FAILED, reason, NULL, &e);
    record(fed, &e, rc, true);
}

void fed_gov_count(struct fed_round *r, unsigned p, const struct sp_peer_msg *m, bool sent)
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
    } else if (m->type == SP_PEER_ACCEPT && !sent) {
        for (uint32_t i = 0; i < m->accept.nset_sizes; i++)
            if (m->accept.set_sizes[i].key_type < FED_NTYPES)
                r->declared[p][m->accept.set_sizes[i].key_type] = m->accept.set_sizes[i].count;
        return;
    } else {
        return;
    }
    if (kt >= FED_NTYPES)
        return;
    if (sent)
        r->sent[p][kt] += n;
    else
        r->received[p][kt] += n;
}

/* round_sizes for every other participant (zeros included: both sides of
 * every pair say what they exchanged, which is what the cross-check
 * compares). */
static void record_sizes(struct fed_round *r)
{
    for (unsigned p = 0; p < r->n; p++) {
        struct sp_audit_entry *e = NULL;
        if (p == r->me)
            continue;
        bool declared = (r->roles & SP_ROUND_ROLE_INITIATOR) != 0;
        int rc = sp_auditev_round_sizes(r->id, fed_pname(r, p), declared ? r->declared[p] : NULL,
                                        r->sent[p], r->received[p], &e);
        record(r->fed, &e, rc, false);
    }
}

/* The signed head over the log as it is now, to every other participant,
 * then log_head_sent naming it. */
static void send_head(struct fed_round *r)
{
    struct sp_audit_head h;
    struct sp_audit_entry *e = NULL;
    const char *peers[SP_PROTO_MAX_PARTICIPANTS];
    size_t np = 0;
    struct sp_audit_log *log = sp_gov_log(r->fed->gov);
    if (sp_audit_log_flush(log) != 0 || sp_audit_log_head_signed(log, &h) != 0) {
        sp_log_error("round %s: cannot sign the audit log head", r->hex);
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
        fed_send_best(r, p, &m);
        peers[np++] = fed_pname(r, p);
    }
    int rc = sp_auditev_log_head_sent(r->id, peers, np, h.seq, h.hash, &e);
    record(r->fed, &e, rc, false);
    sp_gov_anchor(r->fed->gov);
}

void fed_gov_ended(struct fed_round *r)
{
    if (r->ended_recorded)
        return;
    r->ended_recorded = true;
    r->ended_ms = r->fed->now_ms;
    if (!r->fed->gov)
        return;
    record_sizes(r);
    send_head(r);
}

int fed_on_log_head(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    const struct sp_peer_log_head *lh = &m->log_head;
    struct sp_audit_head h = {.seq = lh->seq};
    struct sp_audit_entry *e = NULL;
    if (from == r->me || (r->heads_in & (UINT32_C(1) << from)))
        return SP_ERR_PROTO_FIELD; /* one head per peer and round */
    if (strcmp(lh->node, fed_pname(r, from)) != 0)
        return SP_ERR_PEER_REFUSED;
    if (!r->fed->gov)
        return 0;
    snprintf(h.node, sizeof h.node, "%s", lh->node);
    memcpy(h.hash, lh->head_hash, sizeof h.hash);
    memcpy(h.sig, lh->signature, sizeof h.sig);
    const struct sp_config_peer *peer = &r->fed->cfg->peers[r->peer_of[from]];
    if (sp_audit_head_verify(&h, peer->sign_pk) != 0)
        return SP_ERR_CRYPTO_SIGNATURE;
    uint64_t before = 0;
    if (sp_gov_peer_head(r->fed->gov, lh->node, lh->seq, lh->head_hash, &before) != 0) {
        /* its log is shorter than when it last sent a head: the peer's store
         * was deleted or replaced. Refused and recorded, loudly. */
        char why[200];
        snprintf(why, sizeof why,
                 "audit log went backwards: head at entry %llu after entry %llu was recorded "
                 "(store deleted or replaced)",
                 (unsigned long long)lh->seq, (unsigned long long)before);
        sp_log_error("round %s: %s's %s", r->hex, lh->node, why);
        sp_gov_refused(r->fed->gov, lh->node, NULL, SP_ERR_AUDIT, why);
        return SP_ERR_AUDIT;
    }
    r->heads_in |= UINT32_C(1) << from;
    int rc =
        sp_auditev_log_head_received(r->id, lh->node, lh->seq, lh->head_hash, lh->signature, &e);
    record(r->fed, &e, rc, false);
    return 0;
}

bool fed_gov_heads_settled(const struct fed_round *r, uint64_t now_ms)
{
    if (!r->fed->gov || r->heads_in == others(r))
        return true;
    return r->ended_recorded && now_ms - r->ended_ms >= FED_HEADS_WAIT_MS;
}
