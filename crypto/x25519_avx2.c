/*
 * Four X25519 ladders in the lanes of AVX2 registers (crypto/README.md,
 * "The vectorised ladder").
 *
 * Why this file looks the way it does:
 * - sp_blind_batch multiplies many u by the same clamped scalar. Lane j of
 *   every register belongs to element j, so the ladder of RFC 7748 runs four
 *   times in lockstep: the scalar bit, and with it the conditional swap, is
 *   the same in every lane. Each lane is ordinary field arithmetic.
 * - The field is radix 2^25.5: ten limbs of 26, 25, 26, ... bits, limb i
 *   at bit ceil(25.5 i), each in a 64-bit lane; vpmuludq multiplies the low
 *   32 bits of two lanes into 64. The 2^255 = 19 (mod p) fold multiplies an
 *   operand by 19 before the product (and odd-by-odd products by 2, as their
 *   weights add up to one bit more than the limb position).
 * - Limbs stay unsigned. Bounds (E = 2^26 for even limbs, 2^25 for odd):
 *   carried limbs are < E (limbs 1 and 5 up to E + 2^17); a sum < 2E, a
 *   difference (f + 2p - g) < 3E. Every operand of vpmuludq is then < 2^32
 *   (the largest is 19 * 3 * 2^26 < 2^31.9) and every sum of products
 *   < 10 * 19 * 9 * 2^52 < 2^62.8, so nothing wraps. Each product or square
 *   is carried at once; the ladder step uses no deeper sums than that.
 * - Constant time: the only branches and indices are on loop counters and
 *   bit positions; the swap is by masks built from the scalar bit
 *   arithmetically; the final reduction is by carries. The inversion is
 *   Fermat's (z^(p-2), one fixed addition chain), four lanes at once.
 * - Every function with vector code carries target("avx2") instead of a
 *   global -mavx2, so the rest of the binary stays portable; group.c calls
 *   in only after sp_x25519_avx2_available().
 * - gcc 12 needs pin_rows, the unroll pragmas and the limb-by-limb stores
 *   in fe4_carry: without them it spills the products and copies limbs
 *   with rep movsq, and the ladder is no faster than libsodium's.
 */
#include "x25519_avx2.h"

#include <stdlib.h>
#include <string.h>

/* x86-64 only (the package is built for any Debian architecture); defining
 * SP_X25519_NO_AVX2 compiles the other branch on x86-64 too, to test it. */
#if defined(__x86_64__) && !defined(SP_X25519_NO_AVX2)

#include <immintrin.h>
#include <sodium.h>

#define SP_AVX2 __attribute__((target("avx2")))
#define NLIMB   10

/* Four field elements, limb i of lane j in l[i] lane j. */
struct fe4 {
    __m256i l[NLIMB];
};

/* Bit offsets and widths of the limbs. */
static const unsigned limb_off[NLIMB] = {0, 26, 51, 77, 102, 128, 153, 179, 204, 230};
static const unsigned limb_bits[NLIMB] = {26, 25, 26, 25, 26, 25, 26, 25, 26, 25};

bool sp_x25519_avx2_available(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
}

/* Carries a vector of 64-bit limb sums (each < 2^63) into 26/25-bit limbs;
 * limb 9's carry comes back into limb 0 times 19. Two chains run side by
 * side (0..4 and 4..9) for instruction-level parallelism. */
