/* Types, fields and per-type schemas of audit entries (see schema.h). */
#include "schema.h"

#include <string.h>

#include "common/err.h"
#include "common/keytype.h"
#include "common/utf8.h"

struct field_def {
    const char *name;
    int kind;
    unsigned text_max;
};

static const struct field_def fields[SP_AUDIT_FIELD_MAX + 1] = {
#define F(n, v, s, k, m) [v] = {s, SP_AUDIT_KIND_##k, m},
    SP_AUDIT_FIELDS(F)
#undef F
};

static const char *const type_names[SP_AUDIT_TYPE_MAX + 1] = {
#define T(n, v, s) [v] = s,
    SP_AUDIT_TYPES(T)
#undef T
};

/* Which fields each type has, and how often. A field not listed for a type
 * is refused in it. */
struct rule {
    uint8_t type, field, min, max;
};

#define R(t, f, lo, hi)                                                                            \
    {                                                                                              \
        SP_AUDIT_##t, SP_AUDIT_F_##f, lo, hi                                                       \
    }
/* clang-format off */
static const struct rule rules[] = {
    R(NODE_START, NODE, 1, 1),
    R(NODE_START, SOFTWARE, 1, 1),
    R(NODE_START, CONFIG_SHA256, 0, 1),
    R(NODE_START, CERT_SHA256, 0, 1),
    R(NODE_START, SIGN_PK, 0, 1),
    R(NODE_START, CURVE_PK, 0, 1),

    R(NODE_STOP, REASON, 0, 1),

    R(CONFIG_CHANGE, CONFIG_SHA256, 1, 1),
    R(CONFIG_CHANGE, PREV_CONFIG_SHA256, 0, 1),
    R(CONFIG_CHANGE, DETAIL, 0, 1),

    R(KEY_CHANGE, CERT_SHA256, 0, 1),
    R(KEY_CHANGE, SIGN_PK, 0, 1),
    R(KEY_CHANGE, CURVE_PK, 0, 1),
    R(KEY_CHANGE, CERT_SERIAL, 0, 1),
    R(KEY_CHANGE, DETAIL, 0, 1),

    R(DATASET_LOAD, DATASET, 1, 1),
    R(DATASET_LOAD, VERSION, 1, 1),
    R(DATASET_LOAD, RECORDS, 1, 1),
    R(DATASET_LOAD, USABLE, 0, 1),
    R(DATASET_LOAD, KEYS, 1, 1),
    R(DATASET_LOAD, REJECTED_FIELDS, 1, 1),
    R(DATASET_LOAD, STRUCTURAL_ERRORS, 1, 1),
    R(DATASET_LOAD, INPUT_SHA256, 1, 1),

    R(PROPOSAL_ACCEPTED, ROUND, 1, 1),
    R(PROPOSAL_ACCEPTED, PROPOSAL_SHA256, 1, 1),
    R(PROPOSAL_ACCEPTED, COORDINATOR, 1, 1),
    R(PROPOSAL_ACCEPTED, COORDINATOR_CERT_SHA256, 0, 1),
    R(PROPOSAL_ACCEPTED, CASE_REF, 1, 1),
    R(PROPOSAL_ACCEPTED, PURPOSE, 1, 1),
    R(PROPOSAL_ACCEPTED, LEGAL_BASIS, 1, 1),
    R(PROPOSAL_ACCEPTED, MODE, 1, 1),
    R(PROPOSAL_ACCEPTED, MIN_HOLDERS, 1, 1),
    R(PROPOSAL_ACCEPTED, COUNTER, 1, 1),
    R(PROPOSAL_ACCEPTED, INITIATOR, 0, 1),
    R(PROPOSAL_ACCEPTED, MAX_SET_SIZE, 1, 1),
    R(PROPOSAL_ACCEPTED, KEY_TYPES, 1, 1),
    R(PROPOSAL_ACCEPTED, EXPIRES_AT, 1, 1),
    R(PROPOSAL_ACCEPTED, RETENTION_DAYS, 1, 1),
    R(PROPOSAL_ACCEPTED, PARTICIPANT, 2, 32),

    R(PROPOSAL_REFUSED, ROUND, 0, 1),
    R(PROPOSAL_REFUSED, PROPOSAL_SHA256, 1, 1),
    R(PROPOSAL_REFUSED, COORDINATOR, 0, 1),
    R(PROPOSAL_REFUSED, CASE_REF, 0, 1),
    R(PROPOSAL_REFUSED, INITIATOR, 0, 1),
    R(PROPOSAL_REFUSED, PEER, 0, 1),
    R(PROPOSAL_REFUSED, CODE, 1, 1),
    R(PROPOSAL_REFUSED, REASON, 1, 1),

    R(ROUND_PARTICIPANTS, ROUND, 1, 1),
    R(ROUND_PARTICIPANTS, PROPOSAL_SHA256, 1, 1),
    R(ROUND_PARTICIPANTS, COUNTER, 1, 1),
    R(ROUND_PARTICIPANTS, PARTICIPANT, 2, 32),
    R(ROUND_PARTICIPANTS, SET_SIZE, 0, SP_KEY_TYPE_MAX), /* KEYCOUNTs: one per key type */

    R(ROUND_SIZES, ROUND, 1, 1),
    R(ROUND_SIZES, PEER, 1, 1),
    R(ROUND_SIZES, DECLARED, 0, SP_KEY_TYPE_MAX),
    R(ROUND_SIZES, SENT, 0, SP_KEY_TYPE_MAX),
    R(ROUND_SIZES, RECEIVED, 0, SP_KEY_TYPE_MAX),

    R(ROUND_RESULT, ROUND, 1, 1),
    R(ROUND_RESULT, MODE, 1, 1),
    R(ROUND_RESULT, RECORDS_MATCHED, 0, 1),
    R(ROUND_RESULT, CANDIDATES, 0, 1),
    R(ROUND_RESULT, MATCHED_PERSON, 0, 1),
    R(ROUND_RESULT, MATCHED_COMPANY, 0, 1),
    R(ROUND_RESULT, MATCHED_ADDRESS, 0, 1),
    R(ROUND_RESULT, MATCHED_VEHICLE, 0, 1),
    R(ROUND_RESULT, MATCHED_ACCOUNT, 0, 1),
    R(ROUND_RESULT, CELLS, 0, 1),
    R(ROUND_RESULT, SUPPRESSED_BELOW, 0, 1),
    R(ROUND_RESULT, TRANSCRIPT_SHA256, 0, 1),

    R(ROUND_FAILED, ROUND, 1, 1),
    R(ROUND_FAILED, PEER, 0, 1),
    R(ROUND_FAILED, CODE, 1, 1),
    R(ROUND_FAILED, REASON, 1, 1),
    /* what the round was, when the node failed it before deciding on it */
    R(ROUND_FAILED, PROPOSAL_SHA256, 0, 1),
    R(ROUND_FAILED, COORDINATOR, 0, 1),
    R(ROUND_FAILED, CASE_REF, 0, 1),
    R(ROUND_FAILED, PURPOSE, 0, 1),
    R(ROUND_FAILED, MODE, 0, 1),
    R(ROUND_FAILED, INITIATOR, 0, 1),
    R(ROUND_FAILED, PARTICIPANT, 0, 32),

    R(RETENTION_PURGE, ROUND, 0, 1),
    R(RETENTION_PURGE, RETENTION_DAYS, 0, 1),
    R(RETENTION_PURGE, ROWS_DELETED, 1, 1),
    R(RETENTION_PURGE, DETAIL, 0, 1),

    R(CONNECTION_REFUSED, PEER, 0, 1),
    R(CONNECTION_REFUSED, PEER_KEY, 0, 1),
    R(CONNECTION_REFUSED, CERT_SERIAL, 0, 1),
    R(CONNECTION_REFUSED, CODE, 1, 1),
    R(CONNECTION_REFUSED, REASON, 1, 1),

    R(LOG_HEAD_RECEIVED, ROUND, 1, 1),
    R(LOG_HEAD_RECEIVED, PEER, 1, 1),
    R(LOG_HEAD_RECEIVED, HEAD_SEQ, 1, 1),
    R(LOG_HEAD_RECEIVED, HEAD_HASH, 1, 1),
    R(LOG_HEAD_RECEIVED, HEAD_SIG, 1, 1),

    R(LOG_HEAD_SENT, ROUND, 1, 1),
    R(LOG_HEAD_SENT, PEER, 1, 31),
    R(LOG_HEAD_SENT, HEAD_SEQ, 1, 1),
    R(LOG_HEAD_SENT, HEAD_HASH, 1, 1),

    /* the asking node of a case question, per partner: answered (code 0,
     * with how many case subjects it knows), refused or no answer (why) */
    R(CASE_ANSWER, ROUND, 1, 1),
    R(CASE_ANSWER, PEER, 1, 1),
    R(CASE_ANSWER, CODE, 1, 1),
    R(CASE_ANSWER, REASON, 0, 1),
    R(CASE_ANSWER, RECORDS_MATCHED, 0, 1),
};
/* clang-format on */
#undef R

