/* snijpunt ca: the federation CA — create it, issue node and coordinator
 * certificates, revoke them, publish revocation lists, show a certificate.
 *
 * A CA directory holds:
 *   ca.key        the CA's Ed25519 key, PKCS#8 PEM, mode 0600
 *   ca.crt        the CA certificate (give it to every node and auditor)
 *   issued/       a copy of every certificate issued, as <serial>.crt
 *   revoked.txt   "<serial> <unix time>" per revoked certificate
 *   crlnumber     the number of the next CRL
 * Serial numbers are 16 hex digits, as `openssl x509 -serial` prints them. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "common/hex.h"
#include "crypto/identity.h"
#include "pki/ca.h"
#include "pki/cert.h"
#include "pki/oin.h"
#include "sys/keyfile.h"
#include "tools/cli_args.h"
#include "tools/cli_audit_io.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

#define PROG        "snijpunt ca"
#define DAY         INT64_C(86400)
#define MAX_REVOKED SP_PKI_CRL_MAX_ENTRIES

struct ca_opts {
    const char *dir, *org, *oin, *name, *role, *identity_public, *key_out, *out, *cert;
    long days;
    bool force, help, json;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: snijpunt ca init   --dir DIR --org NAME --oin OIN [--name CN] [--days N]\n"
            "       snijpunt ca issue  --dir DIR --role node|coordinator --name NAME --org ORG\n"
            "                          --oin OIN (--identity-public FILE | --key-out FILE)\n"
            "                          [--days N] --out FILE.crt [--force]\n"
            "       snijpunt ca renew  --dir DIR --cert FILE.crt [--identity-public FILE]\n"
            "                          [--days N] --out FILE.crt [--force] [--json]\n"
            "       snijpunt ca revoke --dir DIR (SERIAL | --cert FILE)\n"
            "       snijpunt ca crl    --dir DIR --out crl.pem [--days N]\n"
            "       snijpunt ca show   FILE.crt [--json]\n\n"
            "The federation CA (Ed25519 X.509). init creates DIR (0700) with ca.key (0600)\n"
            "and ca.crt. issue certifies a node (its name, organisation and OIN, and the\n"
            "two public keys in the node's identity.pub) or a coordinator (the signing key\n"
            "of --identity-public, or a new identity written to --key-out, mode 0600).\n"
            "renew issues a new certificate to the holder of one this CA issued (same role,\n"
            "name, organisation and OIN) for its keys, or for those in --identity-public\n"
            "after a key rotation (`snijpunt identity rotate`); the old one stays valid until\n"
            "it expires or is revoked (--json: the new serial and validity as JSON).\n"
            "revoke records a serial; crl signs the list of revoked serials (valid --days,\n"
            "default 30; nodes refuse a stale list). show prints what a certificate says\n"
            "(--json: as one JSON object) without verifying it.\n\n"
            "  --days N   validity: CA 3650 (default), certificates 730 (default, at most\n"
            "             until the CA expires)\n"
            "Exit status: 0 done, 1 failed, 2 usage.\n");
}

static void when_iso(int64_t t, char *out, size_t cap);

static int days_option(void *ctx, int id, const char *arg)
{
    struct ca_opts *o = ctx;
    char *end = NULL;
    if (id != 'D')
        return SP_CLI_OPT_UNKNOWN;
    errno = 0;
    o->days = strtol(arg, &end, 10);
    if (errno || *end || o->days < 1 || o->days > 36500) {
        fprintf(stderr, PROG ": --days must be 1..36500\n");
        return SP_CLI_EXIT_USAGE;
    }
    return 0;
}

/* Any usage error returns SP_CLI_EXIT_USAGE with usage not yet printed. */
static int parse_opts(int argc, char **argv, struct ca_opts *o)
{
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                             {"org", required_argument, NULL, 'o'},
                                             {"oin", required_argument, NULL, 'i'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"role", required_argument, NULL, 'r'},
                                             {"identity-public", required_argument, NULL, 'p'},
                                             {"key-out", required_argument, NULL, 'k'},
                                             {"out", required_argument, NULL, 'O'},
                                             {"cert", required_argument, NULL, 'c'},
                                             {"days", required_argument, NULL, 'D'},
                                             {"force", no_argument, NULL, 'f'},
                                             SP_CLI_JSON_OPTION,
                                             SP_CLI_HELP_OPTION,
                                             {NULL, 0, NULL, 0}};
    const char **slot[] = {['d'] = &o->dir,     ['o'] = &o->org,  ['i'] = &o->oin,
                           ['n'] = &o->name,    ['r'] = &o->role, ['p'] = &o->identity_public,
                           ['k'] = &o->key_out, ['O'] = &o->out,  ['c'] = &o->cert};
    bool *flag[] = {['f'] = &o->force};
    const struct sp_cli_options spec = {.cmd = "ca",
                                        .table = longopts,
                                        .help = &o->help,
                                        .json = &o->json,
                                        SP_CLI_STRINGS(slot),
                                        SP_CLI_FLAGS(flag),
                                        .operands = SP_CLI_OPERANDS_ANY,
                                        .option = days_option,
                                        .ctx = o};
    return sp_cli_parse_options(argc, argv, &spec);
}

