/* Test fixture for the audit tests (see fixture.h). */
#include "fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "audit/jsonl.h"
#include "common/keytype.h"

int tlog_sign(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg, size_t len)
{
    const struct tlog *l = ctx;
    if (l->sign)
        return l->sign(l->sign_ctx, sig, msg, len);
    return crypto_sign_detached(sig, NULL, msg, len, l->sk) == 0 ? 0 : SP_ERR_INTERNAL;
}

void tlog_init(struct tlog *l, const char *node, uint8_t seed)
{
    uint8_t s[32];
    assert_true(sodium_init() >= 0);
    memset(l, 0, sizeof(*l));
    memset(s, seed, sizeof(s));
    crypto_sign_seed_keypair(l->pk, l->sk, s);
    snprintf(l->node, sizeof(l->node), "%s", node);
}

void tlog_free(struct tlog *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->rec[i]);
    l->n = 0;
}

static void seal_at(struct tlog *l, size_t i, struct sp_audit_entry *e)
{
    static const uint8_t zero[SP_AUDIT_HASH_BYTES];
    uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES];
    size_t len = 0;
    assert_int_equal(sp_audit_entry_seal(e, i, T0 + 60 * i, i ? l->hash[i - 1] : zero, tlog_sign, l,
                                         rec, sizeof(rec), &len, l->hash[i]),
                     0);
    free(l->rec[i]);
    l->rec[i] = malloc(len);
    assert_non_null(l->rec[i]);
    memcpy(l->rec[i], rec, len);
    l->len[i] = len;
}

void tlog_append(struct tlog *l, struct sp_audit_entry **e)
{
    assert_true(l->n < TLOG_MAX);
    l->rec[l->n] = NULL;
    seal_at(l, l->n, *e);
    l->n++;
    sp_audit_entry_free(e);
}

void tlog_head(const struct tlog *l, struct sp_audit_head *h)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->node, sizeof(h->node), "%s", l->node);
    h->seq = l->n - 1;
    memcpy(h->hash, l->hash[l->n - 1], SP_AUDIT_HASH_BYTES);
    assert_int_equal(sp_audit_head_sign(h, tlog_sign, (void *)(uintptr_t)l), 0);
}

static void clone_field(struct sp_audit_entry *c, const struct sp_audit_value *v)
{
    int rc = SP_ERR_INTERNAL;
    switch (v->kind) {
    case SP_AUDIT_KIND_COUNT:
        rc = sp_audit_add_count(c, v->field, v->u);
        break;
    case SP_AUDIT_KIND_TIME:
        rc = sp_audit_add_time(c, v->field, v->u);
        break;
    case SP_AUDIT_KIND_TEXT:
        rc = sp_audit_add_text(c, v->field, (const char *)v->bytes);
        break;
    case SP_AUDIT_KIND_NAME:
        rc = sp_audit_add_name(c, v->field, (const char *)v->bytes);
        break;
    case SP_AUDIT_KIND_DIGEST:
        rc = sp_audit_add_digest(c, v->field, v->bytes);
        break;
    case SP_AUDIT_KIND_ROUND:
        rc = sp_audit_add_round(c, v->bytes);
        break;
    case SP_AUDIT_KIND_KEYCOUNT:
        rc = sp_audit_add_keycount(c, v->field, v->key_type, v->u);
        break;
    case SP_AUDIT_KIND_KEYMASK:
        rc = sp_audit_add_keymask(c, v->field, (uint32_t)v->u);
        break;
    case SP_AUDIT_KIND_MODE:
        rc = sp_audit_add_mode(c, (int)v->u);
        break;
    case SP_AUDIT_KIND_CODE:
        rc = sp_audit_add_code(c, (int)v->code);
        break;
    case SP_AUDIT_KIND_SIGNATURE:
        rc = sp_audit_add_signature(c, v->field, v->bytes);
        break;
    }
    assert_int_equal(rc, 0);
}

