/* Failing allocations in the daemon's pure round files: the incidence
 * histogram (round_hist), the counting node's k-way merge (round_merge),
 * the per-record aggregation of verdicts (round_agg), and the round meta
 * decoder (round_meta). Each is driven far enough that every growth path
 * (hash table doubling, arena and array growth, index rehash) fails at
 * least once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/keytype.h"
#include "round/round_agg.h"
#include "round/round_hist.h"
#include "round/round_merge.h"
#include "round/round_meta.h"
#include "failalloc.h"
#include "proto/peer.h"

static const int nomem[] = {SP_ERR_NOMEM};
static char sentinel_byte;
static void *volatile sentinel = &sentinel_byte; /* volatile: see test_alloc_proto.c */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* The cells as a digest (paused: checking is not the operation). */
static uint64_t cells_digest(const struct sp_round_hist *h)
{
    struct sp_peer_count *e = NULL;
    uint32_t n = 0;
    fa_pause();
    assert_int_equal(sp_round_hist_cells(h, &e, &n), 0);
    uint64_t d = fnv(UINT64_C(0xcbf29ce484222325), &n, sizeof(n));
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v[3] = {e[i].key_type, e[i].holders, e[i].count};
        d = fnv(d, v, sizeof(v));
    }
    free(e);
    fa_resume();
    return d;
}

/* ---- histogram ---- */

#define HIST_MOVES 3000 /* ~1500 cells: the table doubles 256 -> 4096 */

/* Move i: values first seen (cells 1..1500), then moved again. */
static int hist_move(struct sp_round_hist *h, uint32_t i)
{
    uint32_t to = i % 1500 + 1, from = i >= 1500 ? to : 0;
    return sp_round_hist_move(h, (uint8_t)(1 + i % 3), from, to);
}

/* The cells after moves 0..n-1 (built paused, without failures). */
static uint64_t hist_after(uint32_t n)
{
    struct sp_round_hist *h = NULL;
    fa_pause();
    assert_int_equal(sp_round_hist_new(&h), 0);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(hist_move(h, i), 0);
    uint64_t d = cells_digest(h);
    sp_round_hist_free(&h);
    fa_resume();
    return d;
}

struct hist_ctx {
    uint64_t want;
};

static int run_hist(void *ctx)
{
    struct hist_ctx *c = ctx;
    struct sp_round_hist *h = sentinel;
    int rc = sp_round_hist_new(&h);
    if (rc != 0) {
        assert_ptr_equal(h, sentinel);
        return rc;
    }
    for (uint32_t i = 0; i < HIST_MOVES && rc == 0; i++) {
        rc = hist_move(h, i);
        if (rc != 0) /* a refused move leaves the histogram as it was */
            assert_true(cells_digest(h) == hist_after(i));
    }
    struct sp_peer_count *e = sentinel;
    uint32_t n = 12345;
    if (rc == 0) {
        rc = sp_round_hist_cells(h, &e, &n);
        if (rc != 0) {
            assert_ptr_equal(e, sentinel);
            assert_int_equal(n, 12345);
        } else {
            free(e);
            if (c->want != 0)
                assert_true(cells_digest(h) == c->want);
        }
    }
    sp_round_hist_free(&h);
    return rc;
}

static void test_hist(void **state)
{
    (void)state;
    struct hist_ctx c = {0};
    struct fa_op op = {"round_hist new/move/cells", run_hist, &c, nomem, 1};
    c.want = hist_after(HIST_MOVES);
    fa_torture(&op, NULL);
}

/* ---- merge ---- */

#define RUNS     6
#define RUN_ELEM 1500

struct merge_ctx {
    uint8_t *elems[RUNS];
    uint32_t *masks[RUNS];
    struct sp_round_run runs[RUNS];
    uint64_t want_cells, want_masks;
};

static int run_merge(void *ctx)
{
    struct merge_ctx *c = ctx;
    struct sp_round_hist *h = NULL;
    int rc = sp_round_hist_new(&h);
    if (rc != 0)
        return rc;
    rc = sp_round_merge(c->runs, RUNS, 2, h);
    if (rc == 0 && c->want_cells != 0) {
        uint64_t d = UINT64_C(0xcbf29ce484222325);
        for (size_t r = 0; r < RUNS; r++)
            d = fnv(d, c->masks[r], RUN_ELEM * sizeof(uint32_t));
        assert_true(d == c->want_masks);
        assert_true(cells_digest(h) == c->want_cells);
    }
    sp_round_hist_free(&h);
    return rc;
}

