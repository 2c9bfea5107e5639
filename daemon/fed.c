/* The federation engine: lifecycle, dispatch, message intake; see
 * federation.h and fed_internal.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/roundid.h"
#include "crypto/group.h"
#include "daemon/config.h"
#include "daemon/fed_internal.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "round/round_meta.h"

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void fed_format_wall(uint64_t mono, uint64_t now_ms, char out[32])
{
    time_t t = time(NULL) - (time_t)((now_ms > mono ? now_ms - mono : 0) / 1000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *fed_pname(const struct fed_round *r, unsigned p)
{
    return p < r->n ? r->prop.participants[p].name : "?";
}

/* ---- rounds ----------------------------------------------------------- */

struct fed_round *fed_round_find(struct sp_fed *fed, const uint8_t id[SP_ROUND_ID_BYTES])
{
    for (struct fed_round *r = fed->rounds; r; r = r->next)
        if (memcmp(r->id, id, SP_ROUND_ID_BYTES) == 0)
            return r;
    return NULL;
}

static int map_participants(struct fed_round *r)
{
    for (unsigned p = 0; p < r->n; p++) {
        if (p == r->me) {
            r->peer_of[p] = -1;
            continue;
        }
        r->peer_of[p] = sp_peers_find(r->fed->peers, r->prop.participants[p].name);
        if (r->peer_of[p] < 0)
            return SP_ERR_PEER_UNKNOWN;
    }
    return 0;
}

int fed_round_create(struct sp_fed *fed, const struct sp_proposal *prop, const uint8_t *bytes,
                     size_t len, unsigned initiator, int state, struct fed_round **out)
{
    int rc = SP_ERR_NOMEM;
    if (fed->nrounds >= FED_MAX_ROUNDS)
        return SP_ERR_BUSY;
    int me = sp_proposal_participant_index(prop, fed->cfg->node);
    if (me < 0)
        return SP_ERR_ROUND_REFUSED;
    struct fed_round *r = calloc(1, sizeof(*r));
    if (!r || !(r->prop_bytes = malloc(len)))
        goto cleanup;
    r->fed = fed;
    r->prop = *prop;
    memcpy(r->prop_bytes, bytes, len);
    r->prop_len = len;
    memcpy(r->id, prop->round_id, sizeof(r->id));
    sp_round_id_hex(r->id, r->hex);
    r->state = state;
    r->me = (unsigned)me;
    r->n = prop->nparticipants;
    r->initiator = initiator;
    r->fail_from = -1;
    r->roles = (initiator == r->me ? SP_ROUND_ROLE_INITIATOR : 0) |
               (prop->counter == r->me ? SP_ROUND_ROLE_COUNTER : 0);
    if ((rc = map_participants(r)) != 0)
        goto cleanup;
    r->created_ms = fed->now_ms;
    r->deadline_ms = fed->now_ms + (uint64_t)prop->deadline_s * 1000u;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r->created_wall_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    r->created_at = (uint64_t)ts.tv_sec;
    r->batch_size = fed->cfg->batch_size ? fed->cfg->batch_size : SP_PEER_BATCH_MAX_ELEMENTS;
    if (r->batch_size > SP_PEER_BATCH_MAX_ELEMENTS)
        r->batch_size = SP_PEER_BATCH_MAX_ELEMENTS;
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        sp_window_init(&r->ring_win[p], fed_window(fed));
    sp_window_init(&r->final_win, fed_window(fed));
    if ((r->roles & SP_ROUND_ROLE_COUNTER) && (rc = fed_counter_new(r)) != 0)
        goto cleanup;
    r->next = fed->rounds;
    fed->rounds = r;
    fed->nrounds++;
    *out = r;
    return 0;
cleanup:
    if (r) {
        free(r->prop_bytes);
        free(r);
    }
    return rc;
}

uint32_t fed_window(const struct sp_fed *fed)
{
    uint32_t w = fed->cfg->batch_window;
    return w == 0 || w > SP_PEER_CREDIT_WINDOW ? SP_PEER_CREDIT_WINDOW : w;
}

static void round_unlink_free(struct sp_fed *fed, struct fed_round *r)
{
    for (struct fed_round **pp = &fed->rounds; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            fed->nrounds--;
            break;
        }
    }
    fed_ring_release(r);
    fed_final_release(r);
    fed_counter_free(r);
    fed_early_free(r);
    sp_round_key_free(&r->key);
    free(r->prop_bytes);
    free(r->sig);
    free(r->cert);
    free(r);
}

