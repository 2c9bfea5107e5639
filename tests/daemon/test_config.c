/*
 * The configuration parser, table-driven: a valid file with every key, the
 * defaults, and every kind of error with the line it is reported on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/keytype.h"
#include "crypto/identity.h"
#include "daemon/config.h"
#include "proto/proposal.h"

/* An Ed25519 point (the base point) and X25519 keys 01..20 (base64) and
 * 20..01 (Z85). */
#define SIGN_B64  "WGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY="
#define CURVE_B64 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
#define CURVE_Z85 "arITB92/!l7-9@56Cz8>5dYlW3>0yG2NpLq1oOYa"

static const char base[] = "# a node\n"
                           "node = gemeente-a\n"
                           "listen = tcp://127.0.0.1:7101\n"
                           "identity = /etc/snijpunt/identity.key\n";

static int parse(const char *text, struct sp_config **cfg, char *diag, size_t cap)
{
    return sp_config_parse(text, strlen(text), "test.conf", cfg, diag, cap);
}

static void test_defaults(void **state)
{
    (void)state;
    struct sp_config *c = NULL;
    char diag[SP_CONFIG_DIAG_BYTES];
    assert_int_equal(parse(base, &c, diag, sizeof diag), 0);
    assert_string_equal(c->node, "gemeente-a");
    assert_string_equal(c->listen, "tcp://127.0.0.1:7101");
    assert_string_equal(c->state_dir, SP_CONFIG_DEFAULT_STATE);
    assert_string_equal(c->control_socket, SP_CONFIG_DEFAULT_CONTROL);
    assert_string_equal(c->control_group, "");
    assert_int_equal(c->log_level, SP_LOG_INFO);
    assert_int_equal(c->round_deadline_s, 600);
    assert_int_equal(c->round_stall_s, 120);
    assert_int_equal(c->batch_size, 4096);
    assert_int_equal(c->worker_threads, 2);
    assert_true(c->store_map_bytes == (UINT64_C(8) << 30));
    assert_int_equal(c->npeers, 0);
    sp_config_free(&c);
    assert_null(c);
}

static void test_full(void **state)
{
    (void)state;
    static const char text[] = "node = n1\r\n"
                               "  listen=tcp://[::1]:9000  \n"
                               "state_dir = /var/lib/x\n"
                               "identity = /k\n"
                               "control_socket = /run/x.sock\n"
                               "control_group = sp-ops\n"
                               "log_level = debug\n"
                               "round_deadline = 2m\n"
                               "round_stall = 90s\n"
                               "batch_size = 512\n"
                               "batch_window = 4\n"
                               "worker_threads = 3\n"
                               "store_map_size = 16G\n"
                               "load_idle_timeout = 1h\n"
                               "max_set_size = 1000000\n"
                               "\n"
                               "[peer belasting]\n"
                               "endpoint = tcp://127.0.0.1:7102\n"
                               "sign_key = " SIGN_B64 "\n"
                               "curve_key = " CURVE_B64 "\n"
                               "[peer uwv]\n"
                               "endpoint = ipc:///tmp/uwv.peer\n"
                               "sign_key = " SIGN_B64 "\n"
                               "curve_key = " CURVE_Z85 "\n";
    struct sp_config *c = NULL;
    char diag[SP_CONFIG_DIAG_BYTES] = "";
    assert_int_equal(parse(text, &c, diag, sizeof diag), 0);
    assert_string_equal(c->listen, "tcp://[::1]:9000");
    assert_string_equal(c->control_group, "sp-ops");
    assert_int_equal(c->log_level, SP_LOG_DEBUG);
    assert_int_equal(c->round_deadline_s, 120);
    assert_int_equal(c->round_stall_s, 90);
    assert_int_equal(c->batch_size, 512);
    assert_int_equal(c->batch_window, 4);
    assert_int_equal(c->worker_threads, 3);
    assert_true(c->store_map_bytes == (UINT64_C(16) << 30));
    assert_int_equal(c->load_idle_timeout_s, 3600);
    assert_int_equal(c->max_set_size, 1000000);
    assert_int_equal(c->npeers, 2);
    assert_string_equal(c->peers[0].name, "belasting");
    assert_int_equal(c->peers[0].line, 17);
    assert_int_equal(c->peers[0].curve_pk[0], 1);
    assert_int_equal(c->peers[0].curve_pk[31], 32);
    assert_int_equal(c->peers[0].sign_pk[0], 0x58);
    assert_ptr_equal(sp_config_peer_find(c, "uwv"), &c->peers[1]);
    assert_null(sp_config_peer_find(c, "nobody"));
    assert_ptr_equal(sp_config_peer_by_curve(c, c->peers[0].curve_pk), &c->peers[0]);
    uint8_t other[32] = {0};
    assert_null(sp_config_peer_by_curve(c, other));
    sp_config_free(&c);
}

