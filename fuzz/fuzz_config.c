/* libFuzzer harness for the daemon's configuration parser (daemon/config.h):
 * any bytes in, either a configuration or an error with a diagnostic. A
 * refusal must name the file, NUL-terminate within the buffer and leave the
 * output alone. A configuration that parses must hold every documented range
 * (checked here against daemon/README.md, not against the parser's table)
 * and must survive a round trip: written back as canonical text, it parses
 * again to the same struct. The round trip catches a value the parser lets
 * through by one spelling and refuses by another (e.g. a peer key accepted
 * as curve_key that public_key would refuse). */
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "crypto/identity.h"
#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SOURCE "fuzz.conf"

/* The canonical text; a parsed configuration is far below this size. */
static char text_buf[SP_CONFIG_MAX_BYTES];
static size_t text_len;

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_string(const char *s, size_t cap)
{
    check(memchr(s, '\0', cap) != NULL);
}

__attribute__((format(printf, 1, 2))) static void emit(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(text_buf + text_len, sizeof(text_buf) - text_len, fmt, ap);
    va_end(ap);
    check(n >= 0 && (size_t)n < sizeof(text_buf) - text_len);
    text_len += (size_t)n;
}

static void check_name(const char *s)
{
    size_t n = strlen(s);

    check(n >= 1 && n <= SP_CONFIG_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        check((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-');
}

static void check_endpoint(const char *s)
{
    check_string(s, SP_CONFIG_ENDPOINT_MAX + 1);
    check(strncmp(s, "tcp://", 6) == 0 || strncmp(s, "ipc:///", 7) == 0);
}

static void check_path(const char *s, size_t cap, int required)
{
    check_string(s, cap);
    check(required ? s[0] == '/' : (s[0] == '/' || s[0] == '\0'));
}

/* The documented ranges of the global settings. */
static void check_globals(const struct sp_config *c)
{
    check_string(c->source, sizeof(c->source));
    check(strcmp(c->source, SOURCE) == 0);
    check_name(c->node);
    check_endpoint(c->listen);
    check_path(c->identity_path, sizeof(c->identity_path), 1);
    check_path(c->state_dir, sizeof(c->state_dir), 1);
    check_path(c->control_socket, SP_CONFIG_IPC_PATH_MAX + 1, 1);
    check_string(c->control_group, sizeof(c->control_group));
    check(c->log_level >= SP_LOG_ERROR && c->log_level <= SP_LOG_DEBUG);
    check(c->round_deadline_s >= 1 && c->round_deadline_s <= 86400);
    check(c->round_stall_s >= 10 && c->round_stall_s <= 86400);
    check(c->batch_size >= 1 && c->batch_size <= 4096);
    check(c->batch_window >= 1 && c->batch_window <= 64);
    check(c->worker_threads >= 1 && c->worker_threads <= 64);
    check(c->store_map_bytes >= (UINT64_C(1) << 20) && c->store_map_bytes <= (UINT64_C(1) << 40));
    check(c->load_idle_timeout_s >= 10 && c->load_idle_timeout_s <= 86400);
    check(c->crl_reload_s >= 10 && c->crl_reload_s <= 86400);
    check(c->accept_min_holders >= 1 && c->accept_min_holders <= 32);
    check(c->counts_suppress_below <= 1000000);
    check(c->accept_key_types != 0 && (c->accept_key_types & ~SP_KEY_MASK_ALL) == 0);
    check(c->accept_modes != 0 && (c->accept_modes & ~UINT32_C(0xe)) == 0);
    check(c->ncoordinators <= SP_CONFIG_MAX_ACCEPT && c->npurposes <= SP_CONFIG_MAX_ACCEPT &&
          c->nlegal_bases <= SP_CONFIG_MAX_ACCEPT);
    check((c->case_key_types & ~SP_KEY_MASK_ALL) == 0);
    check(c->case_epoch_days >= 1 && c->case_epoch_days <= 366);
    check(c->case_max_values >= 1 && c->case_max_values <= 4096);
    check(c->case_questions_per_epoch >= 1 && c->case_values_per_epoch >= 1);
    check(c->case_filter_check_s >= 1 && c->case_filter_check_s <= 86400);
    check(c->ncase_askers <= c->npeers);
    for (size_t i = 0; i < c->ncase_askers; i++)
        check(sp_config_peer_find(c, c->case_askers[i]) != NULL);
}

/* Certificates belong together (members.h); peers are distinct. */
static void check_peers(const struct sp_config *c)
{
    check(c->npeers <= SP_CONFIG_MAX_PEERS);
    check(c->ca_cert_path[0] ? c->node_cert_path[0] != '\0'
                             : !c->crl_path[0] && !c->node_cert_path[0] && !c->cert_dir[0]);
    for (size_t i = 0; i < c->npeers; i++) {
        const struct sp_config_peer *p = &c->peers[i];
        check_name(p->name);
        check(strcmp(p->name, c->node) != 0);
        check_endpoint(p->endpoint);
        check(strcmp(p->endpoint, c->listen) != 0);
        check_path(p->cert_path, sizeof(p->cert_path), 0);
        if (!c->ca_cert_path[0])
            check(p->cert_path[0] == '\0');
        else
            check(p->cert_path[0] != '\0' || c->cert_dir[0] != '\0');
        check(sp_config_peer_find(c, p->name) == p);
        check(sp_config_peer_by_curve(c, p->curve_pk) == p);
    }
}

static void emit_list(const char *key, const char *lines, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++)
        emit("%s = %s\n", key, lines + i * stride);
}

static void emit_keymask(const char *key, uint32_t mask)
{
    const char *sep = "";

    emit("%s = ", key);
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (mask & SP_KEY_MASK(t)) {
            emit("%s%s", sep, sp_key_type_name(t));
            sep = ", ";
        }
    emit("\n");
}

static void emit_masks(const struct sp_config *c)
{
    static const char *const modes[] = {NULL, "counts", "threshold", "partners"};
    const char *sep = "";

    emit_keymask("accept_key_types", c->accept_key_types);
    emit("accept_modes = ");
    for (int m = 1; m <= 3; m++)
        if (c->accept_modes & (UINT32_C(1) << m)) {
            emit("%s%s", sep, modes[m]);
            sep = ",";
        }
    emit("\n");
}

static void emit_optional(const char *key, const char *value)
{
    if (value[0])
        emit("%s = %s\n", key, value);
}

/* The case question keys; an empty mask or list is the key left out. */
static void emit_case(const struct sp_config *c)
{
    if (c->case_key_types)
        emit_keymask("case_key_types", c->case_key_types);
    emit("case_epoch_days = %u\ncase_max_values = %u\n", c->case_epoch_days, c->case_max_values);
    emit("case_questions_per_epoch = %u\ncase_values_per_epoch = %llu\n",
         c->case_questions_per_epoch, (unsigned long long)c->case_values_per_epoch);
    emit("case_tell_holders = %s\ncase_ask = %s\ncase_filter_check = %u\n",
         c->case_tell_holders ? "yes" : "no", c->case_ask ? "yes" : "no", c->case_filter_check_s);
    for (size_t i = 0; i < c->ncase_askers; i++)
        emit("%s%s", i ? "," : "case_askers = ", c->case_askers[i]);
    if (c->ncase_askers)
        emit("\n");
}

static void emit_globals(const struct sp_config *c)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};

    emit("node = %s\nlisten = %s\nidentity = %s\n", c->node, c->listen, c->identity_path);
    emit("state_dir = %s\ncontrol_socket = %s\n", c->state_dir, c->control_socket);
    emit_optional("control_group", c->control_group);
    emit("log_level = %s\nround_deadline = %u\n", levels[c->log_level], c->round_deadline_s);
    emit("round_stall = %u\n", c->round_stall_s);
    emit("batch_size = %u\nbatch_window = %u\n", c->batch_size, c->batch_window);
    emit("worker_threads = %u\nstore_map_size = %llu\n", c->worker_threads,
         (unsigned long long)c->store_map_bytes);
    emit("load_idle_timeout = %u\nmax_set_size = %u\n", c->load_idle_timeout_s, c->max_set_size);
    emit_optional("ca_cert", c->ca_cert_path);
    emit_optional("crl", c->crl_path);
    emit_optional("node_cert", c->node_cert_path);
    emit_optional("cert_dir", c->cert_dir);
    emit("crl_reload = %u\nallow_unsigned_rounds = %s\n", c->crl_reload_s,
         c->allow_unsigned_rounds ? "yes" : "no");
    emit_list("accept_coordinator", c->coordinators[0], c->ncoordinators,
              sizeof(c->coordinators[0]));
    emit_list("accept_purpose", c->purposes[0], c->npurposes, sizeof(c->purposes[0]));
    emit_list("accept_legal_basis", c->legal_bases[0], c->nlegal_bases, sizeof(c->legal_bases[0]));
    emit_masks(c);
    emit("accept_min_holders = %u\naccept_max_set_size = %llu\n", c->accept_min_holders,
         (unsigned long long)c->accept_max_set_size);
    emit("accept_max_retention_days = %u\nmay_count = %s\n", c->accept_max_retention_days,
         c->may_count ? "yes" : "no");
    emit("counts_suppress_below = %u\nnet_process = %s\n", c->counts_suppress_below,
         c->net_process ? "yes" : "no");
    emit_case(c);
}