int fed_round_meta(const struct fed_round *r, int state, uint8_t **blob, size_t *len)
{
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    uint8_t *buf = malloc(SP_ROUND_META_MAX_BYTES);
    int rc = SP_ERR_NOMEM;
    if (!m || !buf)
        goto cleanup;
    memcpy(m->round_id, r->id, sizeof(m->round_id));
    m->state = (uint8_t)state;
    m->self_index = (uint8_t)r->me;
    m->initiator = (r->roles & SP_ROUND_ROLE_INITIATOR) ? 1 : 0;
    m->created_at = r->created_at;
    m->created_ms = r->created_wall_ms;
    m->started_at = r->started_at;
    m->finished_at = sp_round_state_terminal(state)
                         ? (r->finished_at ? r->finished_at : (uint64_t)time(NULL))
                         : 0;
    m->records_matched = r->records_matched;
    memcpy(m->matched, r->matched, sizeof(m->matched));
    m->values_sent = r->values_sent;
    m->values_received = r->values_received;
    m->rows = r->rows;
    memcpy(m->set_sizes, r->set_sizes, sizeof(m->set_sizes));
    snprintf(m->reason, sizeof(m->reason), "%s", r->reason);
    m->proposal_len = (uint32_t)r->prop_len;
    memcpy(m->proposal, r->prop_bytes, r->prop_len);
    if ((rc = sp_round_meta_encode(m, buf, SP_ROUND_META_MAX_BYTES, len)) != 0)
        goto cleanup;
    *blob = buf;
    buf = NULL;
cleanup:
    free(buf);
    free(m);
    return rc;
}

void fed_round_persist(struct fed_round *r)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc = fed_round_meta(r, r->state, &blob, &len);
    if (rc == 0)
        rc = sp_store_round_put(r->fed->store, r->id, blob, len);
    if (rc)
        sp_log_error("round %s: cannot record its state: %s", r->hex, sp_strerror(rc));
    free(blob);
}

int fed_round_event(struct fed_round *r, int event)
{
    int next;
    int rc = sp_round_transition(r->state, event, &next);
    if (rc) {
        sp_log_error("round %s: event %d not allowed in state %s", r->hex, event,
                     sp_round_state_name(r->state));
        return rc;
    }
    sp_log_info("round %s: %s -> %s", r->hex, sp_round_state_name(r->state),
                sp_round_state_name(next));
    r->state = next;
    if (sp_round_state_terminal(next))
        r->finished_at = (uint64_t)time(NULL);
    return 0;
}

void fed_round_fail(struct fed_round *r, int code, bool send_abort, const char *fmt, ...)
{
    if (sp_round_state_terminal(r->state))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
    sp_log_warn("round %s failed: %s", r->hex, r->reason);
    if (fed_round_event(r, SP_ROUND_EV_FAIL) != 0)
        return;
    if (send_abort) {
        for (unsigned p = 0; p < r->n; p++) {
            if (p == r->me)
                continue;
            struct sp_peer_msg m = {.type = SP_PEER_ABORT};
            m.abort.code = code < 0 ? code : SP_ERR_ROUND_FAILED;
            snprintf(m.abort.reason, sizeof(m.abort.reason), "%s", r->reason);
            fed_send_best(r, p, &m);
        }
    }
    for (struct fed_job *j = r->jobs; j; j = j->rnext)
        atomic_store(&j->base.cancelled, true);
    if ((r->rows_appended || r->appended) &&
        sp_store_round_delete_results(r->fed->store, r->id) != 0)
        sp_log_error("round %s: cannot delete its staged results", r->hex);
    fed_gov_failed(r, code < 0 ? code : SP_ERR_ROUND_FAILED); /* with the failed state */
    fed_round_persist(r);
    fed_gov_ended(r);
    fed_round_release_idle(r);
}

void fed_round_release_idle(struct fed_round *r)
{
    /* A job still out may be reading the key, the mapping walk or the
     * holders: everything waits until the last one is back. */
    if (!sp_round_state_terminal(r->state) || r->jobs)
        return;
    fed_ring_release(r);
    fed_final_release(r);
    sp_round_key_free(&r->key);
}

void fed_round_check_finished(struct fed_round *r)
{
    if (r->state != SP_ROUND_FINISHING || !r->committed || !fed_counter_done(r))
        return;
    if (fed_round_event(r, SP_ROUND_EV_FINISHED) == 0) {
        fed_gov_ended(r);
        fed_round_release_idle(r);
    }
}

