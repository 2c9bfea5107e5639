/* What a verified log says about rounds, kept for cross-checks (facts.h). */
#include "facts.h"

#include <stdlib.h>
#include <string.h>

static struct sp_audit_round_facts *round_of(struct sp_audit_facts *f, const uint8_t *id,
                                             size_t line)
{
    if (f->last < f->nrounds && memcmp(f->rounds[f->last].id, id, SP_ROUND_ID_BYTES) == 0)
        return &f->rounds[f->last];
    for (size_t i = 0; i < f->nrounds; i++) {
        if (memcmp(f->rounds[i].id, id, SP_ROUND_ID_BYTES) == 0) {
            f->last = i;
            return &f->rounds[i];
        }
    }
    if (f->nrounds == f->rounds_cap) {
        size_t cap = f->rounds_cap ? 2 * f->rounds_cap : 16;
        void *p = realloc(f->rounds, cap * sizeof(*f->rounds));
        if (!p)
            return NULL;
        f->rounds = p;
        f->rounds_cap = cap;
    }
    struct sp_audit_round_facts *r = &f->rounds[f->nrounds];
    memset(r, 0, sizeof(*r));
    memcpy(r->id, id, SP_ROUND_ID_BYTES);
    r->line = line;
    f->last = f->nrounds++;
    return r;
}

static void copy_name(sp_audit_name_t dst, const struct sp_audit_value *v)
{
    memcpy(dst, v->bytes, v->len);
    dst[v->len] = '\0';
}

static void note_digest(struct sp_audit_round_facts *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    if (sp_audit_entry_find(e, SP_AUDIT_F_PROPOSAL_SHA256, 0, &v) != 0)
        return;
    if (r->have_digest && memcmp(r->digest, v.bytes, SP_AUDIT_HASH_BYTES) != 0)
        r->digest_conflict = true;
    memcpy(r->digest, v.bytes, SP_AUDIT_HASH_BYTES);
    r->have_digest = true;
}

/* Keeps the reason of a round's end, cut at a UTF-8 character boundary. */
static void note_end_reason(struct sp_audit_round_facts *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    if (r->end_reason[0] || sp_audit_entry_find(e, SP_AUDIT_F_REASON, 0, &v) != 0)
        return;
    size_t n = v.len < SP_AUDIT_END_REASON_MAX ? v.len : SP_AUDIT_END_REASON_MAX;
    while (n > 0 && n < v.len && (v.bytes[n] & 0xC0) == 0x80)
        n--; /* do not split a character */
    memcpy(r->end_reason, v.bytes, n);
    r->end_reason[n] = '\0';
}

static void note_participants(struct sp_audit_round_facts *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    sp_audit_name_t parts[SP_AUDIT_MAX_PARTICIPANTS];
    size_t n = 0;
    memset(parts, 0, sizeof(parts)); /* names compare as whole arrays */
    while (n < SP_AUDIT_MAX_PARTICIPANTS &&
           sp_audit_entry_find(e, SP_AUDIT_F_PARTICIPANT, n, &v) == 0)
        copy_name(parts[n++], &v);
    if (r->have_participants &&
        (n != r->nparts || memcmp(parts, r->parts, n * sizeof(parts[0])) != 0))
        r->participants_conflict = true;
    memcpy(r->parts, parts, sizeof(parts));
    r->nparts = n;
    r->have_participants = true;
    if (sp_audit_entry_find(e, SP_AUDIT_F_COUNTER, 0, &v) == 0)
        copy_name(r->counter, &v);
}

static int note_sizes(struct sp_audit_round_facts *r, const struct sp_audit_entry *e, size_t line)
{
    struct sp_audit_value v;
    struct sp_audit_peer_sizes *s = NULL;
    if (sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &v) != 0)
        return 0;
    /* several entries for one peer add up (a node may log per phase) */
    for (size_t i = 0; i < r->nsizes && !s; i++)
        if (strlen(r->sizes[i].peer) == v.len && memcmp(r->sizes[i].peer, v.bytes, v.len) == 0)
            s = &r->sizes[i];
    if (!s) {
        void *p = realloc(r->sizes, (r->nsizes + 1) * sizeof(*r->sizes));
        if (!p)
            return SP_ERR_NOMEM;
        r->sizes = p;
        s = &r->sizes[r->nsizes++];
        memset(s, 0, sizeof(*s));
        copy_name(s->peer, &v);
        s->line = line;
    }
    for (size_t i = 0; sp_audit_entry_field(e, i, &v) == 0; i++) {
        if (v.field == SP_AUDIT_F_SENT)
            s->sent[v.key_type] += v.u;
        else if (v.field == SP_AUDIT_F_RECEIVED)
            s->received[v.key_type] += v.u;
    }
    return 0;
}

