/*
 * Constant-time check of the group code (the ctgrind approach): run under
 * valgrind's memcheck, with the round key's scalar and the match-key values
 * marked undefined ("secret"). memcheck then reports every conditional jump
 * and every memory index that depends on them, in our field arithmetic and
 * map (crypto/curve25519.c), in libsodium's SHA-512 and X25519 ladder, in
 * the 4-lane AVX2 ladder (crypto/x25519_avx2.c, when the CPU has AVX2) and
 * in the glue (crypto/group.c). Both ladders blind the same elements, in
 * batches of 130 (two lanes in the last group of four) and 129 (a lone
 * last element, which goes through libsodium's ladder). The crypto sources are compiled into this
 * program with SP_CT_CHECK, under which crypto/ct.h declassifies what the
 * protocol makes public anyway (the elements, and whether one was refused).
 *
 * Registered as crypto_ct_valgrind when valgrind is installed (not under
 * the sanitizers, which valgrind cannot run); run alone it only checks that
 * the computation works. Exits 0 on success.
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "common/keytype.h"
#include "crypto/group.h"
#include "crypto/x25519_avx2.h"

#define N 130 /* more than two shared-inversion chunks of 64 */

/* Blinds copies of elems with the given ladder, n = N and N - 1; fails on
 * any error and when the ladders disagree (out holds the first result). */
static int blind_with(int impl, const struct sp_round_key *key, const uint8_t *elems, uint8_t *out,
                      int compare)
{
    static uint8_t copy[N * SP_GROUP_ELEMENT_BYTES];
    size_t bad = 0;
    int rc = sp_blind_impl_set(impl);

    for (size_t n = N; rc == 0 && n >= N - 1; n--) {
        memcpy(copy, elems, sizeof(copy));
        rc = sp_blind_batch(key, copy, n, &bad);
        if (rc == 0 && compare && memcmp(copy, out, n * SP_GROUP_ELEMENT_BYTES) != 0)
            rc = SP_ERR_INTERNAL;
        if (rc == 0 && n == N)
            memcpy(out, copy, sizeof(copy));
    }
    return rc;
}

int main(void)
{
    static uint8_t vals[N * 16], elems[N * SP_GROUP_ELEMENT_BYTES], out[N * SP_GROUP_ELEMENT_BYTES];
    uint8_t scalar[SP_GROUP_SCALAR_BYTES];
    uint32_t offs[N + 1];
    struct sp_round_key *key = NULL;
    size_t len = 0, bad = 0;
    int rc;

    if (sp_crypto_init() != 0)
        return 1;
    for (size_t i = 0; i < N; i++) {
        offs[i] = (uint32_t)len;
        len += (size_t)snprintf((char *)vals + len, 16, "%09zu", 123456789 + 7919 * i);
    }
    offs[N] = (uint32_t)len;
    for (size_t i = 0; i < sizeof(scalar); i++)
        scalar[i] = (uint8_t)(0x5a ^ (i * 37));

    /* secrets: the values' bytes (not their lengths) and the scalar */
    VALGRIND_MAKE_MEM_UNDEFINED(vals, len);
    VALGRIND_MAKE_MEM_UNDEFINED(scalar, sizeof(scalar));

    rc = sp_round_key_from_scalar(&key, scalar);
    if (rc == 0)
        rc = sp_group_hash_many(elems, SP_KEY_BSN, vals, offs, N);
    if (rc == 0)
        rc = sp_group_hash(elems, SP_KEY_KVK, vals, 9);
    if (rc == 0)
        rc = sp_blind_batch(key, elems, N, &bad);
    if (rc == 0)
        rc = blind_with(SP_BLIND_PORTABLE, key, elems, out, 0);
    if (rc == 0 && sp_x25519_avx2_available()) {
        rc = blind_with(SP_BLIND_AVX2, key, elems, out, 1);
        fprintf(stderr, "ct_check: the 4-lane AVX2 ladder was checked\n");
    }
    sp_round_key_free(&key);
    if (rc != 0) {
        fprintf(stderr, "ct_check: %s\n", sp_strerror(rc));
        return 1;
    }
    return 0;
}