static int path_in(char *out, size_t cap, const char *dir, const char *file)
{
    int n = snprintf(out, cap, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, PROG ": %s: path too long\n", dir);
        return -1;
    }
    return 0;
}

static int check_oin(const char *oin)
{
    const char *why = NULL;
    if (sp_pki_oin_check(oin, strlen(oin), &why) != 0) {
        fprintf(stderr, PROG ": --oin: %s\n", why);
        return -1;
    }
    return 0;
}

static void when(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&tt, &tm));
}

/* A fresh random serial (1..2^63-1) not yet used in DIR/issued. */
static int new_serial(const char *dir, uint64_t *out)
{
    for (int tries = 0; tries < 16; tries++) {
        uint64_t s = 0;
        char name[64], path[PATH_MAX];
        struct stat st;
        randombytes_buf(&s, sizeof(s));
        s &= (uint64_t)INT64_MAX;
        snprintf(name, sizeof(name), "issued/%016" PRIX64 ".crt", s);
        if (s == 0 || path_in(path, sizeof(path), dir, name) != 0)
            continue;
        if (lstat(path, &st) != 0 && errno == ENOENT) {
            *out = s;
            return 0;
        }
    }
    fprintf(stderr, PROG ": no free serial number\n");
    return -1;
}

/* Writes DIR/ca.key (0600, via sys/keyfile) from guarded memory. */
static int write_ca_key(const struct sp_pki_ca *ca, const char *path)
{
    char *key = sodium_malloc(SP_PKI_CA_KEY_PEM_BYTES + 1), msg[512];
    size_t len = 0;
    int err = key ? sp_pki_ca_key_pem(ca, key, SP_PKI_CA_KEY_PEM_BYTES + 1, &len) : SP_ERR_NOMEM;
    if (err == 0)
        err = sp_keyfile_write(path, key, len, 0);
    sodium_free(key); /* wipes */
    if (err != 0)
        fprintf(stderr, PROG ": %s\n", sp_keyfile_explain(msg, sizeof(msg), path, err));
    return err == 0 ? 0 : -1;
}

static void print_ca(const struct sp_pki_ca *ca, const char *crt_path, const char *key_path)
{
    struct sp_pki_cert_info info;
    char until[64], fp[2 * SP_PKI_SHA256_BYTES + 1];
    sp_pki_ca_info(ca, &info);
    when(info.not_after, until, sizeof(until));
    sp_hex_encode(fp, info.fingerprint, sizeof(info.fingerprint));
    printf("CA created: %s (valid until %s)\n  key %s (mode 0600; keep it offline)\n"
           "  SHA-256 fingerprint %s\n",
           crt_path, until, key_path, fp);
}

