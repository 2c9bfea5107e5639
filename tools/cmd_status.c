/* snijpunt status: the local node's name, version, uptime, datasets, active
 * rounds and peer connections; when its certificate expires and its CRL
 * must be renewed (with a warning line from WARN_DAYS before), the audit
 * log's head and its age, the store's disk use; --wait-ready polls until the
 * daemon answers (for scripts that start a node and then use it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt status [--json] [--wait-ready[=SECONDS]] [connection options]\n\n"
                 "Shows the local snijpuntd: node name, version, uptime, datasets, active\n"
                 "rounds, whether each configured peer is connected, when the node's\n"
                 "certificate expires and the CRL must be renewed (a warning line from 30\n"
                 "days before), the audit log's head and its age, and the store's disk use.\n\n"
                 "  --json              print the status as JSON\n"
                 "  --wait-ready[=SEC]  wait until the daemon answers (default 30 s); exit 1\n"
                 "                      when it does not in time\n" SP_CLI_TARGET_HELP
                 "\nExit status: 0 the daemon answered, 1 it did not or reported an error,\n"
                 "2 usage error.\n");
}

/* Warnings from this many days before a certificate or CRL runs out, and
 * above this share of the store's map in use. */
#define WARN_DAYS      30
#define WARN_MAP_SHARE 90

static void when(uint64_t t, time_t now, char *out, size_t cap)
{
    char iso[32];
    sp_cli_time_iso(t, iso);
    long long d = ((long long)t - (long long)now) / 86400;
    if (d < 0)
        d = -d;
    const char *unit = d == 1 ? "day" : "days";
    if ((long long)t >= (long long)now)
        snprintf(out, cap, "%s (in %lld %s)", iso, d, unit);
    else
        snprintf(out, cap, "%s (%lld %s ago)", iso, d, unit);
}

static void age(uint64_t t, time_t now, char *out, size_t cap)
{
    long long s = (long long)now - (long long)t;
    if (s < 0)
        s = 0;
    if (s < 120)
        snprintf(out, cap, "%lld s ago", s);
    else if (s < 7200)
        snprintf(out, cap, "%lld min ago", s / 60);
    else if (s < 172800)
        snprintf(out, cap, "%lld h ago", s / 3600);
    else
        snprintf(out, cap, "%lld days ago", s / 86400);
}

/* A warning for t (0: absent) when it is at most WARN_DAYS away or past;
 * returns whether one was printed to f. */
static bool expiry_warning(FILE *f, const char *what, uint64_t t, time_t now, const char *fix)
{
    if (t == 0 || (long long)t - (long long)now > (long long)WARN_DAYS * 86400)
        return false;
    char w[80];
    when(t, now, w, sizeof w);
    if ((long long)t <= (long long)now)
        fprintf(f, "warning: %s ran out %s: %s\n", what, w, fix);
    else
        fprintf(f, "warning: %s runs out %s: %s\n", what, w, fix);
    return true;
}

static void print_warnings(FILE *f, const struct sp_ctl_status_reply *s, time_t now)
{
    expiry_warning(f, "the node certificate", s->cert_not_after, now,
                   "have the CA issue a new one (snijpunt ca issue) and restart snijpuntd");
    expiry_warning(f, "the CRL", s->crl_next_update, now,
                   "install a fresh one (snijpunt ca crl) and send snijpuntd SIGHUP; a stale "
                   "CRL refuses every peer");
    if (s->store_map_bytes &&
        s->store_used_bytes / (s->store_map_bytes / 100 + 1) >= WARN_MAP_SHARE)
        fprintf(f, "warning: the store uses %llu of its %llu MiB map: raise store_map_size\n",
                (unsigned long long)(s->store_used_bytes >> 20),
                (unsigned long long)(s->store_map_bytes >> 20));
}

static void size_text(uint64_t b, char *out, size_t cap)
{
    if (b < (UINT64_C(1) << 20))
        snprintf(out, cap, "%llu KiB", (unsigned long long)(b >> 10));
    else if (b < (UINT64_C(1) << 30))
        snprintf(out, cap, "%.1f MiB", (double)b / 1048576.0);
    else
        snprintf(out, cap, "%.1f GiB", (double)b / 1073741824.0);
}

static void print_text(const struct sp_ctl_status_reply *s)
{
    time_t now = time(NULL);
    char a[80], b[80];
    printf("node:          %s\nversion:       %s\nuptime:        %llu s\n"
           "datasets:      %u\nrounds active: %u\n",
           s->node, s->version, (unsigned long long)s->uptime_s, s->datasets, s->rounds_active);
    when(s->cert_not_after, now, a, sizeof a);
    printf("certificate:   %s\n", s->cert_not_after ? a : "none (no ca_cert)");
    when(s->crl_next_update, now, a, sizeof a);
    printf("crl update:    %s\n", s->crl_next_update ? a : "none (no crl)");
    if (s->audit_entries) {
        sp_cli_time_iso(s->audit_head_time, a);
        age(s->audit_head_time, now, b, sizeof b);
        printf("audit log:     %llu entries, head seq %llu at %s (%s)\n",
               (unsigned long long)s->audit_entries, (unsigned long long)s->audit_entries - 1, a,
               s->audit_head_time ? b : "time unknown");
    } else {
        printf("audit log:     empty\n");
    }
    char c[32];
    size_text(s->store_file_bytes, a, sizeof a);
    size_text(s->store_used_bytes, b, sizeof b);
    size_text(s->store_map_bytes, c, sizeof c);
    printf("store:         %s on disk, %s in use of a %s map\n", a, b, c);
    printf("peers:         %u\n", s->npeers);
    for (uint32_t i = 0; i < s->npeers; i++)
        printf("  %-20s %-32s %s\n", s->peers[i].name, s->peers[i].endpoint,
               s->peers[i].connected ? "connected" : "not connected");
    print_warnings(stdout, s, now);
}

