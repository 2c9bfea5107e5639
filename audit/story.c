/* A round's story in plain language (see story.h). */
#include "story.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/jsonl.h"
#include "common/hex.h"
#include "common/keytype.h"
#include "common/roundid.h"

#define MAX_KEPT 4096

struct kept {
    char node[SP_AUDIT_NAME_MAX + 1];
    struct sp_audit_entry *e;
};

struct sp_audit_story {
    uint8_t round[SP_ROUND_ID_BYTES];
    struct kept *k;
    size_t n;
};

struct out {
    sp_audit_emit_fn emit;
    void *ctx;
};

int sp_audit_story_new(const uint8_t round_id[SP_ROUND_ID_BYTES], struct sp_audit_story **out)
{
    if (!round_id || !out)
        return SP_ERR_INVALID_ARG;
    struct sp_audit_story *s = calloc(1, sizeof(*s));
    if (!s)
        return SP_ERR_NOMEM;
    memcpy(s->round, round_id, SP_ROUND_ID_BYTES);
    *out = s;
    return 0;
}

void sp_audit_story_free(struct sp_audit_story **s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < (*s)->n; i++)
        sp_audit_entry_free(&(*s)->k[i].e);
    free((*s)->k);
    free(*s);
    *s = NULL;
}

int sp_audit_story_add(struct sp_audit_story *s, const char *node, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    uint8_t buf[SP_AUDIT_ENTRY_MAX_BYTES];
    size_t len = 0;
    if (!s || !node || !e || !sp_audit_name_valid(node, strnlen(node, SP_AUDIT_NAME_MAX + 1)))
        return SP_ERR_INVALID_ARG;
    if (sp_audit_entry_find(e, SP_AUDIT_F_ROUND, 0, &v) != 0 ||
        memcmp(v.bytes, s->round, SP_ROUND_ID_BYTES) != 0)
        return 0;
    if (s->n == MAX_KEPT)
        return SP_ERR_OVERFLOW;
    void *p = realloc(s->k, (s->n + 1) * sizeof(*s->k));
    if (!p)
        return SP_ERR_NOMEM;
    s->k = p;
    struct kept *k = &s->k[s->n];
    int rc = sp_audit_entry_encode(e, buf, sizeof(buf), &len);
    if (rc == 0)
        rc = sp_audit_entry_decode(buf, len, &k->e);
    if (rc != 0)
        return rc == SP_ERR_NOMEM ? rc : SP_ERR_INVALID_ARG;
    snprintf(k->node, sizeof(k->node), "%s", node);
    s->n++;
    return 0;
}

__attribute__((format(printf, 2, 3))) static void say(const struct out *o, const char *fmt, ...)
{
    char line[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    o->emit(o->ctx, line);
}

/* Value accessors with neutral defaults for optional fields. */
static const char *text(const struct sp_audit_entry *e, int field)
{
    struct sp_audit_value v;
    return sp_audit_entry_find(e, field, 0, &v) == 0 ? (const char *)v.bytes : NULL;
}

/* A required TEXT or NAME field (the schema guarantees it; "?" otherwise). */
static const char *req(const struct sp_audit_entry *e, int field)
{
    const char *t = text(e, field);
    return t ? t : "?";
}

static bool count(const struct sp_audit_entry *e, int field, uint64_t *out)
{
    struct sp_audit_value v;
    if (sp_audit_entry_find(e, field, 0, &v) != 0)
        return false;
    *out = v.kind == SP_AUDIT_KIND_CODE ? (uint64_t)v.code : v.u;
    return true;
}

static void hex(const struct sp_audit_entry *e, int field, char *out, size_t cap)
{
    struct sp_audit_value v;
    out[0] = '\0';
    if (sp_audit_entry_find(e, field, 0, &v) == 0 && 2 * v.len < cap)
        sp_hex_encode(out, v.bytes, v.len);
}

/* "a, b, c" of a repeated NAME field. */
static void names(const struct sp_audit_entry *e, int field, char *out, size_t cap)
{
    struct sp_audit_value v;
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; sp_audit_entry_find(e, field, i, &v) == 0 && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", (const char *)v.bytes);
}

/* "bsn 120, name_dob 80" of a KEYCOUNT field; "none" when absent. */
static void keycounts(const struct sp_audit_entry *e, int field, char *out, size_t cap)
{
    struct sp_audit_value v;
    size_t n = 0;
    snprintf(out, cap, "none");
    for (size_t i = 0; sp_audit_entry_find(e, field, i, &v) == 0 && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s %llu", i ? ", " : "",
                              sp_key_type_name(v.key_type), (unsigned long long)v.u);
}

static void keymask(uint64_t mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int kt = SP_KEY_TYPE_MIN; kt <= SP_KEY_TYPE_MAX && n < cap; kt++)
        if (mask & SP_KEY_MASK(kt))
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", sp_key_type_name(kt));
}

