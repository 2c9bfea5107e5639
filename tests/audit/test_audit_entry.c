/* Audit entries: typed construction, schema, canonical encoding, hashes,
 * signatures and log heads (audit/entry.h, audit/schema.h, audit/head.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "audit/entry.h"
#include "audit/head.h"
#include "audit/schema.h"
#include "common/hex.h"
#include "common/keytype.h"
#include "fixture.h"

static const uint8_t zero[32];

static struct sp_audit_entry *make(int type)
{
    struct sp_audit_entry *e = NULL;
    assert_int_equal(sp_audit_entry_new(type, &e), 0);
    return e;
}

static size_t seal(struct tlog *l, struct sp_audit_entry *e, uint8_t *rec, uint8_t hash[32])
{
    size_t len = 0;
    assert_int_equal(sp_audit_entry_seal(e, 0, T0, zero, tlog_sign, l, rec,
                                         SP_AUDIT_RECORD_MAX_BYTES, &len, hash),
                     0);
    return len;
}

/* Known answer: the bytes and hash of a small entry, computed independently
 * (Python struct + hashlib) from the layout in entry.h. */
static void test_golden(void **state)
{
    (void)state;
    struct tlog l;
    tlog_init(&l, "node-a", 1);
    struct sp_audit_entry *e = make(SP_AUDIT_NODE_START);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_SOFTWARE, "snijpunt 0.1.0"), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_NODE, "node-a"), 0);
    uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES], hash[32];
    size_t len = seal(&l, e, rec, hash);
    char hex[2 * SP_AUDIT_RECORD_MAX_BYTES + 1];
    sp_hex_encode(hex, rec, len - 64);
    assert_string_equal(hex, "01000100000000000000000000000065e19910"
                             "0000000000000000000000000000000000000000000000000000000000000000"
                             "02"
                             "01066e6f64652d61"
                             "02000e736e696a70756e7420302e312e30");
    sp_hex_encode(hex, hash, 32);
    assert_string_equal(hex, "7dd2ff9dad8dd7a47d92edf2b0ad15b432140ea91d0ca8bd72e6feeb73106249");
    /* the signature covers the domain-separated hash, with the node's key */
    uint8_t msg[28 + 32];
    memcpy(msg, "snijpunt-audit-entry-sig-v1", 28);
    memcpy(msg + 28, hash, 32);
    assert_int_equal(crypto_sign_verify_detached(rec + len - 64, msg, sizeof(msg), l.pk), 0);
    assert_int_equal(sp_audit_entry_sig_verify(l.pk, hash, rec + len - 64), 0);
    sp_audit_entry_free(&e);
    assert_null(e);
}

