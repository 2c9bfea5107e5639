/*
 * Request/reply over the daemon's control socket. A DEALER socket sends
 * [empty][request] (the envelope a REQ socket would use) and waits for
 * [empty][reply] with a timeout, so a daemon that is not running gives a
 * clear message instead of a hang. A monitor on the socket ends the wait at
 * once when the daemon closes the connection (it stopped or crashed in the
 * middle of a request, e.g. a load) or nothing listens on the socket file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "common/keytype.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"

#define PATH_CAP 4096

struct sp_cli_conn {
    void *zctx;
    void *sock;
    void *mon;      /* PAIR receiving the DEALER's connection events */
    bool connected; /* a connection to the daemon was established */
    bool lost;      /* ... and then closed by the daemon: every later call fails at once */
    int timeout_ms;
    char path[PATH_CAP];
};

/* Watches the DEALER's connection (events arrive on c->mon). */
static int watch_connection(struct sp_cli_conn *c)
{
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://sp-cli-monitor-%p", (void *)c);
    if (zmq_socket_monitor(c->sock, ep,
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_CONNECT_RETRIED) != 0)
        return -1;
    c->mon = zmq_socket(c->zctx, ZMQ_PAIR);
    int linger = 0;
    return c->mon && zmq_setsockopt(c->mon, ZMQ_LINGER, &linger, sizeof linger) == 0 &&
                   zmq_connect(c->mon, ep) == 0
               ? 0
               : -1;
}

/* Reads one monitor event (two frames: event and value, endpoint). Returns
 * the event, or 0 when none could be read. */
static int read_event(struct sp_cli_conn *c)
{
    uint8_t head[6];
    int n = zmq_recv(c->mon, head, sizeof head, ZMQ_DONTWAIT), more = 0;
    size_t sz = sizeof more;
    if (n < 2)
        return 0;
    if (zmq_getsockopt(c->mon, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        char ep[256];
        (void)zmq_recv(c->mon, ep, sizeof ep, 0);
    }
    return head[0] | head[1] << 8;
}

/* Waits until the reply socket is readable. Returns 0, SP_ERR_TIMEOUT, or
 * SP_ERR_IO when the daemon closed the connection or nothing listens. */
static int wait_readable(struct sp_cli_conn *c, bool quiet)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (c->lost) /* ZeroMQ reconnects quietly; a request after a crash would wait it out */
        return SP_ERR_IO;
    for (;;) {
        zmq_pollitem_t items[2] = {{c->sock, 0, ZMQ_POLLIN, 0}, {c->mon, 0, ZMQ_POLLIN, 0}};
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (waited >= c->timeout_ms)
            return SP_ERR_TIMEOUT;
        if (zmq_poll(items, c->mon ? 2 : 1, c->timeout_ms - waited) < 0 && errno != EINTR)
            return SP_ERR_IO;
        if (items[0].revents & ZMQ_POLLIN)
            return 0;
        if (!c->mon || !(items[1].revents & ZMQ_POLLIN))
            continue;
        int ev = read_event(c);
        if (ev == ZMQ_EVENT_CONNECTED)
            c->connected = true;
        else if (ev == ZMQ_EVENT_DISCONNECTED ||
                 (ev == ZMQ_EVENT_CONNECT_RETRIED && !c->connected)) {
            c->lost = c->lost || ev == ZMQ_EVENT_DISCONNECTED;
            if (!quiet)
                fprintf(stderr, "snijpunt: %s\n",
                        ev == ZMQ_EVENT_DISCONNECTED
                            ? "snijpuntd closed the connection before it answered: it stopped or "
                              "crashed (see its log); nothing it had not confirmed was kept"
                            : "nothing listens on the control socket: snijpuntd is not running "
                              "(a socket file left behind by a stopped daemon?)");
            return SP_ERR_IO;
        }
    }
}

void sp_cli_target_init(struct sp_cli_target *t)
{
    t->socket = NULL;
    t->config = NULL;
    t->timeout_ms = SP_CLI_DEFAULT_TIMEOUT_MS;
}

