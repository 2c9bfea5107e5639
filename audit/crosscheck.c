/* Cross-checks of several nodes' exports (see crosscheck.h). */
#include "crosscheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/facts.h"
#include "audit/head.h"
#include "common/roundid.h"

#define MAX_LOGS 64

struct sp_audit_crosscheck {
    struct sp_audit_verifier *v[MAX_LOGS];
    size_t n;
    bool ran;
};

struct run {
    struct sp_audit_crosscheck *cc;
    sp_audit_emit_fn emit;
    void *ctx;
    struct sp_audit_cc_summary *sum;
    /* per log, its rounds sorted by id and its recorded heads sorted by
     * (round, peer), for binary search */
    const struct sp_audit_round_facts **sorted[MAX_LOGS];
    const struct sp_audit_recv_head **heads[MAX_LOGS];
    char excuse[SP_AUDIT_NAME_MAX + SP_AUDIT_END_REASON_MAX + 64]; /* the round's recorded end */
};

int sp_audit_crosscheck_new(struct sp_audit_crosscheck **out)
{
    if (!out)
        return SP_ERR_INVALID_ARG;
    /* Outputs are written on success only (conventions); *out was set to
     * NULL when calloc failed (tests/alloc). */
    struct sp_audit_crosscheck *cc = calloc(1, sizeof(*cc));
    if (!cc)
        return SP_ERR_NOMEM;
    *out = cc;
    return 0;
}

void sp_audit_crosscheck_free(struct sp_audit_crosscheck **cc)
{
    if (!cc || !*cc)
        return;
    for (size_t i = 0; i < (*cc)->n; i++)
        sp_audit_verifier_free(&(*cc)->v[i]);
    free(*cc);
    *cc = NULL;
}

int sp_audit_crosscheck_add(struct sp_audit_crosscheck *cc, struct sp_audit_verifier **v)
{
    if (!cc || !v || !*v || !sp_audit_verifier_pk(*v) || !sp_audit_verifier_node(*v)[0])
        return SP_ERR_INVALID_ARG;
    if (cc->n == MAX_LOGS)
        return SP_ERR_OVERFLOW;
    for (size_t i = 0; i < cc->n; i++)
        if (strcmp(sp_audit_verifier_node(cc->v[i]), sp_audit_verifier_node(*v)) == 0)
            return SP_ERR_EXISTS;
    cc->v[cc->n++] = *v;
    *v = NULL;
    return 0;
}

__attribute__((format(printf, 2, 3))) static void say(struct run *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    r->sum->problems++;
    if (r->emit)
        r->emit(r->ctx, line);
}

/* A finding that the round's recorded end (r->excuse) explains; without
 * one it is a problem. */
__attribute__((format(printf, 2, 3))) static void say_unless_ended(struct run *r, const char *fmt,
                                                                   ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (!r->excuse[0]) {
        say(r, "%s", line);
        return;
    }
    r->sum->explained++;
    if (r->emit) {
        char full[1024];
        snprintf(full, sizeof(full), "explained by %s: %s", r->excuse, line);
        r->emit(r->ctx, full);
    }
}

static const char *node_of(const struct run *r, size_t i)
{
    return sp_audit_verifier_node(r->cc->v[i]);
}

static long log_of(const struct run *r, const char *node)
{
    for (size_t i = 0; i < r->cc->n; i++)
        if (strcmp(node_of(r, i), node) == 0)
            return (long)i;
    return -1;
}

static int cmp_facts(const void *a, const void *b)
{
    const struct sp_audit_round_facts *x = *(const struct sp_audit_round_facts *const *)a;
    const struct sp_audit_round_facts *y = *(const struct sp_audit_round_facts *const *)b;
    return memcmp(x->id, y->id, SP_ROUND_ID_BYTES);
}

static int cmp_heads(const void *a, const void *b)
{
    const struct sp_audit_recv_head *x = *(const struct sp_audit_recv_head *const *)a;
    const struct sp_audit_recv_head *y = *(const struct sp_audit_recv_head *const *)b;
    int c = memcmp(x->round, y->round, SP_ROUND_ID_BYTES);
    return c ? c : strcmp(x->peer, y->peer);
}

