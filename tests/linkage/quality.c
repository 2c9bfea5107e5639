/*
 * Linkage quality against truth.csv (see quality.h).
 */
#include "tests/linkage/quality.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/keytype.h"
#include "input/ingest.h"
#include "input/mapping.h"

/* ---- loading a dataset ------------------------------------------------------ */

struct load_ctx {
    struct sp_ct *ct;
    const char *node, *dataset;
};

static int add_record(void *ctx, const struct sp_record_keys *rec)
{
    struct load_ctx *l = ctx;

    if (rec->nkeys == 0)
        return sp_ct_add_record(l->ct, l->node, l->dataset, rec->record_id);
    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct sp_key *k = &rec->keys[i];
        int rc = sp_ct_add(l->ct, l->node, l->dataset, rec->record_id, k->type, k->klass, k->value,
                           k->value_len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            size_t c = cap != 0 ? cap * 2 : 1 << 16;
            char *b = realloc(buf, c);
            if (b == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
            cap = c;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int sp_q_load(struct sp_ct *ct, const char *node, const char *dataset, const char *map_path,
              const char *csv_path, int today_yyyymmdd)
{
    struct sp_mapping *m = NULL;
    struct sp_ingest *ing = NULL;
    struct load_ctx lc = {ct, node, dataset};
    char diag[256] = "";
    size_t mlen = 0, clen = 0;
    char *mtext = read_file(map_path, &mlen), *csv = read_file(csv_path, &clen);
    int rc = SP_ERR_IO;

    if (mtext == NULL || csv == NULL) {
        fprintf(stderr, "cannot read %s or %s\n", map_path, csv_path);
        goto out;
    }
    if ((rc = sp_mapping_parse(mtext, mlen, &m, diag, sizeof(diag))) != 0) {
        fprintf(stderr, "%s: %s\n", map_path, diag);
        goto out;
    }
    if ((rc = sp_ingest_new(m, &ing)) != 0 || (rc = sp_ingest_set_today(ing, today_yyyymmdd)) != 0)
        goto out;
    /* feed in chunks, as a daemon reading the file would */
    for (size_t off = 0; off < clen && rc == 0; off += 1 << 20) {
        size_t n = clen - off < (1u << 20) ? clen - off : 1u << 20;
        rc = sp_ingest_feed(ing, (const uint8_t *)csv + off, n, add_record, &lc);
    }
    if (rc == 0)
        rc = sp_ingest_finish(ing, add_record, &lc);
    if (rc != 0)
        fprintf(stderr, "%s: %s (%s)\n", csv_path, sp_strerror(rc), sp_ingest_diagnostic(ing));
out:
    sp_ingest_free(&ing);
    sp_mapping_free(&m);
    free(mtext);
    free(csv);
    return rc;
}

/* ---- a string -> index map ---------------------------------------------------- */

struct smap {
    char **key;
    uint32_t *val;
    size_t n, cap;
};

static uint64_t shash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int smap_grow(struct smap *m)
{
    size_t cap = m->cap != 0 ? m->cap * 2 : 1 << 16;
    char **k = calloc(cap, sizeof(*k));
    uint32_t *v = calloc(cap, sizeof(*v));
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return SP_ERR_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->key[i] == NULL)
            continue;
        size_t j = shash(m->key[i]) & (cap - 1);
        while (k[j] != NULL)
            j = (j + 1) & (cap - 1);
        k[j] = m->key[i];
        v[j] = m->val[i];
    }
    free(m->key);
    free(m->val);
    m->key = k;
    m->val = v;
    m->cap = cap;
    return 0;
}

/* Finds key; inserts it with value *val when absent (insert true). */
static bool smap_get(struct smap *m, const char *key, uint32_t *val, bool insert)
{
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) != 0)
        return false;
    size_t j = shash(key) & (m->cap - 1);
    for (; m->key[j] != NULL; j = (j + 1) & (m->cap - 1))
        if (strcmp(m->key[j], key) == 0) {
            *val = m->val[j];
            return true;
        }
    if (!insert || (m->key[j] = strdup(key)) == NULL)
        return false;
    m->val[j] = *val;
    m->n++;
    return true;
}

static void smap_free(struct smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->key[i]);
    free(m->key);
    free(m->val);
}

/* ---- evaluation ----------------------------------------------------------------- */

struct truth {
    struct smap records;  /* "node\tdataset\trecord_id" -> subject */
    struct smap subjects; /* subject id -> subject */
    uint64_t *nodes;      /* per subject: nodes holding it */
    size_t nsubjects, cap;
    const struct sp_ct *ct;
};