SP_AVX2 static inline void fe4_carry(struct fe4 *h, __m256i t[NLIMB])
{
    const __m256i m26 = _mm256_set1_epi64x((1 << 26) - 1), m25 = _mm256_set1_epi64x((1 << 25) - 1);
    __m256i c;

#define CARRY(i, bits, mask)                                                                       \
    do {                                                                                           \
        c = _mm256_srli_epi64(t[i], bits);                                                         \
        t[i] = _mm256_and_si256(t[i], mask);                                                       \
        t[(i) + 1] = _mm256_add_epi64(t[(i) + 1], c);                                              \
    } while (0)
    CARRY(0, 26, m26);
    CARRY(4, 26, m26);
    CARRY(1, 25, m25);
    CARRY(5, 25, m25);
    CARRY(2, 26, m26);
    CARRY(6, 26, m26);
    CARRY(3, 25, m25);
    CARRY(7, 25, m25);
    CARRY(4, 26, m26);
    CARRY(8, 26, m26);
    /* limb 9's carry is worth 2^255 = 19: add c + 2c + 16c (c may exceed 32
     * bits, so no vpmuludq here) */
    c = _mm256_srli_epi64(t[9], 25);
    t[9] = _mm256_and_si256(t[9], m25);
    t[0] = _mm256_add_epi64(t[0], _mm256_add_epi64(c, _mm256_add_epi64(_mm256_slli_epi64(c, 1),
                                                                       _mm256_slli_epi64(c, 4))));
    CARRY(0, 26, m26);
#undef CARRY
    /* stored one by one: a loop here becomes a slow rep movsq under gcc */
    h->l[0] = t[0];
    h->l[1] = t[1];
    h->l[2] = t[2];
    h->l[3] = t[3];
    h->l[4] = t[4];
    h->l[5] = t[5];
    h->l[6] = t[6];
    h->l[7] = t[7];
    h->l[8] = t[8];
    h->l[9] = t[9];
}

/* Keeps the ten accumulators in registers at this point: without it gcc
 * hoists all hundred products ahead of their sums and spills them to the
 * stack (about 1.5 times slower; clang does not need it). */
SP_AVX2 static inline void pin_rows(__m256i t[NLIMB])
{
    __asm__("" : "+x"(t[0]), "+x"(t[1]), "+x"(t[2]), "+x"(t[3]), "+x"(t[4]));
    __asm__("" : "+x"(t[5]), "+x"(t[6]), "+x"(t[7]), "+x"(t[8]), "+x"(t[9]));
}

/* h = f * g, where g19 holds 19 * g. Operand scanning: row i adds f_i * g
 * into the ten accumulators, which stay in registers; g and g19 are read
 * from memory (a load per product is cheaper than spilling partial sums). */
SP_AVX2 static inline void fe4_mul_pre(struct fe4 *h, const struct fe4 *f, const struct fe4 *g,
                                       const __m256i g19[NLIMB])
{
    __m256i t[NLIMB];

#pragma GCC unroll 10
    for (int k = 0; k < NLIMB; k++)
        t[k] = _mm256_setzero_si256();
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        __m256i fi = f->l[i], fi2 = _mm256_add_epi64(fi, fi);

#pragma GCC unroll 10
        for (int j = 0; j < NLIMB; j++) {
            int k = i + j;
            __m256i a = (i & 1) && (j & 1) ? fi2 : fi;
            __m256i b = k >= NLIMB ? g19[j] : g->l[j];

            t[k % NLIMB] = _mm256_add_epi64(t[k % NLIMB], _mm256_mul_epu32(a, b));
        }
        pin_rows(t);
    }
    fe4_carry(h, t);
}

SP_AVX2 static inline void fe4_times19(__m256i g19[NLIMB], const struct fe4 *g)
{
    const __m256i n19 = _mm256_set1_epi64x(19);

#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++)
        g19[i] = _mm256_mul_epu32(g->l[i], n19);
}

SP_AVX2 static inline void fe4_mul(struct fe4 *h, const struct fe4 *f, const struct fe4 *g)
{
    __m256i g19[NLIMB];

    fe4_times19(g19, g);
    fe4_mul_pre(h, f, g, g19);
}

/* h = f^2: each cross product once, doubled; the operands are split so
 * that both factors stay below 2^32 (19 or 38 on the odd limb of a wrapped
 * pair, where the limb has 25 bits). */
SP_AVX2 static inline void fe4_sq(struct fe4 *h, const struct fe4 *f)
{
    const __m256i n19 = _mm256_set1_epi64x(19);
    __m256i f2[NLIMB], f4[NLIMB], f19[NLIMB], f38[NLIMB], t[NLIMB];

#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        f2[i] = _mm256_add_epi64(f->l[i], f->l[i]);
        f4[i] = _mm256_add_epi64(f2[i], f2[i]);
        f19[i] = _mm256_mul_epu32(f->l[i], n19);
        f38[i] = _mm256_add_epi64(f19[i], f19[i]);
    }
