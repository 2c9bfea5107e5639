/* snijpunt datasets: the datasets the local node holds, one line each (or
 * JSON): current version, when it was loaded, records, keys, rejects, and the
 * SHA-256 of the file that was loaded. */
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt datasets [--json] [connection options]\n\n"
                 "Lists the datasets of the local snijpuntd with their current version.\n\n"
                 "  --json           print the list as JSON\n" SP_CLI_TARGET_HELP
                 "\nExit status: 0 listed, 1 the daemon could not be reached or failed,\n"
                 "2 usage error.\n");
}

static void print_text(const struct sp_ctl_datasets_reply *r)
{
    char when[32], sha[2 * SP_CTL_SHA256_BYTES + 1];
    if (r->ndatasets == 0) {
        printf("no datasets loaded\n");
        return;
    }
    printf("%-24s %7s %-20s %10s %10s %9s %9s  %s\n", "dataset", "version", "loaded", "records",
           "keys", "rejected", "skipped", "sha256");
    for (uint32_t i = 0; i < r->ndatasets; i++) {
        const struct sp_ctl_dataset_info *d = &r->datasets[i];
        sp_cli_time_iso(d->loaded_at, when);
        sp_hex_encode(sha, d->input_sha256, SP_CTL_SHA256_BYTES);
        printf("%-24s %7u %-20s %10llu %10llu %9llu %9llu  %.16s\n", d->name, d->version, when,
               (unsigned long long)d->records, (unsigned long long)d->keys,
               (unsigned long long)d->rejected_fields, (unsigned long long)d->structural_errors,
               sha);
    }
}

static int print_json(const struct sp_ctl_datasets_reply *r)
{
    struct sp_json j;
    char when[32], sha[2 * SP_CTL_SHA256_BYTES + 1];
    sp_json_init(&j, stdout);
    sp_json_arr_open(&j, NULL);
    for (uint32_t i = 0; i < r->ndatasets; i++) {
        const struct sp_ctl_dataset_info *d = &r->datasets[i];
        sp_cli_time_iso(d->loaded_at, when);
        sp_hex_encode(sha, d->input_sha256, SP_CTL_SHA256_BYTES);
        sp_json_obj_open(&j, NULL);
        sp_json_str(&j, "name", d->name);
        sp_json_uint(&j, "version", d->version);
        sp_json_uint(&j, "loaded_at", d->loaded_at);
        sp_json_str(&j, "loaded", when);
        sp_json_uint(&j, "records", d->records);
        sp_json_uint(&j, "keys", d->keys);
        sp_json_uint(&j, "rejected_fields", d->rejected_fields);
        sp_json_uint(&j, "structural_errors", d->structural_errors);
        sp_json_str(&j, "input_sha256", sha);
        sp_json_obj_close(&j);
    }
    sp_json_arr_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

static int datasets_main(int argc, char **argv)
{
    static const struct option opts[] = {
        SP_CLI_JSON_OPTION, SP_CLI_HELP_OPTION, SP_CLI_TARGET_OPTIONS, {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    bool json = false;
    sp_cli_target_init(&t);
    const struct sp_cli_options o = {
        .cmd = "datasets", .table = opts, .usage = usage, .target = &t, .json = &json};
    int rc = sp_cli_parse_options(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    struct sp_ctl_request req = {.op = SP_CTL_DATASETS};
    struct sp_ctl_reply rep;
    if (sp_cli_request_once(&t, "datasets", false, &req, &rep) != 0)
        return 1;
    int status = 1;
    if (!sp_cli_reply_failed(&rep, "datasets")) {
        status = 0;
        if (json)
            status = print_json(&rep.datasets);
        else
            print_text(&rep.datasets);
    }
    sp_ctl_reply_clear(&rep);
    return status;
}

const struct sp_cmd sp_cmd_datasets = {
    .name = "datasets",
    .summary = "list the datasets of the local node",
    .run = datasets_main,
};
