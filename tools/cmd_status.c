/* snijpunt status: the local node's name, version, uptime, datasets, active
 * rounds and peer connections; --wait-ready polls until the daemon answers
 * (for scripts that start a node and then use it). */
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
                 "rounds and whether each configured peer is connected.\n\n"
                 "  --json              print the status as JSON\n"
                 "  --wait-ready[=SEC]  wait until the daemon answers (default 30 s); exit 1\n"
                 "                      when it does not in time\n" SP_CLI_TARGET_HELP
                 "\nExit status: 0 the daemon answered, 1 it did not or reported an error,\n"
                 "2 usage error.\n");
}

static void print_text(const struct sp_ctl_status_reply *s)
{
    printf("node:          %s\nversion:       %s\nuptime:        %llu s\n"
           "datasets:      %u\nrounds active: %u\npeers:         %u\n",
           s->node, s->version, (unsigned long long)s->uptime_s, s->datasets, s->rounds_active,
           s->npeers);
    for (uint32_t i = 0; i < s->npeers; i++)
        printf("  %-20s %-32s %s\n", s->peers[i].name, s->peers[i].endpoint,
               s->peers[i].connected ? "connected" : "not connected");
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
    sp_json_arr_open(&j, "peers");
    for (uint32_t i = 0; i < s->npeers; i++) {
        sp_json_obj_open(&j, NULL);
        sp_json_str(&j, "name", s->peers[i].name);
        sp_json_str(&j, "endpoint", s->peers[i].endpoint);
        sp_json_bool(&j, "connected", s->peers[i].connected);
        sp_json_obj_close(&j);
    }
    sp_json_arr_close(&j);
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
