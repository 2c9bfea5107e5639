/* The case list of a question (case_list.h). A row the input layer skips
 * or a value it rejects refuses the list, with what and where (never the
 * value), instead of asking a question about fewer subjects than the
 * coordinator meant. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/case_list.h"
#include "input/ingest.h"
#include "input/mapping.h"

/* Most subjects in one list: every subject has at least one value. */
#define CASE_MAX_SUBJECTS SP_CASE_LIST_MAX_VALUES

/* One (type, value, subject) as read, before the values are made distinct. */
struct tuple {
    uint8_t type, klass;
    uint16_t len;
    uint32_t off; /* into the reader's value bytes */
    uint32_t subject;
};

struct reader {
    struct sp_case_list *l;
    struct tuple *t;
    size_t nt, tcap;
    uint8_t *bytes;
    size_t nbytes, bcap;
    char *why;
    size_t cap;
    uint64_t no_keys, no_keys_line; /* subjects without a usable value; the first's line */
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return SP_ERR_NOMEM;
    *p = q;
    *cap = ncap;
    return 0;
}

/* Value bytes live in one buffer that may move: wipe the old one by hand. */
static int grow_bytes(struct reader *rd, size_t need)
{
    if (need <= rd->bcap)
        return 0;
    size_t ncap = rd->bcap ? rd->bcap * 2 : 4096;
    while (ncap < need)
        ncap *= 2;
    uint8_t *q = malloc(ncap);
    if (!q)
        return SP_ERR_NOMEM;
    if (rd->bytes) {
        memcpy(q, rd->bytes, rd->nbytes);
        explicit_bzero(rd->bytes, rd->bcap);
        free(rd->bytes);
    }
    rd->bytes = q;
    rd->bcap = ncap;
    return 0;
}

static int add_subject(struct reader *rd, const struct sp_record_keys *rec)
{
    struct sp_case_list *l = rd->l;
    size_t cap = l->nsubjects;
    if (l->nsubjects >= CASE_MAX_SUBJECTS) {
        snprintf(rd->why, rd->cap, "the case list has more than %u subjects (line %" PRIu64 ")",
                 CASE_MAX_SUBJECTS, rec->line);
        return SP_ERR_OVERFLOW;
    }
    /* exact growth: lists are small */
    void *p = realloc(l->subjects, (cap + 1) * sizeof(*l->subjects));
    if (!p)
        return SP_ERR_NOMEM;
    l->subjects = p;
    struct sp_case_subject *s = &l->subjects[l->nsubjects];
    memset(s, 0, sizeof(*s));
    if (!(s->record_id = strdup(rec->record_id)))
        return SP_ERR_NOMEM;
    l->nsubjects++;
    return 0;
}

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    struct reader *rd = ctx;
    int rc;
    if (rec->nkeys == 0) { /* refused after the input layer's own findings */
        if (rd->no_keys++ == 0)
            rd->no_keys_line = rec->line;
        return 0;
    }
    if ((rc = add_subject(rd, rec)) != 0)
        return rc;
    uint32_t subject = rd->l->nsubjects - 1;
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct sp_key *k = &rec->keys[i];
        if ((rc = grow((void **)&rd->t, &rd->tcap, rd->nt + 1, sizeof(*rd->t))) != 0 ||
            (rc = grow_bytes(rd, rd->nbytes + k->value_len)) != 0)
            return rc;
        memcpy(rd->bytes + rd->nbytes, k->value, k->value_len);
        rd->t[rd->nt++] = (struct tuple){.type = k->type,
                                         .klass = k->klass,
                                         .len = k->value_len,
                                         .off = (uint32_t)rd->nbytes,
                                         .subject = subject};
        rd->nbytes += k->value_len;
        rd->l->subjects[subject].key_types |= SP_KEY_MASK(k->type);
    }
    return 0;
}

static const uint8_t *sort_bytes; /* qsort has no context argument */

static int tuple_cmp(const void *a, const void *b)
{
    const struct tuple *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(sort_bytes + x->off, sort_bytes + y->off, n) : 0;
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->subject < y->subject ? -1 : x->subject > y->subject;
}

static bool same_value(const struct reader *rd, const struct tuple *a, const struct tuple *b)
{
    return a->type == b->type && a->len == b->len &&
           (a->len == 0 || memcmp(rd->bytes + a->off, rd->bytes + b->off, a->len) == 0);
}

