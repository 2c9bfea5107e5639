/*
 * Unit tests of the simulator's own parts (tests/sim/README.md): the
 * generator streams, the seeded randombytes, the event queue, the data and
 * its key-index order, the in-memory store, the network's faults, the
 * per-message privacy check and the oracle's round view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/keytype.h"
#include "proto/peer.h"
#include "sim_case_data.h"
#include "sim_check.h"
#include "sim_data.h"
#include "sim_net.h"
#include "sim_oracle.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_store.h"

static void test_rng(void **state)
{
    (void)state;
    struct sim_rng r = {0};
    /* splitmix64's published first output for state 0 */
    assert_true(sim_rng_next(&r) == UINT64_C(0xE220A8397B1DCDAF));
    for (int i = 0; i < 1000; i++) {
        assert_true(sim_rng_below(&r, 7) < 7);
        uint64_t x = sim_rng_range(&r, 3, 5);
        assert_true(x >= 3 && x <= 5);
    }
    assert_int_equal(sim_rng_below(&r, 0), 0);
    struct sim_rng a = sim_rng_fork(42, 1), b = sim_rng_fork(42, 1), c = sim_rng_fork(42, 2);
    assert_true(sim_rng_next(&a) == sim_rng_next(&b));
    assert_true(sim_rng_next(&a) != sim_rng_next(&c));
}

static void test_randombytes_replay(void **state)
{
    (void)state;
    uint8_t x[48], y[48], z[48];
    sim_randombytes_seed(7);
    randombytes_buf(x, sizeof(x));
    uint32_t u1 = randombytes_uniform(1000);
    sim_randombytes_seed(7);
    randombytes_buf(y, sizeof(y));
    uint32_t u2 = randombytes_uniform(1000);
    sim_randombytes_seed(8);
    randombytes_buf(z, sizeof(z));
    assert_memory_equal(x, y, sizeof(x));
    assert_int_equal(u1, u2);
    assert_memory_not_equal(x, z, sizeof(x));
    assert_string_equal(randombytes_implementation_name(), "snijpunt-sim-splitmix64");
    assert_true(sim_randombytes_drawn() >= sizeof(z));
}

static void test_queue_order(void **state)
{
    (void)state;
    struct sim_queue q = {0};
    static const uint64_t at[] = {50, 10, 30, 10, 20, 50, 0};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        struct sim_event ev = {.at = at[i], .kind = SIM_EV_TICK, .gen = (uint32_t)i};
        assert_int_equal(sim_queue_push(&q, &ev), 0);
    }
    static const uint32_t want[] = {6, 1, 3, 4, 2, 0, 5}; /* by time, ties by push order */
    assert_true(sim_queue_next_at(&q) == 0);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct sim_event ev;
        assert_int_equal(sim_queue_pop(&q, &ev), 0);
        assert_int_equal(ev.gen, want[i]);
    }
    struct sim_event ev;
    assert_int_equal(sim_queue_pop(&q, &ev), -1);
    struct sim_event m = {.at = 1, .kind = SIM_EV_MSG, .ptr = malloc(3), .len = 3};
    assert_int_equal(sim_queue_push(&q, &m), 0);
    sim_queue_clear(&q); /* frees the message (ASan would say) */
}

static struct sim_key key(uint8_t type, const char *v, uint32_t version, const char *rid)
{
    struct sim_key k = {.type = type, .klass = 1, .len = (uint8_t)strlen(v), .version = version};
    memcpy(k.value, v, k.len);
    strcpy(k.dataset, "d");
    strcpy(k.record_id, rid);
    return k;
}

