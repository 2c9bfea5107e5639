/* The per-message privacy check (sim_check.h; the rules: README.md). */
#include "sim_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/peer.h"
#include "round/round.h"
#include "sim_case_data.h"

struct sim_final_el {
    uint8_t key_type;
    uint8_t e[SP_PEER_ELEMENT_BYTES];
    uint32_t mask; /* participants that sent it in a FINAL */
};

void sim_check_init(struct sim_round_view *v)
{
    memset(v, 0, sizeof(*v));
    for (unsigned i = 0; i < SIM_MAX_NODES; i++)
        v->part_of[i] = -1;
    for (unsigned i = 0; i < 32; i++)
        v->node_of[i] = -1;
}

void sim_check_free(struct sim_round_view *v)
{
    free(v->els);
    free(v->finals);
    free(v->order);
    v->els = NULL;
    v->finals = NULL;
    v->order = NULL;
}

static int finding(struct sim_round_view *v, int kind, const char *fmt, ...)
{
    char *dst = kind == 2 ? v->first_privacy : v->first_protocol;
    uint64_t *count = kind == 2 ? &v->privacy : &v->protocol;
    if ((*count)++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(dst, SIM_CHECK_WHY, fmt, ap);
        va_end(ap);
    }
    return kind;
}

bool sim_check_text_clean(const char *s, size_t len)
{
    static const char mark[] = SIM_VALUE_MARK;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == mark[0] && s[i + 1] == mark[1])
            return false;
    return true;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static long find_el(const struct sim_round_view *v, uint8_t kt, const uint8_t *e)
{
    for (size_t i = 0; i < v->nels; i++)
        if (v->els[i].key_type == kt && memcmp(v->els[i].e, e, SP_PEER_ELEMENT_BYTES) == 0)
            return (long)i;
    return -1;
}

static const struct sim_final_ref *find_final(const struct sim_round_view *v, unsigned part,
                                              uint8_t kt, uint32_t seq)
{
    for (size_t i = 0; i < v->nfinals; i++)
        if (v->finals[i].part == part && v->finals[i].key_type == kt && v->finals[i].seq == seq)
            return &v->finals[i];
    return NULL;
}

/* Records a FINAL's elements: which participants hold each. */
static int take_final(struct sim_round_view *v, unsigned pf, const struct sp_peer_final *f)
{
    if (find_final(v, pf, f->key_type, f->seq) != NULL)
        return finding(v, 1, "FINAL (type %u, seq %u) of participant %u sent twice", f->key_type,
                       f->seq, pf);
    if (grow((void **)&v->finals, &v->cap_finals, v->nfinals + 1, sizeof(*v->finals)) != 0 ||
        grow((void **)&v->order, &v->cap_order, v->norder + f->nelements, sizeof(*v->order)) != 0 ||
        grow((void **)&v->els, &v->cap, v->nels + f->nelements, sizeof(*v->els)) != 0)
        return finding(v, 1, "out of memory in the check");
    v->finals[v->nfinals++] =
        (struct sim_final_ref){(uint8_t)pf, f->key_type, f->seq, f->nelements, f->last, v->norder};
    int rc = 0;
    for (uint32_t i = 0; i < f->nelements; i++) {
        const uint8_t *e = f->elements + (size_t)i * SP_PEER_ELEMENT_BYTES;
        long at = find_el(v, f->key_type, e);
        if (at < 0) {
            at = (long)v->nels++;
            v->els[at].key_type = f->key_type;
            memcpy(v->els[at].e, e, SP_PEER_ELEMENT_BYTES);
            v->els[at].mask = 0;
        } else if (v->els[at].mask & (UINT32_C(1) << pf)) {
            rc = finding(v, 1, "participant %u sent an element of type %u twice in its FINALs", pf,
                         f->key_type);
        }
        v->els[at].mask |= UINT32_C(1) << pf;
        v->order[v->norder++] = (uint32_t)at;
    }
    return rc;
}

