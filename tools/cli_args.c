/* The command line of every subcommand, parsed one way (see cli_args.h). */
#include "tools/cli_args.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_control.h"

/* --help, --json or one of the command's own options. Returns
 * SP_CLI_CONTINUE, or the exit status. */
static int own_option(const struct sp_cli_options *o, int id, const char *arg)
{
    if (id == SP_CLI_OPT_HELP && o->help) {
        *o->help = true;
        return SP_CLI_CONTINUE;
    }
    if (id == SP_CLI_OPT_HELP) {
        o->usage(stdout);
        return 0;
    }
    if (id == SP_CLI_OPT_JSON && o->json) {
        *o->json = true;
        return SP_CLI_CONTINUE;
    }
    if (id > 0 && (size_t)id < o->nstrings && o->strings[id]) {
        *o->strings[id] = arg;
        return SP_CLI_CONTINUE;
    }
    if (id > 0 && (size_t)id < o->nflags && o->flags[id]) {
        *o->flags[id] = true;
        return SP_CLI_CONTINUE;
    }
    int r = o->option ? o->option(o->ctx, id, arg) : SP_CLI_OPT_UNKNOWN;
    if (r == 0)
        return SP_CLI_CONTINUE;
    if (r == SP_CLI_OPT_UNKNOWN && o->usage)
        o->usage(stderr);
    return SP_CLI_EXIT_USAGE;
}

/* One option. Returns SP_CLI_CONTINUE, or the exit status. */
static int take_option(const struct sp_cli_options *o, int id, const char *arg)
{
    if (id == '?') { /* getopt_long has printed what was wrong */
        if (o->usage)
            o->usage(stderr);
        return SP_CLI_EXIT_USAGE;
    }
    int r = o->target ? sp_cli_target_option(o->target, o->cmd, id, arg) : 0;
    if (r != 0)
        return r == 1 ? SP_CLI_CONTINUE : SP_CLI_EXIT_USAGE;
    return own_option(o, id, arg);
}

int sp_cli_parse_options(int argc, char **argv, const struct sp_cli_options *o)
{
    int id;
    optind = 1;
    while ((id = getopt_long(argc, argv, "h", o->table, NULL)) != -1) {
        int rc = take_option(o, id, optarg);
        if (rc != SP_CLI_CONTINUE)
            return rc;
    }
    if (o->operands != SP_CLI_OPERANDS_ANY && argc - optind != o->operands)
        return o->usage ? sp_cli_usage_error(o->usage) : SP_CLI_EXIT_USAGE;
    return SP_CLI_CONTINUE;
}

int sp_cli_usage_error(void (*usage)(FILE *out))
{
    usage(stderr);
    return SP_CLI_EXIT_USAGE;
}

int sp_cli_subcommand_help(int argc, char **argv, void (*usage)(FILE *out))
{
    if (argc < 2)
        return sp_cli_usage_error(usage);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    return SP_CLI_CONTINUE;
}

int sp_cli_unknown_subcommand(const char *prog, const char *sub, void (*usage)(FILE *out))
{
    fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, sub);
    return sp_cli_usage_error(usage);
}

int sp_cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                     uint64_t *out)
{
    char *end = NULL;
    unsigned long long v = 0;
    /* strtoull accepts leading spaces and a sign, and saturates on
     * overflow (ERANGE): all three are refused here. */
    bool ok = s[0] >= '0' && s[0] <= '9';
    if (ok) {
        errno = 0;
        v = strtoull(s, &end, 10);
        ok = errno == 0 && *end == '\0' && v >= min && v <= max;
    }
    if (!ok) {
        fprintf(stderr,
                "snijpunt %s: --%s takes a whole number from %" PRIu64 " to %" PRIu64
                ", not '%s'\n",
                cmd, opt, min, max, s);
        return SP_CLI_EXIT_USAGE;
    }
    *out = v;
    return 0;
}

int sp_cli_sodium_init(const char *prog)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "%s: libsodium failed to initialise\n", prog);
        return 1;
    }
    return 0;
}