static void test_key_order(void **state)
{
    (void)state;
    /* type, then value bytes (shorter first on a prefix), then version, then id */
    struct sim_key k[] = {key(1, "ab", 1, "r1"),   key(1, "abc", 1, "r0"), key(1, "ab", 2, "r0"),
                          key(1, "ab", 1, "r2"),   key(2, "a", 1, "r0"),   key(1, "b", 1, "r0"),
                          key(1, "a\x80", 1, "r0")};
    struct sim_node_data nd = {k, sizeof(k) / sizeof(k[0]), 0};
    sim_data_sort(&nd);
    static const char *const want[] = {"ab/1/r1",    "ab/1/r2", "ab/2/r0", "abc/1/r0",
                                       "a\x80/1/r0", "b/1/r0",  "a/1/r0"};
    for (size_t i = 0; i < nd.nkeys; i++) {
        char got[32];
        snprintf(got, sizeof(got), "%.*s/%u/%s", k[i].len, (const char *)k[i].value, k[i].version,
                 k[i].record_id);
        assert_string_equal(got, want[i]);
    }
    uint64_t counts[17];
    sim_data_distinct(&nd, SP_KEY_MASK(1) | SP_KEY_MASK(2), counts);
    assert_int_equal(counts[1], 4);
    assert_int_equal(counts[2], 1);
    sim_data_distinct(&nd, SP_KEY_MASK(2), counts);
    assert_int_equal(counts[1], 0);
}

static void test_data_generation(void **state)
{
    (void)state;
    struct sim_data a, b;
    struct sim_rng r1 = sim_rng_fork(99, 3), r2 = sim_rng_fork(99, 3);
    assert_int_equal(sim_data_generate(&a, 5, 2, false, &r1), 0);
    assert_int_equal(sim_data_generate(&b, 5, 2, false, &r2), 0);
    size_t shared = 0;
    for (unsigned n = 0; n < 5; n++) {
        assert_int_equal(a.node[n].nkeys, b.node[n].nkeys);
        assert_true(a.node[n].nkeys > 0);
        assert_memory_equal(a.node[n].keys, b.node[n].keys,
                            a.node[n].nkeys * sizeof(struct sim_key));
        for (size_t i = 1; i < a.node[n].nkeys; i++)
            assert_true(sim_key_cmp(&a.node[n].keys[i - 1], &a.node[n].keys[i]) < 0);
        for (size_t i = 0; i < a.node[n].nkeys; i++) {
            const struct sim_key *k = &a.node[n].keys[i];
            assert_memory_equal(k->value, SIM_VALUE_MARK, 2);
            for (unsigned m = n + 1; m < 5; m++)
                for (size_t j = 0; j < a.node[m].nkeys; j++)
                    shared += a.node[m].keys[j].type == k->type &&
                              a.node[m].keys[j].len == k->len &&
                              memcmp(a.node[m].keys[j].value, k->value, k->len) == 0;
        }
    }
    assert_true(shared > 0); /* planned overlaps */
    assert_true(__builtin_popcount(a.type_mask) >= 3);
    sim_data_free(&a);
    sim_data_free(&b);

    /* odd: values with a byte above 0x7f, an id in two datasets */
    size_t high = 0, twice = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct sim_rng r = sim_rng_fork(seed, 3);
        assert_int_equal(sim_data_generate(&a, 4, 2, true, &r), 0);
        for (unsigned n = 0; n < 4; n++)
            for (size_t i = 0; i < a.node[n].nkeys; i++) {
                const struct sim_key *k = &a.node[n].keys[i];
                high += memchr(k->value + 2, 0xc3, k->len - 2u) != NULL;
                for (size_t j = 0; j < a.node[n].nkeys; j++)
                    twice += strcmp(k->record_id, a.node[n].keys[j].record_id) == 0 &&
                             strcmp(k->dataset, a.node[n].keys[j].dataset) != 0;
            }
        sim_data_free(&a);
    }
    assert_true(high > 0);
    assert_true(twice > 0);
}

static const uint8_t rid1[16] = {1}, rid2[16] = {2};

