/*
 * Blinding: commutativity over many inputs and keys, rejection of invalid
 * and identity elements with the offending index, scalar validation, the
 * guarded memory of round keys (read-only, unmapped after free), and
 * concurrent use of one key from several threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/keytype.h"
#include "crypto/group.h"
#include "testutil.h"

#define N_ELEMS 128
#define N_KEYS  4

static void hash_n(uint8_t *elems, size_t n, unsigned salt)
{
    for (size_t i = 0; i < n; i++) {
        char v[48];
        int len = snprintf(v, sizeof(v), "value-%u-%zu", salt, i);
        assert_int_equal(sp_group_hash(elems + i * SP_GROUP_ELEMENT_BYTES, SP_KEY_NAME_DOB,
                                       (const uint8_t *)v, (size_t)len),
                         0);
    }
}

/* Applies keys in the order given by perm. */
static void blind_in_order(struct sp_round_key *keys[], const int *perm, int nkeys, uint8_t *elems,
                           size_t n)
{
    for (int k = 0; k < nkeys; k++)
        assert_int_equal(sp_blind_batch(keys[perm[k]], elems, n, NULL), 0);
}

/* Every order of 4 fresh keys gives the same fully blinded values, for
 * several independent trials; and the result differs from the input. */
static void test_commutativity(void **state)
{
    static const int perms[][N_KEYS] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}};
    static uint8_t ref[N_ELEMS * SP_GROUP_ELEMENT_BYTES], got[N_ELEMS * SP_GROUP_ELEMENT_BYTES],
        orig[N_ELEMS * SP_GROUP_ELEMENT_BYTES];
    (void)state;

    for (unsigned trial = 0; trial < 4; trial++) {
        struct sp_round_key *keys[N_KEYS] = {NULL};

        for (int k = 0; k < N_KEYS; k++)
            assert_int_equal(sp_round_key_new(&keys[k]), 0);
        hash_n(orig, N_ELEMS, trial);
        memcpy(ref, orig, sizeof(ref));
        blind_in_order(keys, perms[0], N_KEYS, ref, N_ELEMS);
        for (size_t p = 1; p < TU_ARRAY_LEN(perms); p++) {
            memcpy(got, orig, sizeof(got));
            blind_in_order(keys, perms[p], N_KEYS, got, N_ELEMS);
            assert_memory_equal(got, ref, sizeof(got));
        }
        for (size_t i = 0; i < N_ELEMS; i++)
            assert_memory_not_equal(ref + i * 32, orig + i * 32, 32);
        for (int k = 0; k < N_KEYS; k++)
            sp_round_key_free(&keys[k]);
    }
}

/* Two different keys blind the same element to different values, and one
 * key maps distinct elements to distinct values. */
static void test_keys_and_values_separate(void **state)
{
    struct sp_round_key *a = NULL, *b = NULL;
    uint8_t x[2 * SP_GROUP_ELEMENT_BYTES], y[2 * SP_GROUP_ELEMENT_BYTES];
    (void)state;

    assert_int_equal(sp_round_key_new(&a), 0);
    assert_int_equal(sp_round_key_new(&b), 0);
    hash_n(x, 2, 99);
    memcpy(y, x, sizeof(y));
    assert_int_equal(sp_blind_batch(a, x, 2, NULL), 0);
    assert_int_equal(sp_blind_batch(b, y, 2, NULL), 0);
    assert_memory_not_equal(x, y, SP_GROUP_ELEMENT_BYTES);
    assert_memory_not_equal(x, x + SP_GROUP_ELEMENT_BYTES, SP_GROUP_ELEMENT_BYTES);
    sp_round_key_free(&a);
    sp_round_key_free(&b);
}

struct bad_case {
    size_t index;
    const char *hex; /* the element planted at index */
};

