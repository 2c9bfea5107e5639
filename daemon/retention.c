/*
 * Retention of results (retention.h): which rounds are due, and their
 * purge with its audit entry in one transaction.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/roundid.h"
#include "round/audit_events.h"
#include "daemon/audit_log.h"
#include "daemon/log.h"
#include "daemon/retention.h"
#include "round/round_meta.h"
#include "daemon/store.h"

#define DAY_S UINT64_C(86400)

struct due {
    uint8_t id[SP_ROUND_ID_BYTES];
    uint32_t days;
};

struct scan {
    struct sp_store *store;
    uint64_t now;
    struct due *due;
    size_t n, max;
};

/* The retention of a round from its record: 0 when it applies (*days set). */
static int round_retention(const void *blob, size_t len, uint64_t *finished, uint32_t *days)
{
    struct sp_round_meta *m = malloc(sizeof *m);
    struct sp_proposal *p = malloc(sizeof *p);
    int rc = !m || !p ? SP_ERR_NOMEM : sp_round_meta_decode(blob, len, m);
    if (!rc)
        rc = sp_proposal_decode(m->proposal, m->proposal_len, p);
    if (!rc) {
        *finished = m->finished_at;
        *days = p->retention_days;
    }
    free(m);
    free(p);
    return rc;
}

static int collect(void *ctx, const uint8_t id[SP_ROUND_ID_BYTES], const void *blob, size_t len)
{
    struct scan *s = ctx;
    uint64_t finished = 0;
    uint32_t days = 0;
    bool committed = false;
    if (s->n == s->max)
        return 0;
    if (round_retention(blob, len, &finished, &days) != 0 || finished == 0)
        return 0; /* no proposal (damaged record) or not finished */
    if (sp_store_results_committed(s->store, id, &committed) != 0 || !committed)
        return 0;
    /* retention 0 waits to be read, unless there is nothing to read */
    if (days == 0) {
        uint64_t rows = 0;
        struct sp_count_entry *c = NULL;
        size_t nc = 0;
        if (sp_store_results_total(s->store, id, &rows) != 0 || rows)
            return 0;
        int rc = sp_store_counts_get(s->store, id, &c, &nc);
        free(c);
        if (rc != 0 || nc)
            return 0;
    } else if (s->now < finished || s->now - finished < (uint64_t)days * DAY_S) {
        return 0;
    }
    memcpy(s->due[s->n].id, id, SP_ROUND_ID_BYTES);
    s->due[s->n++].days = days;
    return 0;
}

static int purge(struct sp_store *store, struct sp_audit_log *log, const struct due *d,
                 uint64_t now)
{
    uint64_t rows = 0;
    char detail[128], hex[SP_ROUND_ID_HEX_LEN + 1];
    struct sp_audit_entry *e = NULL;
    bool committed = false;
    int rc = sp_store_results_committed(store, d->id, &committed);
    if (rc || !committed)
        return rc; /* already gone: nothing to purge, nothing to record */
    if ((rc = sp_store_results_total(store, d->id, &rows)) != 0)
        return rc;
    snprintf(detail, sizeof detail, "%s",
             d->days ? "the retention period of the round's proposal ended"
                     : "results kept until read once (retention 0), and read");
    if ((rc = sp_auditev_retention_purge(d->id, d->days, rows, detail, &e)) != 0 ||
        (rc = sp_audit_log_stage(log, &e, now)) != 0)
        return rc;
    rc = sp_store_round_delete_results(store, d->id);
    if (rc)
        sp_audit_log_discard(log); /* no-op when the hook already dropped it */
    sp_round_id_hex(d->id, hex);
    if (rc)
        sp_log_error("round %s: cannot delete its results: %s", hex, sp_strerror(rc));
    else
        sp_log_info("round %s: results deleted (%" PRIu64 " rows; retention %" PRIu32 " days)", hex,
                    rows, d->days);
    return rc;
}

int sp_retention_run(struct sp_store *store, struct sp_audit_log *log, uint64_t now,
                     size_t max_rounds, size_t *purged)
{
    struct scan s = {store, now, calloc(max_rounds ? max_rounds : 1, sizeof(struct due)), 0,
                     max_rounds};
    if (!s.due)
        return SP_ERR_NOMEM;
    if (purged)
        *purged = 0;
    /* collect first: no write transaction inside the walk */
    int rc = sp_store_rounds_foreach(store, collect, &s);
    for (size_t i = 0; !rc && i < s.n; i++) {
        rc = purge(store, log, &s.due[i], now);
        if (!rc && purged)
            (*purged)++;
    }
    free(s.due);
    return rc;
}

int sp_retention_served(struct sp_store *store, struct sp_audit_log *log,
                        const uint8_t round_id[SP_ROUND_ID_BYTES], uint64_t now)
{
    void *blob = NULL;
    size_t len = 0;
    uint64_t finished = 0;
    struct due d = {.days = 1};
    int rc = sp_store_round_get(store, round_id, &blob, &len);
    if (!rc)
        rc = round_retention(blob, len, &finished, &d.days);
    free(blob);
    if (rc || d.days != 0 || finished == 0)
        return rc == SP_ERR_NOT_FOUND ? 0 : rc;
    memcpy(d.id, round_id, 16);
    return purge(store, log, &d, now);
}
