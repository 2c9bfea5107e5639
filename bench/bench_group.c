/*
 * bench_group: the measurements behind the group choice (crypto/README.md).
 *
 * Prints the CPU model and operations per second, on one thread and on all
 * cores, for every candidate construction:
 *   - ristretto255 (protocol version 1): RFC 9380 hash_to_ristretto255
 *     (expand_message_xmd + libsodium's crypto_core_ristretto255_from_hash)
 *     and crypto_scalarmult_ristretto255;
 *   - X25519 (protocol version 2, crypto/curve25519.c): RFC 9380
 *     curve25519_XMD:SHA-512_ELL2_RO_ and _NU_ straight to u, one value at a
 *     time (one field inversion each) and batched (one inversion per 64
 *     values, Montgomery's trick); blinding through sp_blind_batch (the
 *     4-lane AVX2 ladder where the CPU has AVX2, else libsodium's), with
 *     libsodium's ladder directly and with OpenSSL 3's EVP X25519 derive;
 *   - the whole per-element pipeline: one hash and n blindings (n = 2, 5),
 *     which is what a round of n nodes costs per element;
 *   - the ladders alone: libsodium's crypto_scalarmult_curve25519 one
 *     element at a time against the 4-lane AVX2 ladder (crypto/x25519_avx2.c,
 *     four elements by one scalar in lockstep), interleaved, minimum per
 *     batch of 64 over many batches (--ladders: only this comparison).
 *
 *   bench_group [--seconds S] [--threads N] [--repeat R] [--ladders]
 *
 * Each figure is the best of R runs of S seconds: the machine is shared, and
 * the best run is the one least disturbed by other work. The one-thread
 * figure counts operations per second of CPU time the thread received, so
 * it is the cost of the operation itself; the all-cores figure counts per
 * wall-clock second, which is what a round gets, and falls when other
 * processes compete for the cores. The load average is printed before and
 * after.
 *
 * A benchmark, not a test: it prints figures and asserts nothing except
 * that the constructions commute and that OpenSSL's ladder agrees with
 * libsodium's (checked once, before timing).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "common/keytype.h"
#include "crypto/curve25519.h"
#include "crypto/group.h"
#include "crypto/x25519_avx2.h"

#define BATCH     64
#define MAX_NODES 5
#define R255_DST  "snijpunt-bench-with-ristretto255_XMD:SHA-512_R255MAP_RO_"
#define NU_DST    "snijpunt-bench-with-curve25519_XMD:SHA-512_ELL2_NU_"

/* ---- the operations ------------------------------------------------------ */

struct ctx {
    uint8_t batch[BATCH * 32];
    uint8_t vals[BATCH * 16];
    uint32_t offs[BATCH + 1];
    uint64_t counter;
    int nodes;
    EVP_PKEY_CTX *ossl; /* OpenSSL derive context with key 0 */
};

static struct sp_round_key *g_keys[MAX_NODES];
static uint8_t g_r255_keys[MAX_NODES][32];
static uint8_t g_x_key0[32]; /* the raw scalar of g_keys[0], for OpenSSL */

/* A fresh 9-digit value (a BSN-shaped input of realistic size). */
static void value_at(struct ctx *c, uint8_t out[9])
{
    uint64_t v = 100000000 + (c->counter++ % 900000000);
    for (int i = 8; i >= 0; i--, v /= 10)
        out[i] = (uint8_t)('0' + v % 10);
}

/* BATCH fresh values in c->vals / c->offs. */
static void next_values(struct ctx *c)
{
    for (uint32_t i = 0; i < BATCH; i++) {
        c->offs[i] = 9 * i;
        value_at(c, c->vals + 9 * i);
    }
    c->offs[BATCH] = 9 * BATCH;
}

static void r255_hash(struct ctx *c, uint8_t out[32])
{
    uint8_t v[9], uni[64];

    value_at(c, v);
    if (sp_expand_message_xmd_sha512(uni, 64, v, 9, (const uint8_t *)R255_DST,
                                     sizeof(R255_DST) - 1) != 0 ||
        crypto_core_ristretto255_from_hash(out, uni) != 0)
        abort();
}

static size_t op_r255_hash(struct ctx *c)
{
    uint8_t e[32];
    r255_hash(c, e);
    return 1;
}

