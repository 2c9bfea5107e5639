/*
 * The PROPOSAL: golden bytes (what coordinators sign), canonical decoding,
 * every field bound, and the name rules shared with the daemon.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/keytype.h"
#include "support.h"

/* The smallest valid proposal: two participants, every optional part empty. */
static void minimal_proposal(struct sp_proposal *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->coordinator, sizeof(p->coordinator), "c");
    snprintf(p->case_ref, sizeof(p->case_ref), "r");
    snprintf(p->purpose, sizeof(p->purpose), "p");
    p->nparticipants = 2;
    snprintf(p->participants[0].name, sizeof(p->participants[0].name), "a");
    snprintf(p->participants[0].legal_basis, sizeof(p->participants[0].legal_basis), "x");
    p->participants[0].key_types = SP_KEY_MASK(SP_KEY_BSN);
    snprintf(p->participants[1].name, sizeof(p->participants[1].name), "b");
    snprintf(p->participants[1].legal_basis, sizeof(p->participants[1].legal_basis), "y");
    p->participants[1].key_types = SP_KEY_MASK_ALL;
    p->min_holders = 1;
    p->mode = SP_PROPOSAL_MODE_COUNTS;
    p->max_set_size = 1;
    p->expires_at = 1;
    p->deadline_s = 1;
}

/* The golden proposals: the sample and the smallest one. */
static const struct {
    const char *name;
    void (*build)(struct sp_proposal *p);
} goldens[] = {{"proposal", sample_proposal},
               {"proposal_minimal", minimal_proposal},
               {"proposal_case", sample_case_proposal}};

/* Each encodes to its fixture and round-trips; no shorter buffer holds it. */
static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
        struct sp_proposal p;

        goldens[i].build(&p);
        check_golden(&proposal_codec, goldens[i].name, "PROPOSAL", &p);
        check_small_buffers(&proposal_codec, &p);
    }
}

static void test_reject_battery(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++)
        reject_fixture(&proposal_codec, goldens[i].name);
}

/* [0 version, 1 round_id, 2 coordinator, 3 case_ref, 4 purpose,
 *  5 participants [name, oin, legal_basis, key_types], 6 min_holders, 7 mode,
 *  8 counter, 9 max_set_size, 10 created_at, 11 expires_at, 12 deadline_s,
 *  13 retention_days] */
