/* The simulator's randomness (sim_rng.h). */
#include "sim_rng.h"

#include <sodium.h>
#include <string.h>

uint64_t sim_rng_next(struct sim_rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = sim_rng_next(r);
    while (x >= limit);
    return x % n;
}

uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
    return lo + sim_rng_below(r, hi - lo + 1);
}

bool sim_rng_chance(struct sim_rng *r, unsigned per_mille)
{
    return sim_rng_below(r, 1000) < per_mille;
}

struct sim_rng sim_rng_fork(uint64_t seed, uint64_t label)
{
    struct sim_rng r = {seed ^ (label * UINT64_C(0xD6E8FEB86659FD93))};
    r.s = sim_rng_next(&r);
    return r;
}

/* ---- randombytes ------------------------------------------------------------- */

static struct sim_rng engine_rng;
static uint64_t drawn;

static const char *impl_name(void)
{
    return "snijpunt-sim-splitmix64";
}

static uint32_t impl_random(void)
{
    drawn += 4;
    return (uint32_t)(sim_rng_next(&engine_rng) >> 32);
}

static void impl_stir(void)
{
}

static void impl_buf(void *const buf, const size_t size)
{
    unsigned char *p = buf;
    size_t i = 0;
    while (i < size) {
        uint64_t x = sim_rng_next(&engine_rng);
        size_t n = size - i < 8 ? size - i : 8;
        memcpy(p + i, &x, n);
        i += n;
    }
    drawn += size;
}

static int impl_close(void)
{
    return 0;
}

static struct randombytes_implementation impl = {
    .implementation_name = impl_name,
    .random = impl_random,
    .stir = impl_stir,
    .uniform = NULL, /* libsodium's rejection sampling over random() */
    .buf = impl_buf,
    .close = impl_close,
};

int sim_randombytes_install(void)
{
    return randombytes_set_implementation(&impl) == 0 ? 0 : -1;
}

void sim_randombytes_seed(uint64_t seed)
{
    engine_rng = sim_rng_fork(seed, 0x52414e44); /* "RAND" */
    drawn = 0;
}

uint64_t sim_randombytes_drawn(void)
{
    return drawn;
}
