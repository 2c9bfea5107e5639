/* The ZAP handler of the peer listener; see zap.h. */
#include "daemon/zap.h"
#include "daemon/clock.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "common/hex.h"
#include "daemon/log.h"

struct sp_zap {
    void *sock;
    size_t npeers;
    struct sp_zap_peer *peers;
    uint64_t admitted;
    uint64_t refused;
    sp_zap_admit_fn admit;
    sp_zap_refused_fn on_refused;
    void *hook_ctx;
    char why[256]; /* the admit hook's reason, for the reply's status text */
    /* Strangers' refusals: a few lines, then a count (a flood of
     * connections must not flood the log). */
    struct sp_log_limit log_limit;
};

/* Refusals of strangers logged per window; the rest are counted. */
#define SP_ZAP_LOG_MAX       10
#define SP_ZAP_LOG_WINDOW_MS 10000
#define SP_ZAP_LOG_WHAT      "zap: refused connections from strangers"

void sp_zap_log_flush(struct sp_zap *z, uint64_t now_ms)
{
    sp_log_limit_flush(&z->log_limit, now_ms, SP_ZAP_LOG_WHAT);
}

void sp_zap_set_hooks(struct sp_zap *zap, sp_zap_admit_fn admit, sp_zap_refused_fn refused,
                      void *ctx)
{
    zap->admit = admit;
    zap->on_refused = refused;
    zap->hook_ctx = ctx;
}

static bool frame_is(const struct sp_zap_request *req, size_t i, const char *text)
{
    size_t n = strlen(text);
    return req->len[i] == n && memcmp(req->frame[i], text, n) == 0;
}

static void decide_refuse(struct sp_zap_decision *out, const char *code, const char *text)
{
    out->status_code = code;
    out->status_text = text;
    out->peer = -1;
}

void sp_zap_decide(const struct sp_zap_request *req, const struct sp_zap_peer *peers, size_t npeers,
                   struct sp_zap_decision *out)
{
    memset(out, 0, sizeof(*out));
    /* version, request id, domain, address, routing id, mechanism, key */
    if (req->nframes < 6 || !frame_is(req, 0, "1.0")) {
        decide_refuse(out, "500", "malformed ZAP request");
        return;
    }
    if (!frame_is(req, 5, "CURVE")) {
        decide_refuse(out, "400", "mechanism is not CURVE");
        return;
    }
    if (req->nframes != 7 || req->len[6] != SP_ZAP_KEY_BYTES) {
        decide_refuse(out, "500", "malformed CURVE credentials");
        return;
    }
    out->have_key = true;
    memcpy(out->key, req->frame[6], SP_ZAP_KEY_BYTES);
    if (!frame_is(req, 2, SP_ZAP_DOMAIN)) {
        decide_refuse(out, "400", "unknown ZAP domain");
        return;
    }
    /* Compare every key in full (constant time per key, and no early exit),
     * so timing does not tell which configured key is closest. */
    int found = -1;
    for (size_t i = 0; i < npeers; i++)
        if (sodium_memcmp(peers[i].curve_pk, out->key, SP_ZAP_KEY_BYTES) == 0 && found < 0)
            found = (int)i;
    if (found < 0) {
        decide_refuse(out, "400", "key is not a configured peer's key");
        return;
    }
    out->status_code = "200";
    out->status_text = "OK";
    out->peer = found;
}

void sp_zap_fingerprint(const uint8_t key[SP_ZAP_KEY_BYTES], char out[17])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, key, SP_ZAP_KEY_BYTES);
    sp_hex_encode(out, h, 8);
}

int sp_zap_new(void *zctx, const struct sp_zap_peer *peers, size_t npeers, struct sp_zap **out)
{
    int rc = SP_ERR_NOMEM;
    struct sp_zap *z = calloc(1, sizeof(*z));
    if (!z)
        return SP_ERR_NOMEM;
    if (npeers) {
        z->peers = calloc(npeers, sizeof(*z->peers));
        if (!z->peers)
            goto out;
        memcpy(z->peers, peers, npeers * sizeof(*peers));
    }
    z->npeers = npeers;
    z->log_limit.max = SP_ZAP_LOG_MAX;
    z->log_limit.window_ms = SP_ZAP_LOG_WINDOW_MS;
    rc = SP_ERR_IO;
    z->sock = zmq_socket(zctx, ZMQ_REP);
    if (!z->sock)
        goto out;
    int linger = 0;
    if (zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0)
        goto out;
    if (zmq_bind(z->sock, SP_ZAP_ENDPOINT) != 0) {
        sp_log_error("zap: cannot bind %s: %s", SP_ZAP_ENDPOINT, zmq_strerror(errno));
        goto out;
    }
    *out = z;
    return 0;
out:
    sp_zap_free(&z);
    return rc;
}

int sp_zap_set_peers(struct sp_zap *z, const struct sp_zap_peer *peers, size_t npeers)
{
    struct sp_zap_peer *copy = calloc(npeers ? npeers : 1, sizeof(*copy));
    if (!copy)
        return SP_ERR_NOMEM;
    if (npeers)
        memcpy(copy, peers, npeers * sizeof(*peers));
    free(z->peers);
    z->peers = copy;
    z->npeers = npeers;
    return 0;
}

