/* A partner's side of a case question (docs/case-questions.md): a CASE_ASK
 * is judged like a PROPOSE (signature, expiry, policy, membership, this
 * node's deadline) and then as a question: it must ask exactly what its
 * proposal declares (a question larger than its proposal is a lie), this
 * node's epoch outputs must be ready and hold every key type asked, and the
 * coordinator's questions and values this epoch must stay within this
 * node's rate (the quota in the store, so a restart does not reset it).
 * Then the values are evaluated under the epoch keys (a job) and answered.
 * The partner learns the question's size and nothing else; with
 * tell_holders it waits for the asker's CASE_TELL and stores which of its
 * own records the found fingerprints are (at most as many as it was asked
 * about, so an asker cannot make it mark its whole filter). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/group.h"
#include "round/case_q.h"

static uint32_t quota_questions(const struct sp_engine *e)
{
    return e->cfg->case_questions_per_epoch ? e->cfg->case_questions_per_epoch : 20;
}

static uint64_t quota_values(const struct sp_engine *e)
{
    return e->cfg->case_values_per_epoch ? e->cfg->case_values_per_epoch : 1000;
}

static uint32_t max_values(const struct sp_engine *e)
{
    return e->cfg->case_max_values ? e->cfg->case_max_values : 100;
}

/* The question against its proposal: the asker's key types and sizes,
 * exactly. */
static int check_shape(const struct sp_proposal *p, const struct sp_peer_case_ask *a,
                       uint32_t *total, char *reason, size_t cap)
{
    uint32_t asked[SP_KEY_TYPE_COUNT] = {0};
    *total = 0;
    for (uint32_t g = 0; g < a->ngroups; g++) {
        asked[a->groups[g].key_type] = a->groups[g].nelements;
        *total += a->groups[g].nelements;
    }
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (asked[t] == p->case_sizes[t])
            continue;
        snprintf(reason, cap,
                 "the question asks %" PRIu32 " %s values; its proposal declares %" PRIu32,
                 asked[t], sp_key_type_name(t), p->case_sizes[t]);
        return SP_ERR_ROUND_REFUSED;
    }
    return 0;
}

/* This node's own limits on what it answers (the policy judged the
 * proposal; these hold for the question itself, whoever judges). */
static int check_local(const struct sp_engine *e, size_t peer, const struct sp_peer_case_ask *a,
                       uint32_t total, char *reason, size_t cap)
{
    uint32_t epoch;
    uint64_t version;
    if (!e->cfg->case_key_mask) {
        snprintf(reason, cap, "this node answers no case questions (case_key_types is empty)");
        return SP_ERR_POLICY;
    }
    if (!sp_eng_case_may_ask(e, peer)) {
        snprintf(reason, cap, "node %s is not among this node's case_askers", e->cfg->peers[peer]);
        return SP_ERR_POLICY;
    }
    if (total > max_values(e)) {
        snprintf(reason, cap,
                 "the question asks %" PRIu32 " values; this node answers at most %" PRIu32
                 " (case_max_values)",
                 total, max_values(e));
        return SP_ERR_POLICY;
    }
    for (uint32_t g = 0; g < a->ngroups; g++) {
        int t = a->groups[g].key_type;
        if (!(e->cfg->case_key_mask & SP_KEY_MASK(t))) {
            snprintf(reason, cap,
                     "this node answers no case questions about %s values "
                     "(case_key_types)",
                     sp_key_type_name(t));
            return SP_ERR_POLICY;
        }
    }
    if (!sp_eng_case_own_ready(e, &epoch, &version)) {
        snprintf(reason, cap, "this node's case outputs are being computed; ask again later");
        return SP_ERR_BUSY;
    }
    /* Ready, and still a key may not be lent: a rotation waits for the
     * borrowed keys, or a type newly in case_key_types has no committed
     * outputs yet. Refused as busy here, by the rule start_eval's borrow
     * follows, not as a state error after the question was accepted. */
    for (uint32_t g = 0; g < a->ngroups; g++) {
        int t = a->groups[g].key_type;
        if (!sp_eng_case_own_lendable(e, t)) {
            snprintf(reason, cap,
                     "this node's case outputs for %s values are being computed; ask again later",
                     sp_key_type_name(t));
            return SP_ERR_BUSY;
        }
    }
    return 0;
}

/* The coordinator's questions and values this epoch (the quota port);
 * counts this one when add. */
