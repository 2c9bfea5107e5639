/*
 * The engine's store port (round/engine.h, struct sp_engine_store) over a
 * sim_store: the key index walk, round records, results, scratch runs and
 * the case store. Its ctx is the struct sim_store (sim_ports.c gives each
 * node's engine its own; tests/round/test_case_epoch.c uses it alone).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "round/engine.h"
#include "sim_store.h"

struct walk {
    struct sim_walk w;
};

static int keys_open(void *ctx, uint32_t mask, void **out)
{
    struct sim_store *st = ctx;
    struct walk *w = malloc(sizeof(*w));
    if (w == NULL)
        return SP_ERR_NOMEM;
    sim_walk_open(&w->w, st, mask);
    *out = w;
    return 0;
}

static int keys_next(void *walk, struct sp_keyref *ref)
{
    struct walk *w = walk;
    const struct sim_key *k = sim_walk_next(&w->w);
    if (k == NULL)
        return SP_ERR_NOT_FOUND;
    *ref = (struct sp_keyref){.type = k->type,
                              .klass = k->klass,
                              .value_len = k->len,
                              .value = k->value,
                              .dataset = k->dataset,
                              .record_id = k->record_id};
    return 0;
}

static void keys_close(void *walk)
{
    free(walk);
}

static int keys_distinct(void *ctx, uint32_t mask, uint64_t counts[SP_KEY_TYPE_COUNT])
{
    struct sim_store *st = ctx;
    uint64_t c[17];
    sim_data_distinct(st->data, mask, c);
    for (int t = 0; t < SP_KEY_TYPE_COUNT; t++)
        counts[t] = t < 17 ? c[t] : 0;
    return 0;
}

/* sim_store's codes as SP_ERR_*: 1 (frozen: the write is lost with the
 * node) is success for the engine. */
static int code(int rc)
{
    return rc == -1 ? SP_ERR_NOMEM : rc == -2 ? SP_ERR_STATE : 0;
}

static int round_put(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len)
{
    struct sim_store *st = ctx;
    return code(sim_store_round_put(st, id, blob, len));
}

static int round_get(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], void **blob, size_t *len)
{
    struct sim_store *st = ctx;
    const struct sim_blob *b = sim_store_round_get(st, id);
    if (b == NULL)
        return SP_ERR_NOT_FOUND;
    void *p = malloc(b->len ? b->len : 1);
    if (p == NULL)
        return SP_ERR_NOMEM;
    memcpy(p, b->p, b->len);
    *blob = p;
    *len = b->len;
    return 0;
}

