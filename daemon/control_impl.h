/*
 * Internals of the control socket shared by control.c (socket, dispatch,
 * status, loads, datasets, results, counts) and control_gov.c (the audit
 * log export, the signed head, small-cell suppression). Not an interface.
 */
#ifndef SP_DAEMON_CONTROL_IMPL_H
#define SP_DAEMON_CONTROL_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/config.h"
#include "daemon/control.h"
#include "proto/control.h"

struct sp_dataset_load;

struct ctl_load {
    uint32_t id; /* 0: free slot */
    struct sp_dataset_load *load;
    uint64_t last_ms;
};

struct sp_control {
    const struct sp_config *cfg;
    struct sp_store *store;
    struct sp_fed *fed;
    struct sp_gov *gov;
    void *sock;
    char path[SP_CONFIG_PATH_MAX + 1]; /* socket file, "" when not bound */
    uint64_t started_ms;
    struct ctl_load loads[SP_CONTROL_MAX_LOADS];
    uint64_t metrics_due_ms; /* next rewrite of metrics_file */
    bool metrics_failing;    /* the last write failed (logged once) */
};

/* Storage a reply points into until it is encoded. */
struct scratch {
    struct sp_ctl_peer_info *peers;
    struct sp_ctl_dataset_info *datasets;
    struct sp_ctl_result_row *rows;
    struct sp_peer_count *counts;
    struct sp_peer_subject_count *subjects;
    struct sp_ctl_blob *blobs;
    uint8_t *bytes;
};

struct handler_ctx {
    struct sp_control *c;
    const struct sp_ctl_request *rq;
    struct sp_ctl_reply *rp;
    struct scratch *sc;
    uint64_t now_ms;
    bool served;                     /* RESULTS or COUNTS served in full (retention 0) */
    char msg[SP_PROTO_TEXT_MAX + 1]; /* error message for a person */
};

/* control_gov.c */
int sp_control_op_audit_export(struct handler_ctx *h);
int sp_control_op_audit_head(struct handler_ctx *h);
/* Withholds the cells of a COUNTS (SUBJECTS) reply below the node's
 * threshold, and says how many. */
void sp_control_suppress(struct handler_ctx *h);
void sp_control_suppress_subjects(struct handler_ctx *h);

/* STATUS's certificate, CRL and audit log fields (left 0 when absent). */
void sp_control_status_gov(struct handler_ctx *h, struct sp_ctl_status_reply *st);

/* control_metrics.c: rewrites metrics_file when due (Prometheus text). */
void sp_control_metrics_tick(struct sp_control *c, uint64_t now_ms);
/* Milliseconds until the next rewrite, or -1 without metrics_file. */
long sp_control_metrics_timeout_ms(const struct sp_control *c, uint64_t now_ms);

/* control_backup.c: writes a compacted copy of the store into backup_dir. */
int sp_control_op_backup(struct handler_ctx *h);

#endif