static void test_merge(void **state)
{
    (void)state;
    static struct merge_ctx c;
    uint8_t *raw = malloc((size_t)RUN_ELEM * SP_ROUND_ELEM_BYTES);
    uint16_t perm[RUN_ELEM];
    assert_non_null(raw);
    for (size_t r = 0; r < RUNS; r++) {
        /* Runs overlap: value v is in run r when (v + r) % (r + 2) != 0. */
        uint32_t k = 0;
        for (uint32_t v = 0; k < RUN_ELEM; v++) {
            if ((v + r) % (r + 2) == 0)
                continue;
            memset(raw + (size_t)k * SP_ROUND_ELEM_BYTES, 0, SP_ROUND_ELEM_BYTES);
            uint32_t x = v * 2654435761u;
            memcpy(raw + (size_t)k * SP_ROUND_ELEM_BYTES, &x, sizeof(x));
            k++;
        }
        c.elems[r] = malloc((size_t)RUN_ELEM * SP_ROUND_ELEM_BYTES);
        c.masks[r] = calloc(RUN_ELEM, sizeof(uint32_t));
        assert_true(c.elems[r] && c.masks[r]);
        assert_int_equal(sp_round_sort_batch(raw, RUN_ELEM, c.elems[r], perm), 0);
        c.runs[r] = (struct sp_round_run){
            .elems = c.elems[r], .n = RUN_ELEM, .holder = (uint8_t)(r * 5), .masks = c.masks[r]};
    }
    free(raw);
    assert_int_equal(run_merge(&c), 0);
    c.want_masks = UINT64_C(0xcbf29ce484222325);
    for (size_t r = 0; r < RUNS; r++)
        c.want_masks = fnv(c.want_masks, c.masks[r], RUN_ELEM * sizeof(uint32_t));
    struct sp_round_hist *h = NULL;
    assert_int_equal(sp_round_hist_new(&h), 0);
    assert_int_equal(sp_round_merge(c.runs, RUNS, 2, h), 0);
    c.want_cells = cells_digest(h);
    sp_round_hist_free(&h);
    struct fa_op op = {"round_merge (6 runs of 1500)", run_merge, &c, nomem, 1};
    fa_torture(&op, NULL);
    for (size_t r = 0; r < RUNS; r++) {
        free(c.elems[r]);
        free(c.masks[r]);
    }
}

/* ---- aggregation ---- */

#define AGG_RECORDS 2200 /* recs 256 -> 4096, index rehashed twice, arena grown */

struct agg_walk {
    uint64_t digest, rows, records;
    char last[600];
};

static int on_row(void *ctx, const char *dataset, const char *record_id, unsigned partner,
                  uint8_t entity, uint32_t key_types, uint8_t klass)
{
    (void)entity; /* named by key_types */
    struct agg_walk *w = ctx;
    char key[600];
    snprintf(key, sizeof(key), "%s/%s", dataset, record_id);
    if (strcmp(key, w->last) != 0)
        w->records++;
    snprintf(w->last, sizeof(w->last), "%s", key);
    w->rows++;
    uint64_t v[3] = {partner, key_types, klass};
    w->digest = fnv(w->digest, key, strlen(key) + 1);
    w->digest = fnv(w->digest, v, sizeof(v));
    return 0;
}

static void agg_walk(struct sp_round_agg *a, struct agg_walk *w)
{
    memset(w, 0, sizeof(*w));
    w->digest = UINT64_C(0xcbf29ce484222325);
    fa_pause();
    assert_int_equal(sp_round_agg_foreach(a, on_row, w), 0);
    fa_resume();
}

struct agg_ctx {
    struct agg_walk want;
    bool have_want;
};

