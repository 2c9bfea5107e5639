/*
 * The case store (daemon/store_case.c) through the engine's port, on real
 * LMDB files in temporary directories: the own outputs walked in exactly
 * the key index walk's order, epochs, deltas across versions and their
 * pruning, fingerprints and the records holding them, the per-coordinator
 * quota, the epoch secret's file and its checks, a store made before
 * the case databases existed, and the epoch's record with its kept mask:
 * its round trip, a record written before the mask was (store format
 * version 1) and its migration.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "common/keytype.h"
#include "daemon/store.h"

struct fixture {
    char dir[256];
    struct sp_store *s;
    struct sp_engine_case_store c;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s/sp-case-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir) || sp_store_open(f->dir, UINT64_C(64) << 20, &f->s) != 0)
        return -1;
    f->c = sp_store_case_port();
    *state = f;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The store and the case/ directory of epoch secrets, depth first. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    sp_store_close(&f->s);
    assert_int_equal(nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
    free(f);
    return 0;
}

static void reopen(struct fixture *f)
{
    sp_store_close(&f->s);
    assert_int_equal(sp_store_open(f->dir, UINT64_C(64) << 20, &f->s), 0);
}

/* The port's ctx: the variable holding the store pointer. */
#define CTX(f) ((void *)&(f)->s)

/* The key types the commits below say their outputs are for. */
#define KEPT (SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_KVK))

/* A fingerprint made up from (type, value): distinct enough for tests. */
static uint64_t fp_of(uint8_t type, const uint8_t *v, size_t len)
{
    uint64_t h = 1469598103934665603u ^ type;
    for (size_t i = 0; i < len; i++)
        h = (h ^ v[i]) * 1099511628211u;
    return h;
}

static struct sp_case_own_change add(uint8_t type, const char *v, uint64_t fp)
{
    return (struct sp_case_own_change){true, type, (uint16_t)strlen(v), (const uint8_t *)v, fp};
}

static struct sp_case_own_change del(uint8_t type, const char *v)
{
    return (struct sp_case_own_change){false, type, (uint16_t)strlen(v), (const uint8_t *)v, 0};
}

static void begin(struct fixture *f, uint32_t epoch)
{
    assert_int_equal(f->c.own_begin(CTX(f), epoch, 1000u + epoch), 0);
}

/* Loads one dataset: records ids[i] each with one key (type, values[i]). */
static void load(struct sp_store *s, const char *name, const char *const *ids, const uint8_t *types,
                 const char *const *values, size_t n)
{
    struct sp_store_load *l = NULL;
    assert_int_equal(sp_store_load_begin(s, name, &l), 0);
    for (size_t i = 0; i < n; i++) {
        struct sp_store_key k = {types[i], SP_CLASS_A, (uint16_t)strlen(values[i]), values[i]};
        assert_int_equal(sp_store_load_put(l, ids[i], &k, 1), 0);
    }
    struct sp_dataset_info info = {.records = n, .keys = n};
    assert_int_equal(sp_store_load_commit(&l, &info, NULL), 0);
}