static const struct patch patches[] = {
    {"proposal", "1", "c40f", 15, FIELD},
    {"proposal", "1", "c411", 17, OVERSIZED},
    {"proposal", "2", "a0", 0, FIELD},
    {"proposal", "2", "d981", 129, OVERSIZED},
    {"proposal", "3", "a0", 0, FIELD},
    {"proposal", "3", "d980", 128, FIELD}, /* 128 NULs: right length, not text */
    {"proposal", "4", "a0", 0, FIELD},
    {"proposal", "4", "da0401", 1025, OVERSIZED},
    {"proposal", "4", "a3e282ac", 0, 0},           /* EURO SIGN */
    {"proposal", "5", "dd000186a0", 0, OVERSIZED}, /* 100000 participants */
    {"proposal", "5", "dc0021", 33, OVERSIZED},
    {"proposal", "5", "dc0020", 0, SP_ERR_PROTO_TRUNCATED},
    {"proposal", "5", "90", 0, FIELD},
    {"proposal", "5", "91 94 a161 a0 a178 02", 0, FIELD},      /* one participant */
    {"proposal", "5.1.0", "aa706f6c697469652d6d6e", 0, FIELD}, /* duplicate name */
    {"proposal", "5.0.0", "aa506f6c697469652d6d6e", 0, FIELD}, /* capital */
    {"proposal", "5.0.0", "aa706f6c697469655f6d6e", 0, FIELD}, /* underscore */
    {"proposal", "5.0.0", "d941", 65, OVERSIZED},
    {"proposal", "5.0.1", "b3", 19, FIELD},  /* 19 NULs */
    {"proposal", "5.0.1", "a131", 0, FIELD}, /* 1 digit */
    {"proposal", "5.0.1", "b4 3030303030303030303030303030303030303041", 0, FIELD},
    {"proposal", "5.0.1", "b5", 21, OVERSIZED},
    {"proposal", "5.0.2", "a0", 0, FIELD},
    {"proposal", "5.0.2", "da0101", 257, OVERSIZED},
    {"proposal", "5.0.3", "00", 0, FIELD},
    {"proposal", "5.0.3", "01", 0, FIELD},         /* bit 0 is no key type */
    {"proposal", "5.0.3", "ce00020000", 0, FIELD}, /* bit 17: no key type */
    {"proposal", "5.0.3", "ce00010000", 0, 0},     /* bit 16: name_addr */
    {"proposal", "5.0.3", "cdfffe", 0, 0},         /* the 15 before name_addr */
    {"proposal", "5.0.3", "ce0001fffe", 0, 0},     /* all 16 */
    {"proposal", "5.0.3", "ce0003fffe", 0, FIELD}, /* all 16 and bit 17 */
    {"proposal", "5.0", "93 a161 a0 a178", 0, MALFORMED},
    {"proposal", "5.0", "95 a161 a0 a178 02 02", 0, OVERSIZED},
    {"proposal", "6", "00", 0, FIELD},
    {"proposal", "6", "04", 0, FIELD}, /* k > participants */
    {"proposal", "6", "03", 0, 0},
    {"proposal", "7", "00", 0, FIELD},
    {"proposal", "7", "04", 0, FIELD},
    {"proposal", "8", "03", 0, FIELD},
    {"proposal", "8", "cd0100", 0, FIELD},
    {"proposal", "9", "00", 0, FIELD},
    {"proposal", "11", "ce67486e00", 0, FIELD}, /* expires_at == created_at */
    {"proposal", "11", "ce67486e01", 0, 0},
    {"proposal", "12", "00", 0, FIELD},
    {"proposal", "12", "ce00093a81", 0, FIELD}, /* one week + 1 s */
    {"proposal", "12", "ce00093a80", 0, 0},
    {"proposal", "13", "00", 0, 0},
    {"proposal", "13", "cf0000000100000000", 0, FIELD},
    {"proposal", "^", "9d", 0, MALFORMED},
    {"proposal", "^", "9f", 0, OVERSIZED},
    {"proposal", "", "9f 01", 14, OVERSIZED},
    {"proposal", "", "9f 02", 14, SP_ERR_PROTO_VERSION}, /* a later, longer version */
    {"proposal", "^", "90", 0, MALFORMED},
    {"proposal", "5.0^", "93", 0, MALFORMED},
    {"proposal", "5.0^", "95", 0, OVERSIZED},
    /* mode case: [.., 14 case_sizes [[key_type, size], ..], 15 tell_holders];
     * the sample asks about BSN (1) x 3 and KvK (8) x 2, the asker is
     * participant 0 (BSN and KvK), the partner also has IBAN */
    {"proposal", "^", "dc0010", 0, TRUNCATED}, /* 16 elements but 14 there */
    {"proposal_case", "7", "03", 0, FIELD},    /* case fields in mode partners */
    {"proposal_case", "7", "05", 0, FIELD},
    {"proposal_case", "^", "9e", 0, SP_ERR_PROTO_TRAILING}, /* 14 claimed, 16 there */
    {"proposal_case", "^", "9f", 0, OVERSIZED},
    {"proposal_case", "^", "dc0011", 0, OVERSIZED},
    {"proposal_case", "", "dc0011 02", 16, SP_ERR_PROTO_VERSION},
    {"proposal_case", "6", "02", 0, FIELD},         /* min_holders must be 1 */
    {"proposal_case", "8", "01", 0, FIELD},         /* the partner asks: key types differ */
    {"proposal_case", "5.0.3", "cd0100", 0, FIELD}, /* asker: KvK without BSN */
    {"proposal_case", "5.0.3", "cd0102", 0, 0},     /* BSN and KvK */
    {"proposal_case", "5.0.3", "cd8102", 0, FIELD}, /* and IBAN, which it asks nothing of */
    {"proposal_case", "14.0.0", "00", 0, FIELD},
    {"proposal_case", "14.0.0", "11", 0, FIELD},
    {"proposal_case", "14.0.0", "08", 0, FIELD},     /* duplicate */
    {"proposal_case", "14.1.0", "01", 0, FIELD},     /* duplicate */
    {"proposal_case", "14.0.0", "09", 0, FIELD},     /* not increasing */
    {"proposal_case", "14.0.1", "00", 0, FIELD},     /* a size is >= 1 */
    {"proposal_case", "14.0.1", "cd0ffe", 0, 0},     /* 4094 + 2 = 4096 */
    {"proposal_case", "14.0.1", "cd0fff", 0, FIELD}, /* 4097 in all */
    {"proposal_case", "14.0.1", "cf0000000100000000", 0, FIELD},
    {"proposal_case", "14.0.1", "cc03", 0, MALFORMED}, /* not canonical */
    {"proposal_case", "14", "90", 0, FIELD},           /* no values */
    {"proposal_case", "14", "91 92 01 03", 0, FIELD},  /* no KvK: key types differ */
    {"proposal_case", "14", "dc0011", 17, OVERSIZED},
    {"proposal_case", "14.0", "93 01 03 03", 0, OVERSIZED},
    {"proposal_case", "14.0", "91 01", 0, MALFORMED},
    {"proposal_case", "14.0", "c0", 0, SP_ERR_PROTO_TYPE},
    {"proposal_case", "15", "c2", 0, 0}, /* holders not told */
    {"proposal_case", "15", "00", 0, SP_ERR_PROTO_TYPE},
};

