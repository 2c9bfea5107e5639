/* Setting a round up: ROUND_START, PROPOSE, ACCEPT/REFUSE, START, and the
 * ways a round is stopped from outside (ABORT, ERROR). See ROUNDS.md. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/roundid.h"
#include "daemon/config.h"
#include "daemon/fed_internal.h"
#include "daemon/log.h"
#include "daemon/policy.h"

static uint32_t all_bits(unsigned n)
{
    return n >= 32 ? UINT32_MAX : (UINT32_C(1) << n) - 1;
}

/* Records a refusal of this node (terminal) and tells the initiator. */
static void refuse_round(struct fed_round *r, int code, const char *reason)
{
    snprintf(r->reason, sizeof(r->reason), "%s", reason);
    sp_log_warn("round %s: refused: %s", r->hex, reason);
    r->state = SP_ROUND_REFUSED;
    r->finished_at = (uint64_t)time(NULL);
    struct sp_peer_msg m = {.type = SP_PEER_REFUSE};
    m.refuse.code = code;
    snprintf(m.refuse.reason, sizeof(m.refuse.reason), "%s", reason);
    fed_send_best(r, r->initiator, &m);
    const char *by = fed_pname(r, r->initiator);
    fed_gov_refused(r->fed, r->id, r->prop_bytes, r->prop_len, &r->prop, by, by, code, reason);
    fed_round_persist(r);
    fed_gov_ended(r);
}

static void scan_run(struct sp_worker_job *base)
{
    struct fed_job *j = (struct fed_job *)base;
    j->rc = sp_store_keys_distinct(j->round->fed->store, j->key_mask, j->counts);
}

static int start_scan(struct fed_round *r)
{
    struct fed_job *j = fed_job_new(r, FED_JOB_SCAN);
    if (!j)
        return SP_ERR_NOMEM;
    j->base.run = scan_run;
    j->key_mask = r->prop.participants[r->me].key_types;
    fed_job_submit(r, j);
    return 0;
}

/* Checks own set sizes against the proposal's and this node's caps.
 * Returns 0 or SP_ERR_ROUND_REFUSED with reason set. */
static int check_sizes(const struct fed_round *r, const uint64_t counts[FED_NTYPES], char *reason,
                       size_t cap)
{
    uint64_t local = r->fed->cfg->max_set_size;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (counts[t] > r->prop.max_set_size) {
            snprintf(reason, cap,
                     "node %s holds %" PRIu64 " distinct %s values, above the proposal's "
                     "max_set_size %" PRIu64,
                     r->fed->cfg->node, counts[t], sp_key_type_name(t), r->prop.max_set_size);
            return SP_ERR_ROUND_REFUSED;
        }
        if (local && counts[t] > local) {
            snprintf(reason, cap,
                     "node %s holds %" PRIu64 " distinct %s values, above its own max_set_size "
                     "%" PRIu64,
                     r->fed->cfg->node, counts[t], sp_key_type_name(t), local);
            return SP_ERR_POLICY;
        }
    }
    return 0;
}

static void maybe_start(struct fed_round *r)
{
    if (r->state != SP_ROUND_PROPOSED || !r->scanned || r->accepted != all_bits(r->n))
        return;
    if (fed_round_event(r, SP_ROUND_EV_ALL_ACCEPTED) != 0)
        return;
    r->started_at = (uint64_t)time(NULL);
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_START};
        if (fed_send(r, p, &m) != 0) {
            fed_round_fail(r, SP_ERR_IO, true, "cannot send START to %s", fed_pname(r, p));
            return;
        }
    }
    fed_gov_started(r);
    fed_round_persist(r);
    int rc = fed_ring_begin(r);
    if (rc)
        fed_round_fail(r, rc, true, "cannot start blinding: %s", sp_strerror(rc));
}

