/*
 * The own epoch of an answering node (round/case_epoch.c) in an engine over
 * the simulator's in-memory store (tests/sim: sim_store, sim_store_port),
 * jobs run on the test's thread in submission order: the set-up, syncs
 * after data changes, rotation, restart (a kept key type without values
 * lendable and answered at once), borrowed keys, status; every output
 * checked against X25519(derived key, H_case(value)) computed here with
 * crypto/oprf.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/keytype.h"
#include "crypto/group.h"
#include "crypto/oprf.h"
#include "proto/peer.h"
#include "proto/proposal.h"
#include "round/core.h"
#include "round/engine.h"
#include "sim_data.h"
#include "sim_store.h"

#define T_A     SP_KEY_BSN
#define T_B     SP_KEY_KVK
#define T_C     SP_KEY_IBAN     /* in the data, not in the mask */
#define T_E     SP_KEY_KENTEKEN /* in no data; in the mask of one test */
#define MASK    (SP_KEY_MASK(T_A) | SP_KEY_MASK(T_B))
#define MAXKEYS 12000
#define DAY_MS  UINT64_C(86400000)

struct fx {
    struct sim_store store;
    struct sim_node_data data;
    struct sim_key *keys;
    struct sp_engine_config cfg;
    struct sp_engine_ports ports;
    struct sp_engine *e;
    struct sp_job *head, *tail; /* jobs submitted, not yet run */
    struct sp_engine_now now;
    unsigned hash_jobs, walk_jobs, errors, lines;
    bool leaked; /* a log line named a value */
    /* the last CASE_ANSWER or REFUSE sent (send_keep), as sent */
    uint8_t *reply;
    size_t reply_len;
};

/* ---- ports ---------------------------------------------------------------- */

static void submit(void *ctx, struct sp_job *job)
{
    struct fx *f = ctx;
    job->next = NULL;
    if (f->tail)
        f->tail->next = job;
    else
        f->head = job;
    f->tail = job;
}

static void log_line(void *ctx, int level, const char *line)
{
    struct fx *f = ctx;
    f->lines++;
    f->errors += level == SP_ENGINE_LOG_ERROR;
    if (strstr(line, SIM_VALUE_MARK))
        f->leaked = true;
}

static int send_none(void *ctx, size_t peer, const void *reply_to, const uint8_t *b, size_t n)
{
    (void)ctx, (void)peer, (void)reply_to, (void)b, (void)n;
    return 0;
}

/* Keeps the last CASE_ANSWER or REFUSE (a question's outcome). */
static int send_keep(void *ctx, size_t peer, const void *reply_to, const uint8_t *b, size_t n)
{
    struct fx *f = ctx;
    struct sp_peer_msg m;
    (void)peer, (void)reply_to;
    if (sp_peer_decode(b, n, &m) != 0)
        return 0;
    if (m.type == SP_PEER_CASE_ANSWER || m.type == SP_PEER_REFUSE) {
        free(f->reply);
        f->reply = malloc(n);
        assert_non_null(f->reply);
        memcpy(f->reply, b, n);
        f->reply_len = n;
    }
    sp_peer_msg_clear(&m);
    return 0;
}

/* ---- data ----------------------------------------------------------------- */

/* A value with the simulator's mark (so a log line naming it is caught). */
static void key_set(struct sim_key *k, uint8_t type, const char *value, const char *rec)
{
    memset(k, 0, sizeof(*k));
    k->type = type;
    k->klass = 1;
    k->len = (uint8_t)snprintf((char *)k->value, SIM_VALUE_MAX, "%s%s", SIM_VALUE_MARK, value);
    k->version = 1;
    snprintf(k->dataset, sizeof(k->dataset), "d");
    snprintf(k->record_id, sizeof(k->record_id), "%s", rec);
}

static void add_key(struct fx *f, uint8_t type, const char *value, const char *rec)
{
    assert_true(f->data.nkeys < MAXKEYS);
    key_set(&f->keys[f->data.nkeys++], type, value, rec);
    sim_data_sort(&f->data);
}

/* Deletes the record's keys (a dataset version without it). */
static void drop_record(struct fx *f, const char *rec)
{
    size_t k = 0;
    for (size_t i = 0; i < f->data.nkeys; i++)
        if (strcmp(f->keys[i].record_id, rec) != 0)
            f->keys[k++] = f->keys[i];
    f->data.nkeys = k;
}

/* A small dataset: prefixes, bytes above 0x7f, a value held by two
 * records, a type outside the mask. */
