/* Setting a round up: ROUND_START, PROPOSE, ACCEPT/REFUSE, START, and the
 * ways a round is stopped from outside (ABORT, ERROR). See ROUNDS.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "round/core.h"

/* Records a refusal of this node (terminal) and tells the initiator. */
static void refuse_round(struct sp_round *r, int code, const char *reason)
{
    snprintf(r->reason, sizeof(r->reason), "%s", reason);
    sp_eng_warn(r->eng, "round %s: refused: %s", r->hex, reason);
    r->state = SP_ROUND_REFUSED;
    r->finished_at = sp_eng_unix_s(r->eng);
    struct sp_peer_msg m = {.type = SP_PEER_REFUSE};
    m.refuse.code = code;
    snprintf(m.refuse.reason, sizeof(m.refuse.reason), "%s", reason);
    int rc = sp_eng_send_keep(r, r->initiator, &m); /* kept: offered again at ticks */
    if (rc < 0)
        sp_eng_warn(r->eng, "round %s: cannot send REFUSE to %s: %s", r->hex,
                    sp_eng_pname(r, r->initiator), sp_strerror(rc));
    const char *by = sp_eng_pname(r, r->initiator);
    sp_eng_audit_refused(r->eng, r->id, r->prop_bytes, r->prop_len, &r->prop, by, by, code, reason);
    sp_eng_persist(r);
    sp_eng_audit_ended(r);
}

static void scan_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    const struct sp_engine_store *st = &j->round->eng->ports.store;
    j->rc = st->keys_distinct(st->ctx, j->key_mask, j->counts);
}

static int start_scan(struct sp_round *r)
{
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_SCAN);
    if (!j)
        return SP_ERR_NOMEM;
    j->base.run = scan_run;
    j->key_mask = r->prop.participants[r->me].key_types;
    sp_eng_job_submit(r, j);
    return 0;
}

/* Checks own set sizes against the proposal's and this node's caps.
 * Returns 0 or SP_ERR_ROUND_REFUSED with reason set. */
static int check_sizes(const struct sp_round *r, const uint64_t counts[SP_ENG_NTYPES], char *reason,
                       size_t cap)
{
    uint64_t local = r->eng->cfg->max_set_size;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (counts[t] > r->prop.max_set_size) {
            snprintf(reason, cap,
                     "node %s holds %" PRIu64 " distinct %s values, above the proposal's "
                     "max_set_size %" PRIu64,
                     r->eng->cfg->node, counts[t], sp_key_type_name(t), r->prop.max_set_size);
            return SP_ERR_ROUND_REFUSED;
        }
        if (local && counts[t] > local) {
            snprintf(reason, cap,
                     "node %s holds %" PRIu64 " distinct %s values, above its own max_set_size "
                     "%" PRIu64,
                     r->eng->cfg->node, counts[t], sp_key_type_name(t), local);
            return SP_ERR_POLICY;
        }
    }
    return 0;
}

static void maybe_start(struct sp_round *r)
{
    if (r->state != SP_ROUND_PROPOSED || !r->setup.scanned ||
        r->setup.accepted != sp_eng_all_bits(r->n))
        return;
    if (sp_eng_event(r, SP_ROUND_EV_ALL_ACCEPTED) != 0)
        return;
    r->started_at = sp_eng_unix_s(r->eng);
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_START};
        if (sp_eng_send(r, p, &m) != 0) {
            sp_eng_fail(r, SP_ERR_IO, true, "cannot send START to %s", sp_eng_pname(r, p));
            return;
        }
    }
    sp_eng_audit_started(r);
    sp_eng_persist(r); /* blinding begins in engine.c's advance */
}

void sp_eng_setup_job_done(struct sp_round *r, struct sp_eng_job *j)
{
    char reason[SP_ENG_REASON_MAX + 1];
    if (j->rc) {
        snprintf(reason, sizeof(reason), "cannot count own values: %s", sp_strerror(j->rc));
        if (r->roles & SP_ROUND_ROLE_INITIATOR)
            sp_eng_fail(r, j->rc, true, "%s", reason);
        else
            refuse_round(r, j->rc, reason);
        return;
    }
    memcpy(r->set_sizes, j->counts, sizeof(r->set_sizes));
    r->setup.scanned = true;
    int rc = check_sizes(r, j->counts, reason, sizeof(reason));
    if (r->roles & SP_ROUND_ROLE_INITIATOR) {
        if (rc) {
            sp_eng_fail(r, rc, true, "%s", reason);
            return;
        }
        r->setup.accepted |= UINT32_C(1) << r->me;
        sp_eng_audit_accepted(r);
        sp_eng_persist(r);
        maybe_start(r);
        return;
    }
    if (rc) {
        refuse_round(r, rc, reason);
        return;
    }
    struct sp_peer_msg m = {.type = SP_PEER_ACCEPT};
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(r->prop.participants[r->me].key_types & SP_KEY_MASK(t)))
            continue;
        m.accept.set_sizes[m.accept.nset_sizes].key_type = (uint8_t)t;
        m.accept.set_sizes[m.accept.nset_sizes].count = j->counts[t];
        m.accept.nset_sizes++;
    }
    rc = sp_eng_send_keep(r, r->initiator, &m);
    if (rc < 0) { /* not the transport: offering it again would not help */
        sp_eng_fail(r, rc, true, "cannot send ACCEPT: %s", sp_strerror(rc));
        return;
    }
    if (rc == 0)
        sp_eng_setup_accept_left(r);
    /* SP_ENG_KEPT: engine.c's tick offers it again; until it leaves, a START
     * is ignored (the initiator cannot have seen it) */
}