void fed_scan_done(struct fed_round *r, struct fed_job *j)
{
    char reason[FED_REASON_MAX + 1];
    if (j->rc) {
        snprintf(reason, sizeof(reason), "cannot count own values: %s", sp_strerror(j->rc));
        if (r->roles & SP_ROUND_ROLE_INITIATOR)
            fed_round_fail(r, j->rc, true, "%s", reason);
        else
            refuse_round(r, j->rc, reason);
        return;
    }
    memcpy(r->set_sizes, j->counts, sizeof(r->set_sizes));
    r->scanned = true;
    int rc = check_sizes(r, j->counts, reason, sizeof(reason));
    if (r->roles & SP_ROUND_ROLE_INITIATOR) {
        if (rc) {
            fed_round_fail(r, rc, true, "%s", reason);
            return;
        }
        r->accepted |= UINT32_C(1) << r->me;
        fed_gov_accepted(r);
        fed_round_persist(r);
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
    if (fed_send(r, r->initiator, &m) != 0) {
        fed_round_fail(r, SP_ERR_IO, false, "cannot send ACCEPT");
        return;
    }
    r->accept_sent = true;
    sp_log_info("round %s: accepted the proposal of %s (case %s)", r->hex,
                fed_pname(r, r->initiator), r->prop.case_ref);
    fed_gov_accepted(r);
    fed_round_persist(r);
}

/* ---- initiator -------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int ctl_error(struct sp_ctl_reply *reply, int rc,
                                                           const char *fmt, ...)
{
    char msg[SP_PROTO_TEXT_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sp_ctl_reply_set_error(reply, SP_CTL_ROUND_START, rc, msg);
    return rc;
}

static int check_request(struct sp_fed *fed, const struct sp_proposal *p,
                         struct sp_ctl_reply *reply)
{
    if (sp_proposal_validate(p) != 0)
        return ctl_error(reply, SP_ERR_INVALID_ARG,
                         "the round request breaks the protocol's limits (participants 2..32, "
                         "unique names, k between 1 and the number of participants, "
                         "non-empty case, purpose and legal basis)");
    if (sp_proposal_participant_index(p, fed->cfg->node) < 0)
        return ctl_error(reply, SP_ERR_INVALID_ARG,
                         "this node (%s) must be one of the participants", fed->cfg->node);
    for (uint32_t i = 0; i < p->nparticipants; i++) {
        const char *name = p->participants[i].name;
        if (strcmp(name, fed->cfg->node) != 0 && sp_peers_find(fed->peers, name) < 0)
            return ctl_error(reply, SP_ERR_PEER_UNKNOWN,
                             "participant %s is not a configured peer of this node", name);
    }
    if (p->expires_at <= p->created_at)
        return ctl_error(reply, SP_ERR_INVALID_ARG, "the proposal's expiry is in the past");
    if (p->deadline_s > fed->cfg->round_deadline_s)
        return ctl_error(reply, SP_ERR_POLICY,
                         "the round deadline %" PRIu32 " s exceeds this node's round_deadline_s "
                         "(%" PRIu32 " s)",
                         p->deadline_s, fed->cfg->round_deadline_s);
    return 0;
}

static bool round_id_seen(struct sp_fed *fed, const uint8_t *id);

/* The initiator's side of a proposal that passed check_request: judged as
 * every participant judges it (a refusal is recorded and answered), then
 * recorded and sent to every other participant, signature and certificate
 * included (pp NULL: unsigned). */
static int propose_round(struct sp_fed *fed, const struct sp_proposal *prop, const uint8_t *bytes,
                         size_t len, const struct sp_peer_propose *pp, struct sp_ctl_reply *reply)
{
    char reason[FED_REASON_MAX + 1] = "";
    struct sp_policy_verdict v;
    struct fed_round *r = NULL;
    int rc = 0;
    if (round_id_seen(fed, prop->round_id)) {
        rc = SP_ERR_PROPOSAL_REPLAY;
        snprintf(reason, sizeof(reason), "round id already seen (a replayed proposal)");
    } else {
        rc = fed_gov_judge(fed, prop, bytes, len, pp, &v, reason, sizeof(reason));
    }
    if (rc) {
        char hex[SP_ROUND_ID_HEX_LEN + 1];
        sp_round_id_hex(prop->round_id, hex);
        sp_log_warn("round %s: refused to propose it: %s", hex, reason);
        fed_gov_refused(fed, prop->round_id, bytes, len, prop, fed->cfg->node, NULL, rc, reason);
        return ctl_error(reply, rc, "%s", reason);
    }
    unsigned me = (unsigned)sp_proposal_participant_index(prop, fed->cfg->node);
    if ((rc = fed_round_create(fed, prop, bytes, len, me, SP_ROUND_PROPOSED, &r)) != 0)
        return ctl_error(reply, rc, "cannot create the round: %s", sp_strerror(rc));
    if ((rc = fed_gov_bind(r, &v, pp)) != 0) {
        fed_round_fail(r, rc, false, "out of memory");
        return ctl_error(reply, rc, "out of memory");
    }
    r->created_at = prop->created_at;
    fed_round_persist(r);
    sp_log_info("round %s: proposed (case %s, %u participants, mode %u, k %u, counter %s%s)",
                r->hex, prop->case_ref, r->n, prop->mode, prop->min_holders,
                fed_pname(r, prop->counter), r->is_signed ? ", signed" : ", unsigned");
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_PROPOSE};
        m.propose = (struct sp_peer_propose){bytes, len, r->sig, r->sig_len, r->cert, r->cert_len};
        if (fed_send(r, p, &m) != 0)
            fed_round_fail(r, SP_ERR_IO, true, "cannot send the proposal to %s", fed_pname(r, p));
    }
    if (!sp_round_state_terminal(r->state) && (rc = start_scan(r)) != 0)
        fed_round_fail(r, rc, true, "cannot count own values");
    memcpy(reply->round_id, r->id, sizeof(reply->round_id));
    return 0;
}

