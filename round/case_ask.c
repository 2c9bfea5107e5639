/* The asking node's case question (docs/case-questions.md, "A question"):
 * the signed proposal and the case list come in through control
 * (CASE_ASK); the list's values are hashed with H_case and blinded with a
 * fresh scalar each (a job); one CASE_ASK goes to every partner; each
 * answer is unblinded and fingerprinted (a job per partner) and looked up in
 * that partner's filter once this node's copy is at least as new as the
 * answer. When every partner has answered, refused, or the deadline came,
 * the results are stored: per case subject and partner the key types it is
 * known through and their strongest class, and a row saying so for a
 * subject nobody knows. With tell_holders each partner that answered is
 * told the fingerprints found there (an empty CASE_TELL: none).
 *
 * A question is not failed by one partner: a partner that refuses, aborts
 * or does not answer in time is recorded as such (the round's reason, the
 * audit), and the others' answers stand. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/oprf.h"
#include "round/case_q.h"

/* The dataset name the asker's rows carry. */
#define CASE_DATASET "case"

static uint32_t others(const struct sp_round *r)
{
    return sp_eng_all_bits(r->n) & ~(UINT32_C(1) << r->me);
}

static int today_of(const struct sp_engine *e)
{
    time_t t = (time_t)(e->now.wall_ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 99991231;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* The list must be exactly what the proposal declares: its size per key
 * type is what every partner checks and what the coordinator signed. */
static int check_sizes(const struct sp_proposal *p, const struct sp_case_list *l,
                       struct sp_ctl_reply *reply)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (l->count[t] == p->case_sizes[t])
            continue;
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, SP_ERR_INVALID_ARG,
                                "the case list has %" PRIu32 " distinct %s values; the proposal "
                                "declares %" PRIu32,
                                l->count[t], sp_key_type_name(t), p->case_sizes[t]);
    }
    return 0;
}

/* ---- blinding: a job -------------------------------------------------- */

struct blind_job {
    const struct sp_case_list *l; /* read-only while the job is out */
    uint8_t *out;                 /* nvalues * 32 */
    struct sp_oprf_blinds *blinds;
};

static void blind_job_free(void *p)
{
    struct blind_job *b = p;
    if (!b)
        return;
    free(b->out);
    sp_oprf_blinds_free(&b->blinds);
    free(b);
}

static void blind_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    struct blind_job *b = j->cdata;
    const struct sp_case_list *l = b->l;
    int rc = 0;
    for (uint32_t i = 0; i < l->nvalues && rc == 0;) {
        uint32_t k = i;
        while (k < l->nvalues && l->values[k].type == l->values[i].type)
            k++;
        rc = sp_oprf_hash_many(b->out + (size_t)i * SP_ENG_ELEM, l->values[i].type, l->vals,
                               l->offs + i, k - i);
        i = k;
    }
    if (rc == 0)
        rc = sp_oprf_blind(b->out, l->nvalues, &b->blinds);
    j->rc = rc;
}

static int start_blinding(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_CASE_BLIND);
    struct blind_job *b = calloc(1, sizeof(*b));
    if (!j || !b || !(b->out = malloc((size_t)q->list.nvalues * SP_ENG_ELEM))) {
        blind_job_free(b);
        sp_eng_job_free(j);
        return SP_ERR_NOMEM;
    }
    b->l = &q->list;
    j->cdata = b;
    j->cfree = blind_job_free;
    j->base.run = blind_run;
    q->blinding = true;
    sp_eng_job_submit(r, j);
    return 0;
}

/* ---- asking ----------------------------------------------------------- */

static void part_failed(struct sp_round *r, unsigned p, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void part_failed(struct sp_round *r, unsigned p, int code, const char *fmt, ...)
{
    struct sp_eng_case_q *q = r->cq;
    uint32_t bit = UINT32_C(1) << p;
    if (!(q->pending & bit))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->part[p].why, sizeof(q->part[p].why), fmt, ap);
    va_end(ap);
    q->pending &= ~bit;
    q->failed |= bit;
    q->part[p].code = code < 0 ? code : SP_ERR_ROUND_FAILED;
    sp_eng_warn(r->eng, "case question %s: %s: %s", r->hex, sp_eng_pname(r, p), q->part[p].why);
}

