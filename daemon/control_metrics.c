/*
 * Metrics in Prometheus text format, for node_exporter's textfile collector:
 * every metrics_interval the loop (through sp_control_tick) rewrites
 * metrics_file atomically — a temporary file in the same directory, then a
 * rename — so the collector never reads half a file.
 *
 * Why a file and not an HTTP endpoint: the daemon then opens no listening
 * socket besides its peer port and its control socket (the unit's address
 * families and the firewall stay as they are), carries no HTTP server, and
 * node_exporter — which an agency's monitoring already runs — serves it.
 *
 * What it says: counts, times, sizes and names (node, peers, datasets,
 * round states); never a record id, a value or a round's participants'
 * data. Mode 0644: node_exporter runs as another user.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/control_impl.h"
#include "daemon/federation.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "round/round.h"
#include "round/round_meta.h"

#ifndef SP_VERSION
#define SP_VERSION "0"
#endif

#define METRICS_MAX_BYTES (4u << 20)

struct round_sums {
    uint64_t by_state[SP_ROUND_STATE_MAX + 1];
    uint64_t sent, received, ended, duration_s;
    struct sp_round_meta *m; /* scratch: a decoded round */
};

static int add_round(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len)
{
    struct round_sums *r = ctx;
    (void)id;
    if (sp_round_meta_decode(blob, len, r->m) != 0)
        return 0; /* not this module's to judge; the engine logs a bad record */
    if (r->m->state >= SP_ROUND_STATE_MIN && r->m->state <= SP_ROUND_STATE_MAX)
        r->by_state[r->m->state]++;
    r->sent += r->m->values_sent;
    r->received += r->m->values_received;
    if (r->m->finished_at && r->m->started_at && r->m->finished_at >= r->m->started_at) {
        r->ended++;
        r->duration_s += r->m->finished_at - r->m->started_at;
    }
    return 0;
}

/* A label value: names are [a-z0-9_-], but the version text is escaped to
 * the format's rules anyway. */
static void label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
    head(f, name, "gauge", help);
    fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static int put_rounds(struct sp_control *c, FILE *f)
{
    static const char *const names[SP_ROUND_STATE_MAX + 1] = {NULL,      "proposed", "accepted",
                                                              "running", "counting", "finishing",
                                                              "done",    "failed",   "refused"};
    struct round_sums r = {.m = malloc(sizeof *r.m)};
    if (!r.m)
        return SP_ERR_NOMEM;
    int err = sp_store_rounds_foreach(c->store, add_round, &r);
    free(r.m);
    if (err)
        return err;
    head(f, "snijpunt_rounds", "gauge", "Rounds this node knows, by state.");
    for (int s = SP_ROUND_STATE_MIN; s <= SP_ROUND_STATE_MAX; s++)
        fprintf(f, "snijpunt_rounds{state=\"%s\"} %llu\n", names[s],
                (unsigned long long)r.by_state[s]);
    gauge(f, "snijpunt_rounds_active", "Rounds running now.",
          c->fed ? sp_fed_rounds_active(c->fed) : 0);
    head(f, "snijpunt_round_values_sent_total", "counter",
         "Own distinct values this node sent into rounds.");
    fprintf(f, "snijpunt_round_values_sent_total %llu\n", (unsigned long long)r.sent);
    head(f, "snijpunt_round_values_received_total", "counter",
         "Other nodes' values this node blinded in rounds.");
    fprintf(f, "snijpunt_round_values_received_total %llu\n", (unsigned long long)r.received);
    head(f, "snijpunt_round_duration_seconds", "summary",
         "Time from start to end of the rounds that ended.");
    fprintf(
        f, "snijpunt_round_duration_seconds_sum %llu\nsnijpunt_round_duration_seconds_count %llu\n",
        (unsigned long long)r.duration_s, (unsigned long long)r.ended);
    return 0;
}

static void put_peers(struct sp_control *c, FILE *f)
{
    head(f, "snijpunt_peer_up", "gauge", "1 when the link to the peer is connected.");
    for (size_t i = 0; i < c->cfg->npeers; i++)
        fprintf(f, "snijpunt_peer_up{peer=\"%s\"} %d\n", c->cfg->peers[i].name,
                c->fed && sp_fed_peer_connected(c->fed, i) ? 1 : 0);
}

struct ds_out {
    FILE *f;
    int pass;
};

static int put_dataset(void *ctx, const struct sp_dataset_info *d)
{
    struct ds_out *o = ctx;
    static const char *const names[] = {"snijpunt_dataset_version", "snijpunt_dataset_records",
                                        "snijpunt_dataset_keys",
                                        "snijpunt_dataset_loaded_timestamp_seconds"};
    const uint64_t v[] = {d->version, d->records, d->keys, d->loaded_at};
    fprintf(o->f, "%s{dataset=\"%s\"} %llu\n", names[o->pass], d->name,
            (unsigned long long)v[o->pass]);
    return 0;
}

