/*
 * bench_round_ops: the cost of one group operation on this machine, measured
 * in isolation, for bench/bench_round's floor. Times hash-to-group
 * (sp_group_hash_many, parts of 512 as in the daemon) and scalar
 * multiplication (sp_blind_batch, as the daemon blinds) on one thread over n
 * distinct synthetic values, in CPU time of that thread (the machine is
 * shared: wall time would charge other processes' work to the operation);
 * and libsodium's X25519 ladder called directly on the same values, issue
 * 11's reference rate for its floor whatever ladder sp_blind_batch uses.
 * Prints "name ns_per_op" lines.
 *
 *   bench_round_ops [n]     (default 20000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/keytype.h"
#include "crypto/group.h"

#define BATCH 4096

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Nine-digit values shaped like the BSN keys of the round benchmark, hashed
 * in parts of 512 with sp_group_hash_many, as the daemon's workers do. */
static int hash_all(uint8_t *elems, size_t n)
{
    enum { PART = 512 };
    static uint8_t vals[PART * 16];
    uint32_t offs[PART + 1];

    for (size_t off = 0; off < n; off += PART) {
        size_t m = n - off < PART ? n - off : PART;
        size_t len = 0;

        for (size_t i = 0; i < m; i++) {
            offs[i] = (uint32_t)len;
            len += (size_t)snprintf((char *)vals + len, 16, "%09zu", 100000000 + off + i);
        }
        offs[m] = (uint32_t)len;
        if (sp_group_hash_many(elems + off * SP_GROUP_ELEMENT_BYTES, SP_KEY_BSN, vals, offs, m) !=
            0)
            return -1;
    }
    return 0;
}

static int blind_all(const struct sp_round_key *key, uint8_t *elems, size_t n)
{
    for (size_t off = 0; off < n; off += BATCH) {
        size_t m = n - off < BATCH ? n - off : BATCH;
        if (sp_blind_batch(key, elems + off * SP_GROUP_ELEMENT_BYTES, m, NULL) != 0)
            return -1;
    }
    return 0;
}

/* libsodium's ladder, one call per value, with one clamped scalar. */
static int libsodium_all(const uint8_t *elems, size_t n)
{
    uint8_t scalar[crypto_scalarmult_curve25519_SCALARBYTES];
    uint8_t out[crypto_scalarmult_curve25519_BYTES];
    int rc = 0;
    randombytes_buf(scalar, sizeof(scalar));
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = crypto_scalarmult_curve25519(out, scalar, elems + i * SP_GROUP_ELEMENT_BYTES);
    sodium_memzero(scalar, sizeof(scalar));
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 20000;
    if (argc > 1) {
        char *end = NULL;
        unsigned long long v = strtoull(argv[1], &end, 10);
        if (!end || *end || v == 0 || v > 100000000ULL) {
            fprintf(stderr, "usage: bench_round_ops [n]\n");
            return 2;
        }
        n = (size_t)v;
    }
    struct sp_round_key *key = NULL;
    uint8_t *elems = malloc(n * SP_GROUP_ELEMENT_BYTES);
    int rc = 1;
    if (!elems || sp_crypto_init() != 0 || sp_round_key_new(&key) != 0)
        goto out;
    double t0 = cpu_s();
    if (hash_all(elems, n) != 0)
        goto out;
    double t1 = cpu_s();
    if (libsodium_all(elems, n) != 0)
        goto out;
    double t2 = cpu_s();
    if (blind_all(key, elems, n) != 0)
        goto out;
    double t3 = cpu_s();
    printf("ops %zu\n", n);
    printf("hash_to_group_ns %.1f\n", (t1 - t0) * 1e9 / (double)n);
    printf("libsodium_x25519_ns %.1f\n", (t2 - t1) * 1e9 / (double)n);
    printf("scalar_mult_ns %.1f\n", (t3 - t2) * 1e9 / (double)n);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "bench_round_ops: crypto failed\n");
    sp_round_key_free(&key);
    free(elems);
    return rc;
}