static void test_store(void **state)
{
    (void)state;
    struct sim_key k[] = {key(1, "a", 1, "r0"), key(3, "b", 1, "r0"), key(3, "c", 1, "r1")};
    struct sim_node_data nd = {k, 3, 2};
    struct sim_store s;
    sim_store_init(&s, &nd);
    struct sim_walk w;
    sim_walk_open(&w, &s, SP_KEY_MASK(3));
    assert_ptr_equal(sim_walk_next(&w), &k[1]);
    assert_ptr_equal(sim_walk_next(&w), &k[2]);
    assert_null(sim_walk_next(&w));

    assert_int_equal(sim_store_round_put(&s, rid1, "abc", 3), 0);
    assert_int_equal(sim_store_round_put(&s, rid1, "de", 2), 0);
    assert_int_equal(sim_store_round_get(&s, rid1)->len, 2);
    assert_null(sim_store_round_get(&s, rid2));

    struct sim_row row = {"d", "r0", "n1", SP_KEY_MASK(3), 2};
    struct sim_count cnt = {3, 3, 1};
    assert_int_equal(sim_store_results_append(&s, rid1, &row, 1), 0);
    assert_null(sim_store_results(&s, rid2));
    assert_false(sim_store_results(&s, rid1)->committed);
    assert_int_equal(sim_store_results_commit(&s, rid1, &row, 1, &cnt, 1, "f", 1), 0);
    const struct sim_results *res = sim_store_results(&s, rid1);
    assert_true(res->committed);
    assert_int_equal(res->nrows, 2);
    assert_int_equal(res->ncounts, 1);
    assert_int_equal(sim_store_round_get(&s, rid1)->len, 1);
    assert_int_equal(sim_store_results_commit(&s, rid1, NULL, 0, NULL, 0, "g", 1), -2);

    for (uint32_t seq = 0; seq < 5; seq++)
        assert_int_equal(sim_store_run_put(&s, rid1, 1, 3, seq, "run", 3), 0);
    assert_int_equal(sim_store_run_put(&s, rid2, 1, 3, 0, "x", 1), 0);
    assert_non_null(sim_store_run_get(&s, rid1, 1, 3, 4));
    assert_null(sim_store_run_get(&s, rid1, 2, 3, 4));
    bool more;
    assert_int_equal(sim_store_runs_delete(&s, rid1, 3, &more), 0);
    assert_true(more);
    assert_int_equal(sim_store_runs_of(&s, rid1), 2);
    assert_int_equal(sim_store_runs_delete(&s, rid1, 3, &more), 0);
    assert_false(more);
    assert_int_equal(sim_store_runs_of(&s, rid1), 0);
    assert_int_equal(sim_store_runs_of(&s, rid2), 1);

    s.frozen = true;
    assert_int_equal(sim_store_round_put(&s, rid2, "z", 1), 1);
    assert_null(sim_store_round_get(&s, rid2));
    s.frozen = false;
    assert_int_equal(sim_store_results_delete(&s, rid1), 0);
    assert_null(sim_store_results(&s, rid1));
    sim_store_free(&s);
}

static void test_net(void **state)
{
    (void)state;
    struct sim_net n;
    struct sim_delivery d[2];
    uint8_t msg[40];
    memset(msg, 0xAA, sizeof(msg));
    sim_net_init(&n, 5, SIM_FAULT_NONE, 1000, 10, 1, 30, 0);
    uint64_t last = 0;
    for (int i = 0; i < 100; i++) { /* a link delivers in order */
        assert_int_equal(sim_net_route(&n, 0, 1, (uint64_t)i, msg, sizeof(msg), d), 1);
        assert_true(d[0].at > last && d[0].at >= (uint64_t)i + 1);
        last = d[0].at;
        free(d[0].bytes);
    }
    sim_net_init(&n, 5, SIM_FAULT_DROP, 1000, 2, 1, 30, 0);
    assert_int_equal(sim_net_route(&n, 0, 1, 0, msg, sizeof(msg), d), 0);
    assert_int_equal(sim_net_route(&n, 0, 1, 0, msg, sizeof(msg), d), 0);
    assert_int_equal(sim_net_route(&n, 0, 1, 0, msg, sizeof(msg), d), 1); /* budget spent */
    free(d[0].bytes);
    assert_int_equal(n.fired, 2);
    sim_net_init(&n, 5, SIM_FAULT_DUP, 1000, 1, 1, 30, 0);
    assert_int_equal(sim_net_route(&n, 0, 1, 0, msg, sizeof(msg), d), 2);
    assert_true(d[1].at > d[0].at);
    free(d[0].bytes);
    free(d[1].bytes);
    sim_net_init(&n, 5, SIM_FAULT_CORRUPT, 1000, 1, 1, 30, 0);
    assert_int_equal(sim_net_route(&n, 0, 1, 0, msg, sizeof(msg), d), 1);
    assert_memory_not_equal(d[0].bytes, msg, 28);
    assert_memory_equal(d[0].bytes + 28, msg + 28, sizeof(msg) - 28);
    free(d[0].bytes);
    sim_net_init(&n, 5, SIM_FAULT_STOP, 1000, 1, 1, 30, 0); /* not a message fault */
    assert_int_equal(sim_net_route(&n, 0, 1, 0, msg, sizeof(msg), d), 1);
    assert_int_equal(d[0].fault, 0);
    free(d[0].bytes);
}