static void small_data(struct fx *f)
{
    static const char *const a[] = {"111", "1110", "11", "2\xc3\xa9", "2e", "300", "31"};
    char rec[16];
    for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
        snprintf(rec, sizeof(rec), "r%zu", i);
        add_key(f, T_A, a[i], rec);
        add_key(f, T_C, a[i], rec);
    }
    add_key(f, T_A, "300", "r9"); /* the same value, another record */
    add_key(f, T_B, "k1", "r1");
    add_key(f, T_B, "k2", "r2");
    add_key(f, T_B, "k2", "r3");
}

/* n values of type T_A and n / 2 of T_B: more than one walk chunk. */
static void big_data(struct fx *f, unsigned n)
{
    char v[24], rec[16];
    for (unsigned i = 0; i < n; i++) {
        snprintf(v, sizeof(v), "a%07u", i * 7919u % 1000003u);
        snprintf(rec, sizeof(rec), "p%u", i);
        key_set(&f->keys[f->data.nkeys++], T_A, v, rec);
        if (i % 2 == 0) {
            snprintf(v, sizeof(v), "b%u", i);
            key_set(&f->keys[f->data.nkeys++], T_B, v, rec);
        }
    }
    sim_data_sort(&f->data);
}

/* ---- the engine ------------------------------------------------------------ */

static void fx_init(struct fx *f, unsigned workers)
{
    memset(f, 0, sizeof(*f));
    f->keys = calloc(MAXKEYS, sizeof(*f->keys));
    assert_non_null(f->keys);
    f->data.keys = f->keys;
    sim_store_init(&f->store, &f->data);
    f->cfg = (struct sp_engine_config){
        .node = "a", .workers = workers, .case_key_mask = MASK, .round_deadline_s = 60};
    f->ports =
        (struct sp_engine_ports){.ctx = f, .send = send_none, .submit = submit, .log = log_line};
    sim_store_port(&f->store, &f->ports.store);
    f->now = (struct sp_engine_now){.mono_ms = 1000, .wall_ms = UINT64_C(1796000000000)};
}

static void fx_start(struct fx *f)
{
    assert_int_equal(sp_engine_new(&f->cfg, &f->ports, f->now, &f->e), 0);
}

/* Frees the engine and the jobs it still has out (as a driver that
 * stopped its workers: they are the engine's to free). */
static void fx_stop(struct fx *f)
{
    sp_engine_free(&f->e);
    f->head = f->tail = NULL;
}

static void fx_free(struct fx *f)
{
    fx_stop(f);
    sim_store_free(&f->store);
    free(f->keys);
    free(f->reply);
}

/* Runs one queued job and hands it back; false when none is queued. */
static bool run_one(struct fx *f)
{
    struct sp_job *j = f->head;
    if (!j)
        return false;
    f->head = j->next;
    if (!f->head)
        f->tail = NULL;
    int kind = ((struct sp_eng_job *)j)->kind;
    f->hash_jobs += kind == SP_ENG_JOB_OWN_HASH;
    f->walk_jobs += kind == SP_ENG_JOB_OWN_WALK;
    if (!atomic_load(&j->cancelled)) {
        j->run(j);
        j->ran = true;
    }
    sp_engine_job_done(f->e, j, f->now);
    return true;
}

/* Ticks and runs jobs until the engine wants nothing now. */
static void settle(struct fx *f)
{
    for (int i = 0; i < 100000; i++) {
        if (run_one(f))
            continue;
        if (sp_engine_next_tick_ms(f->e, f->now) != 0)
            return;
        sp_engine_tick(f->e, f->now);
    }
    fail_msg("the engine does not settle");
}

static void advance(struct fx *f, uint64_t ms)
{
    f->now.mono_ms += ms;
    f->now.wall_ms += ms;
    sp_engine_tick(f->e, f->now);
    settle(f);
}

static void data_changed(struct fx *f)
{
    sp_engine_datasets_changed(f->e, f->now);
    settle(f);
}

/* ---- what the outputs must be --------------------------------------------- */

struct out {
    uint8_t type;
    uint16_t len;
    uint8_t value[SIM_VALUE_MAX];
    uint64_t fp;
};

static uint64_t prf_fp(const uint8_t secret[32], uint32_t epoch, uint8_t type, const uint8_t *v,
                       uint16_t len)
{
    struct sp_oprf_secret *s = NULL;
    struct sp_round_key *k = NULL;
    uint8_t h[SP_GROUP_ELEMENT_BYTES];
    uint32_t offs[2] = {0, len};
    assert_int_equal(sp_oprf_secret_from_bytes(&s, secret), 0);
    assert_int_equal(sp_oprf_key_derive(s, epoch, type, &k), 0);
    assert_int_equal(sp_oprf_hash_many(h, type, v, offs, 1), 0);
    assert_int_equal(sp_blind_batch(k, h, 1, NULL), 0); /* X25519(k, H_case(v)) */
    sp_round_key_free(&k);
    sp_oprf_secret_free(&s);
    return sp_oprf_fingerprint(type, h);
}