/* Each case appends lines to `base` (4 lines) unless it replaces it. */
static const struct {
    const char *extra;
    int replace;
    const char *diag; /* expected diagnostic (exact) */
} bad[] = {
    {"colour = blue\n", 0, "test.conf:5: unknown key 'colour'"},
    {"node = other\n", 0, "test.conf:5: duplicate key 'node' (first set on line 2)"},
    {"no equals sign\n", 0, "test.conf:5: expected 'key = value'"},
    {" = 5\n", 0, "test.conf:5: expected 'key = value'"},
    {"batch_size =\n", 0, "test.conf:5: batch_size has no value"},
    {"batch_size = 0\n", 0, "test.conf:5: batch_size is out of range"},
    {"batch_size = 4097\n", 0, "test.conf:5: batch_size is out of range"},
    {"batch_size = -1\n", 0, "test.conf:5: batch_size must be a whole number"},
    {"batch_size = 12x\n", 0, "test.conf:5: batch_size has an unknown unit"},
    {"worker_threads = 99999999999999999999999\n", 0,
     "test.conf:5: worker_threads is out of range"},
    {"round_deadline = 2w\n", 0, "test.conf:5: round_deadline has an unknown unit"},
    {"round_deadline = 2d\n", 0, "test.conf:5: round_deadline is out of range"},
    {"round_stall = 9\n", 0, "test.conf:5: round_stall is out of range"},
    {"store_map_size = 512K\n", 0, "test.conf:5: store_map_size is out of range"},
    {"log_level = loud\n", 0, "test.conf:5: log_level must be error, warn, info or debug"},
    {"state_dir = var/lib\n", 0, "test.conf:5: state_dir must be an absolute path"},
    {"control_socket = "
     "/run/snijpunt/"
     "a-very-long-name-for-a-socket-that-does-not-fit-in-sun-path-at-all-really-not-at-all.sock\n",
     0, "test.conf:5: control_socket is too long"},
    {"control_group = Wheel\n", 0,
     "test.conf:5: control_group must be a group name (a-z, 0-9, '_', '-'; at most 32)"},
    {"node = Gemeente\nlisten = tcp://127.0.0.1:1\nidentity = /k\n", 1,
     "test.conf:1: node may contain only a-z, 0-9 and '-'"},
    {"node = a\nlisten = udp://127.0.0.1:1\nidentity = /k\n", 1,
     "test.conf:2: listen must be tcp://HOST:PORT (or ipc:///path)"},
    {"node = a\nlisten = tcp://127.0.0.1:0\nidentity = /k\n", 1,
     "test.conf:2: listen needs a port from 1 to 65535"},
    {"node = a\nlisten = tcp://127.0.0.1\nidentity = /k\n", 1,
     "test.conf:2: listen must be tcp://HOST:PORT"},
    {"node = a\nlisten = tcp://ho st:5\nidentity = /k\n", 1,
     "test.conf:2: listen has an invalid host name"},
    {"node = a\nidentity = /k\n", 1, "test.conf: missing required key 'listen'"},
    {"listen = tcp://127.0.0.1:1\nidentity = /k\n", 1, "test.conf: missing required key 'node'"},
    {"[section]\n", 0, "test.conf:5: unknown section (expected [peer NAME])"},
    {"[peer B]\n", 0, "test.conf:5: peer name may contain only a-z, 0-9 and '-'"},
    {"[peer ]\n", 0, "test.conf:5: peer name must be 1 to 64 characters"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:2\n", 0,
     "test.conf:5: [peer b] needs public_key (or sign_key and curve_key)"},
    {"[peer b]\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64 "\n", 0,
     "test.conf:5: [peer b] has no endpoint"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:2\nsign_key = " SIGN_B64 "\n", 0,
     "test.conf:5: [peer b] needs public_key (or sign_key and curve_key)"},
    {"[peer b]\nnode = x\n", 0, "test.conf:6: unknown key 'node' in [peer b]"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:2\nendpoint = tcp://127.0.0.1:3\n", 0,
     "test.conf:7: duplicate key 'endpoint' (first set on line 6)"},
    {"[peer b]\ncurve_key = abc\n", 0,
     "test.conf:6: curve_key must be the base64 of a 32-byte key"},
    {"[peer b]\nsign_key = " CURVE_B64 "\n", 0,
     "test.conf:6: sign_key is not a valid Ed25519 public key"},
    {"[peer b]\ncurve_key = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0,
     "test.conf:6: curve_key is a small-order X25519 key (no shared secret could come of it)"},
    {"[peer b]\npublic_key = snijpunt-public-v1:AAAA\n", 0,
     "test.conf:6: public_key must be the text `snijpunt init` printed (snijpunt-public-v1:...)"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:2\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64
     "\n[peer b]\n",
     0, "test.conf:9: duplicate [peer b] (first on line 5)"},
    {"[peer gemeente-a]\nendpoint = tcp://127.0.0.1:2\nsign_key = " SIGN_B64
     "\ncurve_key = " CURVE_B64 "\n",
     0, "test.conf:5: [peer gemeente-a] has this node's own name"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:7101\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64
     "\n",
     0, "test.conf:5: [peer b] endpoint is this node's listen address"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:2\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64
     "\n[peer c]\nendpoint = tcp://127.0.0.1:3\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64
     "\n",
     0, "test.conf:9: [peer c] has the same key as [peer b] (line 5)"},
    /* federation identity */
    {"node_cert = /n.crt\n", 0,
     "test.conf:5: node_cert needs ca_cert (the federation CA certificate)"},
    {"crl = /crl.pem\n", 0, "test.conf:5: crl needs ca_cert (the federation CA certificate)"},
    {"cert_dir = /certs\n", 0,
     "test.conf:5: cert_dir needs ca_cert (the federation CA certificate)"},
    {"ca_cert = /ca.crt\n", 0,
     "test.conf: ca_cert is set: node_cert (this node's certificate) is required"},
    {"ca_cert = ca.crt\n", 0, "test.conf:5: ca_cert must be an absolute path"},
    {"ca_cert = /ca.crt\nnode_cert = /n.crt\n[peer b]\nendpoint = tcp://127.0.0.1:2\nsign_key "
     "= " SIGN_B64 "\ncurve_key = " CURVE_B64 "\n",
     0, "test.conf:7: [peer b] needs cert (or a cert_dir holding b.crt): ca_cert is set"},
    {"[peer b]\nendpoint = tcp://127.0.0.1:2\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64
     "\ncert = /b.crt\n",
     0, "test.conf:5: [peer b] cert needs ca_cert (the federation CA certificate)"},
    {"crl_reload = 1s\n", 0, "test.conf:5: crl_reload is out of range"},
    /* local policy */
    {"allow_unsigned_rounds = maybe\n", 0, "test.conf:5: allow_unsigned_rounds must be yes or no"},
    {"may_count = yes\nmay_count = no\n", 0,
     "test.conf:6: duplicate key 'may_count' (first set on line 5)"},
    {"accept_modes = counts, everything\n", 0,
     "test.conf:5: accept_modes must be counts, threshold and/or partners separated by commas "
     "(or all)"},
    {"accept_key_types = bsn, shoe_size\n", 0,
     "test.conf:5: accept_key_types must be key type names separated by commas (bsn, name_dob, "
     "...) or all"},
    {"accept_min_holders = 0\n", 0, "test.conf:5: accept_min_holders is out of range"},
    {"accept_min_holders = 33\n", 0, "test.conf:5: accept_min_holders is out of range"},
    {"accept_purpose = case 123456789\n", 0,
     "test.conf:5: accept_purpose text has 9 or more digits in a row (an identifier?)"},
    {"counts_suppress_below = 1000001\n", 0, "test.conf:5: counts_suppress_below is out of range"},
    /* case questions */
    {"case_key_types = bsn, shoe_size\n", 0,
     "test.conf:5: case_key_types must be key type names separated by commas (bsn, name_dob, "
     "...) or all"},
    {"case_key_types = bsn\ncase_key_types = kvk\n", 0,
     "test.conf:6: duplicate key 'case_key_types' (first set on line 5)"},
    {"case_epoch_days = 0\n", 0, "test.conf:5: case_epoch_days is out of range"},
    {"case_epoch_days = 367\n", 0, "test.conf:5: case_epoch_days is out of range"},
    {"case_max_values = 0\n", 0, "test.conf:5: case_max_values is out of range"},
    {"case_max_values = 4097\n", 0, "test.conf:5: case_max_values is out of range"},
    {"case_questions_per_epoch = 0\n", 0, "test.conf:5: case_questions_per_epoch is out of range"},
    {"case_values_per_epoch = 0\n", 0, "test.conf:5: case_values_per_epoch is out of range"},
    {"case_values_per_epoch = 1000000001\n", 0,
     "test.conf:5: case_values_per_epoch is out of range"},
    {"case_tell_holders = perhaps\n", 0, "test.conf:5: case_tell_holders must be yes or no"},
    {"case_ask = sometimes\n", 0, "test.conf:5: case_ask must be yes or no"},
    {"case_filter_check = 0\n", 0, "test.conf:5: case_filter_check is out of range"},
    {"case_filter_check = 2d\n", 0, "test.conf:5: case_filter_check is out of range"},
    {"case_askers = riec\n", 0,
     "test.conf:5: case_askers names riec, which is not a configured peer (no [peer riec])"},
    {"case_askers = b, riec\n[peer b]\nendpoint = tcp://127.0.0.1:2\nsign_key = " SIGN_B64
     "\ncurve_key = " CURVE_B64 "\n",
     0, "test.conf:5: case_askers names riec, which is not a configured peer (no [peer riec])"},
    {"case_askers = b, b\n", 0, "test.conf:5: case_askers names a peer twice"},
    {"case_askers = Riec\n", 0, "test.conf:5: case_askers must be peer names separated by commas"},
    {"case_askers = b,\n", 0, "test.conf:5: case_askers must be peer names separated by commas"},
    {"case_askers = b\ncase_askers = c\n", 0,
     "test.conf:6: duplicate key 'case_askers' (first set on line 5)"},
    {"[peer b]\ncase_ask = yes\n", 0, "test.conf:6: unknown key 'case_ask' in [peer b]"},
};