static void test_patches(void **state)
{
    (void)state;
    APPLY_PATCHES(patches, &proposal_codec);
}

/* The worst case of every limit together still fits SP_PROPOSAL_MAX_BYTES,
 * so a valid proposal never fails for size. */
static void test_worst_case_fits(void **state)
{
    struct sp_proposal p, d;
    uint8_t buf[SP_PROPOSAL_MAX_BYTES];
    size_t len;

    (void)state;
    minimal_proposal(&p);
    memset(p.round_id, 0xff, sizeof(p.round_id));
    memset(p.coordinator, 'c', SP_PROTO_COORDINATOR_MAX);
    memset(p.case_ref, 'r', SP_PROTO_CASE_REF_MAX);
    memset(p.purpose, 'p', SP_PROTO_TEXT_MAX);
    p.nparticipants = SP_PROTO_MAX_PARTICIPANTS;
    for (uint32_t i = 0; i < p.nparticipants; i++) {
        struct sp_proposal_participant *pt = &p.participants[i];
        memset(pt->name, 'n', SP_PROTO_NAME_MAX);
        pt->name[SP_PROTO_NAME_MAX - 2] = (char)('a' + i / 26);
        pt->name[SP_PROTO_NAME_MAX - 1] = (char)('a' + i % 26);
        memset(pt->oin, '9', SP_PROTO_OIN_BYTES);
        memset(pt->legal_basis, 'l', SP_PROTO_LEGAL_BASIS_MAX);
        pt->key_types = SP_KEY_MASK_ALL;
    }
    p.min_holders = SP_PROTO_MAX_PARTICIPANTS;
    p.mode = SP_PROPOSAL_MODE_PARTNERS;
    p.counter = SP_PROTO_MAX_PARTICIPANTS - 1;
    p.max_set_size = p.expires_at = UINT64_MAX;
    p.created_at = UINT64_MAX - 1;
    p.deadline_s = SP_PROTO_MAX_DEADLINE_S;
    p.retention_days = UINT32_MAX;
    assert_int_equal(sp_proposal_encode(&p, buf, sizeof(buf), &len), 0);
    print_message("worst-case proposal: %zu bytes (limit %d)\n", len, SP_PROPOSAL_MAX_BYTES);
    assert_int_equal(sp_proposal_decode(buf, len, &d), 0);
    assert_true(proposal_equal(&p, &d));
    assert_int_equal(sp_proposal_encode(&p, buf, len - 1, &len), SP_ERR_OVERFLOW);
    assert_int_equal(sp_proposal_decode(buf, SP_PROPOSAL_MAX_BYTES + 1, &d), OVERSIZED);
}