void sp_eng_setup_accept_left(struct sp_round *r)
{
    r->setup.accept_sent = true;
    sp_eng_info(r->eng, "round %s: accepted the proposal of %s (case %s)", r->hex,
                sp_eng_pname(r, r->initiator), r->prop.case_ref);
    sp_eng_audit_accepted(r);
    sp_eng_persist(r);
}

/* ---- initiator -------------------------------------------------------- */

int sp_eng_setup_check(struct sp_engine *e, const struct sp_proposal *p, uint8_t op,
                       struct sp_ctl_reply *reply)
{
    if (sp_proposal_validate(p) != 0)
        return sp_eng_ctl_error(
            reply, op, SP_ERR_INVALID_ARG,
            "the round request breaks the protocol's limits (participants 2..32, "
            "unique names, k between 1 and the number of participants, "
            "non-empty case, purpose and legal basis)");
    if (sp_proposal_participant_index(p, e->cfg->node) < 0)
        return sp_eng_ctl_error(reply, op, SP_ERR_INVALID_ARG,
                                "this node (%s) must be one of the participants", e->cfg->node);
    for (uint32_t i = 0; i < p->nparticipants; i++) {
        const char *name = p->participants[i].name;
        if (strcmp(name, e->cfg->node) != 0 && sp_eng_peer_find(e, name) < 0)
            return sp_eng_ctl_error(reply, op, SP_ERR_PEER_UNKNOWN,
                                    "participant %s is not a configured peer of this node", name);
    }
    if (p->expires_at <= p->created_at)
        return sp_eng_ctl_error(reply, op, SP_ERR_INVALID_ARG,
                                "the proposal's expiry is in the past");
    uint32_t longest = sp_round_longest_deadline(p, e->cfg->round_deadline_s);
    if (p->deadline_s > longest)
        return sp_eng_ctl_error(reply, op, SP_ERR_POLICY,
                                "the round deadline %" PRIu32
                                " s exceeds the longest this node accepts for it (%" PRIu32
                                " s: round_deadline %" PRIu32 " s, or what its size calls for)",
                                p->deadline_s, longest, e->cfg->round_deadline_s);
    return 0;
}

/* The initiator's side of a proposal that passed sp_eng_setup_check: judged as
 * every participant judges it (a refusal is recorded and answered), then
 * recorded and sent to every other participant, signature and certificate
 * included (pp NULL: unsigned). */
static int propose_round(struct sp_engine *e, const struct sp_proposal *prop, const uint8_t *bytes,
                         size_t len, const struct sp_peer_propose *pp, struct sp_ctl_reply *reply)
{
    char reason[SP_ENG_REASON_MAX + 1] = "";
    struct sp_engine_verdict v;
    struct sp_round *r = NULL;
    int rc = 0;
    if (sp_eng_round_id_seen(e, prop->round_id)) {
        rc = SP_ERR_PROPOSAL_REPLAY;
        snprintf(reason, sizeof(reason), "round id already seen (a replayed proposal)");
    } else {
        rc = sp_eng_audit_judge(e, prop, bytes, len, pp, &v, reason, sizeof(reason));
    }
    if (rc) {
        char hex[SP_ROUND_ID_HEX_LEN + 1];
        sp_round_id_hex(prop->round_id, hex);
        sp_eng_warn(e, "round %s: refused to propose it: %s", hex, reason);
        sp_eng_audit_refused(e, prop->round_id, bytes, len, prop, e->cfg->node, NULL, rc, reason);
        return sp_eng_ctl_error(reply, SP_CTL_ROUND_START, rc, "%s", reason);
    }
    unsigned me = (unsigned)sp_proposal_participant_index(prop, e->cfg->node);
    if ((rc = sp_eng_round_create(e, prop, bytes, len, me, SP_ROUND_PROPOSED, &r)) != 0)
        return sp_eng_ctl_error(reply, SP_CTL_ROUND_START, rc, "cannot create the round: %s",
                                sp_strerror(rc));
    if ((rc = sp_eng_audit_bind(r, &v, pp)) != 0) {
        sp_eng_fail(r, rc, false, "out of memory");
        return sp_eng_ctl_error(reply, SP_CTL_ROUND_START, rc, "out of memory");
    }
    r->created_at = prop->created_at;
    sp_eng_persist(r);
    sp_eng_info(e, "round %s: proposed (case %s, %u participants, mode %u, k %u, counter %s%s)",
                r->hex, prop->case_ref, r->n, prop->mode, prop->min_holders,
                sp_eng_pname(r, prop->counter), r->audit.is_signed ? ", signed" : ", unsigned");
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_PROPOSE};
        m.propose = (struct sp_peer_propose){
            bytes, len, r->audit.sig, r->audit.sig_len, r->audit.cert, r->audit.cert_len};
        if (sp_eng_send(r, p, &m) != 0)
            sp_eng_fail(r, SP_ERR_IO, true, "cannot send the proposal to %s", sp_eng_pname(r, p));
    }
    if (!sp_round_state_terminal(r->state) && (rc = start_scan(r)) != 0)
        sp_eng_fail(r, rc, true, "cannot count own values");
    memcpy(reply->round_id, r->id, sizeof(reply->round_id));
    return 0;
}