static int check_quota(struct sp_engine *e, const struct sp_engine_verdict *v, uint32_t total,
                       bool add, char *reason, size_t cap)
{
    const struct sp_engine_case_store *cs = &e->ports.store.cases;
    uint32_t epoch = 0, questions = 0;
    uint64_t version = 0, values = 0;
    static const uint8_t unsigned_fp[32] = {0};
    (void)sp_eng_case_own_ready(e, &epoch, &version);
    int rc = cs->quota(e->ports.store.ctx, epoch, v->is_signed ? v->coord_cert_fp : unsigned_fp,
                       add, total, &questions, &values);
    if (rc) {
        snprintf(reason, cap, "cannot read this node's case quota: %s", sp_strerror(rc));
        return rc;
    }
    if (questions >= quota_questions(e)) {
        snprintf(reason, cap,
                 "the coordinator asked %" PRIu32 " questions this epoch; this node answers "
                 "%" PRIu32 " per coordinator and epoch (case_questions_per_epoch)",
                 questions, quota_questions(e));
        return SP_ERR_POLICY;
    }
    if (values + total > quota_values(e)) {
        snprintf(reason, cap,
                 "the coordinator asked about %" PRIu64 " values this epoch; %" PRIu32
                 " more would pass this node's %" PRIu64 " (case_values_per_epoch)",
                 values, total, quota_values(e));
        return SP_ERR_POLICY;
    }
    return 0;
}

/* Everything a CASE_ASK is judged by; 0 with *prop and *v filled, or a
 * refusal code with reason (*decoded: *prop holds the proposal). */
static int judge(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m,
                 struct sp_proposal *prop, struct sp_engine_verdict *v, bool *decoded,
                 uint32_t *total, char *reason, size_t cap)
{
    const struct sp_peer_case_ask *a = &m->case_ask;
    int rc = sp_eng_proposal_open(&a->propose, m->round_id, prop, decoded, reason, cap);
    if (rc)
        return rc;
    if (prop->mode != SP_PROPOSAL_MODE_CASE ||
        strcmp(prop->participants[prop->counter].name, e->cfg->peers[peer]) != 0) {
        snprintf(reason, cap,
                 "a case question must come from the node its proposal names as "
                 "asking");
        return SP_ERR_ROUND_REFUSED;
    }
    if ((rc = sp_eng_audit_judge(e, prop, a->propose.proposal, a->propose.proposal_len, &a->propose,
                                 v, reason, cap)) != 0)
        return rc;
    if ((rc = sp_eng_judge_membership(e, peer, prop, reason, cap)) != 0 ||
        (rc = check_shape(prop, a, total, reason, cap)) != 0 ||
        (rc = check_local(e, peer, a, *total, reason, cap)) != 0)
        return rc;
    return check_quota(e, v, *total, false, reason, cap);
}

/* A refused question: answered, recorded (so that a replay is caught, when
 * the round exists), audited. */
static void refuse_question(struct sp_engine *e, struct sp_round *r, size_t peer,
                            const struct sp_peer_msg *m, const struct sp_proposal *prop, int code,
                            const char *reason)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(m->round_id, hex);
    sp_eng_warn(e, "case question %s from %s: refused: %s", hex, e->cfg->peers[peer], reason);
    sp_eng_send_refuse(e, peer, m->round_id, code, reason);
    sp_eng_audit_refused(e, m->round_id, m->case_ask.propose.proposal,
                         m->case_ask.propose.proposal_len, prop, e->cfg->peers[peer],
                         e->cfg->peers[peer], code, reason);
    if (r) {
        snprintf(r->reason, sizeof(r->reason), "%s", reason);
        r->state = SP_ROUND_REFUSED;
        r->finished_at = sp_eng_unix_s(e);
        sp_eng_persist(r);
        sp_eng_audit_ended(r);
    }
}

/* ---- evaluation: a job ------------------------------------------------ */

struct eval_job {
    uint8_t *elems; /* every group's values, in order; answered in place */
    uint32_t n[SP_KEY_TYPE_COUNT];
    const struct sp_round_key *key[SP_KEY_TYPE_COUNT]; /* borrowed from the epoch */
    uint8_t types[SP_KEY_TYPE_MAX];
    uint32_t ntypes;
};

static void eval_job_free(void *p)
{
    struct eval_job *x = p;
    if (!x)
        return;
    free(x->elems);
    free(x);
}