/* The i-th add: two datasets, long record ids, partners and threshold. */
static int agg_add(struct sp_round_agg *a, unsigned i)
{
    char id[200];
    unsigned r = i % AGG_RECORDS; /* each record is added twice */
    snprintf(id, sizeof(id), "record-%u-%.*s", r, (int)(r % 97),
             "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
             "0123456789abcdefghijklmnopqrstuvwxyz");
    int mode = r % 5 == 0 ? SP_PROPOSAL_MODE_THRESHOLD : SP_PROPOSAL_MODE_PARTNERS;
    uint32_t holders = (UINT32_C(1) << 2) | ((i * 2654435761u) & 0x3b);
    return sp_round_agg_add(a, r % 5 == 0 ? "bedrijven" : "personen", id, (uint8_t)(1 + i % 4),
                            (uint8_t)(1 + i % 3), holders, 2, mode);
}

static int run_agg(void *ctx)
{
    struct agg_ctx *c = ctx;
    struct sp_round_agg *a = sentinel;
    struct agg_walk w;
    int rc = sp_round_agg_new(&a);
    if (rc != 0) {
        assert_ptr_equal(a, sentinel);
        return rc;
    }
    for (unsigned i = 0; i < 2 * AGG_RECORDS && rc == 0; i++)
        rc = agg_add(a, i);
    agg_walk(a, &w);
    /* Whatever happened, the counts describe the rows there are: "distinct
     * records with at least one row, and the number of rows". */
    assert_int_equal(sp_round_agg_records(a), w.records);
    assert_int_equal(sp_round_agg_rows(a), w.rows);
    if (rc == 0 && c->have_want) {
        assert_int_equal(w.rows, c->want.rows);
        assert_true(w.digest == c->want.digest);
    }
    sp_round_agg_free(&a);
    return rc;
}

/* What every add succeeding gives: the runs under failure compare to it. */
static void agg_baseline(struct agg_ctx *c)
{
    struct sp_round_agg *a = NULL;
    assert_int_equal(sp_round_agg_new(&a), 0);
    for (unsigned i = 0; i < 2 * AGG_RECORDS; i++)
        assert_int_equal(agg_add(a, i), 0);
    agg_walk(a, &c->want);
    c->have_want = true;
    sp_round_agg_free(&a);
}

static void test_agg(void **state)
{
    (void)state;
    struct agg_ctx c = {0};
    agg_baseline(&c);
    assert_true(c.want.records > 2000 && c.want.records <= AGG_RECORDS);
    assert_true(c.want.rows > AGG_RECORDS);
    struct fa_op op = {"round_agg new/add/foreach", run_agg, &c, nomem, 1};
    fa_torture(&op, NULL);
}

/* Local subjects (partners mode): every key type, so every entity is
 * activated on the way; a failed add retried, or a failed count of the
 * cells, leaves the same cells as a run without failures. */
struct subj_ctx {
    uint64_t want;
    bool have_want;
};

static int subj_add(struct sp_round_agg *a, unsigned i)
{
    char id[64];
    if (i % 3 == 0)
        sp_round_agg_next_value(a);
    snprintf(id, sizeof(id), "r%u", (i * 7919u) % AGG_RECORDS);
    uint32_t holders = (UINT32_C(1) << 2) | ((i / 3 * 2654435761u) & 0x1b);
    return sp_round_agg_add(a, "personen", id, (uint8_t)(1 + (i / 3) % 16), (uint8_t)(1 + i % 2),
                            holders, 2, SP_PROPOSAL_MODE_PARTNERS);
}

static int on_cell(void *ctx, uint8_t entity, uint32_t holders, uint64_t count)
{
    uint64_t *d = ctx;
    uint64_t v[3] = {entity, holders, count};
    *d = fnv(*d, v, sizeof(v));
    return 0;
}

static int run_subjects(void *ctx)
{
    struct subj_ctx *c = ctx;
    struct sp_round_agg *a = NULL;
    uint64_t d = UINT64_C(0xcbf29ce484222325);
    int rc = sp_round_agg_new(&a), first = 0;
    if (rc != 0)
        return rc;
    fa_pause();
    assert_int_equal(sp_round_agg_subjects_begin(a, 2), 0);
    fa_resume();
    for (unsigned i = 0; i < 3 * AGG_RECORDS; i++) {
        if ((rc = subj_add(a, i)) == 0)
            continue;
        assert_int_equal(rc, SP_ERR_NOMEM);
        first = first ? first : rc;
        fa_pause();
        assert_int_equal(subj_add(a, i), 0);
        fa_resume();
    }
    rc = sp_round_agg_subjects(a, on_cell, &d);
    if (rc != 0) {
        assert_int_equal(rc, SP_ERR_NOMEM);
        first = first ? first : rc;
        d = UINT64_C(0xcbf29ce484222325);
        fa_pause();
        assert_int_equal(sp_round_agg_subjects(a, on_cell, &d), 0);
        fa_resume();
    }
    if (c->have_want)
        assert_true(d == c->want);
    c->want = d;
    c->have_want = true;
    sp_round_agg_free(&a);
    return first;
}

