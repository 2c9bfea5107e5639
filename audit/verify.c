/* Offline verification of one node's audit export (see verify.h). */
#include "verify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/facts.h"
#include "audit/head.h"
#include "audit/jsonl.h"
#include "common/hex.h"

/* What is kept of each entry line. */
struct summ {
    uint64_t seq;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    uint8_t prev[SP_AUDIT_HASH_BYTES];
    uint32_t line;
    bool ok; /* decoded; seq, hash and prev are meaningful */
};

struct pin {
    sp_audit_name_t from;
    uint8_t round[SP_ROUND_ID_BYTES];
    uint64_t seq;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
};

struct sp_audit_verifier {
    bool have_pk, finished;
    uint8_t pk[SP_AUDIT_PK_BYTES];
    sp_audit_name_t node; /* "" until known */
    bool node_given;
    struct sp_audit_reader *reader;
    struct summ *s;
    size_t n, cap;
    size_t lineno;
    struct sp_audit_report first; /* first fault found while reading */
    bool have_head, head_bad;
    struct sp_audit_head head;
    struct pin *pins;
    size_t npins;
    struct sp_audit_facts facts;
    struct sp_audit_report result;
    int result_rc;
};

const char *sp_audit_fault_name(int fault)
{
    static const char *const names[] = {"ok",        "malformed", "changed",   "bad signature",
                                        "removed",   "inserted",  "reordered", "replaced",
                                        "truncated", "head",      "rewritten", "empty"};
    return fault >= 0 && fault <= SP_AUDIT_FAULT_EMPTY ? names[fault] : "unknown";
}

int sp_audit_verifier_new(const uint8_t *pk, const char *node, struct sp_audit_verifier **out)
{
    if (!out || (node && !sp_audit_name_valid(node, strnlen(node, SP_AUDIT_NAME_MAX + 1))))
        return SP_ERR_INVALID_ARG;
    struct sp_audit_verifier *v = calloc(1, sizeof(*v));
    if (!v)
        return SP_ERR_NOMEM;
    int rc = sp_audit_reader_new(&v->reader);
    if (rc != 0) {
        free(v);
        return rc;
    }
    if (pk) {
        memcpy(v->pk, pk, SP_AUDIT_PK_BYTES);
        v->have_pk = true;
    }
    if (node) {
        snprintf(v->node, sizeof(v->node), "%s", node);
        v->node_given = true;
    }
    *out = v;
    return 0;
}

void sp_audit_verifier_free(struct sp_audit_verifier **v)
{
    if (!v || !*v)
        return;
    sp_audit_reader_free(&(*v)->reader);
    sp_audit_facts_clear(&(*v)->facts);
    free((*v)->s);
    free((*v)->pins);
    free(*v);
    *v = NULL;
}

const char *sp_audit_verifier_node(const struct sp_audit_verifier *v)
{
    return v->node;
}

const struct sp_audit_facts *sp_audit_verifier_facts(const struct sp_audit_verifier *v)
{
    return &v->facts;
}

const uint8_t *sp_audit_verifier_pk(const struct sp_audit_verifier *v)
{
    return v->have_pk ? v->pk : NULL;
}

/* Fills a report; "past the end" positions get line 0. */
static void report(struct sp_audit_report *r, int fault, size_t index, size_t line, uint64_t seq,
                   const char *detail)
{
    r->fault = fault;
    r->index = index;
    r->line = line;
    r->seq = seq;
    snprintf(r->detail, sizeof(r->detail), "%s", detail);
}

/* Keeps the first fault met while reading (positions only grow). */
static void read_fault(struct sp_audit_verifier *v, int fault, const char *detail)
{
    if (v->first.fault == SP_AUDIT_FAULT_NONE)
        report(&v->first, fault, v->n ? v->n - 1 : 0, v->lineno, v->n ? v->n - 1 : 0, detail);
}

static int push_summ(struct sp_audit_verifier *v)
{
    if (v->n >= SP_AUDIT_VERIFY_MAX_ENTRIES)
        return SP_ERR_OVERFLOW;
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 256;
        void *p = realloc(v->s, cap * sizeof(*v->s));
        if (!p)
            return SP_ERR_NOMEM;
        v->s = p;
        v->cap = cap;
    }
    memset(&v->s[v->n], 0, sizeof(v->s[0]));
    v->s[v->n].line = (uint32_t)v->lineno;
    v->n++;
    return 0;
}