static size_t op_r255_blind(struct ctx *c)
{
    uint8_t out[32];
    for (size_t i = 0; i < BATCH; i++) {
        if (crypto_scalarmult_ristretto255(out, g_r255_keys[0], c->batch + i * 32) != 0)
            abort();
        memcpy(c->batch + i * 32, out, 32);
    }
    return BATCH;
}

static size_t op_xmd96(struct ctx *c)
{
    uint8_t v[9], uni[96];
    value_at(c, v);
    if (sp_expand_message_xmd_sha512(uni, 96, v, 9, (const uint8_t *)NU_DST, sizeof(NU_DST) - 1))
        abort();
    return 1;
}

static size_t op_x_ro_one(struct ctx *c)
{
    uint8_t v[9], u[32];
    value_at(c, v);
    if (sp_group_hash(u, SP_KEY_BSN, v, 9) != 0)
        abort();
    return 1;
}

static size_t op_x_ro_many(struct ctx *c)
{
    next_values(c);
    if (sp_group_hash_many(c->batch, SP_KEY_BSN, c->vals, c->offs, BATCH) != 0)
        abort();
    return BATCH;
}

static size_t op_x_nu_one(struct ctx *c)
{
    uint8_t v[9], u[32];
    value_at(c, v);
    if (sp_group_encode_nu_dst(u, (const uint8_t *)NU_DST, sizeof(NU_DST) - 1, v, 9) != 0)
        abort();
    return 1;
}

/* _NU_ with the batched inversion (not offered by group.h: the protocol
 * uses _RO_), from the same pieces. */
static void x_nu_many(struct ctx *c, uint8_t *out)
{
    uint8_t uni[BATCH * SP_X25519_NU_UNIFORM_BYTES];

    next_values(c);
    for (size_t i = 0; i < BATCH; i++)
        if (sp_expand_message_xmd_sha512(uni + i * SP_X25519_NU_UNIFORM_BYTES,
                                         SP_X25519_NU_UNIFORM_BYTES, c->vals + c->offs[i], 9,
                                         (const uint8_t *)NU_DST, sizeof(NU_DST) - 1) != 0)
            abort();
    if (sp_x25519_hash_to_u(out, uni, BATCH, 0) != 0)
        abort();
}

static size_t op_x_nu_many(struct ctx *c)
{
    x_nu_many(c, c->batch);
    return BATCH;
}

static size_t op_x_blind(struct ctx *c)
{
    if (sp_blind_batch(g_keys[0], c->batch, BATCH, NULL) != 0)
        abort();
    return BATCH;
}

/* libsodium's ladder straight, one element at a time (what sp_blind_batch
 * did before the 4-lane ladder, and its portable path). */
static size_t op_x_blind_sodium(struct ctx *c)
{
    uint8_t out[32];

    for (size_t i = 0; i < BATCH; i++) {
        if (crypto_scalarmult_curve25519(out, g_x_key0, c->batch + i * 32) != 0)
            abort();
        memcpy(c->batch + i * 32, out, 32);
    }
    return BATCH;
}

/* The 4-lane AVX2 ladder straight, four elements per call. */
static size_t op_x_blind_avx2(struct ctx *c)
{
    uint8_t(*lanes)[32] = (uint8_t(*)[32])c->batch;

    for (size_t i = 0; i < BATCH; i += SP_X25519_AVX2_LANES)
        sp_x25519_avx2_scalarmult(lanes + i, g_x_key0, (const uint8_t(*)[32])(lanes + i));
    return BATCH;
}

/* OpenSSL 3 EVP: one peer key object and one derive per element (its
 * public API has no bare scalar multiplication). */
static void ossl_x25519(EVP_PKEY_CTX *ctx, uint8_t out[32], const uint8_t u[32])
{
    EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, u, 32);
    size_t len = 32;

    if (peer == NULL || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
        EVP_PKEY_derive(ctx, out, &len) != 1 || len != 32)
        abort();
    EVP_PKEY_free(peer);
}

static size_t op_x_blind_ossl(struct ctx *c)
{
    for (size_t i = 0; i < BATCH; i++)
        ossl_x25519(c->ossl, c->batch + i * 32, c->batch + i * 32);
    return BATCH;
}

static size_t op_x_check(struct ctx *c)
{
    for (size_t i = 0; i < BATCH; i++)
        if (sp_group_element_check(c->batch + i * 32) != 0)
            abort();
    return BATCH;
}

