/*
 * Signed proposal files: what `snijpunt proposal create` writes and
 * `snijpunt round start --proposal FILE` (or `snijpunt proposal submit`)
 * hands to the local node. Text, three armoured blocks, nothing else but
 * '#' comment lines before the first:
 *
 *   -----BEGIN SNIJPUNT PROPOSAL-----
 *   base64 (RFC 4648, lines of 64) of the encoded PROPOSAL (proto/proposal.h)
 *   -----END SNIJPUNT PROPOSAL-----
 *   -----BEGIN SNIJPUNT PROPOSAL SIGNATURE-----
 *   base64 of the coordinator's Ed25519 signature (64 bytes) over
 *   "snijpunt-proposal-v1\0" || proposal bytes
 *   -----END SNIJPUNT PROPOSAL SIGNATURE-----
 *   -----BEGIN CERTIFICATE-----
 *   the coordinator's certificate (PEM, as `snijpunt ca issue` wrote it)
 *   -----END CERTIFICATE-----
 *
 * The proposal bytes are carried unchanged to every node, which hashes and
 * verifies exactly them. cmd is the subcommand for messages ("round
 * start"); errors are printed as "snijpunt CMD: FILE: what".
 */
#ifndef SP_TOOLS_CLI_PROPOSAL_H
#define SP_TOOLS_CLI_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pki/cert.h"
#include "proto/proposal.h"
#include "tools/cli_control.h"

#define SP_CLI_PROPOSAL_FILE_MAX (64u * 1024u)

struct sp_cli_proposal {
    uint8_t bytes[SP_PROPOSAL_MAX_BYTES];
    size_t len;
    uint8_t sig[64];
    char cert[SP_PKI_CERT_MAX_BYTES + 1]; /* PEM, NUL-terminated */
    size_t cert_len;
    struct sp_proposal prop; /* decoded and validated */
};

/* Writes the file (atomically, mode 0644; refuses an existing path unless
 * overwrite). Returns 0 or -1 with the reason printed. */
int sp_cli_proposal_write(const char *cmd, const char *path, const struct sp_cli_proposal *p,
                          bool overwrite);
/* Reads and decodes a file; the proposal must decode and validate. Does
 * not check the signature (sp_cli_proposal_verify does). Returns 0 or -1
 * with the reason printed. */
int sp_cli_proposal_read(const char *cmd, const char *path, struct sp_cli_proposal *out);
/* Verifies the coordinator's certificate against the CA (and CRL, may be
 * NULL) at time now and the signature over the proposal; fills *info.
 * Returns 0, or -1 with the reason printed and also written to why
 * (capacity why_cap, at least 1; NUL-terminated, "" on success). */
int sp_cli_proposal_verify(const char *cmd, const struct sp_cli_proposal *p, const char *ca_path,
                           const char *crl_path, int64_t now, struct sp_pki_cert_info *info,
                           char *why, size_t why_cap);
/* Reads path into *p (malloc'd; the caller frees it after the request is
 * sent) and fills *req as the ROUND_SUBMIT request carrying it. Returns 0
 * or -1 with the reason printed. */
int sp_cli_proposal_request(const char *cmd, const char *path, struct sp_cli_proposal **p,
                            struct sp_ctl_request *req);
/* Hands the proposal in path to the node at t (ROUND_SUBMIT) and prints the
 * round id (or, with json, {"round": ...}, as `round start --json`). Returns the exit status: 0
 * accepted for proposing, 1 refused or unreachable (reason printed). */
int sp_cli_proposal_submit(const char *cmd, const struct sp_cli_target *t, const char *path,
                           bool json);

#endif
