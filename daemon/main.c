/*
 * snijpuntd: one node of a snijpunt federation. Reads its configuration,
 * loads its identity key, opens its state store and runs the main loop
 * until SIGTERM. Exit status: 0 after a clean shutdown or a passing --check,
 * 1 when the configuration, key file, store or sockets are unusable (the
 * reason is logged), 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/group.h"
#include "crypto/identity.h"
#include "daemon/config.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "daemon/clock.h"
#include "daemon/loop.h"
#include "daemon/members.h"
#include "daemon/netproc.h"
#include "daemon/store.h"
#include "sys/keyfile.h"
#include "sys/trusted.h"

#define DEFAULT_CONFIG "/etc/snijpunt/snijpuntd.conf"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpuntd [--config FILE] [--check]\n"
                 "\n"
                 "Runs one node of a snijpunt record-linkage federation.\n"
                 "\n"
                 "  -c, --config FILE  configuration file (default " DEFAULT_CONFIG ")\n"
                 "      --check        validate the configuration and the identity key "
                 "file,\n"
                 "                     print the result and exit (0 valid, 1 invalid)\n"
                 "  -h, --help         show this help\n"
                 "  -V, --version      show the version\n"
                 "\n"
                 "Signals: SIGTERM or SIGINT shut down cleanly; SIGHUP re-reads the\n"
                 "configuration (an invalid one is refused and the one in force stays;\n"
                 "what needs a restart is named in the log), the certificates and the\n"
                 "revocation list. The configuration format is in snijpuntd.conf(5), the\n"
                 "daemon in snijpuntd(8); `snijpunt init` writes a starting "
                 "configuration.\n");
}

/* Reads and decodes the identity key file, refusing a file others can read. */
static int load_identity(const char *path, struct sp_identity **out)
{
    char *buf = NULL, why[512];
    size_t len = 0;
    int err = sp_keyfile_read(path, &buf, &len);
    if (err) {
        sp_log_error("%s", sp_keyfile_explain(why, sizeof why, path, err));
        return err;
    }
    err = sp_identity_decode(buf, len, out);
    sp_keyfile_buf_free(&buf, len);
    if (err)
        sp_log_error("identity key file %s: %s", path, sp_strerror(err));
    return err;
}

/* The certificates as the daemon would check them at start-up. */
static int check_members(const struct sp_config *cfg, const struct sp_identity *id)
{
    struct sp_identity_public pub;
    struct sp_members *m = NULL;
    char why[SP_MEMBERS_WHY_MAX] = "";
    sp_identity_public(id, &pub);
    int err =
        sp_members_new(cfg, pub.sign_pk, pub.curve_pk, (int64_t)time(NULL), &m, why, sizeof why);
    if (err) {
        fprintf(stderr, "snijpuntd: %s: %s\n", cfg->source, why[0] ? why : sp_strerror(err));
        return err;
    }
    size_t admitted = 0;
    for (size_t i = 0; i < cfg->npeers; i++)
        if (sp_members_admit(m, i, (int64_t)time(NULL), NULL, why, sizeof why) == 0)
            admitted++;
        else
            printf("%s: peer %s will be refused: %s\n", cfg->source, cfg->peers[i].name, why);
    if (sp_members_enabled(m))
        printf("%s: certificate of node %s valid; %zu of %zu peer certificate(s) "
               "valid\n",
               cfg->source, cfg->node, admitted, cfg->npeers);
    sp_members_free(&m);
    return 0;
}

/* The state directory must not be writable by anyone but the node's user
 * (sys/trusted.h): the store, its lock and the audit chain live there. A
 * missing one is fine for --check (the daemon creates it). */
static int check_state_dir(const char *dir, bool missing_ok)
{
    char why[SP_CONFIG_PATH_MAX + 256];
    int err = sp_trusted_check(dir, "state directory", why, sizeof why);
    if (err == SP_ERR_NOT_FOUND && missing_ok)
        return 0;
    if (err)
        sp_log_error("%s", why);
    return err;
}

static int check_only(const struct sp_config *cfg)
{
    struct sp_identity *id = NULL;
    int err = check_state_dir(cfg->state_dir, true);
    if (!err)
        err = load_identity(cfg->identity_path, &id);
    if (!err)
        err = check_members(cfg, id);
    sp_identity_free(&id);
    if (err)
        return 1;
    printf("%s: configuration valid (node %s, %zu peer(s)); identity key %s "
           "usable\n",
           cfg->source, cfg->node, cfg->npeers, cfg->identity_path);
    return 0;
}