static void head_seen(struct sp_audit_verifier *v, int rc, const struct sp_audit_line *l)
{
    if (v->have_head || v->head_bad) {
        read_fault(v, SP_AUDIT_FAULT_MALFORMED, "a second head line");
        return;
    }
    if (rc != 0) {
        v->head_bad = true;
        return;
    }
    v->have_head = true;
    v->head = l->head;
    if (!v->node_given && v->node[0] == '\0')
        snprintf(v->node, sizeof(v->node), "%s", l->head.node);
}

static int entry_seen(struct sp_audit_verifier *v, int rc, const struct sp_audit_line *l)
{
    int prc = push_summ(v);
    if (prc != 0)
        return prc;
    if (v->have_head || v->head_bad)
        read_fault(v, SP_AUDIT_FAULT_INSERTED, "an entry after the signed head (added later?)");
    if (!l->entry) {
        read_fault(v, l->kind == 0 ? SP_AUDIT_FAULT_MALFORMED : SP_AUDIT_FAULT_CHANGED,
                   l->kind == 0 ? "the line is not a well-formed export line (changed?)"
                                : "the raw bytes are not a valid entry (changed)");
        return 0;
    }
    struct summ *s = &v->s[v->n - 1];
    s->ok = true;
    s->seq = sp_audit_entry_seq(l->entry);
    memcpy(s->hash, l->hash, SP_AUDIT_HASH_BYTES);
    memcpy(s->prev, sp_audit_entry_prev(l->entry), SP_AUDIT_HASH_BYTES);
    if (rc != 0) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s (changed)", l->detail);
        read_fault(v, SP_AUDIT_FAULT_CHANGED, msg);
        return 0;
    }
    if (v->have_pk && sp_audit_entry_sig_verify(v->pk, l->hash, l->sig) != 0) {
        read_fault(v, SP_AUDIT_FAULT_SIGNATURE,
                   "the signature does not verify with the node's key (changed or forged)");
        return 0;
    }
    return sp_audit_facts_add(&v->facts, l->entry, v->lineno);
}

int sp_audit_verifier_line(struct sp_audit_verifier *v, const char *line, size_t len)
{
    struct sp_audit_line l;
    if (!v || !line)
        return SP_ERR_INVALID_ARG;
    if (v->finished)
        return SP_ERR_STATE;
    v->lineno++;
    int rc = sp_audit_reader_line(v->reader, line, len, &l);
    if (rc == SP_ERR_NOMEM)
        return rc;
    if (l.kind == SP_AUDIT_LINE_HEAD) {
        head_seen(v, rc, &l);
        return 0;
    }
    return entry_seen(v, rc, &l);
}

int sp_audit_verifier_pins_from(struct sp_audit_verifier *v, const struct sp_audit_verifier *peer,
                                size_t *bad)
{
    size_t nbad = 0;
    if (!v || !peer)
        return SP_ERR_INVALID_ARG;
    if (!v->have_pk || v->node[0] == '\0' || v->finished)
        return SP_ERR_STATE;
    for (size_t i = 0; i < peer->facts.nheads; i++) {
        const struct sp_audit_recv_head *h = &peer->facts.heads[i];
        if (strcmp(h->peer, v->node) != 0)
            continue;
        struct sp_audit_head head;
        memset(&head, 0, sizeof(head));
        snprintf(head.node, sizeof(head.node), "%s", v->node);
        head.seq = h->seq;
        memcpy(head.hash, h->hash, SP_AUDIT_HASH_BYTES);
        memcpy(head.sig, h->sig, SP_AUDIT_SIG_BYTES);
        if (sp_audit_head_verify(&head, v->pk) != 0) {
            nbad++;
            continue;
        }
        void *p = realloc(v->pins, (v->npins + 1) * sizeof(*v->pins));
        if (!p)
            return SP_ERR_NOMEM;
        v->pins = p;
        struct pin *pn = &v->pins[v->npins++];
        snprintf(pn->from, sizeof(pn->from), "%s", peer->node);
        memcpy(pn->round, h->round, SP_ROUND_ID_BYTES);
        pn->seq = h->seq;
        memcpy(pn->hash, h->hash, SP_AUDIT_HASH_BYTES);
    }
    if (bad)
        *bad = nbad;
    return 0;
}

/* Position of the entry with seq, searching from position from; or n. */
static size_t find_seq(const struct sp_audit_verifier *v, size_t from, uint64_t seq)
{
    for (size_t j = from; j < v->n; j++)
        if (v->s[j].ok && v->s[j].seq == seq)
            return j;
    return v->n;
}

static bool same_hash(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, SP_AUDIT_HASH_BYTES) == 0;
}

