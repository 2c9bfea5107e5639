/* snijpunt init: create a node — a fresh identity key file (mode 0600), a
 * configuration file, and the node's public key text, printed for the other
 * nodes' [peer] sections. */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/group.h"
#include "crypto/identity.h"
#include "sys/keyfile.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

#define SOCKET_PATH_MAX 100 /* the daemon's limit (sun_path) */

struct init_opts {
    const char *node, *listen, *dir, *config, *identity, *state_dir, *socket;
    const char *log_level;
    bool force, json;
    /* Resolved absolute paths. */
    char cfg_path[PATH_MAX], key_path[PATH_MAX], state_path[PATH_MAX], sock_path[PATH_MAX];
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: snijpunt init --node NAME --listen tcp://HOST:PORT [--dir DIR] [options]\n\n"
            "Creates a node: an identity key file (mode 0600), a configuration file, and\n"
            "prints the node's public key (one line) for the other nodes' configurations:\n"
            "  [peer NAME]\n  endpoint = tcp://HOST:PORT\n  public_key = <the printed line>\n\n"
            "  --node NAME          node name: a-z, 0-9 and '-', at most 64\n"
            "  --listen ENDPOINT    where peers reach this node (tcp://HOST:PORT)\n"
            "  --dir DIR            put everything in DIR (created 0700): snijpuntd.conf,\n"
            "                       identity.key, identity.pub, state/, control.sock\n"
            "  --config FILE        configuration file (default /etc/snijpunt/snijpuntd.conf)\n"
            "  --identity FILE      identity key file (default /etc/snijpunt/identity.key)\n"
            "  --state-dir DIR      state directory (default /var/lib/snijpunt)\n"
            "  --control-socket P   control socket (default /run/snijpunt/control.sock)\n"
            "  --log-level LEVEL    error, warn, info (default) or debug\n"
            "  --force              overwrite an existing configuration and key file\n"
            "  --json               print the paths and the public key as JSON\n\n"
            "Exit status: 0 created, 1 failed (nothing is left half-written), 2 usage.\n");
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* Makes path absolute against the current directory (the file may not exist
 * yet, so no realpath). */
static int absolute(const char *path, char *out, size_t cap)
{
    char cwd[PATH_MAX];
    int n;
    if (path[0] == '/')
        n = snprintf(out, cap, "%s", path);
    else if (getcwd(cwd, sizeof cwd))
        n = snprintf(out, cap, "%s/%s", cwd, path);
    else
        return -1;
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* mkdir -p with mode 0700 for every directory created. */
static int make_dirs(const char *dir)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return errno = ENAMETOOLONG, -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return (mkdir(p, 0700) != 0 && errno != EEXIST) ? -1 : 0;
}

/* The path of one item: the explicit option, else DIR/file, else dflt. */
static int pick(const char *opt, const char *dir, const char *file, const char *dflt, char *out)
{
    char tmp[PATH_MAX];
    if (opt)
        return absolute(opt, out, PATH_MAX);
    if (!dir)
        return absolute(dflt, out, PATH_MAX);
    int n = snprintf(tmp, sizeof tmp, "%s/%s", dir, file);
    return (n < 0 || (size_t)n >= sizeof tmp) ? -1 : absolute(tmp, out, PATH_MAX);
}

static int resolve(struct init_opts *o)
{
    char base[PATH_MAX];
    const char *d = NULL;
    if (o->dir) {
        if (make_dirs(o->dir) != 0) {
            fprintf(stderr, "snijpunt init: cannot create %s: %s\n", o->dir, strerror(errno));
            return -1;
        }
        if (absolute(o->dir, base, sizeof base) != 0)
            return -1;
        d = base;
    }
    if (pick(o->config, d, "snijpuntd.conf", "/etc/snijpunt/snijpuntd.conf", o->cfg_path) ||
        pick(o->identity, d, "identity.key", "/etc/snijpunt/identity.key", o->key_path) ||
        pick(o->state_dir, d, "state", "/var/lib/snijpunt", o->state_path) ||
        pick(o->socket, d, "control.sock", "/run/snijpunt/control.sock", o->sock_path)) {
        fprintf(stderr, "snijpunt init: a path is too long\n");
        return -1;
    }
    if (strlen(o->sock_path) > SOCKET_PATH_MAX) {
        fprintf(stderr,
                "snijpunt init: control socket path %s is longer than %d bytes; choose a "
                "shorter one with --control-socket\n",
                o->sock_path, SOCKET_PATH_MAX);
        return -1;
    }
    return 0;
}

