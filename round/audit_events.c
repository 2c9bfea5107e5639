/*
 * Builders of the node's audit entries (audit_events.h). Each adds the
 * fields of its type in a chain that stops at the first refusal.
 */
#include <ctype.h>
#include <string.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "common/utf8.h"
#include "round/audit_events.h"

/* A chain of adders: the first failure wins and the rest are skipped. */
struct build {
    struct sp_audit_entry *e;
    int rc;
};

static void b_begin(struct build *b, int type)
{
    b->e = NULL;
    b->rc = sp_audit_entry_new(type, &b->e);
}

static void b_count(struct build *b, int field, uint64_t v)
{
    if (!b->rc)
        b->rc = sp_audit_add_count(b->e, field, v);
}

static void b_name(struct build *b, int field, const char *v)
{
    if (!b->rc)
        b->rc = sp_audit_add_name(b->e, field, v);
}

static void b_digest(struct build *b, int field, const uint8_t *v)
{
    if (!b->rc && v)
        b->rc = sp_audit_add_digest(b->e, field, v);
}

static void b_text(struct build *b, int field, const char *v, const char *fallback)
{
    char buf[SP_PROTO_TEXT_MAX + 8];
    if (!b->rc && v) {
        size_t max = sp_audit_field_text_max(field);
        b->rc = sp_audit_add_text(b->e, field, sp_auditev_text(v, max, buf, sizeof buf, fallback));
    }
}

/* Adds v[t] for every key type t in mask (zeros too: a node may hold no
 * value of a type it takes part with, and that is worth recording). */
static void b_keycounts(struct build *b, int field, uint32_t mask, const uint64_t *v)
{
    for (int t = SP_KEY_TYPE_MIN; v && t <= SP_KEY_TYPE_MAX && !b->rc; t++)
        if (mask & SP_KEY_MASK(t))
            b->rc = sp_audit_add_keycount(b->e, field, t, v[t]);
}

static void b_round(struct build *b, const uint8_t *round)
{
    if (!b->rc && round)
        b->rc = sp_audit_add_round(b->e, round);
}

static void b_code(struct build *b, int code)
{
    if (!b->rc)
        b->rc = sp_audit_add_code(b->e, code < 0 ? code : SP_ERR_INTERNAL);
}

/* A code where 0 says "it went well" (case_answer). */
static void b_code_or_ok(struct build *b, int code)
{
    if (!b->rc)
        b->rc = sp_audit_add_code(b->e, code <= 0 ? code : SP_ERR_INTERNAL);
}

static int b_end(struct build *b, struct sp_audit_entry **out)
{
    if (b->rc) {
        sp_audit_entry_free(&b->e);
        return b->rc;
    }
    *out = b->e;
    return 0;
}

/* ---- texts -------------------------------------------------------------- */

/* Replaces the digits of every run the audit guard counts as 9 or more
 * digits (single spaces or dots between digits continue a run). */
static void mask_digit_runs(char *s)
{
    size_t n = strlen(s), start = 0, digits = 0;
    for (size_t i = 0; i <= n; i++) {
        bool digit = i < n && isdigit((unsigned char)s[i]);
        bool sep = i < n && (s[i] == ' ' || s[i] == '.') && digits && i + 1 < n &&
                   isdigit((unsigned char)s[i + 1]);
        if (digit) {
            if (!digits)
                start = i;
            digits++;
            continue;
        }
        if (sep)
            continue;
        if (digits >= 9)
            for (size_t k = start; k < i; k++)
                if (isdigit((unsigned char)s[k]))
                    s[k] = '#';
        digits = 0;
    }
}

const char *sp_auditev_text(const char *text, size_t max, char *out, size_t cap,
                            const char *fallback)
{
    size_t o = 0;
    if (!text || max == 0 || cap == 0)
        return fallback;
    for (size_t i = 0; text[i] && o < max && o + 1 < cap;) {
        unsigned char c = (unsigned char)text[i];
        /* reads no further than the NUL */
        size_t l = sp_utf8_seq_len((const uint8_t *)text + i, 4, NULL);
        if (c < 0x20 || c == 0x7f || l == 0) {
            out[o++] = c == '\t' ? '\t' : ' ';
            i++;
            continue;
        }
        if (o + l > max || o + l + 1 > cap)
            break;
        memcpy(out + o, text + i, l);
        o += l;
        i += l;
    }
    out[o] = '\0';
    mask_digit_runs(out);
    return sp_audit_text_check(out, o, max, NULL) == 0 ? out : fallback;
}

/* ---- node -----------------------------------------------------------------
 */

