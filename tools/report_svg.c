/* An UpSet chart as inline SVG (see report_svg.h). */
#include "tools/report_svg.h"

#include <inttypes.h>

#include "common/err.h"

/* Geometry, in CSS pixels. */
#define PAD      10
#define SET_W    105 /* participant totals: bar and number */
#define NAME_W   135 /* participant names */
#define COL_W    21  /* one combination */
#define ROW_H    22  /* one participant */
#define BAR_H    150 /* tallest combination bar */
#define LABEL_H  64  /* room for the rotated count above a bar */
#define DOT_R    6
#define FONT_PX  12
#define SMALL_PX 11

/* Bar length for count of max within len pixels; a non-zero count is at
 * least 1 px so it never looks like zero. */
static double scale(uint64_t count, uint64_t max, double len)
{
    if (count == 0 || max == 0)
        return 0;
    double v = (double)count / (double)max * len;
    return v < 1 ? 1 : v;
}

static void data_attrs(FILE *out, const struct sp_report_upset *u, const struct sp_report_cell *c)
{
    char who[SP_REPORT_MAX_PARTICIPANTS * (SP_REPORT_NAME_MAX + 1) + 1];
    sp_report_holders(u->r, c->holders, who, sizeof who);
    fputs(" data-entity=\"", out);
    sp_report_esc(out, u->entity);
    if (u->key_type) {
        fputs("\" data-key-type=\"", out);
        sp_report_esc(out, u->key_type);
    }
    fputs("\" data-holders=\"", out);
    sp_report_esc(out, who);
    fprintf(out, "\" data-holders-mask=\"%" PRIu32 "\" data-count=\"%" PRIu64 "\"", c->holders,
            c->count);
}

static void column(FILE *out, const struct sp_report_upset *u, uint32_t i, uint64_t max, double x0,
                   double y_matrix)
{
    const struct sp_report_cell *c = u->cols[i];
    const struct sp_report *r = u->r;
    char who[SP_REPORT_MAX_PARTICIPANTS * (SP_REPORT_NAME_MAX + 1) + 1];
    bool match = sp_report_degree(c->holders) >= (r->min_holders ? r->min_holders : 2);
    double x = x0 + i * COL_W, h = scale(c->count, max, BAR_H);
    double base = y_matrix - PAD / 2.0, cx = x + COL_W / 2.0;
    sp_report_holders(r, c->holders, who, sizeof who);
    fprintf(out, "<rect class=\"bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"",
            match ? "" : " below-k", x + 4, base - h, COL_W - 8, h);
    data_attrs(out, u, c);
    fprintf(out, "><title>%" PRIu64 " held by exactly ", c->count);
    sp_report_esc(out, who);
    fputs("</title></rect>\n", out);
    fprintf(out,
            "<text class=\"num\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
            "dominant-baseline=\"central\">%" PRIu64 "</text>\n",
            cx, base - h - 4, c->count);
    int first = -1, last = -1;
    for (uint32_t p = 0; p < r->nparticipants; p++)
        if (c->holders & (UINT32_C(1) << p)) {
            last = (int)p;
            first = first < 0 ? (int)p : first;
        }
    if (first >= 0 && last > first)
        fprintf(out, "<line class=\"link\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cx,
                y_matrix + first * ROW_H + ROW_H / 2.0, cx, y_matrix + last * ROW_H + ROW_H / 2.0);
    for (uint32_t p = 0; p < r->nparticipants; p++)
        fprintf(out, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"/>\n",
                c->holders & (UINT32_C(1) << p) ? "on" : "off", cx,
                y_matrix + p * ROW_H + ROW_H / 2.0, DOT_R);
}

static void set_row(FILE *out, const struct sp_report_upset *u, uint32_t p, uint64_t max,
                    double y_matrix, double width)
{
    const struct sp_report *r = u->r;
    double y = y_matrix + p * ROW_H, w = scale(u->totals[p], max, SET_W - 50);
    if (p % 2 == 0)
        fprintf(out, "<rect class=\"stripe\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>\n",
                PAD + SET_W, y, width - SET_W - 2 * PAD, ROW_H);
    fprintf(out, "<rect class=\"total\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"",
            PAD + SET_W - 4 - w, y + 4, w, ROW_H - 8);
    fputs(" data-entity=\"", out);
    sp_report_esc(out, u->entity);
    if (u->key_type) {
        fputs("\" data-key-type=\"", out);
        sp_report_esc(out, u->key_type);
    }
    fputs("\" data-participant=\"", out);
    sp_report_esc(out, r->participants[p].name);
    fprintf(out, "\" data-total=\"%" PRIu64 "\"><title>", u->totals[p]);
    sp_report_esc(out, r->participants[p].name);
    fprintf(out, ": %" PRIu64 " in total</title></rect>\n", u->totals[p]);
    fprintf(out,
            "<text class=\"num\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
            "dominant-baseline=\"central\">%" PRIu64 "</text>\n",
            PAD + SET_W - 8 - w, y + ROW_H / 2.0, u->totals[p]);
    fprintf(out,
            "<text class=\"name\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
            "dominant-baseline=\"central\">",
            PAD + SET_W + NAME_W - 8, y + ROW_H / 2.0);
    sp_report_esc(out, r->participants[p].name);
    fputs("</text>\n", out);
}

int sp_report_svg_upset(FILE *out, const struct sp_report_upset *u)
{
    if (!out || !u || !u->r || !u->totals || (!u->cols && u->ncols) || !u->entity || !u->id ||
        u->r->nparticipants == 0 || u->r->nparticipants > SP_REPORT_MAX_PARTICIPANTS)
        return SP_ERR_INVALID_ARG;
    const struct sp_report *r = u->r;
    uint64_t max_col = 0, max_set = 0;
    for (uint32_t i = 0; i < u->ncols; i++)
        max_col = u->cols[i]->count > max_col ? u->cols[i]->count : max_col;
    for (uint32_t p = 0; p < r->nparticipants; p++)
        max_set = u->totals[p] > max_set ? u->totals[p] : max_set;
    double x0 = PAD + SET_W + NAME_W, y_matrix = PAD + LABEL_H + BAR_H + PAD;
    double width = x0 + (u->ncols ? u->ncols : 1) * COL_W + PAD;
    double height = y_matrix + r->nparticipants * ROW_H + PAD + FONT_PX + PAD;
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"upset\" id=\"%s\" role=\"img\" "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" aria-labelledby=\"%s-t\">\n",
            u->id, width, height, width, height, u->id);
    fprintf(out, "<title id=\"%s-t\">", u->id);
    sp_report_esc(out, u->label);
    fputs("</title>\n", out);
    for (uint32_t p = 0; p < r->nparticipants; p++)
        set_row(out, u, p, max_set, y_matrix, width);
    for (uint32_t i = 0; i < u->ncols; i++)
        column(out, u, i, max_col, x0, y_matrix);
    fprintf(out,
            "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">total per "
            "partner</text>\n",
            PAD + SET_W - 4, y_matrix + r->nparticipants * ROW_H + PAD + SMALL_PX);
    fprintf(out,
            "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">held by exactly these partners</text>\n",
            x0, y_matrix + r->nparticipants * ROW_H + PAD + SMALL_PX);
    fputs("</svg>\n", out);
    return 0;
}