/* The distinct values of the mask's types, with their outputs under the
 * store's current epoch. */
static size_t expected(struct fx *f, struct out *o)
{
    uint8_t secret[32];
    uint32_t epoch = f->store.cases.meta.epoch;
    size_t n = 0;
    assert_int_equal(sim_case_secret_get(&f->store, epoch, secret), 0);
    for (size_t i = 0; i < f->data.nkeys; i++) {
        const struct sim_key *k = &f->keys[i];
        if (!(MASK & SP_KEY_MASK(k->type)) ||
            (i > 0 && k->type == f->keys[i - 1].type && k->len == f->keys[i - 1].len &&
             memcmp(k->value, f->keys[i - 1].value, k->len) == 0))
            continue;
        o[n] = (struct out){.type = k->type, .len = k->len};
        memcpy(o[n].value, k->value, k->len);
        o[n].fp = prf_fp(secret, epoch, k->type, k->value, k->len);
        n++;
    }
    return n;
}

/* The store's outputs, in its walk's order. */
static size_t stored(struct fx *f, struct out *o, size_t cap)
{
    void *w = NULL;
    struct sp_case_own_entry e;
    size_t n = 0;
    assert_int_equal(sim_case_own_open(&f->store, &w), 0);
    while (sim_case_own_next(w, &e) == 0) {
        assert_true(n < cap);
        assert_true(e.len <= SIM_VALUE_MAX);
        o[n] = (struct out){.type = e.key_type, .len = e.len, .fp = e.fp};
        memcpy(o[n].value, e.value, e.len);
        n++;
    }
    sim_case_own_close(w);
    return n;
}

/* The outputs are exactly the direct computation; returns how many. */
static size_t check_outputs(struct fx *f)
{
    struct out *want = calloc(MAXKEYS, sizeof(*want)), *got = calloc(MAXKEYS, sizeof(*got));
    assert_true(want && got);
    size_t nw = expected(f, want), ng = stored(f, got, MAXKEYS);
    assert_int_equal(ng, nw);
    for (size_t i = 0; i < nw; i++) {
        assert_int_equal(got[i].type, want[i].type);
        assert_int_equal(got[i].len, want[i].len);
        assert_memory_equal(got[i].value, want[i].value, want[i].len);
        assert_true(got[i].fp == want[i].fp);
    }
    free(want);
    free(got);
    return nw;
}

static uint64_t fp_of(struct fx *f, uint8_t type, const char *value)
{
    struct sim_key k;
    uint8_t secret[32];
    uint32_t epoch = f->store.cases.meta.epoch;
    key_set(&k, type, value, "x");
    assert_int_equal(sim_case_secret_get(&f->store, epoch, secret), 0);
    return prf_fp(secret, epoch, type, k.value, k.len);
}

static bool has_fp(const uint64_t *fp, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (fp[i] == x)
            return true;
    return false;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_setup(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1);
    small_data(&f);
    fx_start(&f);
    assert_false(sp_eng_case_own_ready(f.e, NULL, NULL)); /* the set-up waits for a tick */
    settle(&f);
    uint32_t epoch = 0;
    uint64_t version = 0;
    assert_true(sp_eng_case_own_ready(f.e, &epoch, &version));
    assert_int_equal(epoch, 1);
    assert_int_equal(version, 1);
    assert_int_equal(f.store.cases.meta.version, 1);
    assert_int_equal(check_outputs(&f), 9); /* 6 distinct of T_A (300 twice), 2 of T_B */
    struct sp_ctl_case_own st;
    sp_eng_case_own_status(f.e, &st);
    assert_int_equal(st.epoch, 1);
    assert_int_equal(st.version, 1);
    assert_true(st.ready);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.started_at, f.now.wall_ms / 1000);
    assert_int_equal(st.values[T_A], 7);
    assert_int_equal(st.values[T_B], 2);
    assert_int_equal(st.values[T_C], 0);
    /* the set-up records no delta */
    uint64_t *ad = NULL, *rm = NULL;
    size_t na = 0, nr = 0;
    assert_int_equal(sim_case_delta_read(&f.store, 1, T_A, &ad, &na, &rm, &nr), SP_ERR_NOT_FOUND);
    assert_int_equal(f.errors, 0);
    assert_false(f.leaked);
    fx_free(&f);
}