int sp_auditev_node_start(const char *node, const char *software, const uint8_t config_sha256[32],
                          const uint8_t *cert_sha256, const uint8_t sign_pk[32],
                          const uint8_t curve_pk[32], struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_NODE_START);
    b_name(&b, SP_AUDIT_F_NODE, node);
    b_text(&b, SP_AUDIT_F_SOFTWARE, software, "snijpunt");
    b_digest(&b, SP_AUDIT_F_CONFIG_SHA256, config_sha256);
    b_digest(&b, SP_AUDIT_F_CERT_SHA256, cert_sha256);
    b_digest(&b, SP_AUDIT_F_SIGN_PK, sign_pk);
    b_digest(&b, SP_AUDIT_F_CURVE_PK, curve_pk);
    return b_end(&b, out);
}

int sp_auditev_node_stop(const char *reason, struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_NODE_STOP);
    b_text(&b, SP_AUDIT_F_REASON, reason, "stopped");
    return b_end(&b, out);
}

int sp_auditev_config_change(const uint8_t config_sha256[32], const uint8_t *prev,
                             struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_CONFIG_CHANGE);
    b_digest(&b, SP_AUDIT_F_CONFIG_SHA256, config_sha256);
    b_digest(&b, SP_AUDIT_F_PREV_CONFIG_SHA256, prev);
    return b_end(&b, out);
}

int sp_auditev_key_change(const uint8_t *cert_sha256, const uint8_t *sign_pk,
                          const uint8_t *curve_pk, uint64_t cert_serial, const char *detail,
                          struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_KEY_CHANGE);
    b_digest(&b, SP_AUDIT_F_CERT_SHA256, cert_sha256);
    b_digest(&b, SP_AUDIT_F_SIGN_PK, sign_pk);
    b_digest(&b, SP_AUDIT_F_CURVE_PK, curve_pk);
    if (cert_serial)
        b_count(&b, SP_AUDIT_F_CERT_SERIAL, cert_serial);
    b_text(&b, SP_AUDIT_F_DETAIL, detail, "keys changed");
    return b_end(&b, out);
}

int sp_auditev_dataset_load(const struct sp_auditev_dataset *d, struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_DATASET_LOAD);
    b_name(&b, SP_AUDIT_F_DATASET, d->name);
    b_count(&b, SP_AUDIT_F_VERSION, d->version);
    b_count(&b, SP_AUDIT_F_RECORDS, d->records);
    b_count(&b, SP_AUDIT_F_USABLE, d->usable);
    b_count(&b, SP_AUDIT_F_KEYS, d->keys);
    b_count(&b, SP_AUDIT_F_REJECTED_FIELDS, d->rejected_fields);
    b_count(&b, SP_AUDIT_F_STRUCTURAL_ERRORS, d->structural_errors);
    b_digest(&b, SP_AUDIT_F_INPUT_SHA256, d->input_sha256);
    return b_end(&b, out);
}

/* ---- rounds ---------------------------------------------------------------
 */

static void b_participants(struct build *b, const struct sp_proposal *p)
{
    for (uint32_t i = 0; i < p->nparticipants && !b->rc; i++)
        b_name(b, SP_AUDIT_F_PARTICIPANT, p->participants[i].name);
}

static void b_mode(struct build *b, int mode)
{
    if (!b->rc)
        b->rc = sp_audit_add_mode(b->e, mode);
}

int sp_auditev_proposal_accepted(const struct sp_proposal *p, const uint8_t digest[32],
                                 const uint8_t *coordinator_cert, unsigned self, unsigned initiator,
                                 struct sp_audit_entry **out)
{
    struct build b;
    if (self >= p->nparticipants || initiator >= p->nparticipants)
        return SP_ERR_AUDIT_FIELD;
    b_begin(&b, SP_AUDIT_PROPOSAL_ACCEPTED);
    b_round(&b, p->round_id);
    b_digest(&b, SP_AUDIT_F_PROPOSAL_SHA256, digest);
    b_text(&b, SP_AUDIT_F_COORDINATOR, p->coordinator, "(unreadable)");
    b_digest(&b, SP_AUDIT_F_COORDINATOR_CERT_SHA256, coordinator_cert);
    b_text(&b, SP_AUDIT_F_CASE_REF, p->case_ref, "(unreadable)");
    b_text(&b, SP_AUDIT_F_PURPOSE, p->purpose, "(unreadable)");
    b_text(&b, SP_AUDIT_F_LEGAL_BASIS, p->participants[self].legal_basis, "(unreadable)");
    b_mode(&b, p->mode);
    b_count(&b, SP_AUDIT_F_MIN_HOLDERS, p->min_holders);
    b_name(&b, SP_AUDIT_F_COUNTER,
           p->counter < p->nparticipants ? p->participants[p->counter].name : "?");
    b_name(&b, SP_AUDIT_F_INITIATOR, p->participants[initiator].name);
    b_count(&b, SP_AUDIT_F_MAX_SET_SIZE, p->max_set_size);
    if (!b.rc)
        b.rc = sp_audit_add_keymask(b.e, SP_AUDIT_F_KEY_TYPES, p->participants[self].key_types);
    if (!b.rc)
        b.rc = sp_audit_add_time(b.e, SP_AUDIT_F_EXPIRES_AT, p->expires_at);
    b_count(&b, SP_AUDIT_F_RETENTION_DAYS, p->retention_days);
    b_participants(&b, p);
    return b_end(&b, out);
}