struct sp_audit_entry *tlog_clone(const struct sp_audit_entry *e)
{
    struct sp_audit_entry *c = NULL;
    struct sp_audit_value v;
    assert_int_equal(sp_audit_entry_new(sp_audit_entry_type(e), &c), 0);
    for (size_t i = 0; sp_audit_entry_field(e, i, &v) == 0; i++)
        clone_field(c, &v);
    return c;
}

struct sp_audit_entry *tlog_entry(const struct tlog *l, size_t i)
{
    struct sp_audit_entry *e = NULL;
    assert_int_equal(sp_audit_record_open(l->rec[i], l->len[i], l->pk, &e, NULL), 0);
    return e;
}

void tlog_reseal(struct tlog *l, size_t from)
{
    for (size_t i = from; i < l->n; i++) {
        struct sp_audit_entry *e = NULL;
        assert_int_equal(sp_audit_record_open(l->rec[i], l->len[i], NULL, &e, NULL), 0);
        struct sp_audit_entry *c = tlog_clone(e);
        seal_at(l, i, c);
        sp_audit_entry_free(&c);
        sp_audit_entry_free(&e);
    }
}

void tlog_remove(struct tlog *l, size_t i)
{
    free(l->rec[i]);
    memmove(&l->rec[i], &l->rec[i + 1], (l->n - i - 1) * sizeof(l->rec[0]));
    memmove(&l->len[i], &l->len[i + 1], (l->n - i - 1) * sizeof(l->len[0]));
    memmove(&l->hash[i], &l->hash[i + 1], (l->n - i - 1) * sizeof(l->hash[0]));
    l->n--;
}

static char *dup_line(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n + 1);
    return d;
}

void texport_of(const struct tlog *l, struct texport *x)
{
    static char buf[SP_AUDIT_LINE_MAX + 1];
    size_t len = 0;
    x->line = calloc(l->n + 1, sizeof(*x->line));
    assert_non_null(x->line);
    for (size_t i = 0; i < l->n; i++) {
        assert_int_equal(sp_audit_jsonl_entry(l->rec[i], l->len[i], buf, sizeof(buf), &len), 0);
        x->line[i] = dup_line(buf);
    }
    struct sp_audit_head h;
    tlog_head(l, &h);
    assert_int_equal(sp_audit_jsonl_head(&h, buf, sizeof(buf), &len), 0);
    x->line[l->n] = dup_line(buf);
    x->n = l->n + 1;
}

void texport_free(struct texport *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->line[i]);
    free(x->line);
    x->line = NULL;
    x->n = 0;
}

void texport_set(struct texport *x, size_t i, const char *line)
{
    char *d = dup_line(line);
    free(x->line[i]);
    x->line[i] = d;
}

void texport_insert(struct texport *x, size_t i, const char *line)
{
    char **p = realloc(x->line, (x->n + 1) * sizeof(*p));
    assert_non_null(p);
    x->line = p;
    memmove(&x->line[i + 1], &x->line[i], (x->n - i) * sizeof(*p));
    x->line[i] = dup_line(line);
    x->n++;
}

void texport_remove(struct texport *x, size_t i)
{
    free(x->line[i]);
    memmove(&x->line[i], &x->line[i + 1], (x->n - i - 1) * sizeof(x->line[0]));
    x->n--;
}

static struct sp_audit_verifier *feed(const struct texport *x, const uint8_t *pk, const char *node)
{
    struct sp_audit_verifier *v = NULL;
    assert_int_equal(sp_audit_verifier_new(pk, node, &v), 0);
    for (size_t i = 0; i < x->n; i++)
        assert_int_equal(sp_audit_verifier_line(v, x->line[i], strlen(x->line[i])), 0);
    return v;
}

