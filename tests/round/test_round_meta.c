/*
 * The round meta blob (round/round_meta.h) and a participant's judgement
 * of a proposal (sp_round_judge in round/round.h): round trip, damaged
 * blobs, and every refusal with its reason.
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
#include "round/round.h"
#include "round/round_meta.h"
#include "proto/proposal.h"

static void fill_meta(struct sp_round_meta *m)
{
    memset(m, 0, sizeof(*m));
    for (int i = 0; i < 16; i++)
        m->round_id[i] = (uint8_t)(0xa0 + i);
    m->state = SP_ROUND_FAILED;
    m->self_index = 2;
    m->initiator = 1;
    m->created_at = 1700000000;
    m->started_at = 1700000001;
    m->finished_at = 1700000099;
    m->records_matched = 12345;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        m->matched[e] = 1000u * (unsigned)e + 7;
    m->values_sent = UINT64_MAX;
    m->values_received = 7;
    m->rows = 99;
    for (int t = 0; t < SP_KEY_TYPE_COUNT; t++)
        m->set_sizes[t] = (uint64_t)t * 1000;
    snprintf(m->reason, sizeof(m->reason),
             "peer politie-mn unreachable since 2025-01-01T00:00:00Z");
    m->proposal_len = 300;
    for (uint32_t i = 0; i < m->proposal_len; i++)
        m->proposal[i] = (uint8_t)i;
}

static void test_meta_roundtrip(void **state)
{
    (void)state;
    struct sp_round_meta *m = malloc(sizeof(*m)), *back = malloc(sizeof(*back));
    uint8_t *buf = malloc(SP_ROUND_META_MAX_BYTES);
    size_t len = 0;
    assert_non_null(m);
    assert_non_null(back);
    assert_non_null(buf);
    fill_meta(m);
    assert_int_equal(sp_round_meta_encode(m, buf, SP_ROUND_META_MAX_BYTES, &len), 0);
    memset(back, 0x77, sizeof(*back));
    assert_int_equal(sp_round_meta_decode(buf, len, back), 0);
    assert_memory_equal(back->round_id, m->round_id, 16);
    assert_int_equal(back->state, m->state);
    assert_int_equal(back->self_index, 2);
    assert_int_equal(back->initiator, 1);
    assert_true(back->values_sent == UINT64_MAX);
    assert_int_equal(back->records_matched, 12345);
    assert_memory_equal(back->matched, m->matched, sizeof(m->matched));
    assert_int_equal(back->rows, 99);
    assert_int_equal(back->finished_at, 1700000099);
    assert_memory_equal(back->set_sizes, m->set_sizes, sizeof(m->set_sizes));
    assert_string_equal(back->reason, m->reason);
    assert_int_equal(back->proposal_len, 300);
    assert_memory_equal(back->proposal, m->proposal, 300);

    /* every truncation fails, as does trailing data */
    for (size_t cut = 0; cut < len; cut += (cut < 200 ? 1 : 37))
        assert_int_equal(sp_round_meta_decode(buf, cut, back), SP_ERR_STORE);
    assert_int_equal(sp_round_meta_decode(buf, len + 1, back), SP_ERR_STORE);
    /* wrong magic, unknown state */
    buf[0] ^= 1;
    assert_int_equal(sp_round_meta_decode(buf, len, back), SP_ERR_STORE);
    buf[0] ^= 1;
    buf[4] = 0;
    assert_int_equal(sp_round_meta_decode(buf, len, back), SP_ERR_STORE);
    buf[4] = SP_ROUND_STATE_MAX + 1;
    assert_int_equal(sp_round_meta_decode(buf, len, back), SP_ERR_STORE);
    /* too small a buffer for encoding */
    size_t len2 = 12345;
    assert_int_equal(sp_round_meta_encode(m, buf, len - 1, &len2), SP_ERR_OVERFLOW);
    assert_int_equal(len2, 12345);
    m->state = 0;
    assert_int_equal(sp_round_meta_encode(m, buf, SP_ROUND_META_MAX_BYTES, &len2),
                     SP_ERR_INVALID_ARG);
    free(m);
    free(back);
    free(buf);
}

/* Blobs of earlier builds still decode (retention must find their rounds):
 * "SPR2" has no per-entity counts (they read 0), "SPR1" also only 16 set
 * sizes (type 16 reads 0). A blob cut to an older layout under the newer
 * magic is damaged. */