static size_t op_r255_pipeline(struct ctx *c)
{
    uint8_t e[32], out[32];
    r255_hash(c, e);
    for (int k = 0; k < c->nodes; k++) {
        if (crypto_scalarmult_ristretto255(out, g_r255_keys[k], e) != 0)
            abort();
        memcpy(e, out, 32);
    }
    return 1;
}

static void x_blind_nodes(struct ctx *c)
{
    for (int k = 0; k < c->nodes; k++)
        if (sp_blind_batch(g_keys[k], c->batch, BATCH, NULL) != 0)
            abort();
}

static size_t op_x_ro_pipeline(struct ctx *c)
{
    op_x_ro_many(c);
    x_blind_nodes(c);
    return BATCH;
}

static size_t op_x_nu_pipeline(struct ctx *c)
{
    x_nu_many(c, c->batch);
    x_blind_nodes(c);
    return BATCH;
}

/* ---- timing -------------------------------------------------------------- */

struct op {
    const char *name;
    size_t (*fn)(struct ctx *);
    int x25519_batch; /* batch must hold X25519 u-coordinates */
    int nodes;
};

static void ctx_free(struct ctx *c)
{
    EVP_PKEY_CTX_free(c->ossl);
    c->ossl = NULL;
}

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

static void ctx_init(struct ctx *c, const struct op *op, unsigned seed)
{
    EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, g_x_key0, 32);

    memset(c, 0, sizeof(*c));
    c->nodes = op->nodes;
    c->counter = (uint64_t)seed * 1000003u;
    c->ossl = sk == NULL ? NULL : EVP_PKEY_CTX_new(sk, NULL);
    EVP_PKEY_free(sk); /* the context holds a reference */
    if (c->ossl == NULL || EVP_PKEY_derive_init(c->ossl) != 1)
        abort();
    if (op->x25519_batch) {
        op_x_ro_many(c);
    } else {
        for (size_t i = 0; i < BATCH; i++)
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
        ctx_free(&runs[t].ctx);
    }
    free(runs);
    free(tid);
    return total;
}

/* ---- sanity checks before timing ---------------------------------------- */

static int check_commutativity(void)
{
    struct op dummy = {"", NULL, 1, 0};
    struct ctx c;
    uint8_t r1[32], r2[32], tmp[32], x1[32], x2[32], o[32];
    int rc = 0;

    ctx_init(&c, &dummy, 7);
    r255_hash(&c, r1);
    memcpy(r2, r1, 32);
    if (crypto_scalarmult_ristretto255(tmp, g_r255_keys[0], r1) ||
        crypto_scalarmult_ristretto255(r1, g_r255_keys[1], tmp) ||
        crypto_scalarmult_ristretto255(tmp, g_r255_keys[1], r2) ||
        crypto_scalarmult_ristretto255(r2, g_r255_keys[0], tmp) || memcmp(r1, r2, 32) != 0)
        rc = -1;
    memcpy(x1, c.batch, 32);
    memcpy(x2, c.batch, 32);
    if (rc == 0 &&
        (sp_blind_batch(g_keys[0], x1, 1, NULL) || sp_blind_batch(g_keys[1], x1, 1, NULL) ||
         sp_blind_batch(g_keys[1], x2, 1, NULL) || sp_blind_batch(g_keys[0], x2, 1, NULL) ||
         memcmp(x1, x2, 32) != 0))
        rc = -2;
    /* OpenSSL's ladder computes what libsodium's does */
    memcpy(x1, c.batch + 32, 32);
    ossl_x25519(c.ossl, o, x1);
    if (rc == 0 && (sp_blind_batch(g_keys[0], x1, 1, NULL) != 0 || memcmp(o, x1, 32) != 0))
        rc = -3;
    ctx_free(&c);
    return rc;
}

static int setup_keys(void)
{
    for (int k = 0; k < MAX_NODES; k++) {
        if (k == 0) {
            randombytes_buf(g_x_key0, sizeof(g_x_key0));
            if (sp_round_key_from_scalar(&g_keys[0], g_x_key0) != 0)
                return -1;
        } else if (sp_round_key_new(&g_keys[k]) != 0) {
            return -1;
        }
        crypto_core_ristretto255_scalar_random(g_r255_keys[k]);
    }
    return 0;
}

