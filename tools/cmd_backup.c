/* snijpunt backup: asks the running daemon for a consistent, compacted copy
 * of its store (datasets, rounds, results, the audit log), which the daemon
 * writes into its backup_dir (the only place a sandboxed daemon may write
 * besides its state; daemon/control_backup.c says why). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

#define PROG "snijpunt backup"
/* A copy of a large store takes a while; the daemon answers when it is done. */
#define BACKUP_TIMEOUT_MS (3600 * 1000)

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt backup --out FILE [--force] [--json] [connection options]\n\n"
                 "Has snijpuntd write a consistent, compacted copy of its store (datasets,\n"
                 "rounds, results, audit log) while it keeps running. The daemon writes the\n"
                 "file itself, mode 0600, into its backup directory (backup_dir, default\n"
                 "STATE_DIR/backup): FILE is a file name there, or an absolute path in it.\n"
                 "To restore: stop snijpuntd, copy FILE to STATE_DIR/state.mdb, start it\n"
                 "(snijpuntd(8), BACKUP AND RESTORE).\n\n"
                 "  --out FILE   the backup file's name (or absolute path in backup_dir)\n"
                 "  --force      replace FILE when it exists\n"
                 "  --json       print {\"path\": ..., \"bytes\": ...}\n" SP_CLI_TARGET_HELP
                 "             (default for backup: 3600)\n"
                 "\nExit status: 0 the copy was written, 1 it was not, 2 usage error.\n");
}

/* A path with a directory goes to the daemon absolute (it checks that the
 * directory is its backup_dir); a plain name goes as it is. */
static int request_path(const char *out, char *buf, size_t cap)
{
    const char *slash = strrchr(out, '/');
    if (!slash)
        return snprintf(buf, cap, "%s", out) < (int)cap ? 0 : -1;
    char dir[PATH_MAX], real[PATH_MAX];
    size_t n = (size_t)(slash - out);
    if (n >= sizeof dir)
        return -1;
    memcpy(dir, out, n);
    dir[n] = '\0';
    if (!realpath(n ? dir : "/", real)) {
        fprintf(stderr, PROG ": %s: %s\n", n ? dir : "/", strerror(errno));
        return -1;
    }
    int w = snprintf(buf, cap, "%s/%s", strcmp(real, "/") ? real : "", slash + 1);
    return w > 0 && (size_t)w < cap ? 0 : -1;
}

static int backup_main(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    const char *out = NULL;
    bool force = false, json = false;
    const char **value[] = {['o'] = &out};
    bool *flag[] = {['f'] = &force};
    sp_cli_target_init(&t);
    t.timeout_ms = BACKUP_TIMEOUT_MS;
    const struct sp_cli_options o = {.cmd = "backup",
                                     .table = opts,
                                     .usage = usage,
                                     .target = &t,
                                     .json = &json,
                                     SP_CLI_STRINGS(value),
                                     SP_CLI_FLAGS(flag)};
    int rc = sp_cli_parse_options(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (!out || !*out) {
        fprintf(stderr, PROG ": --out FILE is required\n");
        return sp_cli_usage_error(usage);
    }
    struct sp_ctl_request req = {.op = SP_CTL_BACKUP};
    req.backup.force = force;
    if (request_path(out, req.backup.path, sizeof req.backup.path) != 0) {
        fprintf(stderr, PROG ": --out %s: not a usable path\n", out);
        return 1;
    }
    struct sp_ctl_reply rep;
    if (sp_cli_request_once(&t, "backup", false, &req, &rep) != 0)
        return 1;
    int status = 1;
    if (!sp_cli_reply_failed(&rep, "backup")) {
        status = 0;
        if (json) {
            struct sp_json j;
            sp_json_init(&j, stdout);
            sp_json_obj_open(&j, NULL);
            sp_json_str(&j, "path", rep.backup.path);
            sp_json_uint(&j, "bytes", rep.backup.bytes);
            sp_json_obj_close(&j);
            status = sp_json_finish(&j) == 0 ? 0 : 1;
        } else {
            printf("%s: %llu bytes\n", rep.backup.path, (unsigned long long)rep.backup.bytes);
        }
    }
    sp_ctl_reply_clear(&rep);
    return status;
}

const struct sp_cmd sp_cmd_backup = {
    .name = "backup",
    .summary = "have the daemon write a consistent copy of its store (restore: snijpuntd(8))",
    .run = backup_main,
};
