/*
 * The control socket: request decoding, dispatch and the handlers of the
 * operations the daemon core owns (status, loads, datasets, results,
 * counts). Round operations are the federation engine's.
 */
#include <errno.h>
#include <grp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "common/roundid.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/control_impl.h"
#include "daemon/dataset.h"
#include "daemon/federation.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "round/round_meta.h"
#include "daemon/store.h"
#include "proto/control.h"

#ifndef SP_VERSION
#define SP_VERSION "0"
#endif

/* Requests handled per dispatch call before peers get their turn. */
#define DISPATCH_BUDGET 32

static void dataset_to_ctl(const struct sp_dataset_info *d, struct sp_ctl_dataset_info *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", d->name);
    o->version = d->version;
    o->loaded_at = d->loaded_at;
    o->records = d->records;
    o->keys = d->keys;
    o->rejected_fields = d->rejected_fields;
    o->structural_errors = d->structural_errors;
    memcpy(o->input_sha256, d->input_sha256, SP_CTL_SHA256_BYTES);
}

static void stats_to_ctl(const struct sp_ingest_stats *s, struct sp_ctl_ingest_stats *o)
{
    memset(o, 0, sizeof *o);
    o->lines = s->lines;
    o->records = s->records;
    o->records_usable = s->records_usable;
    o->records_without_keys = s->records_without_keys;
    o->keys = s->keys;
    for (int t = 1; t < SP_CTL_STATS_KEY_TYPES; t++)
        o->keys_by_type[t] = s->keys_by_type[t];
    o->structural_errors = s->structural_errors;
    o->duplicate_record_ids = s->duplicate_record_ids;
    o->nerror_lines = (uint32_t)s->nerror_lines;
    for (size_t i = 0; i < s->nerror_lines && i < SP_CTL_STATS_MAX_ERROR_LINES; i++) {
        o->error_lines[i] = s->error_lines[i];
        o->error_codes[i] = s->error_codes[i];
    }
    o->nfields = SP_FIELD_COUNT;
    o->nreasons = SP_REJECT_REASON_COUNT;
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        o->fields[f].accepted = s->fields[f].accepted;
        o->fields[f].empty = s->fields[f].empty;
        for (int r = 0; r < SP_REJECT_REASON_COUNT; r++)
            o->fields[f].rejected[r] = s->fields[f].rejected[r];
    }
}

/* ---- status and datasets ----------------------------------------------- */

static int op_status(struct handler_ctx *h)
{
    struct sp_ctl_status_reply *st = &h->rp->status_info;
    const struct sp_config *cfg = h->c->cfg;
    uint32_t n = 0;
    int err = sp_store_datasets_count(h->c->store, &n);
    if (err)
        return err;
    h->sc->peers = calloc(cfg->npeers ? cfg->npeers : 1, sizeof *h->sc->peers);
    if (!h->sc->peers)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < cfg->npeers; i++) {
        struct sp_ctl_peer_info *p = &h->sc->peers[i];
        snprintf(p->name, sizeof p->name, "%s", cfg->peers[i].name);
        snprintf(p->endpoint, sizeof p->endpoint, "%s", cfg->peers[i].endpoint);
        p->connected = h->c->fed && sp_fed_peer_connected(h->c->fed, i);
    }
    snprintf(st->node, sizeof st->node, "%s", cfg->node);
    snprintf(st->version, sizeof st->version, "%s", SP_VERSION);
    st->uptime_s = (h->now_ms - h->c->started_ms) / 1000;
    st->datasets = n;
    st->rounds_active = h->c->fed ? sp_fed_rounds_active(h->c->fed) : 0;
    st->peers = h->sc->peers;
    st->npeers = (uint32_t)cfg->npeers;
    sp_control_status_gov(h, st);
    return sp_store_usage(h->c->store, &st->store_file_bytes, &st->store_used_bytes,
                          &st->store_map_bytes);
}