/* Peers in the documented form: the public_key line `snijpunt init` prints,
 * whichever spelling the input used. */
static void emit_peers(const struct sp_config *c)
{
    for (size_t i = 0; i < c->npeers; i++) {
        const struct sp_config_peer *p = &c->peers[i];
        struct sp_identity_public pub;
        char key[SP_IDENTITY_PUBLIC_TEXT_MAX_BYTES];
        size_t n = 0;

        memcpy(pub.sign_pk, p->sign_pk, sizeof(pub.sign_pk));
        memcpy(pub.curve_pk, p->curve_pk, sizeof(pub.curve_pk));
        check(sp_identity_public_encode(&pub, key, sizeof(key), &n) == 0);
        emit("\n[peer %s]\nendpoint = %s\npublic_key = %s", p->name, p->endpoint, key);
        emit_optional("cert", p->cert_path);
    }
}

/* Parses the canonical text of a and compares: equal but for where things
 * were (lines), the file name and the digest of the text. */
static void check_round_trip(const struct sp_config *a)
{
    struct sp_config *b = NULL;
    char diag[SP_CONFIG_DIAG_BYTES];

    text_len = 0;
    emit_globals(a);
    emit_peers(a);
    if (sp_config_parse(text_buf, text_len, SOURCE, &b, diag, sizeof(diag)) != 0) {
        fprintf(stderr, "canonical text refused: %s\n%.*s", diag, (int)text_len, text_buf);
        abort();
    }
    memcpy(b->sha256, a->sha256, sizeof(b->sha256));
    for (size_t i = 0; i < b->npeers && i < a->npeers; i++)
        b->peers[i].line = a->peers[i].line;
    check(memcmp(a, b, sizeof(*a)) == 0);
    sp_config_free(&b);
    check(b == NULL);
}