static size_t db_entries(struct sp_store *s, const char *db)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_stat st;
    assert_int_equal(mdb_txn_begin(sp_store_env(s), NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    assert_int_equal(mdb_stat(txn, dbi, &st), 0);
    mdb_txn_abort(txn);
    return st.ms_entries;
}

/* ---- the order of the own walk ------------------------------------------ */

struct pair {
    uint8_t type;
    uint16_t len;
    uint8_t v[SP_STORE_VALUE_MAX];
};

struct pairs {
    size_t n;
    struct pair p[128];
};

/* The distinct (type, value) pairs of the key index walk, in its order. */
static int distinct_pair(void *ctx, const struct sp_keyref *r)
{
    struct pairs *ps = ctx;
    struct pair *last = ps->n ? &ps->p[ps->n - 1] : NULL;
    if (last && last->type == r->type && last->len == r->value_len &&
        memcmp(last->v, r->value, r->value_len) == 0)
        return 0;
    assert_true(ps->n < 128);
    struct pair *p = &ps->p[ps->n++];
    p->type = r->type;
    p->len = r->value_len;
    memcpy(p->v, r->value, r->value_len);
    return 0;
}

/* Values that trip up a wrong order: prefixes of each other, bytes that
 * look empty (spaces, 0x01), 0xff bytes (above every ASCII byte and above
 * the index's NUL separator), lengths from 1 to the maximum. */
static void test_order_matches_key_walk(void **state)
{
    struct fixture *f = *state;
    static char longest[SP_STORE_VALUE_MAX + 1], longest_ff[SP_STORE_VALUE_MAX + 1];
    memset(longest, 'a', SP_STORE_VALUE_MAX);
    memset(longest_ff, 0xff, SP_STORE_VALUE_MAX);
    const char *const va[] = {"a",     "ab",    "a\x01",    "\x01", "\x01\x01", "\xff", "\xff\xff",
                              "a\xff", " ",     "  ",       "b",    "aa",       "a a",  "\x7f",
                              "\x80",  longest, longest_ff, "1",    "10",       "9"};
    const char *const vb[] = {"ab", "a\xfe", "\xff\x01", "aaa", "a", "\x01\x02", "0"};
    enum { NA = sizeof va / sizeof va[0], NB = sizeof vb / sizeof vb[0] };
    const char *ida[NA], *idb[NB];
    uint8_t ta[NA], tb[NB];
    char idbuf[NA + NB][8];
    for (size_t i = 0; i < NA + NB; i++) {
        snprintf(idbuf[i], sizeof idbuf[i], "r%zu", i);
        if (i < NA)
            ida[i] = idbuf[i], ta[i] = i % 3 ? SP_KEY_BSN : SP_KEY_KVK;
        else
            idb[i - NA] = idbuf[i], tb[i - NA] = i % 2 ? SP_KEY_IBAN : SP_KEY_BSN;
    }
    load(f->s, "a", ida, ta, va, NA);
    load(f->s, "b", idb, tb, vb, NB);
    struct pairs want = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, distinct_pair, &want), 0);
    assert_true(want.n > 20);

    /* put them in reverse order, in two puts: the store orders them */
    begin(f, 1);
    struct sp_case_own_change ch[128];
    for (size_t i = 0; i < want.n; i++) {
        const struct pair *p = &want.p[want.n - 1 - i];
        ch[i] =
            (struct sp_case_own_change){true, p->type, p->len, p->v, fp_of(p->type, p->v, p->len)};
    }
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 7), 0);
    assert_int_equal(f->c.own_put(CTX(f), 1, ch + 7, want.n - 7), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 4), 0);

    void *walk = NULL;
    struct sp_case_own_entry e;
    size_t i = 0;
    assert_int_equal(f->c.own_open(CTX(f), &walk), 0);
    int rc;
    while ((rc = f->c.own_next(walk, &e)) == 0) {
        assert_true(i < want.n);
        assert_int_equal(e.key_type, want.p[i].type);
        assert_int_equal(e.len, want.p[i].len);
        assert_memory_equal(e.value, want.p[i].v, e.len);
        assert_true(e.fp == fp_of(e.key_type, e.value, e.len));
        i++;
    }
    assert_int_equal(rc, SP_ERR_NOT_FOUND);
    assert_int_equal(i, want.n);
    f->c.own_close(walk);
    f->c.own_close(NULL);

    struct sp_case_own_meta m;
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    uint64_t total = 0;
    for (size_t t = 0; t < SP_KEY_TYPE_COUNT; t++)
        total += m.values[t];
    assert_int_equal(total, want.n);
    assert_int_equal(m.values[SP_KEY_KVK], 7); /* va[0], [3], ... [18] */
}

/* ---- epochs and versions ------------------------------------------------ */

static void test_begin_and_meta(void **state)
{
    struct fixture *f = *state;
    struct sp_case_own_meta m;
    struct sp_case_own_change ch[3] = {add(SP_KEY_BSN, "111", 1), add(SP_KEY_BSN, "222", 2),
                                       add(SP_KEY_KVK, "333", 3)};
    assert_int_equal(f->c.own_meta(CTX(f), &m), SP_ERR_NOT_FOUND);
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 1), SP_ERR_STATE); /* no epoch */
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 1), SP_ERR_STATE);
    assert_int_equal(f->c.own_begin(CTX(f), 0, 5), SP_ERR_INVALID_ARG);
    begin(f, 7);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.epoch, 7);
    assert_int_equal(m.version, 0);
    assert_int_equal(m.started_at, 1007);
    assert_int_equal(f->c.own_put(CTX(f), 2, ch, 3), SP_ERR_STATE); /* not the next version */
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 3), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 2), 0);
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 1), SP_ERR_STATE); /* committed already */
    reopen(f);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.values[SP_KEY_BSN], 2);
    assert_int_equal(m.values[SP_KEY_KVK], 1);
    /* a change in version 2, then a new epoch: everything of epoch 7 goes */
    struct sp_case_own_change d = del(SP_KEY_BSN, "111");
    assert_int_equal(f->c.own_put(CTX(f), 2, &d, 1), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 2, KEPT, 2), 0);
    assert_int_equal(db_entries(f->s, "case.delta"), 1);
    begin(f, 8);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.epoch, 8);
    assert_int_equal(m.version, 0);
    for (size_t t = 0; t < SP_KEY_TYPE_COUNT; t++)
        assert_int_equal(m.values[t], 0);
    assert_int_equal(db_entries(f->s, "case.own"), 0);
    assert_int_equal(db_entries(f->s, "case.fp"), 0);
    assert_int_equal(db_entries(f->s, "case.delta"), 0);
    void *walk = NULL;
    struct sp_case_own_entry e;
    assert_int_equal(f->c.own_open(CTX(f), &walk), 0);
    assert_int_equal(f->c.own_next(walk, &e), SP_ERR_NOT_FOUND);
    f->c.own_close(walk);
    uint64_t *fps = (uint64_t *)1;
    size_t n = 9;
    assert_int_equal(f->c.fps_read(CTX(f), SP_KEY_BSN, &fps, &n), 0);
    assert_null(fps);
    assert_int_equal(n, 0);
}

