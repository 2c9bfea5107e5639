/* snijpunt identity: a node's identity key file — show its public keys, and
 * rotate its CURVE key (the key of its encrypted links), keeping its
 * signing key (the key of its audit chain). The procedure around a rotation
 * (certificate, peers, restart) is in docs/operations.md. */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/hex.h"
#include "crypto/identity.h"
#include "sys/keyfile.h"
#include "tools/cli_args.h"
#include "tools/cli_audit_io.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

#define PROG "snijpunt identity"

struct id_opts {
    const char *identity, *config;
    bool json, force, help;
    char path[PATH_MAX];
};

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt identity show   [--identity FILE | --config FILE] [--json]\n"
                 "       snijpunt identity rotate [--identity FILE | --config FILE] [--force] "
                 "[--json]\n\n"
                 "A node's identity key file (written by `snijpunt init`, mode 0600) holds its\n"
                 "signing key (Ed25519: the audit log, the certificate) and its CURVE key\n"
                 "(X25519: the encrypted links with its peers). The file is --identity, else\n"
                 "the `identity` line of --config, of $SNIJPUNT_CONFIG, or of\n"
                 "/etc/snijpunt/snijpuntd.conf. Run it as the daemon's user: the file must be\n"
                 "that user's.\n"
                 "show: the public key line the other nodes put in their [peer] section\n"
                 "  (public_key), and both keys in hex as `snijpunt ca show` prints them.\n"
                 "rotate: a fresh CURVE key; the signing key stays (the node's audit chain is\n"
                 "  verified with it). The previous file is kept as FILE.old (0600; delete it\n"
                 "  once the rotation is done), the new one replaces FILE atomically, and the\n"
                 "  public key line goes to the .pub file next to it and to standard output.\n"
                 "  The running node keeps its key until it is restarted. Then: a certificate\n"
                 "  for the new key (`snijpunt ca renew`), the peers' public_key, a restart\n"
                 "  (docs/operations.md).\n\n"
                 "  --identity FILE  the identity key file\n"
                 "  --config FILE    the node's configuration file (its `identity` line)\n"
                 "  --force          rotate: replace a FILE.old left by an earlier rotation\n"
                 "  --json           print the paths and keys as one JSON object\n\n"
                 "Exit status: 0 done, 1 failed (nothing changed), 2 usage.\n");
}

/* The key file: --identity, else the configuration's identity line. */
static int key_path(struct id_opts *o)
{
    if (o->identity)
        return snprintf(o->path, sizeof o->path, "%s", o->identity) < (int)sizeof o->path ? 0 : 1;
    const char *cfg = sp_cli_config_path(o->config);
    int err = sp_cli_config_value(cfg, "identity", o->path, sizeof o->path);
    if (err == SP_ERR_NOT_FOUND || err == SP_ERR_IO)
        fprintf(stderr, PROG ": cannot read %s: %s (give --identity FILE or --config FILE)\n", cfg,
                strerror(errno));
    else if (err)
        fprintf(stderr, PROG ": %s has no usable `identity = FILE` line\n", cfg);
    return err ? 1 : 0;
}

/* Reads the key file; the text stays in guarded memory (*text, *len) for
 * the caller to keep as FILE.old, or NULL to wipe it at once. */
static int read_identity(const char *path, struct sp_identity **id, char **text, size_t *len)
{
    char *buf = NULL, why[512];
    size_t n = 0;
    int err = sp_keyfile_read(path, &buf, &n);
    if (err) {
        fprintf(stderr, PROG ": %s\n", sp_keyfile_explain(why, sizeof why, path, err));
        return 1;
    }
    err = sp_identity_decode(buf, n, id);
    if (err)
        fprintf(stderr, PROG ": %s: %s\n", path, sp_strerror(err));
    if (err || !text) {
        sp_keyfile_buf_free(&buf, n);
    } else {
        *text = buf;
        *len = n;
    }
    return err ? 1 : 0;
}

/* The public key line (without its newline) and both keys in hex. */
struct pub_text {
    char line[SP_IDENTITY_PUBLIC_TEXT_MAX_BYTES];
    char sign[2 * SP_SIGN_PUBLIC_BYTES + 1], curve[2 * SP_CURVE_PUBLIC_BYTES + 1];
};

static int public_text(const struct sp_identity *id, struct pub_text *t)
{
    struct sp_identity_public p;
    size_t n = 0;
    sp_identity_public(id, &p);
    if (sp_identity_public_encode(&p, t->line, sizeof t->line, &n) != 0)
        return 1;
    while (n && t->line[n - 1] == '\n')
        t->line[--n] = '\0';
    sp_hex_encode(t->sign, p.sign_pk, sizeof p.sign_pk);
    sp_hex_encode(t->curve, p.curve_pk, sizeof p.curve_pk);
    return 0;
}

static int print_json(const char *path, const struct pub_text *t, const char *previous,
                      const char *pubfile)
{
    struct sp_json j;
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "identity", path);
    sp_json_str(&j, "public_key", t->line);
    sp_json_str(&j, "signing_key", t->sign);
    sp_json_str(&j, "curve_key", t->curve);
    if (previous) {
        sp_json_str(&j, "previous", previous);
        sp_json_str(&j, "public_file", pubfile);
    }
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

static int id_show(const struct id_opts *o)
{
    struct sp_identity *id = NULL;
    struct pub_text t;
    if (read_identity(o->path, &id, NULL, NULL) != 0)
        return 1;
    int rc = public_text(id, &t);
    sp_identity_free(&id);
    if (rc)
        return 1;
    if (o->json)
        return print_json(o->path, &t, NULL, NULL);
    printf("identity:      %s\npublic key:    %s\nsigning key:   %s\nCURVE key:     %s\n", o->path,
           t.line, t.sign, t.curve);
    return 0;
}

