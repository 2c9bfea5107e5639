/*
 * The federation driver: the round engine (round/engine.h, which holds the
 * whole protocol) run on this node's I/O: the peer transport (ZeroMQ
 * CURVE, ZAP; peer.h), worker threads (worker.h), the store, governance and
 * the log. The main loop (daemon/main.c, daemon/loop.c) owns the poll set and
 * the control socket; it drives this module through the functions below.
 *
 * Contract between the main loop and this module (both sides keep to it):
 *  - sp_fed_new is called once after the config, identity and store are open.
 *  - Every loop iteration: sp_fed_pollitems appends the module's sockets to the
 *    poll set; after zmq_poll, sp_fed_dispatch handles whichever were ready,
 *    then sp_fed_tick runs timers (deadlines, link checks, paced writes).
 *    sp_fed_next_timeout_ms bounds the poll timeout.
 *  - Control requests about rounds are passed to sp_fed_control, which fills a
 *    reply; it never blocks on the network.
 *  - The engine's CPU-heavy jobs (hashing, blinding, counting, the mapping
 *    pass) run on cfg->worker_threads threads of this module; their
 *    completions wake the loop through an eventfd that is one of the poll
 *    items. Its store writes are short transactions (the counting node's
 *    runs in the named database "round.final", store.h).
 *  - The protocol it implements is described in daemon/ROUNDS.md.
 */
#ifndef SP_DAEMON_FEDERATION_H
#define SP_DAEMON_FEDERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "common/err.h"

struct sp_config;
struct sp_store;
struct sp_identity;
struct sp_gov;
struct sp_ctl_request;
struct sp_ctl_reply;
struct sp_fed;

/* Creates the engine: binds the peer listener and connects to every configured
 * peer. Borrows cfg, store, id and gov (they outlive the engine); gov (the
 * node's audit log, membership and policy, gov.h) may be NULL in tests of
 * the engine alone: then every proposal the engine's own rules allow is
 * accepted and nothing is recorded. zctx is the process's ZeroMQ context.
 * Returns 0, SP_ERR_CONFIG, SP_ERR_IO, SP_ERR_NOMEM. */
SP_NODISCARD int sp_fed_new(const struct sp_config *cfg, struct sp_store *store,
                            const struct sp_identity *id, struct sp_gov *gov, void *zctx,
                            struct sp_fed **out);
/* Aborts running rounds (wiping their keys), closes sockets, frees; NULL-safe. */
void sp_fed_free(struct sp_fed **fed);

/* Appends up to max poll items; returns how many were appended. It needs at
 * most SP_FED_POLLITEMS(cfg->npeers) (offer that many). */
#define SP_FED_POLLITEMS(npeers) (4 + 2 * (npeers))
size_t sp_fed_pollitems(struct sp_fed *fed, zmq_pollitem_t *items, size_t max);
/* Handles the ready items among those appended (items points at the first of
 * them, n is how many were appended). */
void sp_fed_dispatch(struct sp_fed *fed, const zmq_pollitem_t *items, size_t n, uint64_t now_ms);
/* Runs timers; now_ms is CLOCK_MONOTONIC in milliseconds. */
void sp_fed_tick(struct sp_fed *fed, uint64_t now_ms);
/* A dataset version was committed or deleted (the case outputs follow). */
void sp_fed_datasets_changed(struct sp_fed *fed, uint64_t now_ms);
/* Milliseconds until the next timer, or -1 for none. */
long sp_fed_next_timeout_ms(const struct sp_fed *fed, uint64_t now_ms);

/* Handles a round-related control request: ROUND_START, ROUND_SUBMIT, ROUNDS
 * (list and status) and ROUND_CANCEL (sp_engine_control). STATUS, RESULTS
 * and COUNTS are not its business (control.c; the store has them, and
 * sp_fed_peer_connected / sp_fed_rounds_active below). Returns 0 with
 * *reply filled, or
 * a negative SP_ERR_* with *reply already an error reply whose message says
 * why (the loop sends it as is). List storage in *reply (rounds, rows,
 * counts) belongs to the engine and stays valid until the next
 * sp_fed_control call or sp_fed_free. Never blocks on the network. */
SP_NODISCARD int sp_fed_control(struct sp_fed *fed, const struct sp_ctl_request *req,
                                struct sp_ctl_reply *reply, uint64_t now_ms);

/* For STATUS: whether our connection to configured peer i (config order)
 * completed its CURVE handshake and is up; and how many rounds are live. */
bool sp_fed_peer_connected(const struct sp_fed *fed, size_t i);
uint32_t sp_fed_rounds_active(const struct sp_fed *fed);

#endif