int fed_ctl_round_start(struct sp_fed *fed, const struct sp_proposal *req,
                        struct sp_ctl_reply *reply)
{
    struct sp_proposal prop = *req;
    uint8_t *bytes = malloc(SP_PROPOSAL_MAX_BYTES);
    size_t len = 0;
    int rc;
    if (!bytes)
        return ctl_error(reply, SP_ERR_NOMEM, "out of memory");
    randombytes_buf(prop.round_id, sizeof(prop.round_id));
    prop.created_at = (uint64_t)time(NULL);
    if ((rc = check_request(fed, &prop, reply)) != 0)
        goto cleanup;
    if ((rc = sp_proposal_encode(&prop, bytes, SP_PROPOSAL_MAX_BYTES, &len)) != 0) {
        ctl_error(reply, rc, "cannot encode the proposal");
        goto cleanup;
    }
    rc = propose_round(fed, &prop, bytes, len, NULL, reply);
cleanup:
    free(bytes);
    return rc;
}

int fed_ctl_round_submit(struct sp_fed *fed, const struct sp_peer_propose *req,
                         struct sp_ctl_reply *reply)
{
    struct sp_proposal *prop = malloc(sizeof(*prop));
    int rc = prop ? sp_proposal_decode(req->proposal, req->proposal_len, prop) : SP_ERR_NOMEM;
    if (rc) {
        free(prop);
        return ctl_error(reply, rc, "the proposal cannot be decoded: %s", sp_strerror(rc));
    }
    if ((rc = check_request(fed, prop, reply)) != 0)
        fed_gov_refused(fed, prop->round_id, req->proposal, req->proposal_len, prop, fed->cfg->node,
                        NULL, rc, reply->message);
    else
        rc = propose_round(fed, prop, req->proposal, req->proposal_len, req, reply);
    free(prop);
    return rc;
}

void fed_on_accept(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from == r->me)
        return;
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->accept.nset_sizes; i++)
        total += m->accept.set_sizes[i].count;
    sp_log_info("round %s: %s accepted (%" PRIu64 " values announced)", r->hex, fed_pname(r, from),
                total);
    r->accepted |= UINT32_C(1) << from;
    maybe_start(r);
}

void fed_on_refuse(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    r->fail_from = (int)from;
    fed_round_fail(r, SP_ERR_ROUND_REFUSED, true, "refused by %s: %s", fed_pname(r, from),
                   m->refuse.reason);
}

void fed_on_start(struct fed_round *r, unsigned from)
{
    (void)from;
    if (!r->accept_sent)
        return; /* the initiator cannot have seen our ACCEPT: ignore */
    if (fed_round_event(r, SP_ROUND_EV_START) != 0)
        return;
    r->started_at = (uint64_t)time(NULL);
    fed_gov_started(r);
    fed_round_persist(r);
    int rc = fed_ring_begin(r);
    if (rc)
        fed_round_fail(r, rc, true, "cannot start blinding: %s", sp_strerror(rc));
}

void fed_on_abort(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    r->fail_from = (int)from;
    fed_round_fail(r, m->abort.code, false, "aborted by %s: %s", fed_pname(r, from),
                   m->abort.reason);
}

void fed_on_error(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    r->fail_from = (int)from;
    fed_round_fail(r, m->error.code, true, "%s refused a message of this node: %s",
                   fed_pname(r, from), m->error.reason);
}

/* ---- participant ------------------------------------------------------ */

struct is_peer_ctx {
    struct sp_fed *fed;
};

static bool is_peer(void *ctx, const char *name)
{
    struct is_peer_ctx *c = ctx;
    return sp_peers_find(c->fed->peers, name) >= 0;
}

static void send_refuse(struct sp_fed *fed, int peer, const uint8_t *id, int code,
                        const char *reason)
{
    struct sp_peer_msg m = {.type = SP_PEER_REFUSE};
    memcpy(m.round_id, id, sizeof(m.round_id));
    m.refuse.code = code;
    snprintf(m.refuse.reason, sizeof(m.refuse.reason), "%s", reason);
    fed_send_peer(fed, peer, &m);
}

static bool round_id_seen(struct sp_fed *fed, const uint8_t *id)
{
    void *blob = NULL;
    size_t len = 0;
    if (fed_round_find(fed, id))
        return true;
    int rc = sp_store_round_get(fed->store, id, &blob, &len);
    free(blob);
    return rc != SP_ERR_NOT_FOUND; /* a store error counts as seen: refuse */
}

/* Issue 5 adds here: the coordinator's signature and certificate, and the
 * node's local policy (coordinators, purposes, legal bases, modes, k). */