int sp_eng_setup_start(struct sp_engine *e, const struct sp_proposal *req,
                       struct sp_ctl_reply *reply)
{
    struct sp_proposal prop = *req;
    uint8_t *bytes = malloc(SP_PROPOSAL_MAX_BYTES);
    size_t len = 0;
    int rc;
    if (!bytes)
        return sp_eng_ctl_error(reply, SP_CTL_ROUND_START, SP_ERR_NOMEM, "out of memory");
    randombytes_buf(prop.round_id, sizeof(prop.round_id));
    prop.created_at = sp_eng_unix_s(e);
    if ((rc = sp_eng_setup_check(e, &prop, SP_CTL_ROUND_START, reply)) != 0)
        goto out;
    if ((rc = sp_proposal_encode(&prop, bytes, SP_PROPOSAL_MAX_BYTES, &len)) != 0) {
        sp_eng_ctl_error(reply, SP_CTL_ROUND_START, rc, "cannot encode the proposal");
        goto out;
    }
    rc = propose_round(e, &prop, bytes, len, NULL, reply);
out:
    free(bytes);
    return rc;
}

int sp_eng_setup_submit(struct sp_engine *e, const struct sp_peer_propose *req,
                        struct sp_ctl_reply *reply)
{
    struct sp_proposal *prop = malloc(sizeof(*prop));
    int rc = prop ? sp_proposal_decode(req->proposal, req->proposal_len, prop) : SP_ERR_NOMEM;
    if (rc) {
        free(prop);
        return sp_eng_ctl_error(reply, SP_CTL_ROUND_START, rc, "the proposal cannot be decoded: %s",
                                sp_strerror(rc));
    }
    if (prop->mode == SP_PROPOSAL_MODE_CASE)
        rc = sp_eng_ctl_error(reply, SP_CTL_ROUND_START, SP_ERR_INVALID_ARG,
                              "a case question goes with its case list (`snijpunt case ask`), "
                              "not as a round");
    else if ((rc = sp_eng_setup_check(e, prop, SP_CTL_ROUND_START, reply)) != 0)
        sp_eng_audit_refused(e, prop->round_id, req->proposal, req->proposal_len, prop,
                             e->cfg->node, NULL, rc, reply->message);
    else
        rc = propose_round(e, prop, req->proposal, req->proposal_len, req, reply);
    free(prop);
    return rc;
}

static void on_accept(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from == r->me)
        return;
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->accept.nset_sizes; i++)
        total += m->accept.set_sizes[i].count;
    sp_eng_info(r->eng, "round %s: %s accepted (%" PRIu64 " values announced)", r->hex,
                sp_eng_pname(r, from), total);
    r->setup.accepted |= UINT32_C(1) << from;
    maybe_start(r);
}

static void on_refuse(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    r->fail_from = (int)from;
    sp_eng_fail(r, SP_ERR_ROUND_REFUSED, true, "refused by %s: %s", sp_eng_pname(r, from),
                m->refuse.reason);
}

static void on_start(struct sp_round *r)
{
    if (!r->setup.accept_sent)
        return; /* the initiator cannot have seen our ACCEPT: ignore */
    if (sp_eng_event(r, SP_ROUND_EV_START) != 0)
        return;
    r->started_at = sp_eng_unix_s(r->eng);
    sp_eng_audit_started(r);
    sp_eng_persist(r); /* blinding begins in engine.c's advance */
}