static int ca_init(const struct ca_opts *o)
{
    char key_path[PATH_MAX], crt_path[PATH_MAX], issued[PATH_MAX], pem[SP_PKI_CERT_PEM_MAX];
    if (!o->dir || !o->org || !o->oin) {
        fprintf(stderr, PROG " init: --dir, --org and --oin are required\n");
        return 2;
    }
    if (check_oin(o->oin) != 0)
        return 1;
    if (path_in(key_path, sizeof(key_path), o->dir, "ca.key") ||
        path_in(crt_path, sizeof(crt_path), o->dir, "ca.crt") ||
        path_in(issued, sizeof(issued), o->dir, "issued"))
        return 1;
    if ((mkdir(o->dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(issued, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, PROG ": cannot create %s: %s\n", o->dir, strerror(errno));
        return 1;
    }
    int64_t now = (int64_t)time(NULL);
    uint64_t serial = 0;
    struct sp_pki_subject s = {o->name ? o->name : "snijpunt federation CA", o->org, o->oin, 0, now,
                               now + (o->days ? o->days : 3650) * DAY};
    struct sp_pki_ca *ca = NULL;
    size_t len = 0;
    if (new_serial(o->dir, &serial) != 0)
        return 1;
    s.serial = serial;
    int err = sp_pki_ca_create(&s, NULL, &ca);
    if (err == 0)
        err = sp_pki_ca_cert_pem(ca, pem, sizeof(pem), &len);
    if (err != 0) {
        fprintf(stderr, PROG " init: %s (check --name and --org: 1..64 bytes of text)\n",
                sp_strerror(err));
        sp_pki_ca_free(&ca);
        return 1;
    }
    int rc = write_ca_key(ca, key_path) == 0 &&
                     sp_cliaudit_write(PROG, crt_path, pem, len, 0644, false) == 0
                 ? 0
                 : 1;
    if (rc == 0)
        print_ca(ca, crt_path, key_path);
    sp_pki_ca_free(&ca);
    return rc;
}

static int load_ca(const char *dir, struct sp_pki_ca **ca)
{
    char key_path[PATH_MAX], crt_path[PATH_MAX], *crt = NULL, *key = NULL, msg[512];
    size_t crt_len = 0, key_len = 0;
    if (path_in(key_path, sizeof(key_path), dir, "ca.key") ||
        path_in(crt_path, sizeof(crt_path), dir, "ca.crt") ||
        sp_cliaudit_read(PROG, crt_path, SP_PKI_CERT_MAX_BYTES, &crt, &crt_len) != 0)
        return -1;
    int err = sp_keyfile_read(key_path, &key, &key_len);
    if (err != 0) {
        fprintf(stderr, PROG ": %s\n", sp_keyfile_explain(msg, sizeof(msg), key_path, err));
        free(crt);
        return -1;
    }
    err = sp_pki_ca_load(crt, crt_len, key, key_len, ca);
    sp_keyfile_buf_free(&key, key_len);
    free(crt);
    if (err != 0)
        fprintf(stderr, PROG ": %s: %s\n", dir, sp_strerror(err));
    return err == 0 ? 0 : -1;
}

/* The keys to certify: a node's two public keys from its identity.pub, a
 * coordinator's signing key from --identity-public, or a new coordinator
 * identity written to --key-out. */
static int subject_keys(const struct ca_opts *o, int role, struct sp_identity_public *pub)
{
    char *text = NULL, msg[512];
    size_t len = 0;
    if (o->identity_public) {
        if (sp_cliaudit_read(PROG, o->identity_public, 4096, &text, &len) != 0)
            return -1;
        int err = sp_identity_public_decode(text, len, pub);
        free(text);
        if (err != 0)
            fprintf(stderr, PROG ": %s: not a public key line (snijpunt-public-v1:...)\n",
                    o->identity_public);
        return err == 0 ? 0 : -1;
    }
    if (role != SP_PKI_ROLE_COORDINATOR || !o->key_out) {
        fprintf(stderr, PROG " issue: %s\n",
                role == SP_PKI_ROLE_NODE ? "a node needs --identity-public (its identity.pub)"
                                         : "give --identity-public FILE or --key-out FILE");
        return -1;
    }
    struct sp_identity *id = NULL;
    char *secret = sodium_malloc(SP_IDENTITY_TEXT_MAX_BYTES);
    int err = secret ? sp_identity_generate(&id) : SP_ERR_NOMEM;
    if (err == 0)
        err = sp_identity_encode(id, secret, SP_IDENTITY_TEXT_MAX_BYTES, &len);
    if (err == 0)
        err = sp_keyfile_write(o->key_out, secret, len, o->force);
    if (err == 0)
        sp_identity_public(id, pub);
    else
        fprintf(stderr, PROG ": %s\n", sp_keyfile_explain(msg, sizeof(msg), o->key_out, err));
    sodium_free(secret);
    sp_identity_free(&id);
    return err == 0 ? 0 : -1;
}

static int issue_check_opts(const struct ca_opts *o, int *role)
{
    if (!o->dir || !o->role || !o->name || !o->org || !o->oin || !o->out) {
        fprintf(stderr, PROG " issue: --dir, --role, --name, --org, --oin and --out are "
                             "required\n");
        return 2;
    }
    *role = sp_pki_role_from_name(o->role);
    if (*role == 0) {
        fprintf(stderr, PROG " issue: --role must be node or coordinator\n");
        return 2;
    }
    if (!sp_pki_name_valid(*role, o->name, strlen(o->name))) {
        fprintf(stderr, PROG " issue: --name: %s\n",
                *role == SP_PKI_ROLE_NODE ? "a node name is a-z, 0-9 and '-', at most 64"
                                          : "1..64 bytes of text without control characters");
        return 1;
    }
    return check_oin(o->oin) == 0 ? 0 : 1;
}

static int issue_write(const struct ca_opts *o, const char *pem, size_t len, uint64_t serial)
{
    char name[64], path[PATH_MAX];
    snprintf(name, sizeof(name), "issued/%016" PRIX64 ".crt", serial);
    if (path_in(path, sizeof(path), o->dir, name) != 0 ||
        sp_cliaudit_write(PROG, path, pem, len, 0644, false) != 0 ||
        sp_cliaudit_write(PROG, o->out, pem, len, 0644, o->force) != 0)
        return -1;
    return 0;
}

/* Until when a certificate issued now is valid: --days (default 730), at
 * most until the CA expires. */
static int validity(const struct ca_opts *o, const struct sp_pki_ca *ca, int64_t *end)
{
    struct sp_pki_cert_info ca_info;
    int64_t now = (int64_t)time(NULL);
    sp_pki_ca_info(ca, &ca_info);
    *end = now + (o->days ? o->days : 730) * DAY;
    if (*end > ca_info.not_after)
        *end = ca_info.not_after;
    if (*end <= now) {
        fprintf(stderr, PROG ": the CA has expired\n");
        return -1;
    }
    return 0;
}

/* Certifies pub as who (role, name, org, oin) until end, under a fresh
 * serial, and writes the certificate to --out and DIR/issued. */
static int certify(const struct ca_opts *o, const struct sp_pki_ca *ca,
                   const struct sp_pki_cert_info *who, const struct sp_identity_public *pub,
                   int64_t end, uint64_t *serial)
{
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    if (new_serial(o->dir, serial) != 0)
        return -1;
    struct sp_pki_subject s = {who->name, who->org, who->oin, *serial, (int64_t)time(NULL), end};
    int err = sp_pki_ca_issue(ca, who->role, &s, pub->sign_pk,
                              who->role == SP_PKI_ROLE_NODE ? pub->curve_pk : NULL, pem,
                              sizeof(pem), &len);
    if (err != 0) {
        fprintf(stderr, PROG ": %s\n", sp_strerror(err));
        return -1;
    }
    return issue_write(o, pem, len, *serial);
}

static int ca_issue(const struct ca_opts *o)
{
    struct sp_pki_cert_info who = {0};
    int role = 0, rc = issue_check_opts(o, &role);
    if (rc != 0)
        return rc;
    struct sp_pki_ca *ca = NULL;
    struct sp_identity_public pub;
    char until[64];
    int64_t end = 0;
    uint64_t serial = 0;
    if (load_ca(o->dir, &ca) != 0)
        return 1;
    who.role = role;
    snprintf(who.name, sizeof(who.name), "%s", o->name);
    snprintf(who.org, sizeof(who.org), "%s", o->org);
    snprintf(who.oin, sizeof(who.oin), "%s", o->oin);
    rc = validity(o, ca, &end) == 0 && subject_keys(o, role, &pub) == 0 &&
                 certify(o, ca, &who, &pub, end, &serial) == 0
             ? 0
             : 1;
    if (rc == 0) {
        when(end, until, sizeof(until));
        printf("issued %s certificate for %s (%s, OIN %s): serial %016" PRIX64
               ", valid until %s\n  -> %s\n",
               o->role, o->name, o->org, o->oin, serial, until, o->out);
    }
    sp_pki_ca_free(&ca);
    return rc;
}

static int parse_serial(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
        s += 2;
    size_t n = strlen(s);
    if (n == 0 || n > 16 || strspn(s, "0123456789abcdefABCDEF") != n)
        return -1;
    *out = strtoull(s, &end, 16);
    return *out == 0 || *out > (uint64_t)INT64_MAX ? -1 : 0;
}

/* Reads DIR/revoked.txt into list (at most MAX_REVOKED). */
static int read_revoked(const char *dir, struct sp_pki_revoked *list, size_t *n)
{
    char path[PATH_MAX], line[128];
    *n = 0;
    if (path_in(path, sizeof(path), dir, "revoked.txt") != 0)
        return -1;
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 0
                               : (fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno)), -1);
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        char serial[32];
        long long t = 0;
        lineno++;
        if (*n >= MAX_REVOKED || sscanf(line, "%31s %lld", serial, &t) != 2 ||
            parse_serial(serial, &list[*n].serial) != 0 || t < 0) {
            fprintf(stderr, PROG ": %s:%d: malformed (expected \"SERIAL UNIXTIME\")\n", path,
                    lineno);
            rc = -1;
        } else {
            list[(*n)++].revoked_at = t;
        }
    }
    fclose(f);
    return rc;
}

