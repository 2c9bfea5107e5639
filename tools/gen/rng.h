/*
 * Deterministic randomness for the synthetic data generator.
 *
 * Every value the generator writes is a pure function of (seed, entity index,
 * purpose): the same seed gives byte-identical output on every machine, and a
 * person's attributes can be recomputed by any exporter without keeping the
 * population in memory. splitmix64 (Steele, Lea, Flood 2014) is the mixer and
 * the stream generator; bijections on [0, n) come from a keyed Feistel network
 * with cycle walking, so unique identifiers need no hash set.
 *
 * Never used for secrets: this is test data, not cryptography.
 */
#ifndef SP_GEN_RNG_H
#define SP_GEN_RNG_H

#include <stdbool.h>
#include <stdint.h>

/* One splitmix64 finalisation: a bijective 64-bit mix. */
uint64_t sp_gen_mix(uint64_t x);
/* Hash of a seed and up to three words; distinct purposes use distinct tags. */
uint64_t sp_gen_hash(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b);

/* A small stream of random words for one entity. */
struct sp_gen_rng {
    uint64_t state;
};

void sp_gen_rng_init(struct sp_gen_rng *r, uint64_t seed, uint64_t tag, uint64_t a, uint64_t b);
uint64_t sp_gen_next(struct sp_gen_rng *r);
/* Uniform in [0, n); n > 0. The bias of a 64-bit modulo is below 2^-40 here. */
uint64_t sp_gen_below(struct sp_gen_rng *r, uint64_t n);
/* True with probability ppm / 1,000,000 (integer arithmetic: portable). */
bool sp_gen_chance(struct sp_gen_rng *r, uint32_t ppm);
/* Index into a table of weights (sum > 0). */
unsigned sp_gen_weighted(struct sp_gen_rng *r, const unsigned *weights, unsigned n);

/* A keyed permutation of [0, n), n >= 1. */
struct sp_gen_perm {
    uint64_t n;
    unsigned half_bits; /* each Feistel half; 2 * half_bits >= bits of n - 1 */
    uint64_t keys[4];
};

void sp_gen_perm_init(struct sp_gen_perm *p, uint64_t n, uint64_t seed, uint64_t tag);
/* x in [0, n) -> a distinct value in [0, n). */
uint64_t sp_gen_perm_apply(const struct sp_gen_perm *p, uint64_t x);
/* The inverse of sp_gen_perm_apply. */
uint64_t sp_gen_perm_invert(const struct sp_gen_perm *p, uint64_t y);

#endif
