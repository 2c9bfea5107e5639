/*
 * bench_group: the measurements behind the group choice (crypto/README.md).
 *
 * Prints operations per second, on one thread and on all cores, for
 *   - ristretto255: sp_group_hash (RFC 9380 hash_to_ristretto255) and
 *     sp_blind_batch (decode with validation, scalar multiplication, encode);
 *   - X25519 with an Elligator2-mapped point: hashing by
 *     crypto_core_ed25519_from_uniform, then either libsodium's
 *     crypto_sign_ed25519_pk_to_curve25519 (which also runs a subgroup check,
 *     a full scalar multiplication) or the birational map u = (1+y)/(1-y)
 *     computed here (one field inversion); a random-oracle variant adds two
 *     such points first (crypto_core_ed25519_add), as RFC 9380's _RO_ suites
 *     do; blinding by crypto_scalarmult (Montgomery ladder, clamped scalar);
 *   - the whole per-element pipeline: one hash and n blindings (n = 2, 5),
 *     which is what a round of n nodes costs per element.
 *
 *   bench_group [--seconds S] [--threads N] [--repeat R]
 *
 * Each figure is the best of R runs of S seconds: the machine is shared, and
 * the best run is the one least disturbed by other work. The one-thread
 * figure counts operations per second of CPU time the thread received, so
 * it is the cost of the operation itself; the all-cores figure counts per
 * wall-clock second, which is what a round gets, and falls when other
 * processes compete for the cores.
 *
 * A benchmark, not a test: it prints figures and asserts nothing except
 * that both constructions commute (checked once, before timing).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/keytype.h"
#include "crypto/group.h"

#define BATCH     64
#define MAX_NODES 5
#define BENCH_DST "snijpunt-bench-with-curve25519_XMD:SHA-512_ELL2_RO_"

/* ---- field arithmetic mod 2^255 - 19 (radix 2^51), only for u = (1+y)/(1-y) */

typedef struct {
    uint64_t v[5];
} fe;

#define M51 ((UINT64_C(1) << 51) - 1)

static uint64_t load64_le(const uint8_t *s)
{
    uint64_t w = 0;
    for (int i = 7; i >= 0; i--)
        w = (w << 8) | s[i];
    return w;
}

static void fe_frombytes(fe *h, const uint8_t s[32])
{
    uint64_t w0 = load64_le(s), w1 = load64_le(s + 8), w2 = load64_le(s + 16),
             w3 = load64_le(s + 24);

    h->v[0] = w0 & M51;
    h->v[1] = (w0 >> 51 | w1 << 13) & M51;
    h->v[2] = (w1 >> 38 | w2 << 26) & M51;
    h->v[3] = (w2 >> 25 | w3 << 39) & M51;
    h->v[4] = (w3 >> 12) & M51; /* bit 255 (the sign of x) dropped */
}

static void fe_carry(uint64_t t[5])
{
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 4; i++) {
            t[i + 1] += t[i] >> 51;
            t[i] &= M51;
        }
        t[0] += 19 * (t[4] >> 51);
        t[4] &= M51;
    }
}

static void fe_tobytes(uint8_t s[32], const fe *h)
{
    uint64_t t[5] = {h->v[0], h->v[1], h->v[2], h->v[3], h->v[4]};
    uint64_t q;

    fe_carry(t);
    q = (t[0] + 19) >> 51; /* q = 1 exactly when t >= p */
    for (int i = 1; i < 5; i++)
        q = (t[i] + q) >> 51;
    t[0] += 19 * q;
    for (int i = 0; i < 4; i++) {
        t[i + 1] += t[i] >> 51;
        t[i] &= M51;
    }
    t[4] &= M51;
    for (int i = 0; i < 32; i++) {
        unsigned bit = (unsigned)i * 8, limb = bit / 51, off = bit % 51;
        uint64_t v = t[limb] >> off;
        if (off > 43 && limb < 4)
            v |= t[limb + 1] << (51 - off);
        s[i] = (uint8_t)v;
    }
}

