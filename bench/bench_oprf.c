/*
 * bench_oprf: the cost of case questions (crypto/oprf.h, round/case_filter.h,
 * docs/case-questions.md), one thread, in CPU time of that thread (the
 * machine is shared: wall time would charge other processes' work to us).
 *
 *   bench_oprf [--values N] [--filter F] [--repeat R]
 *
 * Per value, each the minimum over R runs on 4,096 values:
 *   - H_case, batched (sp_oprf_hash_many, one inversion per 64 values);
 *   - the asker's blinding (sp_oprf_blind: X25519 with a fresh r, and
 *     r^-1 mod L for the unblinding);
 *   - the partner's evaluation (sp_blind_batch with the derived epoch key);
 *   - the asker's unblinding (sp_oprf_unblind: the answer check, u to y,
 *     libsodium's Edwards noclamp multiplication, y to u);
 *   - fingerprint + lookup in an F-entry filter (default 1,000,000; half of
 *     the lookups hit).
 * The epoch set-up of N distinct values (default 200,000; --values 1000000
 * for the size): sp_oprf_hash_many in parts of 4,096,
 * sp_blind_batch with the epoch key, a fingerprint per value; against the
 * floor the issue defines, each distinct value hashed once and one X25519
 * per value at libsodium's crypto_scalarmult rate, both measured in the same
 * run on min(N, 20,000) values (round DST, sp_group_hash_many; bare
 * crypto_scalarmult_curve25519) and scaled to N. Runs are interleaved
 * (floor sample, set-up, floor sample, ...) so that both see the same
 * machine; the minimum of each is used. Sorting the fingerprints into a
 * filter is printed beside it, not counted.
 *
 * A benchmark, not a test: it checks once that the question path gives the
 * set-up's outputs, then prints figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/keytype.h"
#include "crypto/group.h"
#include "crypto/oprf.h"
#include "round/case_filter.h"

#define EB       SP_GROUP_ELEMENT_BYTES
#define PART     4096
#define SAMPLE   20000
#define VAL_MAX  16
#define KEY_TYPE SP_KEY_BSN

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_oprf: %s failed\n", what);
    exit(1);
}

/* Nine-digit values (BSN-shaped) first .. first + n - 1. */
struct values {
    uint8_t *bytes;
    uint32_t *offs;
    size_t n;
};

static void values_make(struct values *v, size_t first, size_t n)
{
    size_t len = 0;

    v->bytes = malloc(n * VAL_MAX + 1);
    v->offs = malloc((n + 1) * sizeof(uint32_t));
    if (v->bytes == NULL || v->offs == NULL)
        die("malloc");
    for (size_t i = 0; i < n; i++) {
        v->offs[i] = (uint32_t)len;
        len += (size_t)snprintf((char *)v->bytes + len, VAL_MAX, "%09zu", 100000000 + first + i);
    }
    v->offs[n] = (uint32_t)len;
    v->n = n;
}

static void values_free(struct values *v)
{
    free(v->bytes);
    free(v->offs);
}

/* Hashes values [at, at + m) of v (offsets rebased for the part). */
static int hash_part(uint8_t *out, const struct values *v, size_t at, size_t m, int oprf)
{
    uint32_t offs[PART + 1];

    for (size_t i = 0; i <= m; i++)
        offs[i] = v->offs[at + i] - v->offs[at];
    if (oprf)
        return sp_oprf_hash_many(out, KEY_TYPE, v->bytes + v->offs[at], offs, m);
    return sp_group_hash_many(out, KEY_TYPE, v->bytes + v->offs[at], offs, m);
}

static void hash_all(uint8_t *out, const struct values *v, int oprf)
{
    for (size_t at = 0; at < v->n; at += PART) {
        size_t m = v->n - at < PART ? v->n - at : PART;
        if (hash_part(out + at * EB, v, at, m, oprf) != 0)
            die("hash");
    }
}

/* ---- per value ----------------------------------------------------------- */

struct per_value {
    double hash, blind, eval, unblind, lookup;
};

static void min_into(double *best, double t)
{
    if (*best == 0 || t < *best)
        *best = t;
}