/* Sorted tuples -> distinct values with their subjects. */
static int build_values(struct reader *rd)
{
    struct sp_case_list *l = rd->l;
    sort_bytes = rd->bytes;
    if (rd->nt)
        qsort(rd->t, rd->nt, sizeof(*rd->t), tuple_cmp);
    sort_bytes = NULL;
    size_t ndistinct = 0;
    for (size_t i = 0; i < rd->nt; i++)
        if (i == 0 || !same_value(rd, &rd->t[i - 1], &rd->t[i]))
            ndistinct++;
    if (ndistinct > SP_CASE_LIST_MAX_VALUES) {
        snprintf(rd->why, rd->cap,
                 "the case list has %zu distinct values, more than the %u a "
                 "question may ask",
                 ndistinct, SP_CASE_LIST_MAX_VALUES);
        return SP_ERR_OVERFLOW;
    }
    l->values = calloc(ndistinct ? ndistinct : 1, sizeof(*l->values));
    l->links = calloc(rd->nt ? rd->nt : 1, sizeof(*l->links));
    l->offs = calloc(ndistinct + 1, sizeof(*l->offs));
    l->vals = malloc(rd->nbytes ? rd->nbytes : 1);
    if (!l->values || !l->links || !l->offs || !l->vals)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < rd->nt; i++) {
        const struct tuple *t = &rd->t[i];
        if (i == 0 || !same_value(rd, &rd->t[i - 1], t)) {
            struct sp_case_value *v = &l->values[l->nvalues];
            v->type = t->type;
            v->klass = t->klass;
            v->first = l->nlinks;
            memcpy(l->vals + l->vals_len, rd->bytes + t->off, t->len);
            l->offs[l->nvalues] = (uint32_t)l->vals_len;
            l->vals_len += t->len;
            l->count[t->type]++;
            l->nvalues++;
        }
        struct sp_case_value *v = &l->values[l->nvalues - 1];
        if (t->klass && (v->klass == 0 || t->klass < v->klass))
            v->klass = t->klass; /* the strongest class the value was derived with */
        if (v->n == 0 || l->links[l->nlinks - 1] != t->subject) {
            l->links[l->nlinks++] = t->subject;
            v->n++;
        }
    }
    l->offs[l->nvalues] = (uint32_t)l->vals_len;
    return 0;
}

/* A list with skipped rows or rejected values is refused (module comment). */
static int check_stats(const struct sp_ingest_stats *st, char *why, size_t cap)
{
    if (st->structural_errors) {
        char first[160] = "";
        if (st->nerror_lines)
            snprintf(first, sizeof(first), " (the first on line %" PRIu64 ")", st->error_lines[0]);
        snprintf(why, cap, "%" PRIu64 " rows of the case list cannot be read%s",
                 st->structural_errors, first);
        return SP_ERR_INPUT_CSV;
    }
    if (st->duplicate_record_ids) {
        snprintf(why, cap, "%" PRIu64 " subject ids occur more than once in the case list",
                 st->duplicate_record_ids);
        return SP_ERR_INPUT_DUPLICATE;
    }
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        for (int r = 1; r < SP_REJECT_REASON_COUNT; r++) {
            if (!st->fields[f].rejected[r])
                continue;
            snprintf(why, cap,
                     "%" PRIu64 " %s values of the case list were rejected (%s); `snijpunt "
                     "check` lists their lines",
                     st->fields[f].rejected[r], sp_field_name(f), sp_reject_reason_text(r));
            return SP_ERR_INPUT_FORMAT;
        }
    }
    if (st->records_usable == 0) {
        snprintf(why, cap, "the case list has no subjects");
        return SP_ERR_INPUT_EMPTY;
    }
    return 0;
}

int sp_case_list_read(struct sp_case_list *l, const char *mapping, size_t mapping_len,
                      const uint8_t *data, size_t data_len, int today, char *why, size_t cap)
{
    struct sp_mapping *m = NULL;
    struct sp_ingest *ing = NULL;
    struct reader rd = {.l = l, .why = why, .cap = cap};
    char diag[256] = "";
    int rc;
    memset(l, 0, sizeof(*l));
    why[0] = '\0';
    if ((rc = sp_mapping_parse(mapping, mapping_len, &m, diag, sizeof(diag))) != 0) {
        snprintf(why, cap, "the case list's mapping: %s", diag[0] ? diag : sp_strerror(rc));
        goto out;
    }
    if ((rc = sp_ingest_new(m, &ing)) != 0 || (rc = sp_ingest_set_today(ing, today)) != 0)
        goto out;
    if ((rc = sp_ingest_feed(ing, data, data_len, on_record, &rd)) != 0 ||
        (rc = sp_ingest_finish(ing, on_record, &rd)) != 0) {
        if (!why[0])
            snprintf(why, cap, "the case list: %s",
                     sp_ingest_diagnostic(ing)[0] ? sp_ingest_diagnostic(ing) : sp_strerror(rc));
        goto out;
    }
    if ((rc = check_stats(sp_ingest_stats(ing), why, cap)) != 0)
        goto out;
    if (rd.no_keys) {
        snprintf(why, cap,
                 "%" PRIu64 " subjects of the case list have no usable value for any key type "
                 "the mapping gives (the first on line %" PRIu64 ")",
                 rd.no_keys, rd.no_keys_line);
        rc = SP_ERR_INPUT_EMPTY;
        goto out;
    }
    rc = build_values(&rd);
out:
    if (rc && !why[0])
        snprintf(why, cap, "cannot read the case list: %s", sp_strerror(rc));
    if (rc)
        sp_case_list_free(l);
    if (rd.bytes) {
        explicit_bzero(rd.bytes, rd.bcap);
        free(rd.bytes);
    }
    free(rd.t);
    sp_ingest_free(&ing);
    sp_mapping_free(&m);
    return rc;
}

void sp_case_list_forget_values(struct sp_case_list *l)
{
    if (l->vals) {
        explicit_bzero(l->vals, l->vals_len);
        free(l->vals);
    }
    l->vals = NULL;
    l->vals_len = 0;
}

void sp_case_list_free(struct sp_case_list *l)
{
    if (!l)
        return;
    sp_case_list_forget_values(l);
    for (uint32_t i = 0; i < l->nsubjects; i++)
        free(l->subjects[i].record_id);
    free(l->subjects);
    free(l->values);
    free(l->links);
    free(l->offs);
    memset(l, 0, sizeof(*l));
}