static void test_sync(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1);
    small_data(&f);
    fx_start(&f);
    settle(&f);
    uint64_t fp_300 = fp_of(&f, T_A, "300"), fp_k1 = fp_of(&f, T_B, "k1");
    uint64_t fp_111 = fp_of(&f, T_A, "111");
    /* r5 goes (its 300 is kept by r9), r1 goes (111 and k1 removed), a new
     * record brings 4 and k1 again under another type's neighbour */
    drop_record(&f, "r5");
    drop_record(&f, "r0");
    drop_record(&f, "r1");
    add_key(&f, T_A, "4", "r10");
    add_key(&f, T_A, "11\x01", "r10");
    add_key(&f, T_B, "k3", "r10");
    add_key(&f, T_C, "zz", "r10");
    uint64_t commits = f.store.cases.commits;
    data_changed(&f);
    assert_int_equal(f.store.cases.commits, commits + 1);
    assert_int_equal(f.store.cases.meta.version, 2);
    check_outputs(&f);
    uint64_t *ad = NULL, *rm = NULL;
    size_t na = 0, nr = 0;
    assert_int_equal(sim_case_delta_read(&f.store, 2, T_A, &ad, &na, &rm, &nr), 0);
    assert_int_equal(na, 2);
    assert_true(has_fp(ad, na, fp_of(&f, T_A, "4")));
    assert_true(has_fp(ad, na, fp_of(&f, T_A, "11\x01")));
    assert_int_equal(nr, 2); /* 111 (r0) and 1110 (r1) */
    assert_true(has_fp(rm, nr, fp_111));
    assert_true(has_fp(rm, nr, fp_of(&f, T_A, "1110")));
    assert_false(has_fp(rm, nr, fp_300)); /* kept by r9 */
    free(ad);
    free(rm);
    assert_int_equal(sim_case_delta_read(&f.store, 2, T_B, &ad, &na, &rm, &nr), 0);
    assert_int_equal(na, 1);
    assert_true(ad[0] == fp_of(&f, T_B, "k3"));
    assert_int_equal(nr, 1);
    assert_true(rm[0] == fp_k1);
    free(ad);
    free(rm);
    /* nothing changed: no new version */
    unsigned hashes = f.hash_jobs;
    data_changed(&f);
    advance(&f, 1000);
    assert_int_equal(f.store.cases.commits, commits + 1);
    assert_int_equal(f.store.cases.meta.version, 2);
    assert_int_equal(f.hash_jobs, hashes);
    /* changes while a sync runs: one more sync after it */
    add_key(&f, T_A, "5", "r11");
    sp_engine_datasets_changed(f.e, f.now);
    sp_engine_tick(f.e, f.now); /* the sync begins: its walk job is queued */
    assert_non_null(f.head);
    add_key(&f, T_A, "6", "r12"); /* (an LMDB walk would not see it; this one may) */
    sp_engine_datasets_changed(f.e, f.now);
    settle(&f);
    check_outputs(&f);
    assert_true(f.store.cases.meta.version >= 3);
    struct sp_ctl_case_own st;
    sp_eng_case_own_status(f.e, &st);
    assert_true(st.ready);
    assert_int_equal(st.values[T_A], 9); /* 11 2é 2e 300 31, 4 11\x01, 5 6 */
    assert_int_equal(st.values[T_B], 2);
    assert_int_equal(f.errors, 0);
    assert_false(f.leaked);
    fx_free(&f);
}

/* More values than one chunk, two workers' worth of hash jobs at once. */
static void test_chunks(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 2);
    big_data(&f, 5000);
    fx_start(&f);
    settle(&f);
    assert_int_equal(f.store.cases.meta.version, 1);
    assert_int_equal(check_outputs(&f), 7500);
    assert_true(f.hash_jobs >= 4); /* 5000 T_A in 3 chunks, 2500 T_B in 2 */
    /* remove every third T_A record, add some */
    size_t k = 0;
    for (size_t i = 0; i < f.data.nkeys; i++)
        if (!(f.keys[i].type == T_A && f.keys[i].value[3] % 3 == 0))
            f.keys[k++] = f.keys[i];
    f.data.nkeys = k;
    for (unsigned i = 0; i < 3000; i++) {
        char v[16];
        snprintf(v, sizeof(v), "n%u", i);
        key_set(&f.keys[f.data.nkeys++], T_B, v, "q");
    }
    sim_data_sort(&f.data);
    data_changed(&f);
    assert_int_equal(f.store.cases.meta.version, 2);
    check_outputs(&f);
    assert_int_equal(f.errors, 0);
    fx_free(&f);
}

