/* Failing allocations in proto/: every golden fixture decoded (peer
 * messages, control requests and replies, proposals) and encoded again with
 * the _alloc encoders, plus large VERDICT, COUNTS and BATCH messages whose
 * encoding needs several buffer growths. Decoders that own storage must
 * return SP_ERR_NOMEM with *out zeroed (peer.h, control.h); encoders must
 * return SP_ERR_NOMEM with *out and *len_out untouched; the rest must not
 * allocate at all. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "failalloc.h"
#include "proto/control.h"
#include "proto/peer.h"
#include "proto/proposal.h"

static const int nomem[] = {SP_ERR_NOMEM};
/* Read through a volatile so that the compiler cannot see that an output
 * left untouched is not a heap pointer. */
static uint8_t sentinel_byte;
static uint8_t *volatile sentinel_ptr = &sentinel_byte;
#define SENTINEL_PTR sentinel_ptr
#define SENTINEL_LEN ((size_t)0xdecafbad)
#define FILL         0xa5

struct msg {
    char name[128];
    uint8_t *buf;
    size_t len;
    union {
        struct sp_peer_msg peer;
        struct sp_ctl_request req;
        struct sp_ctl_reply rep;
        struct sp_proposal prop;
    } m; /* decoded once, without failures, for the encoders */
};

static bool all_bytes(const void *p, size_t n, uint8_t b)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++)
        if (s[i] != b)
            return false;
    return true;
}

/* Reads a fixture: hex digits, whitespace, '#' comment lines. */
static void load_fixture(const char *file, struct msg *m)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", SP_PROTO_FIXTURES, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    m->buf = malloc(65536);
    assert_non_null(m->buf);
    m->len = 0;
    int c, hi = -1;
    bool comment = false;
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n')
            comment = false;
        if (c == '#')
            comment = true;
        int v = sp_hex_digit((char)c);
        if (comment || v < 0)
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        assert_true(m->len < 65536);
        m->buf[m->len++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    fclose(f);
    assert_int_equal(hi, -1);
    assert_true(m->len > 0);
}

/* ---- operations ---- */

static int run_peer_decode(void *ctx)
{
    struct msg *x = ctx;
    struct sp_peer_msg m;
    static uint8_t again[SP_PEER_MSG_MAX_BYTES];
    size_t n = 0;

    memset(&m, FILL, sizeof(m));
    int rc = sp_peer_decode(x->buf, x->len, &m);
    if (rc != 0) {
        assert_true(all_bytes(&m, sizeof(m), 0)); /* "on error *out is zeroed" */
        return rc;
    }
    fa_pause();
    assert_int_equal(sp_peer_encode(&m, again, sizeof(again), &n), 0);
    assert_int_equal(n, x->len);
    assert_memory_equal(again, x->buf, n);
    fa_resume();
    sp_peer_msg_clear(&m);
    return 0;
}

static int run_reply_decode(void *ctx)
{
    struct msg *x = ctx;
    struct sp_ctl_reply r;
    static uint8_t again[1u << 20];
    size_t n = 0;

    memset(&r, FILL, sizeof(r));
    int rc = sp_ctl_reply_decode(x->buf, x->len, &r);
    if (rc != 0) {
        assert_true(all_bytes(&r, sizeof(r), 0));
        return rc;
    }
    fa_pause();
    assert_int_equal(sp_ctl_reply_encode(&r, again, sizeof(again), &n), 0);
    assert_int_equal(n, x->len);
    assert_memory_equal(again, x->buf, n);
    fa_resume();
    sp_ctl_reply_clear(&r);
    return 0;
}

static int run_request_decode(void *ctx)
{
    struct msg *x = ctx;
    struct sp_ctl_request q;
    memset(&q, FILL, sizeof(q));
    int rc = sp_ctl_request_decode(x->buf, x->len, &q);
    if (rc != 0)
        assert_true(all_bytes(&q, sizeof(q), FILL)); /* "written only on success" */
    return rc;
}

static int run_proposal_decode(void *ctx)
{
    struct msg *x = ctx;
    struct sp_proposal p;
    uint8_t again[SP_PROPOSAL_MAX_BYTES];
    size_t n = 0;
    memset(&p, FILL, sizeof(p));
    int rc = sp_proposal_decode(x->buf, x->len, &p);
    if (rc != 0) {
        assert_true(all_bytes(&p, sizeof(p), FILL));
        return rc;
    }
    rc = sp_proposal_encode(&p, again, sizeof(again), &n);
    assert_int_equal(rc, 0);
    assert_int_equal(n, x->len);
    assert_memory_equal(again, x->buf, n);
    return 0;
}