static void test_invalid_changes(void **state)
{
    struct fixture *f = *state;
    begin(f, 1);
    struct sp_case_own_change bad[] = {
        {true, 0, 1, (const uint8_t *)"x", 1},
        {true, SP_KEY_TYPE_MAX + 1, 1, (const uint8_t *)"x", 1},
        {true, SP_KEY_BSN, 0, (const uint8_t *)"", 1},
        {true, SP_KEY_BSN, SP_STORE_VALUE_MAX + 1, (const uint8_t *)"x", 1},
        {true, SP_KEY_BSN, 3, (const uint8_t *)"a\0b", 1},
        {true, SP_KEY_BSN, 1, NULL, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(f->c.own_put(CTX(f), 1, &bad[i], 1), SP_ERR_INVALID_ARG);
    uint64_t *fps = NULL, *r = NULL;
    size_t n = 0, nr = 0;
    assert_int_equal(f->c.fps_read(CTX(f), 0, &fps, &n), SP_ERR_INVALID_ARG);
    assert_int_equal(f->c.delta_read(CTX(f), 2, 17, &fps, &n, &r, &nr), SP_ERR_INVALID_ARG);
    assert_int_equal(db_entries(f->s, "case.own"), 0);
}

/* Reads the delta of (version, type); asserts it is kept. */
static void delta(struct fixture *f, uint64_t version, uint8_t type, const uint64_t *add_want,
                  size_t na_want, const uint64_t *rem_want, size_t nr_want)
{
    uint64_t *a = NULL, *r = NULL;
    size_t na = 99, nr = 99;
    assert_int_equal(f->c.delta_read(CTX(f), version, type, &a, &na, &r, &nr), 0);
    assert_int_equal(na, na_want);
    assert_int_equal(nr, nr_want);
    if (na)
        assert_memory_equal(a, add_want, na * 8);
    else
        assert_null(a);
    if (nr)
        assert_memory_equal(r, rem_want, nr * 8);
    else
        assert_null(r);
    free(a);
    free(r);
}

static int delta_gone(struct fixture *f, uint64_t version, uint8_t type)
{
    uint64_t *a = NULL, *r = NULL;
    size_t na = 0, nr = 0;
    int rc = f->c.delta_read(CTX(f), version, type, &a, &na, &r, &nr);
    assert_null(a);
    assert_null(r);
    return rc;
}

static void test_deltas(void **state)
{
    struct fixture *f = *state;
    begin(f, 1);
    struct sp_case_own_change setup[] = {add(SP_KEY_BSN, "A", 10), add(SP_KEY_BSN, "B", 20),
                                         add(SP_KEY_BSN, "C", 30), add(SP_KEY_KVK, "K", 40)};
    assert_int_equal(f->c.own_put(CTX(f), 1, setup, 4), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 8), 0);
    assert_int_equal(db_entries(f->s, "case.delta"), 0); /* the set-up has none */
    assert_int_equal(delta_gone(f, 1, SP_KEY_BSN), SP_ERR_NOT_FOUND);

    /* version 2: A removed, D added; B added again with its fingerprint and
     * Z removed though never held (no change); E added and removed again in
     * a second put (cancels); C gets a new fingerprint (replaced) */
    struct sp_case_own_change v2a[] = {del(SP_KEY_BSN, "A"),     add(SP_KEY_BSN, "D", 5),
                                       add(SP_KEY_BSN, "B", 20), del(SP_KEY_BSN, "Z"),
                                       add(SP_KEY_BSN, "E", 50), add(SP_KEY_BSN, "C", 31)};
    struct sp_case_own_change v2b[] = {del(SP_KEY_BSN, "E")};
    assert_int_equal(f->c.own_put(CTX(f), 2, v2a, 6), 0);
    assert_int_equal(delta_gone(f, 2, SP_KEY_BSN), SP_ERR_NOT_FOUND); /* not committed */
    assert_int_equal(f->c.own_put(CTX(f), 2, v2b, 1), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 2, KEPT, 8), 0);
    reopen(f);
    delta(f, 2, SP_KEY_BSN, (const uint64_t[]){5, 31}, 2, (const uint64_t[]){10, 30}, 2);
    delta(f, 2, SP_KEY_KVK, NULL, 0, NULL, 0); /* kept, no change of that type */
    uint64_t *fps = NULL;
    size_t n = 0;
    assert_int_equal(f->c.fps_read(CTX(f), SP_KEY_BSN, &fps, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(fps, ((const uint64_t[]){5, 20, 31}), 3 * 8);
    free(fps);
    struct sp_case_own_meta m;
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.values[SP_KEY_BSN], 3);

    /* versions 3..6, one value each; commit(6, keep 2) keeps 4, 5, 6 */
    for (uint64_t v = 3; v <= 6; v++) {
        char val[8];
        snprintf(val, sizeof val, "V%u", (unsigned)v);
        struct sp_case_own_change c = add(SP_KEY_KVK, val, 100 + v);
        assert_int_equal(f->c.own_put(CTX(f), v, &c, 1), 0);
        assert_int_equal(f->c.own_commit(CTX(f), v, KEPT, 2), 0);
    }
    assert_int_equal(delta_gone(f, 2, SP_KEY_BSN), SP_ERR_NOT_FOUND);
    assert_int_equal(delta_gone(f, 3, SP_KEY_KVK), SP_ERR_NOT_FOUND);
    delta(f, 4, SP_KEY_KVK, (const uint64_t[]){104}, 1, NULL, 0);
    delta(f, 6, SP_KEY_KVK, (const uint64_t[]){106}, 1, NULL, 0);
    assert_int_equal(delta_gone(f, 7, SP_KEY_KVK), SP_ERR_NOT_FOUND);
    assert_int_equal(db_entries(f->s, "case.delta"), 3);
    /* an older version cannot be committed again */
    assert_int_equal(f->c.own_commit(CTX(f), 5, KEPT, 2), SP_ERR_STATE);
    assert_int_equal(f->c.own_commit(CTX(f), 6, KEPT, 2), 0);
}

/* A fingerprint that repeats (two values, one fingerprint): in the filter
 * twice, and a delta removing one of them removes one. */
static void test_repeated_fingerprint(void **state)
{
    struct fixture *f = *state;
    begin(f, 2);
    struct sp_case_own_change ch[] = {add(SP_KEY_IBAN, "X", 0xffffffffffffffffu),
                                      add(SP_KEY_IBAN, "Y", 7), add(SP_KEY_IBAN, "Z", 7),
                                      add(SP_KEY_IBAN, "W", 0), add(SP_KEY_BSN, "X", 7)};
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 5), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 1), 0);
    uint64_t *fps = NULL;
    size_t n = 0;
    assert_int_equal(f->c.fps_read(CTX(f), SP_KEY_IBAN, &fps, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(fps, ((const uint64_t[]){0, 7, 7, 0xffffffffffffffffu}), 4 * 8);
    free(fps);
    struct sp_case_own_change d = del(SP_KEY_IBAN, "Z");
    assert_int_equal(f->c.own_put(CTX(f), 2, &d, 1), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 2, KEPT, 1), 0);
    assert_int_equal(f->c.fps_read(CTX(f), SP_KEY_IBAN, &fps, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(fps, ((const uint64_t[]){0, 7, 0xffffffffffffffffu}), 3 * 8);
    free(fps);
    delta(f, 2, SP_KEY_IBAN, NULL, 0, (const uint64_t[]){7}, 1);
}

/* ---- fp_records ---------------------------------------------------------- */

struct seen {
    size_t n;
    char line[16][80];
    size_t stop_after; /* 0: never */
};

static int seen_record(void *ctx, const char *dataset, const char *record_id)
{
    struct seen *s = ctx;
    assert_true(s->n < 16);
    snprintf(s->line[s->n++], sizeof s->line[0], "%s/%s", dataset, record_id);
    return s->stop_after && s->n == s->stop_after ? 42 : 0;
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void records_of(struct fixture *f, uint8_t type, uint64_t fp, struct seen *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(f->c.fp_records(CTX(f), type, fp, seen_record, s), 0);
    qsort(s->line, s->n, sizeof s->line[0], line_cmp);
}

static void test_fp_records(void **state)
{
    struct fixture *f = *state;
    /* "ab" and "abc" (a prefix of each other) share fingerprint 9; "ab"
     * under another type must not be found */
    const char *ida[] = {"r1", "r2", "r3", "r4"}, *va[] = {"ab", "ab", "abc", "ab"};
    const uint8_t ta[] = {SP_KEY_BSN, SP_KEY_BSN, SP_KEY_BSN, SP_KEY_KVK};
    const char *idb[] = {"q1", "q2"}, *vb[] = {"abc", "zz"};
    const uint8_t tb[] = {SP_KEY_BSN, SP_KEY_BSN};
    load(f->s, "a", ida, ta, va, 4);
    load(f->s, "b", idb, tb, vb, 2);
    begin(f, 1);
    struct sp_case_own_change ch[] = {add(SP_KEY_BSN, "ab", 9), add(SP_KEY_BSN, "abc", 9),
                                      add(SP_KEY_BSN, "zz", 8), add(SP_KEY_KVK, "ab", 9)};
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 4), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 1), 0);

    struct seen s;
    records_of(f, SP_KEY_BSN, 9, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.line[0], "a/r1");
    assert_string_equal(s.line[1], "a/r2");
    assert_string_equal(s.line[2], "a/r3");
    assert_string_equal(s.line[3], "b/q1");
    records_of(f, SP_KEY_KVK, 9, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.line[0], "a/r4");
    records_of(f, SP_KEY_BSN, 10, &s); /* no such fingerprint */
    assert_int_equal(s.n, 0);

    /* fn's non-zero return stops the walk and comes back */
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    assert_int_equal(f->c.fp_records(CTX(f), SP_KEY_BSN, 9, seen_record, &s), 42);
    assert_int_equal(s.n, 2);

    /* only the current dataset versions count */
    const char *ida2[] = {"r7"}, *va2[] = {"ab"};
    const uint8_t ta2[] = {SP_KEY_BSN};
    load(f->s, "a", ida2, ta2, va2, 1);
    records_of(f, SP_KEY_BSN, 9, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.line[0], "a/r7");
    assert_string_equal(s.line[1], "b/q1");
}