static int add_dataset(void *ctx, const struct sp_dataset_info *d)
{
    struct handler_ctx *h = ctx;
    struct sp_ctl_datasets_reply *r = &h->rp->datasets;
    if (r->ndatasets == SP_CTL_MAX_DATASETS)
        return SP_ERR_OVERFLOW;
    dataset_to_ctl(d, &h->sc->datasets[r->ndatasets++]);
    return 0;
}

static int op_datasets(struct handler_ctx *h)
{
    h->sc->datasets = calloc(SP_CTL_MAX_DATASETS, sizeof *h->sc->datasets);
    if (!h->sc->datasets)
        return SP_ERR_NOMEM;
    h->rp->datasets.datasets = h->sc->datasets;
    return sp_store_datasets_foreach(h->c->store, add_dataset, h);
}

/* ---- loads ------------------------------------------------------------- */

static struct ctl_load *find_load(struct sp_control *c, uint32_t id)
{
    for (size_t i = 0; id && i < SP_CONTROL_MAX_LOADS; i++)
        if (c->loads[i].id == id)
            return &c->loads[i];
    return NULL;
}

static void drop_load(struct ctl_load *l)
{
    sp_dataset_load_free(&l->load);
    l->id = 0;
}

static int today_yyyymmdd(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int op_load_begin(struct handler_ctx *h)
{
    const struct sp_ctl_load_begin *b = &h->rq->load_begin;
    struct ctl_load *slot = NULL;
    for (size_t i = 0; !slot && i < SP_CONTROL_MAX_LOADS; i++)
        if (h->c->loads[i].id == 0)
            slot = &h->c->loads[i];
    if (!slot) {
        snprintf(h->msg, sizeof h->msg, "too many loads in progress (at most %d)",
                 SP_CONTROL_MAX_LOADS);
        return SP_ERR_BUSY;
    }
    int err = sp_dataset_load_new(h->c->store, b->dataset, b->mapping, b->mapping_len,
                                  today_yyyymmdd(), &slot->load, h->msg, sizeof h->msg);
    if (err)
        return err;
    /* A random id: a client cannot stumble into another client's load. */
    do
        slot->id = randombytes_random();
    while (slot->id == 0 || find_load(h->c, slot->id) != slot);
    slot->last_ms = h->now_ms;
    h->rp->load_id = slot->id;
    sp_log_info("dataset %s: load started (%llu bytes announced)", b->dataset,
                (unsigned long long)b->total_bytes);
    return 0;
}

static int no_such_load(struct handler_ctx *h, uint32_t id)
{
    snprintf(h->msg, sizeof h->msg,
             "no load %u in progress (it ended, failed, was idle too long, or "
             "the daemon "
             "restarted)",
             id);
    return SP_ERR_NOT_FOUND;
}

static int op_load_chunk(struct handler_ctx *h)
{
    const struct sp_ctl_load_chunk *ch = &h->rq->load_chunk;
    struct ctl_load *l = find_load(h->c, ch->load_id);
    if (!l)
        return no_such_load(h, ch->load_id);
    l->last_ms = h->now_ms;
    int err = sp_dataset_load_feed(l->load, ch->data, ch->data_len, h->msg, sizeof h->msg);
    if (err) {
        sp_log_warn("dataset %s: load failed: %s", sp_dataset_load_name(l->load), h->msg);
        drop_load(l);
        return err;
    }
    h->rp->load_chunk.bytes_received = sp_dataset_load_bytes(l->load);
    h->rp->load_chunk.records = sp_dataset_load_stats(l->load)->records;
    return 0;
}

static int op_load_end(struct handler_ctx *h)
{
    const struct sp_ctl_load_end *e = &h->rq->load_end;
    struct ctl_load *l = find_load(h->c, e->load_id);
    struct sp_dataset_info info;
    if (!l)
        return no_such_load(h, e->load_id);
    int err = 0;
    if (e->commit) {
        err = sp_dataset_load_commit(l->load, h->c->gov ? sp_gov_log(h->c->gov) : NULL, &info,
                                     h->msg, sizeof h->msg);
    } else {
        err = sp_store_dataset_get(h->c->store, sp_dataset_load_name(l->load), &info);
        if (err == SP_ERR_NOT_FOUND)
            snprintf(h->msg, sizeof h->msg, "load discarded; dataset %s has no version",
                     sp_dataset_load_name(l->load));
    }
    if (!err) {
        dataset_to_ctl(&info, &h->rp->load_end.summary);
        stats_to_ctl(sp_dataset_load_stats(l->load), &h->rp->load_end.stats);
    }
    if (!err && e->commit && h->c->fed) /* a new version: the own case outputs follow it */
        sp_fed_datasets_changed(h->c->fed, h->now_ms);
    drop_load(l);
    return err;
}

/* ---- results and counts ------------------------------------------------ */

/* SP_ERR_ROUND_UNKNOWN when the store has no such round. */
static int round_known(struct handler_ctx *h, const uint8_t *id)
{
    void *blob = NULL;
    size_t len = 0;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    int err = sp_store_round_get(h->c->store, id, &blob, &len);
    free(blob);
    if (err == SP_ERR_NOT_FOUND) {
        sp_round_id_hex(id, hex);
        snprintf(h->msg, sizeof h->msg, "no round %s on this node", hex);
        return SP_ERR_ROUND_UNKNOWN;
    }
    return err;
}

static int results_committed(struct handler_ctx *h, const uint8_t *id)
{
    bool committed = false;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    int err = round_known(h, id);
    if (!err)
        err = sp_store_results_committed(h->c->store, id, &committed);
    if (!err && !committed) {
        sp_round_id_hex(id, hex);
        snprintf(h->msg, sizeof h->msg,
                 "round %s has no results on this node (not finished, failed, or "
                 "deleted)",
                 hex);
        err = SP_ERR_STATE;
    }
    return err;
}

static int add_row(void *ctx, uint64_t index, const struct sp_result_row *r)
{
    struct handler_ctx *h = ctx;
    struct sp_ctl_results_reply *rr = &h->rp->results;
    struct sp_ctl_result_row *o = &h->sc->rows[rr->nrows++];
    (void)index;
    snprintf(o->dataset, sizeof o->dataset, "%s", r->dataset);
    snprintf(o->record_id, sizeof o->record_id, "%s", r->record_id);
    snprintf(o->partner, sizeof o->partner, "%s", r->partner);
    o->key_types = r->key_types;
    o->klass = r->klass;
    return 0;
}

static int op_results(struct handler_ctx *h)
{
    const struct sp_ctl_results_req *q = &h->rq->results;
    int err = results_committed(h, q->round_id);
    if (!err)
        err = sp_store_results_total(h->c->store, q->round_id, &h->rp->results.total);
    if (err)
        return err;
    h->sc->rows = calloc(q->limit ? q->limit : 1, sizeof *h->sc->rows);
    if (!h->sc->rows)
        return SP_ERR_NOMEM;
    h->rp->results.rows = h->sc->rows;
    err = sp_store_results_foreach(h->c->store, q->round_id, q->offset, q->limit, add_row, h);
    h->served = !err && q->offset + h->rp->results.nrows >= h->rp->results.total;
    return err;
}

static int count_cmp(const void *a, const void *b)
{
    const struct sp_peer_count *x = a, *y = b;
    if (x->key_type != y->key_type)
        return x->key_type < y->key_type ? -1 : 1;
    return (x->holders > y->holders) - (x->holders < y->holders);
}

/* The committed cells of a round: incidence counts (per key type) or, with
 * subjects, the subject cells stored beside them (store.h). */
static int stored_cells(struct handler_ctx *h, const uint8_t *id, bool subjects,
                        struct sp_count_entry **out, size_t *nout)
{
    struct sp_count_entry *e = NULL;
    size_t n = 0, kept = 0;
    int err = results_committed(h, id);
    if (!err)
        err = sp_store_counts_get(h->c->store, id, &e, &n);
    for (size_t i = 0; !err && i < n; i++)
        if (((e[i].key_type & SP_ROUND_SUBJECT_CELL) != 0) == subjects)
            e[kept++] = e[i];
    if (!err && kept > SP_PROTO_MAX_COUNT_ENTRIES)
        err = SP_ERR_OVERFLOW;
    if (err) {
        free(e);
        return err;
    }
    *out = e;
    *nout = kept;
    return 0;
}

static int op_counts(struct handler_ctx *h)
{
    struct sp_count_entry *e = NULL;
    size_t n = 0;
    int err = stored_cells(h, h->rq->counts.round_id, false, &e, &n);
    if (!err && !(h->sc->counts = calloc(n ? n : 1, sizeof *h->sc->counts)))
        err = SP_ERR_NOMEM;
    for (size_t i = 0; !err && i < n; i++)
        h->sc->counts[i] = (struct sp_peer_count){e[i].key_type, e[i].holders, e[i].count};
    free(e);
    if (err)
        return err;
    qsort(h->sc->counts, n, sizeof *h->sc->counts, count_cmp);
    h->rp->counts.entries = h->sc->counts;
    h->rp->counts.nentries = (uint32_t)n;
    sp_control_suppress(h); /* what coordinators see: no small cells */
    h->served = true;
    return 0;
}

static int subject_cmp(const void *a, const void *b)
{
    const struct sp_peer_subject_count *x = a, *y = b;
    if (x->entity != y->entity)
        return x->entity < y->entity ? -1 : 1;
    return (x->holders > y->holders) - (x->holders < y->holders);
}

/* Whether a round's mode gives the nodes holder sets (partners). */
static int round_mode(struct handler_ctx *h, const uint8_t *id, int *mode)
{
    void *blob = NULL;
    size_t len = 0;
    struct sp_round_meta *m = calloc(1, sizeof *m);
    struct sp_proposal *p = calloc(1, sizeof *p);
    int err = m && p ? sp_store_round_get(h->c->store, id, &blob, &len) : SP_ERR_NOMEM;
    if (!err)
        err = sp_round_meta_decode(blob, len, m);
    if (!err)
        err = sp_proposal_decode(m->proposal, m->proposal_len, p) == 0 ? 0 : SP_ERR_STORE;
    if (!err)
        *mode = p->mode;
    free(blob);
    free(m);
    free(p);
    return err;
}

static int op_subjects(struct handler_ctx *h)
{
    struct sp_count_entry *e = NULL;
    size_t n = 0;
    int mode = 0;
    int err = stored_cells(h, h->rq->subjects.round_id, true, &e, &n);
    if (!err)
        err = round_mode(h, h->rq->subjects.round_id, &mode);
    if (!err && !(h->sc->subjects = calloc(n ? n : 1, sizeof *h->sc->subjects)))
        err = SP_ERR_NOMEM;
    for (size_t i = 0; !err && i < n; i++)
        h->sc->subjects[i] = (struct sp_peer_subject_count){
            (uint8_t)(e[i].key_type & ~SP_ROUND_SUBJECT_CELL), e[i].holders, e[i].count};
    free(e);
    if (err)
        return err;
    qsort(h->sc->subjects, n, sizeof *h->sc->subjects, subject_cmp);
    h->rp->subjects.available = mode == SP_PROPOSAL_MODE_PARTNERS;
    h->rp->subjects.cells = h->sc->subjects;
    h->rp->subjects.ncells = h->rp->subjects.available ? (uint32_t)n : 0;
    sp_control_suppress_subjects(h);
    return 0;
}

static int op_round(struct handler_ctx *h)
{
    if (!h->c->fed) {
        snprintf(h->msg, sizeof h->msg, "the round engine is not running");
        return SP_ERR_STATE;
    }
    int err = sp_fed_control(h->c->fed, h->rq, h->rp, h->now_ms);
    if (err && h->rp->message[0])
        snprintf(h->msg, sizeof h->msg, "%s", h->rp->message);
    return err;
}

/* ---- dispatch ---------------------------------------------------------- */

static int handle_request(struct handler_ctx *h)
{
    switch (h->rq->op) {
    case SP_CTL_STATUS:
        return op_status(h);
    case SP_CTL_LOAD_BEGIN:
        return op_load_begin(h);
    case SP_CTL_LOAD_CHUNK:
        return op_load_chunk(h);
    case SP_CTL_LOAD_END:
        return op_load_end(h);
    case SP_CTL_DATASETS:
        return op_datasets(h);
    case SP_CTL_RESULTS:
        return op_results(h);
    case SP_CTL_COUNTS:
        return op_counts(h);
    case SP_CTL_SUBJECTS:
        return op_subjects(h);
    case SP_CTL_ROUND_START:
    case SP_CTL_ROUND_SUBMIT:
    case SP_CTL_ROUNDS:
    case SP_CTL_ROUND_CANCEL:
    case SP_CTL_CASE_ASK:
    case SP_CTL_CASE_STATUS:
    case SP_CTL_CASE_EPOCH:
        return op_round(h);
    case SP_CTL_AUDIT_EXPORT:
        return sp_control_op_audit_export(h);
    case SP_CTL_AUDIT_HEAD:
        return sp_control_op_audit_head(h);
    case SP_CTL_BACKUP:
        return sp_control_op_backup(h);
    default:
        snprintf(h->msg, sizeof h->msg, "operation %s is not supported by this daemon",
                 sp_ctl_op_name(h->rq->op) ? sp_ctl_op_name(h->rq->op) : "?");
        return SP_ERR_UNSUPPORTED;
    }
}

static int encode_error(uint8_t op, int err, const char *msg, uint8_t **reply, size_t *len)
{
    struct sp_ctl_reply rp;
    sp_ctl_reply_set_error(&rp, op, err, msg && *msg ? msg : sp_strerror(err));
    return sp_ctl_reply_encode_alloc(&rp, reply, len);
}

int sp_control_handle(struct sp_control *ctl, const uint8_t *req, size_t len, uint8_t **reply,
                      size_t *reply_len, uint64_t now_ms)
{
    struct sp_ctl_request rq;
    struct sp_ctl_reply rp;
    struct scratch sc = {0};
    int err = sp_ctl_request_decode(req, len, &rq);
    if (err) {
        sp_log_warn("control: malformed request refused: %s", sp_strerror(err));
        return encode_error(0, err, "malformed control request", reply, reply_len);
    }
    memset(&rp, 0, sizeof rp);
    rp.op = rq.op;
    struct handler_ctx h = {.c = ctl, .rq = &rq, .rp = &rp, .sc = &sc, .now_ms = now_ms};
    err = handle_request(&h);
    if (!err) {
        rp.status = 0;
        err = sp_ctl_reply_encode_alloc(&rp, reply, reply_len);
        if (err) {
            sp_log_error("control: cannot encode the %s reply: %s", sp_ctl_op_name(rq.op),
                         sp_strerror(err));
            snprintf(h.msg, sizeof h.msg, "internal error: reply not encodable (%s)",
                     sp_strerror(err));
        }
    }
    if (err)
        err = encode_error(rq.op, err, h.msg, reply, reply_len);
    /* Results kept "until read once" go now that they were (retention.h). */
    if (!err && h.served && ctl->gov)
        sp_gov_served(ctl->gov, rq.op == SP_CTL_RESULTS ? rq.results.round_id : rq.counts.round_id);
    free(sc.peers);
    free(sc.datasets);
    free(sc.rows);
    free(sc.counts);
    free(sc.subjects);
    free(sc.blobs);
    free(sc.bytes);
    return err;
}

/* Receives one request: [id][optional empty][payload]. Returns 1 with the
 * frames in m[] (*n of them), 0 when nothing is waiting, -1 for a message of
 * the wrong shape (already drained). */
static int recv_request(void *sock, zmq_msg_t m[3], int *n)
{
    int more = 1, got = 0, bad = 0;
    size_t sz = sizeof more;
    while (more) {
        zmq_msg_t tmp, *dst = got < 3 ? &m[got] : &tmp;
        zmq_msg_init(dst);
        if (zmq_msg_recv(dst, sock, got == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(dst);
            if (got == 0)
                return 0;
            bad = 1;
            break;
        }
        if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) != 0)
            more = 0;
        if (dst == &tmp) {
            zmq_msg_close(&tmp);
            bad = 1;
        } else {
            got++;
        }
    }
    if (got == 3 && zmq_msg_size(&m[1]) != 0)
        bad = 1;
    *n = got;
    if (bad || got < 2) {
        for (int i = 0; i < got; i++)
            zmq_msg_close(&m[i]);
        return -1;
    }
    return 1;
}

