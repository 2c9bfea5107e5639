/*
 * The CLI side of the control socket: finding the socket (--socket, the
 * control_socket of --config FILE, $SNIJPUNT_SOCKET, that of the file
 * $SNIJPUNT_CONFIG names, that of /etc/snijpunt/snijpuntd.conf when it
 * exists, or the default /run/snijpunt/control.sock), sending one request and waiting for its reply
 * with a timeout, and errors a person can act on ("cannot reach snijpuntd at
 * PATH: is it running?"). Also small helpers the daemon commands share.
 */
#ifndef SP_TOOLS_CLI_CONTROL_H
#define SP_TOOLS_CLI_CONTROL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/roundid.h"
#include "proto/control.h"

#define SP_CLI_DEFAULT_SOCKET     "/run/snijpunt/control.sock"
#define SP_CLI_DEFAULT_CONFIG     "/etc/snijpunt/snijpuntd.conf" /* where snijpunt init writes */
#define SP_CLI_DEFAULT_TIMEOUT_MS 30000

/* getopt_long entries for the options every daemon command takes. */
enum { SP_CLI_OPT_SOCKET = 0x1000, SP_CLI_OPT_CONFIG, SP_CLI_OPT_TIMEOUT };
#define SP_CLI_TARGET_OPTIONS                                                                      \
    {"socket", required_argument, NULL, SP_CLI_OPT_SOCKET},                                        \
        {"config", required_argument, NULL, SP_CLI_OPT_CONFIG},                                    \
    {                                                                                              \
        "timeout", required_argument, NULL, SP_CLI_OPT_TIMEOUT                                     \
    }
#define SP_CLI_TARGET_HELP                                                                         \
    "  --socket PATH    the daemon's control socket (default: control_socket of\n"                 \
    "                   --config, else $SNIJPUNT_SOCKET, else control_socket of\n"                 \
    "                   $SNIJPUNT_CONFIG, else of " SP_CLI_DEFAULT_CONFIG ",\n"                    \
    "                   else " SP_CLI_DEFAULT_SOCKET ")\n"                                         \
    "  --config FILE    read control_socket from the node's configuration file\n"                  \
    "  --timeout SEC    how long to wait for each reply (default 30)\n"

struct sp_cli_target {
    const char *socket;
    const char *config;
    int timeout_ms;
};

void sp_cli_target_init(struct sp_cli_target *t);
/* Handles a getopt_long result id from SP_CLI_TARGET_OPTIONS. Returns 1 when
 * handled, 0 when id is not one of them, 2 on a bad value (printed). */
int sp_cli_target_option(struct sp_cli_target *t, const char *cmd, int id, const char *arg);

/* The node's configuration file for commands that read it: given (an
 * option), else $SNIJPUNT_CONFIG, else SP_CLI_DEFAULT_CONFIG. */
const char *sp_cli_config_path(const char *given);
/* The value of "key = VALUE" before the first [section] of the
 * configuration file cfg, read as the daemon reads it (trimmed) into out.
 * Returns 0, SP_ERR_NOT_FOUND / SP_ERR_IO (the file cannot be read; errno
 * says why), SP_ERR_CONFIG (no such line, or an empty value) or
 * SP_ERR_OVERFLOW (longer than cap). */
SP_NODISCARD int sp_cli_config_value(const char *cfg, const char *key, char *out, size_t cap);

struct sp_cli_conn; /* opaque */

/* Resolves the socket path and connects. Prints the reason and returns
 * SP_ERR_NOT_FOUND (no socket file: daemon not running), SP_ERR_PERMISSION,
 * SP_ERR_CONFIG (--config unreadable or without a usable control_socket),
 * SP_ERR_IO. quiet suppresses the printing (for --wait-ready polling). */
SP_NODISCARD int sp_cli_connect(const struct sp_cli_target *t, const char *cmd, bool quiet,
                                struct sp_cli_conn **out);
void sp_cli_close(struct sp_cli_conn **conn);
/* The socket path in use. */
const char *sp_cli_socket_path(const struct sp_cli_conn *conn);

/* Sends req and decodes the reply into *rep (release with
 * sp_ctl_reply_clear). Returns 0 when a reply arrived (rep->status may be an
 * error: see sp_cli_reply_failed); SP_ERR_TIMEOUT ("cannot reach snijpuntd at
 * PATH: is it running?"), SP_ERR_PROTO_* (garbled reply) or SP_ERR_IO, with
 * the reason printed unless quiet. */
SP_NODISCARD int sp_cli_call(struct sp_cli_conn *conn, const struct sp_ctl_request *req,
                             struct sp_ctl_reply *rep, bool quiet);
/* As sp_cli_call, for replies whose byte payloads point into the reply
 * (AUDIT_EXPORT entries): the reply bytes are kept in *owned, which the
 * caller frees after it is done with *rep (NULL on failure). */
SP_NODISCARD int sp_cli_call_owned(struct sp_cli_conn *conn, const struct sp_ctl_request *req,
                                   struct sp_ctl_reply *rep, bool quiet, uint8_t **owned);
/* For commands that need one request: connects to the daemon at t, sends
 * req, waits for the reply and closes. Returns 0 with the reply in *rep, or
 * what sp_cli_connect or sp_cli_call returned (reason printed unless quiet). */
SP_NODISCARD int sp_cli_request_once(const struct sp_cli_target *t, const char *cmd, bool quiet,
                                     const struct sp_ctl_request *req, struct sp_ctl_reply *rep);
/* When the daemon answered with an error, prints "snijpunt CMD: MESSAGE" and
 * returns true. */
bool sp_cli_reply_failed(const struct sp_ctl_reply *rep, const char *cmd);

/* Round ids on the command line: common/roundid.h (sp_round_id_parse). */
/* Prints the id of a round the node accepted, the same for `round start`
 * and `proposal submit`: its 32 hex digits on a line, or with json
 * {"round":"<hex>"} (the key `round status --json` uses). Returns 0, or 1
 * when standard output failed. */
int sp_cli_round_id_print(const uint8_t id[SP_ROUND_ID_BYTES], bool json);
/* Unix seconds as "2025-01-31T12:00:00Z" (or "-" for 0). */
void sp_cli_time_iso(uint64_t unix_s, char out[32]);
/* Key types of a mask joined with '+' ("bsn+name_dob"); "-" when empty. */
void sp_cli_key_types_join(uint32_t mask, char *out, size_t cap);

#endif