/* The counting node's own FINALs go to itself through the engine's
 * self-delivery queue and never cross a port. They hold its fully blinded
 * own values, which the check does see as they come home: the BATCHes to
 * it with itself as origin and hops n (round/final.c's send_final copies
 * exactly those elements into its FINALs). Its bit in an element's holder
 * set comes from them. */
static int take_home(struct sim_round_view *v, const struct sp_peer_batch *b)
{
    if (grow((void **)&v->els, &v->cap, v->nels + b->nelements, sizeof(*v->els)) != 0)
        return finding(v, 1, "out of memory in the check");
    for (uint32_t i = 0; i < b->nelements; i++) {
        const uint8_t *e = b->elements + (size_t)i * SP_PEER_ELEMENT_BYTES;
        long at = find_el(v, b->key_type, e);
        if (at < 0) {
            at = (long)v->nels++;
            v->els[at].key_type = b->key_type;
            memcpy(v->els[at].e, e, SP_PEER_ELEMENT_BYTES);
            v->els[at].mask = 0;
        }
        v->els[at].mask |= UINT32_C(1) << v->counter;
    }
    return 0;
}

/* Each holders value must be exactly what the mode discloses for the
 * element's holder set (every FINAL's sender, the counting node's from
 * take_home). */
static int check_verdict(struct sim_round_view *v, unsigned pt, const struct sp_peer_verdict *vd)
{
    if (v->mode == SP_PROPOSAL_MODE_COUNTS)
        return vd->nholders == 0
                   ? 0
                   : finding(v, 2, "VERDICT with %u holders to participant %u in counts mode",
                             vd->nholders, pt);
    const struct sim_final_ref *f = find_final(v, pt, vd->key_type, vd->seq);
    if (f == NULL)
        return finding(v, 1, "VERDICT (type %u, seq %u) to participant %u for no FINAL",
                       vd->key_type, vd->seq, pt);
    if (f->n != vd->nholders)
        return finding(v, 1, "VERDICT (type %u, seq %u) to participant %u: %u holders for %u",
                       vd->key_type, vd->seq, pt, vd->nholders, f->n);
    for (uint32_t i = 0; i < vd->nholders; i++) {
        uint32_t mask = v->els[v->order[f->first + i]].mask;
        uint32_t d = sp_round_disclose(v->mode, mask, v->k, pt);
        uint32_t h = vd->holders[i];
        if (h == d)
            continue;
        if (h & ~d)
            return finding(v, 2,
                           "VERDICT (type %u, seq %u) to participant %u discloses %#x where the "
                           "mode allows %#x",
                           vd->key_type, vd->seq, pt, h, d);
        return finding(v, 1, "VERDICT (type %u, seq %u) to participant %u: holders %#x, not %#x",
                       vd->key_type, vd->seq, pt, h, d);
    }
    return 0;
}

static int check_batch(struct sim_round_view *v, unsigned pf, unsigned pt,
                       const struct sp_peer_batch *b)
{
    if (pt != sp_ring_succ(pf, v->n))
        return finding(v, 2, "BATCH from participant %u to %u, not its ring successor", pf, pt);
    if (b->origin >= v->n || b->hops < 1 || b->hops > v->n || (b->origin + b->hops) % v->n != pt)
        return finding(v, 1, "BATCH from %u to %u with origin %u and hops %u", pf, pt, b->origin,
                       b->hops);
    if (b->origin == pt && b->hops != v->n)
        return finding(v, 2, "participant %u receives its own values with %u of %u keys", pt,
                       b->hops, v->n);
    return 0;
}