/* One CASE_ASK, the same for every partner: the proposal, its signature,
 * and the blinded values grouped by key type in asking order. */
static void fill_ask(const struct sp_round *r, struct sp_peer_msg *m)
{
    const struct sp_eng_case_q *q = r->cq;
    m->type = SP_PEER_CASE_ASK;
    m->case_ask.propose =
        (struct sp_peer_propose){r->prop_bytes,    r->prop_len,   r->audit.sig,
                                 r->audit.sig_len, r->audit.cert, r->audit.cert_len};
    for (uint32_t i = 0; i < q->list.nvalues;) {
        uint32_t k = i;
        while (k < q->list.nvalues && q->list.values[k].type == q->list.values[i].type)
            k++;
        struct sp_peer_case_group *g = &m->case_ask.groups[m->case_ask.ngroups++];
        g->key_type = q->list.values[i].type;
        g->elements = q->asked + (size_t)i * SP_ENG_ELEM;
        g->nelements = k - i;
        i = k;
    }
}

static void send_asks(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    q->pending = others(r);
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me)
            continue;
        struct sp_peer_msg m = {0};
        fill_ask(r, &m);
        int rc = sp_eng_send(r, p, &m);
        if (rc)
            part_failed(r, p, rc, "cannot send the question: %s", sp_strerror(rc));
    }
    q->asked_sent = true;
    if (sp_eng_event(r, SP_ROUND_EV_ALL_ACCEPTED) != 0)
        return;
    r->started_at = sp_eng_unix_s(r->eng);
    r->values_sent = (uint64_t)q->list.nvalues * __builtin_popcount(others(r));
    sp_eng_audit_started(r);
    sp_eng_persist(r);
    sp_eng_info(r->eng,
                "case question %s: asked %u partners about %" PRIu32 " subjects (%" PRIu32
                " values)",
                r->hex, r->n - 1, q->list.nsubjects, q->list.nvalues);
}

static void blind_done(struct sp_round *r, struct sp_eng_job *j)
{
    struct sp_eng_case_q *q = r->cq;
    struct blind_job *b = j->cdata;
    q->blinding = false;
    if (j->rc) {
        sp_eng_fail(r, j->rc, false, "cannot blind the case values: %s", sp_strerror(j->rc));
        return;
    }
    q->asked = b->out;
    q->blinds = b->blinds;
    b->out = NULL;
    b->blinds = NULL;
    sp_case_list_forget_values(&q->list); /* hashed: the values are not needed again */
    send_asks(r);
}

/* ---- answers ---------------------------------------------------------- */

struct unblind_job {
    unsigned p;
    const struct sp_case_list *l;
    const struct sp_oprf_blinds *blinds;
    uint8_t *elems; /* the answer in, the PRF outputs out */
    uint64_t *fp;
};

static void unblind_job_free(void *p)
{
    struct unblind_job *u = p;
    if (!u)
        return;
    free(u->elems);
    free(u->fp);
    free(u);
}

static void unblind_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    struct unblind_job *u = j->cdata;
    size_t bad = 0;
    j->rc = sp_oprf_unblind(u->blinds, 0, u->elems, u->l->nvalues, &bad);
    for (uint32_t i = 0; j->rc == 0 && i < u->l->nvalues; i++)
        u->fp[i] = sp_oprf_fingerprint(u->l->values[i].type, u->elems + (size_t)i * SP_ENG_ELEM);
}

/* The answer must have the question's shape: the same key types, the same
 * number of values each, in order. */
static int check_answer(const struct sp_eng_case_q *q, const struct sp_peer_case_answer *a)
{
    uint32_t at = 0;
    for (uint32_t g = 0; g < a->ngroups; g++) {
        const struct sp_peer_case_group *grp = &a->groups[g];
        if (at >= q->list.nvalues || grp->key_type != q->list.values[at].type ||
            grp->nelements != q->list.count[grp->key_type])
            return SP_ERR_PROTO_FIELD;
        at += grp->nelements;
    }
    return at == q->list.nvalues ? 0 : SP_ERR_PROTO_FIELD;
}