static void test_errors(void **state)
{
    (void)state;
    char text[2048], diag[SP_CONFIG_DIAG_BYTES];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s%s", bad[i].replace ? "" : base, bad[i].extra);
        struct sp_config *c = NULL;
        int rc = parse(text, &c, diag, sizeof diag);
        if (rc != SP_ERR_CONFIG || strcmp(diag, bad[i].diag) != 0)
            fail_msg("case %zu: rc %d, diag \"%s\", want \"%s\"", i, rc, diag, bad[i].diag);
        assert_null(c);
    }
}

static void test_governance(void **state)
{
    (void)state;
    static const char text[] = "node = n1\n"
                               "listen = tcp://127.0.0.1:9000\n"
                               "identity = /k\n"
                               "ca_cert = /pki/ca.crt\n"
                               "crl = /pki/crl.pem\n"
                               "node_cert = /pki/n1.crt\n"
                               "cert_dir = /pki/peers\n"
                               "crl_reload = 10m\n"
                               "allow_unsigned_rounds = yes\n"
                               "accept_coordinator = J. de Vries\n"
                               "accept_coordinator = RIEC Noord\n"
                               "accept_purpose = Onderzoek ondermijning\n"
                               "accept_legal_basis = Wpg art. 16\n"
                               "accept_key_types = bsn , name_dob\n"
                               "accept_modes = counts,threshold\n"
                               "accept_min_holders = 2\n"
                               "accept_max_set_size = 5000000000\n"
                               "accept_max_retention_days = 90\n"
                               "may_count = no\n"
                               "net_process = no\n"
                               "counts_suppress_below = 5\n"
                               "[peer b]\n"
                               "endpoint = tcp://127.0.0.1:9001\n"
                               "sign_key = " SIGN_B64 "\n"
                               "curve_key = " CURVE_B64 "\n"
                               "cert = /pki/other/b.crt\n";
    struct sp_config *c = NULL, *d = NULL;
    char diag[SP_CONFIG_DIAG_BYTES] = "";
    assert_int_equal(parse(text, &c, diag, sizeof diag), 0);
    assert_string_equal(c->ca_cert_path, "/pki/ca.crt");
    assert_string_equal(c->crl_path, "/pki/crl.pem");
    assert_string_equal(c->node_cert_path, "/pki/n1.crt");
    assert_string_equal(c->cert_dir, "/pki/peers");
    assert_string_equal(c->peers[0].cert_path, "/pki/other/b.crt");
    assert_int_equal(c->crl_reload_s, 600);
    assert_true(c->allow_unsigned_rounds);
    assert_int_equal(c->ncoordinators, 2);
    assert_string_equal(c->coordinators[1], "RIEC Noord");
    assert_int_equal(c->npurposes, 1);
    assert_string_equal(c->purposes[0], "Onderzoek ondermijning");
    assert_int_equal(c->nlegal_bases, 1);
    assert_string_equal(c->legal_bases[0], "Wpg art. 16");
    assert_int_equal(c->accept_key_types, SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB));
    assert_int_equal(c->accept_modes,
                     (1u << SP_PROPOSAL_MODE_COUNTS) | (1u << SP_PROPOSAL_MODE_THRESHOLD));
    assert_int_equal(c->accept_min_holders, 2);
    assert_true(c->accept_max_set_size == UINT64_C(5000000000));
    assert_int_equal(c->accept_max_retention_days, 90);
    assert_false(c->may_count);
    assert_false(c->net_process);
    assert_int_equal(c->counts_suppress_below, 5);
    /* the digest covers the text: one byte more is another configuration */
    char text2[sizeof text + 1];
    snprintf(text2, sizeof text2, "%s\n", text);
    assert_int_equal(parse(text2, &d, diag, sizeof diag), 0);
    assert_memory_not_equal(c->sha256, d->sha256, 32);
    sp_config_free(&d);
    sp_config_free(&c);
    /* the defaults */
    assert_int_equal(parse(base, &c, diag, sizeof diag), 0);
    assert_string_equal(c->ca_cert_path, "");
    assert_false(c->allow_unsigned_rounds);
    assert_int_equal(c->ncoordinators + c->npurposes + c->nlegal_bases, 0);
    assert_int_equal(c->accept_key_types, SP_KEY_MASK_ALL);
    assert_int_equal(c->accept_modes, 0xe);
    assert_int_equal(c->accept_min_holders, 2); /* a "set intersection" of one node is its set */
    assert_true(c->accept_max_set_size == 0);
    assert_int_equal(c->accept_max_retention_days, UINT32_MAX);
    assert_true(c->may_count);
    assert_true(c->net_process); /* the privilege separation is the default */
    assert_int_equal(c->counts_suppress_below, SP_CONFIG_DEFAULT_SUPPRESS);
    assert_int_equal(c->crl_reload_s, 300);
    sp_config_free(&c);
    /* at most 16 lines of a list */
    char many[4096];
    size_t n = (size_t)snprintf(many, sizeof many, "%s", base);
    for (int i = 0; i < 17; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "accept_purpose = doel %d\n", i);
    assert_int_equal(parse(many, &c, diag, sizeof diag), SP_ERR_CONFIG);
    assert_string_equal(diag, "test.conf:21: accept_purpose is given too often (at most 16 lines)");
}