/* FILE.pub for FILE.key, else FILE + ".pub" (as `snijpunt init` names it). */
static void pub_path(const char *key, char *out, size_t cap)
{
    size_t n = strlen(key);
    if (n > 4 && strcmp(key + n - 4, ".key") == 0)
        snprintf(out, cap, "%.*s.pub", (int)(n - 4), key);
    else
        snprintf(out, cap, "%s.pub", key);
}

/* Keeps the old text as FILE.old, then puts the new identity in place. */
static int write_rotation(const struct id_opts *o, const char *old, size_t old_len,
                          const struct sp_identity *next, const char *old_path)
{
    char *secret = sodium_malloc(SP_IDENTITY_TEXT_MAX_BYTES), why[512];
    size_t len = 0;
    const char *failed = old_path;
    int err = secret ? sp_keyfile_write(old_path, old, old_len, o->force) : SP_ERR_NOMEM;
    if (!err) {
        failed = o->path;
        err = sp_identity_encode(next, secret, SP_IDENTITY_TEXT_MAX_BYTES, &len);
    }
    if (!err)
        err = sp_keyfile_write(o->path, secret, len, 1);
    if (secret)
        sodium_free(secret); /* wipes */
    if (err == SP_ERR_EXISTS && failed == old_path)
        fprintf(stderr,
                PROG ": %s exists (an earlier rotation): delete it once that rotation is "
                     "done, or give --force\n",
                old_path);
    else if (err)
        fprintf(stderr, PROG ": %s\n", sp_keyfile_explain(why, sizeof why, failed, err));
    return err ? 1 : 0;
}

static void print_next(const struct id_opts *o, const char *pubfile, const struct pub_text *t)
{
    fprintf(stderr,
            PROG ": new CURVE key in %s (the previous file is %s.old); the signing key is "
                 "unchanged. The running node uses the old key until it is restarted.\n"
                 "Next (docs/operations.md, \"Rotating a node's CURVE key\"):\n"
                 "  1. a certificate for the new key, at the federation CA:\n"
                 "       snijpunt ca renew --dir CA --cert NODE.crt --identity-public %s "
                 "--out NODE.crt --force\n"
                 "  2. on every peer: public_key = %s in this node's [peer] section, the new\n"
                 "     certificate in its cert_dir, then SIGHUP (systemctl reload snijpuntd)\n"
                 "  3. here: the new certificate as node_cert, then restart snijpuntd\n",
            o->path, o->path, pubfile, t->line);
}

static int id_rotate(const struct id_opts *o)
{
    struct sp_identity *id = NULL, *next = NULL;
    struct pub_text t;
    char *old = NULL, old_path[PATH_MAX + 8], pubfile[PATH_MAX + 8], line[sizeof t.line + 1];
    size_t old_len = 0;
    int rc = 1;
    if (snprintf(old_path, sizeof old_path, "%s.old", o->path) >= (int)sizeof old_path)
        return 1;
    pub_path(o->path, pubfile, sizeof pubfile);
    if (read_identity(o->path, &id, &old, &old_len) != 0)
        return 1;
    if (sp_identity_rotate_curve(id, &next) == 0 && public_text(next, &t) == 0)
        rc = write_rotation(o, old, old_len, next, old_path);
    else
        fprintf(stderr, PROG ": cannot make a new key\n");
    sp_keyfile_buf_free(&old, old_len);
    sp_identity_free(&id);
    sp_identity_free(&next);
    if (rc)
        return 1;
    snprintf(line, sizeof line, "%s\n", t.line);
    if (sp_cliaudit_write(PROG, pubfile, line, strlen(line), 0644, true) != 0)
        fprintf(stderr, PROG ": warning: the public key line is not in %s\n", pubfile);
    if (o->json)
        return print_json(o->path, &t, old_path, pubfile);
    printf("%s\n", t.line);
    print_next(o, pubfile, &t);
    return 0;
}

static int identity_main(int argc, char **argv)
{
    static const struct option opts[] = {{"identity", required_argument, NULL, 'i'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"force", no_argument, NULL, 'f'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         {NULL, 0, NULL, 0}};
    struct id_opts o = {0};
    int rc = sp_cli_subcommand_help(argc, argv, usage);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    const char *sub = argv[1];
    const char **value[] = {['i'] = &o.identity, ['c'] = &o.config};
    bool *flag[] = {['f'] = &o.force};
    const struct sp_cli_options spec = {.cmd = "identity",
                                        .table = opts,
                                        .usage = usage,
                                        .json = &o.json,
                                        .help = &o.help,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag)};
    if (sp_cli_parse_options(argc - 1, argv + 1, &spec) != SP_CLI_CONTINUE)
        return SP_CLI_EXIT_USAGE;
    if (o.help) {
        usage(stdout);
        return 0;
    }
    bool show = strcmp(sub, "show") == 0, rotate = strcmp(sub, "rotate") == 0;
    if (!show && !rotate)
        return sp_cli_unknown_subcommand(PROG, sub, usage);
    if (o.identity && o.config) {
        fprintf(stderr, PROG ": give --identity or --config, not both\n");
        return SP_CLI_EXIT_USAGE;
    }
    if (show && o.force) {
        fprintf(stderr, PROG " show: --force is only for rotate\n");
        return SP_CLI_EXIT_USAGE;
    }
    if (sp_cli_sodium_init(PROG) != 0 || key_path(&o) != 0)
        return 1;
    return show ? id_show(&o) : id_rotate(&o);
}

const struct sp_cmd sp_cmd_identity = {
    .name = "identity",
    .summary = "the node's identity key: show its public keys, rotate its CURVE key",
    .run = identity_main,
};