/* ---- quota ---------------------------------------------------------------- */

static void quota_is(struct fixture *f, uint32_t epoch, const uint8_t *coord, bool add,
                     uint32_t values, uint32_t q_want, uint64_t v_want)
{
    uint32_t q = 99;
    uint64_t v = 99;
    assert_int_equal(f->c.quota(CTX(f), epoch, coord, add, values, &q, &v), 0);
    assert_int_equal(q, q_want);
    assert_int_equal(v, v_want);
}

static void test_quota(void **state)
{
    struct fixture *f = *state;
    uint8_t c1[32], c2[32];
    memset(c1, 0x11, sizeof c1);
    memset(c2, 0x22, sizeof c2);
    begin(f, 3);
    quota_is(f, 3, c1, false, 0, 0, 0);
    quota_is(f, 3, c1, true, 5, 0, 0); /* the totals before the addition */
    quota_is(f, 3, c1, true, 7, 1, 5);
    quota_is(f, 3, c1, false, 100, 2, 12); /* reading adds nothing */
    quota_is(f, 3, c1, false, 0, 2, 12);
    quota_is(f, 3, c2, false, 0, 0, 0); /* per coordinator */
    quota_is(f, 3, c2, true, 1, 0, 0);
    quota_is(f, 4, c1, false, 0, 0, 0); /* per epoch */
    quota_is(f, 4, c1, true, 2, 0, 0);
    reopen(f);
    quota_is(f, 3, c1, false, 0, 2, 12);
    /* a new epoch deletes the counts of the earlier ones */
    begin(f, 4);
    quota_is(f, 3, c1, false, 0, 0, 0);
    quota_is(f, 3, c2, false, 0, 0, 0);
    quota_is(f, 4, c1, false, 0, 1, 2);
    assert_int_equal(db_entries(f->s, "case.quota"), 1);
}