static void test_rotation(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1);
    small_data(&f);
    f.cfg.case_epoch_days = 7;
    fx_start(&f);
    settle(&f);
    struct out *old = calloc(64, sizeof(*old)), *now = calloc(64, sizeof(*now));
    assert_true(old && now);
    size_t n = stored(&f, old, 64);
    uint8_t s1[32], s2[32];
    assert_int_equal(sim_case_secret_get(&f.store, 1, s1), 0);
    advance(&f, 6 * DAY_MS); /* not yet */
    assert_int_equal(f.store.cases.meta.epoch, 1);
    advance(&f, DAY_MS); /* 7 days: a new epoch */
    assert_int_equal(f.store.cases.meta.epoch, 2);
    assert_int_equal(f.store.cases.meta.version, 1);
    assert_int_equal(sim_case_secret_get(&f.store, 2, s2), 0);
    assert_memory_not_equal(s1, s2, 32);
    assert_int_equal(sim_case_secret_get(&f.store, 1, s1), SP_ERR_NOT_FOUND); /* dropped */
    assert_int_equal(check_outputs(&f), n);
    assert_int_equal(stored(&f, now, 64), n);
    for (size_t i = 0; i < n; i++)
        assert_true(now[i].fp != old[i].fp); /* every output recomputed */
    struct sp_ctl_case_own st;
    sp_eng_case_own_status(f.e, &st);
    assert_int_equal(st.epoch, 2);
    assert_int_equal(st.started_at, f.now.wall_ms / 1000);
    free(old);
    free(now);
    assert_int_equal(f.errors, 0);
    fx_free(&f);
}

/* Blinds a fixed element with a key: equal results mean equal keys. */
static void key_print(const struct sp_round_key *k, uint8_t out[32])
{
    uint32_t offs[2] = {0, 3};
    assert_int_equal(sp_oprf_hash_many(out, T_A, (const uint8_t *)"abc", offs, 1), 0);
    assert_int_equal(sp_blind_batch(k, out, 1, NULL), 0);
}

static void test_restart(void **state)
{
    (void)state;
    struct fx f;
    uint8_t before[32], after[32];
    fx_init(&f, 1);
    small_data(&f);
    fx_start(&f);
    settle(&f);
    const struct sp_round_key *k = sp_eng_case_own_borrow(f.e, T_B);
    assert_non_null(k);
    key_print(k, before);
    sp_eng_case_own_return(f.e);
    uint64_t puts = f.store.cases.puts, commits = f.store.cases.commits;
    fx_stop(&f);
    f.hash_jobs = 0;
    f.now.mono_ms = 500; /* a new process: its own monotonic clock */
    f.now.wall_ms += 3600 * 1000;
    fx_start(&f);
    uint32_t epoch = 0;
    uint64_t version = 0;
    assert_true(sp_eng_case_own_ready(f.e, &epoch, &version)); /* at once */
    assert_int_equal(epoch, 1);
    assert_int_equal(version, 1);
    k = sp_eng_case_own_borrow(f.e, T_B);
    assert_non_null(k);
    key_print(k, after);
    sp_eng_case_own_return(f.e);
    assert_memory_equal(before, after, 32);
    settle(&f); /* the start-up sync finds nothing to do */
    assert_int_equal(f.hash_jobs, 0);
    assert_int_equal(f.store.cases.puts, puts);
    assert_int_equal(f.store.cases.commits, commits);
    assert_int_equal(f.store.cases.begins, 1);
    check_outputs(&f);
    assert_int_equal(f.errors, 0);
    fx_free(&f);
}

/* Peer "b" asks this node ("a") about one value of key_type: an unsigned
 * proposal of mode case (no gov port: the engine's own rules judge it) and
 * the value hashed to the group, unblinded (r = 1: the test reads the
 * answer directly). q receives the element asked. */
static void ask(struct fx *f, uint8_t key_type, const char *value,
                uint8_t q[SP_GROUP_ELEMENT_BYTES])
{
    struct sp_proposal pr;
    uint8_t prop[SP_PROPOSAL_MAX_BYTES];
    size_t plen = 0;
    uint32_t offs[2] = {0, (uint32_t)strlen(value)};
    memset(&pr, 0, sizeof(pr));
    for (size_t i = 0; i < sizeof(pr.round_id); i++)
        pr.round_id[i] = (uint8_t)(0xa0 + i);
    snprintf(pr.coordinator, sizeof(pr.coordinator), "test-coordinator");
    snprintf(pr.case_ref, sizeof(pr.case_ref), "TEST-CASE-1");
    snprintf(pr.purpose, sizeof(pr.purpose), "a case question after a restart");
    pr.nparticipants = 2;
    snprintf(pr.participants[0].name, sizeof(pr.participants[0].name), "b");
    snprintf(pr.participants[1].name, sizeof(pr.participants[1].name), "a");
    for (int i = 0; i < 2; i++) {
        snprintf(pr.participants[i].legal_basis, sizeof(pr.participants[i].legal_basis), "test");
        pr.participants[i].key_types = SP_KEY_MASK(key_type);
    }
    pr.min_holders = 1;
    pr.mode = SP_PROPOSAL_MODE_CASE;
    pr.counter = 0; /* the asker */
    pr.max_set_size = 1000;
    pr.created_at = f->now.wall_ms / 1000;
    pr.expires_at = pr.created_at + 3600;
    pr.deadline_s = 30;
    pr.retention_days = 30;
    pr.case_sizes[key_type] = 1;
    assert_int_equal(sp_proposal_encode(&pr, prop, sizeof(prop), &plen), 0);
    assert_int_equal(sp_oprf_hash_many(q, key_type, (const uint8_t *)value, offs, 1), 0);
    struct sp_peer_msg m;
    memset(&m, 0, sizeof(m));
    m.type = SP_PEER_CASE_ASK;
    memcpy(m.round_id, pr.round_id, sizeof(m.round_id));
    m.case_ask.propose.proposal = prop;
    m.case_ask.propose.proposal_len = plen;
    m.case_ask.ngroups = 1;
    m.case_ask.groups[0] =
        (struct sp_peer_case_group){.key_type = key_type, .elements = q, .nelements = 1};
    uint8_t *b = NULL;
    size_t n = 0;
    assert_int_equal(sp_peer_encode_alloc(&m, &b, &n), 0);
    sp_engine_on_peer(f->e, 0, NULL, b, n, f->now);
    free(b);
}

