/* The federation driver (federation.h): the round engine (round/engine.h)
 * wired to this node's I/O. It owns the peer transport (peer.h), the worker
 * threads (worker.h), and implements the engine's ports with the store
 * (store.h), governance (gov.h) and the log; it turns poll results, jobs
 * coming back, control requests and time into the engine's events. The
 * round protocol's rules are all in round/. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/head.h"
#include "crypto/group.h"
#include "daemon/audit_log.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/federation.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "daemon/peer.h"
#include "daemon/store.h"
#include "daemon/worker.h"
#include "proto/peer.h"
#include "round/engine.h"

struct sp_fed {
    struct sp_store *store; /* first: the case store port's ctx is fed (store.h) */
    const struct sp_config *cfg;
    struct sp_gov *gov; /* NULL in tests of the engine alone */
    struct sp_peers *peers;
    struct sp_workers *workers;
    size_t npeer_items;
    uint64_t now_ms; /* of the dispatch in progress */
    struct sp_engine *eng;
    struct sp_engine_config ecfg; /* the engine's view of cfg (refreshed: reloads) */
    const char *names[SP_CONFIG_MAX_PEERS];
    const char *askers[SP_CONFIG_MAX_PEERS]; /* case_askers */
};

_Static_assert(offsetof(struct sp_fed, store) == 0, "sp_store_case_port() reads the store at ctx");

static struct sp_engine_now now_at(uint64_t mono_ms)
{
    return (struct sp_engine_now){mono_ms, sp_wall_ms()};
}

/* The engine's configuration from the node's, which a reload may change
 * in place between events (reload.h; peers only added at the end). */
static void sync_config(struct sp_fed *fed)
{
    const struct sp_config *c = fed->cfg;
    for (size_t i = 0; i < c->npeers; i++)
        fed->names[i] = c->peers[i].name;
    for (size_t i = 0; i < c->ncase_askers; i++)
        fed->askers[i] = c->case_askers[i];
    fed->ecfg = (struct sp_engine_config){.node = c->node,
                                          .peers = fed->names,
                                          .npeers = c->npeers,
                                          .batch_size = c->batch_size,
                                          .batch_window = c->batch_window,
                                          .round_deadline_s = c->round_deadline_s,
                                          .round_stall_s = c->round_stall_s,
                                          .max_set_size = c->max_set_size,
                                          .counts_suppress_below = c->counts_suppress_below,
                                          .workers = sp_workers_count(fed->workers),
                                          .case_key_mask = c->case_key_types,
                                          .case_epoch_days = c->case_epoch_days,
                                          .case_max_values = c->case_max_values,
                                          .case_questions_per_epoch = c->case_questions_per_epoch,
                                          .case_values_per_epoch = c->case_values_per_epoch,
                                          .case_tell_ok = c->case_tell_holders,
                                          .case_askers = fed->askers,
                                          .ncase_askers = c->ncase_askers,
                                          .case_ask = c->case_ask,
                                          .case_filter_check_s = c->case_filter_check_s};
}

/* ---- ports: transport, jobs, log --------------------------------------- */

static int port_send(void *ctx, size_t peer, const void *reply_to, const uint8_t *bytes, size_t len)
{
    struct sp_fed *fed = ctx;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return SP_ERR_NOMEM;
    memcpy(buf, bytes, len);
    if (reply_to) {
        sp_peers_reply(fed->peers, reply_to, buf, len);
        return 0;
    }
    return sp_peers_send(fed->peers, (int)peer, buf, len);
}

static void port_submit(void *ctx, struct sp_job *job)
{
    struct sp_fed *fed = ctx;
    sp_workers_submit(fed->workers, job);
}

static void port_log(void *ctx, int level, const char *line)
{
    (void)ctx;
    sp_log(level, "%s", line);
}

static bool port_link_up(void *ctx, size_t peer, uint64_t *since_ms)
{
    struct sp_fed *fed = ctx;
    return sp_peers_up(fed->peers, (int)peer, since_ms);
}

/* ---- ports: the store --------------------------------------------------- */

static int st_keys_open(void *ctx, uint32_t key_mask, void **walk)
{
    struct sp_fed *fed = ctx;
    struct sp_store_keys_iter *it = NULL;
    int rc = sp_store_keys_iter_new(fed->store, key_mask, &it);
    if (rc == 0)
        *walk = it;
    return rc;
}

