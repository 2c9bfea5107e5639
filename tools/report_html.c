/* The coordinator's report as one HTML page (see report_html.h). */
#include "tools/report_html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hex.h"
#include "common/keytype.h"
#include "tools/report_svg.h"

#define HOLDERS_MAX (SP_REPORT_MAX_PARTICIPANTS * (SP_REPORT_NAME_MAX + 1) + 1)

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#1d2b36;margin:0 auto;max-width:1180px;padding:20px 28px 60px;background:#fff}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;"
    "border-bottom:2px solid #1f5f8b;padding-bottom:4px}h3{font-size:16px;margin:24px 0 6px}"
    ".sub{color:#52616b;margin:0 0 16px}.mono,code{font-family:'DejaVu Sans Mono',"
    "Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}"
    "table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:3px 10px 3px 0;"
    "text-align:left;vertical-align:top}th{color:#52616b;font-weight:600}"
    "table.grid td,table.grid th{border-bottom:1px solid #dde3e8;padding:3px 12px 3px 4px}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "dl.kv{display:grid;grid-template-columns:230px 1fr;gap:3px 12px;margin:6px 0}"
    "dl.kv dt{color:#52616b}dl.kv dd{margin:0;overflow-wrap:anywhere}"
    ".note{background:#fdf6e3;border-left:4px solid #c9a227;padding:6px 10px;margin:8px 0}"
    ".warn{background:#fbeaea;border-left:4px solid #b03a2e;padding:6px 10px;margin:8px 0}"
    ".chart{overflow-x:auto}svg.upset{font-size:12px;display:block;margin:8px 0}"
    "svg .bar{fill:#1f5f8b}svg .bar.below-k{fill:#b8c2cc}svg .total{fill:#6b8fa8}"
    "svg .on{fill:#1d2b36}svg .off{fill:#dde3e8}svg .link{stroke:#1d2b36;stroke-width:3}"
    "svg .stripe{fill:#f4f6f8}svg .num{font-size:11px;fill:#1d2b36}"
    "svg .name{fill:#1d2b36}svg .axis{font-size:11px;fill:#52616b}"
    ".tables{display:flex;flex-wrap:wrap;gap:0 40px;align-items:flex-start}"
    "tr.below-k td{color:#6b7780}footer{margin-top:40px;color:#52616b;font-size:12px}"
    "@media print{body{max-width:none}.chart{overflow:visible}}";

/* n is at most SP_REPORT_HASH_BYTES */
static void hex(FILE *out, const uint8_t *b, size_t n)
{
    char text[2 * SP_REPORT_HASH_BYTES + 1];
    sp_hex_encode(text, b, n <= SP_REPORT_HASH_BYTES ? n : SP_REPORT_HASH_BYTES);
    fputs(text, out);
}