static void check_accepted(const struct sp_config *c, const uint8_t *data, size_t size)
{
    uint8_t digest[crypto_hash_sha256_BYTES];

    check_globals(c);
    check_peers(c);
    crypto_hash_sha256(digest, data, size);
    check(memcmp(digest, c->sha256, sizeof(digest)) == 0);
    check_round_trip(c);
}

/* A refusal names the file (and the line when there is one), and a smaller
 * buffer gets the same verdict with the message cut short. */
static void check_refused(int rc, const char *diag, size_t cap, const uint8_t *data, size_t size)
{
    struct sp_config *again = NULL;
    char small[12];

    check(rc == SP_ERR_CONFIG || rc == SP_ERR_NOMEM || rc == SP_ERR_OVERFLOW);
    check_string(diag, cap);
    if (rc == SP_ERR_NOMEM)
        return;
    check(strncmp(diag, SOURCE ":", sizeof(SOURCE)) == 0 && strlen(diag) > sizeof(SOURCE) + 1);
    memset(small, 'x', sizeof(small));
    check(sp_config_parse((const char *)data, size, SOURCE, &again, small, sizeof(small)) == rc);
    check(again == NULL);
    check_string(small, sizeof(small));
    check(strncmp(small, diag, strlen(small)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sp_config *cfg = NULL;
    char diag[SP_CONFIG_DIAG_BYTES];

    if (sodium_init() < 0)
        abort();
    memset(diag, 'x', sizeof(diag));
    int rc = sp_config_parse((const char *)data, size, SOURCE, &cfg, diag, sizeof(diag));
    if (rc == 0) {
        check(cfg != NULL);
        check_accepted(cfg, data, size);
        sp_config_free(&cfg);
        check(cfg == NULL);
    } else {
        check(cfg == NULL);
        check_refused(rc, diag, sizeof(diag), data, size);
    }
    return 0;
}