static int st_keys_next(void *walk, struct sp_keyref *ref)
{
    return sp_store_keys_iter_next(walk, ref);
}

static void st_keys_close(void *walk)
{
    struct sp_store_keys_iter *it = walk;
    sp_store_keys_iter_free(&it);
}

static int st_keys_distinct(void *ctx, uint32_t key_mask, uint64_t counts[SP_KEY_TYPE_COUNT])
{
    struct sp_fed *fed = ctx;
    return sp_store_keys_distinct(fed->store, key_mask, counts);
}

static int st_round_put(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob,
                        size_t len)
{
    struct sp_fed *fed = ctx;
    return sp_store_round_put(fed->store, id, blob, len);
}

static int st_round_get(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], void **blob, size_t *len)
{
    struct sp_fed *fed = ctx;
    return sp_store_round_get(fed->store, id, blob, len);
}

static int st_rounds_foreach(void *ctx,
                             int (*fn)(void *fctx, const uint8_t id[SP_ROUND_ID_BYTES],
                                       const void *blob, size_t len),
                             void *fctx)
{
    struct sp_fed *fed = ctx;
    return sp_store_rounds_foreach(fed->store, fn, fctx);
}

static int st_results_append(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                             const struct sp_result_row *rows, size_t n)
{
    struct sp_fed *fed = ctx;
    return sp_store_results_append(fed->store, id, rows, n);
}

static int st_results_commit(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES],
                             const struct sp_result_row *rows, size_t n,
                             const struct sp_count_entry *counts, size_t ncounts, const void *blob,
                             size_t len)
{
    struct sp_fed *fed = ctx;
    return sp_store_results_commit(fed->store, id, rows, n, counts, ncounts, blob, len);
}

static int st_results_delete(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES])
{
    struct sp_fed *fed = ctx;
    return sp_store_round_delete_results(fed->store, id);
}

static int st_run_put(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                      uint8_t key_type, uint32_t seq, const void *run, size_t len)
{
    struct sp_fed *fed = ctx;
    return sp_store_run_put(fed->store, id, participant, key_type, seq, run, len);
}

static int st_runs_read_begin(void *ctx, void **reader)
{
    struct sp_fed *fed = ctx;
    struct sp_store_runs_reader *rd = NULL;
    int rc = sp_store_runs_read_begin(fed->store, &rd);
    if (rc == 0)
        *reader = rd;
    return rc;
}

static int st_run_get(void *reader, const uint8_t id[SP_ROUND_ID_BYTES], uint8_t participant,
                      uint8_t key_type, uint32_t seq, const void **run, size_t *len)
{
    return sp_store_run_get(reader, id, participant, key_type, seq, run, len);
}

static void st_runs_read_end(void *reader)
{
    sp_store_runs_read_end(reader);
}

static int st_runs_delete(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], size_t budget, bool *more)
{
    struct sp_fed *fed = ctx;
    return sp_store_runs_delete(fed->store, id, budget, more);
}

static int st_runs_clear(void *ctx)
{
    struct sp_fed *fed = ctx;
    return sp_store_runs_clear(fed->store);
}

/* ---- ports: governance -------------------------------------------------- */

static int gov_judge(void *ctx, const struct sp_proposal *p, const uint8_t *bytes, size_t len,
                     const struct sp_peer_propose *pp, uint64_t now_unix,
                     struct sp_engine_verdict *v, char *reason, size_t cap)
{
    struct sp_fed *fed = ctx;
    struct sp_policy_verdict pv;
    struct sp_policy_input in = {p,
                                 bytes,
                                 len,
                                 pp ? pp->signature : NULL,
                                 pp ? pp->signature_len : 0,
                                 pp ? pp->signer_cert : NULL,
                                 pp ? pp->signer_cert_len : 0,
                                 (int64_t)now_unix};
    memset(&pv, 0, sizeof pv);
    int rc = sp_gov_judge(fed->gov, &in, &pv, reason, cap);
    v->is_signed = pv.is_signed;
    if (pv.is_signed) {
        memcpy(v->coord_cert_fp, pv.coordinator.fingerprint, sizeof v->coord_cert_fp);
        snprintf(v->coordinator, sizeof v->coordinator, "%s", pv.coordinator.name);
    }
    return rc;
}