static int on_answer(struct sp_round *r, unsigned p, const struct sp_peer_msg *m)
{
    struct sp_eng_case_q *q = r->cq;
    struct sp_eng_case_part *part = &q->part[p];
    if (!(q->pending & (UINT32_C(1) << p)) || part->unblinding || part->fp)
        return SP_ERR_STATE; /* one answer per partner */
    if (check_answer(q, &m->case_answer) != 0)
        return SP_ERR_PROTO_FIELD;
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_CASE_UNBLIND);
    struct unblind_job *u = calloc(1, sizeof(*u));
    size_t n = q->list.nvalues;
    if (!j || !u || !(u->elems = malloc(n * SP_ENG_ELEM)) || !(u->fp = calloc(n, sizeof(*u->fp)))) {
        unblind_job_free(u);
        sp_eng_job_free(j);
        return SP_ERR_NOMEM;
    }
    size_t at = 0;
    for (uint32_t g = 0; g < m->case_answer.ngroups; g++) {
        const struct sp_peer_case_group *grp = &m->case_answer.groups[g];
        memcpy(u->elems + at * SP_ENG_ELEM, grp->elements, (size_t)grp->nelements * SP_ENG_ELEM);
        at += grp->nelements;
    }
    u->p = p;
    u->l = &q->list;
    u->blinds = q->blinds;
    part->epoch = m->case_answer.epoch;
    part->version = m->case_answer.version;
    part->unblinding = true;
    j->cdata = u;
    j->cfree = unblind_job_free;
    j->base.run = unblind_run;
    sp_eng_job_submit(r, j);
    return 0;
}

static void unblind_done(struct sp_round *r, struct sp_eng_job *j)
{
    struct sp_eng_case_q *q = r->cq;
    struct unblind_job *u = j->cdata;
    struct sp_eng_case_part *part = &q->part[u->p];
    part->unblinding = false;
    if (j->rc) {
        part_failed(r, u->p, SP_ERR_CRYPTO_POINT,
                    "answered with values that are not valid group elements");
        return;
    }
    part->fp = u->fp;
    u->fp = NULL;
    /* the copy of its filter must be at least as new as the answer */
    sp_eng_case_filters_want(r->eng, r->peer_of[u->p], part->epoch, part->version);
}

static void look_up(struct sp_round *r, unsigned p)
{
    struct sp_eng_case_q *q = r->cq;
    struct sp_eng_case_part *part = &q->part[p];
    size_t peer = r->peer_of[p];
    if (!(part->found = calloc(q->list.nvalues ? q->list.nvalues : 1, 1))) {
        part_failed(r, p, SP_ERR_NOMEM, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < q->list.nvalues; i++)
        part->found[i] =
            sp_eng_case_filters_contains(r->eng, peer, q->list.values[i].type, part->fp[i]);
    q->pending &= ~(UINT32_C(1) << p);
    q->answered |= UINT32_C(1) << p;
}

/* ---- results ---------------------------------------------------------- */

/* What partner p holds of one subject: per key type found, the strongest
 * class it was derived with (0: not found). */
struct subject_hit {
    uint8_t klass[SP_ENG_NTYPES];
};

static void subject_hits(const struct sp_eng_case_q *q, unsigned p, struct subject_hit *hits)
{
    const struct sp_case_list *l = &q->list;
    memset(hits, 0, l->nsubjects * sizeof(*hits));
    for (uint32_t i = 0; i < l->nvalues; i++) {
        if (!q->part[p].found[i])
            continue;
        const struct sp_case_value *v = &l->values[i];
        uint8_t klass = v->klass ? v->klass : (uint8_t)sp_key_type_class(v->type);
        for (uint32_t k = 0; k < v->n; k++) {
            uint8_t *c = &hits[l->links[v->first + k]].klass[v->type];
            if (!*c || klass < *c)
                *c = klass;
        }
    }
}

/* The key types of one entity found, and their strongest class. */
static uint32_t entity_mask(const struct subject_hit *h, int entity, uint8_t *klass)
{
    uint32_t mask = 0;
    *klass = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!h->klass[t] || sp_key_type_entity(t) != entity)
            continue;
        mask |= SP_KEY_MASK(t);
        if (!*klass || h->klass[t] < *klass)
            *klass = h->klass[t];
    }
    return mask;
}

/* Rows: per subject, one per partner and entity it knows (a partner that
 * knows a person's address is not said to know the person: entities stay
 * apart), in subject, partner, entity order; or one with no partner. */