/* ---- the privacy check ------------------------------------------------------------ */

static const uint8_t round_id[16] = {0x5a, 1, 2, 3};

/* Three nodes 0, 1, 2 as participants 1, 2, 0 (node 2 initiates), node 0
 * (participant 1) counts; partners mode, k = 2. */
static void view3(struct sim_round_view *v, int mode)
{
    sim_check_init(v);
    memcpy(v->round_id, round_id, 16);
    v->have_id = true;
    v->n = 3;
    v->node_of[0] = 2;
    v->node_of[1] = 0;
    v->node_of[2] = 1;
    v->part_of[0] = 1;
    v->part_of[1] = 2;
    v->part_of[2] = 0;
    v->initiator = 0;
    v->counter = 1;
    v->mode = mode;
    v->k = 2;
}

static int send_msg(struct sim_round_view *v, unsigned from, unsigned to, struct sp_peer_msg *m)
{
    uint8_t *buf;
    size_t len;
    memcpy(m->round_id, round_id, 16);
    assert_int_equal(sp_peer_encode_alloc(m, &buf, &len), 0);
    int rc = sim_check_message(v, from, to, buf, len);
    free(buf);
    return rc;
}

static int final_of(struct sim_round_view *v, unsigned from, const uint8_t *els, uint32_t n)
{
    struct sp_peer_msg m = {.type = SP_PEER_FINAL};
    m.final = (struct sp_peer_final){
        .key_type = 1, .seq = 0, .last = true, .elements = els, .nelements = n};
    return send_msg(v, from, 0, &m);
}

static int verdict_to(struct sim_round_view *v, unsigned to, const uint32_t *h, uint32_t n)
{
    struct sp_peer_msg m = {.type = SP_PEER_VERDICT};
    m.verdict = (struct sp_peer_verdict){
        .key_type = 1, .seq = 0, .last = true, .holders = h, .nholders = n};
    return send_msg(v, 0, to, &m);
}

/* The counting node's (participant 1's) own values coming home, fully
 * blinded, from its ring predecessor (participant 0, node 2). */
static int home_of(struct sim_round_view *v, const uint8_t *els, uint32_t n)
{
    struct sp_peer_msg m = {.type = SP_PEER_BATCH};
    m.batch = (struct sp_peer_batch){
        .origin = 1, .key_type = 1, .hops = 3, .elements = els, .nelements = n};
    return send_msg(v, 2, 0, &m);
}