int sp_auditev_proposal_refused(const uint8_t *round, const uint8_t digest[32],
                                const struct sp_proposal *p, const char *initiator,
                                const char *peer, int code, const char *reason,
                                struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_PROPOSAL_REFUSED);
    b_round(&b, round);
    b_digest(&b, SP_AUDIT_F_PROPOSAL_SHA256, digest);
    if (p) {
        b_text(&b, SP_AUDIT_F_COORDINATOR, p->coordinator, "(unreadable)");
        b_text(&b, SP_AUDIT_F_CASE_REF, p->case_ref, "(unreadable)");
    }
    if (initiator && sp_audit_name_valid(initiator, strlen(initiator)))
        b_name(&b, SP_AUDIT_F_INITIATOR, initiator);
    if (peer && sp_audit_name_valid(peer, strlen(peer)))
        b_name(&b, SP_AUDIT_F_PEER, peer);
    b_code(&b, code);
    b_text(&b, SP_AUDIT_F_REASON, reason, "refused");
    return b_end(&b, out);
}

int sp_auditev_round_participants(const struct sp_proposal *p, const uint8_t digest[32],
                                  uint32_t key_mask, const uint64_t set_sizes[SP_AUDITEV_TYPES],
                                  struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_ROUND_PARTICIPANTS);
    b_round(&b, p->round_id);
    b_digest(&b, SP_AUDIT_F_PROPOSAL_SHA256, digest);
    b_name(&b, SP_AUDIT_F_COUNTER,
           p->counter < p->nparticipants ? p->participants[p->counter].name : "?");
    b_participants(&b, p);
    b_keycounts(&b, SP_AUDIT_F_SET_SIZE, key_mask & SP_KEY_MASK_ALL, set_sizes);
    return b_end(&b, out);
}

/* Adds the non-zero counts of v. */
static void b_nonzero(struct build *b, int field, const uint64_t *v)
{
    for (int t = SP_KEY_TYPE_MIN; v && t <= SP_KEY_TYPE_MAX && !b->rc; t++)
        if (v[t])
            b->rc = sp_audit_add_keycount(b->e, field, t, v[t]);
}

int sp_auditev_round_sizes(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer,
                           const uint64_t *declared, const uint64_t sent[SP_AUDITEV_TYPES],
                           const uint64_t received[SP_AUDITEV_TYPES], struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_ROUND_SIZES);
    b_round(&b, round);
    b_name(&b, SP_AUDIT_F_PEER, peer);
    b_nonzero(&b, SP_AUDIT_F_DECLARED, declared);
    b_nonzero(&b, SP_AUDIT_F_SENT, sent);
    b_nonzero(&b, SP_AUDIT_F_RECEIVED, received);
    return b_end(&b, out);
}

int sp_auditev_round_result(const uint8_t round[SP_ROUND_ID_BYTES],
                            const struct sp_auditev_result *r, struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_ROUND_RESULT);
    b_round(&b, round);
    b_mode(&b, r->mode);
    if (r->have_records) {
        b_count(&b, SP_AUDIT_F_RECORDS_MATCHED, r->records_matched);
        b_count(&b, SP_AUDIT_F_CANDIDATES, r->candidates);
        static const int fields[SP_ENTITY_COUNT] = {
            [SP_ENTITY_PERSON] = SP_AUDIT_F_MATCHED_PERSON,
            [SP_ENTITY_COMPANY] = SP_AUDIT_F_MATCHED_COMPANY,
            [SP_ENTITY_ADDRESS] = SP_AUDIT_F_MATCHED_ADDRESS,
            [SP_ENTITY_VEHICLE] = SP_AUDIT_F_MATCHED_VEHICLE,
            [SP_ENTITY_ACCOUNT] = SP_AUDIT_F_MATCHED_ACCOUNT};
        for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
            b_count(&b, fields[e], r->matched[e]);
    }
    if (r->have_cells) {
        b_count(&b, SP_AUDIT_F_CELLS, r->cells);
        b_count(&b, SP_AUDIT_F_SUPPRESSED_BELOW, r->suppressed_below);
    }
    b_digest(&b, SP_AUDIT_F_TRANSCRIPT_SHA256, r->transcript_sha256);
    return b_end(&b, out);
}