int sp_cli_target_option(struct sp_cli_target *t, const char *cmd, int id, const char *arg)
{
    char *end = NULL;
    switch (id) {
    case SP_CLI_OPT_SOCKET:
        t->socket = arg;
        return 1;
    case SP_CLI_OPT_CONFIG:
        t->config = arg;
        return 1;
    case SP_CLI_OPT_TIMEOUT: {
        errno = 0;
        long s = strtol(arg, &end, 10);
        if (errno || !isdigit((unsigned char)arg[0]) || *end || s < 1 || s > 86400) {
            fprintf(stderr, "snijpunt %s: --timeout must be 1 to 86400 seconds\n", cmd);
            return 2;
        }
        t->timeout_ms = (int)s * 1000;
        return 1;
    }
    default:
        return 0;
    }
}

/* The value of "key = value" in line (trimmed, in place), or NULL. */
static char *line_value(char *line, const char *key)
{
    size_t kn = strlen(key);
    char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    if (strncmp(p, key, kn) != 0)
        return NULL;
    for (p += kn; isspace((unsigned char)*p); p++)
        ;
    if (*p++ != '=')
        return NULL;
    while (isspace((unsigned char)*p))
        p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        p[--n] = '\0';
    return p;
}

/* The CLI never compiles the daemon's parser; it needs single keys and
 * reads them the same way: "key = VALUE" before any [section]. */
int sp_cli_config_value(const char *cfg, const char *key, char *out, size_t cap)
{
    FILE *f = fopen(cfg, "re");
    char line[PATH_CAP + 64];
    const char *v = NULL;
    if (!f)
        return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
    while (!v && fgets(line, sizeof line, f)) {
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '[')
            break;
        v = line_value(line, key);
    }
    fclose(f);
    if (!v || !*v)
        return SP_ERR_CONFIG;
    return snprintf(out, cap, "%s", v) < (int)cap ? 0 : SP_ERR_OVERFLOW;
}

const char *sp_cli_config_path(const char *given)
{
    const char *env = getenv("SNIJPUNT_CONFIG");
    return given ? given : env && *env ? env : SP_CLI_DEFAULT_CONFIG;
}

static int socket_from_config(const char *cfg, const char *via, const char *cmd, char *out,
                              size_t cap)
{
    int err = sp_cli_config_value(cfg, "control_socket", out, cap);
    if (err == SP_ERR_NOT_FOUND || err == SP_ERR_IO) {
        fprintf(stderr, "snijpunt %s: cannot read %s%s: %s\n", cmd, cfg, via, strerror(errno));
        return SP_ERR_CONFIG;
    }
    if (err)
        snprintf(out, cap, "%s", SP_CLI_DEFAULT_SOCKET);
    return 0;
}

/* Where the socket path came from, for messages. */
enum origin { FROM_OPTION, FROM_ENV_SOCKET, FROM_CONFIG, FROM_DEFAULT };

static int resolve_path(const struct sp_cli_target *t, const char *cmd, char *out, size_t cap,
                        enum origin *from)
{
    const char *env = getenv("SNIJPUNT_SOCKET");
    const char *cfg = getenv("SNIJPUNT_CONFIG");
    *from = FROM_OPTION;
    if (t->socket)
        return snprintf(out, cap, "%s", t->socket) < (int)cap ? 0 : SP_ERR_CONFIG;
    if (t->config)
        return socket_from_config(t->config, "", cmd, out, cap);
    *from = FROM_ENV_SOCKET;
    if (env && *env)
        return snprintf(out, cap, "%s", env) < (int)cap ? 0 : SP_ERR_CONFIG;
    *from = FROM_CONFIG;
    if (cfg && *cfg)
        return socket_from_config(cfg, " ($SNIJPUNT_CONFIG)", cmd, out, cap);
    if (access(SP_CLI_DEFAULT_CONFIG, F_OK) == 0)
        return socket_from_config(SP_CLI_DEFAULT_CONFIG, "", cmd, out, cap);
    *from = FROM_DEFAULT;
    snprintf(out, cap, "%s", SP_CLI_DEFAULT_SOCKET);
    return 0;
}

/* ZeroMQ connects lazily and would wait forever for a socket that is not
 * there; looking first gives the real reason. */