/* Every kind survives the round trip; fields come back in canonical order. */
static void test_roundtrip(void **state)
{
    (void)state;
    struct tlog l;
    tlog_init(&l, "node-a", 1);
    uint8_t round[16], digest[32], sig[64];
    memset(round, 0xab, sizeof(round));
    memset(digest, 0xcd, sizeof(digest));
    memset(sig, 0xef, sizeof(sig));
    struct sp_audit_entry *e = make(SP_AUDIT_PROPOSAL_REFUSED);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_REASON, "k=1 is below this node's minimum 2"),
                     0);
    assert_int_equal(sp_audit_add_code(e, SP_ERR_POLICY), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "node-b"), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_PROPOSAL_SHA256, digest), 0);
    assert_int_equal(sp_audit_add_round(e, round), 0);
    uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES], hash[32], hash2[32];
    size_t len = seal(&l, e, rec, hash);
    struct sp_audit_entry *d = NULL;
    assert_int_equal(sp_audit_record_open(rec, len, l.pk, &d, hash2), 0);
    assert_memory_equal(hash, hash2, 32);
    assert_int_equal(sp_audit_entry_type(d), SP_AUDIT_PROPOSAL_REFUSED);
    assert_int_equal(sp_audit_entry_seq(d), 0);
    assert_int_equal(sp_audit_entry_time(d), T0);
    assert_int_equal(sp_audit_entry_nfields(d), 5);
    static const int order[] = {SP_AUDIT_F_ROUND, SP_AUDIT_F_PROPOSAL_SHA256, SP_AUDIT_F_PEER,
                                SP_AUDIT_F_CODE, SP_AUDIT_F_REASON};
    struct sp_audit_value v;
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(sp_audit_entry_field(d, i, &v), 0);
        assert_int_equal(v.field, order[i]);
    }
    assert_int_equal(sp_audit_entry_field(d, 5, &v), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_audit_entry_find(d, SP_AUDIT_F_CODE, 0, &v), 0);
    assert_int_equal(v.code, SP_ERR_POLICY);
    assert_int_equal(sp_audit_entry_find(d, SP_AUDIT_F_PEER, 0, &v), 0);
    assert_string_equal((const char *)v.bytes, "node-b");
    assert_int_equal(sp_audit_entry_find(d, SP_AUDIT_F_PEER, 1, &v), SP_ERR_NOT_FOUND);
    uint8_t again[SP_AUDIT_ENTRY_MAX_BYTES];
    size_t alen = 0;
    assert_int_equal(sp_audit_entry_encode(d, again, sizeof(again), &alen), 0);
    assert_int_equal(alen, len - 64);
    assert_memory_equal(again, rec, alen);
    /* other keys, changed signatures: refused */
    struct tlog other;
    tlog_init(&other, "node-b", 2);
    assert_int_equal(sp_audit_record_open(rec, len, other.pk, NULL, NULL), SP_ERR_CRYPTO_SIGNATURE);
    rec[len - 1] ^= 1;
    assert_int_equal(sp_audit_record_open(rec, len, l.pk, NULL, NULL), SP_ERR_CRYPTO_SIGNATURE);
    sp_audit_entry_free(&d);
    sp_audit_entry_free(&e);
}

/* Whatever order the fields are added in, the bytes are the same; a
 * repeated field keeps its order, key counts ascend by key type. */
static void test_canonical_order(void **state)
{
    (void)state;
    struct tlog l;
    tlog_init(&l, "node-a", 1);
    uint8_t round[16] = {1}, r1[SP_AUDIT_RECORD_MAX_BYTES], r2[SP_AUDIT_RECORD_MAX_BYTES], h[32];
    struct sp_audit_entry *a = make(SP_AUDIT_ROUND_SIZES), *b = make(SP_AUDIT_ROUND_SIZES);
    assert_int_equal(sp_audit_add_round(a, round), 0);
    assert_int_equal(sp_audit_add_name(a, SP_AUDIT_F_PEER, "node-b"), 0);
    assert_int_equal(sp_audit_add_keycount(a, SP_AUDIT_F_SENT, SP_KEY_BSN, 5), 0);
    assert_int_equal(sp_audit_add_keycount(a, SP_AUDIT_F_SENT, SP_KEY_IBAN, 6), 0);
    assert_int_equal(sp_audit_add_keycount(a, SP_AUDIT_F_RECEIVED, SP_KEY_KVK, 7), 0);
    assert_int_equal(sp_audit_add_keycount(b, SP_AUDIT_F_RECEIVED, SP_KEY_KVK, 7), 0);
    assert_int_equal(sp_audit_add_keycount(b, SP_AUDIT_F_SENT, SP_KEY_IBAN, 6), 0);
    assert_int_equal(sp_audit_add_name(b, SP_AUDIT_F_PEER, "node-b"), 0);
    assert_int_equal(sp_audit_add_keycount(b, SP_AUDIT_F_SENT, SP_KEY_BSN, 5), 0);
    assert_int_equal(sp_audit_add_round(b, round), 0);
    size_t n1 = seal(&l, a, r1, h), n2 = seal(&l, b, r2, h);
    assert_int_equal(n1, n2);
    assert_memory_equal(r1, r2, n1);
    sp_audit_entry_free(&a);
    sp_audit_entry_free(&b);
}

/* What the API refuses: fields a type does not have, wrong kinds, values
 * that could carry identifiers, duplicates, too many. */
