/*
 * The state store on real LMDB files in temporary directories: atomic
 * dataset version swaps, aborted and interrupted loads, the ordered key
 * index, restart persistence, and results committed with the round state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "common/keytype.h"
#include "daemon/store.h"

struct fixture {
    char dir[256];
    struct sp_store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/sp-store-XXXXXX", tmp ? tmp : "/tmp");
    if (!f || !mkdtemp(f->dir))
        return -1;
    if (sp_store_open(f->dir, UINT64_C(64) << 20, &f->s) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[300];
    sp_store_close(&f->s);
    const char *files[] = {"state.mdb", "state.mdb-lock", "lock"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void reopen(struct fixture *f)
{
    sp_store_close(&f->s);
    assert_int_equal(sp_store_open(f->dir, UINT64_C(64) << 20, &f->s), 0);
}

#define K(t, c, v)                                                                                 \
    {                                                                                              \
        (t), (c), (uint16_t)(sizeof(v) - 1), (v)                                                   \
    }

/* Loads records "r<i>" each with the keys given, and commits. */
static void load_simple(struct sp_store *s, const char *name, const char *const *ids,
                        const struct sp_store_key *keys, const size_t *nkeys, size_t n)
{
    struct sp_store_load *l = NULL;
    assert_int_equal(sp_store_load_begin(s, name, &l), 0);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sp_store_load_put(l, ids[i], keys + at, nkeys[i]), 0);
        at += nkeys[i];
    }
    struct sp_dataset_info info = {.records = n, .keys = at, .key_mask = 0};
    assert_int_equal(sp_store_load_commit(&l, &info, NULL), 0);
    assert_null(l);
}

struct collect {
    size_t n;
    char line[64][160];
};

static int collect_key(void *ctx, const struct sp_keyref *r)
{
    struct collect *c = ctx;
    if (c->n == 64)
        return SP_ERR_OVERFLOW;
    snprintf(c->line[c->n++], sizeof c->line[0], "%u:%.*s:%s:%s:%u", r->type, (int)r->value_len,
             (const char *)r->value, r->dataset, r->record_id, r->klass);
    return 0;
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

static void gc_all(struct sp_store *s)
{
    bool more = true;
    for (int i = 0; more && i < 1000; i++)
        assert_int_equal(sp_store_gc_step(s, 3, &more), 0);
    assert_false(more);
}

static void test_key_order(void **state)
{
    struct fixture *f = *state;
    const char *ids_a[] = {"a2", "a1"};
    struct sp_store_key ka[] = {K(SP_KEY_NAME_DOB, SP_CLASS_B, "abc"),
                                K(SP_KEY_BSN, SP_CLASS_A, "111"),
                                K(SP_KEY_NAME_DOB, SP_CLASS_B, "ab")};
    size_t na[] = {2, 1};
    const char *ids_b[] = {"b1"};
    struct sp_store_key kb[] = {K(SP_KEY_BSN, SP_CLASS_A, "111"), K(SP_KEY_IBAN, SP_CLASS_B, "x")};
    size_t nb[] = {2};
    load_simple(f->s, "zeta", ids_a, ka, na, 2);
    load_simple(f->s, "alpha", ids_b, kb, nb, 1);

    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    const char *want[] = {"1:111:zeta:a2:1", "1:111:alpha:b1:1", "3:ab:zeta:a1:2",
                          "3:abc:zeta:a2:2", "15:x:alpha:b1:2"};
    assert_int_equal(c.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(c.line[i], want[i]);

    memset(&c, 0, sizeof c);
    uint32_t mask = SP_KEY_MASK(SP_KEY_NAME_DOB) | SP_KEY_MASK(SP_KEY_IBAN);
    assert_int_equal(sp_store_keys_foreach(f->s, mask, collect_key, &c), 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.line[0], "3:ab:zeta:a1:2");

    uint64_t d[SP_KEY_TYPE_COUNT];
    assert_int_equal(sp_store_keys_distinct(f->s, SP_KEY_MASK_ALL, d), 0);
    assert_int_equal(d[SP_KEY_BSN], 1);
    assert_int_equal(d[SP_KEY_NAME_DOB], 2);
    assert_int_equal(d[SP_KEY_IBAN], 1);
    assert_int_equal(d[SP_KEY_ANUMMER], 0);
}

static void test_version_swap_and_gc(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1", "r2"};
    struct sp_store_key k1[] = {K(SP_KEY_BSN, SP_CLASS_A, "100"), K(SP_KEY_BSN, SP_CLASS_A, "200")};
    struct sp_store_key k2[] = {K(SP_KEY_BSN, SP_CLASS_A, "300")};
    size_t n1[] = {1, 1}, n2[] = {1};
    struct sp_dataset_info d;

    load_simple(f->s, "ds", ids, k1, n1, 2);
    assert_int_equal(sp_store_dataset_get(f->s, "ds", &d), 0);
    assert_int_equal(d.version, 1);
    assert_int_equal(d.records, 2);
    assert_true(d.loaded_at > 0);

    load_simple(f->s, "ds", ids, k2, n2, 1);
    assert_int_equal(sp_store_dataset_get(f->s, "ds", &d), 0);
    assert_int_equal(d.version, 2);
    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], "1:300:ds:r1:1");

    /* The superseded version's entries stay until garbage collection. */
    assert_int_equal(db_entries(f->s, "sp.keys"), 3);
    gc_all(f->s);
    assert_int_equal(db_entries(f->s, "sp.keys"), 1);
    assert_int_equal(db_entries(f->s, "sp.stage"), 0);
    assert_int_equal(db_entries(f->s, "sp.garbage"), 0);
}

