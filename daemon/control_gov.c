/*
 * The control operations of governance: the audit log export (records and
 * the node's signed head) and small-cell suppression of the counts shown to
 * coordinators.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/audit_log.h"
#include "daemon/control_impl.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "daemon/members.h"
#include "pki/cert.h"

/* An export page stays well below the control frame limit. */
#define EXPORT_PAGE_BYTES (SP_CTL_MSG_MAX_BYTES - 64u * 1024u)

static int no_log(struct handler_ctx *h)
{
    snprintf(h->msg, sizeof h->msg, "the audit log is not open");
    return SP_ERR_STATE;
}

struct page {
    struct handler_ctx *h;
    size_t used; /* bytes of sc->bytes in use */
};

static int add_record(void *ctx, uint64_t seq, const uint8_t *rec, size_t len)
{
    struct page *pg = ctx;
    struct sp_ctl_audit_reply *a = &pg->h->rp->audit;
    (void)seq;
    if (len > SP_CTL_AUDIT_ENTRY_MAX_BYTES || pg->used + len > EXPORT_PAGE_BYTES)
        return SP_ERR_OVERFLOW; /* cannot happen: records are at most 8256 bytes */
    memcpy(pg->h->sc->bytes + pg->used, rec, len);
    pg->h->sc->blobs[a->nentries++] = (struct sp_ctl_blob){pg->h->sc->bytes + pg->used, len};
    pg->used += len;
    return 0;
}

int sp_control_op_audit_export(struct handler_ctx *h)
{
    const struct sp_ctl_audit_req *q = &h->rq->audit_export;
    if (!h->c->gov)
        return no_log(h);
    struct sp_audit_log *log = sp_gov_log(h->c->gov);
    size_t cap = (size_t)q->limit * SP_AUDIT_RECORD_MAX_BYTES;
    if (cap > EXPORT_PAGE_BYTES)
        cap = EXPORT_PAGE_BYTES;
    h->sc->blobs = calloc(q->limit, sizeof *h->sc->blobs);
    h->sc->bytes = malloc(cap);
    if (!h->sc->blobs || !h->sc->bytes)
        return SP_ERR_NOMEM;
    h->rp->audit.entries = h->sc->blobs;
    struct page pg = {h, 0};
    return sp_audit_log_read(log, q->from_seq, q->limit, cap, add_record, &pg);
}

int sp_control_op_audit_head(struct handler_ctx *h)
{
    struct sp_audit_head head;
    if (!h->c->gov)
        return no_log(h);
    int err = sp_audit_log_head_signed(sp_gov_log(h->c->gov), &head);
    if (err == SP_ERR_STATE)
        snprintf(h->msg, sizeof h->msg, "the audit log is empty");
    if (err)
        return err;
    struct sp_ctl_audit_head *o = &h->rp->audit_head;
    snprintf(o->node, sizeof o->node, "%s", head.node);
    o->seq = head.seq;
    memcpy(o->head_hash, head.hash, sizeof o->head_hash);
    memcpy(o->signature, head.sig, sizeof o->signature);
    return 0;
}

/* The time of the last entry of the log (0: empty or unreadable). */
static int last_time(void *ctx, uint64_t seq, const uint8_t *rec, size_t len)
{
    uint64_t *t = ctx;
    struct sp_audit_entry *e = NULL;
    (void)seq;
    if (sp_audit_record_open(rec, len, NULL, &e, NULL) == 0)
        *t = sp_audit_entry_time(e);
    sp_audit_entry_free(&e);
    return 0;
}

void sp_control_status_gov(struct handler_ctx *h, struct sp_ctl_status_reply *st)
{
    if (!h->c->gov)
        return;
    const struct sp_members *m = sp_gov_members(h->c->gov);
    const struct sp_pki_cert_info *self = m ? sp_members_self(m) : NULL;
    int64_t next = 0;
    if (self && self->not_after > 0)
        st->cert_not_after = (uint64_t)self->not_after;
    if (m && sp_members_trust(m) && sp_pki_trust_crl_next_update(sp_members_trust(m), &next) == 0 &&
        next > 0)
        st->crl_next_update = (uint64_t)next;
    struct sp_audit_log *log = sp_gov_log(h->c->gov);
    uint64_t n = log ? sp_audit_log_count(log) : 0;
    st->audit_entries = n;
    if (n && sp_audit_log_read(log, n - 1, 1, SP_AUDIT_RECORD_MAX_BYTES, last_time,
                               &st->audit_head_time) != 0)
        st->audit_head_time = 0;
}

void sp_control_suppress(struct handler_ctx *h)
{
    struct sp_ctl_counts_reply *r = &h->rp->counts;
    uint32_t below = h->c->cfg->counts_suppress_below, kept = 0;
    for (uint32_t i = 0; i < r->nentries; i++)
        if (h->sc->counts[i].count >= below)
            h->sc->counts[kept++] = h->sc->counts[i];
    r->suppressed_below = below;
    r->suppressed_cells = r->nentries - kept;
    r->nentries = kept;
}

void sp_control_suppress_subjects(struct handler_ctx *h)
{
    struct sp_ctl_subjects_reply *r = &h->rp->subjects;
    uint32_t below = h->c->cfg->counts_suppress_below, kept = 0;
    for (uint32_t i = 0; i < r->ncells; i++)
        if (h->sc->subjects[i].count >= below)
            h->sc->subjects[kept++] = h->sc->subjects[i];
    r->suppressed_below = below;
    r->suppressed_cells = r->ncells - kept;
    r->ncells = kept;
}