/* What the certificate file --cert says (not verified). */
static int read_given(const struct ca_opts *o, struct sp_pki_cert_info *given)
{
    char *pem = NULL;
    size_t len = 0;
    if (sp_cliaudit_read(PROG, o->cert, SP_PKI_CERT_MAX_BYTES, &pem, &len) != 0)
        return -1;
    int err = sp_pki_inspect(pem, len, given);
    free(pem);
    if (err != 0)
        fprintf(stderr, PROG ": %s: %s\n", o->cert, sp_strerror(err));
    return err == 0 ? 0 : -1;
}

/* Proof that the CA in dir issued serial (as given, when given is not
 * NULL): its copy in dir/issued. */
static int check_issued(const char *dir, uint64_t serial, const struct sp_pki_cert_info *given)
{
    char *pem = NULL, name[64], path[PATH_MAX];
    size_t len = 0;
    struct sp_pki_cert_info ours;
    snprintf(name, sizeof(name), "issued/%016" PRIX64 ".crt", serial);
    struct stat st;
    if (path_in(path, sizeof(path), dir, name) != 0)
        return -1;
    if (lstat(path, &st) != 0) {
        fprintf(stderr, PROG ": serial %016" PRIX64 " was not issued by the CA in %s\n", serial,
                dir);
        return -1;
    }
    if (sp_cliaudit_read(PROG, path, SP_PKI_CERT_MAX_BYTES, &pem, &len) != 0)
        return -1;
    int err = sp_pki_inspect(pem, len, &ours);
    free(pem);
    if (err != 0 || (given && sodium_memcmp(ours.fingerprint, given->fingerprint,
                                            sizeof(ours.fingerprint)) != 0)) {
        fprintf(stderr, PROG ": serial %016" PRIX64 " was not issued by this CA as given\n",
                serial);
        return -1;
    }
    return 0;
}