/* Finding 5 at its root (tests/sim/README.md): a key type kept without
 * values is recorded as kept with the committed version, so after a restart
 * its key is lendable at once -- before the start-up sync runs -- and a
 * question about it is answered (its filter is empty: zero matches at the
 * asker), not refused as busy. */
static void test_restart_kept_without_values(void **state)
{
    (void)state;
    struct fx f;
    static const char *const peers[] = {"b"};
    fx_init(&f, 1);
    small_data(&f);
    f.cfg.case_key_mask = MASK | SP_KEY_MASK(T_E);
    f.cfg.peers = peers;
    f.cfg.npeers = 1;
    f.cfg.case_askers = peers;
    f.cfg.ncase_askers = 1;
    f.ports.send = send_keep;
    fx_start(&f);
    settle(&f);
    assert_int_equal(f.store.cases.meta.version, 1);
    assert_int_equal(f.store.cases.meta.values[T_E], 0);
    assert_int_equal(f.store.cases.meta.kept, MASK | SP_KEY_MASK(T_E));
    assert_true(sp_eng_case_own_lendable(f.e, T_E));
    uint64_t commits = f.store.cases.commits;
    fx_stop(&f);
    f.hash_jobs = f.walk_jobs = 0;
    f.now.mono_ms = 500; /* a new process */
    f.now.wall_ms += 60 * 1000;
    fx_start(&f);
    /* no tick yet: the start-up sync has not begun */
    assert_true(sp_eng_case_own_lendable(f.e, T_E));
    assert_true(sp_eng_case_own_lendable(f.e, T_A));
    assert_false(sp_eng_case_own_lendable(f.e, T_C)); /* not in the mask */
    uint8_t q[SP_GROUP_ELEMENT_BYTES], want[SP_GROUP_ELEMENT_BYTES];
    ask(&f, T_E, SIM_VALUE_MARK "AB-123-C", q);
    while (run_one(&f)) /* the evaluation job, no tick */
        ;
    assert_int_equal(f.walk_jobs, 0);
    assert_non_null(f.reply);
    struct sp_peer_msg m;
    assert_int_equal(sp_peer_decode(f.reply, f.reply_len, &m), 0);
    assert_int_equal(m.type, SP_PEER_CASE_ANSWER); /* not REFUSE ("being computed") */
    assert_int_equal(m.case_answer.epoch, 1);
    assert_int_equal(m.case_answer.version, 1);
    assert_int_equal(m.case_answer.ngroups, 1);
    assert_int_equal(m.case_answer.groups[0].key_type, T_E);
    assert_int_equal(m.case_answer.groups[0].nelements, 1);
    /* the answer is [k_{epoch 1, T_E}]Q */
    uint8_t secret[32];
    struct sp_oprf_secret *sec = NULL;
    struct sp_round_key *k = NULL;
    assert_int_equal(sim_case_secret_get(&f.store, 1, secret), 0);
    assert_int_equal(sp_oprf_secret_from_bytes(&sec, secret), 0);
    assert_int_equal(sp_oprf_key_derive(sec, 1, T_E, &k), 0);
    memcpy(want, q, sizeof(want));
    assert_int_equal(sp_blind_batch(k, want, 1, NULL), 0);
    assert_memory_equal(m.case_answer.groups[0].elements, want, sizeof(want));
    sp_round_key_free(&k);
    sp_oprf_secret_free(&sec);
    sp_peer_msg_clear(&m);
    /* the filter it is looked up in: empty, so zero matches */
    uint64_t *fps = NULL;
    size_t nfps = 1;
    assert_int_equal(sim_case_fps_read(&f.store, T_E, &fps, &nfps), 0);
    assert_int_equal(nfps, 0);
    free(fps);
    settle(&f); /* the start-up sync: nothing changed, nothing committed */
    assert_int_equal(f.store.cases.commits, commits);
    assert_int_equal(f.store.cases.meta.kept, MASK | SP_KEY_MASK(T_E));
    assert_int_equal(f.errors, 0);
    assert_false(f.leaked);
    fx_free(&f);
}