static void test_check_verdicts(void **state)
{
    (void)state;
    struct sim_round_view v;
    uint8_t a[3 * 32] = {0}, b[2 * 32] = {0};
    a[0] = 1, a[32] = 2, a[64] = 3; /* node 1 (participant 2): elements 1, 2, 3 */
    b[0] = 2, b[32] = 4;            /* node 2 (participant 0): elements 2, 4 */
    view3(&v, 3);
    assert_int_equal(final_of(&v, 1, a, 3), 0);
    assert_int_equal(final_of(&v, 2, b, 2), 0);
    /* element 2 is held by participants 0 and 2: mask 0x5 */
    uint32_t ok[3] = {0, 0x5, 0};
    assert_int_equal(verdict_to(&v, 1, ok, 3), 0);
    uint32_t more[3] = {0, 0x5, 0x5}; /* element 3: participant 0 does not hold it */
    assert_int_equal(verdict_to(&v, 1, more, 3), 2);
    uint32_t wrong[2] = {0x5, 0}; /* node 2 told less than its due: not private, wrong */
    assert_int_equal(verdict_to(&v, 2, wrong, 2), 0);
    uint32_t fewer[2] = {0, 0}; /* 0 for a held element: protocol */
    assert_int_equal(verdict_to(&v, 2, fewer, 2), 1);
    assert_int_equal(v.privacy, 1);
    assert_int_equal(v.protocol, 1);
    assert_non_null(strstr(v.first_privacy, "discloses"));
    uint32_t one[1] = {0};
    assert_int_equal(verdict_to(&v, 2, one, 1), 1); /* count differs from the FINAL's */
    assert_int_equal(final_of(&v, 1, a, 3), 1);     /* the same FINAL twice */
    sim_check_free(&v);

    view3(&v, 3); /* the counting node's own FINAL, exactly: its values coming home */
    assert_int_equal(final_of(&v, 1, a, 3), 0);
    assert_int_equal(final_of(&v, 2, b, 2), 0);
    uint32_t with_counter[3] = {0x6, 0x7, 0};
    assert_int_equal(verdict_to(&v, 1, with_counter, 3), 2); /* it holds neither yet */
    assert_int_equal(home_of(&v, a, 2), 0);                  /* elements 1 and 2 */
    assert_int_equal(verdict_to(&v, 1, with_counter, 3), 0);
    uint32_t without[3] = {0, 0x5, 0};
    assert_int_equal(verdict_to(&v, 1, without, 3), 1); /* its bit left out: wrong */
    assert_int_equal(v.privacy, 1);
    sim_check_free(&v);

    view3(&v, 2); /* threshold: own bit or 0 */
    assert_int_equal(final_of(&v, 1, a, 3), 0);
    assert_int_equal(final_of(&v, 2, b, 2), 0);
    uint32_t th[3] = {0, 0x4, 0};
    assert_int_equal(verdict_to(&v, 1, th, 3), 0);
    uint32_t leak[3] = {0, 0x5, 0};
    assert_int_equal(verdict_to(&v, 1, leak, 3), 2);
    sim_check_free(&v);

    view3(&v, 1); /* counts: no holders at all */
    assert_int_equal(final_of(&v, 1, a, 3), 0);
    uint32_t any[3] = {0, 0, 0};
    assert_int_equal(verdict_to(&v, 1, any, 3), 2);
    assert_int_equal(verdict_to(&v, 1, NULL, 0), 0);
    sim_check_free(&v);
}