/* The serial to revoke, and proof that this CA issued it. */
static int revoke_target(const struct ca_opts *o, int argc, char **argv, uint64_t *serial)
{
    struct sp_pki_cert_info given;
    if (o->cert) {
        if (read_given(o, &given) != 0)
            return -1;
        *serial = given.serial;
    } else if (optind + 1 != argc || parse_serial(argv[optind], serial) != 0) {
        fprintf(stderr,
                PROG " revoke: give one SERIAL (hex, as printed by `ca issue`) or --cert\n");
        return -2;
    }
    return check_issued(o->dir, *serial, o->cert ? &given : NULL);
}

static int renew_print(const struct ca_opts *o, const struct sp_pki_cert_info *old, uint64_t serial,
                       int64_t end, bool rekeyed)
{
    char until[64], s[17], prev[17];
    snprintf(s, sizeof(s), "%016" PRIX64, serial);
    snprintf(prev, sizeof(prev), "%016" PRIX64, old->serial);
    if (!o->json) {
        when(end, until, sizeof(until));
        printf("renewed %s certificate for %s (%s, OIN %s)%s: serial %s (was %s), valid until "
               "%s\n  -> %s\n",
               sp_pki_role_name(old->role), old->name, old->org, old->oin,
               rekeyed ? " with the keys of --identity-public" : "", s, prev, until, o->out);
        return 0;
    }
    struct sp_json j;
    when_iso(end, until, sizeof(until));
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "role", sp_pki_role_name(old->role));
    sp_json_str(&j, "name", old->name);
    sp_json_str(&j, "serial", s);
    sp_json_str(&j, "previous_serial", prev);
    sp_json_str(&j, "not_after", until);
    sp_json_bool(&j, "new_keys", rekeyed);
    sp_json_str(&j, "out", o->out);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