static int note_head_received(struct sp_audit_facts *f, const struct sp_audit_entry *e,
                              const uint8_t *round, size_t line)
{
    struct sp_audit_value peer, seq, hash, sig;
    if (sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &peer) != 0 ||
        sp_audit_entry_find(e, SP_AUDIT_F_HEAD_SEQ, 0, &seq) != 0 ||
        sp_audit_entry_find(e, SP_AUDIT_F_HEAD_HASH, 0, &hash) != 0 ||
        sp_audit_entry_find(e, SP_AUDIT_F_HEAD_SIG, 0, &sig) != 0)
        return 0; /* the schema makes these required */
    if (f->nheads == f->heads_cap) {
        size_t cap = f->heads_cap ? 2 * f->heads_cap : 16;
        void *p = realloc(f->heads, cap * sizeof(*f->heads));
        if (!p)
            return SP_ERR_NOMEM;
        f->heads = p;
        f->heads_cap = cap;
    }
    struct sp_audit_recv_head *h = &f->heads[f->nheads++];
    memset(h, 0, sizeof(*h));
    copy_name(h->peer, &peer);
    memcpy(h->round, round, SP_ROUND_ID_BYTES);
    h->seq = seq.u;
    memcpy(h->hash, hash.bytes, SP_AUDIT_HASH_BYTES);
    memcpy(h->sig, sig.bytes, SP_AUDIT_SIG_BYTES);
    h->line = line;
    return 0;
}

static void note_head_sent(struct sp_audit_round_facts *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value seq, hash;
    if (sp_audit_entry_find(e, SP_AUDIT_F_HEAD_SEQ, 0, &seq) != 0 ||
        sp_audit_entry_find(e, SP_AUDIT_F_HEAD_HASH, 0, &hash) != 0)
        return;
    r->head_sent = true;
    r->head_sent_seq = seq.u;
    memcpy(r->head_sent_hash, hash.bytes, SP_AUDIT_HASH_BYTES);
    struct sp_audit_value peer;
    r->nsent_to = 0;
    while (r->nsent_to < SP_AUDIT_MAX_PARTICIPANTS &&
           sp_audit_entry_find(e, SP_AUDIT_F_PEER, r->nsent_to, &peer) == 0)
        copy_name(r->sent_to[r->nsent_to++], &peer);
}

static void note_case_answer(struct sp_audit_round_facts *r, const struct sp_audit_entry *e)
{
    struct sp_audit_value peer, code;
    if (r->ncase >= SP_AUDIT_MAX_PARTICIPANTS ||
        sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &peer) != 0 ||
        sp_audit_entry_find(e, SP_AUDIT_F_CODE, 0, &code) != 0)
        return;
    copy_name(r->case_answers[r->ncase].peer, &peer);
    r->case_answers[r->ncase].code = code.code;
    r->ncase++;
}

int sp_audit_facts_add(struct sp_audit_facts *f, const struct sp_audit_entry *e, size_t line)
{
    struct sp_audit_value rv;
    if (sp_audit_entry_find(e, SP_AUDIT_F_ROUND, 0, &rv) != 0)
        return 0; /* not about a round */
    struct sp_audit_round_facts *r = round_of(f, rv.bytes, line);
    if (!r)
        return SP_ERR_NOMEM;
    switch (sp_audit_entry_type(e)) {
    case SP_AUDIT_PROPOSAL_ACCEPTED:
        r->accepted = true;
        note_digest(r, e);
        note_participants(r, e);
        return 0;
    case SP_AUDIT_PROPOSAL_REFUSED:
        r->refused = true;
        note_digest(r, e);
        note_end_reason(r, e);
        return 0;
    case SP_AUDIT_ROUND_PARTICIPANTS:
        note_digest(r, e);
        note_participants(r, e);
        return 0;
    case SP_AUDIT_ROUND_SIZES:
        return note_sizes(r, e, line);
    case SP_AUDIT_ROUND_RESULT:
        r->result = true;
        return 0;
    case SP_AUDIT_ROUND_FAILED:
        r->failed = true;
        note_end_reason(r, e);
        note_digest(r, e); /* present when it failed before the node decided */
        return 0;
    case SP_AUDIT_LOG_HEAD_SENT:
        note_head_sent(r, e);
        return 0;
    case SP_AUDIT_LOG_HEAD_RECEIVED:
        return note_head_received(f, e, rv.bytes, line);
    case SP_AUDIT_CASE_ANSWER:
        note_case_answer(r, e);
        return 0;
    default:
        return 0;
    }
}

void sp_audit_facts_clear(struct sp_audit_facts *f)
{
    for (size_t i = 0; i < f->nrounds; i++)
        free(f->rounds[i].sizes);
    free(f->rounds);
    free(f->heads);
    memset(f, 0, sizeof(*f));
}