static int check_socket_file(const char *path, const char *cmd, bool quiet, enum origin from)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!quiet)
            fprintf(stderr, "snijpunt %s: cannot reach snijpuntd at %s: %s: is it running?\n", cmd,
                    path, strerror(errno));
        if (!quiet && from == FROM_DEFAULT)
            fprintf(stderr,
                    "snijpunt %s: no node configuration found (no --config, $SNIJPUNT_CONFIG "
                    "or " SP_CLI_DEFAULT_CONFIG "): give --config FILE or set "
                    "SNIJPUNT_CONFIG=FILE, FILE being the snijpuntd.conf that snijpunt init "
                    "wrote, or --socket PATH\n",
                    cmd);
        return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
    }
    if (!S_ISSOCK(st.st_mode)) {
        if (!quiet)
            fprintf(stderr, "snijpunt %s: %s is not a socket\n", cmd, path);
        return SP_ERR_IO;
    }
    if (access(path, R_OK | W_OK) != 0) {
        if (!quiet)
            fprintf(stderr,
                    "snijpunt %s: no permission to use %s: run as the daemon's user or a "
                    "member of its control_group\n",
                    cmd, path);
        return SP_ERR_PERMISSION;
    }
    return 0;
}

int sp_cli_connect(const struct sp_cli_target *t, const char *cmd, bool quiet,
                   struct sp_cli_conn **out)
{
    struct sp_cli_conn *c = calloc(1, sizeof *c);
    char ep[PATH_CAP + 8];
    int linger = 0;
    if (!c)
        return SP_ERR_NOMEM;
    c->timeout_ms = t->timeout_ms;
    enum origin from;
    int err = resolve_path(t, cmd, c->path, sizeof c->path, &from);
    if (!err)
        err = check_socket_file(c->path, cmd, quiet, from);
    if (!err) {
        snprintf(ep, sizeof ep, "ipc://%s", c->path);
        c->zctx = zmq_ctx_new();
        c->sock = c->zctx ? zmq_socket(c->zctx, ZMQ_DEALER) : NULL;
        if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) ||
            zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &c->timeout_ms, sizeof c->timeout_ms) ||
            watch_connection(c) != 0 || zmq_connect(c->sock, ep) != 0) {
            if (!quiet)
                fprintf(stderr, "snijpunt %s: cannot connect to %s: %s\n", cmd, ep,
                        zmq_strerror(errno));
            err = SP_ERR_IO;
        }
    }
    if (err) {
        sp_cli_close(&c);
        return err;
    }
    *out = c;
    return 0;
}

void sp_cli_close(struct sp_cli_conn **conn)
{
    if (!conn || !*conn)
        return;
    if ((*conn)->sock)
        zmq_close((*conn)->sock);
    if ((*conn)->mon)
        zmq_close((*conn)->mon);
    if ((*conn)->zctx)
        zmq_ctx_term((*conn)->zctx);
    free(*conn);
    *conn = NULL;
}

const char *sp_cli_socket_path(const struct sp_cli_conn *conn)
{
    return conn->path;
}

static int send_request(struct sp_cli_conn *c, const struct sp_ctl_request *req, bool quiet)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int err = sp_ctl_request_encode_alloc(req, &buf, &len);
    if (err) {
        if (!quiet)
            fprintf(stderr, "snijpunt: cannot encode the %s request: %s\n", sp_ctl_op_name(req->op),
                    sp_strerror(err));
        return err;
    }
    int rc = zmq_send(c->sock, "", 0, ZMQ_SNDMORE);
    if (rc == 0)
        rc = zmq_send(c->sock, buf, len, 0);
    free(buf);
    if (rc < 0) {
        if (!quiet)
            fprintf(stderr, "snijpunt: cannot send to snijpuntd at %s: %s\n", c->path,
                    zmq_strerror(errno));
        return SP_ERR_IO;
    }
    return 0;
}

static int recv_frame(struct sp_cli_conn *c, zmq_msg_t *m, bool *more, bool quiet)
{
    int v = 0;
    size_t sz = sizeof v;
    int err = wait_readable(c, quiet);
    if (err == SP_ERR_TIMEOUT && !quiet)
        fprintf(stderr,
                "snijpunt: cannot reach snijpuntd at %s: no reply in time: is it running?\n",
                c->path);
    if (err)
        return err;
    zmq_msg_init(m);
    if (zmq_msg_recv(m, c->sock, 0) < 0) {
        int e = errno;
        zmq_msg_close(m);
        if (!quiet)
            fprintf(stderr, "snijpunt: cannot reach snijpuntd at %s: %s: is it running?\n", c->path,
                    e == EAGAIN ? "no reply in time" : zmq_strerror(e));
        return e == EAGAIN ? SP_ERR_TIMEOUT : SP_ERR_IO;
    }
    *more = zmq_getsockopt(c->sock, ZMQ_RCVMORE, &v, &sz) == 0 && v;
    return 0;
}