/* The encoders' shared checks: untouched outputs on error, the fixture's
 * bytes on success. */
static int check_encoded(const struct msg *x, int rc, uint8_t *out, size_t len)
{
    if (rc != 0) {
        assert_ptr_equal(out, SENTINEL_PTR);
        assert_int_equal(len, SENTINEL_LEN);
        return rc;
    }
    assert_int_equal(len, x->len);
    assert_memory_equal(out, x->buf, len);
    free(out);
    return 0;
}

static int run_peer_encode(void *ctx)
{
    struct msg *x = ctx;
    uint8_t *out = SENTINEL_PTR;
    size_t len = SENTINEL_LEN;
    int rc = sp_peer_encode_alloc(&x->m.peer, &out, &len);
    return check_encoded(x, rc, out, len);
}

static int run_request_encode(void *ctx)
{
    struct msg *x = ctx;
    uint8_t *out = SENTINEL_PTR;
    size_t len = SENTINEL_LEN;
    int rc = sp_ctl_request_encode_alloc(&x->m.req, &out, &len);
    return check_encoded(x, rc, out, len);
}

static int run_reply_encode(void *ctx)
{
    struct msg *x = ctx;
    uint8_t *out = SENTINEL_PTR;
    size_t len = SENTINEL_LEN;
    int rc = sp_ctl_reply_encode_alloc(&x->m.rep, &out, &len);
    return check_encoded(x, rc, out, len);
}

/* ---- drivers ---- */

static void torture(const char *what, struct msg *x, int (*run)(void *), bool allocates)
{
    char name[192];
    snprintf(name, sizeof(name), "%s %s", what, x->name);
    struct fa_op op = {name, run, x, nomem, 1};
    if (allocates)
        fa_torture(&op, NULL);
    else
        fa_no_alloc(&op);
}

static void each_fixture(const char *prefix, void (*fn)(struct msg *x))
{
    DIR *d = opendir(SP_PROTO_FIXTURES);
    struct dirent *e;
    unsigned n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || l < 5 ||
            strcmp(e->d_name + l - 4, ".hex") != 0)
            continue;
        struct msg *x = calloc(1, sizeof(*x));
        assert_non_null(x);
        snprintf(x->name, sizeof(x->name), "%.*s", (int)(l - 4), e->d_name);
        load_fixture(e->d_name, x);
        fn(x);
        free(x->buf);
        free(x);
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

/* A decode allocates exactly when the message ends up owning storage. */
static void peer_fixture(struct msg *x)
{
    assert_int_equal(sp_peer_decode(x->buf, x->len, &x->m.peer), 0);
    bool owns = x->m.peer.owned_ != NULL;
    torture("peer decode", x, run_peer_decode, owns);
    torture("peer encode_alloc", x, run_peer_encode, true);
    sp_peer_msg_clear(&x->m.peer);
}

static void reply_fixture(struct msg *x)
{
    assert_int_equal(sp_ctl_reply_decode(x->buf, x->len, &x->m.rep), 0);
    bool owns = x->m.rep.owned_ != NULL;
    torture("reply decode", x, run_reply_decode, owns);
    torture("reply encode_alloc", x, run_reply_encode, true);
    sp_ctl_reply_clear(&x->m.rep);
}

/* Requests and proposals own no storage (control.h, proposal.h). */
static void request_fixture(struct msg *x)
{
    assert_int_equal(sp_ctl_request_decode(x->buf, x->len, &x->m.req), 0);
    torture("request decode", x, run_request_decode, false);
    torture("request encode_alloc", x, run_request_encode, true);
}

static void proposal_fixture(struct msg *x)
{
    torture("proposal decode+encode", x, run_proposal_decode, false);
}

static void test_peer_fixtures(void **state)
{
    (void)state;
    each_fixture("peer_", peer_fixture);
}

static void test_request_fixtures(void **state)
{
    (void)state;
    each_fixture("ctl_req_", request_fixture);
}

static void test_reply_fixtures(void **state)
{
    (void)state;
    each_fixture("ctl_rep_", reply_fixture);
}

static void test_proposal_fixtures(void **state)
{
    (void)state;
    each_fixture("proposal", proposal_fixture);
}