static void test_agg_subjects(void **state)
{
    (void)state;
    struct subj_ctx c = {0};
    assert_int_equal(run_subjects(&c), 0); /* the baseline */
    struct fa_op op = {"round_agg subjects", run_subjects, &c, nomem, 1};
    fa_torture(&op, NULL);
}

/* After a failed add, adding the same pair again gives the result of a run
 * without failures: a failed add leaves no half-entered record behind. */
static int run_agg_retry(void *ctx)
{
    struct agg_ctx *c = ctx;
    struct sp_round_agg *a = NULL;
    struct agg_walk w;
    int rc = sp_round_agg_new(&a), first = 0;
    if (rc != 0)
        return rc;
    for (unsigned i = 0; i < 2 * AGG_RECORDS; i++) {
        rc = agg_add(a, i);
        if (rc == 0)
            continue;
        assert_int_equal(rc, SP_ERR_NOMEM);
        if (first == 0)
            first = rc;
        fa_pause();
        assert_int_equal(agg_add(a, i), 0);
        fa_resume();
    }
    agg_walk(a, &w);
    assert_int_equal(sp_round_agg_records(a), w.records);
    assert_int_equal(w.rows, c->want.rows);
    assert_true(w.digest == c->want.digest);
    sp_round_agg_free(&a);
    return first;
}

static void test_agg_retry(void **state)
{
    (void)state;
    struct agg_ctx c = {0};
    agg_baseline(&c);
    struct fa_op op = {"round_agg add, retried after NOMEM", run_agg_retry, &c, nomem, 1};
    fa_torture(&op, NULL);
}

/* ---- round meta ---- */

struct meta_ctx {
    struct sp_round_meta m;
    uint8_t blob[SP_ROUND_META_MAX_BYTES];
    size_t len;
    struct sp_round_meta out;
};

static int run_meta(void *ctx)
{
    struct meta_ctx *c = ctx;
    memset(&c->out, 0xa5, sizeof(c->out));
    int rc = sp_round_meta_decode(c->blob, c->len, &c->out);
    if (rc != 0) {
        for (size_t i = 0; i < sizeof(c->out); i++) /* "*m written only on success" */
            assert_int_equal(((const uint8_t *)&c->out)[i], 0xa5);
        return rc;
    }
    assert_memory_equal(&c->out, &c->m, sizeof(c->m));
    return 0;
}

static void test_meta(void **state)
{
    (void)state;
    static struct meta_ctx c;
    memset(&c.m, 0, sizeof(c.m));
    c.m.state = 3;
    c.m.self_index = 1;
    c.m.created_at = 1709283600;
    c.m.set_sizes[1] = 1000;
    snprintf(c.m.reason, sizeof(c.m.reason), "peer refused: policy");
    c.m.proposal_len = 300;
    for (size_t i = 0; i < 300; i++)
        c.m.proposal[i] = (uint8_t)i;
    assert_int_equal(sp_round_meta_encode(&c.m, c.blob, sizeof(c.blob), &c.len), 0);
    /* Documented returns: 0 or SP_ERR_STORE, so no allocation may fail. */
    struct fa_op op = {"round_meta decode", run_meta, &c, NULL, 0};
    fa_no_alloc(&op);
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
        cmocka_unit_test_setup(test_hist, setup),
        cmocka_unit_test_setup(test_merge, setup),
        cmocka_unit_test_setup(test_agg, setup),
        cmocka_unit_test_setup(test_agg_retry, setup),
        cmocka_unit_test_setup(test_agg_subjects, setup),
        cmocka_unit_test_setup(test_meta, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fa_summary();
    return rc;
}