static int build_rows(struct sp_round *r, struct sp_result_row **out, size_t *nout)
{
    struct sp_eng_case_q *q = r->cq;
    const struct sp_case_list *l = &q->list;
    size_t ns = l->nsubjects;
    struct subject_hit *hits = calloc(ns ? ns * SP_PROTO_MAX_PARTICIPANTS : 1, sizeof(*hits));
    struct sp_result_row *rows = calloc(ns ? ns * r->n * SP_ENTITY_MAX : 1, sizeof(*rows));
    size_t n = 0;
    if (!hits || !rows) {
        free(hits);
        free(rows);
        return SP_ERR_NOMEM;
    }
    for (unsigned p = 0; p < r->n; p++)
        if (q->answered & (UINT32_C(1) << p))
            subject_hits(q, p, hits + (size_t)p * ns);
    uint64_t found = 0;
    memset(r->matched, 0, sizeof(r->matched));
    for (uint32_t s = 0; s < ns; s++) {
        size_t before = n;
        bool seen[SP_ENTITY_COUNT] = {false};
        for (unsigned p = 0; p < r->n; p++) {
            if (!(q->answered & (UINT32_C(1) << p)))
                continue;
            bool knows = false;
            for (int ent = SP_ENTITY_MIN; ent <= SP_ENTITY_MAX; ent++) {
                uint8_t klass;
                uint32_t mask = entity_mask(&hits[(size_t)p * ns + s], ent, &klass);
                if (!mask)
                    continue;
                knows = true;
                rows[n++] = (struct sp_result_row){.dataset = CASE_DATASET,
                                                   .record_id = l->subjects[s].record_id,
                                                   .partner = sp_eng_pname(r, p),
                                                   .key_types = mask,
                                                   .klass = klass};
                if (!seen[ent]) {
                    seen[ent] = true;
                    r->matched[ent]++;
                }
            }
            if (knows)
                q->part[p].known++;
        }
        if (n == before)
            rows[n++] = (struct sp_result_row){
                .dataset = CASE_DATASET, .record_id = l->subjects[s].record_id, .partner = ""};
        else
            found++;
    }
    free(hits);
    q->subjects_found = found;
    r->records_matched = found;
    r->rows = n;
    *out = rows;
    *nout = n;
    return 0;
}

/* The round's reason, for a question some partner did not answer: who and
 * why (the results say what the others know). */