/* Encodes a hand-filled message into x (no failures) for the big cases. */
static void big_peer(struct msg *x, const char *name, const struct sp_peer_msg *m)
{
    snprintf(x->name, sizeof(x->name), "%s", name);
    assert_int_equal(sp_peer_encode_alloc(m, &x->buf, &x->len), 0);
    peer_fixture(x);
    free(x->buf);
}

static void test_peer_large(void **state)
{
    (void)state;
    static uint32_t holders[SP_PEER_BATCH_MAX_ELEMENTS];
    static uint8_t elems[SP_PEER_BATCH_MAX_ELEMENTS * SP_PEER_ELEMENT_BYTES];
    static struct sp_peer_count cells[20000];
    static struct msg x;
    struct sp_peer_msg m;

    for (size_t i = 0; i < SP_PEER_BATCH_MAX_ELEMENTS; i++)
        holders[i] = (uint32_t)(i % 7 + 1);
    for (size_t i = 0; i < sizeof(elems); i++)
        elems[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < 20000; i++)
        cells[i] = (struct sp_peer_count){.key_type = (uint8_t)(1 + i / 10000),
                                          .holders = (uint32_t)(i % 10000 + 1),
                                          .count = i * 1000003u};

    memset(&m, 0, sizeof(m));
    m.type = SP_PEER_VERDICT;
    m.verdict = (struct sp_peer_verdict){.key_type = 1, .seq = 9, .last = true};
    m.verdict.holders = holders;
    m.verdict.nholders = SP_PEER_BATCH_MAX_ELEMENTS;
    big_peer(&x, "VERDICT of 4096 holders", &m);

    memset(&m, 0, sizeof(m));
    m.type = SP_PEER_COUNTS;
    m.counts.entries = cells;
    m.counts.nentries = 20000;
    big_peer(&x, "COUNTS of 20000 cells", &m);

    memset(&m, 0, sizeof(m));
    m.type = SP_PEER_BATCH;
    m.batch = (struct sp_peer_batch){.origin = 3, .key_type = 2, .seq = 1, .hops = 2};
    m.batch.elements = elems;
    m.batch.nelements = SP_PEER_BATCH_MAX_ELEMENTS;
    big_peer(&x, "BATCH of 4096 elements", &m);
}

/* The wrapper itself: it sees the test's own calls and those made inside
 * the static library, fails exactly what it is told to, and counts frees. */
static void test_wrapper(void **state)
{
    (void)state;
    int64_t live = fa_live();
    char *volatile p = malloc(10);
    assert_non_null(p);
    assert_int_equal(fa_live(), live + 1);
    free(p);
    assert_int_equal(fa_live(), live);

    fa_arm(1, false); /* the second call fails, the third does not */
    p = calloc(1, 8);
    char *q = strdup("x"), *r = malloc(4);
    assert_true(p != NULL && q == NULL && r != NULL);
    assert_int_equal(fa_calls(), 3);
    assert_int_equal(fa_injected(), 1);
    fa_arm(0, true);
    assert_null(realloc(p, 4096)); /* p stays valid */
    assert_null(malloc(1));
    assert_int_equal(fa_injected(), 2);
    fa_disarm();
    p[7] = 1;
    free(p);
    free(r);
    assert_int_equal(fa_live(), live);

    /* wire.c's realloc, inside libsp_proto.a, goes through the wrapper. */
    struct sp_peer_msg m = {.type = SP_PEER_START};
    uint8_t *out = NULL;
    size_t len = 0;
    fa_arm(UINT64_MAX, false);
    assert_int_equal(sp_peer_encode_alloc(&m, &out, &len), 0);
    assert_int_equal(fa_calls(), 1);
    assert_int_equal(fa_live(), live + 1);
    fa_arm(0, false);
    assert_int_equal(sp_peer_encode_alloc(&m, &out, &len), SP_ERR_NOMEM);
    fa_disarm();
    free(out);
    assert_int_equal(fa_live(), live);
}

static int setup(void **state)
{
    (void)state;
    fa_disarm();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_wrapper, setup),
        cmocka_unit_test_setup(test_peer_fixtures, setup),
        cmocka_unit_test_setup(test_request_fixtures, setup),
        cmocka_unit_test_setup(test_reply_fixtures, setup),
        cmocka_unit_test_setup(test_proposal_fixtures, setup),
        cmocka_unit_test_setup(test_peer_large, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fa_summary();
    return rc;
}
