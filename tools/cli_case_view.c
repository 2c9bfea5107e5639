/* What the asker of a case question learns; see cli_case_view.h. */
#include "tools/cli_case_view.h"

#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "common/roundid.h"
#include "tools/cli_control.h"
#include "tools/cli_csv.h"
#include "tools/cli_json.h"

const char sp_case_csv_columns[] = "subject_ref,entity,partner,key_types,class";

#define KEY_TYPES_TEXT_MAX 256

void sp_case_view_init(struct sp_case_view *v, const struct sp_ctl_round_info *ri, const char *self)
{
    memset(v, 0, sizeof *v);
    v->ri = *ri;
    snprintf(v->self, sizeof v->self, "%s", self);
}

int sp_case_view_add(struct sp_case_view *v, const struct sp_ctl_result_row *row)
{
    if (v->nrows == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 64;
        void *p = realloc(v->rows, ncap * sizeof *v->rows);
        if (!p)
            return -1;
        v->rows = p;
        v->cap = ncap;
    }
    v->rows[v->nrows++] = *row;
    return 0;
}

void sp_case_view_free(struct sp_case_view *v)
{
    free(v->rows);
    free(v->lines);
    v->rows = NULL;
    v->lines = NULL;
}

/* The strongest default class of a mask's key types. */
static uint8_t best_class(uint32_t mask)
{
    int best = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        int k = (mask & SP_KEY_MASK(t)) ? sp_key_type_class(t) : 0;
        if (k && (!best || k < best))
            best = k;
    }
    return (uint8_t)best;
}

/* A row as lines, one per entity its key types name. */
static void split_row(struct sp_case_view *v, const struct sp_ctl_result_row *r)
{
    struct sp_case_line *l = &v->lines[v->nlines];
    if (r->partner[0] == '\0' || r->key_types == 0) {
        *l = (struct sp_case_line){.subject = r->record_id, .partner = ""};
        v->nlines++;
        return;
    }
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        uint32_t part = r->key_types & sp_entity_key_mask(e);
        if (!part)
            continue;
        uint8_t k = r->klass;
        if (part != r->key_types) { /* the row's class may come from another entity */
            uint8_t own = best_class(part);
            k = own > k ? own : k;
        }
        v->lines[v->nlines++] = (struct sp_case_line){r->record_id, r->partner, e, part, k};
    }
}

/* The round's reason names each partner that did not answer as "NAME: why"
 * (several joined with "; "): the position of NAME's entry, or NULL. */
static const char *reason_entry(const char *reason, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = reason; (s = strstr(s, name)) != NULL; s += n)
        if ((s == reason || (s - reason >= 2 && s[-2] == ';' && s[-1] == ' ')) && s[n] == ':' &&
            s[n + 1] == ' ')
            return s;
    return NULL;
}

/* The why of an entry: up to the next partner's entry. */
static void entry_why(const struct sp_case_view *v, const char *entry, size_t name_len, char *out,
                      size_t cap)
{
    const char *why = entry + name_len + 2, *end = why + strlen(why);
    for (unsigned i = 0; i < v->ri.nparticipants; i++) {
        const char *other = reason_entry(why, v->ri.participants[i]);
        if (other && other > why && other - 2 < end)
            end = other - 2;
    }
    snprintf(out, cap, "%.*s", (int)(end - why), why);
}

/* Why a question that did not end well has no answer from a partner. The
 * texts come out of the view and go into it: written through a local
 * buffer, so that no snprintf has one object on both sides. */
static void not_done_why(const struct sp_ctl_round_info *ri, char *why, size_t cap)
{
    char buf[SP_PROTO_TEXT_MAX + 64];
    if (snprintf(buf, sizeof buf, "the question %s%s%s", ri->state, ri->reason[0] ? ": " : "",
                 ri->reason) < 0)
        buf[0] = '\0';
    snprintf(why, cap, "%s", buf);
}