static void test_abort_keeps_previous(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1"};
    struct sp_store_key k1[] = {K(SP_KEY_KVK, SP_CLASS_A, "12345678")};
    size_t n1[] = {1};
    load_simple(f->s, "ds", ids, k1, n1, 1);

    struct sp_store_load *l = NULL;
    struct sp_store_key k2 = K(SP_KEY_KVK, SP_CLASS_A, "87654321");
    assert_int_equal(sp_store_load_begin(f->s, "ds", &l), 0);
    assert_int_equal(sp_store_load_put(l, "x", &k2, 1), 0);
    assert_int_equal(sp_store_load_flush(l), 0);
    /* Staged keys are invisible, and a second load of the name is refused. */
    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 1);
    struct sp_store_load *l2 = NULL;
    assert_int_equal(sp_store_load_begin(f->s, "ds", &l2), SP_ERR_BUSY);
    sp_store_load_abort(&l);
    assert_null(l);

    struct sp_dataset_info d;
    assert_int_equal(sp_store_dataset_get(f->s, "ds", &d), 0);
    assert_int_equal(d.version, 1);
    memset(&c, 0, sizeof c);
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], "8:12345678:ds:r1:1");
    gc_all(f->s);
    assert_int_equal(db_entries(f->s, "sp.keys"), 1);
}

/* A process that dies mid-load: the next open keeps the previous version and
 * turns the staging into garbage. */
static void test_crash_mid_load(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1"};
    struct sp_store_key k1[] = {K(SP_KEY_BSN, SP_CLASS_A, "111")};
    size_t n1[] = {1};
    load_simple(f->s, "ds", ids, k1, n1, 1);
    gc_all(f->s); /* the committed load's staging */
    sp_store_close(&f->s);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sp_store *s = NULL;
        struct sp_store_load *l = NULL;
        struct sp_store_key k2 = K(SP_KEY_BSN, SP_CLASS_A, "222");
        if (sp_store_open(f->dir, UINT64_C(64) << 20, &s) || sp_store_load_begin(s, "ds", &l) ||
            sp_store_load_put(l, "r9", &k2, 1) || sp_store_load_flush(l))
            _exit(1);
        _exit(0); /* no commit, no abort, no close */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    assert_int_equal(sp_store_open(f->dir, UINT64_C(64) << 20, &f->s), 0);
    assert_int_equal(db_entries(f->s, "sp.loads"), 0);
    assert_int_equal(db_entries(f->s, "sp.garbage"), 1);
    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], "1:111:ds:r1:1");
    struct sp_store_load *l = NULL;
    assert_int_equal(sp_store_load_begin(f->s, "ds", &l), 0); /* no longer busy */
    sp_store_load_abort(&l);
    gc_all(f->s);
    assert_int_equal(db_entries(f->s, "sp.keys"), 1);
}

