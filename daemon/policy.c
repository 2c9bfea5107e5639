/*
 * Judging a proposal (policy.h): signature and certificate, expiry,
 * loggable texts, local policy, membership of the participants. Each check
 * is one function that returns 0 or a refusal with its reason.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "daemon/config.h"
#include "daemon/members.h"
#include "daemon/policy.h"

/* A proposal made this far in the future is refused (clock skew allowance). */
#define FUTURE_SKEW_S 300

struct judge {
    const struct sp_config *cfg;
    const struct sp_members *members;
    const struct sp_policy_input *in;
    const struct sp_proposal *p;
    struct sp_policy_verdict *v;
    char *reason;
    size_t cap;
};

__attribute__((format(printf, 3, 4))) static int refuse(struct judge *j, int code, const char *fmt,
                                                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->reason, j->cap, fmt, ap);
    va_end(ap);
    return code;
}

static int check_signature(struct judge *j)
{
    const struct sp_policy_input *in = j->in;
    if (in->sig_len == 0 && in->cert_len == 0) {
        if (j->cfg->allow_unsigned_rounds)
            return 0;
        return refuse(j, SP_ERR_PROPOSAL_UNSIGNED,
                      "the proposal is not signed by a coordinator, and node %s "
                      "takes part only "
                      "in signed proposals",
                      j->cfg->node);
    }
    if (in->sig_len != SP_POLICY_SIG_BYTES || !in->sig || in->cert_len == 0 || !in->cert)
        return refuse(j, SP_ERR_PROPOSAL_UNSIGNED,
                      "the proposal carries a signature without a certificate, or "
                      "the reverse");
    const struct sp_pki_trust *trust = sp_members_trust(j->members);
    if (!trust)
        return refuse(j, SP_ERR_POLICY,
                      "node %s has no federation CA configured (ca_cert) to check the "
                      "coordinator's certificate",
                      j->cfg->node);
    uint8_t msg[SP_PROPOSAL_SIGNED_MAX];
    size_t n = sp_proposal_signed_message(in->bytes, in->len, msg, sizeof msg);
    char why[256] = "";
    int rc = n ? sp_pki_trust_verify_signed(trust, in->cert, in->cert_len, in->now,
                                            SP_PKI_ROLE_COORDINATOR, msg, n, in->sig,
                                            &j->v->coordinator, why, sizeof why)
               : SP_ERR_PROTO_FIELD;
    if (rc == SP_ERR_CRYPTO_SIGNATURE)
        return refuse(j, rc,
                      "the coordinator's signature does not verify: the proposal was changed "
                      "after it was signed, or signed with another key");
    if (rc)
        return refuse(j, rc, "the coordinator's certificate is not accepted: %s",
                      why[0] ? why : sp_strerror(rc));
    if (strcmp(j->p->coordinator, j->v->coordinator.name) != 0)
        return refuse(j, SP_ERR_CERT,
                      "the proposal names coordinator \"%s\" but is signed with "
                      "the certificate "
                      "of \"%s\"",
                      j->p->coordinator, j->v->coordinator.name);
    j->v->is_signed = true;
    return 0;
}

static int check_time(struct judge *j)
{
    const struct sp_proposal *p = j->p;
    if (j->in->now < 0 || p->expires_at <= (uint64_t)j->in->now)
        return refuse(j, SP_ERR_PROPOSAL_EXPIRED,
                      "the proposal expired at %" PRIu64 " (now %" PRId64 ")", p->expires_at,
                      j->in->now);
    if (p->created_at > (uint64_t)j->in->now + FUTURE_SKEW_S)
        return refuse(j, SP_ERR_POLICY,
                      "the proposal was made %" PRIu64 " s in the future (clock skew?)",
                      p->created_at - (uint64_t)j->in->now);
    return 0;
}

static int check_text(struct judge *j, const char *what, const char *text, size_t max)
{
    const char *why = NULL;
    if (sp_audit_text_check(text, strlen(text), max, &why) == 0)
        return 0;
    return refuse(j, SP_ERR_POLICY, "the proposal's %s cannot be recorded in the audit log: %s",
                  what, why);
}

static int check_texts(struct judge *j)
{
    const struct sp_proposal *p = j->p;
    int rc = check_text(j, "coordinator", p->coordinator, SP_PROTO_COORDINATOR_MAX);
    if (!rc)
        rc = check_text(j, "case reference", p->case_ref, SP_PROTO_CASE_REF_MAX);
    if (!rc)
        rc = check_text(j, "purpose", p->purpose, SP_PROTO_TEXT_MAX);
    if (!rc)
        rc = check_text(j, "legal basis", p->participants[j->v->self].legal_basis,
                        SP_PROTO_LEGAL_BASIS_MAX);
    return rc;
}

