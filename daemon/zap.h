/*
 * The ZAP handler (ZeroMQ RFC 27) for the peer listener: admits a CURVE
 * client only when its public key is the key of a configured peer, and tells
 * ZeroMQ that peer's name as the connection's User-Id, so every message a
 * peer sends carries the name it authenticated as (zmq_msg_gets "User-Id").
 *
 * It binds a REP socket on inproc://zeromq.zap.01 in the process's context;
 * it must exist before any socket with ZMQ_ZAP_DOMAIN accepts a connection.
 * The main loop polls it; each request is answered at once. Requests are
 * parsed defensively (a malformed request gets status 500 and a log line,
 * never a crash): anything else in the process could send one.
 */
#ifndef SP_DAEMON_ZAP_H
#define SP_DAEMON_ZAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_ZAP_ENDPOINT  "inproc://zeromq.zap.01"
#define SP_ZAP_DOMAIN    "snijpunt-peers"
#define SP_ZAP_KEY_BYTES 32
#define SP_ZAP_NAME_MAX  64
/* Frames of a ZAP request (RFC 27): version, request id, domain, address,
 * routing id, mechanism, then mechanism credentials (one for CURVE). */
#define SP_ZAP_MAX_FRAMES 8
#define SP_ZAP_FRAME_MAX  256

/* One admitted key and the name it authenticates as. */
struct sp_zap_peer {
    char name[SP_ZAP_NAME_MAX + 1];
    uint8_t curve_pk[SP_ZAP_KEY_BYTES];
};

/* A ZAP request, frame by frame (pointers are the caller's). */
struct sp_zap_request {
    size_t nframes;
    const uint8_t *frame[SP_ZAP_MAX_FRAMES];
    size_t len[SP_ZAP_MAX_FRAMES];
};

/* The decision on one request. */
struct sp_zap_decision {
    const char *status_code; /* "200", "400" or "500" (static strings) */
    const char *status_text; /* static; says why, for the log */
    int peer;                /* index of the admitted peer, or -1 */
    bool have_key;           /* a 32-byte CURVE key was present: fingerprint it */
    uint8_t key[SP_ZAP_KEY_BYTES];
};

/* Pure: decides a request against the admitted keys (constant-time key
 * comparison). A request that is not a well-formed ZAP 1.0 CURVE request for
 * domain SP_ZAP_DOMAIN gets "500" (malformed) or "400" (wrong mechanism,
 * domain or unknown key). Never fails. */
void sp_zap_decide(const struct sp_zap_request *req, const struct sp_zap_peer *peers, size_t npeers,
                   struct sp_zap_decision *out);

/* Writes a short fingerprint of a public key ("3f2a…" hex of the first 8 bytes
 * of its SHA-256) into out (capacity >= 17). */
void sp_zap_fingerprint(const uint8_t key[SP_ZAP_KEY_BYTES], char out[17]);

struct sp_zap;

/* Called for a request whose key is configured peer `peer`'s: returns 0 to
 * admit, or a refusal code with why (capacity cap) filled, e.g. when the
 * peer's certificate is revoked (members.h). The hook logs and records it. */
typedef int (*sp_zap_admit_fn)(void *ctx, int peer, const uint8_t key[SP_ZAP_KEY_BYTES], char *why,
                               size_t cap);
/* Called for every other refusal, with the key when one was presented. */
typedef void (*sp_zap_refused_fn)(void *ctx, const uint8_t *key, const char *why);
/* Installs the hooks (either may be NULL). */
void sp_zap_set_hooks(struct sp_zap *zap, sp_zap_admit_fn admit, sp_zap_refused_fn refused,
                      void *ctx);

/* Binds the handler in zctx for peers (copied). Returns 0, SP_ERR_NOMEM or
 * SP_ERR_IO (the endpoint is taken: another handler exists in the context). */
SP_NODISCARD int sp_zap_new(void *zctx, const struct sp_zap_peer *peers, size_t npeers,
                            struct sp_zap **out);
/* Replaces the admitted keys by peers (copied; the configuration was
 * reloaded): from the next request on only these are admitted, with these
 * indexes. Returns 0, or SP_ERR_NOMEM with the previous keys kept. */
SP_NODISCARD int sp_zap_set_peers(struct sp_zap *zap, const struct sp_zap_peer *peers,
                                  size_t npeers);
/* Closes the socket and frees; NULL-safe; clears *zap. */
void sp_zap_free(struct sp_zap **zap);
/* The socket to poll for ZMQ_POLLIN. */
void *sp_zap_socket(struct sp_zap *zap);
/* Answers every waiting request (non-blocking) and logs each refusal with the
 * key's fingerprint. */
void sp_zap_handle(struct sp_zap *zap);
/* Requests admitted and refused so far. */
uint64_t sp_zap_admitted(const struct sp_zap *zap);
uint64_t sp_zap_refused(const struct sp_zap *zap);
/* Strangers' refusals are logged a few per window, then counted; this logs
 * the count of a finished window (call it from a timer). */
void sp_zap_log_flush(struct sp_zap *zap, uint64_t now_ms);

#endif