static const char *learned(int mode)
{
    switch (mode) {
    case 1:
        return "counts: the coordinator receives how many values are held by exactly which "
               "combination of nodes, with small cells suppressed; nodes learn nothing per record";
    case 2:
        return "threshold: each node learns which of its own records are held by at least k "
               "nodes (itself included), and nothing about the others";
    case 3:
        return "partners: each node learns, for each of its own records held by at least k "
               "nodes, which other nodes hold it and through which key types";
    case 4:
        return "case: the asking node learns, for each subject of its case list and each "
               "partner, whether the partner knows it and through which key types; a partner "
               "learns the question's size (and, when told, which of its own records matched), "
               "nothing about subjects it does not hold";
    default:
        return "unknown";
    }
}

static void tell_proposal(const struct out *o, const struct sp_audit_entry *e, const char *node)
{
    char buf[1200], digest[65];
    uint64_t k = 0, mode = 0, max = 0, days = 0, exp = 0, mask = 0;
    struct sp_audit_value v;
    (void)count(e, SP_AUDIT_F_MIN_HOLDERS, &k);
    (void)count(e, SP_AUDIT_F_MODE, &mode);
    (void)count(e, SP_AUDIT_F_MAX_SET_SIZE, &max);
    (void)count(e, SP_AUDIT_F_RETENTION_DAYS, &days);
    (void)count(e, SP_AUDIT_F_EXPIRES_AT, &exp);
    if (sp_audit_entry_find(e, SP_AUDIT_F_KEY_TYPES, 0, &v) == 0)
        mask = v.u;
    say(o, "  Proposed by: %s", req(e, SP_AUDIT_F_COORDINATOR));
    hex(e, SP_AUDIT_F_COORDINATOR_CERT_SHA256, digest, sizeof(digest));
    if (digest[0])
        say(o, "    (coordinator certificate SHA-256 %s)", digest);
    say(o, "  Case: %s", req(e, SP_AUDIT_F_CASE_REF));
    say(o, "  Purpose: %s", req(e, SP_AUDIT_F_PURPOSE));
    say(o, "  Legal basis for %s: %s", node, req(e, SP_AUDIT_F_LEGAL_BASIS));
    names(e, SP_AUDIT_F_PARTICIPANT, buf, sizeof(buf));
    if (mode == 4) { /* a case question: no ring, no counting node, no k */
        say(o, "  Participants: %s; asked by %s", buf, req(e, SP_AUDIT_F_COUNTER));
        keymask(mask, buf, sizeof(buf));
        say(o, "  Key types asked about: %s", buf);
    } else {
        say(o, "  Participants (ring order): %s; counting node: %s%s%s", buf,
            req(e, SP_AUDIT_F_COUNTER), text(e, SP_AUDIT_F_INITIATOR) ? "; started by " : "",
            text(e, SP_AUDIT_F_INITIATOR) ? text(e, SP_AUDIT_F_INITIATOR) : "");
        keymask(mask, buf, sizeof(buf));
        say(o,
            "  Key types: %s; at least %llu holders (k); at most %llu values per node and key "
            "type",
            buf, (unsigned long long)k, (unsigned long long)max);
    }
    say(o, "  Disclosure: %s", learned((int)mode));
    sp_audit_format_time(exp, buf, sizeof(buf));
    say(o, "  The proposal expires %s; results are kept %llu days", buf, (unsigned long long)days);
    hex(e, SP_AUDIT_F_PROPOSAL_SHA256, digest, sizeof(digest));
    say(o, "  Proposal digest (SHA-256): %s", digest);
}

