/*
 * `snijpunt audit export` (tools/cmd_audit_export.c): the daemon side of
 * `snijpunt audit`, reached from cmd_audit.c's dispatch.
 */
#ifndef SP_TOOLS_CLI_AUDIT_EXPORT_H
#define SP_TOOLS_CLI_AUDIT_EXPORT_H

/* argv[0] is "export". Returns the exit status (0, 1, 2). */
int sp_cli_audit_export(int argc, char **argv);

#endif