static void test_refusals(void **state)
{
    (void)state;
    struct sp_audit_entry *e = make(SP_AUDIT_ROUND_FAILED);
    uint8_t d[32] = {0};
    /* not a field of round_failed; a field of another kind */
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RECORDS, 1), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_INPUT_SHA256, d), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_PEER, 1), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_PEER, "node-b"), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_count(e, 0, 1), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_FIELD_MAX + 1, 1), SP_ERR_AUDIT_FIELD);
    /* names */
    const char *bad_names[] = {
        "",       "Node-B",    "node b",
        "node.b", "b\xc3\xa9", "a1234567890123456789012345678901234567890123456789012345678901234"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
        assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, bad_names[i]), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "node_b-2"), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "node-c"),
                     SP_ERR_AUDIT_FIELD); /* once */
    /* texts: identifiers, controls, invalid UTF-8, length */
    const char *bad_texts[] = {"",
                               "person 123456782 matched",
                               "bsn 1112.22.333",
                               "iban NL91 ABNA 0417 1643 00",
                               "a-nummer 8940402024",
                               "line\nbreak",
                               "nul-free but \x01 control",
                               "\xc3\x28 invalid",
                               "\xed\xa0\x80 surrogate",
                               "\xc0\xaf overlong"};
    for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
        const char *why = NULL;
        if (sp_audit_add_text(e, SP_AUDIT_F_REASON, bad_texts[i]) != SP_ERR_AUDIT_FIELD)
            fail_msg("text #%zu accepted", i);
        assert_int_equal(sp_audit_text_check(bad_texts[i], strlen(bad_texts[i]), 1024, &why),
                         SP_ERR_AUDIT_FIELD);
        assert_non_null(why);
    }
    char longtext[1100];
    memset(longtext, 'x', sizeof(longtext));
    longtext[1025] = '\0';
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_REASON, longtext), SP_ERR_AUDIT_FIELD);
    longtext[1024] = '\0';
    assert_int_equal(sp_audit_text_check(longtext, 1024, 1024, NULL), 0);
    const char *good[] = {"case RIEC-2024/017, PV-2024/123456", "dates 2024-03-01 \t fine",
                          "Zeeuwse Ondermijningsaanpak €", "12345678 eight digits"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(sp_audit_text_check(good[i], strlen(good[i]), 1024, NULL), 0);
    /* codes are SP_ERR_* codes */
    assert_int_equal(sp_audit_add_code(e, 1), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_code(e, SP_ERR_ROUND_FAILED), 0);
    assert_int_equal(sp_audit_add_code(e, SP_ERR_ROUND_FAILED), SP_ERR_AUDIT_FIELD);
    /* sealing needs the required fields: round and reason are missing */
    uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES], h[32];
    size_t len = 0;
    struct tlog l;
    tlog_init(&l, "node-a", 1);
    assert_int_equal(sp_audit_entry_seal(e, 0, T0, zero, tlog_sign, &l, rec, sizeof(rec), &len, h),
                     SP_ERR_AUDIT_FIELD);
    uint8_t round[16] = {9};
    assert_int_equal(sp_audit_add_round(e, round), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_REASON, "peer node-c unreachable"), 0);
    assert_int_equal(sp_audit_entry_seal(e, 0, T0, zero, tlog_sign, &l, rec, 10, &len, h),
                     SP_ERR_OVERFLOW);
    assert_int_equal(sp_audit_entry_seal(e, 0, T0, zero, tlog_sign, &l, rec, sizeof(rec), &len, h),
                     0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "node-d"), SP_ERR_STATE);
    assert_int_equal(sp_audit_entry_seal(e, 0, T0, zero, tlog_sign, &l, rec, sizeof(rec), &len, h),
                     SP_ERR_STATE);
    sp_audit_entry_free(&e);
    assert_int_equal(sp_audit_entry_new(0, &e), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_TYPE_MAX + 1, &e), SP_ERR_INVALID_ARG);
}