static int index_rounds(struct run *r)
{
    for (size_t i = 0; i < r->cc->n; i++) {
        const struct sp_audit_facts *f = sp_audit_verifier_facts(r->cc->v[i]);
        r->sorted[i] = calloc(f->nrounds ? f->nrounds : 1, sizeof(*r->sorted[i]));
        r->heads[i] = calloc(f->nheads ? f->nheads : 1, sizeof(*r->heads[i]));
        if (!r->sorted[i] || !r->heads[i])
            return SP_ERR_NOMEM;
        for (size_t k = 0; k < f->nrounds; k++)
            r->sorted[i][k] = &f->rounds[k];
        qsort(r->sorted[i], f->nrounds, sizeof(*r->sorted[i]), cmp_facts);
        for (size_t k = 0; k < f->nheads; k++)
            r->heads[i][k] = &f->heads[k];
        qsort(r->heads[i], f->nheads, sizeof(*r->heads[i]), cmp_heads);
    }
    return 0;
}

/* Whether log i recorded a head from node in round id. */
static bool recorded_head(const struct run *r, size_t i, const uint8_t *id, const char *node)
{
    struct sp_audit_recv_head key;
    const struct sp_audit_recv_head *kp = &key;
    memcpy(key.round, id, SP_ROUND_ID_BYTES);
    snprintf(key.peer, sizeof(key.peer), "%s", node);
    size_t n = sp_audit_verifier_facts(r->cc->v[i])->nheads;
    return bsearch(&kp, r->heads[i], n, sizeof(*r->heads[i]), cmp_heads) != NULL;
}

static const struct sp_audit_round_facts *facts_of(const struct run *r, size_t i, const uint8_t *id)
{
    struct sp_audit_round_facts key;
    const struct sp_audit_round_facts *kp = &key, *const * hit;
    memcpy(key.id, id, SP_ROUND_ID_BYTES);
    size_t n = sp_audit_verifier_facts(r->cc->v[i])->nrounds;
    hit = bsearch(&kp, r->sorted[i], n, sizeof(*r->sorted[i]), cmp_facts);
    return hit ? *hit : NULL;
}

/* Every log's recorded heads become pins on the logs they name; a head
 * that its node did not sign is a finding. */
static int apply_pins(struct run *r)
{
    for (size_t a = 0; a < r->cc->n; a++) {
        for (size_t b = 0; b < r->cc->n; b++) {
            size_t bad = 0;
            if (a == b)
                continue;
            int rc = sp_audit_verifier_pins_from(r->cc->v[a], r->cc->v[b], &bad);
            if (rc != 0)
                return rc;
            if (bad > 0)
                say(r, "%s's log records %zu head(s) of %s that %s did not sign", node_of(r, b),
                    bad, node_of(r, a), node_of(r, a));
        }
    }
    return 0;
}

static void verify_each(struct run *r)
{
    for (size_t i = 0; i < r->cc->n; i++) {
        struct sp_audit_report rep;
        if (sp_audit_verifier_finish(r->cc->v[i], &rep) != 0) {
            r->sum->bad_logs++;
            say(r, "%s's log does not verify: entry #%zu (line %zu, seq %llu): %s: %s",
                node_of(r, i), rep.index, rep.line, (unsigned long long)rep.seq,
                sp_audit_fault_name(rep.fault), rep.detail);
        }
        r->sum->pins += rep.pins;
    }
}

static void compare_proposal(struct run *r, const uint8_t *id, size_t a, size_t b)
{
    const struct sp_audit_round_facts *x = facts_of(r, a, id), *y = facts_of(r, b, id);
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(id, rid);
    if (x->have_digest && y->have_digest && memcmp(x->digest, y->digest, SP_AUDIT_HASH_BYTES))
        say(r, "round %s: %s and %s logged different proposal digests", rid, node_of(r, a),
            node_of(r, b));
    if (x->have_participants && y->have_participants &&
        (x->nparts != y->nparts || memcmp(x->parts, y->parts, x->nparts * sizeof(x->parts[0])) ||
         strcmp(x->counter, y->counter) != 0))
        say(r, "round %s: %s and %s logged different participants or counting node", rid,
            node_of(r, a), node_of(r, b));
}

static const struct sp_audit_peer_sizes *sizes_for(const struct sp_audit_round_facts *f,
                                                   const char *peer)
{
    for (size_t i = 0; f && i < f->nsizes; i++)
        if (strcmp(f->sizes[i].peer, peer) == 0)
            return &f->sizes[i];
    return NULL;
}