static const struct op ops[] = {
    {"ristretto255 hash (hash_to_ristretto255)", op_r255_hash, 0, 0},
    {"ristretto255 blind (scalarmult_ristretto)", op_r255_blind, 0, 0},
    {"expand_message_xmd, 96 B (part of RO)", op_xmd96, 0, 0},
    {"X25519 hash RO, one at a time", op_x_ro_one, 1, 0},
    {"X25519 hash RO, batched x64 (protocol)", op_x_ro_many, 1, 0},
    {"X25519 hash NU, one at a time", op_x_nu_one, 1, 0},
    {"X25519 hash NU, batched x64", op_x_nu_many, 1, 0},
    {"X25519 blind, sp_blind_batch (protocol)", op_x_blind, 1, 0},
    {"X25519 blind, OpenSSL EVP derive", op_x_blind_ossl, 1, 0},
    {"X25519 element check (sp_group_element_ch)", op_x_check, 1, 0},
    {"ristretto255 pipeline: hash + 2 blinds", op_r255_pipeline, 0, 2},
    {"X25519 RO pipeline: hash + 2 blinds", op_x_ro_pipeline, 1, 2},
    {"X25519 NU pipeline: hash + 2 blinds", op_x_nu_pipeline, 1, 2},
    {"ristretto255 pipeline: hash + 5 blinds", op_r255_pipeline, 0, 5},
    {"X25519 RO pipeline: hash + 5 blinds", op_x_ro_pipeline, 1, 5},
    {"X25519 NU pipeline: hash + 5 blinds", op_x_nu_pipeline, 1, 5},
    {"X25519 blind, libsodium ladder direct", op_x_blind_sodium, 1, 0},
    {"X25519 blind, AVX2 4-lane ladder direct", op_x_blind_avx2, 1, 0},
};
#define OP_SODIUM 16 /* ops[] indices of the two ladders */
#define OP_AVX2   17

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
    printf("%-42s %8.2f us   %-42s %8.2f us   ratio %.2f\n", a->name, 1e6 * ta / (double)na,
           b->name, 1e6 * tb / (double)nb, (tb / (double)nb) / (ta / (double)na));
    ctx_free(&ca);
    ctx_free(&cb);
}

/* Indices into ops[]: the reference first, the candidate second. */
static const int pairs[][2] = {{0, 3},   {0, 4},   {4, 6},   {3, 4},   {1, 7}, {7, 8},
                               {10, 11}, {11, 12}, {13, 14}, {14, 15}, {16, 7}};

/* The ladders head to head: batches of 64 elements, libsodium's and the
 * 4-lane one alternately in one thread, each batch's CPU time taken; the
 * minimum over all batches is the cost least disturbed by other work (the
 * machine is shared), the mean is printed beside it. */
static void ladder_compare(double seconds)
{
    const struct op *a = &ops[OP_SODIUM], *b = &ops[OP_AVX2];
    double min_a = 1e9, min_b = 1e9, sum_a = 0, sum_b = 0, start = clock_s(CLOCK_MONOTONIC);
    uint64_t n = 0;
    struct ctx ca, cb;

    ctx_init(&ca, a, 17);
    ctx_init(&cb, b, 19);
    while (clock_s(CLOCK_MONOTONIC) - start < seconds) {
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t1, t2;

        a->fn(&ca);
        t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        b->fn(&cb);
        t2 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        min_a = t1 - t0 < min_a ? t1 - t0 : min_a;
        min_b = t2 - t1 < min_b ? t2 - t1 : min_b;
        sum_a += t1 - t0;
        sum_b += t2 - t1;
        n++;
    }
    printf("ladders, %llu batches of %d each, interleaved, us per element:\n"
           "  %-40s min %6.2f  mean %6.2f\n  %-40s min %6.2f  mean %6.2f\n"
           "  ratio (AVX2 / libsodium): min %.3f  mean %.3f\n",
           (unsigned long long)n, BATCH, a->name, 1e6 * min_a / BATCH,
           1e6 * sum_a / (double)n / BATCH, b->name, 1e6 * min_b / BATCH,
           1e6 * sum_b / (double)n / BATCH, min_b / min_a, sum_b / sum_a);
    ctx_free(&ca);
    ctx_free(&cb);
}

