/*
 * The simulator's randomness: one splitmix64 stream per schedule for every
 * choice the simulator makes (data, order, faults), and a seeded
 * replacement for libsodium's randombytes so that the engines' own
 * randomness (round keys, shuffles, round ids) replays with the seed too.
 *
 * Test code: not a cryptographic generator, never used outside tests.
 */
#ifndef SP_SIM_RNG_H
#define SP_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
    uint64_t s;
};

/* splitmix64 (Steele, Lea, Flood 2014): every seed, 0 included, is a full
 * stream. */
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n) (n > 0; n == 0 yields 0), without modulo bias. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform in [lo, hi] (lo <= hi). */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);
/* True with probability per_mille / 1000. */
bool sim_rng_chance(struct sim_rng *r, unsigned per_mille);
/* A stream derived from r's seed and a label, independent of how much of r
 * was used (so adding a draw in one place does not shift another). */
struct sim_rng sim_rng_fork(uint64_t seed, uint64_t label);

/* Installs the seeded randombytes implementation. Must be called before
 * sodium_init (libsodium reads the implementation once). Returns 0, or -1
 * when libsodium refused it. */
int sim_randombytes_install(void);
/* Restarts the engines' random stream from seed (each schedule). */
void sim_randombytes_seed(uint64_t seed);
/* Bytes drawn from the engines' stream since the last seeding. */
uint64_t sim_randombytes_drawn(void);

#endif