static void fe_mul(fe *h, const fe *f, const fe *g)
{
    typedef unsigned __int128 u128;
    const uint64_t *a = f->v, *b = g->v;
    uint64_t b19[5];
    u128 r[5];
    uint64_t t[5];

    for (int i = 1; i < 5; i++)
        b19[i] = 19 * b[i];
    r[0] = (u128)a[0] * b[0] + (u128)a[1] * b19[4] + (u128)a[2] * b19[3] + (u128)a[3] * b19[2] +
           (u128)a[4] * b19[1];
    r[1] = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b19[4] + (u128)a[3] * b19[3] +
           (u128)a[4] * b19[2];
    r[2] = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b19[4] +
           (u128)a[4] * b19[3];
    r[3] = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] +
           (u128)a[4] * b19[4];
    r[4] = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] +
           (u128)a[4] * b[0];
    for (int i = 0; i < 4; i++) {
        r[i + 1] += r[i] >> 51;
        t[i] = (uint64_t)r[i] & M51;
    }
    t[4] = (uint64_t)r[4] & M51;
    t[0] += 19 * (uint64_t)(r[4] >> 51);
    t[1] += t[0] >> 51;
    t[0] &= M51;
    memcpy(h->v, t, sizeof(t));
}

static void fe_sqn(fe *h, const fe *f, int n)
{
    *h = *f;
    for (int i = 0; i < n; i++)
        fe_mul(h, h, h);
}

/* z^(p-2) by the usual addition chain (254 squarings, 11 multiplications). */
static void fe_invert(fe *out, const fe *z)
{
    fe t0, t1, t2, t3;

    fe_sqn(&t0, z, 1);
    fe_sqn(&t1, &t0, 2);
    fe_mul(&t1, z, &t1);
    fe_mul(&t0, &t0, &t1);
    fe_sqn(&t2, &t0, 1);
    fe_mul(&t1, &t1, &t2);
    fe_sqn(&t2, &t1, 5);
    fe_mul(&t1, &t2, &t1);
    fe_sqn(&t2, &t1, 10);
    fe_mul(&t2, &t2, &t1);
    fe_sqn(&t3, &t2, 20);
    fe_mul(&t2, &t3, &t2);
    fe_sqn(&t2, &t2, 10);
    fe_mul(&t1, &t2, &t1);
    fe_sqn(&t2, &t1, 50);
    fe_mul(&t2, &t2, &t1);
    fe_sqn(&t3, &t2, 100);
    fe_mul(&t2, &t3, &t2);
    fe_sqn(&t2, &t2, 50);
    fe_mul(&t1, &t2, &t1);
    fe_sqn(&t1, &t1, 5);
    fe_mul(out, &t1, &t0);
}

/* Montgomery u of an encoded Edwards point: u = (1 + y) / (1 - y). */
static void ed_to_u(uint8_t u[32], const uint8_t ed[32])
{
    static const fe one = {{1, 0, 0, 0, 0}};
    fe y, num, den;

    fe_frombytes(&y, ed);
    for (int i = 0; i < 5; i++) {
        num.v[i] = one.v[i] + y.v[i];
        /* 1 - y + 2p, limb-wise non-negative */
        den.v[i] = one.v[i] + (i == 0 ? 2 * (M51 - 18) : 2 * M51) - y.v[i];
    }
    fe_invert(&den, &den);
    fe_mul(&num, &num, &den);
    fe_tobytes(u, &num);
}

/* ---- the operations ------------------------------------------------------ */

struct ctx {
    const struct sp_round_key *rkeys[MAX_NODES];
    const uint8_t (*xkeys)[32];
    uint8_t batch[BATCH * 32];
    uint8_t value[16];
    uint64_t counter;
    int nodes;
};

/* A fresh 9-digit value per call (a BSN-shaped input of realistic size). */
static size_t next_value(struct ctx *c)
{
    uint64_t v = 100000000 + (c->counter++ % 900000000);
    for (int i = 8; i >= 0; i--, v /= 10)
        c->value[i] = (uint8_t)('0' + v % 10);
    return 9;
}

static void r255_hash(struct ctx *c, uint8_t out[32])
{
    size_t n = next_value(c);
    if (sp_group_hash(out, SP_KEY_BSN, c->value, n) != 0)
        abort();
}

static void x_hash_ro(struct ctx *c, uint8_t u[32])
{
    uint8_t uni[64], p[32], q[32];
    size_t n = next_value(c);

    if (sp_expand_message_xmd_sha512(uni, 64, c->value, n, (const uint8_t *)BENCH_DST,
                                     sizeof(BENCH_DST) - 1) != 0 ||
        crypto_core_ed25519_from_uniform(p, uni) != 0 ||
        crypto_core_ed25519_from_uniform(q, uni + 32) != 0 || crypto_core_ed25519_add(p, p, q) != 0)
        abort();
    ed_to_u(u, p);
}