/* Writes text to path atomically (temporary file, rename) with mode. */
static int write_file(const char *path, const char *text, mode_t mode, bool overwrite)
{
    char tmp[PATH_MAX + 16];
    struct stat st;
    if (!overwrite && lstat(path, &st) == 0)
        return errno = EEXIST, -1;
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return errno = ENAMETOOLONG, -1;
    FILE *f = fopen(tmp, "wxe");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0 && fchmod(fileno(f), mode) == 0 && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return errno = e, -1;
    }
    return 0;
}

static int write_config(const struct init_opts *o)
{
    char text[4 * PATH_MAX + 1024], date[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&now, &tm));
    int n = snprintf(text, sizeof text,
                     "# snijpuntd configuration of node %s, written by `snijpunt init` on %s.\n"
                     "# Format: snijpuntd.conf(5). Check it with: snijpuntd --config FILE --check\n"
                     "node = %s\n"
                     "listen = %s\n"
                     "state_dir = %s\n"
                     "identity = %s\n"
                     "control_socket = %s\n"
                     "log_level = %s\n"
                     "round_deadline = 600\n"
                     "\n"
                     "# Federation membership: send identity.pub to the federation CA, which\n"
                     "# returns this node's certificate (docs/governance.md):\n"
                     "# ca_cert = /etc/snijpunt/pki/ca.crt\n"
                     "# crl = /etc/snijpunt/pki/crl.pem\n"
                     "# node_cert = /etc/snijpunt/pki/%s.crt\n"
                     "# cert_dir = /etc/snijpunt/pki/peers\n"
                     "# Local policy (snijpuntd.conf(5)): accept_coordinator, accept_purpose,\n"
                     "# accept_legal_basis, accept_key_types, accept_modes, accept_min_holders,\n"
                     "# accept_max_set_size, accept_max_retention_days, may_count,\n"
                     "# counts_suppress_below.\n"
                     "\n"
                     "# One section per other node of the federation:\n"
                     "# [peer NAME]\n"
                     "# endpoint = tcp://HOST:PORT\n"
                     "# public_key = <the line `snijpunt init` printed on that node>\n",
                     o->node, date, o->node, o->listen, o->state_path, o->key_path, o->sock_path,
                     o->log_level ? o->log_level : "info", o->node);
    if (n < 0 || (size_t)n >= sizeof text)
        return errno = ENAMETOOLONG, -1;
    return write_file(o->cfg_path, text, 0640, o->force);
}

/* Generates the identity, writes the key file and returns the public text. */
static int make_identity(const struct init_opts *o, char *pub, size_t pub_cap)
{
    struct sp_identity *id = NULL;
    struct sp_identity_public p;
    char *secret = sodium_malloc(SP_IDENTITY_TEXT_MAX_BYTES);
    size_t len = 0, plen = 0;
    int err = secret ? sp_identity_generate(&id) : SP_ERR_NOMEM;
    if (!err)
        err = sp_identity_encode(id, secret, SP_IDENTITY_TEXT_MAX_BYTES, &len);
    if (!err) {
        sp_identity_public(id, &p);
        err = sp_identity_public_encode(&p, pub, pub_cap, &plen);
    }
    if (!err)
        err = sp_keyfile_write(o->key_path, secret, len, o->force);
    if (err) {
        char why[512];
        fprintf(stderr, "snijpunt init: %s\n",
                sp_keyfile_explain(why, sizeof why, o->key_path, err));
    }
    if (secret)
        sodium_free(secret); /* sodium_free wipes */
    sp_identity_free(&id);
    while (plen && (pub[plen - 1] == '\n'))
        pub[--plen] = '\0';
    return err;
}

static int print_result(const struct init_opts *o, const char *pub)
{
    if (!o->json) {
        printf("%s\n", pub);
        fprintf(stderr,
                "snijpunt init: node %s created\n  config:   %s\n  identity: %s (mode 0600)\n"
                "Give the other nodes this section for their configuration:\n"
                "  [peer %s]\n  endpoint = %s\n  public_key = %s\n"
                "Start it with: snijpuntd --config %s\n",
                o->node, o->cfg_path, o->key_path, o->node, o->listen, pub, o->cfg_path);
        if (strcmp(o->cfg_path, SP_CLI_DEFAULT_CONFIG) != 0)
            fprintf(stderr, "Let snijpunt find it without --config: export SNIJPUNT_CONFIG=%s\n",
                    o->cfg_path);
        return 0;
    }
    struct sp_json j;
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "node", o->node);
    sp_json_str(&j, "listen", o->listen);
    sp_json_str(&j, "config", o->cfg_path);
    sp_json_str(&j, "identity", o->key_path);
    sp_json_str(&j, "state_dir", o->state_path);
    sp_json_str(&j, "control_socket", o->sock_path);
    sp_json_str(&j, "public_key", pub);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

