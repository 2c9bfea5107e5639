/*
 * The node's configuration file: one parser fed line by line, producing an
 * immutable struct sp_config. The format (documented in daemon/README.md):
 *
 *     # comment
 *     node = gemeente-a
 *     listen = tcp://127.0.0.1:7101
 *     state_dir = /var/lib/snijpunt
 *     identity = /etc/snijpunt/identity.key
 *     [peer belasting]
 *     endpoint = tcp://127.0.0.1:7102
 *     public_key = <text from `snijpunt init` / sp_identity_public_encode>
 *
 * Unknown keys and sections, duplicates, missing required keys and values
 * out of range are errors, reported as "FILE:LINE: what is wrong". Secrets are
 * referenced by path, never inline. Pure: sp_config_parse does no I/O;
 * sp_config_load reads the file and calls it.
 */
#ifndef SP_DAEMON_CONFIG_H
#define SP_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_CONFIG_NAME_MAX     64 /* node and peer names: [a-z0-9-]{1,64} */
#define SP_CONFIG_ENDPOINT_MAX 255
#define SP_CONFIG_PATH_MAX     4095
#define SP_CONFIG_IPC_PATH_MAX 100 /* sun_path holds 108 bytes with "ipc://" gone */
#define SP_CONFIG_MAX_PEERS    31  /* 32 participants including this node */
#define SP_CONFIG_MAX_BYTES    (1u << 20)
#define SP_CONFIG_DIAG_BYTES   512
#define SP_CONFIG_KEY_BYTES    32

#define SP_CONFIG_DEFAULT_CONTROL "/run/snijpunt/control.sock"
#define SP_CONFIG_DEFAULT_STATE   "/var/lib/snijpunt"
/* Local policy lists (accept_coordinator, accept_purpose, accept_legal_basis):
 * at most this many lines each; texts as in proposals. */
#define SP_CONFIG_MAX_ACCEPT      16
#define SP_CONFIG_COORDINATOR_MAX 64   /* a coordinator certificate's CN */
#define SP_CONFIG_PURPOSE_MAX     1024 /* = SP_PROTO_TEXT_MAX */
#define SP_CONFIG_BASIS_MAX       256  /* = SP_PROTO_LEGAL_BASIS_MAX */
#define SP_CONFIG_SHA256_BYTES    32
/* Default small-cell threshold for counts shown to coordinators. */
#define SP_CONFIG_DEFAULT_SUPPRESS 10

enum sp_log_level {
    SP_LOG_ERROR = 0,
    SP_LOG_WARN = 1,
    SP_LOG_INFO = 2,
    SP_LOG_DEBUG = 3,
};

struct sp_config_peer {
    char name[SP_CONFIG_NAME_MAX + 1];
    char endpoint[SP_CONFIG_ENDPOINT_MAX + 1]; /* tcp://HOST:PORT or ipc://PATH */
    uint8_t sign_pk[SP_CONFIG_KEY_BYTES];      /* Ed25519 */
    uint8_t curve_pk[SP_CONFIG_KEY_BYTES];     /* X25519, for ZMQ_CURVE_SERVERKEY / ZAP */
    char cert_path[SP_CONFIG_PATH_MAX + 1];    /* its certificate; "" = <cert_dir>/<name>.crt */
    unsigned line;                             /* where its section starts */
};

/* Immutable after sp_config_parse; read the fields directly. The daemon's
 * one live configuration is replaced in place by a reload (SIGHUP,
 * daemon/reload.h) on the main thread between events; generation tells a
 * borrower that keeps copies (the peer transport) that it changed. */