/* A type taken into the mask without values (a reload) is recorded as kept
 * by a commit of its own, so a restart does not lose it. */
static void test_mask_adds_empty_type(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1);
    small_data(&f);
    fx_start(&f);
    settle(&f);
    assert_int_equal(f.store.cases.meta.kept, MASK);
    assert_false(sp_eng_case_own_lendable(f.e, T_E));
    f.cfg.case_key_mask = MASK | SP_KEY_MASK(T_E);
    assert_false(sp_eng_case_own_lendable(f.e, T_E)); /* no committed outputs yet */
    advance(&f, 10);
    assert_int_equal(f.store.cases.meta.version, 2); /* no value changed; the mask did */
    assert_int_equal(f.store.cases.meta.kept, MASK | SP_KEY_MASK(T_E));
    assert_true(sp_eng_case_own_lendable(f.e, T_E));
    fx_stop(&f);
    f.now.mono_ms = 500;
    fx_start(&f);
    assert_true(sp_eng_case_own_lendable(f.e, T_E));
    settle(&f);
    assert_int_equal(f.store.cases.meta.version, 2);
    assert_int_equal(f.errors, 0);
    fx_free(&f);
}

/* A set-up interrupted by the process's end is continued at the next
 * start: what was written stays, the rest is computed. */
static void test_interrupted_setup(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1);
    big_data(&f, 3000);
    fx_start(&f);
    sp_engine_tick(f.e, f.now);
    for (int i = 0; i < 4; i++) /* the walk, its chunk's hash job, the next walk ... */
        assert_true(run_one(&f));
    char why[128];
    assert_int_equal(sp_eng_case_own_rotate(f.e, why, sizeof(why)), SP_ERR_BUSY);
    assert_non_null(strstr(why, "set-up"));
    assert_int_equal(f.store.cases.meta.version, 0);
    size_t partial = f.store.cases.n;
    assert_true(partial > 0 && partial < 4500);
    fx_stop(&f); /* its jobs still out are freed */
    f.hash_jobs = 0;
    fx_start(&f);
    assert_false(sp_eng_case_own_ready(f.e, NULL, NULL));
    settle(&f);
    assert_int_equal(f.store.cases.meta.epoch, 1);
    assert_int_equal(f.store.cases.meta.version, 1);
    assert_int_equal(f.store.cases.begins, 1);
    assert_int_equal(check_outputs(&f), 4500);
    assert_int_equal(f.errors, 0);
    fx_free(&f);
}

static void test_borrow_delays_rotation(void **state)
{
    (void)state;
    struct fx f;
    char why[128];
    fx_init(&f, 1);
    small_data(&f);
    fx_start(&f);
    assert_null(sp_eng_case_own_borrow(f.e, T_A)); /* not ready */
    settle(&f);
    assert_null(sp_eng_case_own_borrow(f.e, T_C)); /* not kept */
    const struct sp_round_key *k = sp_eng_case_own_borrow(f.e, T_A);
    assert_non_null(k);
    assert_int_equal(sp_eng_case_own_rotate(f.e, why, sizeof(why)), 0);
    advance(&f, 5000);
    assert_int_equal(f.store.cases.meta.epoch, 1); /* waits for the key */
    assert_null(sp_eng_case_own_borrow(f.e, T_B)); /* no new borrow meanwhile */
    uint8_t x[32];
    key_print(k, x); /* still valid */
    sp_eng_case_own_return(f.e);
    assert_int_equal(sp_engine_next_tick_ms(f.e, f.now), 0);
    advance(&f, 100);
    assert_int_equal(f.store.cases.meta.epoch, 2);
    assert_int_equal(f.store.cases.meta.version, 1);
    check_outputs(&f);
    /* control rotation without borrows: at once */
    assert_int_equal(sp_eng_case_own_rotate(f.e, why, sizeof(why)), 0);
    settle(&f);
    assert_int_equal(f.store.cases.meta.epoch, 3);
    check_outputs(&f);
    assert_int_equal(f.errors, 0);
    fx_free(&f);
}

/* The mask changing (a reload): a type's outputs appear or go. */
static void test_mask_change(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 1);
    small_data(&f);
    fx_start(&f);
    settle(&f);
    f.cfg.case_key_mask = SP_KEY_MASK(T_A);
    advance(&f, 10);
    assert_int_equal(f.store.cases.meta.version, 2);
    assert_int_equal(f.store.cases.meta.values[T_B], 0);
    assert_null(sp_eng_case_own_borrow(f.e, T_B));
    f.cfg.case_key_mask = MASK;
    advance(&f, 10);
    assert_int_equal(f.store.cases.meta.version, 3);
    check_outputs(&f);
    fx_free(&f);
}