/* ---- the epoch secret ----------------------------------------------------- */

/* Runs a secret_get with stderr captured into out. */
static int get_captured(struct fixture *f, uint32_t epoch, uint8_t secret[32], char *out,
                        size_t cap)
{
    int fds[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
    int rc = f->c.secret_get(CTX(f), epoch, secret);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    return rc;
}

static void test_secret(void **state)
{
    struct fixture *f = *state;
    uint8_t secret[32], got[32], other[32];
    char path[400], dir[300], log[2048];
    struct stat st;
    memset(secret, 0xa5, sizeof secret);
    memset(other, 0x5a, sizeof other);
    snprintf(dir, sizeof dir, "%s/case", f->dir);
    snprintf(path, sizeof path, "%s/epoch-12.key", dir);
    assert_int_equal(f->c.secret_get(CTX(f), 12, got), SP_ERR_NOT_FOUND);
    assert_int_equal(f->c.secret_drop(CTX(f), 12), 0); /* absent: fine */

    assert_int_equal(f->c.secret_put(CTX(f), 12, secret), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(f->c.secret_get(CTX(f), 12, got), 0);
    assert_memory_equal(got, secret, 32);

    /* never replaced: the file keeps the first secret */
    assert_int_equal(f->c.secret_put(CTX(f), 12, other), SP_ERR_EXISTS);
    assert_int_equal(f->c.secret_get(CTX(f), 12, got), 0);
    assert_memory_equal(got, secret, 32);

    /* readable by others: refused, and the log says what to run */
    assert_int_equal(chmod(path, 0644), 0);
    memset(got, 0, sizeof got);
    assert_int_equal(get_captured(f, 12, got, log, sizeof log), SP_ERR_KEYFILE_MODE);
    assert_non_null(strstr(log, path));
    assert_non_null(strstr(log, "chmod 600"));
    assert_int_equal(got[0], 0);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(f->c.secret_get(CTX(f), 12, got), 0);

    /* another epoch's file is another file; a file of another length is
     * refused */
    assert_int_equal(f->c.secret_put(CTX(f), 13, other), 0);
    assert_int_equal(f->c.secret_get(CTX(f), 13, got), 0);
    assert_memory_equal(got, other, 32);
    char p14[400];
    snprintf(p14, sizeof p14, "%s/epoch-14.key", dir);
    int fd = open(p14, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "short", 5), 5);
    close(fd);
    assert_int_equal(get_captured(f, 14, got, log, sizeof log), SP_ERR_KEYFILE_FORMAT);
    assert_non_null(strstr(log, "5 bytes"));

    assert_int_equal(f->c.secret_drop(CTX(f), 12), 0);
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(f->c.secret_get(CTX(f), 12, got), SP_ERR_NOT_FOUND);
    assert_int_equal(f->c.secret_get(CTX(f), 13, got), 0);
    /* the epoch's outputs are not the secret's business, nor the reverse */
    begin(f, 14);
    assert_int_equal(f->c.secret_get(CTX(f), 13, got), 0);
}

/* A directory others may write in is refused before anything is written. */
static void test_secret_dir_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t secret[32] = {1};
    char dir[300], path[400];
    snprintf(dir, sizeof dir, "%s/case", f->dir);
    snprintf(path, sizeof path, "%s/epoch-1.key", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(f->c.secret_put(CTX(f), 1, secret), SP_ERR_KEYFILE_DIR);
    assert_int_equal(access(path, F_OK), -1);
}

/* ---- the kept mask of the epoch's record --------------------------------- */

/* The mask goes in and comes back exactly, also for a kept type without
 * values (IBAN here) and across a reopen; a new epoch clears it. */
static void test_meta_kept(void **state)
{
    struct fixture *f = *state;
    const uint32_t kept = KEPT | SP_KEY_MASK(SP_KEY_IBAN);
    struct sp_case_own_meta m;
    struct sp_case_own_change ch[2] = {add(SP_KEY_BSN, "111", 1), add(SP_KEY_KVK, "333", 3)};
    begin(f, 3);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.kept, 0);
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, 2), 0);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.kept, 0); /* not before the commit */
    assert_int_equal(f->c.own_commit(CTX(f), 1, kept, 4), 0);
    reopen(f);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.kept, kept);
    assert_int_equal(m.values[SP_KEY_IBAN], 0);
    /* a put of the next version keeps the committed mask; its commit
     * records the new one (KVK dropped) */
    struct sp_case_own_change d = del(SP_KEY_KVK, "333");
    assert_int_equal(f->c.own_put(CTX(f), 2, &d, 1), 0);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.kept, kept);
    assert_int_equal(f->c.own_commit(CTX(f), 2, kept & ~SP_KEY_MASK(SP_KEY_KVK), 4), 0);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.kept, kept & ~SP_KEY_MASK(SP_KEY_KVK));
    begin(f, 4);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.kept, 0);
}