static void outcomes(struct sp_case_view *v)
{
    bool done = strcmp(v->ri.state, "done") == 0;
    for (unsigned i = 0; i < v->ri.nparticipants; i++) {
        const char *name = v->ri.participants[i];
        if (strcmp(name, v->self) == 0)
            continue;
        struct sp_case_outcome *o = &v->outcome[v->noutcomes++];
        size_t len = strnlen(name, sizeof o->name - 1); /* both in v: no snprintf */
        memcpy(o->name, name, len);
        o->name[len] = '\0';
        const char *entry = reason_entry(v->ri.reason, name);
        o->answered = done && !entry;
        if (entry)
            entry_why(v, entry, strlen(name), o->why, sizeof o->why);
        else if (!done)
            not_done_why(&v->ri, o->why, sizeof o->why);
    }
}

int sp_case_view_finish(struct sp_case_view *v)
{
    v->lines = calloc(v->nrows * SP_ENTITY_MAX + 1, sizeof *v->lines);
    if (!v->lines)
        return -1;
    const char *prev = NULL;
    for (size_t i = 0; i < v->nrows; i++) {
        const struct sp_ctl_result_row *r = &v->rows[i];
        bool is_new = !prev || strcmp(prev, r->record_id) != 0;
        v->nsubjects += is_new;
        if (r->partner[0] && (is_new || !v->rows[i - 1].partner[0]))
            v->nknown++;
        prev = r->record_id;
        split_row(v, r);
    }
    outcomes(v);
    return 0;
}

static const char *entity_text(int e)
{
    const char *n = sp_entity_name(e);
    return n ? n : "";
}

static const char *class_text(uint8_t k)
{
    const char *n = sp_key_class_name(k);
    return n ? n : "";
}

/* ---- text ------------------------------------------------------------- */

static void text_heading(FILE *out, const struct sp_case_view *v)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(v->ri.round_id, hex);
    fprintf(out, "Case question %s, case %s, asked by %s: %s\n", hex,
            v->ri.case_ref[0] ? v->ri.case_ref : "-", v->self, v->ri.state);
    fprintf(out, "%zu subject%s in the case list, %zu known to at least one partner.\n\n",
            v->nsubjects, v->nsubjects == 1 ? "" : "s", v->nknown);
    fprintf(out, "Class: A conclusive, B strong, C a candidate for human review only.\n"
                 "Entity: person or company is the subject itself; a line of entity address,\n"
                 "vehicle or account says only that the partner knows the same address,\n"
                 "vehicle or account (perhaps for somebody else), not the subject.\n\n");
}

struct widths {
    int subject, entity, partner, keys;
};

static void text_widths(const struct sp_case_view *v, struct widths *w)
{
    *w = (struct widths){(int)strlen("SUBJECT"), (int)strlen("ENTITY"), (int)strlen("PARTNER"),
                         (int)strlen("KEY TYPES")};
    char kt[KEY_TYPES_TEXT_MAX];
    for (size_t i = 0; i < v->nlines; i++) {
        const struct sp_case_line *l = &v->lines[i];
        sp_cli_key_types_join(l->key_types, kt, sizeof kt);
        int s = (int)strlen(l->subject), e = (int)strlen(entity_text(l->entity)),
            p = (int)strlen(l->partner), k = (int)strlen(kt);
        w->subject = s > w->subject ? s : w->subject;
        w->entity = e > w->entity ? e : w->entity;
        w->partner = p > w->partner ? p : w->partner;
        w->keys = l->partner[0] && k > w->keys ? k : w->keys;
    }
}

static void text_table(FILE *out, const struct sp_case_view *v)
{
    struct widths w;
    char kt[KEY_TYPES_TEXT_MAX];
    text_widths(v, &w);
    fprintf(out, "%-*s  %-*s  %-*s  %-*s  CLASS\n", w.subject, "SUBJECT", w.entity, "ENTITY",
            w.partner, "PARTNER", w.keys, "KEY TYPES");
    const char *prev = NULL;
    for (size_t i = 0; i < v->nlines; i++) {
        const struct sp_case_line *l = &v->lines[i];
        const char *label = prev && strcmp(prev, l->subject) == 0 ? "" : l->subject;
        prev = l->subject;
        if (!l->partner[0]) {
            fprintf(out, "%-*s  known to no partner\n", w.subject, label);
            continue;
        }
        sp_cli_key_types_join(l->key_types, kt, sizeof kt);
        fprintf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", w.subject, label, w.entity,
                entity_text(l->entity), w.partner, l->partner, w.keys, kt, class_text(l->klass));
    }
}