static const struct bad_case bad_cases[] = {
    {0, "0000000000000000000000000000000000000000000000000000000000000000"},  /* u = 0, order 2 */
    {5, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},  /* u = p */
    {7, "0100000000000000000000000000000000000000000000000000000000000000"},  /* order 4 */
    {15, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"}, /* order 8 */
    {15, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}, /* top bit set */
};

static void test_batch_reports_bad_index(void **state)
{
    struct sp_round_key *key = NULL;
    uint8_t elems[16 * SP_GROUP_ELEMENT_BYTES];
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    for (size_t i = 0; i < TU_ARRAY_LEN(bad_cases); i++) {
        size_t bad = SIZE_MAX;

        hash_n(elems, 16, 7);
        tu_hex(elems + bad_cases[i].index * SP_GROUP_ELEMENT_BYTES, SP_GROUP_ELEMENT_BYTES,
               bad_cases[i].hex);
        assert_int_equal(sp_blind_batch(key, elems, 16, &bad), SP_ERR_CRYPTO_POINT);
        assert_int_equal(bad, bad_cases[i].index);
        /* bad_index is optional */
        hash_n(elems, 16, 7);
        tu_hex(elems + bad_cases[i].index * SP_GROUP_ELEMENT_BYTES, SP_GROUP_ELEMENT_BYTES,
               bad_cases[i].hex);
        assert_int_equal(sp_blind_batch(key, elems, 16, NULL), SP_ERR_CRYPTO_POINT);
    }
    sp_round_key_free(&key);
}

static void test_batch_arguments(void **state)
{
    struct sp_round_key *key = NULL;
    uint8_t e[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    assert_int_equal(sp_blind_batch(key, NULL, 0, NULL), 0); /* empty batch */
    assert_int_equal(sp_blind_batch(key, NULL, 1, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_blind_batch(NULL, e, 1, NULL), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_blind_batch(key, e, SIZE_MAX / 16, NULL), SP_ERR_INVALID_ARG);
    sp_round_key_free(&key);
}

/* Every 32-byte string is an X25519 scalar (clamped when the key is made):
 * the edge values are accepted, and two strings that clamp alike blind
 * alike. */
static void test_scalar_validation(void **state)
{
    static const char *const edge[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", /* L */
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    uint8_t e[SP_GROUP_ELEMENT_BYTES], f[SP_GROUP_ELEMENT_BYTES];
    (void)state;

    for (size_t i = 0; i < TU_ARRAY_LEN(edge); i++) {
        uint8_t s[SP_GROUP_SCALAR_BYTES];
        struct sp_round_key *key = NULL;

        tu_hex(s, sizeof(s), edge[i]);
        assert_int_equal(sp_round_key_from_scalar(&key, s), 0);
        assert_non_null(key);
        hash_n(e, 1, 3);
        assert_int_equal(sp_blind_batch(key, e, 1, NULL), 0);
        assert_int_equal(sp_group_element_check(e), 0);
        sp_round_key_free(&key);
    }
    {
        /* 0x07 low bits and bit 255 are cleared, bit 254 set: same key */
        uint8_t s1[SP_GROUP_SCALAR_BYTES] = {0x10}, s2[SP_GROUP_SCALAR_BYTES] = {0x17};
        struct sp_round_key *k1 = NULL, *k2 = NULL;

        s1[31] = 0x40;
        s2[31] = 0x80;
        assert_int_equal(sp_round_key_from_scalar(&k1, s1), 0);
        assert_int_equal(sp_round_key_from_scalar(&k2, s2), 0);
        hash_n(e, 1, 5);
        memcpy(f, e, sizeof(f));
        assert_int_equal(sp_blind_batch(k1, e, 1, NULL), 0);
        assert_int_equal(sp_blind_batch(k2, f, 1, NULL), 0);
        assert_memory_equal(e, f, sizeof(e));
        sp_round_key_free(&k1);
        sp_round_key_free(&k2);
    }
    {
        uint8_t one[SP_GROUP_SCALAR_BYTES] = {1};
        struct sp_round_key *key = NULL;
        assert_int_equal(sp_round_key_from_scalar(NULL, one), SP_ERR_INVALID_ARG);
        assert_int_equal(sp_round_key_from_scalar(&key, NULL), SP_ERR_INVALID_ARG);
    }
    assert_int_equal(sp_round_key_new(NULL), SP_ERR_INVALID_ARG);
}

/* Runs fn(p) in a child and returns true when the child died of a memory
 * fault. The child restores the default SIGSEGV/SIGBUS action first:
 * cmocka's handler would otherwise catch the fault, report this test as
 * failed and run the remaining tests inside the child. ASan's handler goes
 * with it, so sanitizer builds see the plain signal too. */
static int child_faults(void (*fn)(volatile uint8_t *), volatile uint8_t *p)
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const struct rlimit no_core = {0, 0};

        setrlimit(RLIMIT_CORE, &no_core); /* an expected fault leaves no core file */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        fn(p);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS))
        return 1;
    fail_msg("child ended neither normally nor by a memory fault (status %#x)", status);
    return 0;
}

static void touch_read(volatile uint8_t *p)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < SP_GROUP_SCALAR_BYTES; i++)
        sum |= p[i];
    (void)sum;
}

