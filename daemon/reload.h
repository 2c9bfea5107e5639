/*
 * SIGHUP: the node re-reads its whole configuration file (settings, local
 * policy, peers), the CA, the certificates and the CRL, without a restart.
 *
 * The configuration everything borrows (the loop, the control socket, gov,
 * the federation engine and its peer transport) keeps its address: a new
 * one is parsed and checked aside, then copied over it on the main thread
 * between events, its generation increased (config.h). Borrowers read it
 * afresh: local policy and limits apply to the next proposal, round, load
 * or request; the peer transport (net.c) follows a peer whose endpoint or
 * key changed and links a peer added; gov reads the membership anew.
 *
 *  - A file that does not parse, that others may write, or whose
 *    certificates do not let this node join (its own certificate must pass
 *    as at start-up) is refused: an error line with the reason, and the
 *    configuration in force stays whole.
 *  - What cannot change without a restart keeps its value in force and is
 *    named in the log line: node, listen, state_dir, identity (also a key
 *    file that now holds another key), control_socket, control_group,
 *    worker_threads, store_map_size, and removing a peer (rounds hold peers
 *    by their place in the list; a peer added goes after the others).
 *  - What changed is named in the log line and recorded in the audit log
 *    (config_change with the file's digest; key_change for a renewed
 *    certificate of this node).
 * Main thread only.
 */
#ifndef SP_DAEMON_RELOAD_H
#define SP_DAEMON_RELOAD_H

#include <stdint.h>

#include "common/err.h"

struct sp_config;
struct sp_gov;
struct sp_identity;

/* Re-reads live->source and applies it to live (see above); re-reads the
 * certificates and the CRL in every case. id is the key the node runs
 * with; now_ms is CLOCK_MONOTONIC. Returns 0 when the file's configuration
 * is in force (but for what needs a restart, logged), or the error for
 * which it was refused: SP_ERR_CONFIG, SP_ERR_IO, SP_ERR_NOT_FOUND,
 * SP_ERR_UNSAFE_PERMS, SP_ERR_CERT* / SP_ERR_CRL (membership),
 * SP_ERR_NOMEM; logged with the reason, the configuration in force
 * unchanged. */
SP_NODISCARD int sp_reload(struct sp_config *live, struct sp_gov *gov, const struct sp_identity *id,
                           uint64_t now_ms);

#endif
