/*
 * The daemon's main loop: one thread polls the signal descriptor, the
 * control socket and the federation engine's sockets with zmq_poll, and runs
 * their timers and the store's garbage collection in between. SIGTERM and
 * SIGINT end it cleanly (rounds aborted and their keys wiped, loads
 * discarded, sockets closed); SIGHUP re-reads the configuration, the
 * certificates and the revocation list (reload.h).
 */
#ifndef SP_DAEMON_LOOP_H
#define SP_DAEMON_LOOP_H

#include <stdint.h>

#include "common/err.h"

struct sp_config;
struct sp_store;
struct sp_identity;
struct sp_gov;
struct sp_loop;

/* Blocks SIGTERM, SIGINT and SIGHUP (they are read from a signalfd) and
 * ignores SIGPIPE. Call before any thread exists: ZeroMQ's I/O threads
 * inherit the mask, so no signal lands in them. Returns 0 or SP_ERR_IO. */
SP_NODISCARD int sp_loop_block_signals(void);

/* Creates the ZeroMQ context, binds the control socket and starts the
 * federation engine. Borrows cfg, store, id and gov (the node's audit log,
 * membership and policy, gov.h) for the loop's lifetime; cfg is the one
 * SIGHUP replaces in place (reload.h), which the engine and the control
 * socket borrow in turn.
 * Returns 0, SP_ERR_IO, SP_ERR_BUSY (control socket in use), SP_ERR_CONFIG,
 * SP_ERR_PERMISSION, SP_ERR_NOMEM (reasons logged). */
SP_NODISCARD int sp_loop_new(struct sp_config *cfg, struct sp_store *store,
                             const struct sp_identity *id, struct sp_gov *gov,
                             struct sp_loop **out);
/* Runs until SIGTERM or SIGINT. Sends READY=1 to systemd first and
 * STOPPING=1 when a signal arrives. Returns 0, or SP_ERR_IO when polling
 * fails for good. */
SP_NODISCARD int sp_loop_run(struct sp_loop *loop);
/* Why the loop stopped ("SIGTERM received"), for the audit log; NULL
 * while it runs. */
const char *sp_loop_stop_reason(const struct sp_loop *loop);
/* Stops the engine, the control socket and the context; NULL-safe. */
void sp_loop_free(struct sp_loop **loop);

#endif
