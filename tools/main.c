/* snijpunt: the command-line tool for operators, coordinators and auditors. */
#include <stdio.h>
#include <string.h>

#include "tools/cmd.h"

/* Subcommands, in the order `--help` shows them. Each is defined in its own
 * tools/cmd_<name>.c. */
#define SP_CMDS(X)                                                                                 \
    X(init)                                                                                        \
    X(identity)                                                                                    \
    X(check)                                                                                       \
    X(keys)                                                                                        \
    X(load)                                                                                        \
    X(datasets)                                                                                    \
    X(status)                                                                                      \
    X(backup)                                                                                      \
    X(proposal)                                                                                    \
    X(round)                                                                                       \
    X(results)                                                                                     \
    X(counts)                                                                                      \
    X(report)                                                                                      \
    X(case)                                                                                        \
    X(ca)                                                                                          \
    X(audit)

#define SP_CMD_DECL(n) extern const struct sp_cmd sp_cmd_##n;
SP_CMDS(SP_CMD_DECL)
#undef SP_CMD_DECL

#define SP_CMD_REF(n) &sp_cmd_##n,
static const struct sp_cmd *const commands[] = {SP_CMDS(SP_CMD_REF)};
#undef SP_CMD_REF

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt <command> [options]\n\n"
                 "snijpunt runs and inspects privacy-preserving record-linkage rounds.\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nRun `snijpunt <command> --help` for the options of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("snijpunt %s\n", SP_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            return commands[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "snijpunt: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