static void test_restart_keeps_data(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1"};
    struct sp_store_key k1[] = {K(SP_KEY_BSN, SP_CLASS_A, "111")};
    size_t n1[] = {1};
    load_simple(f->s, "one", ids, k1, n1, 1);
    load_simple(f->s, "two", ids, k1, n1, 1);
    reopen(f);
    uint32_t n = 0;
    assert_int_equal(sp_store_datasets_count(f->s, &n), 0);
    assert_int_equal(n, 2);
    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.line[0], "1:111:one:r1:1");
    assert_string_equal(c.line[1], "1:111:two:r1:1");
}

static void test_second_open_refused(void **state)
{
    struct fixture *f = *state;
    struct sp_store *other = NULL;
    assert_int_equal(sp_store_open(f->dir, 0, &other), SP_ERR_BUSY);
    assert_null(other);
}

static void test_invalid_input(void **state)
{
    struct fixture *f = *state;
    struct sp_store_load *l = NULL;
    static const struct {
        const char *name;
        int want;
    } names[] = {{"", SP_ERR_INVALID_ARG},
                 {"Upper", SP_ERR_INVALID_ARG},
                 {"-opt", SP_ERR_INVALID_ARG},
                 {"a.b", SP_ERR_INVALID_ARG},
                 {"ok_name-1", 0}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(sp_store_load_begin(f->s, names[i].name, &l), names[i].want);
        sp_store_load_abort(&l);
    }
    char longid[200];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    struct sp_store_key good = K(SP_KEY_BSN, SP_CLASS_A, "1");
    const struct {
        const char *id;
        struct sp_store_key key;
    } bad[] = {
        {"", K(SP_KEY_BSN, SP_CLASS_A, "1")},
        {longid, K(SP_KEY_BSN, SP_CLASS_A, "1")},
        {"r", K(0, SP_CLASS_A, "1")},
        {"r", K(SP_KEY_TYPE_MAX + 1, SP_CLASS_A, "1")},
        {"r", K(SP_KEY_BSN, 4, "1")},
        {"r", K(SP_KEY_BSN, SP_CLASS_A, "")},
        {"r", {SP_KEY_BSN, SP_CLASS_A, 3, "a\0b"}},
    };
    assert_int_equal(sp_store_load_begin(f->s, "ds", &l), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sp_store_load_put(l, bad[i].id, &bad[i].key, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_store_load_put(l, "r", &good, 1), 0);
    assert_int_equal(sp_store_load_records(l), 1);
    sp_store_load_abort(&l);
}

/* Many records: buffers flush on their own, and everything is found. */
static void test_many_records(void **state)
{
    struct fixture *f = *state;
    struct sp_store_load *l = NULL;
    char id[32], val[32];
    const size_t n = 40000;
    assert_int_equal(sp_store_load_begin(f->s, "big", &l), 0);
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "rec-%zu", i);
        int vl = snprintf(val, sizeof val, "%09zu", (i * 7919) % n);
        struct sp_store_key k[2] = {{SP_KEY_BSN, SP_CLASS_A, (uint16_t)vl, val},
                                    {SP_KEY_IBAN, SP_CLASS_B, 4, "same"}};
        assert_int_equal(sp_store_load_put(l, id, k, 2), 0);
    }
    struct sp_dataset_info info = {.records = n, .keys = 2 * n};
    assert_int_equal(sp_store_load_commit(&l, &info, NULL), 0);
    uint64_t d[SP_KEY_TYPE_COUNT];
    assert_int_equal(sp_store_keys_distinct(f->s, SP_KEY_MASK_ALL, d), 0);
    assert_int_equal(d[SP_KEY_BSN], n);
    assert_int_equal(d[SP_KEY_IBAN], 1);
    assert_int_equal(db_entries(f->s, "sp.keys"), 2 * n);
}