/* The case question keys (docs/case-questions.md), their defaults, and
 * the askers named by configured peers. */
static void test_case_keys(void **state)
{
    (void)state;
    static const char text[] = "node = n1\n"
                               "listen = tcp://127.0.0.1:9000\n"
                               "identity = /k\n"
                               "case_key_types = bsn, kvk,iban\n"
                               "case_epoch_days = 7\n"
                               "case_max_values = 4096\n"
                               "case_questions_per_epoch = 3\n"
                               "case_values_per_epoch = 5000000\n"
                               "case_tell_holders = yes\n"
                               "case_askers = riec-mn , b\n"
                               "case_ask = yes\n"
                               "case_filter_check = 5m\n"
                               "[peer b]\n"
                               "endpoint = tcp://127.0.0.1:9001\n"
                               "sign_key = " SIGN_B64 "\n"
                               "curve_key = " CURVE_B64 "\n"
                               "[peer riec-mn]\n"
                               "endpoint = tcp://127.0.0.1:9002\n"
                               "sign_key = " SIGN_B64 "\n"
                               "curve_key = " CURVE_Z85 "\n";
    struct sp_config *c = NULL;
    char diag[SP_CONFIG_DIAG_BYTES] = "";
    if (parse(text, &c, diag, sizeof diag) != 0)
        fail_msg("%s", diag);
    assert_int_equal(c->case_key_types,
                     SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_KVK) | SP_KEY_MASK(SP_KEY_IBAN));
    assert_int_equal(c->case_epoch_days, 7);
    assert_int_equal(c->case_max_values, 4096);
    assert_int_equal(c->case_questions_per_epoch, 3);
    assert_true(c->case_values_per_epoch == 5000000);
    assert_true(c->case_tell_holders);
    assert_int_equal(c->ncase_askers, 2);
    assert_string_equal(c->case_askers[0], "riec-mn");
    assert_string_equal(c->case_askers[1], "b");
    assert_true(c->case_ask);
    assert_int_equal(c->case_filter_check_s, 300);
    assert_int_equal(c->accept_key_types, SP_KEY_MASK_ALL); /* a mask key of its own */
    sp_config_free(&c);
    /* the defaults: no case questions answered or asked */
    assert_int_equal(parse(base, &c, diag, sizeof diag), 0);
    assert_int_equal(c->case_key_types, 0);
    assert_int_equal(c->case_epoch_days, 30);
    assert_int_equal(c->case_max_values, 100);
    assert_int_equal(c->case_questions_per_epoch, 20);
    assert_true(c->case_values_per_epoch == 1000);
    assert_false(c->case_tell_holders);
    assert_int_equal(c->ncase_askers, 0);
    assert_false(c->case_ask);
    assert_int_equal(c->case_filter_check_s, 60);
    sp_config_free(&c);
    /* all key types */
    char all[512];
    snprintf(all, sizeof all, "%scase_key_types = all\n", base);
    assert_int_equal(parse(all, &c, diag, sizeof diag), 0);
    assert_int_equal(c->case_key_types, SP_KEY_MASK_ALL);
    sp_config_free(&c);
}