static void send_reply(void *sock, zmq_msg_t m[3], int n, uint8_t *reply, size_t len)
{
    /* The envelope goes back as it came; the payload frame is replaced. */
    for (int i = 0; i < n - 1; i++)
        if (zmq_msg_send(&m[i], sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            sp_log_warn("control: cannot reply: %s", zmq_strerror(errno));
            for (int j = i; j < n - 1; j++)
                zmq_msg_close(&m[j]);
            free(reply);
            return;
        }
    if (zmq_send(sock, reply, len, ZMQ_DONTWAIT) < 0)
        sp_log_warn("control: cannot reply: %s", zmq_strerror(errno));
    free(reply);
}

void sp_control_dispatch(struct sp_control *ctl, uint64_t now_ms)
{
    for (int i = 0; ctl->sock && i < DISPATCH_BUDGET; i++) {
        zmq_msg_t m[3];
        int n = 0, r = recv_request(ctl->sock, m, &n);
        if (r == 0)
            return;
        if (r < 0) {
            sp_log_warn("control: message with a wrong envelope dropped");
            continue;
        }
        uint8_t *reply = NULL;
        size_t len = 0;
        int err = sp_control_handle(ctl, zmq_msg_data(&m[n - 1]), zmq_msg_size(&m[n - 1]), &reply,
                                    &len, now_ms);
        zmq_msg_close(&m[n - 1]);
        if (err) {
            sp_log_error("control: no reply possible: %s", sp_strerror(err));
            for (int j = 0; j < n - 1; j++)
                zmq_msg_close(&m[j]);
            continue;
        }
        send_reply(ctl->sock, m, n, reply, len);
    }
}

void sp_control_tick(struct sp_control *ctl, uint64_t now_ms)
{
    uint64_t idle_ms = (uint64_t)ctl->cfg->load_idle_timeout_s * 1000;
    for (size_t i = 0; i < SP_CONTROL_MAX_LOADS; i++) {
        struct ctl_load *l = &ctl->loads[i];
        if (l->id && now_ms - l->last_ms >= idle_ms) {
            sp_log_warn("dataset %s: load idle for %u s, discarded", sp_dataset_load_name(l->load),
                        ctl->cfg->load_idle_timeout_s);
            drop_load(l);
        }
    }
    sp_control_metrics_tick(ctl, now_ms);
}

long sp_control_next_timeout_ms(const struct sp_control *ctl, uint64_t now_ms)
{
    uint64_t idle_ms = (uint64_t)ctl->cfg->load_idle_timeout_s * 1000;
    long best = -1;
    for (size_t i = 0; i < SP_CONTROL_MAX_LOADS; i++) {
        const struct ctl_load *l = &ctl->loads[i];
        if (!l->id)
            continue;
        uint64_t due = l->last_ms + idle_ms;
        long t = due <= now_ms ? 0 : (long)(due - now_ms);
        if (best < 0 || t < best)
            best = t;
    }
    long m = sp_control_metrics_timeout_ms(ctl, now_ms);
    return m >= 0 && (best < 0 || m < best) ? m : best;
}

size_t sp_control_loads(const struct sp_control *ctl)
{
    size_t n = 0;
    for (size_t i = 0; i < SP_CONTROL_MAX_LOADS; i++)
        n += ctl->loads[i].id != 0;
    return n;
}

void sp_control_set_fed(struct sp_control *ctl, struct sp_fed *fed)
{
    ctl->fed = fed;
}

void sp_control_set_gov(struct sp_control *ctl, struct sp_gov *gov)
{
    ctl->gov = gov;
}

void *sp_control_socket(struct sp_control *ctl)
{
    return ctl->sock;
}

/* zmq_bind would silently take over the socket file of a running daemon
 * (it unlinks stale files); a successful connect means one is listening. */
static bool socket_in_use(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return false;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool used = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return used;
}

static int set_permissions(const struct sp_control *c)
{
    if (!c->cfg->control_group[0])
        return chmod(c->path, 0600) == 0 ? 0 : SP_ERR_IO;
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(c->cfg->control_group, &gr, buf, sizeof buf, &res) != 0 || !res) {
        sp_log_error("control: group %s does not exist", c->cfg->control_group);
        return SP_ERR_PERMISSION;
    }
    /* The socket already has the process's group when control_group is the
     * service's own group (systemd/snijpuntd.service), where chown is not
     * even allowed (SystemCallFilter=~@privileged). */
    struct stat st;
    bool regroup = stat(c->path, &st) != 0 || st.st_gid != gr.gr_gid;
    if ((regroup && chown(c->path, (uid_t)-1, gr.gr_gid) != 0) || chmod(c->path, 0660) != 0) {
        sp_log_error("control: cannot give group %s access to %s: %s", c->cfg->control_group,
                     c->path, strerror(errno));
        return SP_ERR_PERMISSION;
    }
    return 0;
}