static int node_bit(const struct sp_ct *ct, const char *name)
{
    for (size_t i = 0; i < sp_ct_node_count(ct); i++)
        if (strcmp(sp_ct_node_name(ct, i), name) == 0)
            return (int)i;
    return -1;
}

static int truth_line(struct truth *t, char *line)
{
    char *f[4];
    int n = 0;

    for (char *p = line; n < 4; n++) {
        f[n] = p;
        p += strcspn(p, ",");
        if (*p == '\0') {
            n++;
            break;
        }
        *p++ = '\0';
    }
    if (n != 4)
        return SP_ERR_INPUT_CSV;
    int bit = node_bit(t->ct, f[0]);
    if (bit < 0)
        return 0; /* a node this evaluation did not load */
    uint32_t s = (uint32_t)t->nsubjects;
    if (!smap_get(&t->subjects, f[3], &s, true))
        return SP_ERR_NOMEM;
    if (s == t->nsubjects) {
        if (t->nsubjects == t->cap) {
            size_t c = t->cap != 0 ? t->cap * 2 : 4096;
            uint64_t *v = realloc(t->nodes, c * sizeof(*v));
            if (v == NULL)
                return SP_ERR_NOMEM;
            t->nodes = v;
            t->cap = c;
        }
        t->nodes[t->nsubjects++] = 0;
    }
    t->nodes[s] |= UINT64_C(1) << bit;
    char key[512];
    int kn = snprintf(key, sizeof(key), "%s\t%s\t%s", f[0], f[1], f[2]);
    if (kn < 0 || (size_t)kn >= sizeof(key))
        return SP_ERR_OVERFLOW;
    return smap_get(&t->records, key, &s, true) ? 0 : SP_ERR_NOMEM;
}

static int truth_load(struct truth *t, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int rc = 0;

    if (f == NULL)
        return SP_ERR_IO;
    for (unsigned long no = 1; rc == 0 && fgets(line, sizeof(line), f) != NULL; no++) {
        line[strcspn(line, "\r\n")] = '\0';
        if (no > 1 && line[0] != '\0')
            rc = truth_line(t, line);
    }
    fclose(f);
    return rc;
}

struct eval {
    struct truth *t;
    struct sp_q_result *res;
    uint64_t unknown;
};

static bool subject_of(struct eval *e, const char *node, const char *dataset, const char *id,
                       uint32_t *s)
{
    char key[512];
    snprintf(key, sizeof(key), "%s\t%s\t%s", node, dataset, id);
    return smap_get(&e->t->records, key, s, false);
}

static struct sp_q_counts *node_counts(struct sp_q_result *r, const char *node)
{
    for (size_t i = 0; i < r->nnodes; i++)
        if (strcmp(r->node[i], node) == 0)
            return &r->per_node[i];
    if (r->nnodes == SP_Q_MAX_NODES)
        return NULL;
    snprintf(r->node[r->nnodes], sizeof(r->node[0]), "%s", node);
    return &r->per_node[r->nnodes++];
}

static int on_record(void *ctx, const struct sp_ct_link *l)
{
    struct eval *e = ctx;
    uint32_t s;
    struct sp_q_counts *c = node_counts(e->res, l->node);
    int own = node_bit(e->t->ct, l->node);

    if (c == NULL)
        return SP_ERR_OVERFLOW;
    if (!subject_of(e, l->node, l->dataset, l->record_id, &s)) {
        e->unknown++;
        return 0;
    }
    uint64_t others = e->t->nodes[s] & ~(UINT64_C(1) << own);
    uint64_t pairs = (uint64_t)__builtin_popcountll(others);
    c->records++;
    c->true_pairs += pairs;
    e->res->all.records++;
    e->res->all.true_pairs += pairs;
    return 0;
}

static int on_link(void *ctx, const struct sp_ct_link *l)
{
    struct eval *e = ctx;
    uint32_t s;

    if (!subject_of(e, l->node, l->dataset, l->record_id, &s))
        return 0;
    int partner = node_bit(e->t->ct, l->partner);
    bool ok = (e->t->nodes[s] >> partner) & 1;
    struct sp_q_counts *c = node_counts(e->res, l->node);
    if (c == NULL)
        return SP_ERR_OVERFLOW;
    *(ok ? &c->tp : &c->fp) += 1;
    *(ok ? &e->res->all.tp : &e->res->all.fp) += 1;
    bool alone = (l->types & (l->types - 1)) == 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(l->types & SP_KEY_MASK(t)))
            continue;
        *(ok ? &e->res->type_tp[t] : &e->res->type_fp[t]) += 1;
        if (alone)
            *(ok ? &e->res->alone_tp[t] : &e->res->alone_fp[t]) += 1;
    }
    return 0;
}