static int rounds_foreach(void *ctx,
                          int (*fn)(void *fctx, const uint8_t id[SP_ROUND_ID_BYTES],
                                    const void *blob, size_t len),
                          void *fctx)
{
    struct sim_store *st = ctx;
    for (size_t i = 0; i < st->nrounds; i++) {
        int rc = fn(fctx, st->rounds[i].id, st->rounds[i].p, st->rounds[i].len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Copies rows into sim rows (names longer than the simulator's are an
 * engine error: it only has the simulator's names). */
static int to_rows(const struct sp_result_row *rows, size_t n, struct sim_row **out)
{
    struct sim_row *r = calloc(n ? n : 1, sizeof(*r));
    if (r == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        /* each text must fit its field: snprintf's length says so */
        bool fits = rows[i].dataset && rows[i].record_id && rows[i].partner &&
                    (size_t)snprintf(r[i].dataset, sizeof(r[i].dataset), "%s", rows[i].dataset) <
                        sizeof(r[i].dataset) &&
                    (size_t)snprintf(r[i].record_id, sizeof(r[i].record_id), "%s",
                                     rows[i].record_id) < sizeof(r[i].record_id) &&
                    (size_t)snprintf(r[i].partner, sizeof(r[i].partner), "%s", rows[i].partner) <
                        sizeof(r[i].partner);
        if (!fits) {
            free(r);
            return SP_ERR_INVALID_ARG;
        }
        r[i].key_types = rows[i].key_types;
        r[i].klass = rows[i].klass;
    }
    *out = r;
    return 0;
}

static int results_append(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                          const struct sp_result_row *rows, size_t n)
{
    struct sim_store *st = ctx;
    struct sim_row *r;
    int rc = to_rows(rows, n, &r);
    if (rc == 0) {
        rc = code(sim_store_results_append(st, id, r, n));
        free(r);
    }
    return rc;
}

static int results_commit(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                          const struct sp_result_row *rows, size_t n,
                          const struct sp_count_entry *counts, size_t ncounts, const void *blob,
                          size_t len)
{
    struct sim_store *st = ctx;
    struct sim_row *r;
    struct sim_count *c = calloc(ncounts ? ncounts : 1, sizeof(*c));
    int rc = c == NULL ? SP_ERR_NOMEM : to_rows(rows, n, &r);
    if (rc == 0) {
        for (size_t i = 0; i < ncounts; i++)
            c[i] = (struct sim_count){counts[i].key_type, counts[i].holders, counts[i].count};
        rc = code(sim_store_results_commit(st, id, r, n, c, ncounts, blob, len));
        free(r);
    }
    free(c);
    return rc;
}

static int results_delete(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES])
{
    struct sim_store *st = ctx;
    return code(sim_store_results_delete(st, id));
}

static int run_put(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                   uint8_t key_type, uint32_t seq, const void *run, size_t len)
{
    struct sim_store *st = ctx;
    return code(sim_store_run_put(st, id, participant, key_type, seq, run, len));
}

static int runs_read_begin(void *ctx, void **reader)
{
    struct sim_store *st = ctx;
    *reader = st;
    return 0;
}

static int run_get(void *reader, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                   uint8_t key_type, uint32_t seq, const void **run, size_t *len)
{
    const struct sim_blob *b = sim_store_run_get(reader, id, participant, key_type, seq);
    if (b == NULL)
        return SP_ERR_NOT_FOUND;
    *run = b->p;
    *len = b->len;
    return 0;
}

static void runs_read_end(void *reader)
{
    (void)reader;
}

static int runs_delete(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], size_t budget, bool *more)
{
    struct sim_store *st = ctx;
    return code(sim_store_runs_delete(st, id, budget, more));
}

static int runs_clear(void *ctx)
{
    struct sim_store *st = ctx;
    if (st->frozen)
        return 0;
    for (size_t i = 0; i < st->nruns; i++)
        free(st->runs[i].p);
    st->nruns = 0;
    return 0;
}

void sim_store_port(struct sim_store *s, struct sp_engine_store *out)
{
    *out = (struct sp_engine_store){
        .ctx = s,
        .keys_open = keys_open,
        .keys_next = keys_next,
        .keys_close = keys_close,
        .keys_distinct = keys_distinct,
        .round_put = round_put,
        .round_get = round_get,
        .rounds_foreach = rounds_foreach,
        .results_append = results_append,
        .results_commit = results_commit,
        .results_delete = results_delete,
        .run_put = run_put,
        .runs_read_begin = runs_read_begin,
        .run_get = run_get,
        .runs_read_end = runs_read_end,
        .runs_delete = runs_delete,
        .runs_clear = runs_clear,
        .cases = {.own_meta = sim_case_own_meta,
                  .own_begin = sim_case_own_begin,
                  .own_open = sim_case_own_open,
                  .own_next = sim_case_own_next,
                  .own_close = sim_case_own_close,
                  .own_put = sim_case_own_put,
                  .own_commit = sim_case_own_commit,
                  .fps_read = sim_case_fps_read,
                  .delta_read = sim_case_delta_read,
                  .fp_records = sim_case_fp_records,
                  .secret_put = sim_case_secret_put,
                  .secret_get = sim_case_secret_get,
                  .secret_drop = sim_case_secret_drop,
                  .quota = sim_case_quota},
    };
}