/* A terminal round whose jobs are back and whose scratch is gone leaves
 * memory; the store keeps its meta blob. */
static void release_finished(struct sp_fed *fed)
{
    struct fed_round *r = fed->rounds;
    while (r) {
        struct fed_round *next = r->next;
        /* it stays until its peers' log heads are in (or FED_HEADS_WAIT_MS) */
        if (sp_round_state_terminal(r->state) && !r->jobs &&
            (r->scratch_gone || (r->scratch_gone = fed_counter_cleanup_step(r))) &&
            fed_gov_heads_settled(r, fed->now_ms))
            round_unlink_free(fed, r);
        r = next;
    }
}

/* ---- jobs ------------------------------------------------------------- */

struct fed_job *fed_job_new(struct fed_round *r, int kind)
{
    struct fed_job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->round = r;
    j->kind = kind;
    j->key = r->key;
    j->from = -1;
    return j;
}

void fed_job_free(struct fed_job *j)
{
    if (!j)
        return;
    if (j->leader) { /* a part: its buffers are the leader's */
        free(j);
        return;
    }
    if (j->vals) {
        sodium_memzero(j->vals, j->vals_cap);
        free(j->vals);
    }
    free(j->offs);
    free(j->elems);
    free(j->rows);
    free(j->subjects);
    sp_round_agg_free(&j->agg);
    free(j);
}

int fed_job_submit_parts(struct fed_round *r, struct fed_job *lead)
{
    uint32_t nparts = (lead->n + FED_PART_ELEMS - 1) / FED_PART_ELEMS;
    if (nparts < 1)
        nparts = 1;
    struct fed_job *parts[SP_PEER_BATCH_MAX_ELEMENTS / FED_PART_ELEMS + 1];
    uint32_t per = (lead->n + nparts - 1) / nparts;
    parts[0] = lead;
    for (uint32_t i = 1; i < nparts; i++) {
        struct fed_job *j = fed_job_new(r, lead->kind);
        if (!j) {
            while (i-- > 1)
                fed_job_free(parts[i]);
            return SP_ERR_NOMEM;
        }
        j->base.run = lead->base.run;
        j->leader = lead;
        j->key_type = lead->key_type;
        j->elems = lead->elems; /* borrowed: the leader frees them */
        j->vals = lead->vals;
        j->offs = lead->offs;
        parts[i] = j;
    }
    lead->parts_left = nparts;
    for (uint32_t i = 0; i < nparts; i++) {
        parts[i]->part_off = i * per;
        parts[i]->part_n =
            i * per >= lead->n ? 0 : (lead->n - i * per < per ? lead->n - i * per : per);
        fed_job_submit(r, parts[i]);
    }
    return 0;
}

void fed_job_submit(struct fed_round *r, struct fed_job *job)
{
    job->rnext = r->jobs;
    r->jobs = job;
    r->njobs++;
    sp_workers_submit(r->fed->workers, &job->base);
}

static void job_detach(struct fed_round *r, struct fed_job *job)
{
    for (struct fed_job **pp = &r->jobs; *pp; pp = &(*pp)->rnext) {
        if (*pp == job) {
            *pp = job->rnext;
            r->njobs--;
            return;
        }
    }
}

static void jobs_collect(struct sp_fed *fed)
{
    struct sp_worker_job *list = sp_workers_take(fed->workers);
    while (list) {
        struct fed_job *job = (struct fed_job *)list;
        list = list->next;
        struct fed_round *r = job->round;
        job_detach(r, job);
        if (job->parts_left || job->leader) {
            /* one part of a batch: the batch is done when every part is */
            struct fed_job *lead = job->leader ? job->leader : job;
            if (job->rc && !lead->rc)
                lead->rc = job->rc;
            if (!job->base.ran)
                lead->parts_cancelled = true;
            if (job != lead)
                fed_job_free(job);
            if (--lead->parts_left > 0)
                continue;
            job = lead;
        }
        bool live = !sp_round_state_terminal(r->state) && job->base.ran && !job->parts_cancelled;
        if (live) {
            switch (job->kind) {
            case FED_JOB_HASH:
            case FED_JOB_BLIND:
                fed_ring_job_done(r, job);
                break;
            case FED_JOB_SCAN:
                fed_scan_done(r, job);
                break;
            case FED_JOB_MAP:
                fed_map_done(r, job);
                break;
            case FED_JOB_MERGE:
                fed_merge_done(r, job);
                break;
            }
        }
        fed_job_free(job);
        fed_round_release_idle(r);
    }
}