static void per_value_run(struct per_value *best, const struct sp_round_key *key,
                          const struct sp_case_filter *filter, const struct values *v)
{
    static uint8_t h[PART * EB], q[PART * EB];
    struct sp_oprf_blinds *b = NULL;
    volatile size_t hits = 0;
    double t0, t1, t2, t3, t4, t5;

    t0 = cpu_s();
    if (hash_part(h, v, 0, PART, 1) != 0)
        die("sp_oprf_hash_many");
    t1 = cpu_s();
    memcpy(q, h, sizeof(q));
    if (sp_oprf_blind(q, PART, &b) != 0)
        die("sp_oprf_blind");
    t2 = cpu_s();
    if (sp_blind_batch(key, q, PART, NULL) != 0)
        die("sp_blind_batch");
    t3 = cpu_s();
    if (sp_oprf_unblind(b, 0, q, PART, NULL) != 0)
        die("sp_oprf_unblind");
    t4 = cpu_s();
    for (size_t i = 0; i < PART; i++)
        hits += sp_case_filter_contains(filter, sp_oprf_fingerprint(KEY_TYPE, q + i * EB));
    t5 = cpu_s();
    if (hits != PART / 2)
        die("the filter lookups (hits)");
    sp_oprf_blinds_free(&b);
    min_into(&best->hash, (t1 - t0) / PART);
    min_into(&best->blind, (t2 - t1) / PART);
    min_into(&best->eval, (t3 - t2) / PART);
    min_into(&best->unblind, (t4 - t3) / PART);
    min_into(&best->lookup, (t5 - t4) / PART);
}

/* A filter of nf random fingerprints in which the first PART / 2 of v's
 * outputs under key are present. */
static void filter_make(struct sp_case_filter *f, const struct sp_round_key *key,
                        const struct values *v, size_t nf)
{
    static uint8_t h[PART * EB];
    uint64_t *fp = malloc(nf * sizeof(uint64_t));

    if (fp == NULL || nf < PART / 2)
        die("filter set-up");
    randombytes_buf(fp, nf * sizeof(uint64_t));
    if (hash_part(h, v, 0, PART, 1) != 0 || sp_blind_batch(key, h, PART, NULL) != 0)
        die("filter set-up");
    for (size_t i = 0; i < PART / 2; i++)
        fp[i] = sp_oprf_fingerprint(KEY_TYPE, h + i * EB);
    if (sp_case_filter_append(f, fp, nf) != 0)
        die("sp_case_filter_append");
    sp_case_filter_seal(f);
    free(fp);
}

/* ---- epoch set-up and its floor ------------------------------------------ */

/* Seconds per value of the floor's two operations on s values. */
static void floor_run(double *hash, double *ladder, const struct values *s, uint8_t *elems)
{
    uint8_t k[32], out[EB];
    double t0, t1, t2;

    randombytes_buf(k, sizeof(k));
    t0 = cpu_s();
    hash_all(elems, s, 0);
    t1 = cpu_s();
    for (size_t i = 0; i < s->n; i++) {
        if (crypto_scalarmult_curve25519(out, k, elems + i * EB) != 0)
            die("crypto_scalarmult_curve25519");
        memcpy(elems + i * EB, out, EB);
    }
    t2 = cpu_s();
    min_into(hash, (t1 - t0) / (double)s->n);
    min_into(ladder, (t2 - t1) / (double)s->n);
}

/* Seconds for the whole set-up of v's values; fp gets the fingerprints. */
static double setup_run(const struct sp_round_key *key, const struct values *v, uint8_t *elems,
                        uint64_t *fp)
{
    double t0 = cpu_s();

    for (size_t at = 0; at < v->n; at += PART) {
        size_t m = v->n - at < PART ? v->n - at : PART;
        uint8_t *e = elems + at * EB;

        if (hash_part(e, v, at, m, 1) != 0 || sp_blind_batch(key, e, m, NULL) != 0)
            die("set-up");
        for (size_t i = 0; i < m; i++)
            fp[at + i] = sp_oprf_fingerprint(KEY_TYPE, e + i * EB);
    }
    return cpu_s() - t0;
}

/* The question path gives the set-up's output for a value (checked once). */
static void check_agrees(const struct sp_round_key *key, const struct values *v,
                         const uint8_t *setup_elems)
{
    uint8_t q[EB];
    struct sp_oprf_blinds *b = NULL;

    if (hash_part(q, v, 7, 1, 1) != 0 || sp_oprf_blind(q, 1, &b) != 0 ||
        sp_blind_batch(key, q, 1, NULL) != 0 || sp_oprf_unblind(b, 0, q, 1, NULL) != 0 ||
        memcmp(q, setup_elems + 7 * EB, EB) != 0)
        die("the question path's agreement with the set-up");
    sp_oprf_blinds_free(&b);
}