static int check_done(struct sim_round_view *v, unsigned pf, const struct sp_peer_done *d)
{
    if (d->nsubjects > 0 && v->mode != SP_PROPOSAL_MODE_PARTNERS)
        return finding(v, 2, "DONE of participant %u carries subject cells in mode %d", pf,
                       v->mode);
    for (uint32_t i = 0; i < d->nsubjects; i++) {
        uint32_t h = d->subjects[i].holders;
        if ((h & (0u - h)) != (UINT32_C(1) << pf))
            return finding(v, 1, "DONE of participant %u: a subject cell %#x it is not lowest in",
                           pf, h);
    }
    return 0;
}

/* ACCEPT declares the sender's distinct values of the types it offers. */
static int check_accept(struct sim_round_view *v, unsigned pf, const struct sp_peer_accept *a)
{
    for (uint32_t i = 0; i < a->nset_sizes; i++) {
        uint8_t t = a->set_sizes[i].key_type;
        if (t >= 17 || !(v->types[pf] & (UINT32_C(1) << t)))
            return finding(v, 1, "ACCEPT of participant %u announces type %u it does not offer", pf,
                           t);
        if (a->set_sizes[i].count != v->sizes[pf][t])
            return finding(v, 1, "ACCEPT of participant %u: %llu values of type %u, it has %llu",
                           pf, (unsigned long long)a->set_sizes[i].count, t,
                           (unsigned long long)v->sizes[pf][t]);
    }
    return 0;
}

int sim_check_finals_complete(struct sim_round_view *v)
{
    for (size_t i = 0; i < v->nfinals; i++) {
        const struct sim_final_ref *f = &v->finals[i];
        if (!f->last || f->part == v->counter)
            continue;
        uint64_t sum = 0;
        for (size_t j = 0; j < v->nfinals; j++)
            if (v->finals[j].part == f->part && v->finals[j].key_type == f->key_type)
                sum += v->finals[j].n;
        if (f->key_type < 17 && sum != v->sizes[f->part][f->key_type])
            return finding(v, 1,
                           "participant %u sent %llu values of type %u in FINALs, it has %llu",
                           f->part, (unsigned long long)sum, f->key_type,
                           (unsigned long long)v->sizes[f->part][f->key_type]);
    }
    return 0;
}

static bool reason_clean(const struct sim_round_view *v, const struct sp_peer_reason *r)
{
    return sim_check_text_clean(r->reason, strlen(r->reason)) &&
           sim_case_text_clean(v->case_list, r->reason, strlen(r->reason));
}

/* CASE_ASK asks exactly what the proposal declares (the asker's sizes);
 * CASE_TELL tells a partner about at most as many fingerprints per key
 * type as it was asked about. */
static int check_case_ask(struct sim_round_view *v, unsigned pt, const struct sp_peer_case_ask *a)
{
    uint64_t total = 0, want = 0;
    for (uint32_t g = 0; g < a->ngroups; g++) {
        uint8_t t = a->groups[g].key_type;
        total += a->groups[g].nelements;
        if (t >= 17 || a->groups[g].nelements != v->sizes[v->initiator][t])
            return finding(v, 1,
                           "CASE_ASK to participant %u asks %u values of type %u, declared %llu",
                           pt, a->groups[g].nelements, t,
                           t < 17 ? (unsigned long long)v->sizes[v->initiator][t] : 0ull);
    }
    for (int t = 0; t < 17; t++)
        want += v->sizes[v->initiator][t];
    if (total != want)
        return finding(v, 1, "CASE_ASK to participant %u asks %llu values, declared %llu", pt,
                       (unsigned long long)total, (unsigned long long)want);
    return 0;
}

static int check_case_tell(struct sim_round_view *v, unsigned pt,
                           const struct sp_peer_case_tell *tl)
{
    for (uint32_t g = 0; g < tl->ngroups; g++) {
        uint8_t t = tl->groups[g].key_type;
        if (t >= 17 || tl->groups[g].nfp > v->sizes[v->initiator][t])
            return finding(v, 2,
                           "CASE_TELL to participant %u: %u fingerprints of type %u, asked %llu",
                           pt, tl->groups[g].nfp, t,
                           t < 17 ? (unsigned long long)v->sizes[v->initiator][t] : 0ull);
    }
    return 0;
}

