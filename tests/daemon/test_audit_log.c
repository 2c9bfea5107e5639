/*
 * The daemon's audit log on real LMDB files in temporary directories:
 * appending and reading back, the head after a restart, entries staged with
 * the state change they record (committed together, dropped together),
 * append-only storage, a damaged log refused at open, paging for export, and
 * an export verified by audit/'s verifier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "audit/jsonl.h"
#include "audit/verify.h"
#include "crypto/group.h"
#include "crypto/identity.h"
#include "daemon/audit_log.h"
#include "daemon/store.h"

struct fixture {
    char dir[256];
    struct sp_store *s;
    struct sp_identity *id;
    struct sp_audit_log *log;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    if (!f || sp_crypto_init() != 0)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s/sp-audit-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir) || sp_store_open(f->dir, UINT64_C(16) << 20, &f->s) != 0 ||
        sp_identity_generate(&f->id) != 0 ||
        sp_audit_log_open(sp_store_env(f->s), "node-a", f->id, &f->log) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[300];
    sp_audit_log_close(&f->log);
    sp_store_close(&f->s);
    sp_identity_free(&f->id);
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
    sp_audit_log_close(&f->log);
    sp_store_close(&f->s);
    assert_int_equal(sp_store_open(f->dir, UINT64_C(16) << 20, &f->s), 0);
    assert_int_equal(sp_audit_log_open(sp_store_env(f->s), "node-a", f->id, &f->log), 0);
}

static struct sp_audit_entry *dataset_entry(const char *name, uint64_t version)
{
    struct sp_audit_entry *e = NULL;
    uint8_t digest[32];
    memset(digest, (int)version, sizeof digest);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_DATASET_LOAD, &e), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_DATASET, name), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_VERSION, version), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RECORDS, 10 * version), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_KEYS, 20 * version), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_REJECTED_FIELDS, 1), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_STRUCTURAL_ERRORS, 0), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_INPUT_SHA256, digest), 0);
    return e;
}

static void append_n(struct fixture *f, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        struct sp_audit_entry *e = dataset_entry("ds", i + 1);
        assert_int_equal(sp_audit_log_append(f->log, &e, 1700000000 + i), 0);
        assert_null(e);
    }
}

struct walk {
    const uint8_t *pk;
    uint64_t next;
    uint8_t prev[32];
    size_t bytes;
};

/* Checks every record: seq in order, signature, chain. */
static int walk_fn(void *ctx, uint64_t seq, const uint8_t *rec, size_t len)
{
    struct walk *w = ctx;
    struct sp_audit_entry *e = NULL;
    uint8_t hash[32];
    assert_int_equal(seq, w->next);
    assert_int_equal(sp_audit_record_open(rec, len, w->pk, &e, hash), 0);
    assert_int_equal(sp_audit_entry_seq(e), seq);
    assert_memory_equal(sp_audit_entry_prev(e), w->prev, 32);
    memcpy(w->prev, hash, 32);
    w->next++;
    w->bytes += len;
    sp_audit_entry_free(&e);
    return 0;
}

static void test_append_read_reopen(void **state)
{
    struct fixture *f = *state;
    struct sp_identity_public pub;
    sp_identity_public(f->id, &pub);
    assert_false(sp_audit_log_head(f->log, NULL, NULL));
    append_n(f, 5);
    uint64_t seq = 0;
    uint8_t hash[32], hash2[32];
    assert_true(sp_audit_log_head(f->log, &seq, hash));
    assert_int_equal(seq, 4);
    reopen(f);
    assert_true(sp_audit_log_head(f->log, &seq, hash2));
    assert_int_equal(seq, 4);
    assert_memory_equal(hash, hash2, 32);
    append_n(f, 2); /* the chain continues across the restart */
    struct walk w = {.pk = pub.sign_pk};
    assert_int_equal(sp_audit_log_read(f->log, 0, 1000, SIZE_MAX, walk_fn, &w), 0);
    assert_int_equal(w.next, 7);
    assert_int_equal(sp_audit_log_count(f->log), 7);
    assert_true(sp_audit_log_head(f->log, NULL, hash));
    assert_memory_equal(w.prev, hash, 32);
}