static int on_pair(void *ctx, const struct sp_ct_pair *p)
{
    struct eval *e = ctx;
    uint32_t a, b;

    if (!subject_of(e, p->a.node, p->a.dataset, p->a.record_id, &a) ||
        !subject_of(e, p->a.partner, p->b_dataset, p->b_record_id, &b))
        return 0;
    *(a == b ? &e->res->pair_tp : &e->res->pair_fp) += 1;
    return 0;
}

int sp_q_evaluate(struct sp_ct *ct, const char *truth_path, uint32_t type_mask, int max_class,
                  struct sp_q_result *res)
{
    struct truth t;
    struct eval e = {&t, res, 0};

    memset(&t, 0, sizeof(t));
    memset(res, 0, sizeof(*res));
    t.ct = ct;
    int rc = truth_load(&t, truth_path);
    if (rc == 0)
        rc = sp_ct_records(ct, on_record, &e);
    if (rc == 0)
        rc = sp_ct_links(ct, type_mask, max_class, on_link, &e);
    if (rc == 0)
        rc = sp_ct_pairs(ct, type_mask, max_class, on_pair, &e);
    res->keys = sp_ct_key_count(ct);
    if (rc == 0 && e.unknown > 0)
        fprintf(stderr, "warning: %llu records are not in %s\n", (unsigned long long)e.unknown,
                truth_path);
    smap_free(&t.records);
    smap_free(&t.subjects);
    free(t.nodes);
    return rc;
}

double sp_q_precision(const struct sp_q_counts *c)
{
    return c->tp + c->fp == 0 ? 1.0 : (double)c->tp / (double)(c->tp + c->fp);
}

double sp_q_recall(const struct sp_q_counts *c)
{
    return c->true_pairs == 0 ? 1.0 : (double)c->tp / (double)c->true_pairs;
}

uint32_t sp_q_identity_mask(void)
{
    return SP_KEY_MASK_ALL &
           ~(SP_KEY_MASK(SP_KEY_ADDRESS) | SP_KEY_MASK(SP_KEY_KENTEKEN) | SP_KEY_MASK(SP_KEY_IBAN));
}

static void print_counts(FILE *out, const char *name, const struct sp_q_counts *c)
{
    fprintf(out, "  %-20s %8llu %10llu %8llu %6llu %6llu  %.5f  %.5f\n", name,
            (unsigned long long)c->records, (unsigned long long)c->true_pairs,
            (unsigned long long)c->tp, (unsigned long long)c->fp,
            (unsigned long long)(c->true_pairs - (c->tp < c->true_pairs ? c->tp : c->true_pairs)),
            sp_q_precision(c), sp_q_recall(c));
}

void sp_q_print(FILE *out, const char *title, const struct sp_q_result *r)
{
    fprintf(out, "\n%s: (record, other node) pairs, A and B keys\n", title);
    fprintf(out, "  %-20s %8s %10s %8s %6s %6s  %-7s  %-7s\n", "node", "records", "true pairs",
            "tp", "fp", "fn", "precis.", "recall");
    for (size_t i = 0; i < r->nnodes; i++)
        print_counts(out, r->node[i], &r->per_node[i]);
    print_counts(out, "all", &r->all);
    fprintf(out, "  record pairs sharing a key: %llu right, %llu wrong (precision %.5f)\n",
            (unsigned long long)r->pair_tp, (unsigned long long)r->pair_fp,
            r->pair_tp + r->pair_fp == 0 ? 1.0
                                         : (double)r->pair_tp / (double)(r->pair_tp + r->pair_fp));
    fprintf(out, "  keys derived: %llu (%.2f per record)\n", (unsigned long long)r->keys,
            r->all.records == 0 ? 0.0 : (double)r->keys / (double)r->all.records);
    fprintf(out, "  %-14s %10s %8s %12s %8s\n", "key type", "links tp", "fp", "alone tp", "fp");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (r->type_tp[t] + r->type_fp[t] == 0)
            continue;
        fprintf(out, "  %-14s %10llu %8llu %12llu %8llu\n", sp_key_type_name(t),
                (unsigned long long)r->type_tp[t], (unsigned long long)r->type_fp[t],
                (unsigned long long)r->alone_tp[t], (unsigned long long)r->alone_fp[t]);
    }
}