static int bind_socket(struct sp_control *c, void *zctx)
{
    char ep[SP_CONFIG_PATH_MAX + 8];
    int64_t maxmsg = SP_CTL_MSG_MAX_BYTES;
    int linger = 0, hwm = 64;
    snprintf(ep, sizeof ep, "ipc://%s", c->cfg->control_socket);
    if (socket_in_use(c->cfg->control_socket)) {
        sp_log_error("control: %s is in use by another running snijpuntd", c->cfg->control_socket);
        return SP_ERR_BUSY;
    }
    c->sock = zmq_socket(zctx, ZMQ_ROUTER);
    if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) ||
        zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof hwm))
        return SP_ERR_IO;
    /* The socket file is created by bind(2) under the umask: owner-only. */
    mode_t old = umask(0077);
    int rc = zmq_bind(c->sock, ep);
    int e = errno;
    umask(old);
    if (rc != 0) {
        sp_log_error("control: cannot bind %s: %s", ep, zmq_strerror(e));
        return SP_ERR_IO;
    }
    snprintf(c->path, sizeof c->path, "%s", c->cfg->control_socket);
    return set_permissions(c);
}

int sp_control_new(const struct sp_config *cfg, struct sp_store *store, void *zctx, uint64_t now_ms,
                   struct sp_control **out)
{
    struct sp_control *c = calloc(1, sizeof *c);
    if (!c)
        return SP_ERR_NOMEM;
    c->cfg = cfg;
    c->store = store;
    c->started_ms = now_ms;
    int err = zctx ? bind_socket(c, zctx) : 0;
    if (err) {
        sp_control_free(&c);
        return err;
    }
    *out = c;
    return 0;
}

void sp_control_free(struct sp_control **ctl)
{
    if (!ctl || !*ctl)
        return;
    struct sp_control *c = *ctl;
    for (size_t i = 0; i < SP_CONTROL_MAX_LOADS; i++)
        if (c->loads[i].id)
            drop_load(&c->loads[i]);
    if (c->sock)
        zmq_close(c->sock);
    if (c->path[0])
        unlink(c->path);
    free(c);
    *ctl = NULL;
}