/* Replaces case.meta's record by `len` bytes of the layout before the kept
 * mask (store format version 1): epoch 5, version 2, started_at 1005,
 * delta_from 2, n key types, values[t] = vals[t]; and stamps the store's
 * format version (0: leaves it). */
static void put_old_meta(struct fixture *f, uint8_t n, const uint64_t *vals, uint32_t format)
{
    uint8_t b[29 + 8 * 32];
    size_t len = 29 + 8 * (size_t)n;
    memset(b, 0, sizeof b);
    b[3] = 5;
    b[11] = 2;
    b[18] = 1005 >> 8, b[19] = 1005 & 0xff;
    b[27] = 2;
    b[28] = n;
    for (size_t t = 0; t < n; t++)
        for (int i = 0; i < 8; i++)
            b[29 + 8 * t + (size_t)i] = (uint8_t)(vals[t] >> (56 - 8 * i));
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val k = {3, "own"}, v = {len, b};
    assert_int_equal(mdb_txn_begin(sp_store_env(f->s), NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "case.meta", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    if (format) {
        uint8_t fb[4] = {0, 0, 0, (uint8_t)format};
        MDB_val fk = {6, "format"}, fv = {4, fb};
        assert_int_equal(mdb_dbi_open(txn, "sp.meta", 0, &dbi), 0);
        assert_int_equal(mdb_put(txn, dbi, &fk, &fv, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
}

static size_t meta_len(struct fixture *f)
{
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val k = {3, "own"}, v;
    assert_int_equal(mdb_txn_begin(sp_store_env(f->s), NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "case.meta", 0, &dbi), 0);
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    size_t len = v.mv_size;
    mdb_txn_abort(txn);
    return len;
}

/* A record of the old length is read with the mask derived from the types
 * with values (as the engine derived it before the mask was recorded); a
 * record of any other length is malformed. */
static void test_meta_old_length(void **state)
{
    struct fixture *f = *state;
    uint64_t vals[SP_KEY_TYPE_COUNT] = {0};
    vals[SP_KEY_BSN] = 4;
    vals[SP_KEY_IBAN] = 1; /* KVK: 0, so not in the derived mask */
    struct sp_case_own_meta m;
    put_old_meta(f, SP_KEY_TYPE_COUNT, vals, 0);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.epoch, 5);
    assert_int_equal(m.version, 2);
    assert_int_equal(m.started_at, 1005);
    assert_int_equal(m.values[SP_KEY_BSN], 4);
    assert_int_equal(m.values[SP_KEY_IBAN], 1);
    assert_int_equal(m.kept, SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_IBAN));
    /* fewer key types than this build knows: the others at 0 */
    put_old_meta(f, SP_KEY_BSN + 1, vals, 0);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.values[SP_KEY_IBAN], 0);
    assert_int_equal(m.kept, SP_KEY_MASK(SP_KEY_BSN));
    /* the next commit writes the new layout, the mask as given */
    assert_int_equal(f->c.own_commit(CTX(f), 2, KEPT, 4), 0);
    assert_int_equal(meta_len(f), 29 + 8 * SP_KEY_TYPE_COUNT + 4);
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.kept, KEPT);
    /* neither layout's length: malformed */
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    uint8_t b[29 + 8 * SP_KEY_TYPE_COUNT + 2] = {0};
    b[28] = SP_KEY_TYPE_COUNT;
    MDB_val k = {3, "own"}, v = {sizeof b, b};
    assert_int_equal(mdb_txn_begin(sp_store_env(f->s), NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "case.meta", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(f->c.own_meta(CTX(f), &m), SP_ERR_STORE);
}

/* A store of format version 1 is migrated when opened: its record gets the
 * derived mask in the new layout, and the store is stamped 2. */
static void test_meta_migrated(void **state)
{
    struct fixture *f = *state;
    uint64_t vals[SP_KEY_TYPE_COUNT] = {0};
    vals[SP_KEY_KVK] = 9;
    put_old_meta(f, SP_KEY_TYPE_COUNT, vals, 1);
    reopen(f);
    assert_int_equal(SP_STORE_FORMAT_VERSION, 2);
    assert_int_equal(sp_store_format(f->s), 2);
    assert_int_equal(meta_len(f), 29 + 8 * SP_KEY_TYPE_COUNT + 4);
    struct sp_case_own_meta m;
    assert_int_equal(f->c.own_meta(CTX(f), &m), 0);
    assert_int_equal(m.epoch, 5);
    assert_int_equal(m.version, 2);
    assert_int_equal(m.values[SP_KEY_KVK], 9);
    assert_int_equal(m.kept, SP_KEY_MASK(SP_KEY_KVK));
}

/* ---- a store made before the case databases ------------------------------- */

static void test_store_before_case(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1"}, *vals[] = {"123456782"};
    const uint8_t types[] = {SP_KEY_BSN};
    load(f->s, "ds", ids, types, vals, 1);
    /* take the case databases out, as a store of an older build has none */
    static const char *const dbs[] = {"case.own", "case.fp", "case.delta", "case.meta",
                                      "case.quota"};
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    assert_int_equal(mdb_txn_begin(sp_store_env(f->s), NULL, 0, &txn), 0);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(mdb_dbi_open(txn, dbs[i], 0, &dbi), 0);
        assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    sp_store_close(&f->s);
    MDB_env *env = NULL;
    char path[300];
    snprintf(path, sizeof path, "%s/state.mdb", f->dir);
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, SP_STORE_MAX_DBS), 0);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "case.own", 0, &dbi), MDB_NOTFOUND);
    mdb_txn_abort(txn);
    mdb_env_close(env);

    assert_int_equal(sp_store_open(f->dir, UINT64_C(64) << 20, &f->s), 0);
    assert_int_equal(sp_store_format(f->s), SP_STORE_FORMAT_VERSION); /* new databases only */
    struct sp_dataset_info info;
    assert_int_equal(sp_store_dataset_get(f->s, "ds", &info), 0);
    assert_int_equal(info.records, 1);
    struct sp_case_own_meta m;
    assert_int_equal(f->c.own_meta(CTX(f), &m), SP_ERR_NOT_FOUND);
    begin(f, 1);
    struct sp_case_own_change c = add(SP_KEY_BSN, "123456782", 77);
    assert_int_equal(f->c.own_put(CTX(f), 1, &c, 1), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 1), 0);
    struct seen s;
    records_of(f, SP_KEY_BSN, 77, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.line[0], "ds/r1");
}