static void set_unterminated(struct sp_proposal *p)
{
    memset(p->case_ref, 'x', sizeof(p->case_ref));
}
static void set_tab(struct sp_proposal *p)
{
    p->purpose[0] = '\t';
}
static void set_cr(struct sp_proposal *p)
{
    p->purpose[0] = '\r';
}
static void set_dup(struct sp_proposal *p)
{
    memcpy(p->participants[2].name, p->participants[0].name, sizeof(p->participants[0].name));
}
static void set_n1(struct sp_proposal *p)
{
    p->nparticipants = 1;
}
static void set_n33(struct sp_proposal *p)
{
    p->nparticipants = 33;
}
static void set_expired(struct sp_proposal *p)
{
    p->expires_at = p->created_at;
}
static void set_no_created(struct sp_proposal *p)
{
    p->created_at = 0;
    memset(p->round_id, 0, sizeof(p->round_id));
}

static void set_case_size_other_mode(struct sp_proposal *p)
{
    p->case_sizes[SP_KEY_BSN] = 1;
}
static void set_tell_other_mode(struct sp_proposal *p)
{
    p->tell_holders = true;
}
static void set_case_size0(struct sp_proposal *p)
{
    p->case_sizes[0] = 1;
}
static void set_case_mode(struct sp_proposal *p)
{
    sample_case_proposal(p);
}
static void set_case_sum(struct sp_proposal *p)
{
    sample_case_proposal(p);
    p->case_sizes[SP_KEY_BSN] = SP_PROPOSAL_CASE_MAX_VALUES - 2; /* 4096 in all */
}
static void set_case_sum_4097(struct sp_proposal *p)
{
    sample_case_proposal(p);
    p->case_sizes[SP_KEY_BSN] = SP_PROPOSAL_CASE_MAX_VALUES - 1;
}
static void set_case_sum_over(struct sp_proposal *p)
{
    sample_case_proposal(p);
    p->case_sizes[SP_KEY_BSN] = UINT32_MAX; /* no wrap-around in the sum */
}

static const struct {
    void (*mutate)(struct sp_proposal *p);
    int full;    /* sp_proposal_validate */
    int request; /* sp_proposal_validate_request */
} validate_cases[] = {
    {set_unterminated, FIELD, FIELD},
    {set_tab, 0, 0},
    {set_cr, FIELD, FIELD},
    {set_dup, FIELD, FIELD},
    {set_n1, FIELD, FIELD},
    {set_n33, FIELD, FIELD},
    {set_expired, FIELD, 0},
    {set_no_created, 0, 0},
    /* case fields are zero outside mode case; ROUND_START has no mode case */
    {set_case_size_other_mode, FIELD, FIELD},
    {set_tell_other_mode, FIELD, FIELD},
    {set_case_size0, FIELD, FIELD},
    {set_case_mode, 0, FIELD},
    {set_case_sum, 0, FIELD},
    {set_case_sum_4097, FIELD, FIELD},
    {set_case_sum_over, FIELD, FIELD},
};

static void test_validate(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
        struct sp_proposal p;

        sample_proposal(&p);
        validate_cases[i].mutate(&p);
        assert_int_equal(sp_proposal_validate(&p), validate_cases[i].full);
        assert_int_equal(sp_proposal_validate_request(&p), validate_cases[i].request);
        check_encode_result(&proposal_codec, &p, validate_cases[i].full);
    }
}