/* No mask: no case store call, no outputs, no tick wanted. */
static void test_no_mask(void **state)
{
    (void)state;
    struct fx f;
    char why[128];
    fx_init(&f, 1);
    small_data(&f);
    f.cfg.case_key_mask = 0;
    fx_start(&f);
    assert_int_equal(sp_engine_next_tick_ms(f.e, f.now), -1);
    advance(&f, 1000);
    assert_int_equal(f.store.cases.meta.epoch, 0);
    assert_int_equal(f.store.cases.nsecrets, 0);
    assert_int_equal(sp_eng_case_own_rotate(f.e, why, sizeof(why)), SP_ERR_STATE);
    struct sp_ctl_case_own st;
    sp_eng_case_own_status(f.e, &st);
    assert_int_equal(st.epoch, 0);
    assert_false(st.ready);
    fx_free(&f);
}

/* The ordering rule the merge relies on: the store's own walk yields the
 * key walk's distinct values in the same order (generated data with
 * prefixes and bytes above 0x7f; outputs put in a scrambled order). */
static void test_store_order(void **state)
{
    (void)state;
    struct sim_data d;
    struct sim_rng rng;
    struct sim_store s;
    rng = sim_rng_fork(424242, 1);
    assert_int_equal(sim_data_generate(&d, 1, 4, true, &rng), 0);
    const struct sim_node_data *nd = &d.node[0];
    sim_store_init(&s, nd);
    assert_int_equal(sim_case_own_begin(&s, 1, 0), 0);
    size_t n = 0;
    struct sp_case_own_change *ch = calloc(nd->nkeys, sizeof(*ch));
    assert_non_null(ch);
    for (size_t i = 0; i < nd->nkeys; i++) {
        const struct sim_key *k = &nd->keys[i];
        if (i > 0 && k->type == nd->keys[i - 1].type && k->len == nd->keys[i - 1].len &&
            memcmp(k->value, nd->keys[i - 1].value, k->len) == 0)
            continue;
        ch[n++] = (struct sp_case_own_change){
            .add = true, .key_type = k->type, .len = k->len, .value = k->value, .fp = i};
    }
    for (size_t i = n; i > 1; i--) { /* scramble */
        size_t j = sim_rng_below(&rng, (uint32_t)i);
        struct sp_case_own_change t = ch[i - 1];
        ch[i - 1] = ch[j];
        ch[j] = t;
    }
    assert_int_equal(sim_case_own_put(&s, 1, ch, n / 2), 0);
    assert_int_equal(sim_case_own_put(&s, 1, ch + n / 2, n - n / 2), 0);
    struct sim_walk kw;
    void *ow = NULL;
    struct sp_case_own_entry e;
    struct sp_eng_distinct dist = {0};
    size_t seen = 0;
    bool prefix = false, high = false;
    struct sp_eng_value last = {0};
    sim_walk_open(&kw, &s, SP_KEY_MASK_ALL);
    assert_int_equal(sim_case_own_open(&s, &ow), 0);
    for (const struct sim_key *k; (k = sim_walk_next(&kw)) != NULL;) {
        struct sp_keyref ref = {.type = k->type, .value_len = k->len, .value = k->value};
        if (!sp_eng_distinct_next(&dist, &ref))
            continue;
        assert_int_equal(sim_case_own_next(ow, &e), 0);
        assert_int_equal(e.key_type, k->type);
        assert_int_equal(e.len, k->len);
        assert_memory_equal(e.value, k->value, k->len);
        for (uint8_t b = 0; b < k->len; b++)
            high |= k->value[b] >= 0x80;
        prefix |= seen > 0 && last.type == k->type && last.len < k->len &&
                  memcmp(last.val, k->value, last.len) == 0;
        last = dist.prev;
        seen++;
    }
    assert_int_equal(sim_case_own_next(ow, &e), SP_ERR_NOT_FOUND);
    assert_int_equal(seen, n);
    assert_true(high);   /* unsigned byte order */
    assert_true(prefix); /* the shorter first */
    sim_case_own_close(ow);
    free(ch);
    sim_store_free(&s);
    sim_data_free(&d);
}

int main(void)
{
    if (sp_crypto_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_order),
        cmocka_unit_test(test_setup),
        cmocka_unit_test(test_sync),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_restart_kept_without_values),
        cmocka_unit_test(test_mask_adds_empty_type),
        cmocka_unit_test(test_interrupted_setup),
        cmocka_unit_test(test_borrow_delays_rotation),
        cmocka_unit_test(test_mask_change),
        cmocka_unit_test(test_no_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