static size_t op_r255_hash(struct ctx *c)
{
    uint8_t e[32];
    r255_hash(c, e);
    return 1;
}

static size_t op_r255_blind(struct ctx *c)
{
    if (sp_blind_batch(c->rkeys[0], c->batch, BATCH, NULL) != 0)
        abort();
    return BATCH;
}

static size_t op_xmd64(struct ctx *c)
{
    uint8_t uni[64];
    size_t n = next_value(c);
    if (sp_expand_message_xmd_sha512(uni, 64, c->value, n, (const uint8_t *)BENCH_DST,
                                     sizeof(BENCH_DST) - 1) != 0)
        abort();
    return 1;
}

static size_t op_x_hash_nu_sodium(struct ctx *c)
{
    uint8_t uni[32], p[32], u[32];
    size_t n = next_value(c);

    if (sp_expand_message_xmd_sha512(uni, 32, c->value, n, (const uint8_t *)BENCH_DST,
                                     sizeof(BENCH_DST) - 1) != 0 ||
        crypto_core_ed25519_from_uniform(p, uni) != 0 ||
        crypto_sign_ed25519_pk_to_curve25519(u, p) != 0)
        abort();
    return 1;
}

static size_t op_x_hash_nu(struct ctx *c)
{
    uint8_t uni[32], p[32], u[32];
    size_t n = next_value(c);

    if (sp_expand_message_xmd_sha512(uni, 32, c->value, n, (const uint8_t *)BENCH_DST,
                                     sizeof(BENCH_DST) - 1) != 0 ||
        crypto_core_ed25519_from_uniform(p, uni) != 0)
        abort();
    ed_to_u(u, p);
    return 1;
}

static size_t op_x_hash_ro(struct ctx *c)
{
    uint8_t u[32];
    x_hash_ro(c, u);
    return 1;
}

static size_t op_x_blind(struct ctx *c)
{
    uint8_t out[32];
    for (size_t i = 0; i < BATCH; i++) {
        if (crypto_scalarmult(out, c->xkeys[0], c->batch + i * 32) != 0)
            abort();
        memcpy(c->batch + i * 32, out, 32);
    }
    return BATCH;
}

static size_t op_r255_pipeline(struct ctx *c)
{
    uint8_t e[32];
    r255_hash(c, e);
    for (int k = 0; k < c->nodes; k++)
        if (sp_blind_batch(c->rkeys[k], e, 1, NULL) != 0)
            abort();
    return 1;
}

static size_t op_r255_check(struct ctx *c)
{
    for (size_t i = 0; i < BATCH; i++)
        if (sp_group_element_check(c->batch + i * 32) != 0)
            abort();
    return BATCH;
}

static void x_blind_chain(struct ctx *c, uint8_t u[32])
{
    uint8_t out[32];
    for (int k = 0; k < c->nodes; k++) {
        if (crypto_scalarmult(out, c->xkeys[k], u) != 0)
            abort();
        memcpy(u, out, 32);
    }
}

/* The cheapest X25519 variant: one map, no addition (not RFC 9380 _RO_). */
static size_t op_x_pipeline_nu(struct ctx *c)
{
    uint8_t uni[32], p[32], u[32];
    size_t n = next_value(c);

    if (sp_expand_message_xmd_sha512(uni, 32, c->value, n, (const uint8_t *)BENCH_DST,
                                     sizeof(BENCH_DST) - 1) != 0 ||
        crypto_core_ed25519_from_uniform(p, uni) != 0)
        abort();
    ed_to_u(u, p);
    x_blind_chain(c, u);
    return 1;
}

static size_t op_x_pipeline(struct ctx *c)
{
    uint8_t u[32];
    x_hash_ro(c, u);
    x_blind_chain(c, u);
    return 1;
}

/* ---- timing -------------------------------------------------------------- */

struct op {
    const char *name;
    size_t (*fn)(struct ctx *);
    int x25519_batch; /* batch must hold X25519 u-coordinates */
    int nodes;
};

struct run {
    const struct op *op;
    struct ctx ctx;
    double seconds;
    uint64_t done;
    double elapsed; /* wall clock */
    double cpu;     /* this thread's CPU time */
};

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *run_thread(void *arg)
{
    struct run *r = arg;
    double start = clock_s(CLOCK_MONOTONIC), t = start;
    double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    uint64_t done = 0;

    while (t - start < r->seconds) {
        for (int i = 0; i < 8; i++)
            done += r->op->fn(&r->ctx);
        t = clock_s(CLOCK_MONOTONIC);
    }
    r->done = done;
    r->elapsed = t - start;
    r->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    return NULL;
}