/* A case question (docs/case-questions.md, "Who learns what"): CASE_ASK
 * and CASE_TELL from the asker to a partner, CASE_ANSWER and REFUSE from a
 * partner to the asker, ABORT, ERROR and LOG_HEAD either way; nothing of a
 * round over datasets. */
static int check_case(struct sim_round_view *v, unsigned pf, unsigned pt,
                      const struct sp_peer_msg *m)
{
    bool from_asker = pf == v->initiator, to_asker = pt == v->initiator;
    switch (m->type) {
    case SP_PEER_CASE_ASK:
    case SP_PEER_CASE_TELL:
        if (!from_asker || to_asker)
            return finding(v, 2, "%s from participant %u to %u", sp_peer_type_name(m->type), pf,
                           pt);
        return m->type == SP_PEER_CASE_ASK ? check_case_ask(v, pt, &m->case_ask)
                                           : check_case_tell(v, pt, &m->case_tell);
    case SP_PEER_CASE_ANSWER:
    case SP_PEER_REFUSE:
        if (from_asker || !to_asker)
            return finding(v, 2, "%s from participant %u to %u, not the asker",
                           sp_peer_type_name(m->type), pf, pt);
        return 0;
    case SP_PEER_ABORT:
    case SP_PEER_LOG_HEAD:
        return 0;
    default:
        return finding(v, 1, "%s in a case question", sp_peer_type_name(m->type));
    }
}

/* Filters travel outside rounds: a node sends its filter only to a node of
 * its case_askers, and only asking nodes request filters. */
static int check_filters(struct sim_round_view *v, unsigned from, unsigned to,
                         const struct sp_peer_msg *m)
{
    if (from >= SIM_MAX_NODES || to >= SIM_MAX_NODES)
        return 0;
    if (m->type == SP_PEER_FILTER && !(v->serves[from] & (UINT32_C(1) << to)))
        return finding(v, 2, "FILTER from node %u to node %u, not one of its case askers", from,
                       to);
    if (m->type == SP_PEER_FILTER_REQ && !(v->case_asker_nodes & (UINT32_C(1) << from)))
        return finding(v, 1, "FILTER_REQ from node %u, which does not ask", from);
    return 0;
}

/* PROGRESS (liveness, ROUNDS.md "Faults"): its work is a count of values
 * that the participants' set sizes bound (elements of BATCHes and FINALs
 * sent and received, VERDICT messages, values counted and mapped: at most
 * about 7 x all participants' values), never a count of rows or matches;
 * it never goes down between two participants. More than the bound would
 * carry something else: a privacy finding. */
static int check_progress(struct sim_round_view *v, unsigned pf, unsigned pt,
                          const struct sp_peer_progress *pg)
{
    uint64_t all = 0;
    for (unsigned p = 0; p < v->n; p++)
        for (unsigned t = 1; t < 17; t++)
            all += v->sizes[p][t];
    uint64_t bound = 8 * all + 16 * 32; /* + VERDICTs of empty streams */
    if (pg->work > bound)
        return finding(v, 2,
                       "PROGRESS from participant %u reports %llu, beyond what the set "
                       "sizes allow (%llu)",
                       pf, (unsigned long long)pg->work, (unsigned long long)bound);
    if (pg->work < v->progress_work[pf][pt])
        return finding(v, 1, "PROGRESS from participant %u to %u went down", pf, pt);
    v->progress_work[pf][pt] = pg->work;
    return 0;
}