static void summarize(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    size_t at = 0;
    r->reason[0] = '\0';
    for (unsigned p = 0; p < r->n && at < sizeof(r->reason); p++) {
        if (!(q->failed & (UINT32_C(1) << p)))
            continue;
        int w = snprintf(r->reason + at, sizeof(r->reason) - at, "%s%s: %s", at ? "; " : "",
                         sp_eng_pname(r, p), q->part[p].why);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

/* With tell_holders: each partner that answered gets the fingerprints found
 * there, grouped by key type. */
static void tell(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    const struct sp_case_list *l = &q->list;
    uint64_t *fps = malloc((l->nvalues ? l->nvalues : 1) * sizeof(*fps));
    if (!fps)
        return;
    for (unsigned p = 0; p < r->n; p++) {
        if (!(q->answered & (UINT32_C(1) << p)))
            continue;
        struct sp_peer_msg m = {.type = SP_PEER_CASE_TELL};
        m.case_tell.epoch = q->part[p].epoch;
        size_t n = 0;
        for (uint32_t i = 0; i < l->nvalues; i++) {
            if (!q->part[p].found[i])
                continue;
            uint8_t t = l->values[i].type;
            struct sp_peer_fp_group *g =
                m.case_tell.ngroups ? &m.case_tell.groups[m.case_tell.ngroups - 1] : NULL;
            if (!g || g->key_type != t) {
                g = &m.case_tell.groups[m.case_tell.ngroups++];
                g->key_type = t;
                g->fp = fps + n;
                g->nfp = 0;
            }
            fps[n++] = q->part[p].fp[i];
            g->nfp++;
        }
        sp_eng_send_best(r, p, &m);
    }
    free(fps);
}

static void finish(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    const struct sp_engine_store *st = &r->eng->ports.store;
    struct sp_result_row *rows = NULL;
    size_t n = 0;
    uint8_t *blob = NULL;
    size_t len = 0;
    q->finished = true;
    summarize(r);
    if (sp_eng_event(r, SP_ROUND_EV_ANSWERED) != 0)
        return;
    int rc = build_rows(r, &rows, &n);
    if (rc == 0)
        rc = sp_eng_meta(r, SP_ROUND_DONE, &blob, &len);
    if (rc == 0) { /* the audit entries are committed with the results */
        for (unsigned p = 0; p < r->n; p++)
            if (p != r->me)
                sp_eng_audit_case_answer(r, p, q->part[p].code, q->part[p].why, q->part[p].known);
        sp_eng_audit_result(r);
        rc = st->results_commit(st->ctx, r->id, rows, n, NULL, 0, blob, len);
    }
    free(rows);
    free(blob);
    if (rc) {
        sp_eng_fail(r, rc, true, "cannot store the answers: %s", sp_strerror(rc));
        return;
    }
    r->fin.committed = true;
    sp_eng_info(r->eng,
                "case question %s: %" PRIu64 " of %" PRIu32 " subjects known to a partner; %u of "
                "%u partners answered%s%s",
                r->hex, q->subjects_found, q->list.nsubjects, __builtin_popcount(q->answered),
                r->n - 1, r->reason[0] ? "; " : "", r->reason);
    if (r->prop.tell_holders)
        tell(r);
}

/* ---- entry points ----------------------------------------------------- */

void sp_eng_case_ask_advance(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    if (r->state != SP_ROUND_RUNNING || !q->asked_sent || q->finished)
        return;
    for (unsigned p = 0; p < r->n; p++) {
        struct sp_eng_case_part *part = &q->part[p];
        if ((q->pending & (UINT32_C(1) << p)) && part->fp &&
            sp_eng_case_filters_current(r->eng, r->peer_of[p], part->epoch, part->version))
            look_up(r, p);
    }
    if (q->pending == 0)
        finish(r);
}

void sp_eng_case_ask_link_lost(struct sp_round *r, unsigned p, const char *when)
{
    part_failed(r, p, SP_ERR_TIMEOUT, "unreachable since %s", when);
    sp_eng_case_ask_advance(r);
}

void sp_eng_case_ask_deadline(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    for (unsigned p = 0; p < r->n; p++) {
        if (!(q->pending & (UINT32_C(1) << p)))
            continue;
        if (q->part[p].fp)
            part_failed(r, p, SP_ERR_TIMEOUT,
                        "its filter could not be brought up to date before the deadline");
        else
            part_failed(r, p, SP_ERR_TIMEOUT, "no answer before the deadline of %" PRIu32 " s",
                        r->prop.deadline_s);
    }
    sp_eng_case_ask_advance(r);
}

int sp_eng_case_ask_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from == r->me)
        return SP_ERR_PEER_REFUSED;
    switch (m->type) {
    case SP_PEER_CASE_ANSWER:
        return r->state == SP_ROUND_RUNNING ? on_answer(r, from, m) : SP_ERR_STATE;
    case SP_PEER_REFUSE:
        part_failed(r, from, m->refuse.code, "refused: %s", m->refuse.reason);
        return 0;
    case SP_PEER_ERROR:
        part_failed(r, from, m->error.code, "refused a message of this node: %s", m->error.reason);
        return 0;
    case SP_PEER_ABORT:
        part_failed(r, from, m->abort.code, "aborted: %s", m->abort.reason);
        return 0;
    default:
        return SP_ERR_STATE;
    }
}

void sp_eng_case_ask_job_done(struct sp_round *r, struct sp_eng_job *j)
{
    if (j->kind == SP_ENG_JOB_CASE_BLIND)
        blind_done(r, j);
    else if (j->kind == SP_ENG_JOB_CASE_UNBLIND)
        unblind_done(r, j);
}