static int gov_record(void *ctx, struct sp_audit_entry **e, bool stage)
{
    struct sp_fed *fed = ctx;
    return sp_gov_record(fed->gov, e, stage);
}

static int gov_head(void *ctx, struct sp_audit_head *h)
{
    struct sp_fed *fed = ctx;
    struct sp_audit_log *log = sp_gov_log(fed->gov);
    int rc = sp_audit_log_flush(log);
    return rc ? rc : sp_audit_log_head_signed(log, h);
}

static void gov_anchor(void *ctx)
{
    struct sp_fed *fed = ctx;
    sp_gov_anchor(fed->gov);
}

static int gov_peer_head(void *ctx, size_t peer, const struct sp_audit_head *h, char *why,
                         size_t cap)
{
    struct sp_fed *fed = ctx;
    uint64_t before = 0;
    if (peer >= fed->cfg->npeers || sp_audit_head_verify(h, fed->cfg->peers[peer].sign_pk) != 0)
        return SP_ERR_CRYPTO_SIGNATURE;
    if (sp_gov_peer_head(fed->gov, h->node, h->seq, h->hash, &before) != 0) {
        snprintf(why, cap,
                 "audit log went backwards: head at entry %llu after entry %llu was recorded "
                 "(store deleted or replaced)",
                 (unsigned long long)h->seq, (unsigned long long)before);
        return SP_ERR_AUDIT;
    }
    return 0;
}

static void gov_refused(void *ctx, const char *peer, int code, const char *why)
{
    struct sp_fed *fed = ctx;
    sp_gov_refused(fed->gov, peer, NULL, code, why);
}

static struct sp_engine_ports ports_of(struct sp_fed *fed)
{
    struct sp_engine_ports p = {
        .ctx = fed,
        .send = port_send,
        .submit = port_submit,
        .log = port_log,
        .link_up = port_link_up,
        .store = {fed, st_keys_open, st_keys_next, st_keys_close, st_keys_distinct, st_round_put,
                  st_round_get, st_rounds_foreach, st_results_append, st_results_commit,
                  st_results_delete, st_run_put, st_runs_read_begin, st_run_get, st_runs_read_end,
                  st_runs_delete, st_runs_clear, sp_store_case_port()},
    };
    if (fed->gov)
        p.gov = (struct sp_engine_gov){fed,        gov_judge,     gov_record, gov_head,
                                       gov_anchor, gov_peer_head, gov_refused};
    return p;
}

/* ---- transport to events ------------------------------------------------ */

static void on_recv(void *ctx, const struct sp_peer_in *in)
{
    struct sp_fed *fed = ctx;
    size_t peer = in->peer < 0 ? SP_ENGINE_PEER_UNKNOWN : (size_t)in->peer;
    const void *reply_to = in->via_router ? in : NULL;
    struct sp_engine_now now = now_at(fed->now_ms);
    if (in->extra_frames)
        sp_engine_on_multipart(fed->eng, peer, reply_to, now);
    else
        sp_engine_on_peer(fed->eng, peer, reply_to, in->data, in->len, now);
}

static void on_link(void *ctx, int peer, bool up, uint64_t now_ms)
{
    (void)ctx;
    (void)peer;
    (void)up;
    (void)now_ms; /* rounds check link state at ticks, after a grace (port_link_up) */
}

/* The ZAP handler's hooks: a configured peer is admitted only while its
 * certificate passes; every refusal is recorded (gov.h). */
static int admit_peer(void *ctx, int peer, const uint8_t key[32], char *why, size_t cap)
{
    struct sp_fed *fed = ctx;
    return peer < 0 ? SP_ERR_PEER_UNKNOWN : sp_gov_admit(fed->gov, (size_t)peer, key, why, cap);
}

static void refused_peer(void *ctx, const uint8_t *key, const char *why)
{
    struct sp_fed *fed = ctx;
    sp_gov_refused(fed->gov, NULL, key, SP_ERR_PEER_UNKNOWN, why);
}