int sp_auditev_round_failed(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer, int code,
                            const char *reason, const struct sp_auditev_undecided *u,
                            struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_ROUND_FAILED);
    b_round(&b, round);
    if (peer && sp_audit_name_valid(peer, strlen(peer)))
        b_name(&b, SP_AUDIT_F_PEER, peer);
    b_code(&b, code);
    b_text(&b, SP_AUDIT_F_REASON, reason, "failed");
    if (u && u->p) { /* the node never decided: say what the round was */
        b_digest(&b, SP_AUDIT_F_PROPOSAL_SHA256, u->digest);
        b_text(&b, SP_AUDIT_F_COORDINATOR, u->p->coordinator, "(unreadable)");
        b_text(&b, SP_AUDIT_F_CASE_REF, u->p->case_ref, "(unreadable)");
        b_text(&b, SP_AUDIT_F_PURPOSE, u->p->purpose, "(unreadable)");
        b_mode(&b, u->p->mode);
        if (u->initiator && sp_audit_name_valid(u->initiator, strlen(u->initiator)))
            b_name(&b, SP_AUDIT_F_INITIATOR, u->initiator);
        b_participants(&b, u->p);
    }
    return b_end(&b, out);
}

int sp_auditev_case_answer(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer, int code,
                           const char *reason, uint64_t subjects, struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_CASE_ANSWER);
    b_round(&b, round);
    b_name(&b, SP_AUDIT_F_PEER, peer);
    b_code_or_ok(&b, code);
    if (code == 0)
        b_count(&b, SP_AUDIT_F_RECORDS_MATCHED, subjects);
    else
        b_text(&b, SP_AUDIT_F_REASON, reason, "no answer");
    return b_end(&b, out);
}

int sp_auditev_retention_purge(const uint8_t round[SP_ROUND_ID_BYTES], uint32_t retention_days,
                               uint64_t rows_deleted, const char *detail,
                               struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_RETENTION_PURGE);
    b_round(&b, round);
    b_count(&b, SP_AUDIT_F_RETENTION_DAYS, retention_days);
    b_count(&b, SP_AUDIT_F_ROWS_DELETED, rows_deleted);
    b_text(&b, SP_AUDIT_F_DETAIL, detail, "results deleted");
    return b_end(&b, out);
}

int sp_auditev_connection_refused(const char *peer, const uint8_t *peer_key, uint64_t cert_serial,
                                  int code, const char *reason, struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_CONNECTION_REFUSED);
    if (peer && sp_audit_name_valid(peer, strlen(peer)))
        b_name(&b, SP_AUDIT_F_PEER, peer);
    b_digest(&b, SP_AUDIT_F_PEER_KEY, peer_key);
    if (cert_serial)
        b_count(&b, SP_AUDIT_F_CERT_SERIAL, cert_serial);
    b_code(&b, code);
    b_text(&b, SP_AUDIT_F_REASON, reason, "refused");
    return b_end(&b, out);
}

int sp_auditev_log_head_sent(const uint8_t round[SP_ROUND_ID_BYTES], const char *const *peers,
                             size_t npeers, uint64_t head_seq, const uint8_t head_hash[32],
                             struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_LOG_HEAD_SENT);
    b_round(&b, round);
    for (size_t i = 0; i < npeers && !b.rc; i++)
        b_name(&b, SP_AUDIT_F_PEER, peers[i]);
    b_count(&b, SP_AUDIT_F_HEAD_SEQ, head_seq);
    b_digest(&b, SP_AUDIT_F_HEAD_HASH, head_hash);
    return b_end(&b, out);
}

int sp_auditev_log_head_received(const uint8_t round[SP_ROUND_ID_BYTES], const char *peer,
                                 uint64_t head_seq, const uint8_t head_hash[32],
                                 const uint8_t head_sig[64], struct sp_audit_entry **out)
{
    struct build b;
    b_begin(&b, SP_AUDIT_LOG_HEAD_RECEIVED);
    b_round(&b, round);
    b_name(&b, SP_AUDIT_F_PEER, peer);
    b_count(&b, SP_AUDIT_F_HEAD_SEQ, head_seq);
    b_digest(&b, SP_AUDIT_F_HEAD_HASH, head_hash);
    if (!b.rc)
        b.rc = sp_audit_add_signature(b.e, SP_AUDIT_F_HEAD_SIG, head_sig);
    return b_end(&b, out);
}