static void test_meta_older(void **state)
{
    (void)state;
    struct sp_round_meta *m = malloc(sizeof(*m)), *back = malloc(sizeof(*back));
    uint8_t *buf = malloc(SP_ROUND_META_MAX_BYTES), *old = malloc(SP_ROUND_META_MAX_BYTES);
    size_t len = 0, sizes_end = 4 + 3 + 8 * 8 + 17 * 8, ent = 5 * 8;
    assert_true(m && back && buf && old);
    memset(old, 0, SP_ROUND_META_MAX_BYTES);
    fill_meta(m);
    assert_int_equal(sp_round_meta_encode(m, buf, SP_ROUND_META_MAX_BYTES, &len), 0);
    assert_memory_equal(buf, "SPR3", 4);
    /* SPR2: without the per-entity counts */
    memcpy(old, buf, sizes_end);
    memcpy(old + sizes_end, buf + sizes_end + ent, len - sizes_end - ent);
    assert_int_equal(sp_round_meta_decode(old, len - ent, back), SP_ERR_STORE);
    memcpy(old, "SPR2", 4);
    assert_int_equal(sp_round_meta_decode(old, len - ent, back), 0);
    assert_memory_equal(back->set_sizes, m->set_sizes, sizeof(m->set_sizes));
    for (int e = 0; e <= SP_ENTITY_MAX; e++)
        assert_int_equal(back->matched[e], 0);
    assert_int_equal(back->records_matched, 12345);
    assert_int_equal(back->proposal_len, 300);
    /* SPR1: also without the set size of type 16 */
    memcpy(old, buf, sizes_end - 8);
    memcpy(old + sizes_end - 8, buf + sizes_end + ent, len - sizes_end - ent);
    size_t len1 = len - ent - 8;
    assert_int_equal(sp_round_meta_decode(old, len1, back), SP_ERR_STORE);
    memcpy(old, "SPR1", 4);
    assert_int_equal(sp_round_meta_decode(old, len1, back), 0);
    assert_memory_equal(back->set_sizes, m->set_sizes, 16 * sizeof(uint64_t));
    assert_int_equal(back->set_sizes[SP_KEY_NAME_ADDR], 0);
    assert_int_equal(back->proposal_len, 300);
    assert_memory_equal(back->proposal, m->proposal, 300);
    assert_int_equal(sp_round_meta_decode(old, len, back), SP_ERR_STORE);
    free(m);
    free(back);
    free(buf);
    free(old);
}

/* ---- judging proposals --------------------------------------------------- */

static const char *const configured[] = {"politie-mn", "belasting", "gemeente-a"};

static bool is_peer(void *ctx, const char *name)
{
    (void)ctx;
    for (size_t i = 0; i < 3; i++)
        if (strcmp(configured[i], name) == 0)
            return true;
    return false;
}

static void make_proposal(struct sp_proposal *p)
{
    memset(p, 0, sizeof(*p));
    memset(p->round_id, 0x42, sizeof(p->round_id));
    snprintf(p->coordinator, sizeof(p->coordinator), "riec-noord");
    snprintf(p->case_ref, sizeof(p->case_ref), "RIEC-2025-001");
    snprintf(p->purpose, sizeof(p->purpose), "ondermijning");
    const char *names[] = {"gemeente-a", "politie-mn", "uwv"};
    p->nparticipants = 3;
    for (int i = 0; i < 3; i++) {
        snprintf(p->participants[i].name, sizeof(p->participants[i].name), "%s", names[i]);
        snprintf(p->participants[i].legal_basis, sizeof(p->participants[i].legal_basis),
                 "art. 20 Wpg");
        p->participants[i].key_types = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB);
    }
    p->min_holders = 2;
    p->mode = SP_PROPOSAL_MODE_PARTNERS;
    p->counter = 1;
    p->max_set_size = 1000000;
    p->created_at = 1000;
    p->expires_at = 5000;
    p->deadline_s = 60;
    p->retention_days = 30;
}

static void test_judge(void **state)
{
    (void)state;
    struct sp_proposal *p = malloc(sizeof(*p));
    assert_non_null(p);
    struct sp_round_judge_ctx jc = {.self = "uwv",
                                    .sender = "gemeente-a",
                                    .is_peer = is_peer,
                                    .now_unix = 2000,
                                    .max_deadline_s = 600};
    char reason[256];
    make_proposal(p);
    assert_int_equal(sp_round_judge(p, &jc, reason, sizeof(reason)), 0);

    static const struct {
        const char *self, *sender;
        uint64_t now;
        uint32_t max_deadline;
        int tweak;
        const char *reason;
    } t[] = {
        {"fiod", "gemeente-a", 2000, 600, 0, "this node (fiod) is not a participant"},
        {"uwv", "belasting", 2000, 600, 0, "the proposing node belasting is not a participant"},
        {"uwv", "gemeente-a", 5000, 600, 0, "the proposal has expired"},
        {"uwv", "gemeente-a", 9000, 600, 0, "the proposal has expired"},
        /* the limit is the node's, or what the size calls for (3 x 2 x 10^6
         * values: 600 + 6000 s) when that is longer */
        {"uwv", "gemeente-a", 2000, 30, 4,
         "the round deadline exceeds this node's limit of 6600 s"},
        {"uwv", "gemeente-a", 2000, 7000, 5,
         "the round deadline exceeds this node's limit of 7000 s"},
        {"uwv", "gemeente-a", 2000, 600, 1, "participant om is not a configured peer of this node"},
        {"uwv", "gemeente-a", 2000, 600, 2, "the proposal breaks the protocol's limits"},
        {"uwv", "gemeente-a", 2000, 600, 3, "the proposal breaks the protocol's limits"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        make_proposal(p);
        if (t[i].tweak == 1)
            snprintf(p->participants[1].name, sizeof(p->participants[1].name), "om");
        if (t[i].tweak == 2)
            p->min_holders = 4; /* k > n */
        if (t[i].tweak == 3)
            p->counter = 3; /* not a participant */
        if (t[i].tweak == 4)
            p->deadline_s = 6601;
        if (t[i].tweak == 5)
            p->deadline_s = 7001;
        jc.self = t[i].self;
        jc.sender = t[i].sender;
        jc.now_unix = t[i].now;
        jc.max_deadline_s = t[i].max_deadline;
        reason[0] = '\0';
        assert_int_equal(sp_round_judge(p, &jc, reason, sizeof(reason)), SP_ERR_ROUND_REFUSED);
        assert_string_equal(reason, t[i].reason);
    }
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_roundtrip),
        cmocka_unit_test(test_meta_older),
        cmocka_unit_test(test_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