static void test_paging(void **state)
{
    struct fixture *f = *state;
    struct sp_identity_public pub;
    sp_identity_public(f->id, &pub);
    append_n(f, 10);
    struct walk w = {.pk = pub.sign_pk};
    /* limit: 3 at a time, resuming where the last page ended */
    for (int page = 0; page < 4; page++)
        assert_int_equal(sp_audit_log_read(f->log, w.next, 3, SIZE_MAX, walk_fn, &w), 0);
    assert_int_equal(w.next, 10);
    /* a byte budget cuts a page short, but never below one record */
    struct walk w2 = {.pk = pub.sign_pk};
    assert_int_equal(sp_audit_log_read(f->log, 0, 1000, 1, walk_fn, &w2), 0);
    assert_int_equal(w2.next, 1);
    size_t one = w2.bytes;
    assert_int_equal(sp_audit_log_read(f->log, 1, 1000, 2 * one + one / 2, walk_fn, &w2), 0);
    assert_int_equal(w2.next, 3);
    /* past the end: nothing */
    struct walk w3 = {.pk = pub.sign_pk, .next = 99};
    assert_int_equal(sp_audit_log_read(f->log, 99, 10, SIZE_MAX, walk_fn, &w3), 0);
    assert_int_equal(w3.next, 99);
}

static void test_staged_with_state_change(void **state)
{
    struct fixture *f = *state;
    struct sp_store_hook hook;
    uint8_t rid[16] = {1, 2, 3}, blob[4] = {9, 9, 9, 9};
    sp_audit_log_hook(f->log, &hook);
    sp_store_set_hook(f->s, &hook);
    append_n(f, 1);

    /* committed together with the round record */
    struct sp_audit_entry *e = dataset_entry("staged", 2);
    assert_int_equal(sp_audit_log_stage(f->log, &e, 1700000100), 0);
    assert_int_equal(sp_audit_log_staged(f->log), 1);
    assert_int_equal(sp_audit_log_count(f->log), 1); /* not yet */
    assert_int_equal(sp_store_round_put(f->s, rid, blob, sizeof blob), 0);
    assert_int_equal(sp_audit_log_staged(f->log), 0);
    assert_int_equal(sp_audit_log_count(f->log), 2);

    /* a change that fails (results committed twice) drops its entry */
    assert_int_equal(sp_store_results_commit(f->s, rid, NULL, 0, NULL, 0, blob, 4), 0);
    assert_int_equal(sp_audit_log_count(f->log), 2); /* nothing staged: nothing written */
    uint8_t before[32], after[32];
    assert_true(sp_audit_log_head(f->log, NULL, before));
    e = dataset_entry("lost", 3);
    assert_int_equal(sp_audit_log_stage(f->log, &e, 1700000200), 0);
    assert_int_equal(sp_store_results_commit(f->s, rid, NULL, 0, NULL, 0, blob, 4), SP_ERR_STATE);
    assert_int_equal(sp_audit_log_staged(f->log), 0);
    assert_int_equal(sp_audit_log_count(f->log), 2);
    assert_true(sp_audit_log_head(f->log, NULL, after));
    assert_memory_equal(before, after, 32);

    /* the seq a dropped entry had is used by the next one */
    append_n(f, 1);
    assert_int_equal(sp_audit_log_count(f->log), 3);
    struct sp_identity_public pub;
    sp_identity_public(f->id, &pub);
    struct walk w = {.pk = pub.sign_pk};
    assert_int_equal(sp_audit_log_read(f->log, 0, 10, SIZE_MAX, walk_fn, &w), 0);
    assert_int_equal(w.next, 3);
    sp_store_set_hook(f->s, NULL);
}

static void test_discard_and_flush(void **state)
{
    struct fixture *f = *state;
    struct sp_audit_entry *e = dataset_entry("a", 1);
    assert_int_equal(sp_audit_log_stage(f->log, &e, 1), 0);
    sp_audit_log_discard(f->log);
    assert_int_equal(sp_audit_log_flush(f->log), 0);
    assert_int_equal(sp_audit_log_count(f->log), 0);
    e = dataset_entry("b", 1);
    assert_int_equal(sp_audit_log_stage(f->log, &e, 2), 0);
    uint8_t v[32];
    memset(v, 7, sizeof v);
    assert_int_equal(sp_audit_log_stage_meta(f->log, SP_AUDIT_META_CONFIG, v, sizeof v), 0);
    assert_int_equal(sp_audit_log_stage_meta(f->log, "head", v, 1), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_audit_log_flush(f->log), 0);
    assert_int_equal(sp_audit_log_count(f->log), 1);
    uint8_t got[SP_AUDIT_META_MAX];
    size_t len = 0;
    assert_int_equal(sp_audit_log_meta_get(f->log, SP_AUDIT_META_CONFIG, got, &len), 0);
    assert_int_equal(len, 32);
    assert_memory_equal(got, v, 32);
    assert_int_equal(sp_audit_log_meta_get(f->log, SP_AUDIT_META_SIGN, got, &len),
                     SP_ERR_NOT_FOUND);
    /* an entry missing a required field cannot be sealed, and leaves no trace */
    struct sp_audit_entry *bad = NULL;
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_DATASET_LOAD, &bad), 0);
    assert_int_not_equal(sp_audit_log_append(f->log, &bad, 3), 0);
    assert_null(bad);
    assert_int_equal(sp_audit_log_count(f->log), 1);
}