/* A's "sent to B" against B's "received from A", per key type. */
static void compare_flow(struct run *r, const uint8_t *id, size_t a, size_t b)
{
    const struct sp_audit_peer_sizes *ab = sizes_for(facts_of(r, a, id), node_of(r, b));
    const struct sp_audit_peer_sizes *ba = sizes_for(facts_of(r, b, id), node_of(r, a));
    static const struct sp_audit_peer_sizes none;
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    if (!ab && !ba)
        return;
    sp_round_id_hex(id, rid);
    r->sum->pairs++;
    if (!ab || !ba) {
        say_unless_ended(
            r, "round %s: %s logged what it exchanged with %s, but %s logged nothing for %s", rid,
            node_of(r, ab ? a : b), node_of(r, ab ? b : a), node_of(r, ab ? b : a),
            node_of(r, ab ? a : b));
    }
    ab = ab ? ab : &none;
    ba = ba ? ba : &none;
    for (int kt = SP_KEY_TYPE_MIN; kt <= SP_KEY_TYPE_MAX; kt++) {
        if (ab->sent[kt] != ba->received[kt])
            say_unless_ended(
                r, "round %s, key type %s: %s sent %llu values to %s, which received %llu", rid,
                sp_key_type_name(kt), node_of(r, a), (unsigned long long)ab->sent[kt],
                node_of(r, b), (unsigned long long)ba->received[kt]);
    }
}

/* The head A logged as sent in a round is the head B logged as received
 * from A (for every head any log recorded from another given log). */
static void compare_heads(struct run *r)
{
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    for (size_t b = 0; b < r->cc->n; b++) {
        const struct sp_audit_facts *fb = sp_audit_verifier_facts(r->cc->v[b]);
        for (size_t i = 0; i < fb->nheads; i++) {
            const struct sp_audit_recv_head *h = &fb->heads[i];
            long a = log_of(r, h->peer);
            if (a < 0 || (size_t)a == b)
                continue;
            const struct sp_audit_round_facts *x = facts_of(r, (size_t)a, h->round);
            sp_round_id_hex(h->round, rid);
            if (!x || !x->head_sent)
                say(r, "round %s: %s recorded a head from %s, which logged sending none", rid,
                    node_of(r, b), h->peer);
            else if (x->head_sent_seq != h->seq ||
                     memcmp(x->head_sent_hash, h->hash, SP_AUDIT_HASH_BYTES) != 0)
                say(r,
                    "round %s: the head %s recorded from %s (seq %llu) is not the one %s "
                    "logged sending (seq %llu)",
                    rid, node_of(r, b), h->peer, (unsigned long long)h->seq, h->peer,
                    (unsigned long long)x->head_sent_seq);
        }
    }
}

/* A head A sent must be in the log of each given node it went to: a node
 * that does not record its peers' heads takes away what pins their logs. */
static void check_heads_recorded(struct run *r, const uint8_t *id, size_t a)
{
    const struct sp_audit_round_facts *x = facts_of(r, a, id);
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(id, rid);
    for (size_t k = 0; x->head_sent && k < x->nsent_to; k++) {
        long b = log_of(r, x->sent_to[k]);
        if (b >= 0 && (size_t)b != a && !recorded_head(r, (size_t)b, id, node_of(r, a)))
            say_unless_ended(r, "round %s: %s sent its log head to %s, which recorded none", rid,
                             node_of(r, a), x->sent_to[k]);
    }
}

/* Participants named by any log for the round must have entries for it. */
static void check_presence(struct run *r, const uint8_t *id, size_t a)
{
    const struct sp_audit_round_facts *x = facts_of(r, a, id);
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(id, rid);
    for (size_t k = 0; k < x->nparts; k++) {
        long b = log_of(r, x->parts[k]);
        if (b >= 0 && !facts_of(r, (size_t)b, id))
            say_unless_ended(
                r, "round %s: %s lists %s as a participant, but %s's log has no entry for it", rid,
                node_of(r, a), x->parts[k], x->parts[k]);
    }
    if (x->digest_conflict || x->participants_conflict)
        say(r, "round %s: %s's own entries disagree on the proposal or its participants", rid,
            node_of(r, a));
}

/* A round is checked once, in the first log (and at its first place there)
 * that has it; facts are unique per log and round. */
static bool seen_before(const struct run *r, size_t a, const uint8_t *id)
{
    for (size_t i = 0; i < a; i++)
        if (facts_of(r, i, id))
            return true;
    return false;
}

