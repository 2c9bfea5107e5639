/*
 * One subcommand of the `snijpunt` command-line tool. Each lives in its own
 * tools/cmd_<name>.c (as in wireguard-tools) and is listed in tools/main.c.
 */
#ifndef SP_TOOLS_CMD_H
#define SP_TOOLS_CMD_H

struct sp_cmd {
    const char *name;
    const char *summary; /* one line for `snijpunt --help` */
    /* argv[0] is the subcommand name. Returns the process exit status:
     * 0 success, 1 the work failed (bad input, refused), 2 usage error. */
    int (*run)(int argc, char **argv);
};

#endif