static void test_check_routes(void **state)
{
    (void)state;
    struct sim_round_view v;
    uint8_t el[32] = {9};
    view3(&v, 2);
    struct sp_peer_msg m = {.type = SP_PEER_BATCH};
    m.batch = (struct sp_peer_batch){
        .origin = 0, .key_type = 1, .hops = 1, .elements = el, .nelements = 1};
    assert_int_equal(send_msg(&v, 2, 0, &m), 0); /* participant 0 -> 1 */
    assert_int_equal(send_msg(&v, 2, 1, &m), 2); /* 0 -> 2: not the successor */
    m.batch.hops = 2;
    assert_int_equal(send_msg(&v, 2, 0, &m), 1); /* wrong hop count */
    m.batch.origin = 1;
    m.batch.hops = 3; /* participant 2 -> 0 ... */
    assert_int_equal(send_msg(&v, 1, 2, &m), 1);
    m.batch.origin = 0;
    assert_int_equal(send_msg(&v, 1, 2, &m), 0); /* home after 3 hops */

    struct sp_peer_msg f = {.type = SP_PEER_FINAL};
    f.final = (struct sp_peer_final){.key_type = 1, .elements = el, .nelements = 1, .last = true};
    assert_int_equal(send_msg(&v, 2, 1, &f), 2); /* FINAL not to the counting node */
    struct sp_peer_msg c = {.type = SP_PEER_COUNTS};
    assert_int_equal(send_msg(&v, 0, 1, &c), 2); /* COUNTS not to the initiator */
    assert_int_equal(send_msg(&v, 0, 2, &c), 0);
    struct sp_peer_subject_count cell = {SP_ENTITY_PERSON, 0x3, 1};
    struct sp_peer_msg d = {.type = SP_PEER_DONE};
    d.done.subjects = &cell;
    d.done.nsubjects = 1;
    assert_int_equal(send_msg(&v, 0, 2, &d), 2); /* subject cells in threshold mode */
    v.mode = 3;
    assert_int_equal(send_msg(&v, 0, 2, &d), 1); /* participant 1 is not lowest in 0x3 */
    cell.holders = 0x6;
    assert_int_equal(send_msg(&v, 0, 2, &d), 0);
    assert_int_equal(send_msg(&v, 0, 1, &d), 2); /* DONE not to the initiator */
    struct sp_peer_msg ab = {.type = SP_PEER_ABORT};
    sp_peer_reason_set(&ab.abort, -1, "value " SIM_VALUE_MARK "t1-1 refused");
    assert_int_equal(send_msg(&v, 0, 2, &ab), 2);
    sp_peer_reason_set(&ab.abort, -1, "deadline");
    assert_int_equal(send_msg(&v, 0, 2, &ab), 0);
    v.part_of[1] = -1; /* node 1 takes no part */
    assert_int_equal(send_msg(&v, 0, 1, &ab), 2);
    uint8_t junk[3] = {1, 2, 3};
    v.part_of[1] = 2;
    struct sp_peer_msg st = {.type = SP_PEER_START};
    assert_int_equal(send_msg(&v, 2, 0, &st), 1); /* no ACCEPT yet */
    struct sp_peer_msg acc = {.type = SP_PEER_ACCEPT};
    assert_int_equal(send_msg(&v, 0, 2, &acc), 0);
    assert_int_equal(send_msg(&v, 1, 2, &acc), 0);
    assert_int_equal(send_msg(&v, 2, 0, &st), 0);
    acc.accept.nset_sizes = 1;
    acc.accept.set_sizes[0] = (struct sp_peer_set_size){SP_KEY_BSN, 3};
    assert_int_equal(send_msg(&v, 0, 2, &acc), 1); /* offers no bsn */
    v.types[1] = SP_KEY_MASK(SP_KEY_BSN);
    v.sizes[1][SP_KEY_BSN] = 3;
    assert_int_equal(send_msg(&v, 0, 2, &acc), 0);
    acc.accept.set_sizes[0].count = 4;
    assert_int_equal(send_msg(&v, 0, 2, &acc), 1); /* says 4, has 3 */
    assert_int_equal(sim_check_message(&v, 0, 2, junk, sizeof(junk)), 1);
    sim_check_free(&v);
}

/* ---- the oracle ------------------------------------------------------------------- */

/* Three nodes: "v1" (bsn) at all three; "v2" at nodes 0 and 1; "v3" at node
 * 0 only; node 0's records r0 (v1, v2) and r1 (v3, and an address a1 that
 * node 2 holds too). */
static void small_data(struct sim_data *d, struct sim_key *store)
{
    memset(d, 0, sizeof(*d));
    d->nnodes = 3;
    store[0] = key(SP_KEY_BSN, "v1", 1, "r0");
    store[1] = key(SP_KEY_BSN, "v2", 1, "r0");
    store[2] = key(SP_KEY_BSN, "v3", 1, "r1");
    store[3] = key(SP_KEY_ADDRESS, "a1", 1, "r1");
    store[4] = key(SP_KEY_BSN, "v1", 1, "s0");
    store[5] = key(SP_KEY_BSN, "v2", 1, "s1");
    store[6] = key(SP_KEY_BSN, "v1", 1, "t0");
    store[7] = key(SP_KEY_ADDRESS, "a1", 1, "t1");
    d->node[0] = (struct sim_node_data){store, 4, 2};
    d->node[1] = (struct sim_node_data){store + 4, 2, 2};
    d->node[2] = (struct sim_node_data){store + 6, 2, 2};
}