static void on_abort(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    r->fail_from = (int)from;
    sp_eng_fail(r, m->abort.code, false, "aborted by %s: %s", sp_eng_pname(r, from),
                m->abort.reason);
}

static void on_error(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    r->fail_from = (int)from;
    sp_eng_fail(r, m->error.code, true, "%s refused a message of this node: %s",
                sp_eng_pname(r, from), m->error.reason);
}

int sp_eng_setup_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    switch (m->type) {
    case SP_PEER_ACCEPT:
        on_accept(r, from, m);
        return 0;
    case SP_PEER_REFUSE:
        on_refuse(r, from, m);
        return 0;
    case SP_PEER_START:
        if (from != r->initiator)
            return SP_ERR_PEER_REFUSED;
        on_start(r);
        return 0;
    case SP_PEER_ABORT:
        on_abort(r, from, m);
        return 0;
    case SP_PEER_ERROR:
        on_error(r, from, m);
        return 0;
    default:
        return SP_ERR_UNSUPPORTED;
    }
}

/* ---- participant ------------------------------------------------------ */

/* Judges a PROPOSE; returns 0 with *prop and *v filled, or a refusal code
 * with reason set (*decoded says whether *prop holds the proposal). */
static int judge(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m,
                 struct sp_proposal *prop, struct sp_engine_verdict *v, bool *decoded, char *reason,
                 size_t cap)
{
    int rc = sp_eng_proposal_open(&m->propose, m->round_id, prop, decoded, reason, cap);
    if (rc)
        return rc;
    if (prop->mode == SP_PROPOSAL_MODE_CASE) {
        snprintf(reason, cap, "a case question comes as CASE_ASK, not as PROPOSE");
        return SP_ERR_PROTO_FIELD;
    }
    /* the coordinator's signature, expiry and this node's policy first */
    rc = sp_eng_audit_judge(e, prop, m->propose.proposal, m->propose.proposal_len, &m->propose, v,
                            reason, cap);
    if (rc)
        return rc;
    return sp_eng_judge_membership(e, peer, prop, reason, cap);
}

void sp_eng_setup_on_propose(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m)
{
    char reason[SP_ENG_REASON_MAX + 1] = "";
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(m->round_id, hex);
    const char *sender = e->cfg->peers[peer];
    if (sp_eng_round_id_seen(e, m->round_id)) {
        /* Never overwrite what the store holds for that id. */
        static const char replay[] = "round id already seen (a replayed proposal)";
        sp_eng_warn(e, "round %s: refused a PROPOSE from %s: round id already seen (replay)", hex,
                    sender);
        sp_eng_send_refuse(e, peer, m->round_id, SP_ERR_PROPOSAL_REPLAY, replay);
        sp_eng_audit_refused(e, m->round_id, m->propose.proposal, m->propose.proposal_len, NULL,
                             sender, sender, SP_ERR_PROPOSAL_REPLAY, replay);
        return;
    }
    struct sp_proposal *prop = calloc(1, sizeof(*prop));
    struct sp_engine_verdict v;
    bool decoded = false;
    if (!prop)
        return;
    int rc = judge(e, peer, m, prop, &v, &decoded, reason, sizeof(reason));
    struct sp_round *r = NULL;
    /* A decoded proposal from a participant is recorded even when refused,
     * so that a replay of it is caught. */
    int from = decoded ? sp_proposal_participant_index(prop, sender) : -1;
    if (from >= 0) {
        int crc = sp_eng_round_create(e, prop, m->propose.proposal, m->propose.proposal_len,
                                      (unsigned)from, SP_ROUND_ACCEPTED, &r);
        if (crc && rc == 0) {
            rc = crc;
            snprintf(reason, sizeof(reason), "cannot take part: %s", sp_strerror(crc));
        }
        if (!crc && rc == 0 && (crc = sp_eng_audit_bind(r, &v, NULL)) != 0) {
            rc = crc;
            snprintf(reason, sizeof(reason), "cannot take part: %s", sp_strerror(crc));
        }
    }
    if (rc) {
        if (r)
            refuse_round(r, rc, reason); /* recorded, so a replay is caught */
        else {
            sp_eng_warn(e, "round %s: refused a PROPOSE from %s: %s", hex, sender, reason);
            sp_eng_send_refuse(e, peer, m->round_id, rc, reason);
            sp_eng_audit_refused(e, m->round_id, m->propose.proposal, m->propose.proposal_len,
                                 decoded ? prop : NULL, sender, sender, rc, reason);
        }
    } else {
        sp_eng_persist(r);
        if ((rc = start_scan(r)) != 0)
            refuse_round(r, rc, "cannot count own values");
    }
    free(prop);
}