/* A reload sees a changed list of askers, and can keep the old one. */
static void test_case_diff_keep(void **state)
{
    (void)state;
    struct sp_config *a = NULL, *b = NULL;
    char diag[SP_CONFIG_DIAG_BYTES], text[2048];
    const char *names[64];
    static const char peers[] =
        "[peer b]\nendpoint = tcp://127.0.0.1:7102\nsign_key = " SIGN_B64 "\ncurve_key = " CURVE_B64
        "\n[peer c]\nendpoint = tcp://127.0.0.1:7103\nsign_key = " SIGN_B64
        "\ncurve_key = " CURVE_Z85 "\n";
    snprintf(text, sizeof text, "%scase_askers = b\n%s", base, peers);
    assert_int_equal(parse(text, &a, diag, sizeof diag), 0);
    snprintf(text, sizeof text, "%scase_askers = b,c\ncase_key_types = bsn\n%s", base, peers);
    assert_int_equal(parse(text, &b, diag, sizeof diag), 0);
    assert_int_equal(sp_config_diff(a, b, names, 64), 2);
    assert_string_equal(names[0], "case_key_types");
    assert_string_equal(names[1], "case_askers");
    assert_int_equal(sp_config_keep(b, a, "case_askers"), 0);
    assert_int_equal(b->ncase_askers, 1);
    assert_int_equal(sp_config_diff(a, b, names, 64), 1);
    assert_string_equal(names[0], "case_key_types");
    sp_config_free(&a);
    sp_config_free(&b);
}