static void identity_view(struct sim_round_view *v, int mode, unsigned k)
{
    sim_check_init(v);
    v->n = 3;
    for (int i = 0; i < 3; i++) {
        v->node_of[i] = i;
        v->part_of[i] = i;
        v->types[i] = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_ADDRESS);
    }
    v->mode = mode;
    v->k = k;
}

static void test_oracle(void **state)
{
    (void)state;
    static const char *const names[] = {"n0", "n1", "n2"};
    struct sim_key keys[8];
    struct sim_data d;
    struct sim_round_view v;
    struct sim_expect x;
    small_data(&d, keys);

    identity_view(&v, 3, 2);
    assert_int_equal(sim_oracle_expect(&d, &v, names, &x), 0);
    assert_int_equal(x.nrows[0], 3);
    assert_string_equal(x.rows[0][0], "d,r0,n1,2,1");
    assert_string_equal(x.rows[0][1], "d,r0,n2,2,1");
    assert_string_equal(x.rows[0][2], "d,r1,n2,2000,1"); /* the address: its own entity */
    assert_int_equal(x.nrows[1], 3);                     /* s0 -> n0, n2; s1 -> n0 */
    /* histogram: bsn {0,1,2}: 1, {0,1}: 1, {0}: 1; address {0,2}: 1; subjects follow */
    assert_int_equal(x.counts[0].key_type, SP_KEY_BSN);
    assert_int_equal(x.counts[0].holders, 0x1);
    struct sim_row got[3] = {{"d", "r1", "n2", SP_KEY_MASK(SP_KEY_ADDRESS), 1},
                             {"d", "r0", "n2", SP_KEY_MASK(SP_KEY_BSN), 1},
                             {"d", "r0", "n1", SP_KEY_MASK(SP_KEY_BSN), 1}};
    char why[256];
    assert_int_equal(sim_oracle_rows_equal(&x, 0, got, 3, why, sizeof(why)), 0);
    got[2].klass = 2;
    assert_int_equal(sim_oracle_rows_equal(&x, 0, got, 3, why, sizeof(why)), 1);
    assert_non_null(strstr(why, "expected"));
    assert_int_equal(sim_oracle_rows_equal(&x, 0, got, 2, why, sizeof(why)), 1);
    /* subject cells: person r0 at n0 {0,1,2}; s1 at n1 would be lowest? no: n0 holds v2 */
    /* bsn {0}, {0,1}, {0,1,2}; address {0,2}; subjects: n0's persons r0 {0,1,2} and
     * r1 {0} (n1's s0, s1 and n2's t0 have n0 as lowest holder), the address {0,2} */
    static const struct sim_count want[] = {{SP_KEY_BSN, 0x1, 1},
                                            {SP_KEY_BSN, 0x3, 1},
                                            {SP_KEY_BSN, 0x7, 1},
                                            {SP_KEY_ADDRESS, 0x5, 1},
                                            {0x80 | SP_ENTITY_PERSON, 0x1, 1},
                                            {0x80 | SP_ENTITY_PERSON, 0x7, 1},
                                            {0x80 | SP_ENTITY_ADDRESS, 0x5, 1}};
    assert_int_equal(x.ncounts, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(x.counts[i].key_type, want[i].key_type);
        assert_int_equal(x.counts[i].holders, want[i].holders);
        assert_int_equal(x.counts[i].count, want[i].count);
    }
    assert_int_equal(sim_oracle_counts_equal(&x, x.counts, x.ncounts, why, sizeof(why)), 0);
    sim_expect_free(&x);

    identity_view(&v, 3, 3); /* k = 3: only v1 */
    assert_int_equal(sim_oracle_expect(&d, &v, names, &x), 0);
    assert_int_equal(x.nrows[0], 2);
    assert_int_equal(x.nrows[2], 2);
    sim_expect_free(&x);

    identity_view(&v, 2, 1); /* threshold, k = 1: every own value counts, partner "*" */
    assert_int_equal(sim_oracle_expect(&d, &v, names, &x), 0);
    assert_int_equal(x.nrows[0], 3); /* r0 person, r1 person, r1 address */
    assert_string_equal(x.rows[0][0], "d,r0,*,2,1");
    sim_expect_free(&x);

    identity_view(&v, 1, 2);              /* counts: no rows, histogram only */
    v.types[2] = SP_KEY_MASK(SP_KEY_BSN); /* n2 offers no addresses */
    assert_int_equal(sim_oracle_expect(&d, &v, names, &x), 0);
    assert_int_equal(x.nrows[0] + x.nrows[1] + x.nrows[2], 0);
    assert_int_equal(x.ncounts, 4); /* bsn 0x7, 0x3, 0x1; address 0x1 */
    assert_int_equal(x.counts[3].key_type, SP_KEY_ADDRESS);
    assert_int_equal(x.counts[3].holders, 0x1);
    sim_expect_free(&x);
}

