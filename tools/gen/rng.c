#include "rng.h"

#include <stdlib.h>

uint64_t sp_gen_mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

uint64_t sp_gen_hash(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b)
{
    uint64_t h = sp_gen_mix(seed ^ UINT64_C(0x5eed5eed5eed5eed));
    h = sp_gen_mix(h ^ tag);
    h = sp_gen_mix(h ^ a);
    return sp_gen_mix(h ^ b);
}

void sp_gen_rng_init(struct sp_gen_rng *r, uint64_t seed, uint64_t tag, uint64_t a, uint64_t b)
{
    r->state = sp_gen_hash(seed, tag, a, b);
}

uint64_t sp_gen_next(struct sp_gen_rng *r)
{
    r->state += UINT64_C(0x9e3779b97f4a7c15);
    uint64_t z = r->state;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t sp_gen_below(struct sp_gen_rng *r, uint64_t n)
{
    if (n == 0)
        abort(); /* programmer error: an empty range */
    return sp_gen_next(r) % n;
}

bool sp_gen_chance(struct sp_gen_rng *r, uint32_t ppm)
{
    return sp_gen_below(r, 1000000) < ppm;
}

unsigned sp_gen_weighted(struct sp_gen_rng *r, const unsigned *weights, unsigned n)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += weights[i];
    uint64_t x = sp_gen_below(r, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    abort(); /* unreachable: x < total */
}

void sp_gen_perm_init(struct sp_gen_perm *p, uint64_t n, uint64_t seed, uint64_t tag)
{
    if (n == 0)
        abort();
    unsigned bits = 2;
    while (bits < 64 && (UINT64_C(1) << bits) < n)
        bits++;
    p->n = n;
    p->half_bits = (bits + 1) / 2;
    for (unsigned i = 0; i < 4; i++)
        p->keys[i] = sp_gen_hash(seed, tag, UINT64_C(0xfe157e1), i);
}

static uint64_t round_fn(uint64_t key, uint64_t half)
{
    return sp_gen_mix(key ^ half);
}

/* One pass of the 4-round Feistel network over 2 * half_bits bits. */
static uint64_t feistel(const struct sp_gen_perm *p, uint64_t x, bool inverse)
{
    uint64_t mask = (UINT64_C(1) << p->half_bits) - 1;
    uint64_t l = (x >> p->half_bits) & mask;
    uint64_t r = x & mask;
    for (unsigned i = 0; i < 4; i++) {
        if (!inverse) {
            uint64_t t = r;
            r = l ^ (round_fn(p->keys[i], r) & mask);
            l = t;
        } else {
            uint64_t t = l;
            l = r ^ (round_fn(p->keys[3 - i], l) & mask);
            r = t;
        }
    }
    return (l << p->half_bits) | r;
}

/* Cycle walking: the network permutes [0, 4^half_bits), which holds [0, n);
 * following the cycle until it re-enters [0, n) keeps the map a bijection. */
uint64_t sp_gen_perm_apply(const struct sp_gen_perm *p, uint64_t x)
{
    if (x >= p->n)
        abort();
    do
        x = feistel(p, x, false);
    while (x >= p->n);
    return x;
}

uint64_t sp_gen_perm_invert(const struct sp_gen_perm *p, uint64_t y)
{
    if (y >= p->n)
        abort();
    do
        y = feistel(p, y, true);
    while (y >= p->n);
    return y;
}