static bool listed(const char *s, const char *list, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list + i * stride) == 0)
            return true;
    return false;
}

static int check_lists(struct judge *j)
{
    const struct sp_config *c = j->cfg;
    const struct sp_proposal *p = j->p;
    if (c->ncoordinators && !j->v->is_signed)
        return refuse(j, SP_ERR_POLICY,
                      "node %s accepts only proposals of its listed coordinators, and an "
                      "unsigned proposal has none",
                      c->node);
    if (c->ncoordinators && !listed(j->v->coordinator.name, c->coordinators[0], c->ncoordinators,
                                    sizeof c->coordinators[0]))
        return refuse(j, SP_ERR_POLICY, "coordinator \"%s\" is not one node %s accepts",
                      j->v->coordinator.name, c->node);
    if (c->npurposes && !listed(p->purpose, c->purposes[0], c->npurposes, sizeof c->purposes[0]))
        return refuse(j, SP_ERR_POLICY, "node %s does not accept the purpose \"%s\"", c->node,
                      p->purpose);
    const char *basis = p->participants[j->v->self].legal_basis;
    if (c->nlegal_bases &&
        !listed(basis, c->legal_bases[0], c->nlegal_bases, sizeof c->legal_bases[0]))
        return refuse(j, SP_ERR_POLICY, "node %s does not accept the legal basis \"%s\"", c->node,
                      basis);
    return 0;
}

static const char *type_name(uint32_t mask)
{
    const char *name = sp_key_type_name(__builtin_ctz(mask));
    return name ? name : "?";
}

static int check_retention(struct judge *j)
{
    const struct sp_config *c = j->cfg;
    const struct sp_proposal *p = j->p;
    if (p->retention_days > c->accept_max_retention_days)
        return refuse(j, SP_ERR_POLICY,
                      "a retention of %" PRIu32 " days is above node %s's longest of %" PRIu32,
                      p->retention_days, c->node, c->accept_max_retention_days);
    return 0;
}

/* The asker of a case question (participant `counter`): it asks only when
 * configured to. */
static int check_case_asker(struct judge *j)
{
    if (j->cfg->case_ask)
        return 0;
    return refuse(j, SP_ERR_POLICY, "node %s does not ask case questions (case_ask is no)",
                  j->cfg->node);
}

/* A partner of a case question: which askers, key types, size and whether
 * holders are told (docs/case-questions.md, "Governance"). The rate per
 * coordinator and epoch is the engine's (the store's quota). */
static int check_case_partner(struct judge *j)
{
    const struct sp_config *c = j->cfg;
    const struct sp_proposal *p = j->p;
    const char *asker = p->participants[p->counter].name;
    uint32_t asked = 0;
    uint64_t total = 0;
    for (unsigned t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        total += p->case_sizes[t];
        asked |= p->case_sizes[t] ? SP_KEY_MASK(t) : 0;
    }
    if (!c->case_key_types)
        return refuse(j, SP_ERR_POLICY,
                      "node %s answers no case questions (case_key_types is not set)", c->node);
    if (!listed(asker, c->case_askers[0], c->ncase_askers, sizeof c->case_askers[0]))
        return refuse(j, SP_ERR_POLICY,
                      "node %s does not answer case questions of %s (not in its case_askers)",
                      c->node, asker);
    if (asked & ~c->case_key_types)
        return refuse(j, SP_ERR_POLICY,
                      "node %s does not answer case questions about key type %s (not in its "
                      "case_key_types)",
                      c->node, type_name(asked & ~c->case_key_types));
    if (total > c->case_max_values)
        return refuse(j, SP_ERR_POLICY,
                      "the question asks about %" PRIu64 " values, more than node %s answers at "
                      "once (case_max_values = %" PRIu32 ")",
                      total, c->node, c->case_max_values);
    if (p->tell_holders && !c->case_tell_holders)
        return refuse(j, SP_ERR_POLICY,
                      "the proposal tells the holders which of their records matched, which node "
                      "%s does not accept (case_tell_holders is no)",
                      c->node);
    return 0;
}

/* accept_modes, accept_min_holders, accept_max_set_size and may_count are
 * about rounds over whole datasets: a case question has the case_* keys. */