/* What kind of end a recorded reason describes (daemon/ROUNDS.md, "Faults"). */
static const char *end_kind(const struct sp_audit_round_facts *f)
{
    if (f->refused)
        return "a refusal";
    if (strstr(f->end_reason, "restarted"))
        return "a crash or restart";
    if (strstr(f->end_reason, "shut down"))
        return "an orderly stop";
    if (strstr(f->end_reason, "unreachable"))
        return "a lost peer";
    if (strstr(f->end_reason, "cancelled"))
        return "a cancellation";
    return "a failure";
}

/* The first recorded end of the round that was not normal, as the
 * explanation of what it left missing ("" when it ended well everywhere). */
static void find_excuse(struct run *r, const uint8_t *id)
{
    r->excuse[0] = '\0';
    for (size_t a = 0; a < r->cc->n; a++) {
        const struct sp_audit_round_facts *f = facts_of(r, a, id);
        if (f && (f->failed || f->refused)) {
            snprintf(r->excuse, sizeof(r->excuse), "%s recorded at %s (\"%s\")", end_kind(f),
                     node_of(r, a), f->end_reason);
            return;
        }
    }
}

/* A case question: what the asking node a recorded of partner b's answer
 * against b's own log. An answer a recorded that b refused, or a refusal a
 * recorded of a question b answered and finished, is a contradiction no
 * crash explains (a deadline passed before a late answer is not one). */
static void compare_case(struct run *r, const uint8_t *id, size_t a, size_t b)
{
    const struct sp_audit_round_facts *x = facts_of(r, a, id), *y = facts_of(r, b, id);
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    for (size_t k = 0; k < x->ncase; k++) {
        if (strcmp(x->case_answers[k].peer, node_of(r, b)) != 0)
            continue;
        sp_round_id_hex(id, rid);
        r->sum->pairs++;
        bool answered = x->case_answers[k].code == 0;
        if (answered && y->refused)
            say(r, "case question %s: %s recorded an answer from %s, which logged refusing it", rid,
                node_of(r, a), node_of(r, b));
        /* "no answer before the deadline" can meet a late answer: not this */
        bool said_refused = !answered && x->case_answers[k].code != SP_ERR_TIMEOUT;
        if (said_refused && y->result && !y->failed && !y->refused)
            say(r, "case question %s: %s recorded no answer from %s, which logged answering it",
                rid, node_of(r, a), node_of(r, b));
    }
}

static void check_round(struct run *r, const uint8_t *id)
{
    r->sum->rounds++;
    find_excuse(r, id);
    for (size_t a = 0; a < r->cc->n; a++) {
        if (!facts_of(r, a, id))
            continue;
        check_presence(r, id, a);
        check_heads_recorded(r, id, a);
        for (size_t b = a + 1; b < r->cc->n; b++) {
            if (!facts_of(r, b, id))
                continue;
            compare_proposal(r, id, a, b);
            compare_flow(r, id, a, b);
            compare_flow(r, id, b, a);
            compare_case(r, id, a, b);
            compare_case(r, id, b, a);
        }
    }
}

int sp_audit_crosscheck_run(struct sp_audit_crosscheck *cc, sp_audit_emit_fn emit, void *ctx,
                            struct sp_audit_cc_summary *sum)
{
    if (!cc || !sum)
        return SP_ERR_INVALID_ARG;
    if (cc->ran)
        return SP_ERR_STATE;
    cc->ran = true;
    memset(sum, 0, sizeof(*sum));
    sum->logs = cc->n;
    struct run r = {.cc = cc, .emit = emit, .ctx = ctx, .sum = sum};
    int rc = apply_pins(&r);
    if (rc == 0)
        rc = index_rounds(&r);
    if (rc == 0) {
        verify_each(&r);
        compare_heads(&r);
        for (size_t a = 0; a < cc->n; a++) {
            const struct sp_audit_facts *f = sp_audit_verifier_facts(cc->v[a]);
            for (size_t k = 0; k < f->nrounds; k++)
                if (!seen_before(&r, a, f->rounds[k].id))
                    check_round(&r, f->rounds[k].id);
        }
    }
    for (size_t i = 0; i < cc->n; i++) {
        free(r.sorted[i]);
        free(r.heads[i]);
    }
    if (rc != 0)
        return rc;
    return sum->problems ? SP_ERR_AUDIT : 0;
}
