/* Showing rounds on the command line; see cli_round_view.h. */
#include "tools/cli_round_view.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "tools/cli_control.h"

const char *sp_cli_mode_name(int mode)
{
    if (mode == SP_PROPOSAL_MODE_CASE)
        return "case"; /* audit/schema.h names the whole-dataset modes only */
    const char *name = sp_audit_mode_name(mode);
    return name ? name : "?";
}

int sp_cli_round_get(struct sp_cli_conn *conn, const uint8_t id[SP_ROUND_ID_BYTES], const char *cmd,
                     struct sp_ctl_round_info *out)
{
    struct sp_ctl_request req = {.op = SP_CTL_ROUNDS};
    struct sp_ctl_reply rep;
    memcpy(req.rounds.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return 1;
    int rc = sp_cli_reply_failed(&rep, cmd) || rep.rounds.nrounds != 1;
    if (!rc)
        *out = rep.rounds.rounds[0];
    sp_ctl_reply_clear(&rep);
    return rc;
}

int sp_cli_round_readable(const struct sp_ctl_round_info *ri, const char *prog, const char *ask,
                          bool consume, const char *reading)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(ri->round_id, hex);
    if (ask && !ri->initiator) {
        fprintf(stderr,
                "%s: round %s was not initiated by this node: only the node that initiated it "
                "holds the coordinator's counts (%s)\n",
                prog, hex, ask);
        return 1;
    }
    if (ri->retention_days == 0 && !consume) {
        fprintf(stderr,
                "%s: round %s is kept until read once (retention 0 days): %s on this node. "
                "Nothing was read; run again with --consume to read and delete.\n",
                prog, hex, reading);
        return 1;
    }
    return 0;
}

/* What a phase counts (daemon/ROUNDS.md, "Progress"). */
static const char *phase_unit(const char *phase)
{
    if (strcmp(phase, "proposed") == 0)
        return "participants accepted";
    if (strcmp(phase, "writing") == 0)
        return "rows";
    return "values";
}

void sp_cli_progress_of(const struct sp_ctl_round_info *ri, struct sp_cli_progress *p)
{
    memset(p, 0, sizeof *p);
    p->unit = phase_unit(ri->phase);
    p->known = ri->phase_total > 0;
    if (!p->known)
        return;
    p->percent = (unsigned)(ri->phase_done * 100 / ri->phase_total);
    p->rate = ri->phase_rate;
    if (p->rate > 0)
        p->eta_s = (ri->phase_total - ri->phase_done + p->rate - 1) / p->rate;
}

void sp_cli_progress_text(const struct sp_ctl_round_info *ri, char *out, size_t cap)
{
    struct sp_cli_progress p;
    sp_cli_progress_of(ri, &p);
    if (!p.known) {
        snprintf(out, cap, "%s", ri->phase);
        return;
    }
    int n = snprintf(out, cap, "%s %" PRIu64 "/%" PRIu64 " %s (%u%%)", ri->phase, ri->phase_done,
                     ri->phase_total, p.unit, p.percent);
    if (n > 0 && (size_t)n < cap && p.rate > 0 && ri->phase_done < ri->phase_total)
        snprintf(out + n, cap - (size_t)n, ", %" PRIu64 "/s, about %" PRIu64 " s left", p.rate,
                 p.eta_s);
}

void sp_cli_progress_bar(const struct sp_ctl_round_info *ri, unsigned width, char *out, size_t cap)
{
    char figures[160], bar[128];
    struct sp_cli_progress p;
    sp_cli_progress_of(ri, &p);
    sp_cli_progress_text(ri, figures, sizeof figures);
    unsigned room = width > strlen(figures) + 16 ? width - (unsigned)strlen(figures) - 6 : 10;
    if (room > sizeof bar - 1)
        room = sizeof bar - 1;
    unsigned full = p.known ? room * p.percent / 100 : 0;
    for (unsigned i = 0; i < room; i++)
        bar[i] = i < full ? '#' : '.';
    bar[room] = '\0';
    snprintf(out, cap, "[%s] %s", bar, figures);
}

static void print_time(FILE *out, const char *label, uint64_t t)
{
    char iso[32];
    if (t == 0)
        return;
    sp_cli_time_iso(t, iso);
    fprintf(out, "%s%s", label, iso);
}

static void print_matched(FILE *out, const struct sp_ctl_round_info *ri)
{
    fprintf(out,
            "  own records matched: %" PRIu64 " (person %" PRIu64 ", company %" PRIu64
            "; mentioned: address %" PRIu64 ", vehicle %" PRIu64 ", account %" PRIu64 ")\n",
            ri->records_matched, ri->matched[SP_ENTITY_PERSON], ri->matched[SP_ENTITY_COMPANY],
            ri->matched[SP_ENTITY_ADDRESS], ri->matched[SP_ENTITY_VEHICLE],
            ri->matched[SP_ENTITY_ACCOUNT]);
}