/* Case lists: every generated list is read whole by the input layer (no
 * value rejected), has the key types asked, two subjects share an address
 * when asked to, and the oracle finds exactly what a partner holds. */
static void test_case_list(void **state)
{
    (void)state;
    char why[200];
    for (uint64_t seed = 1; seed <= 400; seed++) {
        struct sim_rng r = sim_rng_fork(seed, 7);
        struct sim_case_list l;
        uint32_t keys = SP_KEY_MASK_ALL;
        if (seed % 2)
            keys = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_KVK) | SP_KEY_MASK(SP_KEY_IBAN);
        int rc = sim_case_list_make(&l, &r, 1 + seed % SIM_CASE_SUBJECTS_MAX, keys, true, 20261201,
                                    why, sizeof(why));
        if (rc != 0)
            fail_msg("seed %llu: %s", (unsigned long long)seed, why);
        assert_true(l.nv > 0);
        assert_true(l.type_mask & SP_KEY_MASK(SP_KEY_ADDRESS));
        assert_int_equal(l.type_mask & ~(keys | SP_KEY_MASK(SP_KEY_ADDRESS)), 0);
        uint32_t total = 0;
        for (int t = 0; t < 17; t++)
            total += l.sizes[t];
        assert_int_equal(total, l.nv);
        if (l.nsubjects > 1) /* the shared address: one value, two subjects */
            for (unsigned i = 0; i < l.nv; i++)
                if (l.v[i].type == SP_KEY_ADDRESS && (l.v[i].subjects & 1u))
                    assert_int_equal(l.v[i].subjects & 3u, 3u);
        /* a partner holding subject 0's address only: an address row for
         * subject 0 and (sharing it) subject 1, and never a person row */
        struct sim_node_data nd = {0};
        size_t cap = 0;
        char(*rows)[SIM_CASE_ROW_TEXT] = NULL;
        uint64_t found[2];
        assert_true(
            sim_case_hold(&nd, &cap, &l, 0, SP_KEY_MASK(SP_KEY_ADDRESS), "personen", "K1") == 1);
        sim_data_sort(&nd);
        int n = sim_case_expect_asker(&l, &nd, "n1", &rows, found);
        assert_int_equal(n, l.nsubjects > 1 ? 2 : 1);
        assert_string_equal(rows[0], "case,S1,n1,address,2000,1");
        free(rows);
        assert_int_equal(sim_case_expect_partner(&l, &nd, found, "n0", &rows), 1);
        assert_string_equal(rows[0], "personen,K1,n0,address,2000,1");
        free(rows);
        assert_false(sim_case_text_clean(&l, (const char *)l.v[0].value, l.v[0].len));
        assert_true(sim_case_text_clean(&l, "round 0123456789abcdef", 22));
        free(nd.keys);
        sim_case_list_free(&l);
    }
}

int main(void)
{
    if (sim_randombytes_install() != 0 || sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_randombytes_replay),
        cmocka_unit_test(test_queue_order),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_data_generation),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_net),
        cmocka_unit_test(test_check_verdicts),
        cmocka_unit_test(test_check_routes),
        cmocka_unit_test(test_oracle),
        cmocka_unit_test(test_case_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
