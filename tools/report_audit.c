/* A round's facts from a node's audit log (see report_audit.h). */
#include "tools/report_audit.h"

#include <stdio.h>
#include <string.h>

static bool get(const struct sp_audit_entry *e, int field, struct sp_audit_value *v)
{
    return sp_audit_entry_find(e, field, 0, v) == 0;
}

static void copy_text(const struct sp_audit_entry *e, int field, char *dst, size_t cap)
{
    struct sp_audit_value v;
    if (get(e, field, &v))
        snprintf(dst, cap, "%s", (const char *)v.bytes);
}

static uint64_t number(const struct sp_audit_entry *e, int field, uint64_t dflt)
{
    struct sp_audit_value v;
    return get(e, field, &v) ? v.u : dflt;
}

static bool copy_digest(const struct sp_audit_entry *e, int field, uint8_t out[32])
{
    struct sp_audit_value v;
    if (!get(e, field, &v) || v.len != SP_REPORT_HASH_BYTES)
        return false;
    memcpy(out, v.bytes, SP_REPORT_HASH_BYTES);
    return true;
}

static void participants(struct sp_report *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    uint32_t n = 0;
    for (; n < SP_REPORT_MAX_PARTICIPANTS &&
           sp_audit_entry_find(e, SP_AUDIT_F_PARTICIPANT, n, &v) == 0;
         n++)
        if (strcmp(r->participants[n].name, (const char *)v.bytes) != 0) {
            snprintf(r->participants[n].name, sizeof r->participants[n].name, "%s",
                     (const char *)v.bytes);
            r->participants[n].legal_basis[0] = '\0';
        }
    r->nparticipants = n;
}

static void accepted(struct sp_report *r, const struct sp_audit_entry *e)
{
    char basis[SP_REPORT_SHORT_MAX + 1] = "";
    r->have_proposal = true;
    copy_text(e, SP_AUDIT_F_CASE_REF, r->case_ref, sizeof r->case_ref);
    copy_text(e, SP_AUDIT_F_PURPOSE, r->purpose, sizeof r->purpose);
    copy_text(e, SP_AUDIT_F_COORDINATOR, r->coordinator, sizeof r->coordinator);
    copy_text(e, SP_AUDIT_F_COUNTER, r->counter, sizeof r->counter);
    copy_text(e, SP_AUDIT_F_INITIATOR, r->initiator, sizeof r->initiator);
    copy_text(e, SP_AUDIT_F_LEGAL_BASIS, basis, sizeof basis);
    r->have_coordinator_cert =
        copy_digest(e, SP_AUDIT_F_COORDINATOR_CERT_SHA256, r->coordinator_cert_sha256);
    r->have_proposal_digest = copy_digest(e, SP_AUDIT_F_PROPOSAL_SHA256, r->proposal_sha256);
    r->mode = (uint8_t)number(e, SP_AUDIT_F_MODE, r->mode);
    r->min_holders = (uint32_t)number(e, SP_AUDIT_F_MIN_HOLDERS, r->min_holders);
    r->max_set_size = number(e, SP_AUDIT_F_MAX_SET_SIZE, r->max_set_size);
    r->key_types = (uint32_t)number(e, SP_AUDIT_F_KEY_TYPES, r->key_types);
    r->expires_at = number(e, SP_AUDIT_F_EXPIRES_AT, r->expires_at);
    struct sp_audit_value v;
    if (get(e, SP_AUDIT_F_RETENTION_DAYS, &v)) {
        r->have_retention = true;
        r->retention_days = v.u > UINT32_MAX ? UINT32_MAX : (uint32_t)v.u;
    }
    participants(r, e);
    /* The log holds this node's own legal basis only. */
    for (uint32_t i = 0; i < r->nparticipants; i++)
        if (strcmp(r->participants[i].name, r->node) == 0)
            snprintf(r->participants[i].legal_basis, sizeof r->participants[i].legal_basis, "%s",
                     basis);
}

