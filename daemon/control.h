/*
 * The local control socket: a ZeroMQ ROUTER bound to ipc://<control_socket>,
 * created owner-only (mode 0600 under umask 077; 0660 and the configured
 * group with control_group). Only local processes that can open the file can
 * talk to the daemon; there is no remote control. Requests are decoded with
 * proto/control.h; STATUS, LOAD_BEGIN/CHUNK/END, DATASETS, RESULTS, COUNTS,
 * AUDIT_EXPORT and AUDIT_HEAD are handled here, ROUND_START, ROUND_SUBMIT,
 * ROUNDS and ROUND_CANCEL by the federation engine (sp_fed_control). A request
 * never blocks on the network.
 *
 * Frames: [client id][empty delimiter, optional][request]; the reply goes
 * back with the same envelope, so REQ and DEALER clients both work.
 */
#ifndef SP_DAEMON_CONTROL_H
#define SP_DAEMON_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct sp_config;
struct sp_store;
struct sp_fed;
struct sp_gov;
struct sp_control;

/* Most loads in progress at once. */
#define SP_CONTROL_MAX_LOADS 8

/* Creates the control module. With zctx not NULL binds the socket (removing
 * a stale socket file; two daemons cannot share a state dir, see store.h).
 * now_ms (CLOCK_MONOTONIC) starts the uptime. Returns 0, SP_ERR_IO (bind,
 * with the reason logged), SP_ERR_PERMISSION (control_group), SP_ERR_NOMEM. */
SP_NODISCARD int sp_control_new(const struct sp_config *cfg, struct sp_store *store, void *zctx,
                                uint64_t now_ms, struct sp_control **out);
/* Discards loads in progress, closes the socket (and removes its file),
 * frees; NULL-safe; clears *ctl. */
void sp_control_free(struct sp_control **ctl);

/* Round requests go to fed from now on (NULL: they are refused). */
void sp_control_set_fed(struct sp_control *ctl, struct sp_fed *fed);
/* The node's governance: dataset loads are recorded in its audit log,
 * AUDIT_EXPORT and AUDIT_HEAD read it, COUNTS are suppressed below its
 * threshold, and results kept until read are purged once served (NULL:
 * none of that; AUDIT_* are refused). */
void sp_control_set_gov(struct sp_control *ctl, struct sp_gov *gov);

/* The ROUTER socket for zmq_poll (NULL without zctx). */
void *sp_control_socket(struct sp_control *ctl);
/* Handles the requests waiting on the socket (a bounded number per call, so
 * peers are served between them). */
void sp_control_dispatch(struct sp_control *ctl, uint64_t now_ms);
/* Discards loads idle longer than load_idle_timeout (a CLI that died). */
void sp_control_tick(struct sp_control *ctl, uint64_t now_ms);
/* Milliseconds until sp_control_tick has work, or -1. */
long sp_control_next_timeout_ms(const struct sp_control *ctl, uint64_t now_ms);
/* Loads in progress. */
size_t sp_control_loads(const struct sp_control *ctl);

/* Handles one encoded request; *reply is a malloc'd encoded reply (always
 * produced: errors become error replies). Returns 0 or SP_ERR_NOMEM /
 * SP_ERR_INTERNAL when no reply could be encoded. Used by dispatch and by
 * tests. */
SP_NODISCARD int sp_control_handle(struct sp_control *ctl, const uint8_t *req, size_t len,
                                   uint8_t **reply, size_t *reply_len, uint64_t now_ms);

#endif
