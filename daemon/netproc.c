/* The network process: spawning it, and its relay loop; see netproc.h. */
#include "daemon/netproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/clock.h"
#include "daemon/net.h"
#include "daemon/netwire.h"
#include "proto/peer.h"

static const char *netproc_exe;

void sp_netproc_set_exe(const char *exe)
{
    netproc_exe = exe;
}

const char *sp_netproc_exe(void)
{
    return netproc_exe;
}

int sp_netproc_spawn(int *fd, pid_t *pid)
{
    int sv[2] = {-1, -1}, rc = SP_ERR_IO;
    if (!netproc_exe || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return SP_ERR_IO;
    /* Built before fork: after it only async-signal-safe calls are made
     * (the main process has threads). */
    char fdarg[] = "3";
    char *argv[] = {"snijpuntd", "--net-child", fdarg, NULL};
    pid_t p = fork();
    if (p < 0)
        goto out;
    if (p == 0) {
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (dup2(sv[1], SP_NETPROC_FD) < 0)
            _exit(127);
        /* nothing else the main process has open goes along: not the store,
         * not the key file, not the control socket */
        (void)syscall(SYS_close_range, SP_NETPROC_FD + 1, ~0u, 0);
        execve(netproc_exe, argv, environ);
        _exit(127);
    }
    if (fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0)
        goto out;
    *fd = sv[0];
    sv[0] = -1; /* the caller's now */
    *pid = p;
    rc = 0;
out:
    if (sv[0] >= 0)
        close(sv[0]);
    close(sv[1]);
    return rc;
}

/* ---- the network process ------------------------------------------------ */

struct child {
    int fd;
    struct sp_config *cfg; /* only listen, the peers and their generation are used */
    struct sp_net_curve *curve;
    void *zctx;
    struct sp_net *net;
    struct sp_nwbuf in, out;
    struct sp_nw_admit admit; /* who the main process admits */
    uint64_t refused_sent;
    uint32_t queued_sent[SP_CONFIG_MAX_PEERS];
    bool stopping;
};

/* Writes what is pending; waits for the main process while more than a few
 * frames are (it reads on every pass of its loop, and never blocks on us). */
static void child_flush(struct child *c, size_t keep)
{
    while (c->out.len - c->out.off > keep) {
        if (sp_nwbuf_write(&c->out, c->fd) != 0) {
            c->stopping = true;
            return;
        }
        if (c->out.len - c->out.off > keep) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
            (void)poll(&pfd, 1, 1000);
        }
    }
}

static void child_recv(void *ctx, const struct sp_peer_in *in)
{
    struct child *c = ctx;
    struct sp_peer_msg m;
    uint8_t *enc = NULL;
    size_t elen = 0, at;
    int code = 0;
    uint8_t flags =
        (in->extra_frames ? SP_NW_MSG_EXTRA : 0) | (in->via_router ? SP_NW_MSG_ROUTER : 0);
    /* Decoded and bounded here; what goes on is the encoder's output. */
    if (in->peer >= 0 && !in->extra_frames) {
        code = sp_peer_decode(in->data, in->len, &m);
        if (code == 0) {
            code = sp_peer_encode_alloc(&m, &enc, &elen);
            sp_peer_msg_clear(&m);
        }
    }
    if (!enc)
        flags |= SP_NW_MSG_REJECTED;
    if (sp_nwbuf_begin(&c->out, SP_NW_MSG, 8 + in->rid_len + elen, &at) == 0) {
        sp_nwbuf_u8(&c->out, in->peer < 0 ? SP_NW_PEER_NONE : (uint8_t)in->peer);
        sp_nwbuf_u8(&c->out, flags);
        sp_nwbuf_u32(&c->out, (uint32_t)code);
        sp_nwbuf_u8(&c->out, (uint8_t)in->rid_len);
        sp_nwbuf_put(&c->out, in->rid, in->rid_len);
        sp_nwbuf_put(&c->out, enc, elen);
        sp_nwbuf_end(&c->out, at);
    }
    free(enc);
    child_flush(c, 8u << 20);
}