static void eval_run(struct sp_job *base)
{
    struct sp_eng_job *j = (struct sp_eng_job *)base;
    struct eval_job *x = j->cdata;
    size_t at = 0;
    j->rc = 0;
    for (uint32_t g = 0; g < x->ntypes && j->rc == 0; g++) {
        uint8_t t = x->types[g];
        j->rc = sp_blind_batch(x->key[t], x->elems + at * SP_ENG_ELEM, x->n[t], NULL);
        at += x->n[t];
    }
}

static int start_eval(struct sp_round *r, const struct sp_peer_case_ask *a)
{
    struct sp_engine *e = r->eng;
    struct sp_eng_case_q *q = r->cq;
    struct sp_eng_job *j = sp_eng_job_new(r, SP_ENG_JOB_CASE_EVAL);
    struct eval_job *x = calloc(1, sizeof(*x));
    uint32_t total = 0;
    for (uint32_t g = 0; g < a->ngroups; g++)
        total += a->groups[g].nelements;
    if (!j || !x || !(x->elems = malloc((size_t)total * SP_ENG_ELEM))) {
        eval_job_free(x);
        sp_eng_job_free(j);
        return SP_ERR_NOMEM;
    }
    size_t at = 0;
    for (uint32_t g = 0; g < a->ngroups; g++) {
        const struct sp_peer_case_group *grp = &a->groups[g];
        uint8_t t = grp->key_type;
        memcpy(x->elems + at * SP_ENG_ELEM, grp->elements, (size_t)grp->nelements * SP_ENG_ELEM);
        at += grp->nelements;
        x->n[t] = grp->nelements;
        x->types[x->ntypes++] = t;
        q->n_asked[t] = grp->nelements;
        if (!(x->key[t] = sp_eng_case_own_borrow(e, t))) {
            for (uint32_t k = 0; k + 1 < x->ntypes; k++)
                sp_eng_case_own_return(e);
            eval_job_free(x);
            sp_eng_job_free(j);
            return SP_ERR_STATE;
        }
    }
    q->borrowed = true;
    q->eval_out = true;
    j->cdata = x;
    j->cfree = eval_job_free;
    j->base.run = eval_run;
    sp_eng_job_submit(r, j);
    return 0;
}

static void return_keys(struct sp_round *r)
{
    struct sp_eng_case_q *q = r->cq;
    if (!q || !q->borrowed)
        return;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (q->n_asked[t])
            sp_eng_case_own_return(r->eng);
    q->borrowed = false;
}

/* Results with no rows: the question is answered and nothing is stored
 * about it but its round record and audit entries. */
static void commit(struct sp_round *r, const struct sp_result_row *rows, size_t n)
{
    const struct sp_engine_store *st = &r->eng->ports.store;
    uint8_t *blob = NULL;
    size_t len = 0;
    if (sp_eng_event(r, SP_ROUND_EV_ANSWERED) != 0)
        return;
    int rc = sp_eng_meta(r, SP_ROUND_DONE, &blob, &len);
    if (rc == 0) {
        sp_eng_audit_result(r);
        rc = st->results_commit(st->ctx, r->id, rows, n, NULL, 0, blob, len);
    }
    free(blob);
    if (rc) {
        sp_eng_fail(r, rc, true, "cannot store the question's outcome: %s", sp_strerror(rc));
        return;
    }
    r->fin.committed = true;
}

static void eval_done(struct sp_round *r, struct sp_eng_job *j)
{
    struct sp_eng_case_q *q = r->cq;
    struct eval_job *x = j->cdata;
    q->eval_out = false;
    return_keys(r);
    if (j->rc) {
        sp_eng_fail(r, SP_ERR_CRYPTO_POINT, true,
                    "the question holds values that are not valid group elements");
        return;
    }
    struct sp_peer_msg m = {.type = SP_PEER_CASE_ANSWER};
    m.case_answer.epoch = q->epoch;
    m.case_answer.version = q->version;
    size_t at = 0;
    for (uint32_t g = 0; g < x->ntypes; g++) {
        uint8_t t = x->types[g];
        m.case_answer.groups[g] = (struct sp_peer_case_group){
            .key_type = t, .elements = x->elems + at * SP_ENG_ELEM, .nelements = x->n[t]};
        at += x->n[t];
    }
    m.case_answer.ngroups = x->ntypes;
    int rc = sp_eng_send(r, r->initiator, &m);
    if (rc) {
        sp_eng_fail(r, rc, false, "cannot send the answer: %s", sp_strerror(rc));
        return;
    }
    q->answer_sent = true;
    r->values_received = at;
    if (sp_eng_event(r, SP_ROUND_EV_START) != 0)
        return;
    r->started_at = sp_eng_unix_s(r->eng);
    sp_eng_audit_started(r);
    sp_eng_info(r->eng, "case question %s: answered %s about %zu values (epoch %" PRIu32 ")",
                r->hex, sp_eng_pname(r, r->initiator), at, q->epoch);
    if (!r->prop.tell_holders)
        commit(r, NULL, 0);
    else
        sp_eng_persist(r);
}