static void touch_write(volatile uint8_t *p)
{
    p[0] ^= 1;
}

/* The key's memory is readable but not writable while alive, and gone
 * (faults on read) after free; free clears the pointer and is NULL-safe. */
static void test_round_key_guarded_and_wiped(void **state)
{
    struct sp_round_key *key = NULL;
    volatile uint8_t *raw;
    uint8_t any = 0;
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    raw = (volatile uint8_t *)(void *)key;
    for (size_t i = 0; i < SP_GROUP_SCALAR_BYTES; i++)
        any |= raw[i];
    assert_true(any != 0); /* a random non-zero scalar lives there */
    assert_false(child_faults(touch_read, raw));
    assert_true(child_faults(touch_write, raw));
    sp_round_key_free(&key);
    assert_null(key);
    assert_true(child_faults(touch_read, raw));
    sp_round_key_free(&key); /* *key == NULL */
    sp_round_key_free(NULL);
}

struct worker {
    const struct sp_round_key *key;
    uint8_t *elems;
    size_t n;
    int rc;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;

    for (int r = 0; r < 4 && w->rc == 0; r++)
        w->rc = sp_blind_batch(w->key, w->elems + (size_t)r * 16 * 32, 16, NULL);
    return NULL;
}

/* Four threads blinding with one key at once get exactly what a single
 * thread gets. */
static void test_concurrent_use_of_one_key(void **state)
{
    enum { THREADS = 4, PER = 64 };
    static uint8_t in[THREADS][PER * SP_GROUP_ELEMENT_BYTES], want[PER * SP_GROUP_ELEMENT_BYTES];
    struct sp_round_key *key = NULL;
    pthread_t tid[THREADS];
    struct worker w[THREADS];
    (void)state;

    assert_int_equal(sp_round_key_new(&key), 0);
    hash_n(want, PER, 3);
    for (int t = 0; t < THREADS; t++)
        memcpy(in[t], want, sizeof(want));
    assert_int_equal(sp_blind_batch(key, want, PER, NULL), 0);
    for (int t = 0; t < THREADS; t++) {
        w[t] = (struct worker){key, in[t], PER, 0};
        assert_int_equal(pthread_create(&tid[t], NULL, worker_run, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
        assert_int_equal(w[t].rc, 0);
        assert_memory_equal(in[t], want, sizeof(want));
    }
    sp_round_key_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commutativity),
        cmocka_unit_test(test_keys_and_values_separate),
        cmocka_unit_test(test_batch_reports_bad_index),
        cmocka_unit_test(test_batch_arguments),
        cmocka_unit_test(test_scalar_validation),
        cmocka_unit_test(test_round_key_guarded_and_wiped),
        cmocka_unit_test(test_concurrent_use_of_one_key),
    };
    if (sp_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