int texport_verify(const struct texport *x, const struct tlog *node, const struct texport *peers,
                   size_t npeers, struct sp_audit_report *rep)
{
    struct sp_audit_verifier *v = feed(x, node->pk, node->node);
    for (size_t i = 0; i < npeers; i++) {
        struct sp_audit_verifier *p = feed(&peers[i], NULL, NULL);
        size_t bad = 0;
        assert_int_equal(sp_audit_verifier_pins_from(v, p, &bad), 0);
        assert_int_equal(bad, 0);
        sp_audit_verifier_free(&p);
    }
    int rc = sp_audit_verifier_finish(v, rep);
    sp_audit_verifier_free(&v);
    return rc;
}

uint64_t fixture_sent(size_t i, size_t j, int key_type)
{
    return 100 * (i + 1) + 10 * (j + 1) + (uint64_t)key_type;
}

static struct sp_audit_entry *entry(int type)
{
    struct sp_audit_entry *e = NULL;
    assert_int_equal(sp_audit_entry_new(type, &e), 0);
    return e;
}

static void start_entries(struct tlog *l, uint8_t tag)
{
    uint8_t d[32];
    memset(d, tag, sizeof(d));
    struct sp_audit_entry *e = entry(SP_AUDIT_NODE_START);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_NODE, l->node), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_SOFTWARE, "snijpunt 0.1.0"), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_CONFIG_SHA256, d), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_SIGN_PK, l->pk), 0);
    tlog_append(l, &e);
    e = entry(SP_AUDIT_DATASET_LOAD);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_DATASET, "personen"), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_VERSION, 1), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RECORDS, 1000 + tag), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_KEYS, 3000), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_REJECTED_FIELDS, 7), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_STRUCTURAL_ERRORS, 0), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_INPUT_SHA256, d), 0);
    tlog_append(l, &e);
}

static void proposal_entry(struct tlog *l, const struct tlog *all, size_t n, const uint8_t *round)
{
    uint8_t digest[32];
    memset(digest, 0xd1, sizeof(digest));
    struct sp_audit_entry *e = entry(SP_AUDIT_PROPOSAL_ACCEPTED);
    assert_int_equal(sp_audit_add_round(e, round), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_PROPOSAL_SHA256, digest), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_COORDINATOR, "J. de Vries (RIEC Zuid)"), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_CASE_REF, "RIEC-2024/017"), 0);
    assert_int_equal(
        sp_audit_add_text(e, SP_AUDIT_F_PURPOSE, "Ondermijning: malafide uitzendbureaus \"Noord\""),
        0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_LEGAL_BASIS, "WGS art. 2.2; convenant RIEC"),
                     0);
    assert_int_equal(sp_audit_add_mode(e, 3), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MIN_HOLDERS, 2), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_COUNTER, all[n - 1].node), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_INITIATOR, all[0].node), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MAX_SET_SIZE, 100000), 0);
    assert_int_equal(sp_audit_add_keymask(e, SP_AUDIT_F_KEY_TYPES,
                                          SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB)),
                     0);
    assert_int_equal(sp_audit_add_time(e, SP_AUDIT_F_EXPIRES_AT, T0 + 86400), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RETENTION_DAYS, 30), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, all[i].node), 0);
    tlog_append(l, &e);
    e = entry(SP_AUDIT_ROUND_PARTICIPANTS);
    assert_int_equal(sp_audit_add_round(e, round), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_PROPOSAL_SHA256, digest), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_COUNTER, all[n - 1].node), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, all[i].node), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, SP_KEY_NAME_DOB, 900), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, SP_KEY_BSN, 950), 0);
    tlog_append(l, &e);
}