/* A new certificate for the holder of --cert: who it names, its keys or
 * those of --identity-public. */
static int ca_renew(const struct ca_opts *o)
{
    struct sp_pki_cert_info old;
    struct sp_identity_public pub;
    struct sp_pki_ca *ca = NULL;
    int64_t end = 0;
    uint64_t serial = 0;
    if (!o->dir || !o->cert || !o->out || o->name || o->org || o->oin || o->role || o->key_out) {
        fprintf(stderr, PROG " renew: --dir, --cert and --out are required; the name, role, "
                             "organisation and OIN are the old certificate's\n");
        return 2;
    }
    if (read_given(o, &old) != 0 || check_issued(o->dir, old.serial, &old) != 0 ||
        load_ca(o->dir, &ca) != 0)
        return 1;
    memcpy(pub.sign_pk, old.sign_pk, sizeof(pub.sign_pk));
    memcpy(pub.curve_pk, old.curve_pk, sizeof(pub.curve_pk));
    int rc = validity(o, ca, &end) == 0 &&
                     (!o->identity_public || subject_keys(o, old.role, &pub) == 0) &&
                     certify(o, ca, &old, &pub, end, &serial) == 0
                 ? 0
                 : 1;
    sp_pki_ca_free(&ca);
    bool rekeyed = sodium_memcmp(pub.sign_pk, old.sign_pk, sizeof(pub.sign_pk)) != 0 ||
                   (old.role == SP_PKI_ROLE_NODE &&
                    sodium_memcmp(pub.curve_pk, old.curve_pk, sizeof(pub.curve_pk)) != 0);
    return rc == 0 ? renew_print(o, &old, serial, end, rekeyed) : 1;
}

