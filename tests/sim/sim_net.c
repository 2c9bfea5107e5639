/* The simulated network (sim_net.h). */
#include "sim_net.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[SIM_FAULT_COUNT] = {
    "none",     "drop",        "dup",         "reorder",   "delay",      "corrupt",
    "stop",     "restart",     "lie-verdict", "lie-sizes", "lie-credit", "clock-jump",
    "link-cut", "cancel",      "refuse",      "busy",      "change",     "rotate",
    "lie-key",  "lie-garbage", "limit",       "hang",      "slow",
};

const char *sim_fault_name(int fault)
{
    return fault >= 0 && fault < SIM_FAULT_COUNT ? names[fault] : "?";
}

int sim_fault_is_message(int fault)
{
    return fault >= SIM_FAULT_DROP && fault <= SIM_FAULT_CORRUPT;
}

void sim_net_init(struct sim_net *n, uint64_t seed, int fault, unsigned per_mille, unsigned budget,
                  uint64_t lat_min, uint64_t lat_max, uint64_t delay_max)
{
    memset(n, 0, sizeof(*n));
    n->rng = sim_rng_fork(seed, 0x4e4554); /* "NET" */
    n->fault = sim_fault_is_message(fault) ? fault : SIM_FAULT_NONE;
    n->per_mille = per_mille;
    n->budget = budget;
    n->lat_min = lat_min;
    n->lat_max = lat_max < lat_min ? lat_min : lat_max;
    n->delay_max = delay_max;
}

static uint8_t *copy(const uint8_t *b, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (p != NULL && len)
        memcpy(p, b, len);
    return p;
}

/* Changes one to three bytes of the frame's head (version, type, round id,
 * the small fields): a transport without integrity would pass them on. */
static void corrupt(struct sim_rng *r, uint8_t *b, size_t len)
{
    size_t head = len < 28 ? len : 28;
    unsigned k = (unsigned)sim_rng_range(r, 1, 3);
    for (unsigned i = 0; i < k && head > 0; i++)
        b[sim_rng_below(r, head)] ^= (uint8_t)sim_rng_range(r, 1, 255);
}

int sim_net_route(struct sim_net *n, unsigned from, unsigned to, uint64_t now, const uint8_t *bytes,
                  size_t len, struct sim_delivery out[2])
{
    uint64_t *link = &n->link_at[from][to];
    uint64_t at = now + sim_rng_range(&n->rng, n->lat_min, n->lat_max);
    int fault = SIM_FAULT_NONE;

    /* a targeted fault draws nothing for other messages (the rest of the
     * stream stays as it was) */
    if (n->fault != SIM_FAULT_NONE && n->budget > 0 &&
        (n->only_type == 0 || n->only_type == n->msg_type) &&
        sim_rng_chance(&n->rng, n->per_mille)) {
        fault = n->fault;
        n->budget--;
        n->fired++;
    }
    if (fault == SIM_FAULT_DROP)
        return 0;
    if (fault == SIM_FAULT_DELAY)
        at += sim_rng_range(&n->rng, n->delay_max / 4, n->delay_max);
    if (fault == SIM_FAULT_REORDER) {
        /* before the link's last delivery: overtakes what was sent earlier */
        uint64_t back = sim_rng_range(&n->rng, 1, 20);
        at = *link > now + back ? *link - back : now + 1;
    } else {
        if (at <= *link)
            at = *link + 1;
        *link = at;
    }
    out[0] = (struct sim_delivery){at, copy(bytes, len), len, (uint8_t)fault};
    if (out[0].bytes == NULL)
        return -1;
    if (fault == SIM_FAULT_CORRUPT)
        corrupt(&n->rng, out[0].bytes, len);
    if (fault != SIM_FAULT_DUP)
        return 1;
    *link = at + sim_rng_range(&n->rng, 0, 5) + 1;
    out[1] = (struct sim_delivery){*link, copy(bytes, len), len, (uint8_t)fault};
    if (out[1].bytes == NULL) {
        free(out[0].bytes);
        return -1;
    }
    return 2;
}