void sp_zap_free(struct sp_zap **zp)
{
    if (!zp || !*zp)
        return;
    struct sp_zap *z = *zp;
    if (z->sock)
        zmq_close(z->sock);
    free(z->peers);
    free(z);
    *zp = NULL;
}

void *sp_zap_socket(struct sp_zap *z)
{
    return z->sock;
}

/* Receives all frames of one request into msgs (at most SP_ZAP_MAX_FRAMES are
 * kept; further frames are drained and counted). Returns the number of frames
 * received, 0 when nothing was waiting, -1 on error. */
static int recv_request(void *sock, zmq_msg_t *msgs, size_t *kept)
{
    int total = 0;
    *kept = 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, total == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            return total == 0 && errno == EAGAIN ? 0 : -1;
        }
        total++;
        int more = zmq_msg_more(&m);
        if (*kept < SP_ZAP_MAX_FRAMES)
            msgs[(*kept)++] = m;
        else
            zmq_msg_close(&m);
        if (!more)
            return total;
    }
}

static void send_reply(void *sock, zmq_msg_t *reqid, const struct sp_zap_decision *d,
                       const char *user_id)
{
    const char *frames[] = {"1.0", NULL, d->status_code, d->status_text, user_id, ""};
    for (size_t i = 0; i < 6; i++) {
        int flags = i < 5 ? ZMQ_SNDMORE : 0;
        int r;
        if (i == 1)
            r = zmq_send(sock, reqid ? zmq_msg_data(reqid) : "", reqid ? zmq_msg_size(reqid) : 0,
                         flags);
        else
            r = zmq_send(sock, frames[i], strlen(frames[i]), flags);
        if (r < 0) {
            sp_log_error("zap: cannot send reply: %s", zmq_strerror(errno));
            return;
        }
    }
}

static void log_refusal(struct sp_zap *z, const struct sp_zap_request *req,
                        const struct sp_zap_decision *d)
{
    char addr[64] = "?";
    if (!sp_log_limit_allow(&z->log_limit, sp_now_ms(), SP_ZAP_LOG_WHAT))
        return;
    if (req->nframes > 3) {
        size_t n = req->len[3] < sizeof(addr) - 1 ? req->len[3] : sizeof(addr) - 1;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = req->frame[3][i];
            addr[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        addr[n] = '\0';
    }
    if (d->have_key) {
        char fp[17], z85[41];
        sp_zap_fingerprint(d->key, fp);
        if (!zmq_z85_encode(z85, d->key, SP_ZAP_KEY_BYTES))
            z85[0] = '\0';
        sp_log_warn("zap: refused connection from %s: %s (key fingerprint %s, z85 %s)", addr,
                    d->status_text, fp, z85);
    } else {
        sp_log_warn("zap: refused connection from %s: %s", addr, d->status_text);
    }
}

static void handle_one(struct sp_zap *z, zmq_msg_t *msgs, size_t kept, int total)
{
    struct sp_zap_request req = {0};
    req.nframes = (size_t)total <= kept ? kept : SP_ZAP_MAX_FRAMES + 1;
    for (size_t i = 0; i < kept; i++) {
        req.frame[i] = zmq_msg_data(&msgs[i]);
        req.len[i] = zmq_msg_size(&msgs[i]);
    }
    struct sp_zap_decision d;
    memset(&d, 0, sizeof(d));
    if (req.nframes > SP_ZAP_MAX_FRAMES)
        decide_refuse(&d, "500", "malformed ZAP request");
    else
        sp_zap_decide(&req, z->peers, z->npeers, &d);
    /* A configured key is admitted only while its certificate passes; the
     * hook logs and records its own refusals. */
    bool hooked = false;
    if (d.peer >= 0 && z->admit && z->admit(z->hook_ctx, d.peer, d.key, z->why, sizeof z->why)) {
        decide_refuse(&d, "400", z->why);
        hooked = true;
    }
    const char *user = d.peer >= 0 ? z->peers[d.peer].name : "";
    if (d.peer >= 0) {
        z->admitted++;
        sp_log_debug("zap: admitted peer %s", user);
    } else {
        z->refused++;
        if (!hooked)
            log_refusal(z, &req, &d);
        if (!hooked && z->on_refused)
            z->on_refused(z->hook_ctx, d.have_key ? d.key : NULL, d.status_text);
    }
    send_reply(z->sock, kept > 1 ? &msgs[1] : NULL, &d, user);
}

void sp_zap_handle(struct sp_zap *z)
{
    for (;;) {
        zmq_msg_t msgs[SP_ZAP_MAX_FRAMES];
        size_t kept = 0;
        int total = recv_request(z->sock, msgs, &kept);
        if (total > 0)
            handle_one(z, msgs, kept, total);
        for (size_t i = 0; i < kept; i++)
            zmq_msg_close(&msgs[i]);
        if (total <= 0)
            return;
    }
}

uint64_t sp_zap_admitted(const struct sp_zap *z)
{
    return z->admitted;
}

uint64_t sp_zap_refused(const struct sp_zap *z)
{
    return z->refused;
}