static void test_refusals_keys(void **state)
{
    (void)state;
    struct sp_audit_entry *e = make(SP_AUDIT_PROPOSAL_ACCEPTED);
    assert_int_equal(sp_audit_add_keymask(e, SP_AUDIT_F_KEY_TYPES, 0), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_keymask(e, SP_AUDIT_F_KEY_TYPES, 1), SP_ERR_AUDIT_FIELD);
    assert_int_equal(
        sp_audit_add_keymask(e, SP_AUDIT_F_KEY_TYPES, SP_KEY_MASK(SP_KEY_TYPE_MAX + 1)),
        SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_keymask(e, SP_AUDIT_F_KEY_TYPES, SP_KEY_MASK_ALL), 0);
    assert_int_equal(sp_audit_add_mode(e, 0), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_mode(e, 5), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_mode(e, 2), 0);
    struct sp_audit_entry *c = make(SP_AUDIT_PROPOSAL_ACCEPTED);
    assert_int_equal(sp_audit_add_mode(c, 4), 0); /* a case question */
    sp_audit_entry_free(&c);
    /* participants: unique, at most 32 */
    for (int i = 0; i < 32; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n%d", i);
        assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, name), 0);
    }
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, "n33"), SP_ERR_AUDIT_FIELD);
    sp_audit_entry_free(&e);
    e = make(SP_AUDIT_ROUND_PARTICIPANTS);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, "a"), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, "a"), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, 0, 1), SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, SP_KEY_TYPE_MAX + 1, 1),
                     SP_ERR_AUDIT_FIELD);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, SP_KEY_BSN, 1), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, SP_KEY_BSN, 2),
                     SP_ERR_AUDIT_FIELD);
    /* one set size per key type fits, name_addr (16) included */
    for (int t = SP_KEY_BSN + 1; t <= SP_KEY_TYPE_MAX; t++)
        assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SET_SIZE, t, 1), 0);
    sp_audit_entry_free(&e);
}

/* The decoder accepts only canonical, complete, valid entries. */
static void test_decode_strict(void **state)
{
    (void)state;
    struct tlog l;
    tlog_init(&l, "node-a", 1);
    uint8_t round[16] = {7}, rec[SP_AUDIT_RECORD_MAX_BYTES], h[32];
    struct sp_audit_entry *e = make(SP_AUDIT_ROUND_SIZES), *d = NULL;
    assert_int_equal(sp_audit_add_round(e, round), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "node-b"), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SENT, SP_KEY_BSN, 5), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SENT, SP_KEY_KVK, 6), 0);
    size_t len = seal(&l, e, rec, h) - 64;
    assert_int_equal(sp_audit_entry_decode(rec, len, &d), 0);
    sp_audit_entry_free(&d);
    for (size_t n = 0; n < len; n++)
        assert_int_equal(sp_audit_entry_decode(rec, n, &d), SP_ERR_AUDIT_FORMAT);
    uint8_t b[SP_AUDIT_ENTRY_MAX_BYTES + 1];
    memcpy(b, rec, len);
    b[len] = 0;
    assert_int_equal(sp_audit_entry_decode(b, len + 1, &d), SP_ERR_AUDIT_FORMAT);
    /* layout: header 52 bytes, round (1+16), peer (1+1+6), sent bsn (1+1+8), sent kvk */
    const size_t sent1 = 52 + 17 + 8, sent2 = sent1 + 10;
    struct {
        size_t at;
        uint8_t value;
    } edits[] = {
        {0, 2}, /* version */
        {2, 0}, /* type 0 */
        {2, SP_AUDIT_TYPE_MAX + 1},
        {51, 5},                       /* nfields: more than present */
        {51, 3},                       /* fewer: trailing bytes */
        {52, SP_AUDIT_F_PEER},         /* round replaced by an out-of-order field */
        {52 + 17, 99},                 /* unknown field number */
        {52 + 17, SP_AUDIT_F_RECORDS}, /* a field round_sizes does not have */
        {sent1 + 1, 0},                /* key type 0 */
        {sent2 + 1, SP_KEY_BSN},       /* the same key type twice */
        {52 + 17 + 2, 'N'},            /* name with an upper-case letter */
        {52 + 17 + 2, 0},              /* name with a NUL */
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        memcpy(b, rec, len);
        b[edits[i].at] = edits[i].value;
        if (sp_audit_entry_decode(b, len, &d) != SP_ERR_AUDIT_FORMAT)
            fail_msg("edit #%zu accepted", i);
    }
    /* swapping the two key counts (kvk before bsn) is not canonical */
    memcpy(b, rec, len);
    memcpy(b + sent1, rec + sent2, 10);
    memcpy(b + sent2, rec + sent1, 10);
    assert_int_equal(sp_audit_entry_decode(b, len, &d), SP_ERR_AUDIT_FORMAT);
    assert_null(d);
    assert_int_equal(sp_audit_record_open(rec, 64, NULL, NULL, NULL), SP_ERR_AUDIT_FORMAT);
    sp_audit_entry_free(&e);
}