/* A walk longer than the store's renewal interval (a fresh read snapshot
 * every 4,096 entries, so that a long sync does not pin every page it
 * frees) yields every entry once, in order, while the sync writes behind
 * it; a walk at its end stays at its end. */
static void test_long_walk_renews(void **state)
{
    struct fixture *f = *state;
    enum { N = 10000 };
    static char vals[N][12];
    static struct sp_case_own_change ch[N];
    begin(f, 1);
    for (int i = 0; i < N; i++) {
        snprintf(vals[i], sizeof vals[i], "v%06d", 2 * i + 1); /* odd: room between them */
        ch[i] = add(SP_KEY_BSN, vals[i], fp_of(SP_KEY_BSN, (const uint8_t *)vals[i], 7));
    }
    assert_int_equal(f->c.own_put(CTX(f), 1, ch, N), 0);
    assert_int_equal(f->c.own_commit(CTX(f), 1, KEPT, 64), 0);
    void *walk = NULL;
    struct sp_case_own_entry e;
    assert_int_equal(f->c.own_open(CTX(f), &walk), 0);
    char prev[16] = "";
    int seen = 0;
    uint64_t version = 1;
    while (f->c.own_next(walk, &e) == 0) {
        char cur[16];
        assert_true(e.len < sizeof cur);
        memcpy(cur, e.value, e.len);
        cur[e.len] = '\0';
        assert_true(strcmp(prev, cur) < 0); /* in order, none twice */
        snprintf(prev, sizeof prev, "%s", cur);
        seen++;
        if (seen % 1000 == 0) { /* the sync writes behind the walk: one added, one removed */
            char before[12];
            snprintf(before, sizeof before, "v%06d", 2 * (seen - 500));
            struct sp_case_own_change w[2] = {
                add(SP_KEY_BSN, before, 7),
                del(SP_KEY_BSN, vals[seen - 600]),
            };
            assert_int_equal(f->c.own_put(CTX(f), ++version, w, 2), 0);
            assert_int_equal(f->c.own_commit(CTX(f), version, KEPT, 64), 0);
        }
    }
    assert_int_equal(seen, N); /* what was behind stayed behind */
    assert_int_equal(f->c.own_next(walk, &e), SP_ERR_NOT_FOUND);
    f->c.own_close(walk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_matches_key_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_and_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deltas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_fingerprint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fp_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_dir_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_old_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_before_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_walk_renews, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