static void child_link(void *ctx, int peer, bool up, uint64_t now_ms)
{
    struct child *c = ctx;
    size_t at;
    (void)now_ms;
    if (sp_nwbuf_begin(&c->out, SP_NW_LINK, 2, &at) == 0) {
        sp_nwbuf_u8(&c->out, (uint8_t)peer);
        sp_nwbuf_u8(&c->out, up ? 1 : 0);
        sp_nwbuf_end(&c->out, at);
    }
}

static int child_admit(void *ctx, int peer, const uint8_t key[32], char *why, size_t cap)
{
    struct child *c = ctx;
    (void)key; /* the ZAP handler asks only for a configured peer's own key */
    if (peer < 0 || (size_t)peer >= c->cfg->npeers)
        return SP_ERR_PEER_UNKNOWN;
    if ((size_t)peer < c->admit.n && c->admit.admitted[peer])
        return 0;
    snprintf(why, cap, "%s", (size_t)peer < c->admit.n ? c->admit.why[peer] : "not admitted");
    return SP_ERR_PEER_REFUSED;
}

static void child_refused(void *ctx, const uint8_t *key, const char *why)
{
    struct child *c = ctx;
    size_t at, n = strnlen(why, 512);
    if (sp_nwbuf_begin(&c->out, SP_NW_REFUSED, 1 + 32 + 2 + n, &at) != 0)
        return;
    uint8_t zero[32] = {0};
    sp_nwbuf_u8(&c->out, key ? 1 : 0);
    sp_nwbuf_put(&c->out, key ? key : zero, 32);
    sp_nwbuf_u16(&c->out, (uint16_t)n);
    sp_nwbuf_put(&c->out, why, n);
    sp_nwbuf_end(&c->out, at);
}

/* Refused count and queues, when they changed. */
static void child_stats(struct child *c)
{
    size_t n = sp_net_count(c->net), at;
    bool changed = sp_net_refused(c->net) != c->refused_sent;
    for (size_t i = 0; i < n; i++)
        changed = changed || sp_net_queued(c->net, (int)i) != c->queued_sent[i];
    if (!changed || sp_nwbuf_begin(&c->out, SP_NW_STATS, 9 + 4 * n, &at) != 0)
        return;
    c->refused_sent = sp_net_refused(c->net);
    sp_nwbuf_u64(&c->out, c->refused_sent);
    sp_nwbuf_u8(&c->out, (uint8_t)n);
    for (size_t i = 0; i < n; i++) {
        size_t q = sp_net_queued(c->net, (int)i);
        c->queued_sent[i] = q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
        sp_nwbuf_u32(&c->out, c->queued_sent[i]);
    }
    sp_nwbuf_end(&c->out, at);
}

static bool child_frame(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    struct child *c = ctx;
    switch (type) {
    case SP_NW_PEERS: {
        struct sp_nwread r = {body, len, true};
        if (!sp_nw_get_peers(&r, c->cfg))
            return false;
        c->cfg->generation++; /* sp_net follows it */
        return true;
    }
    case SP_NW_ADMIT:
        if (!sp_nw_get_admit(body, len, &c->admit))
            return false;
        sp_net_zap_pause(c->net, false);
        return true;
    case SP_NW_SEND: {
        unsigned peer;
        const uint8_t *data;
        size_t dlen;
        if (!sp_nw_get_send(body, len, &peer, &data, &dlen))
            return false;
        uint8_t *buf = malloc(dlen ? dlen : 1);
        if (!buf)
            return true;
        memcpy(buf, data, dlen);
        /* a full queue (BUSY) is the main process's to prevent: it counts
         * what is queued here (SP_NW_STATS) before it sends */
        if (sp_net_send(c->net, (int)peer, buf, dlen) != 0)
            sp_log_warn("network process: a message for peer %u dropped", peer);
        return true;
    }
    case SP_NW_REPLY: {
        struct sp_peer_in in = {.peer = -1, .via_router = true};
        const uint8_t *rid, *data;
        size_t dlen;
        if (!sp_nw_get_reply(body, len, &rid, &in.rid_len, &data, &dlen))
            return false;
        uint8_t *buf = malloc(dlen ? dlen : 1);
        if (!buf)
            return true;
        memcpy(in.rid, rid, in.rid_len);
        memcpy(buf, data, dlen);
        sp_net_reply(c->net, &in, buf, dlen);
        return true;
    }
    default:
        return false;
    }
}