static void test_head(void **state)
{
    (void)state;
    struct tlog l, other;
    tlog_init(&l, "node-a", 1);
    tlog_init(&other, "node-b", 2);
    struct sp_audit_head h = {.node = "node-a", .seq = 41};
    memset(h.hash, 0x5a, sizeof(h.hash));
    assert_int_equal(sp_audit_head_sign(&h, tlog_sign, &l), 0);
    assert_int_equal(sp_audit_head_verify(&h, l.pk), 0);
    assert_int_equal(sp_audit_head_verify(&h, other.pk), SP_ERR_CRYPTO_SIGNATURE);
    struct sp_audit_head x = h;
    x.seq = 40;
    assert_int_equal(sp_audit_head_verify(&x, l.pk), SP_ERR_CRYPTO_SIGNATURE);
    x = h;
    x.hash[31] ^= 1;
    assert_int_equal(sp_audit_head_verify(&x, l.pk), SP_ERR_CRYPTO_SIGNATURE);
    x = h;
    memcpy(x.node, "node-c", 7);
    assert_int_equal(sp_audit_head_verify(&x, l.pk), SP_ERR_CRYPTO_SIGNATURE);
    memcpy(x.node, "Node A", 7);
    assert_int_equal(sp_audit_head_verify(&x, l.pk), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_audit_head_sign(&x, tlog_sign, &l), SP_ERR_INVALID_ARG);
}

static void test_schema_tables(void **state)
{
    (void)state;
    assert_string_equal(sp_audit_type_name(SP_AUDIT_ROUND_SIZES), "round_sizes");
    assert_null(sp_audit_type_name(0));
    assert_string_equal(sp_audit_field_name(SP_AUDIT_F_HEAD_SIG), "head_sig");
    assert_int_equal(sp_audit_field_kind(SP_AUDIT_F_SENT), SP_AUDIT_KIND_KEYCOUNT);
    assert_int_equal(sp_audit_field_text_max(SP_AUDIT_F_PURPOSE), 1024);
    assert_true(sp_audit_schema_repeated(SP_AUDIT_PROPOSAL_ACCEPTED, SP_AUDIT_F_PARTICIPANT));
    assert_false(sp_audit_schema_repeated(SP_AUDIT_ROUND_SIZES, SP_AUDIT_F_PEER));
    assert_true(sp_audit_schema_repeated(SP_AUDIT_LOG_HEAD_SENT, SP_AUDIT_F_PEER));
    /* every type's schema names only existing fields, and every TEXT has a
     * maximum */
    for (int t = 1; t <= SP_AUDIT_TYPE_MAX; t++) {
        assert_non_null(sp_audit_type_name(t));
        for (int f = 1; f <= SP_AUDIT_FIELD_MAX; f++) {
            unsigned lo = 9, hi = 9;
            assert_true(sp_audit_schema_occurs(t, f, &lo, &hi));
            assert_true(lo <= hi);
            if (sp_audit_field_kind(f) == SP_AUDIT_KIND_TEXT)
                assert_true(sp_audit_field_text_max(f) > 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_canonical_order),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refusals_keys),
        cmocka_unit_test(test_decode_strict),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_schema_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