/* Entry p repeats seq q < p of the consistent prefix: something was
 * inserted. Of two different entries with one seq, the one the next entry
 * links to belongs; the other is the insertion. */
static void seq_repeated(const struct sp_audit_verifier *v, size_t p, struct sp_audit_report *r)
{
    const struct summ *s = v->s;
    size_t q = (size_t)s[p].seq;
    char msg[200];
    if (same_hash(s[p].hash, s[q].hash)) {
        snprintf(msg, sizeof(msg), "a second copy of entry seq %zu (line %u) was inserted", q,
                 s[q].line);
        report(r, SP_AUDIT_FAULT_INSERTED, p, s[p].line, p, msg);
        return;
    }
    size_t bad = p;
    if (q + 1 == p && p + 1 < v->n && s[p + 1].ok && same_hash(s[p + 1].prev, s[p].hash))
        bad = q;
    snprintf(msg, sizeof(msg),
             "two different entries carry seq %zu (lines %u and %u): the one at line %u was "
             "inserted",
             q, s[q].line, s[p].line, s[bad].line);
    report(r, SP_AUDIT_FAULT_INSERTED, bad, s[bad].line, bad, msg);
}

/* Entry p carries a seq beyond p: seq p was removed, or moved later. */
static void seq_skipped(const struct sp_audit_verifier *v, size_t p, struct sp_audit_report *r)
{
    const struct summ *s = v->s;
    char msg[200];
    for (size_t k = p + 1; k < v->n; k++) {
        if (s[k].ok && same_hash(s[k].hash, s[p].hash)) {
            snprintf(msg, sizeof(msg),
                     "a copy of entry seq %llu (line %u) was inserted before its place",
                     (unsigned long long)s[p].seq, s[k].line);
            report(r, SP_AUDIT_FAULT_INSERTED, p, s[p].line, p, msg);
            return;
        }
    }
    size_t j = find_seq(v, p + 1, p);
    if (j < v->n)
        snprintf(msg, sizeof(msg),
                 "entry seq %llu stands where seq %zu belongs; seq %zu is at line %u: entries "
                 "were reordered",
                 (unsigned long long)s[p].seq, p, p, s[j].line);
    else if (s[p].seq == p + 1)
        snprintf(msg, sizeof(msg), "entry seq %zu is missing (removed) before line %u", p,
                 s[p].line);
    else
        snprintf(msg, sizeof(msg), "entries seq %zu to %llu are missing (removed) before line %u",
                 p, (unsigned long long)s[p].seq - 1, s[p].line);
    report(r, j < v->n ? SP_AUDIT_FAULT_REORDERED : SP_AUDIT_FAULT_REMOVED, p, s[p].line, p, msg);
}

/* Walks the entries in order; returns false at the first that does not
 * continue the chain (r filled), or true when all decoded entries do (up to
 * a line that did not decode: its reading fault covers the rest). */
static bool analyse_sequence(const struct sp_audit_verifier *v, struct sp_audit_report *r)
{
    const struct summ *s = v->s;
    static const uint8_t zero[SP_AUDIT_HASH_BYTES];
    for (size_t p = 0; p < v->n; p++) {
        if (!s[p].ok)
            return true;
        if (s[p].seq < p) {
            seq_repeated(v, p, r);
            return false;
        }
        if (s[p].seq > p) {
            seq_skipped(v, p, r);
            return false;
        }
        if (!same_hash(s[p].prev, p == 0 ? zero : s[p - 1].hash)) {
            /* if the next entry links to p, p is the original and p-1 was
             * replaced; otherwise p was */
            size_t bad = p > 0 && p + 1 < v->n && s[p + 1].ok && same_hash(s[p + 1].prev, s[p].hash)
                             ? p - 1
                             : p;
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "entry seq %zu does not link to the entry before it: entry seq %zu was "
                     "replaced",
                     p, bad);
            report(r, SP_AUDIT_FAULT_REPLACED, bad, s[bad].line, bad, msg);
            return false;
        }
    }
    return true;
}

/* Pins below position end (a consistent prefix): a pin beyond the log
 * shows truncation, a pin that does not match shows rewriting. */