void sp_cli_round_print(FILE *out, const struct sp_ctl_round_info *ri)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1], progress[200];
    sp_round_id_hex(ri->round_id, hex);
    sp_cli_progress_text(ri, progress, sizeof progress);
    fprintf(out, "round %s  %s", hex, ri->state);
    if (strcmp(ri->phase, ri->state) != 0)
        fprintf(out, ": %s", progress);
    fprintf(out, "\n  case %s, mode %s, k=%u%s\n", ri->case_ref[0] ? ri->case_ref : "(none)",
            sp_cli_mode_name(ri->mode), (unsigned)ri->min_holders,
            ri->initiator ? ", initiated here" : "");
    fprintf(out, "  participants ");
    for (uint32_t i = 0; i < ri->nparticipants; i++)
        fprintf(out, "%s%s", i ? ", " : "", ri->participants[i]);
    fprintf(out, "\n ");
    print_time(out, " created ", ri->created_at);
    print_time(out, ", started ", ri->started_at);
    print_time(out, ", finished ", ri->finished_at);
    if (ri->started_at && ri->finished_at >= ri->started_at)
        fprintf(out, " (%" PRIu64 " s)", ri->finished_at - ri->started_at);
    fprintf(out, "\n");
    print_matched(out, ri);
    if (ri->reason[0])
        fprintf(out, "  reason: %s\n", ri->reason);
}

void sp_cli_round_list(FILE *out, const struct sp_ctl_round_info *rounds, uint32_t n)
{
    if (n == 0) {
        fprintf(out, "no rounds\n");
        return;
    }
    fprintf(out, "%-32s  %-24s  %-9s  %-9s  %-20s  %s\n", "round", "case", "mode", "state",
            "started", "duration");
    for (uint32_t i = 0; i < n; i++) {
        const struct sp_ctl_round_info *ri = &rounds[i];
        char hex[SP_ROUND_ID_HEX_LEN + 1], started[32] = "-", dur[32] = "-";
        sp_round_id_hex(ri->round_id, hex);
        if (ri->started_at)
            sp_cli_time_iso(ri->started_at, started);
        if (ri->started_at && ri->finished_at >= ri->started_at)
            snprintf(dur, sizeof dur, "%" PRIu64 " s", ri->finished_at - ri->started_at);
        else if (ri->started_at)
            snprintf(dur, sizeof dur, "%" PRIu64 " s so far",
                     (uint64_t)time(NULL) > ri->started_at ? (uint64_t)time(NULL) - ri->started_at
                                                           : 0);
        fprintf(out, "%-32s  %-24s  %-9s  %-9s  %-20s  %s\n", hex,
                ri->case_ref[0] ? ri->case_ref : "-", sp_cli_mode_name(ri->mode), ri->state,
                started, dur);
    }
}

void sp_cli_round_json(struct sp_json *j, const struct sp_ctl_round_info *ri)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    struct sp_cli_progress p;
    sp_round_id_hex(ri->round_id, hex);
    sp_cli_progress_of(ri, &p);
    sp_json_obj_open(j, NULL);
    sp_json_str(j, "round", hex);
    sp_json_str(j, "state", ri->state);
    sp_json_str(j, "case", ri->case_ref);
    sp_json_str(j, "mode", sp_cli_mode_name(ri->mode));
    sp_json_uint(j, "min_holders", ri->min_holders);
    sp_json_uint(j, "retention_days", ri->retention_days);
    sp_json_bool(j, "initiator", ri->initiator);
    sp_json_arr_open(j, "participants");
    for (uint32_t i = 0; i < ri->nparticipants; i++)
        sp_json_str(j, NULL, ri->participants[i]);
    sp_json_arr_close(j);
    sp_json_uint(j, "created_at", ri->created_at);
    sp_json_uint(j, "started_at", ri->started_at);
    sp_json_uint(j, "finished_at", ri->finished_at);
    sp_json_str(j, "reason", ri->reason);
    sp_json_str(j, "phase", ri->phase);
    sp_json_obj_open(j, "progress");
    sp_json_uint(j, "done", ri->phase_done);
    sp_json_uint(j, "total", ri->phase_total);
    sp_json_str(j, "unit", p.unit);
    sp_json_uint(j, "elapsed_ms", ri->phase_elapsed_ms);
    sp_json_uint(j, "rate_per_s", p.rate);
    sp_json_uint(j, "eta_s", p.eta_s);
    sp_json_obj_close(j);
    sp_json_uint(j, "records_matched", ri->records_matched);
    sp_json_obj_open(j, "matched");
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        sp_json_uint(j, sp_entity_name(e), ri->matched[e]);
    sp_json_obj_close(j);
    sp_json_obj_close(j);
}