#pragma GCC unroll 10
    for (int k = 0; k < NLIMB; k++)
        t[k] = _mm256_setzero_si256();
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        /* the square term: weight 2 for odd i, 19 when it wraps */
        int k = 2 * i;
        __m256i a = f->l[i], b;

        if (k < NLIMB)
            b = (i & 1) ? f2[i] : f->l[i];
        else
            b = (i & 1) ? f38[i] : f19[i];
        t[k % NLIMB] = _mm256_add_epi64(t[k % NLIMB], _mm256_mul_epu32(a, b));
#pragma GCC unroll 10
        for (int j = i + 1; j < NLIMB; j++) {
            int both_odd = (i & 1) && (j & 1);

            k = i + j;
            if (k < NLIMB) {
                a = both_odd ? f4[i] : f2[i];
                b = f->l[j];
            } else if (j & 1) { /* 2 * 19 * (2 if both odd) */
                a = both_odd ? f2[i] : f->l[i];
                b = f38[j];
            } else { /* j even: 2 * 19, and i + j >= 10 with i < j */
                a = f2[i];
                b = f19[j];
            }
            t[k % NLIMB] = _mm256_add_epi64(t[k % NLIMB], _mm256_mul_epu32(a, b));
        }
        pin_rows(t);
    }
    fe4_carry(h, t);
}

SP_AVX2 static inline void fe4_add(struct fe4 *h, const struct fe4 *f, const struct fe4 *g)
{
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++)
        h->l[i] = _mm256_add_epi64(f->l[i], g->l[i]);
}

/* h = f - g + 2p, limb by limb (no borrows: every limb of 2p exceeds the
 * matching limb of a carried g). */
SP_AVX2 static inline void fe4_sub(struct fe4 *h, const struct fe4 *f, const struct fe4 *g)
{
    const __m256i p0 = _mm256_set1_epi64x(2 * ((1 << 26) - 19));
    const __m256i pe = _mm256_set1_epi64x(2 * ((1 << 26) - 1));
    const __m256i po = _mm256_set1_epi64x(2 * ((1 << 25) - 1));

#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        __m256i two_p = i == 0 ? p0 : (i & 1) ? po : pe;

        h->l[i] = _mm256_sub_epi64(_mm256_add_epi64(f->l[i], two_p), g->l[i]);
    }
}

/* h = a24 * e + f, carried (a24 = 121665, RFC 7748). */
SP_AVX2 static inline void fe4_mul_a24_add(struct fe4 *h, const struct fe4 *e, const struct fe4 *f)
{
    const __m256i a24 = _mm256_set1_epi64x(121665);
    __m256i t[NLIMB];

#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++)
        t[i] = _mm256_add_epi64(_mm256_mul_epu32(e->l[i], a24), f->l[i]);
    fe4_carry(h, t);
}

/* Swaps f and g where mask is all ones, keeps them where it is zero. */
SP_AVX2 static inline void fe4_cswap(struct fe4 *f, struct fe4 *g, __m256i mask)
{
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        __m256i x = _mm256_and_si256(_mm256_xor_si256(f->l[i], g->l[i]), mask);

        f->l[i] = _mm256_xor_si256(f->l[i], x);
        g->l[i] = _mm256_xor_si256(g->l[i], x);
    }
}

SP_AVX2 static void fe4_sqn(struct fe4 *h, const struct fe4 *f, int n)
{
    fe4_sq(h, f);
    for (int i = 1; i < n; i++)
        fe4_sq(h, h);
}