static struct sp_round_key *g_rkeys[MAX_NODES];
static uint8_t g_xkeys[MAX_NODES][32];

static void ctx_init(struct ctx *c, const struct op *op, unsigned seed)
{
    memset(c, 0, sizeof(*c));
    for (int k = 0; k < MAX_NODES; k++)
        c->rkeys[k] = g_rkeys[k];
    c->xkeys = (const uint8_t(*)[32])g_xkeys;
    c->nodes = op->nodes;
    c->counter = (uint64_t)seed * 1000003u;
    for (size_t i = 0; i < BATCH; i++) {
        if (op->x25519_batch)
            x_hash_ro(c, c->batch + i * 32);
        else
            r255_hash(c, c->batch + i * 32);
    }
}

/* Runs op on `threads` threads at once; returns operations per wall-clock
 * second summed over the threads, or with per_cpu, operations per second of
 * CPU time actually received (robust against other load on the machine). */
static double measure(const struct op *op, int threads, double seconds, int per_cpu)
{
    struct run *runs = calloc((size_t)threads, sizeof(*runs));
    pthread_t *tid = calloc((size_t)threads, sizeof(*tid));
    double total = 0;

    if (runs == NULL || tid == NULL)
        abort();
    for (int t = 0; t < threads; t++) {
        runs[t].op = op;
        runs[t].seconds = seconds;
        ctx_init(&runs[t].ctx, op, (unsigned)t + 1);
    }
    for (int t = 0; t < threads; t++)
        if (pthread_create(&tid[t], NULL, run_thread, &runs[t]) != 0)
            abort();
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        total += (double)runs[t].done / (per_cpu ? runs[t].cpu : runs[t].elapsed);
    }
    free(runs);
    free(tid);
    return total;
}

/* ---- sanity checks before timing ---------------------------------------- */

static int check_commutativity(void)
{
    struct ctx c;
    uint8_t r1[32], r2[32], x1[32], x2[32], tmp[32], sod[32], p[32];
    struct op dummy = {"", NULL, 0, 0};

    ctx_init(&c, &dummy, 7);
    r255_hash(&c, r1);
    memcpy(r2, r1, 32);
    if (sp_blind_batch(g_rkeys[0], r1, 1, NULL) || sp_blind_batch(g_rkeys[1], r1, 1, NULL) ||
        sp_blind_batch(g_rkeys[1], r2, 1, NULL) || sp_blind_batch(g_rkeys[0], r2, 1, NULL) ||
        memcmp(r1, r2, 32) != 0)
        return -1;
    x_hash_ro(&c, x1);
    memcpy(x2, x1, 32);
    if (crypto_scalarmult(tmp, g_xkeys[0], x1) || crypto_scalarmult(x1, g_xkeys[1], tmp) ||
        crypto_scalarmult(tmp, g_xkeys[1], x2) || crypto_scalarmult(x2, g_xkeys[0], tmp) ||
        memcmp(x1, x2, 32) != 0)
        return -2;
    /* the birational map here agrees with libsodium's */
    for (int i = 0; i < 16; i++) {
        uint8_t uni[32];
        randombytes_buf(uni, sizeof(uni));
        if (crypto_core_ed25519_from_uniform(p, uni) != 0 ||
            crypto_sign_ed25519_pk_to_curve25519(sod, p) != 0)
            return -3;
        ed_to_u(tmp, p);
        if (memcmp(tmp, sod, 32) != 0)
            return -3;
    }
    return 0;
}

static int setup_keys(void)
{
    for (int k = 0; k < MAX_NODES; k++) {
        if (sp_round_key_new(&g_rkeys[k]) != 0)
            return -1;
        randombytes_buf(g_xkeys[k], 32); /* crypto_scalarmult clamps */
    }
    return 0;
}