/* ---- tell holders ----------------------------------------------------- */

struct told {
    struct sp_result_row *rows;
    char **strs; /* owned copies of dataset and record id */
    size_t n, cap;
    uint8_t key_type;
    const char *asker;
};

static int told_add(void *ctx, const char *dataset, const char *record_id)
{
    struct told *t = ctx;
    uint32_t bit = SP_KEY_MASK(t->key_type);
    uint8_t klass = (uint8_t)sp_key_type_class(t->key_type);
    for (size_t i = 0; i < t->n; i++) {
        struct sp_result_row *row = &t->rows[i];
        if (strcmp(row->dataset, dataset) != 0 || strcmp(row->record_id, record_id) != 0 ||
            sp_key_mask_entity(row->key_types | bit) == 0)
            continue;
        row->key_types |= bit;
        if (klass < row->klass)
            row->klass = klass;
        return 0;
    }
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        void *p = realloc(t->rows, ncap * sizeof(*t->rows));
        if (!p)
            return SP_ERR_NOMEM;
        t->rows = p;
        void *s = realloc(t->strs, 2 * ncap * sizeof(*t->strs));
        if (!s)
            return SP_ERR_NOMEM;
        t->strs = s;
        t->cap = ncap;
    }
    char *d = strdup(dataset), *id = strdup(record_id);
    if (!d || !id) {
        free(d);
        free(id);
        return SP_ERR_NOMEM;
    }
    t->strs[2 * t->n] = d;
    t->strs[2 * t->n + 1] = id;
    t->rows[t->n++] = (struct sp_result_row){
        .dataset = d, .record_id = id, .partner = t->asker, .key_types = bit, .klass = klass};
    return 0;
}

static void told_free(struct told *t)
{
    for (size_t i = 0; i < 2 * t->n; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->rows);
}

static int on_tell(struct sp_round *r, const struct sp_peer_msg *m)
{
    struct sp_eng_case_q *q = r->cq;
    const struct sp_peer_case_tell *tl = &m->case_tell;
    const struct sp_engine_case_store *cs = &r->eng->ports.store.cases;
    if (!r->prop.tell_holders || !q->answer_sent || r->state != SP_ROUND_RUNNING)
        return SP_ERR_STATE;
    for (uint32_t g = 0; g < tl->ngroups; g++)
        if (tl->groups[g].nfp > q->n_asked[tl->groups[g].key_type])
            return SP_ERR_PROTO_FIELD; /* more found than asked about */
    struct told t = {.asker = sp_eng_pname(r, r->initiator)};
    int rc = 0;
    uint32_t epoch = 0;
    uint64_t version = 0;
    bool same_epoch = sp_eng_case_own_ready(r->eng, &epoch, &version) && epoch == tl->epoch &&
                      tl->epoch == q->epoch;
    for (uint32_t g = 0; same_epoch && g < tl->ngroups && rc == 0; g++) {
        t.key_type = tl->groups[g].key_type;
        for (uint32_t i = 0; i < tl->groups[g].nfp && rc == 0; i++)
            rc = cs->fp_records(r->eng->ports.store.ctx, t.key_type, tl->groups[g].fp[i], told_add,
                                &t);
    }
    if (!same_epoch && tl->ngroups)
        sp_eng_warn(r->eng,
                    "case question %s: told about epoch %" PRIu32 " after this node "
                    "moved on; nothing stored",
                    r->hex, tl->epoch);
    if (rc) {
        told_free(&t);
        sp_eng_fail(r, rc, true, "cannot find the records told about: %s", sp_strerror(rc));
        return 0;
    }
    r->records_matched = t.n;
    r->rows = t.n;
    memset(r->matched, 0, sizeof(r->matched));
    for (size_t i = 0; i < t.n; i++) {
        int ent = sp_key_mask_entity(t.rows[i].key_types);
        if (ent > 0)
            r->matched[ent]++;
    }
    commit(r, t.rows, t.n);
    sp_eng_info(r->eng,
                "case question %s: %s told this node that %zu of its records concern "
                "the case",
                r->hex, t.asker, t.n);
    told_free(&t);
    return 0;
}