static int parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);

    if (end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, size_t *nvals, size_t *nfilter, size_t *repeat)
{
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return -1;
        if (strcmp(argv[i], "--values") == 0) {
            if (parse_size(argv[++i], PART, 100000000, nvals) != 0)
                return -1;
        } else if (strcmp(argv[i], "--filter") == 0) {
            if (parse_size(argv[++i], PART, 100000000, nfilter) != 0)
                return -1;
        } else if (strcmp(argv[i], "--repeat") == 0) {
            if (parse_size(argv[++i], 1, 100, repeat) != 0)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

static void print_machine(void)
{
    char line[256];
    double load[3] = {0, 0, 0};
    FILE *f = fopen("/proc/cpuinfo", "r");

    while (f != NULL && fgets(line, sizeof(line), f) != NULL && line[0] != '\n') {
        char *colon = strchr(line, ':');
        if (colon != NULL && strncmp(line, "model name", 10) == 0)
            printf("cpu: %s", colon + 2);
    }
    if (f != NULL)
        fclose(f);
    if (getloadavg(load, 3) == 3)
        printf("load average: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
}

int main(int argc, char **argv)
{
    size_t nvals = 200000, nfilter = 1000000, repeat = 3;
    struct sp_oprf_secret *secret = NULL;
    struct sp_round_key *key = NULL;
    struct sp_case_filter filter = {0};
    struct per_value pv = {0};
    struct values v, sample;
    double fl_hash = 0, fl_ladder = 0, setup = 0, seal, t0;
    uint8_t *elems;
    uint64_t *fp;

    if (parse_args(argc, argv, &nvals, &nfilter, &repeat) != 0) {
        fprintf(stderr, "usage: %s [--values N] [--filter F] [--repeat R]\n", argv[0]);
        return 2;
    }
    if (sp_crypto_init() != 0 || sp_oprf_secret_new(&secret) != 0 ||
        sp_oprf_key_derive(secret, 1, KEY_TYPE, &key) != 0)
        die("set-up of the key");
    print_machine();
    values_make(&v, 0, nvals);
    values_make(&sample, nvals, nvals < SAMPLE ? nvals : SAMPLE); /* other values */
    elems = malloc(nvals * EB);
    fp = malloc(nvals * sizeof(uint64_t));
    if (elems == NULL || fp == NULL)
        die("malloc");

    filter_make(&filter, key, &v, nfilter);
    for (size_t r = 0; r < repeat; r++)
        per_value_run(&pv, key, &filter, &v);
    printf("per value, one thread, min of %zu runs on %d values (us):\n", repeat, PART);
    printf("  H_case, batched (sp_oprf_hash_many)          %8.2f\n", 1e6 * pv.hash);
    printf("  asker: blind (X25519 + r^-1 mod L)           %8.2f\n", 1e6 * pv.blind);
    printf("  partner: evaluate (sp_blind_batch)           %8.2f\n", 1e6 * pv.eval);
    printf("  asker: unblind (check + Edwards noclamp)     %8.2f\n", 1e6 * pv.unblind);
    printf("  asker: fingerprint + lookup (%9zu entries) %8.2f\n", nfilter, 1e6 * pv.lookup);
    printf("  a question: asker (hash, blind, unblind, lookup) %.2f, partner %.2f\n",
           1e6 * (pv.hash + pv.blind + pv.unblind + pv.lookup), 1e6 * pv.eval);
    fflush(stdout);

    for (size_t r = 0; r < repeat; r++) {
        double t;

        floor_run(&fl_hash, &fl_ladder, &sample, elems);
        t = setup_run(key, &v, elems, fp);
        min_into(&setup, t);
        printf("  run %zu: set-up %.2f s\n", r + 1, t);
        fflush(stdout);
    }
    check_agrees(key, &v, elems);
    t0 = cpu_s();
    if (sp_case_filter_append(&filter, fp, 0) != 0)
        die("append");
    sp_case_filter_clear(&filter);
    if (sp_case_filter_append(&filter, fp, nvals) != 0)
        die("append");
    sp_case_filter_seal(&filter);
    seal = cpu_s() - t0;

    {
        double floor_s = (double)nvals * (fl_hash + fl_ladder);

        printf("epoch set-up of %zu values, one thread, min of %zu runs:\n", nvals, repeat);
        printf("  set-up (hash_many + evaluate + fingerprint)  %8.2f s  (%.2f us per value)\n",
               setup, 1e6 * setup / (double)nvals);
        printf("  floor: hash %.2f us + crypto_scalarmult %.2f us per value (on %zu values)\n",
               1e6 * fl_hash, 1e6 * fl_ladder, sample.n);
        printf("  floor for %zu values                          %8.2f s\n", nvals, floor_s);
        printf("  ratio set-up / floor                          %8.3f\n", setup / floor_s);
        printf("  not counted: the filter (append + sort)      %8.3f s, %zu bytes per value\n",
               seal, sizeof(uint64_t));
    }
    print_machine();
    sp_case_filter_clear(&filter);
    free(elems);
    free(fp);
    values_free(&v);
    values_free(&sample);
    sp_round_key_free(&key);
    sp_oprf_secret_free(&secret);
    return 0;
}