static int ca_revoke(const struct ca_opts *o, int argc, char **argv)
{
    static struct sp_pki_revoked list[MAX_REVOKED];
    char path[PATH_MAX];
    uint64_t serial = 0;
    size_t n = 0;
    if (!o->dir) {
        fprintf(stderr, PROG " revoke: --dir is required\n");
        return 2;
    }
    int t = revoke_target(o, argc, argv, &serial);
    if (t != 0)
        return t == -2 ? 2 : 1;
    if (read_revoked(o->dir, list, &n) != 0 || path_in(path, sizeof(path), o->dir, "revoked.txt"))
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (list[i].serial == serial) {
            fprintf(stderr, PROG ": serial %016" PRIX64 " is already revoked\n", serial);
            return 1;
        }
    }
    FILE *f = fopen(path, "ae");
    int ok = f && fprintf(f, "%016" PRIX64 " %lld\n", serial, (long long)time(NULL)) > 0;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, PROG ": cannot append to %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("revoked serial %016" PRIX64 "; publish a new list: snijpunt ca crl --dir %s --out "
           "crl.pem\n",
           serial, o->dir);
    return 0;
}

/* Reads and advances DIR/crlnumber (starts at 1). */
static int next_crl_number(const char *dir, uint64_t *number)
{
    char path[PATH_MAX], text[32] = "", *buf = NULL;
    size_t len = 0;
    struct stat st;
    if (path_in(path, sizeof(path), dir, "crlnumber") != 0)
        return -1;
    *number = 1;
    if (lstat(path, &st) == 0) {
        if (sp_cliaudit_read(PROG, path, 32, &buf, &len) != 0)
            return -1;
        *number = strtoull(buf, NULL, 10);
        free(buf);
        if (*number == 0) {
            fprintf(stderr, PROG ": %s: malformed\n", path);
            return -1;
        }
    }
    int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", *number + 1);
    return sp_cliaudit_write(PROG, path, text, (size_t)n, 0644, true);
}

static int ca_crl(const struct ca_opts *o)
{
    static struct sp_pki_revoked list[MAX_REVOKED];
    size_t n = 0, len = 0;
    uint64_t number = 0;
    struct sp_pki_ca *ca = NULL;
    if (!o->dir || !o->out) {
        fprintf(stderr, PROG " crl: --dir and --out are required\n");
        return 2;
    }
    if (read_revoked(o->dir, list, &n) != 0 || load_ca(o->dir, &ca) != 0)
        return 1;
    int64_t now = (int64_t)time(NULL), next = now + (o->days ? o->days : 30) * DAY;
    size_t cap = SP_PKI_CRL_PEM_BOUND(n);
    char *pem = malloc(cap), until[64];
    int rc = 1;
    if (pem && next_crl_number(o->dir, &number) == 0) {
        int err = sp_pki_ca_crl(ca, list, n, number, now, next, pem, cap, &len);
        if (err != 0)
            fprintf(stderr, PROG " crl: %s\n", sp_strerror(err));
        else if (sp_cliaudit_write(PROG, o->out, pem, len, 0644, true) == 0)
            rc = 0;
    }
    if (rc == 0) {
        when(next, until, sizeof(until));
        printf("CRL number %" PRIu64 " with %zu revoked certificate(s), valid until %s\n  -> %s\n",
               number, n, until, o->out);
    }
    free(pem);
    sp_pki_ca_free(&ca);
    return rc;
}

/* Unix seconds as RFC 3339 UTC ("2025-01-31T12:00:00Z"). */
static void when_iso(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "-");
}

/* What a certificate says, as one JSON object; the same hex as the text. */
static int show_json(const struct sp_pki_cert_info *i, const char *fp, const char *sk,
                     const char *ck)
{
    char serial[17], nb[64], na[64];
    struct sp_json j;
    snprintf(serial, sizeof(serial), "%016" PRIX64, i->serial);
    when_iso(i->not_before, nb, sizeof(nb));
    when_iso(i->not_after, na, sizeof(na));
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "role", sp_pki_role_name(i->role));
    sp_json_str(&j, "name", i->name);
    sp_json_str(&j, "org", i->org);
    sp_json_str(&j, "oin", i->oin);
    sp_json_str(&j, "serial", serial);
    sp_json_str(&j, "not_before", nb);
    sp_json_str(&j, "not_after", na);
    sp_json_str(&j, "signing_key", sk);
    sp_json_str(&j, "curve_key", i->has_curve_pk ? ck : NULL);
    sp_json_str(&j, "sha256", fp);
    sp_json_bool(&j, "verified", false);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