static int proposal_policy(struct sp_fed *fed, const struct sp_proposal *p,
                           const struct sp_peer_propose *pp, char *reason, size_t cap)
{
    (void)pp;
    if (p->deadline_s > fed->cfg->round_deadline_s) {
        snprintf(reason, cap,
                 "the round deadline %" PRIu32 " s exceeds this node's round_deadline_s (%" PRIu32
                 " s)",
                 p->deadline_s, fed->cfg->round_deadline_s);
        return SP_ERR_POLICY;
    }
    return 0;
}

/* Judges a PROPOSE; returns 0 with *prop and *v filled, or a refusal code
 * with reason set (*decoded says whether *prop holds the proposal). */
static int judge(struct sp_fed *fed, int peer, const struct sp_peer_msg *m,
                 struct sp_proposal *prop, struct sp_policy_verdict *v, bool *decoded, char *reason,
                 size_t cap)
{
    int rc = sp_proposal_decode(m->propose.proposal, m->propose.proposal_len, prop);
    *decoded = false;
    if (rc) {
        snprintf(reason, cap, "the proposal cannot be decoded: %s", sp_strerror(rc));
        return rc;
    }
    if (memcmp(prop->round_id, m->round_id, SP_ROUND_ID_BYTES) != 0) {
        snprintf(reason, cap, "the message's round id differs from the proposal's");
        return SP_ERR_PROTO_FIELD;
    }
    *decoded = true;
    /* the coordinator's signature, expiry and this node's policy first */
    rc = fed_gov_judge(fed, prop, m->propose.proposal, m->propose.proposal_len, &m->propose, v,
                       reason, cap);
    if (rc)
        return rc;
    struct is_peer_ctx ic = {fed};
    struct sp_round_judge_ctx jc = {.self = fed->cfg->node,
                                    .sender = sp_peers_name(fed->peers, peer),
                                    .is_peer = is_peer,
                                    .ctx = &ic,
                                    .now_unix = (uint64_t)time(NULL)};
    if ((rc = sp_round_judge(prop, &jc, reason, cap)) != 0)
        return rc;
    return proposal_policy(fed, prop, &m->propose, reason, cap);
}

void fed_on_propose(struct sp_fed *fed, int peer, const struct sp_peer_msg *m)
{
    char reason[FED_REASON_MAX + 1] = "";
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(m->round_id, hex);
    const char *sender = sp_peers_name(fed->peers, peer);
    if (round_id_seen(fed, m->round_id)) {
        /* Never overwrite what the store holds for that id. */
        static const char replay[] = "round id already seen (a replayed proposal)";
        sp_log_warn("round %s: refused a PROPOSE from %s: round id already seen (replay)", hex,
                    sender);
        send_refuse(fed, peer, m->round_id, SP_ERR_PROPOSAL_REPLAY, replay);
        fed_gov_refused(fed, m->round_id, m->propose.proposal, m->propose.proposal_len, NULL,
                        sender, sender, SP_ERR_PROPOSAL_REPLAY, replay);
        return;
    }
    struct sp_proposal *prop = calloc(1, sizeof(*prop));
    struct sp_policy_verdict v;
    bool decoded = false;
    if (!prop)
        return;
    int rc = judge(fed, peer, m, prop, &v, &decoded, reason, sizeof(reason));
    struct fed_round *r = NULL;
    /* A decoded proposal from a participant is recorded even when refused,
     * so that a replay of it is caught. */
    int from = decoded ? sp_proposal_participant_index(prop, sender) : -1;
    if (from >= 0) {
        int crc = fed_round_create(fed, prop, m->propose.proposal, m->propose.proposal_len,
                                   (unsigned)from, SP_ROUND_ACCEPTED, &r);
        if (crc && rc == 0) {
            rc = crc;
            snprintf(reason, sizeof(reason), "cannot take part: %s", sp_strerror(crc));
        }
        if (!crc && rc == 0 && (crc = fed_gov_bind(r, &v, NULL)) != 0) {
            rc = crc;
            snprintf(reason, sizeof(reason), "cannot take part: %s", sp_strerror(crc));
        }
    }
    if (rc) {
        if (r)
            refuse_round(r, rc, reason); /* recorded, so a replay is caught */
        else {
            sp_log_warn("round %s: refused a PROPOSE from %s: %s", hex, sender, reason);
            send_refuse(fed, peer, m->round_id, rc, reason);
            fed_gov_refused(fed, m->round_id, m->propose.proposal, m->propose.proposal_len,
                            decoded ? prop : NULL, sender, sender, rc, reason);
        }
    } else {
        fed_round_persist(r);
        if ((rc = start_scan(r)) != 0)
            refuse_round(r, rc, "cannot count own values");
    }
    free(prop);
}