static void text_outcomes(FILE *out, const struct sp_case_view *v)
{
    int w = 0;
    for (unsigned i = 0; i < v->noutcomes; i++) {
        int n = (int)strlen(v->outcome[i].name);
        w = n > w ? n : w;
    }
    fprintf(out, "\nPartners asked:\n");
    for (unsigned i = 0; i < v->noutcomes; i++) {
        const struct sp_case_outcome *o = &v->outcome[i];
        if (o->answered)
            fprintf(out, "  %-*s  answered\n", w, o->name);
        else
            fprintf(out, "  %-*s  did not answer: %s\n", w, o->name, o->why);
    }
    bool any_missing = false;
    for (unsigned i = 0; i < v->noutcomes; i++)
        any_missing |= !v->outcome[i].answered;
    if (any_missing)
        fprintf(out, "A partner that did not answer may still know a subject listed as known to\n"
                     "no partner.\n");
}

void sp_case_view_text(FILE *out, const struct sp_case_view *v)
{
    text_heading(out, v);
    text_table(out, v);
    text_outcomes(out, v);
}

/* ---- CSV and JSON ----------------------------------------------------- */

void sp_case_view_csv(FILE *out, const struct sp_case_view *v)
{
    char kt[KEY_TYPES_TEXT_MAX];
    fprintf(out, "%s\n", sp_case_csv_columns);
    for (size_t i = 0; i < v->nlines; i++) {
        const struct sp_case_line *l = &v->lines[i];
        sp_csv_write_field(out, l->subject, strlen(l->subject));
        if (!l->partner[0]) {
            fprintf(out, ",,,,\n");
            continue;
        }
        sp_cli_key_types_join(l->key_types, kt, sizeof kt);
        fprintf(out, ",%s,%s,%s,%s\n", entity_text(l->entity), l->partner, kt,
                class_text(l->klass));
    }
}

static void json_line(struct sp_json *j, const struct sp_case_line *l)
{
    bool known = l->partner[0] != '\0';
    sp_json_obj_open(j, NULL);
    sp_json_str(j, "subject_ref", l->subject);
    sp_json_str(j, "entity", known ? entity_text(l->entity) : NULL);
    sp_json_str(j, "partner", known ? l->partner : NULL);
    sp_json_arr_open(j, "key_types");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (l->key_types & SP_KEY_MASK(t))
            sp_json_str(j, NULL, sp_key_type_name(t));
    sp_json_arr_close(j);
    sp_json_str(j, "class", known ? class_text(l->klass) : NULL);
    sp_json_obj_close(j);
}

int sp_case_view_json(FILE *out, const struct sp_case_view *v)
{
    struct sp_json j;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(v->ri.round_id, hex);
    sp_json_init(&j, out);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "round", hex);
    sp_json_str(&j, "case", v->ri.case_ref[0] ? v->ri.case_ref : NULL);
    sp_json_str(&j, "asker", v->self);
    sp_json_str(&j, "state", v->ri.state);
    sp_json_str(&j, "reason", v->ri.reason[0] ? v->ri.reason : NULL);
    sp_json_uint(&j, "subjects", v->nsubjects);
    sp_json_uint(&j, "known", v->nknown);
    sp_json_arr_open(&j, "rows");
    for (size_t i = 0; i < v->nlines; i++)
        json_line(&j, &v->lines[i]);
    sp_json_arr_close(&j);
    sp_json_arr_open(&j, "partners");
    for (unsigned i = 0; i < v->noutcomes; i++) {
        sp_json_obj_open(&j, NULL);
        sp_json_str(&j, "name", v->outcome[i].name);
        sp_json_bool(&j, "answered", v->outcome[i].answered);
        sp_json_str(&j, "reason", v->outcome[i].answered ? NULL : v->outcome[i].why);
        sp_json_obj_close(&j);
    }
    sp_json_arr_close(&j);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}