static int ca_show(const struct ca_opts *o, int argc, char **argv)
{
    char *pem = NULL, nb[64], na[64], fp[2 * SP_PKI_SHA256_BYTES + 1], sk[65], ck[65];
    size_t len = 0;
    struct sp_pki_cert_info i;
    if (optind + 1 != argc)
        return sp_cli_usage_error(usage);
    if (sp_cliaudit_read(PROG, argv[optind], SP_PKI_CERT_MAX_BYTES, &pem, &len) != 0)
        return 1;
    int err = sp_pki_inspect(pem, len, &i);
    free(pem);
    if (err != 0) {
        fprintf(stderr, PROG ": %s: %s (not a federation certificate)\n", argv[optind],
                sp_strerror(err));
        return 1;
    }
    sp_hex_encode(fp, i.fingerprint, sizeof(i.fingerprint));
    sp_hex_encode(sk, i.sign_pk, sizeof(i.sign_pk));
    sp_hex_encode(ck, i.curve_pk, sizeof(i.curve_pk));
    if (o->json)
        return show_json(&i, fp, sk, ck);
    when(i.not_before, nb, sizeof(nb));
    when(i.not_after, na, sizeof(na));
    printf("role:          %s\nname:          %s\norganisation:  %s\nOIN:           %s\n"
           "serial:        %016" PRIX64 "\nvalid:         %s .. %s\nsigning key:   %s\n",
           sp_pki_role_name(i.role), i.name, i.org, i.oin, i.serial, nb, na, sk);
    if (i.has_curve_pk)
        printf("CURVE key:     %s\n", ck);
    printf("SHA-256:       %s\n(not verified against a CA: `snijpunt audit verify` and the nodes "
           "do that)\n",
           fp);
    return 0;
}

static int run(int argc, char **argv)
{
    struct ca_opts o = {0};
    int rc = sp_cli_subcommand_help(argc, argv, usage);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    const char *sub = argv[1];
    if (parse_opts(argc - 1, argv + 1, &o) != SP_CLI_CONTINUE)
        return sp_cli_usage_error(usage);
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (sp_cli_sodium_init(PROG) != 0)
        return 1;
    bool no_json = strcmp(sub, "init") == 0 || strcmp(sub, "issue") == 0 ||
                   strcmp(sub, "revoke") == 0 || strcmp(sub, "crl") == 0;
    if (o.json && no_json) {
        fprintf(stderr, PROG " %s: --json is only for show and renew\n", sub);
        return 2;
    }
    bool positional = strcmp(sub, "revoke") == 0 || strcmp(sub, "show") == 0;
    if (!positional && optind != argc - 1) {
        fprintf(stderr, PROG " %s: unexpected argument '%s'\n", sub, argv[optind + 1]);
        return 2;
    }
    if (strcmp(sub, "init") == 0)
        return ca_init(&o);
    if (strcmp(sub, "issue") == 0)
        return ca_issue(&o);
    if (strcmp(sub, "renew") == 0)
        return ca_renew(&o);
    if (strcmp(sub, "revoke") == 0)
        return ca_revoke(&o, argc - 1, argv + 1);
    if (strcmp(sub, "crl") == 0)
        return ca_crl(&o);
    if (strcmp(sub, "show") == 0)
        return ca_show(&o, argc - 1, argv + 1);
    return sp_cli_unknown_subcommand(PROG, sub, usage);
}

const struct sp_cmd sp_cmd_ca = {"ca", "federation CA: init, issue, renew, revoke, crl, show", run};