static void sizes_entries(struct tlog *l, size_t me, const struct tlog *all, size_t n,
                          const uint8_t *round)
{
    for (size_t j = 0; j < n; j++) {
        if (j == me)
            continue;
        struct sp_audit_entry *e = entry(SP_AUDIT_ROUND_SIZES);
        assert_int_equal(sp_audit_add_round(e, round), 0);
        assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, all[j].node), 0);
        int kts[] = {SP_KEY_NAME_DOB, SP_KEY_BSN};
        for (size_t k = 0; k < 2; k++) {
            assert_int_equal(
                sp_audit_add_keycount(e, SP_AUDIT_F_SENT, kts[k], fixture_sent(me, j, kts[k])), 0);
            assert_int_equal(
                sp_audit_add_keycount(e, SP_AUDIT_F_RECEIVED, kts[k], fixture_sent(j, me, kts[k])),
                0);
        }
        tlog_append(l, &e);
    }
    struct sp_audit_entry *e = entry(SP_AUDIT_ROUND_RESULT);
    assert_int_equal(sp_audit_add_round(e, round), 0);
    assert_int_equal(sp_audit_add_mode(e, 3), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RECORDS_MATCHED, 12 + me), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_CANDIDATES, 2), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MATCHED_PERSON, 9 + me), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MATCHED_COMPANY, 0), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MATCHED_ADDRESS, 7), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MATCHED_VEHICLE, 1), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MATCHED_ACCOUNT, 0), 0);
    tlog_append(l, &e);
}

static void heads_entries(struct tlog *logs, size_t n, const uint8_t *round)
{
    struct sp_audit_head h[8];
    for (size_t i = 0; i < n; i++)
        tlog_head(&logs[i], &h[i]);
    for (size_t i = 0; i < n; i++) {
        struct sp_audit_entry *e = entry(SP_AUDIT_LOG_HEAD_SENT);
        assert_int_equal(sp_audit_add_round(e, round), 0);
        assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_HEAD_SEQ, h[i].seq), 0);
        assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_HEAD_HASH, h[i].hash), 0);
        for (size_t j = 0; j < n; j++)
            if (j != i)
                assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, logs[j].node), 0);
        tlog_append(&logs[i], &e);
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            e = entry(SP_AUDIT_LOG_HEAD_RECEIVED);
            assert_int_equal(sp_audit_add_round(e, round), 0);
            assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, h[j].node), 0);
            assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_HEAD_SEQ, h[j].seq), 0);
            assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_HEAD_HASH, h[j].hash), 0);
            assert_int_equal(sp_audit_add_signature(e, SP_AUDIT_F_HEAD_SIG, h[j].sig), 0);
            tlog_append(&logs[i], &e);
        }
    }
}

void fixture_federation(struct tlog *logs, size_t n, const uint8_t round[16])
{
    assert_true(n >= 2 && n <= 8);
    for (size_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "node-%c", (char)('a' + i));
        tlog_init(&logs[i], name, (uint8_t)(0x40 + i));
    }
    fixture_federation_with(logs, n, round);
}

void fixture_federation_exports(struct tlog *logs, struct texport *x, size_t n,
                                const uint8_t round[16])
{
    fixture_federation(logs, n, round);
    for (size_t i = 0; i < n; i++)
        texport_of(&logs[i], &x[i]);
}

void fixture_federation_free(struct tlog *logs, struct texport *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        texport_free(&x[i]);
        tlog_free(&logs[i]);
    }
}

void fixture_federation_with(struct tlog *logs, size_t n, const uint8_t round[16])
{
    assert_true(n >= 2 && n <= 8);
    for (size_t i = 0; i < n; i++)
        start_entries(&logs[i], (uint8_t)i);
    for (size_t i = 0; i < n; i++) {
        proposal_entry(&logs[i], logs, n, round);
        sizes_entries(&logs[i], i, logs, n, round);
    }
    heads_entries(logs, n, round);
    for (size_t i = 0; i < n; i++) {
        struct sp_audit_entry *e = entry(SP_AUDIT_RETENTION_PURGE);
        assert_int_equal(sp_audit_add_round(e, round), 0);
        assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_ROWS_DELETED, 5), 0);
        assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RETENTION_DAYS, 30), 0);
        tlog_append(&logs[i], &e);
    }
}