/* Checks and creates the question's round; the list moves into it. */
static int create(struct sp_engine *e, const struct sp_ctl_case_ask *req,
                  const struct sp_proposal *prop, struct sp_case_list *list,
                  struct sp_ctl_reply *reply)
{
    char reason[SP_ENG_REASON_MAX + 1] = "";
    struct sp_engine_verdict v;
    struct sp_round *r = NULL;
    const uint8_t *bytes = req->propose.proposal;
    size_t len = req->propose.proposal_len;
    int rc;
    if (sp_eng_round_id_seen(e, prop->round_id))
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, SP_ERR_PROPOSAL_REPLAY,
                                "round id already seen (a replayed proposal)");
    if ((rc = sp_eng_audit_judge(e, prop, bytes, len, &req->propose, &v, reason, sizeof(reason))) !=
        0) {
        sp_eng_audit_refused(e, prop->round_id, bytes, len, prop, e->cfg->node, NULL, rc, reason);
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, rc, "%s", reason);
    }
    unsigned me = (unsigned)sp_proposal_participant_index(prop, e->cfg->node);
    if ((rc = sp_eng_round_create(e, prop, bytes, len, me, SP_ROUND_PROPOSED, &r)) != 0)
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, rc, "cannot create the question: %s",
                                sp_strerror(rc));
    if (!(r->cq = calloc(1, sizeof(*r->cq))) || (rc = sp_eng_audit_bind(r, &v, &req->propose))) {
        rc = rc ? rc : SP_ERR_NOMEM;
        sp_eng_fail(r, rc, false, "out of memory");
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, rc, "out of memory");
    }
    r->cq->list = *list;
    memset(list, 0, sizeof(*list));
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        r->set_sizes[t] = r->cq->list.count[t];
    r->created_at = prop->created_at;
    sp_eng_audit_accepted(r);
    sp_eng_persist(r);
    if ((rc = start_blinding(r)) != 0) {
        sp_eng_fail(r, rc, false, "cannot blind the case values");
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, rc, "cannot blind the case values");
    }
    memcpy(reply->round_id, r->id, sizeof(reply->round_id));
    return 0;
}

int sp_eng_case_ask_ctl(struct sp_engine *e, const struct sp_ctl_case_ask *req,
                        struct sp_ctl_reply *reply)
{
    struct sp_proposal *prop = calloc(1, sizeof(*prop));
    struct sp_case_list list;
    char why[SP_ENG_REASON_MAX + 1];
    int rc;
    memset(&list, 0, sizeof(list));
    if (!prop)
        return sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, SP_ERR_NOMEM, "out of memory");
    if (!e->cfg->case_ask) {
        rc = sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, SP_ERR_POLICY,
                              "this node does not ask case questions (case_ask = no)");
        goto out;
    }
    if ((rc = sp_proposal_decode(req->propose.proposal, req->propose.proposal_len, prop)) != 0) {
        sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, rc, "the proposal cannot be decoded: %s",
                         sp_strerror(rc));
        goto out;
    }
    if (prop->mode != SP_PROPOSAL_MODE_CASE) {
        rc = sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, SP_ERR_INVALID_ARG,
                              "the proposal is not a case question (its mode is not case)");
        goto out;
    }
    if (sp_proposal_participant_index(prop, e->cfg->node) != prop->counter) {
        rc = sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, SP_ERR_INVALID_ARG,
                              "the proposal names %s as the asking node, not this node",
                              prop->participants[prop->counter].name);
        goto out;
    }
    if ((rc = sp_eng_setup_check(e, prop, SP_CTL_CASE_ASK, reply)) != 0)
        goto out;
    if ((rc = sp_case_list_read(&list, req->mapping, req->mapping_len, req->data, req->data_len,
                                today_of(e), why, sizeof(why))) != 0) {
        sp_eng_ctl_error(reply, SP_CTL_CASE_ASK, rc, "%s", why);
        goto out;
    }
    if ((rc = check_sizes(prop, &list, reply)) != 0)
        goto out;
    rc = create(e, req, prop, &list, reply);
out:
    sp_case_list_free(&list);
    free(prop);
    return rc;
}

void sp_eng_case_ask_release(struct sp_eng_case_q *q)
{
    sp_case_list_free(&q->list);
    sp_oprf_blinds_free(&q->blinds);
    free(q->asked);
    q->asked = NULL;
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++) {
        free(q->part[p].answer);
        free(q->part[p].fp);
        free(q->part[p].found);
        q->part[p].answer = NULL;
        q->part[p].fp = NULL;
        q->part[p].found = NULL;
    }
}