/* The rules of one decoded message of the view's round. */
static int check_rules(struct sim_round_view *v, unsigned pf, unsigned pt,
                       const struct sp_peer_msg *m)
{
    if (v->mode == SP_PROPOSAL_MODE_CASE)
        return check_case(v, pf, pt, m);
    switch (m->type) {
    case SP_PEER_PROPOSE:
    case SP_PEER_START:
        if (pf != v->initiator)
            return finding(v, 1, "%s from participant %u, not the initiator",
                           sp_peer_type_name(m->type), pf);
        /* START only when every other participant accepted */
        if (m->type == SP_PEER_START &&
            (v->accepted | (UINT32_C(1) << v->initiator)) != (UINT32_C(1) << v->n) - 1)
            return finding(v, 1, "START to participant %u before every participant accepted", pt);
        return 0;
    case SP_PEER_ACCEPT:
    case SP_PEER_REFUSE:
    case SP_PEER_DONE:
        if (pt != v->initiator)
            return finding(v, 2, "%s to participant %u, not the initiator",
                           sp_peer_type_name(m->type), pt);
        if (m->type == SP_PEER_ACCEPT) {
            v->accepted |= UINT32_C(1) << pf;
            return check_accept(v, pf, &m->accept);
        }
        return m->type == SP_PEER_DONE ? check_done(v, pf, &m->done) : 0;
    case SP_PEER_BATCH: {
        int rc = check_batch(v, pf, pt, &m->batch);
        if (rc == 0 && pt == v->counter && m->batch.origin == pt && m->batch.hops == v->n)
            rc = take_home(v, &m->batch);
        return rc;
    }
    case SP_PEER_FINAL:
        if (pt != v->counter)
            return finding(v, 2, "FINAL from participant %u to %u, not the counting node", pf, pt);
        return take_final(v, pf, &m->final);
    case SP_PEER_VERDICT:
        if (pf != v->counter)
            return finding(v, 2, "VERDICT from participant %u, not the counting node", pf);
        return check_verdict(v, pt, &m->verdict);
    case SP_PEER_COUNTS:
        if (pf != v->counter || pt != v->initiator)
            return finding(v, 2, "COUNTS from participant %u to %u", pf, pt);
        return 0;
    case SP_PEER_PROGRESS:
        return check_progress(v, pf, pt, &m->progress);
    default:
        return 0;
    }
}

int sim_check_message(struct sim_round_view *v, unsigned from, unsigned to, const uint8_t *bytes,
                      size_t len)
{
    struct sp_peer_msg m;
    int rc = 0;

    v->messages++;
    if (sp_peer_decode(bytes, len, &m) != 0)
        return finding(v, 1, "node %u sent node %u a message that does not decode", from, to);
    if ((m.type == SP_PEER_REFUSE && !reason_clean(v, &m.refuse)) ||
        (m.type == SP_PEER_ABORT && !reason_clean(v, &m.abort)) ||
        (m.type == SP_PEER_ERROR && !reason_clean(v, &m.error))) {
        rc = finding(v, 2, "a %s reason from node %u names a value", sp_peer_type_name(m.type),
                     from);
        goto out;
    }
    if (v->mode == SP_PROPOSAL_MODE_CASE && (rc = check_filters(v, from, to, &m)) != 0)
        goto out;
    if (m.type == SP_PEER_ERROR || !v->have_id || memcmp(m.round_id, v->round_id, 16) != 0)
        goto out; /* ERRORs answer anything; other rounds are not this view's */
    if (to >= SIM_MAX_NODES || v->part_of[to] < 0) {
        rc = finding(v, 2, "%s for the round sent to node %u, not a participant",
                     sp_peer_type_name(m.type), to);
        goto out;
    }
    if (from >= SIM_MAX_NODES || v->part_of[from] < 0) {
        rc = finding(v, 1, "%s for the round sent by node %u, not a participant",
                     sp_peer_type_name(m.type), from);
        goto out;
    }
    rc = check_rules(v, (unsigned)v->part_of[from], (unsigned)v->part_of[to], &m);
out:
    sp_peer_msg_clear(&m);
    return rc;
}