/* Receives [empty][reply]; on success *m holds the reply frame. */
static int recv_reply(struct sp_cli_conn *c, zmq_msg_t *m, bool quiet)
{
    bool more = false;
    int err = recv_frame(c, m, &more, quiet);
    if (err)
        return err;
    bool delim_ok = more && zmq_msg_size(m) == 0;
    zmq_msg_close(m);
    while (!delim_ok && more) { /* drain a message of the wrong shape */
        if (recv_frame(c, m, &more, true) != 0)
            break;
        zmq_msg_close(m);
    }
    if (!delim_ok)
        return SP_ERR_PROTO_MALFORMED;
    if ((err = recv_frame(c, m, &more, quiet)) != 0)
        return err;
    if (more) {
        zmq_msg_close(m);
        return SP_ERR_PROTO_MALFORMED;
    }
    return 0;
}

static int call(struct sp_cli_conn *conn, const struct sp_ctl_request *req,
                struct sp_ctl_reply *rep, bool quiet, uint8_t **owned)
{
    zmq_msg_t m;
    int err = send_request(conn, req, quiet);
    if (!err)
        err = recv_reply(conn, &m, quiet);
    if (err == SP_ERR_PROTO_MALFORMED) {
        if (!quiet)
            fprintf(stderr, "snijpunt: reply from %s has the wrong envelope\n", conn->path);
        return err;
    }
    if (err)
        return err;
    const uint8_t *data = zmq_msg_data(&m);
    size_t size = zmq_msg_size(&m);
    if (owned && (*owned = malloc(size ? size : 1)) != NULL) {
        memcpy(*owned, data, size);
        data = *owned;
    } else if (owned) {
        err = SP_ERR_NOMEM;
    }
    if (!err)
        err = sp_ctl_reply_decode(data, size, rep);
    zmq_msg_close(&m);
    if (!err && rep->status == 0 && rep->op != req->op)
        err = SP_ERR_PROTO_FIELD;
    if (err && !quiet)
        fprintf(stderr, "snijpunt: garbled reply from snijpuntd at %s: %s\n", conn->path,
                sp_strerror(err));
    if (err) {
        sp_ctl_reply_clear(rep);
        if (owned) {
            free(*owned);
            *owned = NULL;
        }
    }
    return err;
}

int sp_cli_call(struct sp_cli_conn *conn, const struct sp_ctl_request *req,
                struct sp_ctl_reply *rep, bool quiet)
{
    return call(conn, req, rep, quiet, NULL);
}

int sp_cli_call_owned(struct sp_cli_conn *conn, const struct sp_ctl_request *req,
                      struct sp_ctl_reply *rep, bool quiet, uint8_t **owned)
{
    *owned = NULL;
    return call(conn, req, rep, quiet, owned);
}

int sp_cli_request_once(const struct sp_cli_target *t, const char *cmd, bool quiet,
                        const struct sp_ctl_request *req, struct sp_ctl_reply *rep)
{
    struct sp_cli_conn *conn = NULL;
    int err = sp_cli_connect(t, cmd, quiet, &conn);
    if (!err)
        err = sp_cli_call(conn, req, rep, quiet);
    sp_cli_close(&conn);
    return err;
}

bool sp_cli_reply_failed(const struct sp_ctl_reply *rep, const char *cmd)
{
    if (rep->status == 0)
        return false;
    fprintf(stderr, "snijpunt %s: %s\n", cmd,
            rep->message[0] ? rep->message : sp_strerror(rep->status));
    return true;
}

int sp_cli_round_id_print(const uint8_t id[SP_ROUND_ID_BYTES], bool json)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(id, hex);
    if (!json)
        return printf("%s\n", hex) < 0 || fflush(stdout) != 0 ? 1 : 0;
    struct sp_json j;
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "round", hex);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

void sp_cli_time_iso(uint64_t unix_s, char out[32])
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (unix_s == 0 || !gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "-");
}

void sp_cli_key_types_join(uint32_t mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        int w = snprintf(out + n, cap - n, "%s%s", n ? "+" : "", sp_key_type_name(t));
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    if (n == 0)
        snprintf(out, cap, "-");
}