static const struct op ops[] = {
    {"ristretto255 hash (sp_group_hash)", op_r255_hash, 0, 0},
    {"  of which expand_message_xmd (64 B)", op_xmd64, 0, 0},
    {"ristretto255 blind (sp_blind_batch)", op_r255_blind, 0, 0},
    {"ristretto255 element check alone", op_r255_check, 0, 0},
    {"X25519 hash NU, libsodium pk_to_curve", op_x_hash_nu_sodium, 1, 0},
    {"X25519 hash NU, (1+y)/(1-y)", op_x_hash_nu, 1, 0},
    {"X25519 hash RO (2 maps + add)", op_x_hash_ro, 1, 0},
    {"X25519 blind (crypto_scalarmult)", op_x_blind, 1, 0},
    {"ristretto255 pipeline: hash + 2 blinds", op_r255_pipeline, 0, 2},
    {"X25519 RO pipeline: hash + 2 blinds", op_x_pipeline, 1, 2},
    {"X25519 NU pipeline: hash + 2 blinds", op_x_pipeline_nu, 1, 2},
    {"ristretto255 pipeline: hash + 5 blinds", op_r255_pipeline, 0, 5},
    {"X25519 RO pipeline: hash + 5 blinds", op_x_pipeline, 1, 5},
    {"X25519 NU pipeline: hash + 5 blinds", op_x_pipeline_nu, 1, 5},
};

/* Interleaves a and b in the same thread, in slices, for `seconds`; each
 * op's CPU time is summed over its slices, so both see the same machine
 * conditions and their ratio is meaningful even when absolute figures move. */
static void head_to_head(const struct op *a, const struct op *b, double seconds)
{
    struct ctx ca, cb;
    double ta = 0, tb = 0, start = clock_s(CLOCK_MONOTONIC);
    uint64_t na = 0, nb = 0;

    ctx_init(&ca, a, 11);
    ctx_init(&cb, b, 13);
    while (clock_s(CLOCK_MONOTONIC) - start < seconds) {
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t1, t2;
        for (int i = 0; i < 4; i++)
            na += a->fn(&ca);
        t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        for (int i = 0; i < 4; i++)
            nb += b->fn(&cb);
        t2 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        ta += t1 - t0;
        tb += t2 - t1;
    }
    printf("%-42s %8.1f us   %-38s %8.1f us   ratio %.2f\n", a->name, 1e6 * ta / (double)na,
           b->name, 1e6 * tb / (double)nb, (tb / (double)nb) / (ta / (double)na));
}

/* Indices into ops[]: ristretto255 first, its X25519 counterpart second. */
static const int pairs[][2] = {{0, 5}, {0, 6}, {2, 7}, {8, 9}, {8, 10}, {11, 12}, {11, 13}};

static int parse_args(int argc, char **argv, double *seconds, int *threads, int *repeat)
{
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            *seconds = strtod(argv[++i], &end);
            if (end == argv[i] || *end != '\0' || *seconds <= 0 || *seconds > 60)
                return -1;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || v < 1 || v > 256)
                return -1;
            *threads = (int)v;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || v < 1 || v > 100)
                return -1;
            *repeat = (int)v;
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = ncpu > 0 ? (int)ncpu : 1, repeat = 1;

    if (parse_args(argc, argv, &seconds, &threads, &repeat) != 0) {
        fprintf(stderr, "usage: %s [--seconds S] [--threads N] [--repeat R]\n", argv[0]);
        return 2;
    }
    if (sp_crypto_init() != 0 || setup_keys() != 0) {
        fprintf(stderr, "bench_group: cannot initialise libsodium\n");
        return 1;
    }
    if (check_commutativity() != 0) {
        fprintf(stderr, "bench_group: sanity check failed\n");
        return 1;
    }
    printf("snijpunt group benchmark: libsodium %s, best of %d x %.1f s per figure, "
           "all cores = %d threads\n",
           sodium_version_string(), repeat, seconds, threads);
    /* One thread: per second of CPU time it got. All cores: per wall-clock
     * second, which other load on the machine depresses. */
    printf("%-42s %14s %10s %16s\n", "operation", "1 thread op/s", "us/op", "all cores op/s");
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        double one = 0, all = 0;
        for (int r = 0; r < repeat; r++) {
            double a = measure(&ops[i], 1, seconds, 1), b = measure(&ops[i], threads, seconds, 0);
            one = a > one ? a : one;
            all = b > all ? b : all;
        }
        printf("%-42s %14.0f %10.1f %16.0f\n", ops[i].name, one, 1e6 / one, all);
        fflush(stdout);
    }
    printf("\nhead to head (interleaved in one thread, CPU time per operation, %.0f s each;\n"
           "ratio = X25519 cost / ristretto255 cost)\n",
           seconds * repeat);
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        head_to_head(&ops[pairs[i][0]], &ops[pairs[i][1]], seconds * repeat);
    for (int k = 0; k < MAX_NODES; k++)
        sp_round_key_free(&g_rkeys[k]);
    return 0;
}