static void child_read(struct child *c, bool read)
{
    int rc = read ? sp_nwbuf_drain(&c->in, c->fd, child_frame, c)
                  : sp_nwbuf_take(&c->in, child_frame, c);
    if (rc == SP_ERR_PROTO_MALFORMED)
        sp_log_error("network process: a malformed frame from the main process");
    if (rc != 0)
        c->stopping = true; /* or the main process closed its end, or went away */
}

/* Reads the INIT frame (blocking): settings, keys, peers. */
static int child_init(struct child *c)
{
    uint8_t type = 0;
    const uint8_t *body = NULL;
    size_t len = 0;
    int got = sp_nwbuf_wait(&c->in, c->fd, 30000, &type, &body, &len);
    if (got != 1 || type != SP_NW_INIT)
        return SP_ERR_PROTO_MALFORMED;
    int level = 0;
    _Static_assert(sizeof c->curve->public_z85 == sizeof c->curve->secret_z85, "z85 sizes");
    bool ok = sp_nw_get_init(body, len, c->cfg, &level, c->curve->public_z85, c->curve->secret_z85,
                             sizeof c->curve->secret_z85);
    /* the frame held the secret: wipe its bytes; what came after it (an
     * ADMIT, read in the same recv) stays, for child_loop */
    sodium_memzero(c->in.data, c->in.off);
    if (!ok)
        return SP_ERR_PROTO_MALFORMED;
    sp_log_init(level);
    return 0;
}

static void child_ready(struct child *c, int rc)
{
    size_t at;
    if (sp_nwbuf_begin(&c->out, SP_NW_READY, 4, &at) == 0) {
        sp_nwbuf_u32(&c->out, (uint32_t)rc);
        sp_nwbuf_end(&c->out, at);
    }
    child_flush(c, 0);
}

static void child_loop(struct child *c)
{
    zmq_pollitem_t items[1 + SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
    while (!c->stopping) {
        if (sp_nwbuf_has_frame(&c->in)) { /* read with INIT */
            child_read(c, false);
            continue;
        }
        bool pending = c->out.len > c->out.off;
        items[0] =
            (zmq_pollitem_t){.fd = c->fd, .events = ZMQ_POLLIN | (pending ? ZMQ_POLLOUT : 0)};
        size_t n = sp_net_pollitems(c->net, items + 1, SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS));
        if (zmq_poll(items, (int)(n + 1), -1) < 0) {
            if (errno == EINTR)
                continue;
            sp_log_error("network process: poll: %s", zmq_strerror(errno));
            return;
        }
        if (items[0].revents & ZMQ_POLLIN)
            child_read(c, true);
        sp_net_dispatch(c->net, items + 1, n, sp_now_ms(), child_recv, child_link, c);
        child_stats(c);
        if (sp_nwbuf_write(&c->out, c->fd) != 0)
            return;
    }
}

int sp_netproc_main(int fd)
{
    struct child c = {.fd = fd};
    int status = 1;
    sigset_t none;
    /* the main process's mask came along through exec: signals work here as
     * usual, except those a terminal or systemd sends the whole group (the
     * main process ends this one by closing the socketpair) */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
        return 1;
    c.cfg = calloc(1, sizeof *c.cfg);
    c.curve = sodium_malloc(sizeof *c.curve);
    if (!c.cfg || !c.curve || child_init(&c) != 0)
        goto out;
    c.zctx = zmq_ctx_new();
    int rc = c.zctx ? sp_net_new(c.cfg, c.curve, c.zctx, sp_now_ms(), &c.net) : SP_ERR_IO;
    if (rc == 0) {
        sp_net_set_admission(c.net, child_admit, child_refused, &c);
        sp_net_zap_pause(c.net, true); /* until the main process says who is admitted */
        tzset();                       /* the log's clock reads /etc/localtime once, now */
        rc = sp_netproc_sandbox();
        if (rc)
            sp_log_error("network process: cannot install its seccomp filter");
    }
    child_ready(&c, rc);
    if (rc == 0) {
        child_loop(&c);
        status = 0;
    }
out:
    sp_net_free(&c.net);
    if (c.zctx)
        zmq_ctx_term(c.zctx);
    if (c.curve)
        sodium_free(c.curve);
    free(c.cfg);
    sp_nwbuf_free(&c.in);
    sp_nwbuf_free(&c.out);
    return status;
}
