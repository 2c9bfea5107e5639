/*
 * The main loop (see loop.h). Everything runs on this thread except the
 * federation engine's worker threads and ZeroMQ's own I/O threads.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/group.h"
#include "daemon/config.h"
#include "daemon/clock.h"
#include "daemon/control.h"
#include "daemon/federation.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/notify.h"
#include "daemon/reload.h"
#include "daemon/store.h"

#define MAX_FED_ITEMS SP_FED_POLLITEMS(SP_CONFIG_MAX_PEERS)
#define GC_BUDGET     2000  /* records deleted per garbage-collection step */
#define MAX_WAIT_MS   60000 /* poll at least this often */

struct sp_loop {
    struct sp_config *cfg; /* replaced in place by SIGHUP (reload.h) */
    const struct sp_identity *id;
    struct sp_store *store;
    void *zctx;
    int sigfd;
    struct sp_control *control;
    struct sp_fed *fed;
    struct sp_gov *gov;
    bool gc_pending;
    bool stop;
    const char *stop_reason;
};

static void handled_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

int sp_loop_block_signals(void)
{
    sigset_t set;
    handled_signals(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return SP_ERR_IO;
    struct sigaction sa = {.sa_handler = SIG_IGN};
    return sigaction(SIGPIPE, &sa, NULL) == 0 ? 0 : SP_ERR_IO;
}

int sp_loop_new(struct sp_config *cfg, struct sp_store *store, const struct sp_identity *id,
                struct sp_gov *gov, struct sp_loop **out)
{
    sigset_t set;
    struct sp_loop *l = calloc(1, sizeof *l);
    if (!l)
        return SP_ERR_NOMEM;
    l->cfg = cfg;
    l->id = id;
    l->store = store;
    l->gov = gov;
    l->gc_pending = true; /* a previous run may have left superseded versions */
    handled_signals(&set);
    l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    l->zctx = zmq_ctx_new();
    int err = (l->sigfd < 0 || !l->zctx) ? SP_ERR_IO : 0;
    if (err)
        sp_log_error("cannot set up signals or ZeroMQ: %s", strerror(errno));
    if (!err)
        err = sp_control_new(cfg, store, l->zctx, sp_now_ms(), &l->control);
    if (!err) {
        err = sp_fed_new(cfg, store, id, gov, l->zctx, &l->fed);
        if (err)
            sp_log_error("cannot start the federation engine: %s", sp_strerror(err));
    }
    if (err) {
        sp_loop_free(&l);
        return err;
    }
    sp_control_set_fed(l->control, l->fed);
    sp_control_set_gov(l->control, gov);
    *out = l;
    return 0;
}

void sp_loop_free(struct sp_loop **loop)
{
    if (!loop || !*loop)
        return;
    struct sp_loop *l = *loop;
    if (l->control)
        sp_control_set_fed(l->control, NULL);
    sp_fed_free(&l->fed);
    sp_control_free(&l->control);
    if (l->zctx)
        zmq_ctx_term(l->zctx);
    if (l->sigfd >= 0)
        close(l->sigfd);
    free(l);
    *loop = NULL;
}

static void read_signals(struct sp_loop *l)
{
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            sp_log_info("SIGHUP: re-reading the configuration, the certificates and the "
                        "revocation list");
            if (l->gov && sp_reload(l->cfg, l->gov, l->id, sp_now_ms()) != 0)
                sp_log_debug("SIGHUP: the configuration in force is unchanged");
            continue;
        }
        l->stop_reason = si.ssi_signo == SIGTERM ? "SIGTERM received" : "SIGINT received";
        sp_log_info("%s: shutting down", l->stop_reason);
        l->stop = true;
    }
}

static long min_timeout(long a, long b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static long poll_timeout(const struct sp_loop *l, uint64_t now)
{
    long t = MAX_WAIT_MS;
    t = min_timeout(t, sp_fed_next_timeout_ms(l->fed, now));
    t = min_timeout(t, sp_control_next_timeout_ms(l->control, now));
    if (l->gov)
        t = min_timeout(t, sp_gov_next_timeout_ms(l->gov, now));
    return l->gc_pending ? 0 : t;
}

static void collect_garbage(struct sp_loop *l)
{
    bool more = false;
    if (sp_store_gc_step(l->store, GC_BUDGET, &more) != 0)
        more = false; /* logged by the store; retried after the next request */
    l->gc_pending = more;
}

/* One iteration: poll, dispatch, timers. Returns 0 or SP_ERR_IO. */
static int iterate(struct sp_loop *l)
{
    zmq_pollitem_t items[2 + MAX_FED_ITEMS];
    items[0] = (zmq_pollitem_t){.fd = l->sigfd, .events = ZMQ_POLLIN};
    items[1] = (zmq_pollitem_t){.socket = sp_control_socket(l->control), .events = ZMQ_POLLIN};
    size_t nfed = sp_fed_pollitems(l->fed, items + 2, MAX_FED_ITEMS);
    int rc = zmq_poll(items, (int)(2 + nfed), poll_timeout(l, sp_now_ms()));
    if (rc < 0 && errno != EINTR) {
        sp_log_error("zmq_poll: %s", zmq_strerror(errno));
        return SP_ERR_IO;
    }
    uint64_t now = sp_now_ms();
    if (rc > 0 && (items[0].revents & ZMQ_POLLIN))
        read_signals(l);
    if (rc > 0 && (items[1].revents & ZMQ_POLLIN)) {
        sp_control_dispatch(l->control, now);
        l->gc_pending = true; /* a load may have superseded or dropped a version */
    }
    if (rc > 0 && nfed)
        sp_fed_dispatch(l->fed, items + 2, nfed, now);
    now = sp_now_ms();
    sp_fed_tick(l->fed, now);
    sp_control_tick(l->control, now);
    if (l->gov && !l->stop)
        sp_gov_tick(l->gov, now);
    if (l->gc_pending && !l->stop)
        collect_garbage(l);
    return 0;
}

const char *sp_loop_stop_reason(const struct sp_loop *loop)
{
    return loop ? loop->stop_reason : NULL;
}

int sp_loop_run(struct sp_loop *loop)
{
    uint32_t n = 0;
    if (sp_store_datasets_count(loop->store, &n) != 0)
        n = 0;
    /* which ladder blinds here: they give the same bytes at different speeds
     * (SNIJPUNT_X25519_PORTABLE, snijpuntd(8)) */
    sp_log_info("blinding with %s", sp_blind_impl() == SP_BLIND_AVX2
                                        ? "the 4-lane AVX2 X25519 ladder"
                                        : "libsodium's X25519 ladder (portable)");
    sp_log_info("snijpuntd %s ready: node %s, %u dataset(s), %zu peer(s), control %s", SP_VERSION,
                loop->cfg->node, n, loop->cfg->npeers, loop->cfg->control_socket);
    if (sp_notify("READY=1\nSTATUS=serving") != 0)
        sp_log_warn("cannot notify systemd of readiness");
    int err = 0;
    while (!loop->stop && !err)
        err = iterate(loop);
    if (sp_notify("STOPPING=1") != 0)
        sp_log_debug("cannot notify systemd of stopping");
    return err;
}