/* What those matches are about: the record's own subject (a person or a
 * company, through identity keys) or something it mentions (an address, a
 * vehicle, an account, which other people may share). */
static void tell_entities(const struct out *o, const struct sp_audit_entry *e)
{
    uint64_t v[5] = {0};
    bool any = count(e, SP_AUDIT_F_MATCHED_PERSON, &v[0]);
    any |= count(e, SP_AUDIT_F_MATCHED_COMPANY, &v[1]);
    any |= count(e, SP_AUDIT_F_MATCHED_ADDRESS, &v[2]);
    any |= count(e, SP_AUDIT_F_MATCHED_VEHICLE, &v[3]);
    any |= count(e, SP_AUDIT_F_MATCHED_ACCOUNT, &v[4]);
    if (!any)
        return;
    say(o,
        "  Records whose own subject is known elsewhere: %llu as a person, %llu as a company; "
        "records whose address, vehicle or account is known elsewhere (not the same person or "
        "company): %llu, %llu, %llu",
        (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
        (unsigned long long)v[3], (unsigned long long)v[4]);
}

static void tell_result(const struct out *o, const struct sp_audit_entry *e, const char *node)
{
    uint64_t mode = 0, matched = 0, cand = 0, cells = 0, below = 0;
    char digest[65];
    (void)count(e, SP_AUDIT_F_MODE, &mode);
    say(o, "  Result (%s).", sp_audit_mode_name((int)mode));
    if (count(e, SP_AUDIT_F_RECORDS_MATCHED, &matched))
        say(o, "  %s learned that %llu of its own records are known elsewhere%s", node,
            (unsigned long long)matched, mode == 3 ? ", and by which nodes" : "");
    tell_entities(o, e);
    if (count(e, SP_AUDIT_F_CANDIDATES, &cand))
        say(o,
            "  Of these, %llu link only through class C keys: candidates for human review, "
            "not hits",
            (unsigned long long)cand);
    if (count(e, SP_AUDIT_F_CELLS, &cells))
        say(o, "  Incidence counts: %llu cells reported to the coordinator",
            (unsigned long long)cells);
    if (count(e, SP_AUDIT_F_SUPPRESSED_BELOW, &below))
        say(o, "  Cells below %llu were suppressed in what the coordinator saw",
            (unsigned long long)below);
    hex(e, SP_AUDIT_F_TRANSCRIPT_SHA256, digest, sizeof(digest));
    if (digest[0])
        say(o, "  Transcript digest (SHA-256): %s", digest);
}

static void tell_failure(const struct out *o, const struct sp_audit_entry *e, const char *what)
{
    uint64_t code = 0;
    (void)count(e, SP_AUDIT_F_CODE, &code);
    int c = (int)(int64_t)code;
    say(o, "  %s: %s (%s: %s)%s%s", what, req(e, SP_AUDIT_F_REASON), sp_errname(c), sp_strerror(c),
        text(e, SP_AUDIT_F_PEER) ? "; peer " : "",
        text(e, SP_AUDIT_F_PEER) ? text(e, SP_AUDIT_F_PEER) : "");
    if (sp_audit_entry_type(e) == SP_AUDIT_ROUND_FAILED && text(e, SP_AUDIT_F_CASE_REF)) {
        /* failed before this node decided on it: the entry says what it was */
        char parts[400];
        names(e, SP_AUDIT_F_PARTICIPANT, parts, sizeof(parts));
        say(o, "  It failed before this node decided on the proposal. Case: %s",
            req(e, SP_AUDIT_F_CASE_REF));
        say(o, "  Purpose: %s", req(e, SP_AUDIT_F_PURPOSE));
        say(o, "  Coordinator: %s; started by %s; participants: %s", req(e, SP_AUDIT_F_COORDINATOR),
            text(e, SP_AUDIT_F_INITIATOR) ? text(e, SP_AUDIT_F_INITIATOR) : "?", parts);
    }
}

static void tell_head(const struct out *o, const struct sp_audit_entry *e, bool sent)
{
    char buf[1200], digest[65];
    uint64_t seq = 0;
    (void)count(e, SP_AUDIT_F_HEAD_SEQ, &seq);
    hex(e, SP_AUDIT_F_HEAD_HASH, digest, sizeof(digest));
    if (sent) {
        names(e, SP_AUDIT_F_PEER, buf, sizeof(buf));
        say(o, "  Sent its signed log head (seq %llu, hash %.16s…) to %s", (unsigned long long)seq,
            digest, buf);
    } else {
        say(o, "  Recorded %s's signed log head (seq %llu, hash %.16s…)", req(e, SP_AUDIT_F_PEER),
            (unsigned long long)seq, digest);
    }
}

/* What a node's entries say about its part in the round: a case question's
 * entries read differently (no ring, no counting node, no coordinator's
 * counts), and differently for the asking node and a partner. */
struct role {
    bool is_case, asker;
};

static struct role role_of(const struct sp_audit_story *s, const char *node)
{
    struct role r = {0};
    for (size_t i = 0; i < s->n; i++) {
        const struct sp_audit_entry *e = s->k[i].e;
        uint64_t mode = 0;
        int t = sp_audit_entry_type(e);
        if (strcmp(s->k[i].node, node) != 0 ||
            (t != SP_AUDIT_PROPOSAL_ACCEPTED && t != SP_AUDIT_ROUND_RESULT))
            continue;
        if (count(e, SP_AUDIT_F_MODE, &mode) && mode == 4)
            r.is_case = true;
        const char *counter = text(e, SP_AUDIT_F_COUNTER);
        if (t == SP_AUDIT_PROPOSAL_ACCEPTED && counter && strcmp(counter, node) == 0)
            r.asker = true; /* in a case question `counter` names the asking node */
    }
    return r;
}

static void tell_case_participants(const struct out *o, const struct sp_audit_entry *e,
                                   const char *node, struct role role)
{
    char a[400], b[400];
    names(e, SP_AUDIT_F_PARTICIPANT, a, sizeof(a));
    keycounts(e, SP_AUDIT_F_SET_SIZE, b, sizeof(b));
    if (role.asker)
        say(o, "  %s asked the case question of %s; the case list's distinct values: %s", node, a,
            b);
    else
        say(o, "  %s was asked (participants %s) about: %s; it learned nothing else of the case",
            node, a, b);
}

static void tell_case_result(const struct out *o, const struct sp_audit_entry *e, const char *node,
                             struct role role)
{
    uint64_t n = 0;
    (void)count(e, SP_AUDIT_F_RECORDS_MATCHED, &n);
    if (role.asker)
        say(o,
            "  Result (case): %s learned that %llu of the case's subjects are known to at least "
            "one partner (per partner: the case_answer entries; which subjects: its results)",
            node, (unsigned long long)n);
    else if (n)
        say(o,
            "  Result (case): %s answered and was told that %llu of its own records concern "
            "the case",
            node, (unsigned long long)n);
    else
        say(o, "  Result (case): %s answered; it stores no record of the case", node);
}

static void tell(const struct out *o, const struct sp_audit_entry *e, const char *node,
                 struct role role)
{
    char t[40], a[400], b[400];
    uint64_t rows = 0;
    sp_audit_format_time(sp_audit_entry_time(e), t, sizeof(t));
    say(o, "%s  entry %llu: %s", t, (unsigned long long)sp_audit_entry_seq(e),
        sp_audit_type_name(sp_audit_entry_type(e)));
    switch (sp_audit_entry_type(e)) {
    case SP_AUDIT_PROPOSAL_ACCEPTED:
        say(o, "  %s accepted the proposal.", node);
        tell_proposal(o, e, node);
        break;
    case SP_AUDIT_PROPOSAL_REFUSED:
        tell_failure(o, e, "Refused");
        break;
    case SP_AUDIT_ROUND_PARTICIPANTS:
        if (role.is_case) {
            tell_case_participants(o, e, node, role);
            break;
        }
        names(e, SP_AUDIT_F_PARTICIPANT, a, sizeof(a));
        keycounts(e, SP_AUDIT_F_SET_SIZE, b, sizeof(b));
        say(o, "  The round ran with %s (counting node %s); %s's own distinct values: %s", a,
            req(e, SP_AUDIT_F_COUNTER), node, b);
        if (strcmp(req(e, SP_AUDIT_F_COUNTER), node) == 0)
            say(o,
                "  As counting node, %s saw only anonymous incidence patterns: how many "
                "blinded values each combination of nodes holds",
                node);
        break;
    case SP_AUDIT_ROUND_SIZES:
        keycounts(e, SP_AUDIT_F_SENT, a, sizeof(a));
        keycounts(e, SP_AUDIT_F_RECEIVED, b, sizeof(b));
        say(o, "  With %s: sent %s; received %s", req(e, SP_AUDIT_F_PEER), a, b);
        keycounts(e, SP_AUDIT_F_DECLARED, a, sizeof(a));
        if (sp_audit_entry_count(e, SP_AUDIT_F_DECLARED) > 0)
            say(o, "  %s declared set sizes: %s", req(e, SP_AUDIT_F_PEER), a);
        break;
    case SP_AUDIT_ROUND_RESULT:
        if (role.is_case)
            tell_case_result(o, e, node, role);
        else
            tell_result(o, e, node);
        break;
    case SP_AUDIT_ROUND_FAILED:
        tell_failure(o, e, "The round failed");
        break;
    case SP_AUDIT_RETENTION_PURGE:
        (void)count(e, SP_AUDIT_F_ROWS_DELETED, &rows);
        say(o, "  The round's results were deleted (%llu rows): retention period over",
            (unsigned long long)rows);
        break;
    case SP_AUDIT_LOG_HEAD_SENT:
    case SP_AUDIT_LOG_HEAD_RECEIVED:
        tell_head(o, e, sp_audit_entry_type(e) == SP_AUDIT_LOG_HEAD_SENT);
        break;
    case SP_AUDIT_CASE_ANSWER:
        if (count(e, SP_AUDIT_F_RECORDS_MATCHED, &rows))
            say(o, "  %s answered the case question: it knows %llu of the case's subjects",
                req(e, SP_AUDIT_F_PEER), (unsigned long long)rows);
        else
            say(o, "  %s did not answer the case question: %s", req(e, SP_AUDIT_F_PEER),
                req(e, SP_AUDIT_F_REASON));
        break;
    default:
        break;
    }
}

int sp_audit_story_render(const struct sp_audit_story *s, sp_audit_emit_fn emit, void *ctx)
{
    char rid[SP_ROUND_ID_HEX_LEN + 1];
    if (!s || !emit)
        return SP_ERR_INVALID_ARG;
    if (s->n == 0)
        return SP_ERR_NOT_FOUND;
    struct out o = {emit, ctx};
    struct role role = {0};
    sp_round_id_hex(s->round, rid);
    say(&o, "Round %s", rid);
    for (size_t i = 0; i < s->n; i++) {
        if (i == 0 || strcmp(s->k[i].node, s->k[i - 1].node) != 0) {
            say(&o, "\nAs logged by %s:", s->k[i].node);
            role = role_of(s, s->k[i].node);
        }
        tell(&o, s->k[i].e, s->k[i].node, role);
    }
    return 0;
}