static const uint8_t rid1[SP_ROUND_ID_BYTES] = {1, 2, 3};
static const uint8_t rid2[SP_ROUND_ID_BYTES] = {9};

struct rows {
    size_t n;
    uint64_t first;
    char line[16][200];
};

static int collect_row(void *ctx, uint64_t index, const struct sp_result_row *r)
{
    struct rows *c = ctx;
    if (c->n == 0)
        c->first = index;
    if (c->n == 16)
        return SP_ERR_OVERFLOW;
    snprintf(c->line[c->n++], sizeof c->line[0], "%s,%s,%s,%u,%u", r->dataset, r->record_id,
             r->partner, r->key_types, r->klass);
    return 0;
}

static void assert_blob(struct sp_store *s, const uint8_t *rid, const char *want)
{
    void *b = NULL;
    size_t n = 0;
    assert_int_equal(sp_store_round_get(s, rid, &b, &n), 0);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(b, want, n);
    free(b);
}

static void test_results_commit(void **state)
{
    struct fixture *f = *state;
    struct sp_result_row rows[5];
    char ids[5][8];
    for (int i = 0; i < 5; i++) {
        snprintf(ids[i], sizeof ids[i], "r%d", i);
        rows[i] = (struct sp_result_row){"ds", ids[i], "peer-b", SP_KEY_MASK(SP_KEY_BSN), 1};
    }
    struct sp_count_entry counts[2] = {{SP_KEY_BSN, 3, 10}, {SP_KEY_BSN, 1, 7}};
    uint64_t total = 99;

    assert_int_equal(sp_store_round_put(f->s, rid1, "running", 7), 0);
    assert_int_equal(sp_store_results_append(f->s, rid1, rows, 3), 0);
    /* Staged rows are invisible. */
    assert_int_equal(sp_store_results_total(f->s, rid1, &total), 0);
    assert_int_equal(total, 0);
    struct rows c = {0};
    assert_int_equal(sp_store_results_foreach(f->s, rid1, 0, 100, collect_row, &c), 0);
    assert_int_equal(c.n, 0);
    struct sp_count_entry *ce = NULL;
    size_t nce = 0;
    assert_int_equal(sp_store_counts_get(f->s, rid1, &ce, &nce), SP_ERR_NOT_FOUND);

    assert_int_equal(sp_store_results_commit(f->s, rid1, rows + 3, 2, counts, 2, "done", 4), 0);
    assert_blob(f->s, rid1, "done");
    assert_int_equal(sp_store_results_total(f->s, rid1, &total), 0);
    assert_int_equal(total, 5);
    assert_int_equal(sp_store_results_foreach(f->s, rid1, 1, 3, collect_row, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.first, 1);
    assert_string_equal(c.line[0], "ds,r1,peer-b,2,1");
    assert_string_equal(c.line[2], "ds,r3,peer-b,2,1");
    memset(&c, 0, sizeof c);
    assert_int_equal(sp_store_results_foreach(f->s, rid1, 4, 100, collect_row, &c), 0);
    assert_int_equal(c.n, 1);
    memset(&c, 0, sizeof c);
    assert_int_equal(sp_store_results_foreach(f->s, rid1, 5, 100, collect_row, &c), 0);
    assert_int_equal(c.n, 0);

    assert_int_equal(sp_store_counts_get(f->s, rid1, &ce, &nce), 0);
    assert_int_equal(nce, 2);
    assert_int_equal(ce[1].holders, 1);
    assert_int_equal(ce[1].count, 7);
    free(ce);

    /* Committed results are final. */
    assert_int_equal(sp_store_results_append(f->s, rid1, rows, 1), SP_ERR_STATE);
    assert_int_equal(sp_store_results_commit(f->s, rid1, NULL, 0, NULL, 0, "x", 1), SP_ERR_STATE);

    reopen(f);
    assert_int_equal(sp_store_results_total(f->s, rid1, &total), 0);
    assert_int_equal(total, 5);

    assert_int_equal(sp_store_round_delete_results(f->s, rid1), 0);
    assert_int_equal(sp_store_results_total(f->s, rid1, &total), 0);
    assert_int_equal(total, 0);
    assert_int_equal(sp_store_counts_get(f->s, rid1, &ce, &nce), SP_ERR_NOT_FOUND);
    assert_int_equal(db_entries(f->s, "sp.results"), 0);
    assert_blob(f->s, rid1, "done"); /* the round's record outlives its results */
}

/* A commit that fails part-way (a bad row after good ones) leaves neither
 * rows nor the final state. */
static void test_results_commit_atomic(void **state)
{
    struct fixture *f = *state;
    struct sp_result_row rows[2] = {{"ds", "r1", "p", 2, 1}, {"ds", "", "p", 2, 1}};
    uint64_t total = 1;
    assert_int_equal(sp_store_round_put(f->s, rid2, "running", 7), 0);
    assert_int_equal(sp_store_results_commit(f->s, rid2, rows, 2, NULL, 0, "done", 4),
                     SP_ERR_INVALID_ARG);
    assert_blob(f->s, rid2, "running");
    assert_int_equal(sp_store_results_total(f->s, rid2, &total), 0);
    assert_int_equal(total, 0);
    assert_int_equal(db_entries(f->s, "sp.results"), 0);
    /* A failed round: staged rows deleted, the reason kept. */
    assert_int_equal(sp_store_results_append(f->s, rid2, rows, 1), 0);
    assert_int_equal(sp_store_round_delete_results(f->s, rid2), 0);
    assert_int_equal(sp_store_round_put(f->s, rid2, "failed", 6), 0);
    assert_int_equal(db_entries(f->s, "sp.results"), 0);
}

static int count_round(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len)
{
    (void)id;
    (void)blob;
    *(size_t *)ctx += len;
    return 0;
}

static void test_round_blobs(void **state)
{
    struct fixture *f = *state;
    void *b = NULL;
    size_t n = 0;
    assert_int_equal(sp_store_round_get(f->s, rid1, &b, &n), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_store_round_put(f->s, rid1, "aaaa", 4), 0);
    assert_int_equal(sp_store_round_put(f->s, rid2, "bb", 2), 0);
    assert_int_equal(sp_store_round_put(f->s, rid2, "bbb", 3), 0);
    assert_int_equal(sp_store_rounds_foreach(f->s, count_round, &n), 0);
    assert_int_equal(n, 7);
    assert_blob(f->s, rid2, "bbb");
    assert_int_equal(sp_store_round_put(f->s, rid1, "x", SP_STORE_ROUND_BLOB_MAX + 1),
                     SP_ERR_INVALID_ARG);
}

/* Many datasets with interleaved values: the iterator's merge yields exactly
 * the order (type, value, load order, record id), compared against a sort of
 * the same tuples done here. */
struct tuple {
    unsigned type;
    char value[16];
    int load;
    char id[16];
};

static int tuple_cmp(const void *a, const void *b)
{
    const struct tuple *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    int c = strcmp(x->value, y->value);
    if (c)
        return c;
    if (x->load != y->load)
        return x->load < y->load ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void test_merge_order(void **state)
{
    struct fixture *f = *state;
    enum { NDS = 7, NREC = 40 };
    static struct tuple want[NDS * NREC * 2];
    size_t n = 0;
    uint32_t x = 12345;
    for (int d = 0; d < NDS; d++) {
        char name[16];
        struct sp_store_load *l = NULL;
        snprintf(name, sizeof name, "ds%d", (d * 5) % NDS);
        assert_int_equal(sp_store_load_begin(f->s, name, &l), 0);
        for (int r = 0; r < NREC; r++) {
            struct tuple *t = &want[n];
            x = x * 1103515245u + 12345u;
            t[0].type = SP_KEY_NAME_DOB;
            snprintf(t[0].value, sizeof t[0].value, "v%u", (x >> 16) % 50); /* shared values */
            t[1].type = SP_KEY_BSN;
            snprintf(t[1].value, sizeof t[1].value, "%u", (x >> 8) % 1000);
            for (int k = 0; k < 2; k++) {
                t[k].load = d;
                snprintf(t[k].id, sizeof t[k].id, "r%02d", (r * 7) % NREC);
            }
            struct sp_store_key keys[2] = {
                {(uint8_t)t[0].type, SP_CLASS_B, (uint16_t)strlen(t[0].value), t[0].value},
                {(uint8_t)t[1].type, SP_CLASS_A, (uint16_t)strlen(t[1].value), t[1].value}};
            assert_int_equal(sp_store_load_put(l, t[0].id, keys, 2), 0);
            /* Small runs, so that the commit merges many of them. */
            if (r % 9 == 8)
                assert_int_equal(sp_store_load_flush(l), 0);
            n += 2;
        }
        struct sp_dataset_info info = {.records = NREC};
        assert_int_equal(sp_store_load_commit(&l, &info, NULL), 0);
    }
    qsort(want, n, sizeof want[0], tuple_cmp);
    struct sp_store_keys_iter *it = NULL;
    struct sp_keyref ref;
    assert_int_equal(sp_store_keys_iter_new(f->s, SP_KEY_MASK_ALL, &it), 0);
    for (size_t i = 0; i < n; i++) {
        char name[16];
        assert_int_equal(sp_store_keys_iter_next(it, &ref), 0);
        snprintf(name, sizeof name, "ds%d", (want[i].load * 5) % NDS);
        assert_int_equal(ref.type, want[i].type);
        assert_int_equal(ref.value_len, strlen(want[i].value));
        assert_memory_equal(ref.value, want[i].value, ref.value_len);
        assert_string_equal(ref.dataset, name);
        assert_string_equal(ref.record_id, want[i].id);
    }
    assert_int_equal(sp_store_keys_iter_next(it, &ref), SP_ERR_NOT_FOUND);
    sp_store_keys_iter_free(&it);
}

/* A file with no usable record is a valid (empty) version that replaces the
 * previous one. */
static void test_empty_load(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1"};
    struct sp_store_key k1[] = {K(SP_KEY_BSN, SP_CLASS_A, "111")};
    size_t n1[] = {1};
    load_simple(f->s, "ds", ids, k1, n1, 1);
    load_simple(f->s, "ds", NULL, NULL, NULL, 0);
    struct sp_dataset_info d;
    assert_int_equal(sp_store_dataset_get(f->s, "ds", &d), 0);
    assert_int_equal(d.version, 2);
    assert_int_equal(d.records, 0);
    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 0);
    gc_all(f->s);
    assert_int_equal(db_entries(f->s, "sp.keys"), 0);
}

/* A record id that occurs twice: the same key is stored once, different keys
 * both. */
static void test_duplicate_ids(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"dup", "dup", "dup"};
    struct sp_store_key k[] = {K(SP_KEY_BSN, SP_CLASS_A, "111"), K(SP_KEY_BSN, SP_CLASS_A, "111"),
                               K(SP_KEY_BSN, SP_CLASS_A, "222")};
    size_t nk[] = {1, 1, 1};
    load_simple(f->s, "ds", ids, k, nk, 3);
    struct collect c = {0};
    assert_int_equal(sp_store_keys_foreach(f->s, SP_KEY_MASK_ALL, collect_key, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.line[0], "1:111:ds:dup:1");
    assert_string_equal(c.line[1], "1:222:ds:dup:1");
}

/* ---- the store format version ---- */

/* Writes sp.meta "format" (version 0: deletes it) through the environment,
 * as a store of another build would have it. */
static void put_format(struct sp_store *s, uint32_t version)
{
    MDB_txn *txn = NULL;
    MDB_dbi meta;
    uint8_t b[4] = {(uint8_t)(version >> 24), (uint8_t)(version >> 16), (uint8_t)(version >> 8),
                    (uint8_t)version};
    MDB_val k = {6, "format"}, v = {4, b};
    assert_int_equal(mdb_txn_begin(sp_store_env(s), NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "sp.meta", 0, &meta), 0);
    if (version)
        assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
    else
        assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

static uint32_t get_format(struct sp_store *s)
{
    MDB_txn *txn = NULL;
    MDB_dbi meta;
    MDB_val k = {6, "format"}, v;
    uint32_t version = 0;
    assert_int_equal(mdb_txn_begin(sp_store_env(s), NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "sp.meta", 0, &meta), 0);
    if (mdb_get(txn, meta, &k, &v) == 0) {
        assert_int_equal(v.mv_size, 4);
        const uint8_t *p = v.mv_data;
        version = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
    mdb_txn_abort(txn);
    return version;
}

/* A new store is stamped with this build's version (no migration). */
static void test_format_new(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(SP_STORE_FORMAT_VERSION, 2);
    assert_int_equal(sp_store_format(f->s), SP_STORE_FORMAT_VERSION);
    assert_int_equal(get_format(f->s), SP_STORE_FORMAT_VERSION);
}

/* A store with data written before versions were recorded is version 1:
 * stamped so at the next open and migrated to this version (1 -> 2 touches
 * only case.meta, which it has none of: test_store_case), its data
 * intact. */
static void test_format_unversioned(void **state)
{
    struct fixture *f = *state;
    const char *ids[] = {"r1"};
    const struct sp_store_key keys[] = {K(SP_KEY_BSN, SP_CLASS_A, "123456782")};
    const size_t nk[] = {1};
    load_simple(f->s, "ds", ids, keys, nk, 1);
    put_format(f->s, 0);
    assert_int_equal(get_format(f->s), 0);
    reopen(f);
    assert_int_equal(get_format(f->s), SP_STORE_FORMAT_VERSION);
    assert_int_equal(sp_store_format(f->s), SP_STORE_FORMAT_VERSION);
    struct sp_dataset_info info;
    assert_int_equal(sp_store_dataset_get(f->s, "ds", &info), 0);
    assert_int_equal(info.records, 1);
}

/* A newer store is refused, and left as it was; so is an older version
 * this build has no migration for (0 is never written: an absent record). */
static void test_format_refused(void **state)
{
    struct fixture *f = *state;
    static const uint32_t refused[] = {SP_STORE_FORMAT_VERSION + 1, 0x7fffffffu};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        put_format(f->s, refused[i]);
        sp_store_close(&f->s);
        assert_int_equal(sp_store_open(f->dir, UINT64_C(64) << 20, &f->s), SP_ERR_UNSUPPORTED);
        assert_null(f->s);
        /* the lock was released: a build of that version could open it; the
         * stored version is untouched (read it as that build would) */
        MDB_env *env = NULL;
        char path[300];
        snprintf(path, sizeof path, "%s/state.mdb", f->dir);
        assert_int_equal(mdb_env_create(&env), 0);
        assert_int_equal(mdb_env_set_maxdbs(env, SP_STORE_MAX_DBS), 0);
        assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
        MDB_txn *txn = NULL;
        MDB_dbi meta;
        MDB_val k = {6, "format"}, v;
        assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
        assert_int_equal(mdb_dbi_open(txn, "sp.meta", 0, &meta), 0);
        assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
        assert_int_equal(((const uint8_t *)v.mv_data)[3], (uint8_t)refused[i]);
        /* back to this build's version for the next case */
        uint8_t b[4] = {0, 0, 0, SP_STORE_FORMAT_VERSION};
        MDB_val nv = {4, b};
        assert_int_equal(mdb_put(txn, meta, &k, &nv, 0), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        mdb_env_close(env);
        assert_int_equal(sp_store_open(f->dir, UINT64_C(64) << 20, &f->s), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_swap_and_gc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_previous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_mid_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_open_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_commit_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_blobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_unversioned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