size_t sp_fed_pollitems(struct sp_fed *fed, zmq_pollitem_t *items, size_t max)
{
    if (max == 0)
        return 0;
    /* The workers' eventfd first: it must never be cut off by a short max. */
    items[0] = (zmq_pollitem_t){.fd = sp_workers_fd(fed->workers), .events = ZMQ_POLLIN};
    fed->npeer_items = sp_peers_pollitems(fed->peers, items + 1, max - 1);
    return 1 + fed->npeer_items;
}

void sp_fed_dispatch(struct sp_fed *fed, const zmq_pollitem_t *items, size_t n, uint64_t now_ms)
{
    if (n == 0)
        return;
    sync_config(fed);
    fed->now_ms = now_ms;
    size_t np = n - 1 < fed->npeer_items ? n - 1 : fed->npeer_items;
    sp_peers_dispatch(fed->peers, items + 1, np, now_ms, on_recv, on_link, fed);
    if (!sp_workers_outstanding(fed->workers))
        return;
    struct sp_job *list = sp_workers_take(fed->workers);
    while (list) {
        struct sp_job *job = list;
        list = list->next;
        sp_engine_job_done(fed->eng, job, now_at(now_ms));
    }
}

void sp_fed_tick(struct sp_fed *fed, uint64_t now_ms)
{
    sync_config(fed);
    sp_engine_tick(fed->eng, now_at(now_ms));
}

void sp_fed_datasets_changed(struct sp_fed *fed, uint64_t now_ms)
{
    sp_engine_datasets_changed(fed->eng, now_at(now_ms));
}

long sp_fed_next_timeout_ms(const struct sp_fed *fed, uint64_t now_ms)
{
    return sp_engine_next_tick_ms(fed->eng, now_at(now_ms));
}

int sp_fed_control(struct sp_fed *fed, const struct sp_ctl_request *req, struct sp_ctl_reply *reply,
                   uint64_t now_ms)
{
    sync_config(fed);
    return sp_engine_control(fed->eng, req, reply, now_at(now_ms));
}

bool sp_fed_peer_connected(const struct sp_fed *fed, size_t i)
{
    return sp_peers_up(fed->peers, (int)i, NULL);
}

uint32_t sp_fed_rounds_active(const struct sp_fed *fed)
{
    return sp_engine_rounds_active(fed->eng);
}

/* ---- lifecycle ---------------------------------------------------------- */

int sp_fed_new(const struct sp_config *cfg, struct sp_store *store, const struct sp_identity *id,
               struct sp_gov *gov, void *zctx, struct sp_fed **out)
{
    int rc = SP_ERR_NOMEM;
    struct sp_fed *fed = calloc(1, sizeof(*fed));
    if (!fed)
        return SP_ERR_NOMEM;
    fed->cfg = cfg;
    fed->store = store;
    fed->gov = gov;
    uint64_t now = sp_now_ms();
    unsigned nthreads = cfg->worker_threads ? cfg->worker_threads : sp_workers_default_count();
    if ((rc = sp_crypto_init()) != 0 || (rc = sp_workers_new(nthreads, &fed->workers)) != 0 ||
        (rc = sp_peers_new(cfg, id, zctx, now, &fed->peers)) != 0)
        goto out;
    if (gov)
        sp_peers_set_admission(fed->peers, admit_peer, refused_peer, fed);
    sync_config(fed);
    struct sp_engine_ports ports = ports_of(fed);
    /* recovers rounds a previous process left live: their ABORTs wait in
     * the peers' queues until the links are up */
    if ((rc = sp_engine_new(&fed->ecfg, &ports, now_at(now), &fed->eng)) != 0)
        goto out;
    sp_log_info("federation: node %s listening on %s with %zu peers, %u worker threads", cfg->node,
                cfg->listen, cfg->npeers, nthreads);
    *out = fed;
    return 0;
out:
    sp_log_error("federation: cannot start: %s", sp_strerror(rc));
    sp_fed_free(&fed);
    return rc;
}

void sp_fed_free(struct sp_fed **fp)
{
    if (!fp || !*fp)
        return;
    struct sp_fed *fed = *fp;
    if (fed->eng)
        sp_engine_stop(fed->eng, now_at(sp_now_ms()));
    /* Stop the workers first: afterwards no job runs, and the engine frees
     * those still queued with their rounds. */
    sp_workers_free(&fed->workers);
    sp_engine_free(&fed->eng);
    sp_peers_free(&fed->peers);
    free(fed);
    *fp = NULL;
}