/* ---- timers ----------------------------------------------------------- */

static void check_links(struct fed_round *r, uint64_t now)
{
    for (unsigned p = 0; p < r->n && !sp_round_state_terminal(r->state); p++) {
        uint64_t since = 0;
        if (p == r->me || sp_peers_up(r->fed->peers, r->peer_of[p], &since))
            continue;
        if (since < r->created_ms)
            since = r->created_ms;
        if (now - since < FED_LINK_GRACE_MS)
            continue;
        char when[32];
        fed_format_wall(since, now, when);
        r->fail_from = (int)p;
        fed_round_fail(r, SP_ERR_TIMEOUT, true, "peer %s unreachable since %s", fed_pname(r, p),
                       when);
    }
}

static void check_round(struct fed_round *r, uint64_t now)
{
    if (sp_round_state_terminal(r->state))
        return;
    if (now >= r->deadline_ms) {
        fed_round_fail(r, SP_ERR_TIMEOUT, true, "deadline of %" PRIu32 " s passed in state %s",
                       r->prop.deadline_s, sp_round_state_name(r->state));
        return;
    }
    check_links(r, now);
    if (!sp_round_state_terminal(r->state) && r->state == SP_ROUND_FINISHING)
        fed_results_step(r);
    fed_progress_log(r, now);
}

void sp_fed_tick(struct sp_fed *fed, uint64_t now_ms)
{
    fed->now_ms = now_ms;
    fed_drain_self(fed);
    for (struct fed_round *r = fed->rounds; r; r = r->next)
        check_round(r, now_ms);
    fed_drain_self(fed);
    release_finished(fed);
}