static int check_case(struct judge *j)
{
    int rc = check_retention(j);
    if (!rc)
        rc = j->p->counter == (uint8_t)j->v->self ? check_case_asker(j) : check_case_partner(j);
    return rc;
}

static int check_limits(struct judge *j)
{
    const struct sp_config *c = j->cfg;
    const struct sp_proposal *p = j->p;
    uint32_t extra = p->participants[j->v->self].key_types & ~c->accept_key_types;
    if (extra)
        return refuse(j, SP_ERR_POLICY, "node %s does not take part with key type %s", c->node,
                      type_name(extra));
    if (p->mode == SP_PROPOSAL_MODE_CASE)
        return check_case(j);
    if (!(c->accept_modes & (UINT32_C(1) << p->mode)))
        return refuse(j, SP_ERR_POLICY, "node %s does not accept disclosure mode %s", c->node,
                      sp_audit_mode_name(p->mode) ? sp_audit_mode_name(p->mode) : "?");
    if (p->min_holders < c->accept_min_holders)
        return refuse(j, SP_ERR_POLICY, "k = %u is below node %s's smallest k of %" PRIu32,
                      p->min_holders, c->node, c->accept_min_holders);
    if (c->accept_max_set_size && p->max_set_size > c->accept_max_set_size)
        return refuse(j, SP_ERR_POLICY,
                      "max_set_size %" PRIu64 " is above node %s's largest of %" PRIu64,
                      p->max_set_size, c->node, c->accept_max_set_size);
    int rc = check_retention(j);
    if (!rc && p->counter == (uint8_t)j->v->self && !c->may_count)
        rc = refuse(j, SP_ERR_POLICY, "node %s may not be the counting node", c->node);
    return rc;
}

/* Every other participant is an admitted member, and OINs are given (in a
 * signed proposal) and agree with the certificates. */
static int check_members(struct judge *j)
{
    const struct sp_proposal *p = j->p;
    char why[SP_MEMBERS_WHY_MAX];
    if (!sp_members_enabled(j->members))
        return 0;
    for (uint32_t i = 0; i < p->nparticipants; i++) {
        const struct sp_proposal_participant *pp = &p->participants[i];
        const struct sp_pki_cert_info *info = NULL;
        if ((int)i == j->v->self) {
            info = sp_members_self(j->members);
        } else {
            const struct sp_config_peer *peer = sp_config_peer_find(j->cfg, pp->name);
            if (!peer)
                return refuse(j, SP_ERR_PEER_UNKNOWN, "participant %s is not a peer of node %s",
                              pp->name, j->cfg->node);
            size_t k = (size_t)(peer - j->cfg->peers);
            int rc = sp_members_admit(j->members, k, j->in->now, NULL, why, sizeof why);
            if (rc)
                return refuse(j, rc, "participant %s is not an admitted member: %s", pp->name, why);
            info = sp_members_peer(j->members, k);
        }
        /* A coordinator signs for organisations, not just node names: a
         * signed proposal names each participant's OIN. */
        if (!pp->oin[0] && j->v->is_signed)
            return refuse(j, SP_ERR_POLICY,
                          "the proposal gives participant %s no OIN (a signed proposal names "
                          "every participant's organisation)",
                          pp->name);
        if (pp->oin[0] && info && strcmp(pp->oin, info->oin) != 0)
            return refuse(j, SP_ERR_CERT,
                          "the proposal gives participant %s an OIN other than its "
                          "certificate's",
                          pp->name);
    }
    return 0;
}

int sp_policy_judge(const struct sp_config *cfg, const struct sp_members *members,
                    const struct sp_policy_input *in, struct sp_policy_verdict *out, char *reason,
                    size_t cap)
{
    struct judge j = {cfg, members, in, in->prop, out, reason, cap};
    memset(out, 0, sizeof *out);
    reason[0] = '\0';
    crypto_hash_sha256(out->digest, in->bytes, in->len);
    out->self = sp_proposal_participant_index(in->prop, cfg->node);
    int rc = check_signature(&j);
    if (!rc)
        rc = check_time(&j);
    if (!rc && out->self < 0)
        rc = refuse(&j, SP_ERR_ROUND_REFUSED, "this node (%s) is not a participant", cfg->node);
    if (!rc)
        rc = check_texts(&j);
    if (!rc)
        rc = check_lists(&j);
    if (!rc)
        rc = check_limits(&j);
    if (!rc)
        rc = check_members(&j);
    return rc;
}