static void time_iso(FILE *out, uint64_t t)
{
    struct tm tm;
    time_t s = (time_t)t;
    if (t == 0 || t > (uint64_t)253402300799 || !gmtime_r(&s, &tm)) {
        fputs("&#8212;", out);
        return;
    }
    fprintf(out, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void duration(FILE *out, uint64_t a, uint64_t b)
{
    if (a == 0 || b < a) {
        fputs("&#8212;", out);
        return;
    }
    uint64_t d = b - a;
    if (d >= 3600)
        fprintf(out, "%" PRIu64 " h %02" PRIu64 " min %02" PRIu64 " s", d / 3600, d / 60 % 60,
                d % 60);
    else if (d >= 60)
        fprintf(out, "%" PRIu64 " min %02" PRIu64 " s", d / 60, d % 60);
    else
        fprintf(out, "%" PRIu64 " s", d);
}

/* <dt>label</dt><dd>escaped text, or "not recorded"</dd> */
static void kv_text(FILE *out, const char *label, const char *text)
{
    fprintf(out, "<dt>%s</dt><dd>", label);
    if (text && text[0])
        sp_report_esc(out, text);
    else
        fputs("<em>not recorded</em>", out);
    fputs("</dd>\n", out);
}

static void kv_hex(FILE *out, const char *label, bool have, const uint8_t *b)
{
    fprintf(out, "<dt>%s</dt><dd class=\"mono\">", label);
    if (have)
        hex(out, b, SP_REPORT_HASH_BYTES);
    else
        fputs("<em>not recorded</em>", out);
    fputs("</dd>\n", out);
}

static const char *disclosure(int mode)
{
    switch (mode) {
    case 1:
        return "counts: the coordinator receives how many values are held by exactly which "
               "combination of partners, small cells suppressed; no partner learns anything "
               "per record";
    case 2:
        return "threshold: each partner learns which of its own records at least k partners "
               "hold, not which";
    case 3:
        return "partners: each partner learns, for its own records held by at least k "
               "partners, which other partners hold them and through which key types";
    default:
        return "unknown";
    }
}

static void head(FILE *out, const struct sp_report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"snijpunt report\">\n"
          "<link rel=\"icon\" href=\"data:,\">\n<title>snijpunt round report",
          out);
    if (r->case_ref[0]) {
        fputs(" &#8212; ", out);
        sp_report_esc(out, r->case_ref);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
    fputs("<header>\n<h1>Round report", out);
    if (r->case_ref[0]) {
        fputs(": ", out);
        sp_report_esc(out, r->case_ref);
    }
    fputs("</h1>\n<p class=\"sub\">Round <span class=\"mono\" id=\"round\">", out);
    sp_report_esc(out, r->round_hex);
    fputs("</span>, as recorded by node <strong>", out);
    sp_report_esc(out, r->node);
    fputs("</strong>; report made ", out);
    time_iso(out, r->generated_at);
    fputs(". Counts only: no record and no identifier appears in this report.</p>\n"
          "</header>\n",
          out);
}

static void participants(FILE *out, const struct sp_report *r)
{
    bool oins = false;
    for (uint32_t i = 0; i < r->nparticipants; i++)
        oins = oins || r->participants[i].oin[0];
    fprintf(out,
            "<h3>Participants</h3>\n<table class=\"grid\" id=\"participants\">\n<thead><tr>"
            "<th class=\"n\">#</th><th>partner</th>%s<th>role</th><th>legal basis</th></tr>"
            "</thead>\n<tbody>\n",
            oins ? "<th>OIN</th>" : "");
    for (uint32_t i = 0; i < r->nparticipants; i++) {
        const struct sp_report_participant *p = &r->participants[i];
        fprintf(out, "<tr data-participant=\"%" PRIu32 "\"><td class=\"n\">%" PRIu32 "</td><td>", i,
                i + 1);
        sp_report_esc(out, p->name);
        if (oins) {
            fputs("</td><td class=\"mono\">", out);
            sp_report_esc(out, p->oin[0] ? p->oin : "-");
        }
        fputs("</td><td>", out);
        bool counter = strcmp(p->name, r->counter) == 0, init = strcmp(p->name, r->initiator) == 0;
        fprintf(out, "%s%s%s</td><td>", counter ? "counting node" : "", counter && init ? ", " : "",
                init ? "initiator" : "");
        if (p->legal_basis[0])
            sp_report_esc(out, p->legal_basis);
        else
            fputs("<em>not in this node's log: stated in the signed proposal (give it with "
                  "--proposal) and in that partner's own audit log</em>",
                  out);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void signed_file(FILE *out, const struct sp_report *r)
{
    const struct sp_report_signed *f = &r->file;
    fputs("<dt>Signed proposal file</dt><dd id=\"signature\"", out);
    if (!f->given) {
        fputs(" data-checked=\"false\">not given to the report (<code>snijpunt report "
              "--proposal FILE --ca CA.crt</code> adds every partner's legal basis and checks "
              "the coordinator's signature)</dd>\n",
              out);
        return;
    }
    if (!f->checked) {
        fputs(" data-checked=\"false\">given, and its SHA-256 is the digest recorded above; "
              "signature not checked (no <code>--ca</code>)</dd>\n",
              out);
        return;
    }
    if (!f->valid) {
        fputs(" data-checked=\"true\" data-valid=\"false\"><span class=\"warn\">the "
              "signature is NOT valid: ",
              out);
        sp_report_esc(out, f->why);
        fputs("</span></dd>\n", out);
        return;
    }
    fputs(" data-checked=\"true\" data-valid=\"true\">signature valid, checked against the "
          "federation CA: signed by <strong>",
          out);
    sp_report_esc(out, f->name);
    fputs("</strong> (", out);
    sp_report_esc(out, f->org);
    fputs(", OIN ", out);
    sp_report_esc(out, f->oin[0] ? f->oin : "-");
    fprintf(out, ", certificate serial %016" PRIX64 ", SHA-256 <span class=\"mono\">", f->serial);
    hex(out, f->fingerprint, SP_REPORT_HASH_BYTES);
    fputs("</span>)</dd>\n", out);
}

static void proposal(FILE *out, const struct sp_report *r)
{
    char keys[400] = "";
    size_t n = 0;
    for (int kt = SP_KEY_TYPE_MIN; kt <= SP_KEY_TYPE_MAX && n < sizeof keys; kt++)
        if (r->key_types & SP_KEY_MASK(kt)) {
            int w =
                snprintf(keys + n, sizeof keys - n, "%s%s", n ? ", " : "", sp_key_type_name(kt));
            n += w > 0 ? (size_t)w : 0;
        }
    fputs("<section id=\"proposal\">\n<h2>The proposal</h2>\n", out);
    if (!r->have_proposal)
        fputs("<p class=\"warn\">This node's audit log holds no acceptance of this round: the "
              "proposal's details below are incomplete.</p>\n",
              out);
    fputs("<dl class=\"kv\">\n", out);
    kv_text(out, "Case reference", r->case_ref);
    kv_text(out, "Purpose", r->purpose);
    kv_text(out, "Coordinator (who proposed and signed)", r->coordinator);
    kv_hex(out, "Coordinator certificate SHA-256", r->have_coordinator_cert,
           r->coordinator_cert_sha256);
    kv_text(out, "Disclosure mode", disclosure(r->mode));
    fprintf(out, "<dt>Minimum holders (k)</dt><dd>%" PRIu32 "</dd>\n", r->min_holders);
    kv_text(out, "Counting node", r->counter);
    kv_text(out, "Initiator", r->initiator);
    kv_text(out, "Key types", keys);
    if (r->max_set_size)
        fprintf(out, "<dt>Most values per partner and key type</dt><dd>%" PRIu64 "</dd>\n",
                r->max_set_size);
    fputs("<dt>Proposal expires</dt><dd>", out);
    time_iso(out, r->expires_at);
    fputs("</dd>\n<dt>Results kept</dt><dd>", out);
    if (r->have_retention && r->retention_days == 0)
        fputs("until read once", out);
    else if (r->have_retention)
        fprintf(out, "%" PRIu32 " days", r->retention_days);
    else
        fputs("<em>not recorded</em>", out);
    fputs("</dd>\n", out);
    if (r->deadline_s)
        fprintf(out, "<dt>Round deadline</dt><dd>%" PRIu32 " s after it starts</dd>\n",
                r->deadline_s);
    kv_hex(out, "Proposal digest (SHA-256)", r->have_proposal_digest, r->proposal_sha256);
    signed_file(out, r);
    fputs("</dl>\n", out);
    participants(out, r);
    fputs("</section>\n", out);
}

static void timings(FILE *out, const struct sp_report *r)
{
    fputs("<section id=\"timings\">\n<h2>Timings</h2>\n<dl class=\"kv\">\n", out);
    kv_text(out, "State", r->state);
    if (r->reason[0])
        kv_text(out, "Reason", r->reason);
    fputs("<dt>Proposed</dt><dd>", out);
    time_iso(out, r->created_at);
    fputs("</dd>\n<dt>Started</dt><dd>", out);
    time_iso(out, r->started_at);
    fputs("</dd>\n<dt>Finished</dt><dd>", out);
    time_iso(out, r->finished_at);
    fputs("</dd>\n<dt>Duration</dt><dd id=\"duration\">", out);
    duration(out, r->started_at, r->finished_at);
    fputs("</dd>\n</dl>\n</section>\n", out);
}

/* ---- the counts ------------------------------------------------------- */

/* Columns: most holders first, then the largest count, then the mask. */
static int col_cmp(const void *a, const void *b)
{
    const struct sp_report_cell *x = *(const struct sp_report_cell *const *)a;
    const struct sp_report_cell *y = *(const struct sp_report_cell *const *)b;
    unsigned dx = sp_report_degree(x->holders), dy = sp_report_degree(y->holders);
    if (dx != dy)
        return dx > dy ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->holders < y->holders ? -1 : x->holders > y->holders;
}

/* One group of cells: an entity (per subject) or a key type (per key value). */
struct group {
    int entity;
    int key_type; /* 0: per subject */
    const struct sp_report_cell **cols;
    uint32_t n;
    uint64_t totals[SP_REPORT_MAX_PARTICIPANTS];
    uint64_t sum, matched; /* matched: cells of at least k holders */
};

static void group_fill(const struct sp_report *r, struct group *g)
{
    uint32_t k = r->min_holders ? r->min_holders : 2;
    g->n = 0;
    g->sum = g->matched = 0;
    memset(g->totals, 0, sizeof g->totals);
    for (uint32_t i = 0; i < r->ncells; i++) {
        const struct sp_report_cell *c = &r->cells[i];
        if (c->entity != g->entity || (g->key_type && c->key_type != g->key_type))
            continue;
        g->cols[g->n++] = c;
        g->sum += c->count;
        g->matched += sp_report_degree(c->holders) >= k ? c->count : 0;
        for (uint32_t p = 0; p < r->nparticipants; p++)
            g->totals[p] += c->holders & (UINT32_C(1) << p) ? c->count : 0;
    }
    qsort(g->cols, g->n, sizeof *g->cols, col_cmp);
}

static void attrs(FILE *out, const struct group *g)
{
    fprintf(out, " data-entity=\"%s\"", sp_report_entity_name(g->entity));
    if (g->key_type)
        fprintf(out, " data-key-type=\"%s\"", sp_key_type_name(g->key_type));
}

static void cell_table(FILE *out, const struct sp_report *r, const struct group *g)
{
    char who[HOLDERS_MAX];
    uint32_t k = r->min_holders ? r->min_holders : 2;
    fputs("<table class=\"grid cells\"><thead><tr><th>held by exactly</th>"
          "<th class=\"n\">partners</th><th class=\"n\">count</th></tr></thead><tbody>\n",
          out);
    for (uint32_t i = 0; i < g->n; i++) {
        const struct sp_report_cell *c = g->cols[i];
        unsigned d = sp_report_degree(c->holders);
        sp_report_holders(r, c->holders, who, sizeof who);
        fprintf(out, "<tr class=\"cell%s\"", d >= k ? "" : " below-k");
        attrs(out, g);
        fputs(" data-holders=\"", out);
        sp_report_esc(out, who);
        fprintf(out, "\" data-holders-mask=\"%" PRIu32 "\" data-count=\"%" PRIu64 "\"><td>",
                c->holders, c->count);
        sp_report_esc(out, who);
        fprintf(out, "</td><td class=\"n\">%u</td><td class=\"n\">%" PRIu64 "</td></tr>\n", d,
                c->count);
    }
    fputs("</tbody></table>\n", out);
}

static void totals_table(FILE *out, const struct sp_report *r, const struct group *g)
{
    fputs("<table class=\"grid totals\"><thead><tr><th>partner</th><th class=\"n\">total "
          "(in the cells shown)</th></tr></thead><tbody>\n",
          out);
    for (uint32_t p = 0; p < r->nparticipants; p++) {
        fputs("<tr class=\"partner-total\"", out);
        attrs(out, g);
        fputs(" data-participant=\"", out);
        sp_report_esc(out, r->participants[p].name);
        fprintf(out, "\" data-total=\"%" PRIu64 "\"><td>", g->totals[p]);
        sp_report_esc(out, r->participants[p].name);
        fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td></tr>\n", g->totals[p]);
    }
    fputs("</tbody></table>\n", out);
}

static int chart(FILE *out, const struct sp_report *r, const struct group *g, const char *what)
{
    char id[64], label[160];
    const char *ent = sp_report_entity_name(g->entity);
    uint32_t k = r->min_holders ? r->min_holders : 2;
    snprintf(id, sizeof id, "chart-%s%s%s", ent, g->key_type ? "-" : "",
             g->key_type ? sp_key_type_name(g->key_type) : "");
    snprintf(label, sizeof label, "%s held by each combination of partners%s%s", what,
             g->key_type ? ", key type " : "", g->key_type ? sp_key_type_name(g->key_type) : "");
    fputs("<div class=\"group\"", out);
    attrs(out, g);
    fprintf(out, " data-total=\"%" PRIu64 "\" data-matched=\"%" PRIu64 "\">\n", g->sum, g->matched);
    if (g->key_type)
        fprintf(out, "<h4>key type <code>%s</code></h4>\n", sp_key_type_name(g->key_type));
    fprintf(out,
            "<p class=\"entity-total\">%" PRIu64 " %s in the cells shown; %" PRIu64
            " of them held by %" PRIu32 " or more partners.</p>\n",
            g->sum, what, g->matched, k);
    uint32_t shown = g->n < SP_REPORT_MAX_COLUMNS ? g->n : SP_REPORT_MAX_COLUMNS;
    struct sp_report_upset u = {
        id, label,   ent,   g->key_type ? sp_key_type_name(g->key_type) : NULL,
        r,  g->cols, shown, g->totals};
    fputs("<div class=\"chart\">\n", out);
    int rc = r->nparticipants ? sp_report_svg_upset(out, &u) : 0; /* no names: tables only */
    fputs("</div>\n", out);
    if (shown < g->n)
        fprintf(out,
                "<p class=\"note\">The chart shows the %" PRIu32 " combinations with the most "
                "partners; all %" PRIu32 " are in the table.</p>\n",
                shown, g->n);
    fputs("<div class=\"tables\">\n", out);
    cell_table(out, r, g);
    totals_table(out, r, g);
    fputs("</div>\n</div>\n", out);
    return rc;
}

static const char *unit(int entity, bool per_subject)
{
    static const char *const subjects[] = {"",          "persons",  "companies",
                                           "addresses", "vehicles", "accounts"};
    return per_subject ? subjects[entity] : "values";
}

static bool entity_in_round(const struct sp_report *r, int entity)
{
    for (int kt = SP_KEY_TYPE_MIN; kt <= SP_KEY_TYPE_MAX; kt++)
        if ((r->key_types & SP_KEY_MASK(kt)) && sp_key_type_entity(kt) == entity)
            return true;
    return false;
}

static int entity_section(FILE *out, const struct sp_report *r, int entity, struct group *g)
{
    int rc = 0;
    bool any = false;
    static const char *const titles[] = {"",          "Persons",  "Companies",
                                         "Addresses", "Vehicles", "Accounts"};
    fprintf(out, "<section class=\"entity\" id=\"entity-%s\" data-entity=\"%s\">\n<h3>%s</h3>\n",
            sp_report_entity_name(entity), sp_report_entity_name(entity), titles[entity]);
    g->entity = entity;
    for (int kt = r->per_subject ? 0 : SP_KEY_TYPE_MIN;
         kt <= (r->per_subject ? 0 : SP_KEY_TYPE_MAX) && rc == 0; kt++) {
        if (kt && sp_key_type_entity(kt) != entity)
            continue;
        g->key_type = kt;
        group_fill(r, g);
        if (g->n == 0)
            continue;
        any = true;
        rc = chart(out, r, g, unit(entity, r->per_subject));
    }
    if (!any)
        fprintf(out, "<p>%s</p>\n",
                r->key_types && !entity_in_round(r, entity)
                    ? "Not part of this round: none of its key types was proposed."
                    : "No cells: nothing reported, or every cell suppressed.");
    fputs("</section>\n", out);
    return rc;
}

static void suppression(FILE *out, const struct sp_report *r)
{
    fputs("<div class=\"note\" id=\"suppression\"", out);
    fprintf(out, " data-suppressed-below=\"%" PRIu32 "\"", r->suppressed_below);
    if (r->suppressed_cells_known)
        fprintf(out, " data-suppressed-cells=\"%" PRIu32 "\"", r->suppressed_cells);
    fputs(">", out);
    if (r->suppressed_below == 0)
        fputs("No small-cell suppression was applied: every cell is shown.", out);
    else if (r->suppressed_cells_known)
        fprintf(out,
                "Cells with a count below %" PRIu32 " are suppressed: <strong>%" PRIu32
                " cell%s left out</strong> of the tables and charts (their counts are not "
                "shown, and not included in any total).",
                r->suppressed_below, r->suppressed_cells, r->suppressed_cells == 1 ? "" : "s");
    else
        fprintf(out,
                "Cells with a count below %" PRIu32 " are suppressed and not included in any "
                "total; this node did not report how many.",
                r->suppressed_below);
    fputs("</div>\n", out);
}

/* One row per entity: how many are held by exactly 1, 2, ... partners, and
 * by k or more: the question a coordinator asks first. */
static void summary(FILE *out, const struct sp_report *r)
{
    uint32_t k = r->min_holders ? r->min_holders : 2, n = r->nparticipants;
    fputs("<table class=\"grid\" id=\"summary\"><thead><tr><th>held by</th>", out);
    for (uint32_t d = 1; d <= n; d++)
        fprintf(out, "<th class=\"n\">%" PRIu32 " partner%s</th>", d, d == 1 ? "" : "s");
    fprintf(out,
            "<th class=\"n\">%" PRIu32 " or more</th><th class=\"n\">in total</th></tr>"
            "</thead><tbody>\n",
            k);
    for (int e = 1; e <= SP_REPORT_ENTITY_MAX; e++) {
        uint64_t by[SP_REPORT_MAX_PARTICIPANTS + 1] = {0}, total = 0, matched = 0;
        for (uint32_t i = 0; i < r->ncells; i++) {
            unsigned d = sp_report_degree(r->cells[i].holders);
            if (r->cells[i].entity != e || d > SP_REPORT_MAX_PARTICIPANTS)
                continue;
            by[d] += r->cells[i].count;
            total += r->cells[i].count;
            matched += d >= k ? r->cells[i].count : 0;
        }
        fprintf(out,
                "<tr class=\"summary\" data-entity=\"%s\" data-total=\"%" PRIu64
                "\" data-matched=\"%" PRIu64 "\"><td>%s</td>",
                sp_report_entity_name(e), total, matched, unit(e, true));
        for (uint32_t d = 1; d <= n; d++)
            fprintf(out, "<td class=\"n\">%" PRIu64 "</td>", by[d]);
        fprintf(out,
                "<td class=\"n\"><strong>%" PRIu64 "</strong></td><td class=\"n\">%" PRIu64
                "</td></tr>\n",
                matched, total);
    }
    fputs("</tbody></table>\n", out);
}

static int counts(FILE *out, const struct sp_report *r)
{
    int rc = 0;
    fputs("<section id=\"counts\">\n<h2>Who holds what</h2>\n", out);
    if (!r->have_counts) {
        fputs("<p class=\"warn\">This node holds no counts of this round: only the initiator "
              "receives them. Make the report on the initiator.</p>\n</section>\n",
              out);
        return 0;
    }
    if (r->per_subject)
        fputs("<p id=\"per-subject-note\">Per entity: how many persons, companies, addresses, "
              "vehicles and accounts "
              "are held by exactly which combination of partners (each counted once).</p>\n",
              out);
    else
        fputs("<p class=\"note\" id=\"per-key-note\">In this round the counts are <strong>per "
              "key value, not per subject</strong>: a person known through several key types "
              "(for example BSN and name with date of birth) is counted once per key type. "
              "The charts are therefore per key type, grouped by the entity the key "
              "identifies; do not add them up.</p>\n",
              out);
    suppression(out, r);
    if (r->per_subject)
        summary(out, r);
    struct group g = {.cols = malloc((r->ncells ? r->ncells : 1) * sizeof *g.cols)};
    if (!g.cols)
        return SP_ERR_NOMEM;
    for (int e = 1; e <= SP_REPORT_ENTITY_MAX && rc == 0; e++)
        rc = entity_section(out, r, e, &g);
    free(g.cols);
    fputs("</section>\n", out);
    return rc;
}

/* ---- the audit facts -------------------------------------------------- */

static void heads(FILE *out, const struct sp_report *r)
{
    fputs("<h3>Signed log heads recorded at the end of the round</h3>\n", out);
    if (r->nheads == 0) {
        fputs("<p><em>None recorded in this node's log (yet).</em></p>\n", out);
        return;
    }
    fputs("<table class=\"grid\" id=\"heads\"><thead><tr><th>node</th><th>recorded as</th>"
          "<th class=\"n\">seq</th><th>head hash</th><th>when</th></tr></thead><tbody>\n",
          out);
    for (uint32_t i = 0; i < r->nheads; i++) {
        const struct sp_report_head *h = &r->heads[i];
        fputs("<tr class=\"head\" data-node=\"", out);
        sp_report_esc(out, h->node);
        fprintf(out, "\" data-seq=\"%" PRIu64 "\"><td>", h->seq);
        sp_report_esc(out, h->node);
        fprintf(out, "</td><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"mono\">",
                h->sent ? "sent by this node (its own head)" : "received by this node", h->seq);
        hex(out, h->hash, 8);
        fputs("&#8230;</td><td>", out);
        time_iso(out, h->time);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void exchanged(FILE *out, const struct sp_report *r)
{
    if (r->npeers == 0)
        return;
    fputs("<h3>Blinded values exchanged by this node</h3>\n<table class=\"grid\" id=\"peers\">"
          "<thead><tr><th>peer</th><th class=\"n\">sent</th><th class=\"n\">received</th></tr>"
          "</thead><tbody>\n",
          out);
    for (uint32_t i = 0; i < r->npeers; i++) {
        fputs("<tr><td>", out);
        sp_report_esc(out, r->peers[i].name);
        fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
                r->peers[i].sent, r->peers[i].received);
    }
    fputs("</tbody></table>\n", out);
}

static void audit(FILE *out, const struct sp_report *r)
{
    fputs("<section id=\"audit\">\n<h2>Audit facts</h2>\n<p>From the signed, hash-chained audit "
          "log of node <strong>",
          out);
    sp_report_esc(out, r->node);
    fputs("</strong>. They can be checked offline against every partner's log (see the end of "
          "this page).</p>\n<dl class=\"kv\">\n",
          out);
    kv_text(out, "Signed by (coordinator)", r->coordinator);
    kv_hex(out, "Coordinator certificate SHA-256", r->have_coordinator_cert,
           r->coordinator_cert_sha256);
    kv_hex(out, "Proposal digest (SHA-256)", r->have_proposal_digest, r->proposal_sha256);
    kv_hex(out, "This node's certificate SHA-256", r->have_node_cert, r->node_cert_sha256);
    if (r->have_result) {
        fprintf(out, "<dt>Own records matched</dt><dd>%" PRIu64 "</dd>\n", r->records_matched);
        fprintf(out, "<dt>Of which class C candidates only</dt><dd>%" PRIu64 "</dd>\n",
                r->candidates);
        fprintf(out, "<dt>Cells reported to the coordinator</dt><dd>%" PRIu64 "</dd>\n",
                r->cells_reported);
    }
    if (r->have_matched) {
        fputs("<dt>Own records with a result, per entity</dt><dd id=\"matched\">", out);
        for (int e = 1; e <= SP_REPORT_ENTITY_MAX; e++)
            fprintf(out, "%s%s %" PRIu64, e > 1 ? ", " : "", sp_report_entity_name(e),
                    r->matched[e]);
        fputs(" (a person or company row is the record's own subject; address, vehicle and "
              "account rows say only that a partner knows the same one)</dd>\n",
              out);
    }
    kv_hex(out, "Transcript digest (SHA-256)", r->have_transcript, r->transcript_sha256);
    if (r->have_log_head) {
        fprintf(out, "<dt>This node's log head now</dt><dd class=\"mono\">seq %" PRIu64 ", ",
                r->log_head_seq);
        hex(out, r->log_head_hash, SP_REPORT_HASH_BYTES);
        fputs("</dd>\n", out);
    }
    fputs("</dl>\n", out);
    heads(out, r);
    exchanged(out, r);
    fputs("</section>\n", out);
}

static void footer(FILE *out, const struct sp_report *r)
{
    fputs("<footer>\n<p>To check these facts: on every partner's node <code>snijpunt audit "
          "export --out NODE.jsonl</code>, then <code>snijpunt audit crosscheck --ca ca.crt "
          "--cert-dir certs/ *.jsonl</code> and <code>snijpunt audit show *.jsonl --round ",
          out);
    sp_report_esc(out, r->round_hex);
    fputs("</code>. Made by <code>snijpunt report</code>; this page fetches nothing and runs "
          "no script.</p>\n</footer>\n</body>\n</html>\n",
          out);
}

int sp_report_html_write(FILE *out, const struct sp_report *r)
{
    if (!out || !r || r->nparticipants > SP_REPORT_MAX_PARTICIPANTS || (r->ncells && !r->cells))
        return SP_ERR_INVALID_ARG;
    for (uint32_t i = 0; i < r->ncells; i++)
        if (r->cells[i].entity < 1 || r->cells[i].entity > SP_REPORT_ENTITY_MAX ||
            r->cells[i].holders == 0 ||
            (!r->per_subject && sp_key_type_entity(r->cells[i].key_type) != r->cells[i].entity))
            return SP_ERR_INVALID_ARG;
    head(out, r);
    proposal(out, r);
    timings(out, r);
    int rc = counts(out, r);
    if (rc != 0)
        return rc;
    audit(out, r);
    footer(out, r);
    return fflush(out) != 0 || ferror(out) ? SP_ERR_IO : 0;
}