long sp_fed_next_timeout_ms(const struct sp_fed *fed, uint64_t now_ms)
{
    if (fed->self_head)
        return 0;
    long best = -1;
    for (const struct fed_round *r = fed->rounds; r; r = r->next) {
        long t;
        if (sp_round_state_terminal(r->state) && r->scratch_gone && !r->jobs)
            t = fed_gov_heads_settled(r, now_ms)
                    ? 0
                    : (long)(r->ended_ms + FED_HEADS_WAIT_MS - now_ms); /* waiting for heads */
        else if (sp_round_state_terminal(r->state))
            t = 10; /* winding down: scratch deletion, jobs coming back */
        else if (r->state == SP_ROUND_FINISHING && !r->committed)
            t = 0;
        else
            t = now_ms >= r->deadline_ms ? 0 : (long)(r->deadline_ms - now_ms);
        if (!sp_round_state_terminal(r->state) && t > 1000)
            t = 1000; /* link checks */
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

/* ---- poll ------------------------------------------------------------- */

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
    fed->now_ms = now_ms;
    if (n == 0)
        return;
    size_t np = n - 1 < fed->npeer_items ? n - 1 : fed->npeer_items;
    sp_peers_dispatch(fed->peers, items + 1, np, now_ms, fed_on_recv, fed_on_link, fed);
    fed_drain_self(fed);
    if (sp_workers_outstanding(fed->workers))
        jobs_collect(fed);
    fed_drain_self(fed);
}

/* ---- lifecycle -------------------------------------------------------- */

/* Rounds that were live when the previous process stopped cannot resume
 * (their keys were never on disk): they are recorded as failed, and their
 * other participants are told at once (ABORT), so that they do not wait for
 * a heartbeat timeout or the round's deadline. The walk collects the ids;
 * the updates happen after it (no write inside a walk). */
struct recover_list {
    uint8_t (*ids)[SP_ROUND_ID_BYTES];
    size_t n, cap;
};

/* A recovered round's other participants, to be told once the peer sockets
 * exist. */
struct fed_recovered {
    uint8_t id[SP_ROUND_ID_BYTES];
    unsigned n;
    char names[SP_PROTO_MAX_PARTICIPANTS][SP_PROTO_NAME_MAX + 1];
};

static int recover_collect(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob,
                           size_t len)
{
    struct recover_list *l = ctx;
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    if (!m)
        return SP_ERR_NOMEM;
    int rc = 0;
    if (sp_round_meta_decode(blob, len, m) == 0 && !sp_round_state_terminal(m->state)) {
        if (l->n == l->cap) {
            size_t ncap = l->cap ? l->cap * 2 : 16;
            void *p = realloc(l->ids, ncap * sizeof(*l->ids));
            if (!p) {
                rc = SP_ERR_NOMEM;
                goto cleanup;
            }
            l->ids = p;
            l->cap = ncap;
        }
        memcpy(l->ids[l->n++], id, SP_ROUND_ID_BYTES);
    }
cleanup:
    free(m);
    return rc;
}

/* The participants of a recovered round other than this node. */
static void note_recovered(struct sp_fed *fed, const struct sp_round_meta *m,
                           struct fed_recovered *out)
{
    struct sp_proposal *p = calloc(1, sizeof(*p));
    memcpy(out->id, m->round_id, sizeof(out->id));
    out->n = 0;
    if (p && sp_proposal_decode(m->proposal, m->proposal_len, p) == 0)
        for (uint32_t i = 0; i < p->nparticipants; i++)
            if (strcmp(p->participants[i].name, fed->cfg->node) != 0)
                snprintf(out->names[out->n++], sizeof(out->names[0]), "%s",
                         p->participants[i].name);
    free(p);
}

static int recover_one(struct sp_fed *fed, const uint8_t id[SP_ROUND_ID_BYTES],
                       struct fed_recovered *told)
{
    void *blob = NULL;
    size_t len = 0;
    uint8_t *out = malloc(SP_ROUND_META_MAX_BYTES);
    struct sp_round_meta *m = calloc(1, sizeof(*m));
    int rc = SP_ERR_NOMEM;
    if (!out || !m)
        goto cleanup;
    if ((rc = sp_store_round_get(fed->store, id, &blob, &len)) != 0 ||
        (rc = sp_round_meta_decode(blob, len, m)) != 0)
        goto cleanup;
    note_recovered(fed, m, told);
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(id, hex);
    sp_log_warn("round %s: was %s when the node stopped; recorded as failed", hex,
                sp_round_state_name(m->state));
    m->state = SP_ROUND_FAILED;
    m->finished_at = (uint64_t)time(NULL);
    snprintf(m->reason, sizeof(m->reason), "the node restarted during the round");
    if ((rc = sp_round_meta_encode(m, out, SP_ROUND_META_MAX_BYTES, &len)) != 0 ||
        (rc = sp_store_round_delete_results(fed->store, id)) != 0)
        goto cleanup;
    fed_gov_recovered(fed, id, m->reason); /* written with the failed state */
    rc = sp_store_round_put(fed->store, id, out, len);
cleanup:
    free(blob);
    free(out);
    free(m);
    return rc;
}

static int recover_rounds(struct sp_fed *fed)
{
    struct recover_list l = {0};
    int rc = sp_store_rounds_foreach(fed->store, recover_collect, &l);
    if (rc == 0 && l.n > 0 && !(fed->recovered = calloc(l.n, sizeof(*fed->recovered))))
        rc = SP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        rc = recover_one(fed, l.ids[i], &fed->recovered[i]);
        fed->nrecovered += rc == 0;
    }
    free(l.ids);
    return rc;
}

/* Tells the other participants of every recovered round that this node
 * restarted during it: an ABORT waits in the peer's outgoing queue until its
 * link is up, and the peer fails the round at once instead of waiting for a
 * timeout. A peer that already ended the round ignores it. */
