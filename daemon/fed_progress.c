/* A live round's progress: its phase, values done of total, how long the
 * phase has lasted (for `snijpunt round status`), and a log line every few
 * seconds during a long phase. See ROUNDS.md, "Progress". */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/fed_internal.h"
#include "daemon/log.h"

/* Own values that came back fully blinded (the ring's second half). */
static uint64_t values_home(const struct fed_round *r)
{
    uint64_t n = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        const struct fed_own *o = &r->own[t];
        for (uint32_t b = 0; o->elems && b < o->nbatches; b++)
            n += o->elems[b] ? o->count[b] : 0;
    }
    return n;
}

/* Own values whose VERDICT arrived. */
static uint64_t values_judged(const struct fed_round *r)
{
    uint64_t n = 0;
    for (uint32_t g = 0; r->verdict_seen && g < r->nfinals; g++)
        if (r->verdict_seen[g / 8] & (1u << (g % 8)))
            n += r->finals[g].n;
    return n;
}

static uint64_t own_total(const struct fed_round *r)
{
    uint64_t n = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        n += r->set_sizes[t];
    return n;
}

static const char *phase_of(const struct fed_round *r, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    switch (r->state) {
    case SP_ROUND_PROPOSED:
    case SP_ROUND_ACCEPTED:
        *total = r->n;
        *done = (uint64_t)__builtin_popcount(r->accepted);
        return "proposed";
    case SP_ROUND_RUNNING:
        *total = own_total(r);
        *done = r->produced_all ? values_home(r) : r->values_sent;
        return r->produced_all ? "forwarding" : "blinding";
    case SP_ROUND_COUNTING:
        *total = own_total(r);
        *done = values_judged(r);
        return "counting";
    case SP_ROUND_FINISHING:
        *total = r->mapped ? r->nrows_buf : 0;
        *done = r->mapped ? (r->appended ? r->nrows_buf : r->rows_appended) : 0;
        return "writing";
    default:
        return sp_round_state_name(r->state);
    }
}

const char *fed_progress(struct fed_round *r, uint64_t now_ms, uint64_t *done, uint64_t *total,
                         uint64_t *elapsed_ms, uint64_t *rate)
{
    const char *phase = phase_of(r, done, total);
    if (*done > *total) /* a value counted before its total is known */
        *total = *done;
    if (r->phase == NULL || strcmp(r->phase, phase) != 0 || *done < r->phase_done0) {
        r->phase = phase;
        r->phase_ms = now_ms;
        r->phase_done0 = *done; /* forwarding starts with values already home */
        r->progress_logged_ms = now_ms;
    }
    /* an ended round reads the same live and from the store: no progress */
    *elapsed_ms = sp_round_state_terminal(r->state) ? 0 : now_ms - r->phase_ms;
    /* under a second the figure says more about timer granularity than speed */
    *rate = *elapsed_ms >= 1000 ? (*done - r->phase_done0) * 1000 / *elapsed_ms : 0;
    return phase;
}

void fed_progress_log(struct fed_round *r, uint64_t now_ms)
{
    uint64_t done, total, elapsed, rate;
    if (sp_round_state_terminal(r->state))
        return;
    const char *phase = fed_progress(r, now_ms, &done, &total, &elapsed, &rate);
    if (now_ms - r->progress_logged_ms < FED_PROGRESS_LOG_MS || total == 0)
        return;
    r->progress_logged_ms = now_ms;
    char left[32] = "?";
    if (rate)
        snprintf(left, sizeof(left), "%" PRIu64 " s", (total - done + rate - 1) / rate);
    sp_log_info("round %s: %s %" PRIu64 "/%" PRIu64 " (%" PRIu64 "/s, about %s left; %" PRIu64
                " values blinded for others)",
                r->hex, phase, done, total, rate, left, r->values_received);
}
