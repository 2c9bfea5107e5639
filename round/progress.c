/* A live round's progress: its phase, values done of total, how long the
 * phase has lasted (for `snijpunt round status`), and a log line every few
 * seconds during a long phase. See ROUNDS.md, "Progress". */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "round/case_q.h"

/* Own values that came back fully blinded (the ring's second half). */
static uint64_t values_home(const struct sp_round *r)
{
    uint64_t n = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        const struct sp_eng_own *o = &r->ring.own[t];
        for (uint32_t b = 0; o->elems && b < o->nbatches; b++)
            n += o->elems[b] ? o->count[b] : 0;
    }
    return n;
}

/* Own values whose VERDICT arrived. */
static uint64_t values_judged(const struct sp_round *r)
{
    uint64_t n = 0;
    for (uint32_t g = 0; r->fin.verdict_seen && g < r->fin.nfinals; g++)
        if (r->fin.verdict_seen[g / 8] & (1u << (g % 8)))
            n += r->fin.finals[g].n;
    return n;
}

static uint64_t own_total(const struct sp_round *r)
{
    uint64_t n = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        n += r->set_sizes[t];
    return n;
}

/* A case question: one exchange per partner (case_q.h). */
static const char *case_phase(const struct sp_round *r, uint64_t *done, uint64_t *total)
{
    const struct sp_eng_case_q *q = r->cq;
    bool asking = (r->roles & SP_ROUND_ROLE_INITIATOR) != 0;
    if (!q || sp_round_state_terminal(r->state))
        return sp_round_state_name(r->state);
    /* phase names are [a-z0-9_-] on the wire (ROUNDS) */
    if (!asking)
        return r->state == SP_ROUND_ACCEPTED ? "answering" : "awaiting-tell";
    if (r->state == SP_ROUND_PROPOSED)
        return "blinding";
    *total = r->n - 1;
    *done = (uint64_t)__builtin_popcount(q->answered | q->failed);
    return r->state == SP_ROUND_RUNNING ? "asking" : "writing";
}

static const char *phase_of(const struct sp_round *r, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (sp_eng_is_case(r))
        return case_phase(r, done, total);
    switch (r->state) {
    case SP_ROUND_PROPOSED:
    case SP_ROUND_ACCEPTED:
        *total = r->n;
        *done = (uint64_t)__builtin_popcount(r->setup.accepted);
        return "proposed";
    case SP_ROUND_RUNNING:
        *total = own_total(r);
        *done = r->ring.produced_all ? values_home(r) : r->values_sent;
        return r->ring.produced_all ? "forwarding" : "blinding";
    case SP_ROUND_COUNTING:
        *total = own_total(r);
        *done = values_judged(r);
        return "counting";
    case SP_ROUND_FINISHING:
        *total = r->fin.mapped ? r->fin.nrows : 0;
        *done = r->fin.mapped ? (r->fin.appended ? r->fin.nrows : r->fin.rows_appended) : 0;
        return "writing";
    default:
        return sp_round_state_name(r->state);
    }
}

const char *sp_eng_progress(struct sp_round *r, uint64_t now_ms, uint64_t *done, uint64_t *total,
                            uint64_t *elapsed_ms, uint64_t *rate)
{
    const char *phase = phase_of(r, done, total);
    if (*done > *total) /* a value counted before its total is known */
        *total = *done;
    if (r->progress.phase == NULL || strcmp(r->progress.phase, phase) != 0 ||
        *done < r->progress.phase_done0) {
        r->progress.phase = phase;
        r->progress.phase_ms = now_ms;
        r->progress.phase_done0 = *done; /* forwarding starts with values already home */
        r->progress.logged_ms = now_ms;
    }
    /* an ended round reads the same live and from the store: no progress */
    *elapsed_ms = sp_round_state_terminal(r->state) ? 0 : now_ms - r->progress.phase_ms;
    /* under a second the figure says more about timer granularity than speed */
    *rate = *elapsed_ms >= 1000 ? (*done - r->progress.phase_done0) * 1000 / *elapsed_ms : 0;
    return phase;
}

void sp_eng_progress_log(struct sp_round *r, uint64_t now_ms)
{
    uint64_t done, total, elapsed, rate;
    if (sp_round_state_terminal(r->state))
        return;
    const char *phase = sp_eng_progress(r, now_ms, &done, &total, &elapsed, &rate);
    if (now_ms - r->progress.logged_ms < SP_ENG_PROGRESS_LOG_MS || total == 0)
        return;
    r->progress.logged_ms = now_ms;
    char left[32] = "?";
    if (rate)
        snprintf(left, sizeof(left), "%" PRIu64 " s", (total - done + rate - 1) / rate);
    sp_eng_info(r->eng,
                "round %s: %s %" PRIu64 "/%" PRIu64 " (%" PRIu64 "/s, about %s left; %" PRIu64
                " values blinded for others)",
                r->hex, phase, done, total, rate, left, r->values_received);
}