/* The 4-lane ladder must compute what libsodium's does before it is timed. */
static int check_avx2_ladder(void)
{
    struct op dummy = {"", NULL, 1, 0};
    struct ctx c;
    uint8_t ref[BATCH * 32];
    int rc = 0;

    ctx_init(&c, &dummy, 23);
    memcpy(ref, c.batch, sizeof(ref));
    op_x_blind_avx2(&c);
    for (size_t i = 0; i < BATCH && rc == 0; i++) {
        uint8_t out[32];
        if (crypto_scalarmult_curve25519(out, g_x_key0, ref + i * 32) != 0 ||
            memcmp(out, c.batch + i * 32, 32) != 0)
            rc = -1;
    }
    ctx_free(&c);
    return rc;
}

static void print_machine(void)
{
    char line[256];
    double load[3] = {0, 0, 0};
    FILE *f = fopen("/proc/cpuinfo", "r");

    /* the first processor's model name, family and model (a hypervisor may
     * shorten the name; family 25 is Zen 3/4, 6 with model 106 Ice Lake) */
    while (f != NULL && fgets(line, sizeof(line), f) != NULL && line[0] != '\n') {
        char *colon = strchr(line, ':');
        if (colon != NULL &&
            (strncmp(line, "model name", 10) == 0 || strncmp(line, "cpu family", 10) == 0 ||
             strncmp(line, "model\t", 6) == 0))
            printf("%.*s: %s", (int)strcspn(line, "\t"), line, colon + 2);
    }
    if (f != NULL)
        fclose(f);
    if (getloadavg(load, 3) == 3)
        printf("load average: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
}

static int parse_args(int argc, char **argv, double *seconds, int *threads, int *repeat,
                      int *ladders)
{
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--ladders") == 0) {
            *ladders = 1;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
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
    int threads = ncpu > 0 ? (int)ncpu : 1, repeat = 1, ladders = 0, avx2;

    if (parse_args(argc, argv, &seconds, &threads, &repeat, &ladders) != 0) {
        fprintf(stderr, "usage: %s [--seconds S] [--threads N] [--repeat R] [--ladders]\n",
                argv[0]);
        return 2;
    }
    if (sp_crypto_init() != 0 || setup_keys() != 0) {
        fprintf(stderr, "bench_group: cannot initialise libsodium\n");
        return 1;
    }
    avx2 = sp_x25519_avx2_available();
    if (check_commutativity() != 0 || (avx2 && check_avx2_ladder() != 0)) {
        fprintf(stderr, "bench_group: sanity check failed\n");
        return 1;
    }
    printf("snijpunt group benchmark: libsodium %s, %s, best of %d x %.1f s per figure, "
           "all cores = %d threads\n",
           sodium_version_string(), OpenSSL_version(OPENSSL_VERSION), repeat, seconds, threads);
    print_machine();
    if (ladders) {
        if (avx2)
            ladder_compare(seconds * repeat);
        else
            printf("no 4-lane ladder on this CPU or build: only libsodium's\n");
        print_machine();
        goto done;
    }
    /* One thread: per second of CPU time it got. All cores: per wall-clock
     * second, which other load on the machine depresses. */
    printf("%-42s %14s %10s %16s\n", "operation", "1 thread op/s", "us/op", "all cores op/s");
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        double one = 0, all = 0;
        if (i == OP_AVX2 && !avx2)
            continue;
        for (int r = 0; r < repeat; r++) {
            double a = measure(&ops[i], 1, seconds, 1), b = measure(&ops[i], threads, seconds, 0);
            one = a > one ? a : one;
            all = b > all ? b : all;
        }
        printf("%-42s %14.0f %10.1f %16.0f\n", ops[i].name, one, 1e6 / one, all);
        fflush(stdout);
    }
    printf("\nhead to head (interleaved in one thread, CPU time per operation, %.0f s each;\n"
           "ratio = second cost / first cost)\n",
           seconds * repeat);
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        head_to_head(&ops[pairs[i][0]], &ops[pairs[i][1]], seconds * repeat);
    if (avx2)
        ladder_compare(seconds * repeat);
    print_machine();
done:
    for (int k = 0; k < MAX_NODES; k++)
        sp_round_key_free(&g_keys[k]);
    sodium_memzero(g_x_key0, sizeof(g_x_key0));
    return 0;
}
