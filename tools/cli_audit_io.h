/*
 * Shared plumbing of `snijpunt ca` and `snijpunt audit`: reading and
 * writing public files (certificates, CRLs, exports), reading an export
 * line by line with a hard cap per line, times on the command line, and
 * loading a node certificate verified against the federation CA.
 * Errors are printed to stderr as "snijpunt <cmd>: FILE: what".
 */
#ifndef SP_TOOLS_CLI_AUDIT_IO_H
#define SP_TOOLS_CLI_AUDIT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "pki/cert.h"

/* Reads all of path (at most max bytes) into a malloc'd, NUL-terminated
 * buffer. Returns 0, or -1 with a message printed (prog names the command). */
int sp_cliaudit_read(const char *prog, const char *path, size_t max, char **buf, size_t *len);

/* Writes data to path atomically (temporary file, fsync, rename) with
 * mode; refuses an existing path unless overwrite. Returns 0 or -1 with a
 * message printed. */
int sp_cliaudit_write(const char *prog, const char *path, const char *data, size_t len, mode_t mode,
                      bool overwrite);

/* Calls fn for every line of path ("-": standard input), without its
 * newline. A line longer than max is passed cut to max + 1 bytes, so that
 * the callee sees it is too long. Stops when fn returns non-zero and
 * returns that; returns -1 with a message printed when the file cannot be
 * read, else 0. */
int sp_cliaudit_lines(const char *prog, const char *path, size_t max,
                      int (*fn)(void *ctx, const char *line, size_t len), void *ctx);

/* Parses a time for --at: Unix seconds, YYYY-MM-DD (00:00 UTC) or
 * YYYY-MM-DDTHH:MM:SSZ. Returns 0 or -1. */
int sp_cliaudit_parse_time(const char *s, int64_t *out);

/* Verifies the certificate in cert_path (role: SP_PKI_ROLE_NODE or 0)
 * against the CA certificate ca_path and optional CRL crl_path at time at,
 * and fills *info. Returns 0 or -1 with the reason printed. */
int sp_cliaudit_cert(const char *prog, const char *ca_path, const char *crl_path,
                     const char *cert_path, int64_t at, int role, struct sp_pki_cert_info *info);

/* The node whose export path is: from its head line, else from its
 * node_start entries. Returns 0 or -1 with a message printed. */
int sp_cliaudit_export_node(const char *prog, const char *path, char *node, size_t cap);

#endif