static void result(struct sp_report *r, const struct sp_audit_entry *e)
{
    r->have_result = true;
    r->records_matched = number(e, SP_AUDIT_F_RECORDS_MATCHED, 0);
    r->candidates = number(e, SP_AUDIT_F_CANDIDATES, 0);
    r->cells_reported = number(e, SP_AUDIT_F_CELLS, 0);
    r->have_transcript = copy_digest(e, SP_AUDIT_F_TRANSCRIPT_SHA256, r->transcript_sha256);
    if (r->mode == 0)
        r->mode = (uint8_t)number(e, SP_AUDIT_F_MODE, 0);
}

static uint64_t keycount_sum(const struct sp_audit_entry *e, int field)
{
    struct sp_audit_value v;
    uint64_t s = 0;
    for (size_t i = 0; sp_audit_entry_find(e, field, i, &v) == 0; i++)
        s = s + v.u < s ? UINT64_MAX : s + v.u;
    return s;
}

static int sizes(struct sp_report *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    if (!get(e, SP_AUDIT_F_PEER, &v))
        return 0;
    uint32_t i = 0;
    while (i < r->npeers && strcmp(r->peers[i].name, (const char *)v.bytes) != 0)
        i++;
    if (i == SP_REPORT_MAX_PEERS)
        return SP_ERR_OVERFLOW;
    snprintf(r->peers[i].name, sizeof r->peers[i].name, "%s", (const char *)v.bytes);
    r->peers[i].sent = keycount_sum(e, SP_AUDIT_F_SENT);
    r->peers[i].received = keycount_sum(e, SP_AUDIT_F_RECEIVED);
    r->npeers = i == r->npeers ? i + 1 : r->npeers;
    return 0;
}

static int head(struct sp_report *r, const struct sp_audit_entry *e, bool sent)
{
    struct sp_report_head h = {.sent = sent, .time = sp_audit_entry_time(e)};
    h.seq = number(e, SP_AUDIT_F_HEAD_SEQ, 0);
    (void)copy_digest(e, SP_AUDIT_F_HEAD_HASH, h.hash);
    if (sent)
        snprintf(h.node, sizeof h.node, "%s", r->node);
    else
        copy_text(e, SP_AUDIT_F_PEER, h.node, sizeof h.node);
    uint32_t i = 0;
    while (i < r->nheads && (r->heads[i].sent != sent || strcmp(r->heads[i].node, h.node) != 0))
        i++;
    if (i == SP_REPORT_MAX_HEADS)
        return SP_ERR_OVERFLOW;
    r->heads[i] = h;
    r->nheads = i == r->nheads ? i + 1 : r->nheads;
    return 0;
}

int sp_report_audit_add(struct sp_report *r, const uint8_t round_id[SP_ROUND_ID_BYTES],
                        const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    int type = sp_audit_entry_type(e);
    if (type == SP_AUDIT_NODE_START && !r->have_proposal) {
        r->have_node_cert = copy_digest(e, SP_AUDIT_F_CERT_SHA256, r->node_cert_sha256);
        return 0;
    }
    if (!get(e, SP_AUDIT_F_ROUND, &v) || memcmp(v.bytes, round_id, SP_ROUND_ID_BYTES) != 0)
        return 0;
    switch (type) {
    case SP_AUDIT_PROPOSAL_ACCEPTED:
        accepted(r, e);
        return 0;
    case SP_AUDIT_ROUND_PARTICIPANTS:
        copy_text(e, SP_AUDIT_F_COUNTER, r->counter, sizeof r->counter);
        participants(r, e);
        return 0;
    case SP_AUDIT_ROUND_SIZES:
        return sizes(r, e);
    case SP_AUDIT_ROUND_RESULT:
        result(r, e);
        return 0;
    case SP_AUDIT_LOG_HEAD_SENT:
        return head(r, e, true);
    case SP_AUDIT_LOG_HEAD_RECEIVED:
        return head(r, e, false);
    default:
        return 0;
    }
}