/* Raw LMDB surgery on the closed store, for the damage tests. */
static void surgery(struct fixture *f, void (*op)(MDB_txn *txn, MDB_dbi log, MDB_dbi meta))
{
    sp_audit_log_close(&f->log);
    MDB_env *env = sp_store_env(f->s);
    MDB_txn *txn = NULL;
    MDB_dbi log, meta;
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "audit.log", 0, &log), 0);
    assert_int_equal(mdb_dbi_open(txn, "audit.meta", 0, &meta), 0);
    op(txn, log, meta);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

static void drop_last(MDB_txn *txn, MDB_dbi log, MDB_dbi meta)
{
    uint8_t k[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    MDB_val key = {8, k};
    (void)meta;
    assert_int_equal(mdb_del(txn, log, &key, NULL), 0);
}

static void flip_head(MDB_txn *txn, MDB_dbi log, MDB_dbi meta)
{
    MDB_val key = {4, "head"}, val;
    uint8_t buf[40];
    (void)log;
    assert_int_equal(mdb_get(txn, meta, &key, &val), 0);
    memcpy(buf, val.mv_data, sizeof buf);
    buf[20] ^= 1;
    val = (MDB_val){sizeof buf, buf};
    assert_int_equal(mdb_put(txn, meta, &key, &val, 0), 0);
}

static void drop_head(MDB_txn *txn, MDB_dbi log, MDB_dbi meta)
{
    MDB_val key = {4, "head"};
    (void)log;
    assert_int_equal(mdb_del(txn, meta, &key, NULL), 0);
}

static void test_damage_refused(void **state)
{
    struct fixture *f = *state;
    void (*ops[])(MDB_txn *, MDB_dbi, MDB_dbi) = {drop_last, flip_head, drop_head};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        /* a fresh log per case */
        teardown(state);
        assert_int_equal(setup(state), 0);
        f = *state;
        append_n(f, 3);
        surgery(f, ops[i]);
        assert_int_equal(sp_audit_log_open(sp_store_env(f->s), "node-a", f->id, &f->log),
                         SP_ERR_AUDIT);
        assert_null(f->log);
    }
}

static void test_append_only(void **state)
{
    struct fixture *f = *state;
    append_n(f, 3);
    /* LMDB with MDB_APPEND refuses a key that is not past the end */
    MDB_txn *txn = NULL;
    MDB_dbi log;
    uint8_t k[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    MDB_val key = {8, k}, val = {3, "abc"};
    assert_int_equal(mdb_txn_begin(sp_store_env(f->s), NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "audit.log", 0, &log), 0);
    assert_int_equal(mdb_put(txn, log, &key, &val, MDB_APPEND | MDB_NOOVERWRITE), MDB_KEYEXIST);
    mdb_txn_abort(txn);
}

struct export
{
    struct sp_audit_verifier *v;
    char line[SP_AUDIT_LINE_MAX + 1];
};

static int export_fn(void *ctx, uint64_t seq, const uint8_t *rec, size_t len)
{
    struct export *x = ctx;
    size_t n = 0;
    (void)seq;
    assert_int_equal(sp_audit_jsonl_entry(rec, len, x->line, sizeof x->line, &n), 0);
    assert_int_equal(sp_audit_verifier_line(x->v, x->line, n), 0);
    return 0;
}

static void test_export_verifies(void **state)
{
    struct fixture *f = *state;
    struct sp_identity_public pub;
    struct sp_audit_head h;
    struct sp_audit_report rep;
    sp_identity_public(f->id, &pub);
    assert_int_equal(sp_audit_log_head_signed(f->log, &h), SP_ERR_STATE);
    append_n(f, 4);
    assert_int_equal(sp_audit_log_head_signed(f->log, &h), 0);
    assert_string_equal(h.node, "node-a");
    assert_int_equal(h.seq, 3);
    assert_int_equal(sp_audit_head_verify(&h, pub.sign_pk), 0);
    struct export *x = calloc(1, sizeof *x);
    assert_non_null(x);
    assert_int_equal(sp_audit_verifier_new(pub.sign_pk, "node-a", &x->v), 0);
    assert_int_equal(sp_audit_log_read(f->log, 0, 1000, SIZE_MAX, export_fn, x), 0);
    size_t n = 0;
    assert_int_equal(sp_audit_jsonl_head(&h, x->line, sizeof x->line, &n), 0);
    assert_int_equal(sp_audit_verifier_line(x->v, x->line, n), 0);
    assert_int_equal(sp_audit_verifier_finish(x->v, &rep), 0);
    assert_int_equal(rep.entries, 4);
    assert_int_equal(rep.head_seq, 3);
    sp_audit_verifier_free(&x->v);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staged_with_state_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard_and_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_verifies, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