static void test_nul_and_size(void **state)
{
    (void)state;
    char diag[SP_CONFIG_DIAG_BYTES];
    struct sp_config *c = NULL;
    static const char nul[] = "node = a\nlis\0ten = x\n";
    assert_int_equal(sp_config_parse(nul, sizeof nul - 1, "f", &c, diag, sizeof diag),
                     SP_ERR_CONFIG);
    assert_string_equal(diag, "f:2: contains a NUL byte");
    size_t big = SP_CONFIG_MAX_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, '\n', big);
    assert_int_equal(sp_config_parse(huge, big, "f", &c, diag, sizeof diag), SP_ERR_OVERFLOW);
    free(huge);
    /* A small diagnostic buffer is truncated, never overrun. */
    char tiny[8];
    assert_int_equal(parse("bogus = 1\n", &c, tiny, sizeof tiny), SP_ERR_CONFIG);
    assert_int_equal(strlen(tiny), 7);
}

/* The text `snijpunt init` prints is accepted as a peer's public_key. */
static void test_public_key_text(void **state)
{
    (void)state;
    struct sp_identity *id = NULL;
    struct sp_identity_public pub;
    char pubtext[256], text[1024], diag[SP_CONFIG_DIAG_BYTES];
    size_t n = 0;
    assert_int_equal(sp_identity_generate(&id), 0);
    sp_identity_public(id, &pub);
    assert_int_equal(sp_identity_public_encode(&pub, pubtext, sizeof pubtext, &n), 0);
    snprintf(text, sizeof text, "%s[peer b]\nendpoint = tcp://127.0.0.1:2\npublic_key = %.*s\n",
             base, (int)n, pubtext);
    struct sp_config *c = NULL;
    assert_int_equal(parse(text, &c, diag, sizeof diag), 0);
    assert_memory_equal(c->peers[0].sign_pk, pub.sign_pk, 32);
    assert_memory_equal(c->peers[0].curve_pk, pub.curve_pk, 32);
    sp_config_free(&c);
    sp_identity_free(&id);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/sp-config-XXXXXX", diag[SP_CONFIG_DIAG_BYTES];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, base, strlen(base)), (ssize_t)strlen(base));
    assert_int_equal(write(fd, "oops\n", 5), 5);
    close(fd);
    struct sp_config *c = NULL;
    assert_int_equal(sp_config_load(path, &c, diag, sizeof diag), SP_ERR_CONFIG);
    char want[128];
    snprintf(want, sizeof want, "%s:5: expected 'key = value'", path);
    assert_string_equal(diag, want);
    unlink(path);
    assert_int_equal(sp_config_load(path, &c, diag, sizeof diag), SP_ERR_NOT_FOUND);
    assert_non_null(strstr(diag, "cannot read"));
}