static void test_names(void **state)
{
    static const struct {
        const char *s;
        bool node, dataset;
    } cases[] = {
        {"politie-mn", true, true},
        {"om", true, true},
        {"a", true, true},
        {"0", true, true},
        {"-", true, true},
        {"personen_2024", false, true},
        {"", false, false},
        {"Politie", false, false},
        {"a b", false, false},
        {"a.b", false, false},
        {"a/b", false, false},
        {"\xc3\xa9", false, false},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true, true},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
    };
    struct sp_proposal p;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = strlen(cases[i].s);
        assert_int_equal(sp_proto_node_name_valid(cases[i].s, n), cases[i].node);
        assert_int_equal(sp_proto_dataset_name_valid(cases[i].s, n), cases[i].dataset);
    }
    assert_false(sp_proto_node_name_valid(NULL, 0));
    sample_proposal(&p);
    assert_int_equal(sp_proposal_participant_index(&p, "politie-mn"), 0);
    assert_int_equal(sp_proposal_participant_index(&p, "belastingdienst"), 2);
    assert_int_equal(sp_proposal_participant_index(&p, "om"), SP_ERR_NOT_FOUND);
}

/* What a coordinator signs: the domain string, its NUL, the bytes. */
static void test_signed_message(void **state)
{
    static const uint8_t want_head[] = "snijpunt-proposal-v1";
    uint8_t bytes[SP_PROPOSAL_MAX_BYTES], out[SP_PROPOSAL_SIGNED_MAX];
    struct sp_proposal p;
    size_t len = 0;

    (void)state;
    sample_proposal(&p);
    assert_int_equal(sp_proposal_encode(&p, bytes, sizeof(bytes), &len), 0);
    assert_int_equal(sp_proposal_signed_message(bytes, len, out, sizeof(out)), 21 + len);
    assert_memory_equal(out, want_head, 21); /* with the NUL */
    assert_memory_equal(out + 21, bytes, len);
    assert_int_equal(sp_proposal_signed_message(bytes, len, out, 21 + len - 1), 0);
    assert_int_equal(sp_proposal_signed_message(bytes, 0, out, sizeof(out)), 0);
    assert_int_equal(sp_proposal_signed_message(bytes, SP_PROPOSAL_MAX_BYTES + 1, out, SIZE_MAX),
                     0);
}

/* The deadline a proposal's size calls for (ROUNDS.md, "Deadline"): a
 * floor, plus every participant's key types x max_set_size at 1 ms a
 * value, capped at a week; a case question gets the floor. */
static void test_deadline_for_size(void **state)
{
    struct sp_proposal p;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.mode = SP_PROPOSAL_MODE_PARTNERS;
    p.nparticipants = 2;
    p.participants[0].key_types = SP_KEY_MASK(SP_KEY_BSN);
    p.participants[1].key_types = SP_KEY_MASK(SP_KEY_BSN);
    p.max_set_size = 1;
    assert_int_equal(sp_proposal_deadline_for_size(&p), 601); /* 2 ms, rounded up */
    /* issue 11: 1,000,000 keys per node, two nodes: 2,000,000 values */
    p.max_set_size = 1000000;
    assert_int_equal(sp_proposal_deadline_for_size(&p), 600 + 2000);
    p.participants[1].key_types |= SP_KEY_MASK(SP_KEY_KVK);
    assert_int_equal(sp_proposal_deadline_for_size(&p), 600 + 3000);
    p.nparticipants = 5;
    for (int i = 2; i < 5; i++)
        p.participants[i].key_types = SP_KEY_MASK_ALL;
    p.max_set_size = 100000000; /* 51 types x 10^8 values: past a week */
    assert_int_equal(sp_proposal_deadline_for_size(&p), SP_PROTO_MAX_DEADLINE_S);
    p.max_set_size = UINT64_MAX; /* no overflow */
    assert_int_equal(sp_proposal_deadline_for_size(&p), SP_PROTO_MAX_DEADLINE_S);
    p.mode = SP_PROPOSAL_MODE_CASE;
    assert_int_equal(sp_proposal_deadline_for_size(&p), SP_PROPOSAL_DEADLINE_FLOOR_S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),         cmocka_unit_test(test_reject_battery),
        cmocka_unit_test(test_patches),        cmocka_unit_test(test_worst_case_fits),
        cmocka_unit_test(test_validate),       cmocka_unit_test(test_names),
        cmocka_unit_test(test_signed_message), cmocka_unit_test(test_deadline_for_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