static int put_datasets(struct sp_control *c, FILE *f)
{
    static const char *const help[][2] = {
        {"snijpunt_dataset_version", "Current version of the dataset (1 for the first load)."},
        {"snijpunt_dataset_records", "Records of the dataset's current version."},
        {"snijpunt_dataset_keys", "Match keys (record, key) of the dataset's current version."},
        {"snijpunt_dataset_loaded_timestamp_seconds", "When the current version was loaded."}};
    struct ds_out o = {f, 0};
    for (; o.pass < 4; o.pass++) {
        head(f, help[o.pass][0], "gauge", help[o.pass][1]);
        int err = sp_store_datasets_foreach(c->store, put_dataset, &o);
        if (err)
            return err;
    }
    return 0;
}

static void put_node(struct sp_control *c, FILE *f, uint64_t now_ms,
                     const struct sp_ctl_status_reply *st)
{
    head(f, "snijpunt_info", "gauge", "This node and its build.");
    fprintf(f, "snijpunt_info{node=\"%s\",version=\"", c->cfg->node);
    label(f, SP_VERSION);
    fputs("\"} 1\n", f);
    gauge(f, "snijpunt_uptime_seconds", "Seconds since snijpuntd started.",
          (now_ms - c->started_ms) / 1000);
    gauge(f, "snijpunt_audit_log_entries", "Entries in the audit log.", st->audit_entries);
    if (st->audit_head_time)
        gauge(f, "snijpunt_audit_head_timestamp_seconds", "Time of the last audit log entry.",
              st->audit_head_time);
    if (st->cert_not_after)
        gauge(f, "snijpunt_cert_expiry_timestamp_seconds",
              "When this node's certificate (node_cert) expires.", st->cert_not_after);
    if (st->crl_next_update)
        gauge(f, "snijpunt_crl_next_update_timestamp_seconds",
              "The CRL's nextUpdate: a fresh CRL is needed before it.", st->crl_next_update);
    gauge(f, "snijpunt_store_file_bytes", "Disk use of the store (state.mdb).",
          st->store_file_bytes);
    gauge(f, "snijpunt_store_used_bytes", "Pages in use in the store's map.", st->store_used_bytes);
    gauge(f, "snijpunt_store_map_bytes", "The store's map size (store_map_size).",
          st->store_map_bytes);
}

/* The whole text into a malloc'd buffer. */
static int render(struct sp_control *c, uint64_t now_ms, char **buf, size_t *len)
{
    struct handler_ctx h = {.c = c};
    struct sp_ctl_status_reply st;
    memset(&st, 0, sizeof st);
    sp_control_status_gov(&h, &st);
    int err =
        sp_store_usage(c->store, &st.store_file_bytes, &st.store_used_bytes, &st.store_map_bytes);
    FILE *f = err ? NULL : open_memstream(buf, len);
    if (!f)
        return err ? err : SP_ERR_NOMEM;
    put_node(c, f, now_ms, &st);
    put_peers(c, f);
    err = put_rounds(c, f);
    if (!err)
        err = put_datasets(c, f);
    if (fclose(f) != 0 && !err)
        err = SP_ERR_NOMEM;
    if (!err && *len > METRICS_MAX_BYTES)
        err = SP_ERR_OVERFLOW;
    if (err) {
        free(*buf);
        *buf = NULL;
    }
    return err;
}

static int write_atomic(const char *path, const char *buf, size_t len)
{
    char tmp[SP_CONFIG_PATH_MAX + 16];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return SP_ERR_INVALID_ARG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return SP_ERR_IO;
    int err = fchmod(fd, 0644) == 0 ? 0 : SP_ERR_IO; /* the daemon's umask is 077 */
    for (size_t off = 0; !err && off < len;) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            err = SP_ERR_IO;
        else
            off += (size_t)w;
    }
    if (close(fd) != 0)
        err = SP_ERR_IO;
    if (!err && rename(tmp, path) != 0)
        err = SP_ERR_IO;
    if (err)
        (void)unlink(tmp);
    return err;
}

void sp_control_metrics_tick(struct sp_control *c, uint64_t now_ms)
{
    if (!c->cfg->metrics_file[0] || now_ms < c->metrics_due_ms)
        return;
    c->metrics_due_ms = now_ms + (uint64_t)c->cfg->metrics_interval_s * 1000;
    char *buf = NULL;
    size_t len = 0;
    int err = render(c, now_ms, &buf, &len);
    int saved = errno;
    if (!err)
        err = write_atomic(c->cfg->metrics_file, buf, len), saved = errno;
    free(buf);
    if (err && !c->metrics_failing)
        sp_log_warn("metrics: cannot write %s: %s%s%s (tried again every %u s, logged once)",
                    c->cfg->metrics_file, sp_strerror(err), err == SP_ERR_IO ? ": " : "",
                    err == SP_ERR_IO ? strerror(saved) : "", c->cfg->metrics_interval_s);
    else if (!err && c->metrics_failing)
        sp_log_info("metrics: %s written again", c->cfg->metrics_file);
    c->metrics_failing = err != 0;
}

long sp_control_metrics_timeout_ms(const struct sp_control *c, uint64_t now_ms)
{
    if (!c->cfg->metrics_file[0])
        return -1;
    return c->metrics_due_ms <= now_ms ? 0 : (long)(c->metrics_due_ms - now_ms);
}