static int create(struct init_opts *o)
{
    char pub[SP_IDENTITY_PUBLIC_TEXT_MAX_BYTES], pubfile[PATH_MAX + 8], line[256];
    struct stat st;
    if (!o->force && (lstat(o->cfg_path, &st) == 0 || lstat(o->key_path, &st) == 0)) {
        fprintf(stderr, "snijpunt init: %s already exists (use --force to replace the node)\n",
                lstat(o->cfg_path, &st) == 0 ? o->cfg_path : o->key_path);
        return 1;
    }
    if (sp_crypto_init() != 0 || make_identity(o, pub, sizeof pub) != 0)
        return 1;
    if (write_config(o) != 0) {
        fprintf(stderr, "snijpunt init: cannot write %s: %s\n", o->cfg_path, strerror(errno));
        unlink(o->key_path); /* nothing half-made stays behind */
        return 1;
    }
    snprintf(pubfile, sizeof pubfile, "%s.pub", o->key_path);
    if (strlen(o->key_path) > 4 && strcmp(o->key_path + strlen(o->key_path) - 4, ".key") == 0)
        snprintf(pubfile, sizeof pubfile, "%.*s.pub", (int)strlen(o->key_path) - 4, o->key_path);
    snprintf(line, sizeof line, "%s\n", pub);
    if (write_file(pubfile, line, 0644, true) != 0)
        fprintf(stderr, "snijpunt init: warning: cannot write %s: %s\n", pubfile, strerror(errno));
    if (mkdir(o->state_path, 0700) != 0 && errno != EEXIST)
        fprintf(stderr, "snijpunt init: warning: cannot create %s: %s (snijpuntd creates it)\n",
                o->state_path, strerror(errno));
    return print_result(o, pub);
}

/* Checks the options before anything is written. Prints the problem and
 * returns 2 (usage error), or 0. */
static int validate(const struct init_opts *o)
{
    if (!o->node || !o->listen) {
        fprintf(stderr, "snijpunt init: --node and --listen are required\n");
        return 2;
    }
    if (!name_ok(o->node)) {
        fprintf(stderr, "snijpunt init: node name may contain only a-z, 0-9 and '-' (1 to 64)\n");
        return 2;
    }
    if (strncmp(o->listen, "tcp://", 6) != 0 && strncmp(o->listen, "ipc://", 6) != 0) {
        fprintf(stderr, "snijpunt init: --listen must be tcp://HOST:PORT\n");
        return 2;
    }
    if (o->log_level && strcmp(o->log_level, "error") && strcmp(o->log_level, "warn") &&
        strcmp(o->log_level, "info") && strcmp(o->log_level, "debug")) {
        fprintf(stderr, "snijpunt init: --log-level must be error, warn, info or debug\n");
        return 2;
    }
    return 0;
}

static int init_main(int argc, char **argv)
{
    static const struct option opts[] = {{"node", required_argument, NULL, 'n'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"dir", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"identity", required_argument, NULL, 'i'},
                                         {"state-dir", required_argument, NULL, 's'},
                                         {"control-socket", required_argument, NULL, 'S'},
                                         {"log-level", required_argument, NULL, 'L'},
                                         {"force", no_argument, NULL, 'f'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         {NULL, 0, NULL, 0}};
    struct init_opts o;
    memset(&o, 0, sizeof o);
    const char **value[] = {
        ['n'] = &o.node,     ['l'] = &o.listen,    ['d'] = &o.dir,    ['c'] = &o.config,
        ['i'] = &o.identity, ['s'] = &o.state_dir, ['S'] = &o.socket, ['L'] = &o.log_level};
    bool *flag[] = {['f'] = &o.force};
    const struct sp_cli_options spec = {.cmd = "init",
                                        .table = opts,
                                        .usage = usage,
                                        .json = &o.json,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag)};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (validate(&o) != 0)
        return 2;
    if (resolve(&o) != 0)
        return 1;
    return create(&o);
}

const struct sp_cmd sp_cmd_init = {
    .name = "init",
    .summary = "create a node: identity key, configuration, public key for peers",
    .run = init_main,
};