/* What a reload compares: the global keys that differ, by name; keeping
 * one key's value; peers compared field by field. */
static void test_diff_keep(void **state)
{
    (void)state;
    struct sp_config *a = NULL, *b = NULL;
    char diag[SP_CONFIG_DIAG_BYTES], text[2048];
    const char *names[64];
    snprintf(text, sizeof text,
             "%s[peer b]\nendpoint = tcp://127.0.0.1:7102\nsign_key = %s\n"
             "curve_key = %s\n",
             base, SIGN_B64, CURVE_B64);
    assert_int_equal(parse(text, &a, diag, sizeof diag), 0);
    assert_int_equal(parse(text, &b, diag, sizeof diag), 0);
    assert_int_equal(sp_config_diff(a, b, names, 64), 0);
    assert_true(sp_config_peer_same(&a->peers[0], &b->peers[0]));
    /* the same values however they came (a default, or written out) */
    snprintf(text, sizeof text,
             "state_dir = /var/lib/snijpunt\nlisten = tcp://127.0.0.1:7201\n"
             "accept_purpose = x\naccept_purpose = y\nlog_level = debug\n"
             "batch_window = 8\nmay_count = no\n%s[peer b]\nendpoint = tcp://127.0.0.1:7103\n"
             "sign_key = %s\ncurve_key = %s\n",
             "node = gemeente-a\nidentity = /etc/snijpunt/identity.key\n", SIGN_B64, CURVE_Z85);
    sp_config_free(&b);
    assert_int_equal(parse(text, &b, diag, sizeof diag), 0);
    size_t n = sp_config_diff(a, b, names, 64);
    assert_int_equal(n, 4); /* in the format's order */
    assert_string_equal(names[0], "listen");
    assert_string_equal(names[1], "log_level");
    assert_string_equal(names[2], "accept_purpose");
    assert_string_equal(names[3], "may_count");
    assert_int_equal(sp_config_diff(a, b, names, 2), 4);           /* counted past cap */
    assert_false(sp_config_peer_same(&a->peers[0], &b->peers[0])); /* endpoint, key */
    /* kept: b takes a's values back, one key at a time */
    assert_int_equal(sp_config_keep(b, a, "listen"), 0);
    assert_int_equal(sp_config_keep(b, a, "accept_purpose"), 0);
    assert_int_equal(sp_config_keep(b, a, "public_key"), SP_ERR_NOT_FOUND); /* a peer key */
    assert_int_equal(sp_config_keep(b, a, "no_such_key"), SP_ERR_NOT_FOUND);
    assert_string_equal(b->listen, "tcp://127.0.0.1:7101");
    assert_int_equal(b->npurposes, 0);
    assert_int_equal(sp_config_diff(a, b, names, 64), 2);
    assert_string_equal(names[0], "log_level");
    assert_string_equal(names[1], "may_count");
    sp_config_free(&a);
    sp_config_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_full),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_nul_and_size),
        cmocka_unit_test(test_public_key_text), cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_governance),      cmocka_unit_test(test_diff_keep),
        cmocka_unit_test(test_case_keys),       cmocka_unit_test(test_case_diff_keep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