static int print_json(const struct sp_ctl_status_reply *s)
{
    struct sp_json j;
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "node", s->node);
    sp_json_str(&j, "version", s->version);
    sp_json_uint(&j, "uptime_s", s->uptime_s);
    sp_json_uint(&j, "datasets", s->datasets);
    sp_json_uint(&j, "rounds_active", s->rounds_active);
    sp_json_uint(&j, "cert_not_after", s->cert_not_after);
    sp_json_uint(&j, "crl_next_update", s->crl_next_update);
    sp_json_uint(&j, "audit_entries", s->audit_entries);
    sp_json_uint(&j, "audit_head_time", s->audit_head_time);
    sp_json_uint(&j, "store_file_bytes", s->store_file_bytes);
    sp_json_uint(&j, "store_used_bytes", s->store_used_bytes);
    sp_json_uint(&j, "store_map_bytes", s->store_map_bytes);
    sp_json_arr_open(&j, "peers");
    for (uint32_t i = 0; i < s->npeers; i++) {
        sp_json_obj_open(&j, NULL);
        sp_json_str(&j, "name", s->peers[i].name);
        sp_json_str(&j, "endpoint", s->peers[i].endpoint);
        sp_json_bool(&j, "connected", s->peers[i].connected);
        sp_json_obj_close(&j);
    }
    sp_json_arr_close(&j);
    /* the text's warning lines, without "warning: " */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m) {
        print_warnings(m, s, time(NULL));
        fclose(m);
    }
    sp_json_arr_open(&j, "warnings");
    for (char *line = buf, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
        const char *w = strncmp(line, "warning: ", 9) == 0 ? line + 9 : line;
        sp_json_strn(&j, NULL, w, (size_t)(nl - w));
    }
    sp_json_arr_close(&j);
    free(buf);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

/* One attempt; quiet while waiting so that only the last failure prints. */
static int ask(const struct sp_cli_target *t, bool quiet, struct sp_ctl_reply *rep)
{
    struct sp_ctl_request req = {.op = SP_CTL_STATUS};
    return sp_cli_request_once(t, "status", quiet, &req, rep);
}

static int wait_ready(struct sp_cli_target *t, long wait_s, struct sp_ctl_reply *rep)
{
    struct timespec start, now, nap = {0, 100 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    int full = t->timeout_ms;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms = wait_s * 1000 - ((now.tv_sec - start.tv_sec) * 1000 +
                                        (now.tv_nsec - start.tv_nsec) / 1000000);
        bool last = left_ms <= 0;
        t->timeout_ms = last ? 1000 : (left_ms < full ? (int)left_ms : full);
        if (t->timeout_ms < 100)
            t->timeout_ms = 100;
        int err = ask(t, !last, rep);
        if (!err || last)
            return err;
        nanosleep(&nap, NULL);
    }
}

static int wait_option(void *ctx, int id, const char *arg)
{
    long *wait_s = ctx;
    char *end = NULL;
    if (id != 'w')
        return SP_CLI_OPT_UNKNOWN;
    *wait_s = arg ? strtol(arg, &end, 10) : 30;
    if (arg && (*end || *wait_s < 0 || *wait_s > 86400)) {
        fprintf(stderr, "snijpunt status: --wait-ready takes 0 to 86400 seconds\n");
        return SP_CLI_EXIT_USAGE;
    }
    return 0;
}

static int status_main(int argc, char **argv)
{
    static const struct option opts[] = {SP_CLI_JSON_OPTION,
                                         {"wait-ready", optional_argument, NULL, 'w'},
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    bool json = false;
    long wait_s = -1;
    sp_cli_target_init(&t);
    const struct sp_cli_options o = {.cmd = "status",
                                     .table = opts,
                                     .usage = usage,
                                     .target = &t,
                                     .json = &json,
                                     .option = wait_option,
                                     .ctx = &wait_s};
    int rc = sp_cli_parse_options(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    struct sp_ctl_reply rep;
    int err = wait_s >= 0 ? wait_ready(&t, wait_s, &rep) : ask(&t, false, &rep);
    if (err)
        return 1;
    int status = 1;
    if (!sp_cli_reply_failed(&rep, "status")) {
        status = 0;
        if (json)
            status = print_json(&rep.status_info);
        else
            print_text(&rep.status_info);
    }
    sp_ctl_reply_clear(&rep);
    return status;
}

const struct sp_cmd sp_cmd_status = {
    .name = "status",
    .summary = "show the local node: datasets, rounds, peers (--wait-ready for scripts)",
    .run = status_main,
};