static void tell_recovered(struct sp_fed *fed)
{
    for (size_t i = 0; i < fed->nrecovered; i++) {
        const struct fed_recovered *rv = &fed->recovered[i];
        struct sp_peer_msg m = {.type = SP_PEER_ABORT};
        char hex[SP_ROUND_ID_HEX_LEN + 1];
        memcpy(m.round_id, rv->id, sizeof(m.round_id));
        m.abort.code = SP_ERR_ROUND_FAILED;
        snprintf(m.abort.reason, sizeof(m.abort.reason), "%s restarted during the round",
                 fed->cfg->node);
        sp_round_id_hex(rv->id, hex);
        for (unsigned p = 0; p < rv->n; p++) {
            int peer = sp_peers_find(fed->peers, rv->names[p]);
            if (peer >= 0)
                fed_send_peer(fed, peer, &m);
        }
        sp_log_info("round %s: told its %u other participants that this node restarted", hex,
                    rv->n);
    }
    free(fed->recovered);
    fed->recovered = NULL;
    fed->nrecovered = 0;
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

int sp_fed_new(const struct sp_config *cfg, struct sp_store *store, const struct sp_identity *id,
               struct sp_gov *gov, void *zctx, struct sp_fed **out)
{
    int rc = SP_ERR_NOMEM;
    struct sp_fed *fed = calloc(1, sizeof(*fed));
    if (!fed)
        return SP_ERR_NOMEM;
    fed->cfg = cfg;
    fed->store = store;
    fed->id = id;
    fed->gov = gov;
    fed->now_ms = mono_ms();
    unsigned nthreads = cfg->worker_threads ? cfg->worker_threads : sp_workers_default_count();
    if ((rc = sp_crypto_init()) != 0 || (rc = sp_workers_new(nthreads, &fed->workers)) != 0 ||
        (rc = fed_scratch_open(fed)) != 0 || (rc = recover_rounds(fed)) != 0 ||
        (rc = sp_peers_new(cfg, id, zctx, fed->now_ms, &fed->peers)) != 0)
        goto cleanup;
    if (gov)
        sp_peers_set_admission(fed->peers, admit_peer, refused_peer, fed);
    tell_recovered(fed);
    sp_log_info("federation: node %s listening on %s with %zu peers, %u worker threads", cfg->node,
                cfg->listen, cfg->npeers, nthreads);
    *out = fed;
    return 0;
cleanup:
    sp_log_error("federation: cannot start: %s", sp_strerror(rc));
    sp_fed_free(&fed);
    return rc;
}

void sp_fed_free(struct sp_fed **fp)
{
    if (!fp || !*fp)
        return;
    struct sp_fed *fed = *fp;
    for (struct fed_round *r = fed->rounds; r; r = r->next)
        fed_round_fail(r, SP_ERR_ROUND_FAILED, true, "the node shut down during the round");
    /* Stop the workers first: afterwards no job runs, and queued ones are
     * freed with their rounds. */
    sp_workers_free(&fed->workers);
    while (fed->rounds) {
        struct fed_round *r = fed->rounds;
        while (r->jobs) {
            struct fed_job *j = r->jobs;
            r->jobs = j->rnext;
            struct fed_job *lead = j->leader ? j->leader : j;
            if (!lead->parts_left) { /* not split */
                fed_job_free(j);
                continue;
            }
            if (j != lead)
                fed_job_free(j);
            if (--lead->parts_left == 0) /* the leader goes with its last part */
                fed_job_free(lead);
        }
        r->njobs = 0;
        while (!fed_counter_cleanup_step(r))
            ;
        round_unlink_free(fed, r);
    }
    while (fed->self_head) {
        struct fed_selfmsg *s = fed->self_head;
        fed->self_head = s->next;
        free(s);
    }
    sp_peers_free(&fed->peers);
    free(fed->ctl_rounds);
    free(fed->recovered);
    free(fed->ctl_peers);
    free(fed);
    *fp = NULL;
}

/* ---- status and control ----------------------------------------------- */

bool sp_fed_peer_connected(const struct sp_fed *fed, size_t i)
{
    return sp_peers_up(fed->peers, (int)i, NULL);
}

uint32_t sp_fed_rounds_active(const struct sp_fed *fed)
{
    uint32_t n = 0;
    for (const struct fed_round *r = fed->rounds; r; r = r->next)
        if (!sp_round_state_terminal(r->state))
            n++;
    return n;
}

int sp_fed_control(struct sp_fed *fed, const struct sp_ctl_request *req, struct sp_ctl_reply *reply,
                   uint64_t now_ms)
{
    fed->now_ms = now_ms;
    memset(reply, 0, sizeof(*reply));
    reply->op = req->op;
    int rc;
    switch (req->op) {
    case SP_CTL_ROUND_START:
        rc = fed_ctl_round_start(fed, &req->round_start, reply);
        break;
    case SP_CTL_ROUND_SUBMIT:
        rc = fed_ctl_round_submit(fed, &req->round_submit, reply);
        break;
    case SP_CTL_ROUNDS:
        rc = fed_ctl_rounds(fed, &req->rounds, reply);
        break;
    case SP_CTL_STATUS:
        rc = fed_ctl_status(fed, reply);
        break;
    case SP_CTL_ROUND_CANCEL:
        rc = fed_ctl_cancel(fed, &req->round_cancel, reply);
        break;
    default:
        rc = SP_ERR_UNSUPPORTED;
        sp_ctl_reply_set_error(reply, req->op, rc, "not a round request");
        break;
    }
    fed_drain_self(fed);
    return rc;
}