static bool analyse_pins(const struct sp_audit_verifier *v, size_t end, struct sp_audit_report *r)
{
    bool found = false;
    for (size_t i = 0; i < v->npins; i++) {
        const struct pin *pn = &v->pins[i];
        char msg[300], rid[17];
        sp_hex_encode(rid, pn->round, 8);
        size_t index = pn->seq >= end ? end : (size_t)pn->seq;
        if (found && index >= r->index)
            continue;
        if (pn->seq >= end && end == v->n) {
            snprintf(msg, sizeof(msg),
                     "%s recorded this node's head at seq %llu (round %s…) but the export ends "
                     "before it: entries were cut off the end",
                     pn->from, (unsigned long long)pn->seq, rid);
            report(r, SP_AUDIT_FAULT_TRUNCATED, end, 0, end, msg);
            found = true;
        } else if (pn->seq < end && !same_hash(v->s[pn->seq].hash, pn->hash)) {
            snprintf(msg, sizeof(msg),
                     "entry seq %llu differs from the head %s recorded in round %s…: it, or an "
                     "entry before it, was rewritten after the round",
                     (unsigned long long)pn->seq, pn->from, rid);
            report(r, SP_AUDIT_FAULT_REWRITTEN, index, v->s[index].line, pn->seq, msg);
            found = true;
        }
    }
    return found;
}

static bool analyse_head(const struct sp_audit_verifier *v, struct sp_audit_report *r)
{
    char msg[300];
    size_t last = v->n - 1;
    if (!v->have_head) {
        report(r, SP_AUDIT_FAULT_HEAD, v->n, 0, v->n,
               v->head_bad ? "the head line is malformed"
                           : "the export does not end with the node's signed head: entries may "
                             "have been cut off the end");
        return true;
    }
    if (v->node[0] && strcmp(v->head.node, v->node) != 0) {
        snprintf(msg, sizeof(msg), "the head is signed for node %s, not %s", v->head.node, v->node);
        report(r, SP_AUDIT_FAULT_HEAD, v->n, 0, v->n, msg);
        return true;
    }
    if (v->have_pk && sp_audit_head_verify(&v->head, v->pk) != 0) {
        report(r, SP_AUDIT_FAULT_HEAD, v->n, 0, v->n,
               "the head's signature does not verify with the node's key");
        return true;
    }
    if (v->head.seq > v->s[last].seq) {
        snprintf(msg, sizeof(msg),
                 "the signed head covers seq %llu but the export ends at seq %llu: entries were "
                 "cut off the end",
                 (unsigned long long)v->head.seq, (unsigned long long)v->s[last].seq);
        report(r, SP_AUDIT_FAULT_TRUNCATED, v->n, 0, v->n, msg);
        return true;
    }
    if (v->head.seq < v->s[last].seq) {
        size_t p = (size_t)v->head.seq + 1;
        report(r, SP_AUDIT_FAULT_INSERTED, p, v->s[p].line, p,
               "entries follow the last one the signed head covers (added later)");
        return true;
    }
    if (!same_hash(v->head.hash, v->s[last].hash)) {
        report(r, SP_AUDIT_FAULT_CHANGED, last, v->s[last].line, last,
               "the last entry is not the one the signed head covers (changed)");
        return true;
    }
    return false;
}

static int finish(struct sp_audit_verifier *v, struct sp_audit_report *rep)
{
    struct sp_audit_report seq, pins;
    memset(&seq, 0, sizeof(seq));
    memset(&pins, 0, sizeof(pins));
    bool seq_bad = !analyse_sequence(v, &seq);
    bool read_bad = v->first.fault != SP_AUDIT_FAULT_NONE;
    if (read_bad && (!seq_bad || v->first.index <= seq.index))
        *rep = v->first;
    else if (seq_bad)
        *rep = seq;
    if (read_bad || seq_bad) {
        /* below the first fault the log is consistent: pins there still tell */
        bool pin_bad = analyse_pins(v, rep->index, &pins);
        if (pin_bad && pins.index < rep->index)
            *rep = pins;
        return SP_ERR_AUDIT;
    }
    if (v->n == 0) {
        report(rep, SP_AUDIT_FAULT_EMPTY, 0, 0, 0, "the export has no entries");
        return SP_ERR_AUDIT;
    }
    if (analyse_pins(v, v->n, rep) || analyse_head(v, rep))
        return SP_ERR_AUDIT;
    return 0;
}

int sp_audit_verifier_finish(struct sp_audit_verifier *v, struct sp_audit_report *rep)
{
    if (!v || !rep)
        return SP_ERR_INVALID_ARG;
    if (!v->finished) {
        memset(&v->result, 0, sizeof(v->result));
        v->result_rc = finish(v, &v->result);
        v->result.entries = v->n;
        v->result.head_seq = v->have_head ? v->head.seq : 0;
        v->result.pins = v->npins;
        v->finished = true;
    }
    *rep = v->result;
    return v->result_rc;
}
