/*
 * The command line of every subcommand, parsed one way: the getopt_long
 * loop, --help, --json, the connection options (--socket, --config,
 * --timeout) and usage errors, so that all commands treat them alike:
 * --help prints usage to standard output (exit 0); an unknown option or a
 * wrong number of operands prints usage to standard error (exit 2); a bad
 * option value prints one line naming the option (exit 2).
 *
 * Functions here that may end a command return SP_CLI_CONTINUE when it
 * goes on, else the exit status to return from cmd->run.
 */
#ifndef SP_TOOLS_CLI_ARGS_H
#define SP_TOOLS_CLI_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sp_cli_target; /* tools/cli_control.h */

#define SP_CLI_CONTINUE     (-1) /* the command goes on */
#define SP_CLI_EXIT_USAGE   2    /* the exit status of a usage error */
#define SP_CLI_OPT_UNKNOWN  (-2) /* from an option callback: not one of its options */
#define SP_CLI_OPERANDS_ANY (-1) /* the command checks its operands itself */

/* getopt_long entries the loop handles itself. */
enum { SP_CLI_OPT_HELP = 'h', SP_CLI_OPT_JSON = 0x1100 };
#define SP_CLI_HELP_OPTION                                                                         \
    {                                                                                              \
        "help", no_argument, NULL, SP_CLI_OPT_HELP                                                 \
    }
#define SP_CLI_JSON_OPTION                                                                         \
    {                                                                                              \
        "json", no_argument, NULL, SP_CLI_OPT_JSON                                                 \
    }

/* Designated initialisers of struct sp_cli_options for an array and its
 * length: .strings/.nstrings and .flags/.nflags. */
#define SP_CLI_STRINGS(a) .strings = (a), .nstrings = sizeof(a) / sizeof((a)[0])
#define SP_CLI_FLAGS(a)   .flags = (a), .nflags = sizeof(a) / sizeof((a)[0])

/* How one command's options are parsed. */
struct sp_cli_options {
    const char *cmd;            /* "load", "round start": names the command in messages */
    const struct option *table; /* with SP_CLI_HELP_OPTION, ends with a zero entry */
    /* Printed for --help and usage errors. NULL (only with help set): the
     * caller prints usage after a usage error. */
    void (*usage)(FILE *out);
    struct sp_cli_target *target; /* the table has SP_CLI_TARGET_OPTIONS; else NULL */
    bool *json;                   /* the table has SP_CLI_JSON_OPTION; else NULL */
    /* NULL: --help prints usage and ends the command. Else --help only sets
     * *help and the rest of the line is still checked (usage errors first). */
    bool *help;
    /* The number of operands after the options (0, the default: none);
     * another number is a usage error. SP_CLI_OPERANDS_ANY: the command
     * checks them itself (from optind). */
    int operands;
    /* Options whose value is kept as given: *strings[id] = the value
     * (strings[id] NULL: not such an option; nstrings entries). */
    const char **const *strings;
    size_t nstrings;
    /* Options without a value that set a flag: *flags[id] = true. */
    bool *const *flags;
    size_t nflags;
    /* The command's other options: returns 0, SP_CLI_EXIT_USAGE (a bad value,
     * reason printed) or SP_CLI_OPT_UNKNOWN (usage printed, exit 2). NULL
     * when the command has no options of its own. */
    int (*option)(void *ctx, int id, const char *arg);
    void *ctx;
};

/* Parses argv[1..] (argv[0] is the command) with getopt_long from optind =
 * 1. Returns SP_CLI_CONTINUE with optind at the first operand, 0 (--help
 * printed usage) or SP_CLI_EXIT_USAGE (reason printed). */
int sp_cli_parse_options(int argc, char **argv, const struct sp_cli_options *o);

/* Prints usage to standard error; returns SP_CLI_EXIT_USAGE. */
int sp_cli_usage_error(void (*usage)(FILE *out));

/* For a command with subcommands in argv[1]: when there is none, prints
 * usage to standard error (returns 2); for --help or -h prints it to
 * standard output (returns 0); else returns SP_CLI_CONTINUE. */
int sp_cli_subcommand_help(int argc, char **argv, void (*usage)(FILE *out));

/* Prints "PROG: unknown subcommand 'SUB'" and usage to standard error;
 * returns SP_CLI_EXIT_USAGE. */
int sp_cli_unknown_subcommand(const char *prog, const char *sub, void (*usage)(FILE *out));

/* Parses the value s of option --OPT (opt without the dashes) of command
 * cmd ("round start") as a decimal integer in min..max: digits only (no
 * sign, no spaces, nothing after them), and a number too large for 64 bits
 * is out of range, never saturated. Returns 0 with *out set, or
 * SP_CLI_EXIT_USAGE with "snijpunt CMD: --OPT takes a whole number from MIN
 * to MAX, not 'S'" printed (*out untouched). */
int sp_cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                     uint64_t *out);

/* Initialises libsodium for commands that use it directly. Returns 0, or 1
 * (the exit status) with "PROG: libsodium failed to initialise" printed. */
int sp_cli_sodium_init(const char *prog);

#endif