/* h = z^(p-2) = 1/z (0 for z = 0), with ref10's addition chain. */
SP_AVX2 static void fe4_invert(struct fe4 *h, const struct fe4 *z)
{
    struct fe4 z2, z9, z11, z5_0, z10_0, z20_0, z50_0, z100_0, t;

    fe4_sq(&z2, z);
    fe4_sqn(&t, &z2, 2);
    fe4_mul(&z9, &t, z);
    fe4_mul(&z11, &z9, &z2);
    fe4_sq(&t, &z11);
    fe4_mul(&z5_0, &t, &z9); /* z^(2^5 - 1) */
    fe4_sqn(&t, &z5_0, 5);
    fe4_mul(&z10_0, &t, &z5_0);
    fe4_sqn(&t, &z10_0, 10);
    fe4_mul(&z20_0, &t, &z10_0);
    fe4_sqn(&t, &z20_0, 20);
    fe4_mul(&t, &t, &z20_0);
    fe4_sqn(&t, &t, 10);
    fe4_mul(&z50_0, &t, &z10_0);
    fe4_sqn(&t, &z50_0, 50);
    fe4_mul(&z100_0, &t, &z50_0);
    fe4_sqn(&t, &z100_0, 100);
    fe4_mul(&t, &t, &z100_0);
    fe4_sqn(&t, &t, 50);
    fe4_mul(&t, &t, &z50_0);
    fe4_sqn(&t, &t, 5);
    fe4_mul(h, &t, &z11); /* z^(2^255 - 21) */
    sodium_memzero(&t, sizeof(t));
}

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* RFC 7748 decodeUCoordinate into limbs of four lanes: bit 255 masked; a u
 * >= p is kept as it is (below 2^255, so the limbs are exact), which the
 * arithmetic reduces. */
SP_AVX2 static void fe4_from_bytes(struct fe4 *h, const uint8_t in[SP_X25519_AVX2_LANES][32])
{
    uint64_t limb[NLIMB][SP_X25519_AVX2_LANES];

    for (int j = 0; j < SP_X25519_AVX2_LANES; j++) {
        uint64_t w[5];

        for (int k = 0; k < 4; k++)
            w[k] = load64_le(in[j] + 8 * k);
        w[3] &= 0x7fffffffffffffffULL; /* the limbs stop at bit 254 anyway */
        w[4] = 0;
#pragma GCC unroll 10
        for (int i = 0; i < NLIMB; i++) {
            unsigned q = limb_off[i] / 64, r = limb_off[i] % 64;
            uint64_t v = w[q] >> r;

            if (r + limb_bits[i] > 64)
                v |= w[q + 1] << (64 - r);
            limb[i][j] = v & ((1ULL << limb_bits[i]) - 1);
        }
        sodium_memzero(w, sizeof(w));
    }
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++)
        h->l[i] = _mm256_loadu_si256((const __m256i *)limb[i]);
    sodium_memzero(limb, sizeof(limb));
}

/* One lane's carried limbs to the canonical 32 bytes: q = 1 exactly when
 * the value v (< 2^255 + 2^43 < 2p) is >= p, found by carrying v + 19
 * through the limbs; then v + 19q - 2^255 q. */
static void lane_to_bytes(uint8_t out[32], uint64_t h[NLIMB])
{
    uint64_t q = (h[0] + 19) >> 26, w[4] = {0, 0, 0, 0};

#pragma GCC unroll 10
    for (int i = 1; i < NLIMB; i++)
        q = (h[i] + q) >> limb_bits[i];
    h[0] += 19 * q;
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB - 1; i++) {
        h[i + 1] += h[i] >> limb_bits[i];
        h[i] &= (1ULL << limb_bits[i]) - 1;
    }
    h[NLIMB - 1] &= (1ULL << 25) - 1; /* drops 2^255 q */
#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        unsigned k = limb_off[i] / 64, r = limb_off[i] % 64;

        w[k] |= h[i] << r;
        if (r + limb_bits[i] > 64)
            w[k + 1] |= h[i] >> (64 - r);
    }
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(w[i / 8] >> (8 * (i % 8)));
    sodium_memzero(w, sizeof(w));
}

SP_AVX2 static void fe4_to_bytes(uint8_t out[SP_X25519_AVX2_LANES][32], const struct fe4 *f)
{
    uint64_t limb[NLIMB][SP_X25519_AVX2_LANES], lane[NLIMB];

#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++)
        _mm256_storeu_si256((__m256i *)limb[i], f->l[i]);
    for (int j = 0; j < SP_X25519_AVX2_LANES; j++) {
#pragma GCC unroll 10
        for (int i = 0; i < NLIMB; i++)
            lane[i] = limb[i][j];
        lane_to_bytes(out[j], lane);
    }
    sodium_memzero(limb, sizeof(limb));
    sodium_memzero(lane, sizeof(lane));
}