const char *sp_audit_type_name(int type)
{
    return type >= 1 && type <= SP_AUDIT_TYPE_MAX ? type_names[type] : NULL;
}

const char *sp_audit_field_name(int field)
{
    return field >= 1 && field <= SP_AUDIT_FIELD_MAX ? fields[field].name : NULL;
}

int sp_audit_field_kind(int field)
{
    return field >= 1 && field <= SP_AUDIT_FIELD_MAX ? fields[field].kind : 0;
}

size_t sp_audit_field_text_max(int field)
{
    return field >= 1 && field <= SP_AUDIT_FIELD_MAX ? fields[field].text_max : 0;
}

bool sp_audit_schema_occurs(int type, int field, unsigned *min, unsigned *max)
{
    if (!sp_audit_type_name(type) || !sp_audit_field_name(field))
        return false;
    *min = *max = 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (rules[i].type == type && rules[i].field == field) {
            *min = rules[i].min;
            *max = rules[i].max;
        }
    }
    return true;
}

bool sp_audit_schema_repeated(int type, int field)
{
    unsigned lo = 0, hi = 0;
    return sp_audit_schema_occurs(type, field, &lo, &hi) && hi > 1;
}

const char *sp_audit_mode_name(int mode)
{
    static const char *const names[] = {NULL, "counts", "threshold", "partners", "case"};
    return mode >= 1 && mode <= 4 ? names[mode] : NULL;
}

bool sp_audit_name_valid(const char *s, size_t len)
{
    if (!s || len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* Length of a well-formed UTF-8 character at s (at most len bytes) that is
 * not a control (C0 but TAB, DEL, C1), or 0. */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    uint32_t cp = 0;
    size_t n = sp_utf8_seq_len(s, len, &cp);
    if (n == 0 || (cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp <= 0x9f))
        return 0;
    return n;
}

static int text_fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return SP_ERR_AUDIT_FIELD;
}

int sp_audit_text_check(const char *s, size_t len, size_t max, const char **why)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!s || len == 0)
        return text_fail(why, "text is empty");
    if (len > max)
        return text_fail(why, "text is longer than this field allows");
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char(u + i, len - i);
        if (n == 0)
            return text_fail(why, "text is not valid UTF-8 or has control characters");
        if (u[i] >= '0' && u[i] <= '9')
            run++;
        else if (!((u[i] == ' ' || u[i] == '.') && run > 0 && i + 1 < len && u[i + 1] >= '0' &&
                   u[i + 1] <= '9'))
            run = 0;
        if (run >= 9)
            return text_fail(why, "text has 9 or more digits in a row (an identifier?)");
        i += n;
    }
    if (why)
        *why = NULL;
    return 0;
}