/* ---- entry points ----------------------------------------------------- */

void sp_eng_case_answer_on_ask(struct sp_engine *e, size_t peer, const struct sp_peer_msg *m)
{
    char reason[SP_ENG_REASON_MAX + 1] = "";
    struct sp_proposal *prop = NULL;
    struct sp_engine_verdict v;
    struct sp_round *r = NULL;
    bool decoded = false;
    uint32_t total = 0;
    int rc;
    if (sp_eng_round_id_seen(e, m->round_id)) {
        refuse_question(e, NULL, peer, m, NULL, SP_ERR_PROPOSAL_REPLAY,
                        "round id already seen (a replayed question)");
        return;
    }
    if (!(prop = calloc(1, sizeof(*prop))))
        return;
    rc = judge(e, peer, m, prop, &v, &decoded, &total, reason, sizeof(reason));
    int from = decoded ? sp_proposal_participant_index(prop, e->cfg->peers[peer]) : -1;
    if (from >= 0) {
        int crc = sp_eng_round_create(e, prop, m->case_ask.propose.proposal,
                                      m->case_ask.propose.proposal_len, (unsigned)from,
                                      SP_ROUND_ACCEPTED, &r);
        if (crc == 0) /* what came in, answered or not: the audit's sizes */
            sp_eng_count_elems(r, (unsigned)from, m, false);
        if (crc == 0 && !(r->cq = calloc(1, sizeof(*r->cq))))
            crc = SP_ERR_NOMEM;
        if (crc == 0 && rc == 0)
            crc = sp_eng_audit_bind(r, &v, NULL);
        if (crc && rc == 0) {
            rc = crc;
            snprintf(reason, sizeof(reason), "cannot take part: %s", sp_strerror(crc));
        }
    }
    if (rc == 0 && (rc = check_quota(e, &v, total, true, reason, sizeof(reason))) == 0)
        rc = start_eval(r, &m->case_ask);
    if (rc) {
        if (!reason[0])
            snprintf(reason, sizeof(reason), "cannot answer: %s", sp_strerror(rc));
        refuse_question(e, r, peer, m, decoded ? prop : NULL, rc, reason);
        free(prop);
        return;
    }
    (void)sp_eng_case_own_ready(e, &r->cq->epoch, &r->cq->version);
    for (uint32_t g = 0; g < m->case_ask.ngroups; g++)
        r->set_sizes[m->case_ask.groups[g].key_type] = m->case_ask.groups[g].nelements;
    sp_eng_audit_accepted(r);
    sp_eng_persist(r);
    sp_eng_info(e, "case question %s: accepted from %s (case %s, %" PRIu32 " values)", r->hex,
                e->cfg->peers[peer], prop->case_ref, total);
    free(prop);
}

int sp_eng_case_answer_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (from != r->initiator)
        return SP_ERR_PEER_REFUSED;
    switch (m->type) {
    case SP_PEER_CASE_TELL:
        return on_tell(r, m);
    case SP_PEER_ABORT:
        r->fail_from = (int)from;
        sp_eng_fail(r, m->abort.code, false, "aborted by %s: %s", sp_eng_pname(r, from),
                    m->abort.reason);
        return 0;
    case SP_PEER_ERROR:
        r->fail_from = (int)from;
        sp_eng_fail(r, m->error.code, false, "%s refused a message of this node: %s",
                    sp_eng_pname(r, from), m->error.reason);
        return 0;
    default:
        return SP_ERR_STATE;
    }
}

void sp_eng_case_answer_job_done(struct sp_round *r, struct sp_eng_job *j)
{
    if (j->kind == SP_ENG_JOB_CASE_EVAL)
        eval_done(r, j);
}

void sp_eng_case_answer_advance(struct sp_round *r)
{
    (void)r; /* every step follows a message or a job */
}

void sp_eng_case_answer_release(struct sp_round *r)
{
    return_keys(r);
}