/* The ladder's state: kept together so that one wipe clears it. */
struct ladder {
    struct fe4 x1, x2, z2, x3, z3;
    struct fe4 a, b, c, d, aa, bb, e, da, cb;
    __m256i x1_19[NLIMB];
    uint8_t k[32];
};

/* One step of RFC 7748's ladder on (x2 : z2), (x3 : z3), x1. */
SP_AVX2 static inline void ladder_step(struct ladder *s)
{
    fe4_add(&s->a, &s->x2, &s->z2);
    fe4_sub(&s->b, &s->x2, &s->z2);
    fe4_add(&s->c, &s->x3, &s->z3);
    fe4_sub(&s->d, &s->x3, &s->z3);
    fe4_sq(&s->aa, &s->a);
    fe4_sq(&s->bb, &s->b);
    fe4_mul(&s->da, &s->d, &s->a);
    fe4_mul(&s->cb, &s->c, &s->b);
    fe4_add(&s->x3, &s->da, &s->cb);
    fe4_sq(&s->x3, &s->x3);
    fe4_sub(&s->z3, &s->da, &s->cb);
    fe4_sq(&s->z3, &s->z3);
    fe4_mul_pre(&s->z3, &s->z3, &s->x1, s->x1_19);
    fe4_mul(&s->x2, &s->aa, &s->bb);
    fe4_sub(&s->e, &s->aa, &s->bb);
    fe4_mul_a24_add(&s->z2, &s->e, &s->aa);
    fe4_mul(&s->z2, &s->z2, &s->e);
}

SP_AVX2 static void ladder(struct ladder *s)
{
    uint64_t swap = 0;

#pragma GCC unroll 10
    for (int i = 0; i < NLIMB; i++) {
        s->x2.l[i] = _mm256_set1_epi64x(i == 0);
        s->z2.l[i] = _mm256_setzero_si256();
        s->x3.l[i] = s->x1.l[i];
        s->z3.l[i] = s->x2.l[i];
    }
    fe4_times19(s->x1_19, &s->x1);
    for (int t = 254; t >= 0; t--) {
        uint64_t bit = (uint64_t)(s->k[t >> 3] >> (t & 7)) & 1;
        __m256i mask;

        swap ^= bit;
        mask = _mm256_set1_epi64x((long long)(0 - swap));
        fe4_cswap(&s->x2, &s->x3, mask);
        fe4_cswap(&s->z2, &s->z3, mask);
        swap = bit;
        ladder_step(s);
    }
    {
        __m256i mask = _mm256_set1_epi64x((long long)(0 - swap));

        fe4_cswap(&s->x2, &s->x3, mask);
        fe4_cswap(&s->z2, &s->z3, mask);
    }
}

SP_AVX2 void sp_x25519_avx2_scalarmult(uint8_t out[SP_X25519_AVX2_LANES][32],
                                       const uint8_t scalar[32],
                                       const uint8_t in[SP_X25519_AVX2_LANES][32])
{
    struct ladder s;

    memcpy(s.k, scalar, 32);
    s.k[0] &= 248;
    s.k[31] &= 127;
    s.k[31] |= 64;
    fe4_from_bytes(&s.x1, in);
    ladder(&s);
    fe4_invert(&s.z3, &s.z2);
    fe4_mul(&s.x2, &s.x2, &s.z3);
    fe4_to_bytes(out, &s.x2);
    sodium_memzero(&s, sizeof(s));
}

#else /* no x86-64: the portable ladder only */

bool sp_x25519_avx2_available(void)
{
    return false;
}

void sp_x25519_avx2_scalarmult(uint8_t out[SP_X25519_AVX2_LANES][32], const uint8_t scalar[32],
                               const uint8_t in[SP_X25519_AVX2_LANES][32])
{
    (void)out;
    (void)scalar;
    (void)in;
    abort(); /* a programmer error: sp_x25519_avx2_available() said no */
}

#endif