/* The state directory is created owner-only when missing (systemd's
 * StateDirectory= normally does it). */
static int ensure_state_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : SP_ERR_IO;
    if (errno != ENOENT || mkdir(dir, 0700) != 0) {
        sp_log_error("state directory %s: %s", dir, strerror(errno));
        return SP_ERR_IO;
    }
    return 0;
}

static int run(struct sp_config *cfg)
{
    struct sp_identity *id = NULL;
    struct sp_store *store = NULL;
    struct sp_gov *gov = NULL;
    struct sp_loop *loop = NULL;
    /* The peer sockets and every peer message's decoding run in a fresh
     * image of this program (netproc.h), never in this process's memory. */
    sp_netproc_set_exe("/proc/self/exe");
    int err = sp_loop_block_signals();
    if (!err && (err = sp_crypto_init()) != 0)
        sp_log_error("cannot initialise the crypto library");
    if (!err)
        err = load_identity(cfg->identity_path, &id);
    if (!err)
        err = ensure_state_dir(cfg->state_dir);
    if (!err)
        err = check_state_dir(cfg->state_dir, false);
    if (!err)
        err = sp_store_open(cfg->state_dir, cfg->store_map_bytes, &store);
    if (!err)
        err = sp_gov_new(cfg, store, id, sp_now_ms(), &gov);
    if (!err)
        err = sp_loop_new(cfg, store, id, gov, &loop);
    if (!err)
        err = sp_loop_run(loop);
    const char *why = sp_loop_stop_reason(loop);
    sp_loop_free(&loop);
    sp_gov_free(&gov, err ? sp_strerror(err) : why ? why : "stopped");
    sp_store_close(&store);
    sp_identity_free(&id);
    if (err)
        sp_log_error("snijpuntd stopped: %s", sp_strerror(err));
    else
        sp_log_info("snijpuntd stopped");
    return err ? 1 : 0;
}

/* The hidden modes: the network process, and the sandbox's self-test. */
static int hidden_mode(int argc, char **argv, int *status)
{
    if (argc == 3 && strcmp(argv[1], "--net-child") == 0) {
        if (strcmp(argv[2], "3") != 0)
            return 0;
        sp_log_init(SP_LOG_INFO);
        *status = sp_netproc_main(SP_NETPROC_FD);
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "--net-seccomp-test") == 0) {
        *status = sp_netproc_selftest(argv[2]);
        return 1;
    }
    return 0;
}

/* Large blocks get mappings of their own. glibc raises its mmap threshold
 * each time a large mapped block is freed (up to 32 MiB), and from then on
 * serves such blocks from the heap, where a block freed below the top
 * stays resident: the asker's filter copies, filled in parts of 200,000
 * fingerprints by doubling while the parts' message buffers and qsort's
 * scratch come and go between them, left 13.3 bytes resident per 8-byte
 * fingerprint (bench/README.md). A fixed threshold keeps every block of
 * 1 MiB or more in its own mapping: it grows and shrinks with mremap and
 * goes back to the system when freed. Smaller blocks (a BATCH is 128 KiB)
 * stay on the heap (and are not mapped and unmapped per message). */
static void malloc_tune(void)
{
    /* A refusal (a sanitizer build's allocator) costs memory, nothing else. */
    (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

int main(int argc, char **argv)
{
    int status;
    /* _exit: LeakSanitizer's exit-time check (sanitizer builds) clones a
     * process, which the filter forbids; the same transport code is
     * leak-checked in-process by tests/daemon/test_round_peer.c */
    if (hidden_mode(argc, argv, &status)) {
        fflush(NULL);
        _exit(status);
    }
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    const char *path = DEFAULT_CONFIG;
    int check = 0, c;
    while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'k':
            check = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("snijpuntd %s\n", SP_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    /* Everything the daemon creates (store, lock, control socket) is
     * owner-only unless configured otherwise. */
    umask(0077);
    malloc_tune();
    char diag[SP_CONFIG_DIAG_BYTES];
    struct sp_config *cfg = NULL;
    /* The configuration names the trust anchors: nobody else may write it. */
    if (sp_trusted_check(path, "configuration file", diag, sizeof diag) == SP_ERR_UNSAFE_PERMS ||
        sp_config_load(path, &cfg, diag, sizeof diag) != 0) {
        fprintf(stderr, "snijpuntd: %s\n", diag);
        return 1;
    }
    sp_log_init(cfg->log_level);
    status = check ? check_only(cfg) : run(cfg);
    sp_config_free(&cfg);
    return status;
}