struct sp_config {
    uint64_t generation;                         /* 0 as parsed; +1 per applied reload */
    char source[SP_CONFIG_PATH_MAX + 1];         /* file name used in diagnostics */
    char node[SP_CONFIG_NAME_MAX + 1];           /* required */
    char listen[SP_CONFIG_ENDPOINT_MAX + 1];     /* required; peers connect here */
    char state_dir[SP_CONFIG_PATH_MAX + 1];      /* default SP_CONFIG_DEFAULT_STATE */
    char backup_dir[SP_CONFIG_PATH_MAX + 1];     /* BACKUP writes here; "" = <state_dir>/backup */
    char metrics_file[SP_CONFIG_PATH_MAX + 1];   /* Prometheus textfile; "" = none */
    uint32_t metrics_interval_s;                 /* rewrite it this often, 1..3600, default 15 */
    char identity_path[SP_CONFIG_PATH_MAX + 1];  /* required: secret key file */
    char control_socket[SP_CONFIG_PATH_MAX + 1]; /* default SP_CONFIG_DEFAULT_CONTROL */
    char control_group[SP_CONFIG_NAME_MAX + 1];  /* "" = owner-only socket */
    int log_level;                               /* enum sp_log_level, default INFO */
    uint32_t round_deadline_s;    /* 1..86400, default 600; a round's size may call for more */
    uint32_t round_stall_s;       /* no progress in a round this long fails it, 10..86400, 120 */
    uint32_t batch_size;          /* elements per BATCH, 1..4096, default 4096 */
    uint32_t batch_window;        /* unacknowledged batches per stream, 1..64, default 8 */
    uint32_t worker_threads;      /* 1..64, default 2 */
    uint64_t store_map_bytes;     /* 1 MiB..1 TiB, default 8 GiB */
    uint32_t load_idle_timeout_s; /* abort a load idle this long, default 300 */
    uint32_t max_set_size;        /* values per key type a node offers, 0 = no cap */
    /* Federation identity (X.509, pki/): with ca_cert set, node_cert and a
     * certificate for every peer are required (daemon/members.h). */
    char ca_cert_path[SP_CONFIG_PATH_MAX + 1];   /* "" = no federation CA */
    char crl_path[SP_CONFIG_PATH_MAX + 1];       /* "" = no revocation list */
    char node_cert_path[SP_CONFIG_PATH_MAX + 1]; /* this node's certificate */
    char cert_dir[SP_CONFIG_PATH_MAX + 1];       /* peers' <name>.crt; "" = none */
    uint32_t crl_reload_s;                       /* re-read the CRL this often, default 300 */
    /* Local policy for round proposals (daemon/policy.h). Empty lists accept
     * anything of their kind. */
    bool allow_unsigned_rounds; /* default false: only coordinator-signed proposals */
    size_t ncoordinators;       /* accept_coordinator lines */
    char coordinators[SP_CONFIG_MAX_ACCEPT][SP_CONFIG_COORDINATOR_MAX + 1];
    size_t npurposes; /* accept_purpose lines */
    char purposes[SP_CONFIG_MAX_ACCEPT][SP_CONFIG_PURPOSE_MAX + 1];
    size_t nlegal_bases; /* accept_legal_basis lines */
    char legal_bases[SP_CONFIG_MAX_ACCEPT][SP_CONFIG_BASIS_MAX + 1];
    uint32_t accept_key_types;          /* SP_KEY_MASK bits; default all */
    uint32_t accept_modes;              /* bit 1 << mode; default all three */
    uint32_t accept_min_holders;        /* smallest k accepted, 1..32, default 2 */
    uint64_t accept_max_set_size;       /* largest proposal max_set_size; 0 = any */
    uint32_t accept_max_retention_days; /* default UINT32_MAX (any) */
    bool may_count;                     /* may be the counting node; default true */
    bool net_process; /* peers' bytes parsed in a separate sandboxed process; default false */
    uint32_t counts_suppress_below; /* COUNTS cells below this are withheld */
    /* Case questions (docs/case-questions.md; struct sp_engine_config's
     * case fields). As an answering node: */
    uint32_t case_key_types;           /* SP_KEY_MASK bits answered about; 0 (default): none */
    uint32_t case_epoch_days;          /* 1..366, default 30 */
    uint32_t case_max_values;          /* largest question answered, 1..4096, default 100 */
    uint32_t case_questions_per_epoch; /* per coordinator, default 20 */
    uint64_t case_values_per_epoch;    /* per coordinator, all questions, default 1000 */
    bool case_tell_holders;            /* accepts proposals that tell holders; default false */
    size_t ncase_askers;               /* case_askers: configured peers it answers */
    char case_askers[SP_CONFIG_MAX_PEERS][SP_CONFIG_NAME_MAX + 1];
    /* As an asking node: */
    bool case_ask;                /* default false */
    uint32_t case_filter_check_s; /* asks partners for newer filters this often, default 60 */
    uint8_t sha256[SP_CONFIG_SHA256_BYTES]; /* of the configuration text (audit) */
    size_t npeers;
    struct sp_config_peer peers[SP_CONFIG_MAX_PEERS];
};

/* Parses configuration text. source names the file in diagnostics. On error
 * writes "SOURCE:LINE: message" (NUL-terminated, at most diag_cap bytes) into
 * diag when not NULL. *out is heap-allocated, freed with sp_config_free.
 * Returns 0, SP_ERR_CONFIG, SP_ERR_NOMEM, SP_ERR_OVERFLOW (text too long). */
SP_NODISCARD int sp_config_parse(const char *text, size_t len, const char *source,
                                 struct sp_config **out, char *diag, size_t diag_cap);
/* Reads path (at most SP_CONFIG_MAX_BYTES) and parses it. Returns as
 * sp_config_parse, or SP_ERR_IO / SP_ERR_NOT_FOUND with diag saying why. */
SP_NODISCARD int sp_config_load(const char *path, struct sp_config **out, char *diag,
                                size_t diag_cap);
void sp_config_free(struct sp_config **cfg);

/* The settings whose values differ between a and b: the names of the
 * global keys (a repeatable key as one list), in the order of the format.
 * Peer sections are not compared here. Writes at most cap names (static
 * strings) into names and returns how many differ. */
size_t sp_config_diff(const struct sp_config *a, const struct sp_config *b, const char **names,
                      size_t cap);
/* Gives dst the value src has for the global key name (a repeatable key:
 * the whole list). Returns 0, or SP_ERR_NOT_FOUND for no such key. */
SP_NODISCARD int sp_config_keep(struct sp_config *dst, const struct sp_config *src,
                                const char *name);
/* Whether two peer sections say the same (name, endpoint, keys, cert). */
bool sp_config_peer_same(const struct sp_config_peer *a, const struct sp_config_peer *b);

/* The peer named name, or NULL. */
const struct sp_config_peer *sp_config_peer_find(const struct sp_config *cfg, const char *name);
/* The peer whose CURVE public key is curve_pk (constant-time compare), or NULL. */
const struct sp_config_peer *sp_config_peer_by_curve(const struct sp_config *cfg,
                                                     const uint8_t curve_pk[SP_CONFIG_KEY_BYTES]);
/* "error", "warn", "info", "debug". */
const char *sp_log_level_name(int level);

#endif
