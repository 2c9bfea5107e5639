/*
 * Cleartext linkage (see cleartext.h). Distinct (type, value) pairs live in
 * an open-addressing hash table that records which nodes hold each; every
 * key of every record is a (record, value, class) triple. Linking one record
 * is then a walk over its triples.
 */
#include "tests/linkage/cleartext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/keytype.h"

struct ct_value {
    uint64_t hash;
    uint64_t nodes; /* bit n: node n holds this value */
    uint32_t off;   /* into the value arena: type byte, then the bytes */
    uint16_t len;
    uint8_t type;
    bool used;
};

struct ct_key {
    uint32_t record, value;
    uint8_t type, klass;
};

struct ct_record {
    uint32_t dataset;
    uint32_t id; /* offset of the NUL-terminated id in the string arena */
};

struct ct_dataset {
    uint32_t node;
    char *name;
};

struct arena {
    char *p;
    size_t len, cap;
};

/* Records are found by (dataset, id) in a second hash table. */
struct ct_rslot {
    uint64_t hash;
    uint32_t record;
    bool used;
};

struct sp_ct {
    size_t nnodes;
    char *nodes[SP_CT_MAX_NODES];
    struct ct_dataset *datasets;
    size_t ndatasets, cap_datasets;
    struct ct_record *records;
    size_t nrecords, cap_records;
    struct ct_key *keys;
    size_t nkeys, cap_keys;
    struct ct_value *values;
    size_t nvalues, cap_values; /* cap is a power of two */
    struct ct_rslot *rslots;
    size_t cap_rslots;
    struct arena strings, bytes;
};

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap != 0 ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (q == NULL)
        return SP_ERR_NOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static int arena_put(struct arena *a, const void *s, size_t n, bool nul, uint32_t *off)
{
    size_t need = a->len + n + (nul ? 1 : 0);
    if (need > UINT32_MAX)
        return SP_ERR_OVERFLOW;
    if (grow((void **)&a->p, &a->cap, need, 1) != 0)
        return SP_ERR_NOMEM;
    *off = (uint32_t)a->len;
    memcpy(a->p + a->len, s, n);
    a->len += n;
    if (nul)
        a->p[a->len++] = '\0';
    return 0;
}

int sp_ct_new(struct sp_ct **out)
{
    struct sp_ct *ct = calloc(1, sizeof(*ct));
    if (ct == NULL)
        return SP_ERR_NOMEM;
    *out = ct;
    return 0;
}

void sp_ct_free(struct sp_ct **ct)
{
    if (ct == NULL || *ct == NULL)
        return;
    struct sp_ct *c = *ct;
    for (size_t i = 0; i < c->nnodes; i++)
        free(c->nodes[i]);
    for (size_t i = 0; i < c->ndatasets; i++)
        free(c->datasets[i].name);
    free(c->datasets);
    free(c->records);
    free(c->keys);
    free(c->values);
    free(c->rslots);
    free(c->strings.p);
    free(c->bytes.p);
    free(c);
    *ct = NULL;
}

static int node_index(struct sp_ct *ct, const char *name, uint32_t *idx)
{
    for (size_t i = 0; i < ct->nnodes; i++)
        if (strcmp(ct->nodes[i], name) == 0) {
            *idx = (uint32_t)i;
            return 0;
        }
    if (ct->nnodes == SP_CT_MAX_NODES)
        return SP_ERR_OVERFLOW;
    ct->nodes[ct->nnodes] = strdup(name);
    if (ct->nodes[ct->nnodes] == NULL)
        return SP_ERR_NOMEM;
    *idx = (uint32_t)ct->nnodes++;
    return 0;
}

static int dataset_index(struct sp_ct *ct, uint32_t node, const char *name, uint32_t *idx)
{
    for (size_t i = 0; i < ct->ndatasets; i++)
        if (ct->datasets[i].node == node && strcmp(ct->datasets[i].name, name) == 0) {
            *idx = (uint32_t)i;
            return 0;
        }
    if (grow((void **)&ct->datasets, &ct->cap_datasets, ct->ndatasets + 1, sizeof(*ct->datasets)) !=
        0)
        return SP_ERR_NOMEM;
    char *copy = strdup(name);
    if (copy == NULL)
        return SP_ERR_NOMEM;
    ct->datasets[ct->ndatasets] = (struct ct_dataset){node, copy};
    *idx = (uint32_t)ct->ndatasets++;
    return 0;
}

static int rehash_records(struct sp_ct *ct)
{
    size_t cap = ct->cap_rslots != 0 ? ct->cap_rslots * 2 : 4096;
    struct ct_rslot *s = calloc(cap, sizeof(*s));
    if (s == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < ct->cap_rslots; i++) {
        if (!ct->rslots[i].used)
            continue;
        size_t j = ct->rslots[i].hash & (cap - 1);
        while (s[j].used)
            j = (j + 1) & (cap - 1);
        s[j] = ct->rslots[i];
    }
    free(ct->rslots);
    ct->rslots = s;
    ct->cap_rslots = cap;
    return 0;
}

static int record_index(struct sp_ct *ct, uint32_t dataset, const char *id, uint32_t *idx)
{
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ULL, &dataset, sizeof(dataset)), id, strlen(id));
    int rc;

    if ((ct->nrecords + 1) * 2 > ct->cap_rslots && (rc = rehash_records(ct)) != 0)
        return rc;
    size_t j = h & (ct->cap_rslots - 1);
    for (; ct->rslots[j].used; j = (j + 1) & (ct->cap_rslots - 1)) {
        const struct ct_record *r = &ct->records[ct->rslots[j].record];
        if (ct->rslots[j].hash == h && r->dataset == dataset &&
            strcmp(ct->strings.p + r->id, id) == 0) {
            *idx = ct->rslots[j].record;
            return 0;
        }
    }
    if (grow((void **)&ct->records, &ct->cap_records, ct->nrecords + 1, sizeof(*ct->records)) != 0)
        return SP_ERR_NOMEM;
    uint32_t off;
    if ((rc = arena_put(&ct->strings, id, strlen(id), true, &off)) != 0)
        return rc;
    ct->records[ct->nrecords] = (struct ct_record){dataset, off};
    ct->rslots[j] = (struct ct_rslot){h, (uint32_t)ct->nrecords, true};
    *idx = (uint32_t)ct->nrecords++;
    return 0;
}

static int rehash_values(struct sp_ct *ct)
{
    size_t cap = ct->cap_values != 0 ? ct->cap_values * 2 : 1 << 16;
    struct ct_value *v = calloc(cap, sizeof(*v));
    if (v == NULL)
        return SP_ERR_NOMEM;
    /* keys refer to values by slot: remap them */
    uint32_t *map = malloc(ct->cap_values * sizeof(*map) + 1);
    if (map == NULL) {
        free(v);
        return SP_ERR_NOMEM;
    }
    for (size_t i = 0; i < ct->cap_values; i++) {
        if (!ct->values[i].used)
            continue;
        size_t j = ct->values[i].hash & (cap - 1);
        while (v[j].used)
            j = (j + 1) & (cap - 1);
        v[j] = ct->values[i];
        map[i] = (uint32_t)j;
    }
    for (size_t k = 0; k < ct->nkeys; k++)
        ct->keys[k].value = map[ct->keys[k].value];
    free(map);
    free(ct->values);
    ct->values = v;
    ct->cap_values = cap;
    return 0;
}

static int value_index(struct sp_ct *ct, int type, const char *value, size_t len, uint32_t *idx)
{
    uint8_t t = (uint8_t)type;
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ULL, &t, 1), value, len);
    int rc;

    if ((ct->nvalues + 1) * 2 > ct->cap_values && (rc = rehash_values(ct)) != 0)
        return rc;
    size_t j = h & (ct->cap_values - 1);
    for (; ct->values[j].used; j = (j + 1) & (ct->cap_values - 1)) {
        const struct ct_value *v = &ct->values[j];
        if (v->hash == h && v->type == t && v->len == len &&
            memcmp(ct->bytes.p + v->off, value, len) == 0) {
            *idx = (uint32_t)j;
            return 0;
        }
    }
    uint32_t off;
    if ((rc = arena_put(&ct->bytes, value, len, false, &off)) != 0)
        return rc;
    ct->values[j] = (struct ct_value){h, 0, off, (uint16_t)len, t, true};
    ct->nvalues++;
    *idx = (uint32_t)j;
    return 0;
}

static int find_record(struct sp_ct *ct, const char *node, const char *dataset,
                       const char *record_id, uint32_t *rec, uint32_t *nd)
{
    uint32_t ds;
    int rc;

    if (node == NULL || dataset == NULL || record_id == NULL || *node == '\0' || *dataset == '\0')
        return SP_ERR_INVALID_ARG;
    if ((rc = node_index(ct, node, nd)) != 0 || (rc = dataset_index(ct, *nd, dataset, &ds)) != 0)
        return rc;
    return record_index(ct, ds, record_id, rec);
}

int sp_ct_add_record(struct sp_ct *ct, const char *node, const char *dataset, const char *record_id)
{
    uint32_t rec, nd;
    return find_record(ct, node, dataset, record_id, &rec, &nd);
}

int sp_ct_add(struct sp_ct *ct, const char *node, const char *dataset, const char *record_id,
              int type, int klass, const char *value, size_t len)
{
    uint32_t rec, nd, val;
    int rc;

    if (!sp_key_type_valid(type) || klass < SP_CLASS_A || klass > SP_CLASS_C || len > UINT16_MAX)
        return SP_ERR_INVALID_ARG;
    if ((rc = find_record(ct, node, dataset, record_id, &rec, &nd)) != 0)
        return rc;
    if ((rc = value_index(ct, type, value, len, &val)) != 0)
        return rc;
    if (grow((void **)&ct->keys, &ct->cap_keys, ct->nkeys + 1, sizeof(*ct->keys)) != 0)
        return SP_ERR_NOMEM;
    ct->values[val].nodes |= UINT64_C(1) << nd;
    ct->keys[ct->nkeys++] = (struct ct_key){rec, val, (uint8_t)type, (uint8_t)klass};
    return 0;
}

static int by_record(const void *a, const void *b)
{
    const struct ct_key *x = a, *y = b;
    if (x->record != y->record)
        return x->record < y->record ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

size_t sp_ct_record_count(const struct sp_ct *ct)
{
    return ct->nrecords;
}

size_t sp_ct_key_count(const struct sp_ct *ct)
{
    return ct->nkeys;
}

size_t sp_ct_node_count(const struct sp_ct *ct)
{
    return ct->nnodes;
}

const char *sp_ct_node_name(const struct sp_ct *ct, size_t i)
{
    return i < ct->nnodes ? ct->nodes[i] : NULL;
}

/* Which links a walk reports: key types, classes, the round's k and, for a
 * threshold round, the one partner name every link gets (else NULL). */
struct link_rule {
    uint32_t type_mask;
    int max_class;
    unsigned min_holders;
    const char *any_partner;
};

static unsigned popcount64(uint64_t x)
{
    return (unsigned)__builtin_popcountll(x);
}

/* The links of record r, whose keys are keys[from, to): one per other node
 * (or one with the rule's any_partner) and entity (keytype.h), each with the
 * key types of that entity only. */
static int link_record(struct sp_ct *ct, uint32_t r, size_t from, size_t to,
                       const struct link_rule *rule, sp_ct_link_fn fn, void *ctx)
{
    uint32_t types[SP_CT_MAX_NODES][SP_ENTITY_COUNT] = {{0}};
    int klass[SP_CT_MAX_NODES][SP_ENTITY_COUNT] = {{0}};
    const struct ct_record *rec = &ct->records[r];
    uint32_t own = ct->datasets[rec->dataset].node;

    for (size_t k = from; k < to; k++) {
        const struct ct_key *key = &ct->keys[k];
        int e = sp_key_type_entity(key->type);
        uint64_t held = ct->values[key->value].nodes;
        if (!(rule->type_mask & SP_KEY_MASK(key->type)) || key->klass > rule->max_class ||
            popcount64(held) < rule->min_holders)
            continue;
        /* threshold: one partner, the record's own node's slot */
        uint64_t nodes =
            rule->any_partner != NULL ? UINT64_C(1) << own : held & ~(UINT64_C(1) << own);
        for (size_t n = 0; nodes != 0 && n < ct->nnodes; n++, nodes >>= 1) {
            if (!(nodes & 1))
                continue;
            types[n][e] |= SP_KEY_MASK(key->type);
            if (klass[n][e] == 0 || key->klass < klass[n][e])
                klass[n][e] = key->klass;
        }
    }
    for (size_t n = 0; n < ct->nnodes; n++) {
        for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
            if (types[n][e] == 0)
                continue;
            struct sp_ct_link l = {ct->nodes[own],
                                   ct->datasets[rec->dataset].name,
                                   ct->strings.p + rec->id,
                                   rule->any_partner != NULL ? rule->any_partner : ct->nodes[n],
                                   e,
                                   types[n][e],
                                   klass[n][e]};
            int rc = fn(ctx, &l);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int links_by_rule(struct sp_ct *ct, const struct link_rule *rule, sp_ct_link_fn fn,
                         void *ctx)
{
    if (ct->nkeys > 1) /* qsort with a NULL array is undefined, even of 0 */
        qsort(ct->keys, ct->nkeys, sizeof(*ct->keys), by_record);
    size_t k = 0;
    for (uint32_t r = 0; r < ct->nrecords; r++) {
        size_t from = k;
        while (k < ct->nkeys && ct->keys[k].record == r)
            k++;
        int rc = link_record(ct, r, from, k, rule, fn, ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sp_ct_links(struct sp_ct *ct, uint32_t type_mask, int max_class, sp_ct_link_fn fn, void *ctx)
{
    struct link_rule rule = {type_mask, max_class, 1, NULL};
    return links_by_rule(ct, &rule, fn, ctx);
}

int sp_ct_records(struct sp_ct *ct, sp_ct_link_fn fn, void *ctx)
{
    for (uint32_t r = 0; r < ct->nrecords; r++) {
        const struct ct_record *rec = &ct->records[r];
        struct sp_ct_link l = {ct->nodes[ct->datasets[rec->dataset].node],
                               ct->datasets[rec->dataset].name,
                               ct->strings.p + rec->id,
                               NULL,
                               0,
                               0,
                               0};
        int rc = fn(ctx, &l);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- results files ------------------------------------------------------------ */

struct lines {
    char **v;
    size_t n, cap;
    const char *node;
    int err;
};

/* Appends s as one CSV field (RFC 4180 quoting when needed) to buf. */
static size_t csv_field(char *buf, size_t at, size_t cap, const char *s)
{
    size_t len = strlen(s);
    bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote && at < cap)
        buf[at++] = '"';
    for (size_t i = 0; i < len && at + 1 < cap; i++) {
        if (quote && s[i] == '"')
            buf[at++] = '"';
        buf[at++] = s[i];
    }
    if (quote && at < cap)
        buf[at++] = '"';
    return at;
}

static int collect_line(void *ctx, const struct sp_ct_link *l)
{
    struct lines *ls = ctx;
    char buf[1024];
    size_t at = 0;

    if (strcmp(l->node, ls->node) != 0)
        return 0;
    at = csv_field(buf, at, sizeof(buf) - 64, l->dataset);
    buf[at++] = ',';
    at = csv_field(buf, at, sizeof(buf) - 64, l->record_id);
    buf[at++] = ',';
    at = csv_field(buf, at, sizeof(buf) - 64, sp_entity_name(l->entity));
    buf[at++] = ',';
    at = csv_field(buf, at, sizeof(buf) - 64, l->partner);
    buf[at++] = ',';
    bool first = true;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(l->types & SP_KEY_MASK(t)))
            continue;
        const char *name = sp_key_type_name(t);
        size_t n = strlen(name);
        if (at + n + 8 >= sizeof(buf))
            return SP_ERR_OVERFLOW;
        if (!first)
            buf[at++] = '+';
        memcpy(buf + at, name, n);
        at += n;
        first = false;
    }
    buf[at++] = ',';
    buf[at++] = sp_key_class_name(l->klass)[0];
    buf[at] = '\0';
    if (grow((void **)&ls->v, &ls->cap, ls->n + 1, sizeof(*ls->v)) != 0)
        return SP_ERR_NOMEM;
    if ((ls->v[ls->n] = strdup(buf)) == NULL)
        return SP_ERR_NOMEM;
    ls->n++;
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Writes header (if any) and the lines of ls sorted bytewise. */
static int write_sorted(struct lines *ls, const char *header, FILE *out)
{
    if (ls->n > 0) /* qsort of a NULL array is undefined even for 0 elements */
        qsort(ls->v, ls->n, sizeof(*ls->v), by_bytes);
    if (header != NULL)
        fprintf(out, "%s\n", header);
    for (size_t i = 0; i < ls->n; i++)
        fprintf(out, "%s\n", ls->v[i]);
    return fflush(out) != 0 || ferror(out) ? SP_ERR_IO : 0;
}

static void free_lines(struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->v[i]);
    free(ls->v);
}

int sp_ct_write_results(struct sp_ct *ct, const char *node, const struct sp_ct_round *r, FILE *out)
{
    struct lines ls = {NULL, 0, 0, node, 0};
    bool known = false;

    for (size_t i = 0; i < ct->nnodes; i++)
        known = known || strcmp(ct->nodes[i], node) == 0;
    if (!known)
        return SP_ERR_NOT_FOUND;
    int rc = sp_ct_round_links(ct, r, collect_line, &ls);
    if (rc == 0)
        rc = write_sorted(&ls, "dataset,record_id,entity,partner,key_types,class", out);
    free_lines(&ls);
    return rc;
}

/* ---- `snijpunt keys` files ----------------------------------------------------- */

/* Splits one CSV line (RFC 4180, no embedded line breaks) into at most max
 * fields, unquoting in place. Returns the field count, or -1 when malformed. */
static int split_csv(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;

    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            char *w = ++p;
            f[n++] = w;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            *w = '\0';
            if (*p == '\0')
                return n;
            if (*p != ',')
                return -1;
            p++;
            continue;
        }
        f[n++] = p;
        p += strcspn(p, ",");
        if (*p == '\0')
            return n;
        *p++ = '\0';
    }
}

static int parse_type(const char *s)
{
    int t = sp_key_type_from_name(s);
    if (t != 0)
        return t;
    char *end;
    long v = strtol(s, &end, 10);
    return (*s != '\0' && *end == '\0' && sp_key_type_valid((int)v)) ? (int)v : 0;
}

static int parse_class(const char *s)
{
    if (strcmp(s, "A") == 0 || strcmp(s, "1") == 0)
        return SP_CLASS_A;
    if (strcmp(s, "B") == 0 || strcmp(s, "2") == 0)
        return SP_CLASS_B;
    if (strcmp(s, "C") == 0 || strcmp(s, "3") == 0)
        return SP_CLASS_C;
    return 0;
}

int sp_ct_read_keys(struct sp_ct *ct, const char *node, const char *dataset, FILE *in,
                    unsigned long *bad_line)
{
    char line[4096];
    unsigned long no = 0;

    while (fgets(line, sizeof(line), in) != NULL) {
        no++;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] != '\n' && !feof(in))
            goto bad; /* longer than any key line can be */
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (no == 1) {
            if (strcmp(line, "record_id,key_type,class,value") != 0)
                goto bad;
            continue;
        }
        if (len == 0)
            continue;
        char *f[4];
        if (split_csv(line, f, 4) != 4)
            goto bad;
        int type = parse_type(f[1]), klass = parse_class(f[2]);
        if (type == 0 || klass == 0 || f[0][0] == '\0')
            goto bad;
        int rc = sp_ct_add(ct, node, dataset, f[0], type, klass, f[3], strlen(f[3]));
        if (rc != 0)
            return rc;
    }
    if (ferror(in))
        return SP_ERR_IO;
    if (no == 0)
        goto bad;
    return 0;
bad:
    if (bad_line != NULL)
        *bad_line = no;
    return SP_ERR_INPUT_CSV;
}

/* ---- record pairs -------------------------------------------------------------- */

struct pair_entry {
    uint32_t a, b;
    uint8_t type, klass;
};

static int by_value(const void *x, const void *y)
{
    const struct ct_key *p = x, *q = y;
    if (p->value != q->value)
        return p->value < q->value ? -1 : 1;
    return p->record < q->record ? -1 : p->record > q->record;
}

static int by_pair(const void *x, const void *y)
{
    const struct pair_entry *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

static uint32_t node_of(const struct sp_ct *ct, uint32_t r)
{
    return ct->datasets[ct->records[r].dataset].node;
}

/* Pairs of records of different nodes within keys[from, to) (one value). */
static int value_pairs(struct sp_ct *ct, size_t from, size_t to, struct pair_entry **v, size_t *n,
                       size_t *cap)
{
    for (size_t i = from; i < to; i++)
        for (size_t j = i + 1; j < to; j++) {
            uint32_t a = ct->keys[i].record, b = ct->keys[j].record;
            if (node_of(ct, a) == node_of(ct, b))
                continue;
            if (grow((void **)v, cap, *n + 1, sizeof(**v)) != 0)
                return SP_ERR_NOMEM;
            uint8_t k =
                ct->keys[i].klass > ct->keys[j].klass ? ct->keys[i].klass : ct->keys[j].klass;
            (*v)[(*n)++] = (struct pair_entry){a < b ? a : b, a < b ? b : a, ct->keys[i].type, k};
        }
    return 0;
}

static int report_pairs(struct sp_ct *ct, struct pair_entry *v, size_t n, sp_ct_pair_fn fn,
                        void *ctx)
{
    qsort(v, n, sizeof(*v), by_pair);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint32_t types = 0;
        int klass = SP_CLASS_C;
        for (; j < n && v[j].a == v[i].a && v[j].b == v[i].b; j++) {
            types |= SP_KEY_MASK(v[j].type);
            if (v[j].klass < klass)
                klass = v[j].klass;
        }
        const struct ct_record *a = &ct->records[v[i].a], *b = &ct->records[v[i].b];
        struct sp_ct_pair p = {{ct->nodes[node_of(ct, v[i].a)], ct->datasets[a->dataset].name,
                                ct->strings.p + a->id, ct->nodes[node_of(ct, v[i].b)],
                                sp_key_mask_entity(types), types, klass},
                               ct->datasets[b->dataset].name,
                               ct->strings.p + b->id};
        int rc = fn(ctx, &p);
        if (rc != 0)
            return rc;
        i = j;
    }
    return 0;
}

int sp_ct_pairs(struct sp_ct *ct, uint32_t type_mask, int max_class, sp_ct_pair_fn fn, void *ctx)
{
    struct pair_entry *v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (ct->nkeys > 1)
        qsort(ct->keys, ct->nkeys, sizeof(*ct->keys), by_value);
    for (size_t i = 0; i < ct->nkeys && rc == 0;) {
        size_t j = i;
        while (j < ct->nkeys && ct->keys[j].value == ct->keys[i].value)
            j++;
        const struct ct_key *k = &ct->keys[i];
        uint64_t nodes = ct->values[k->value].nodes;
        bool several = (nodes & (nodes - 1)) != 0;
        if (several && (type_mask & SP_KEY_MASK(k->type)))
            rc = value_pairs(ct, i, j, &v, &n, &cap);
        i = j;
    }
    /* class filter after grouping: a key above max_class does not count */
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].klass <= max_class)
            v[w++] = v[i];
    if (rc == 0)
        rc = report_pairs(ct, v, w, fn, ctx);
    free(v);
    return rc;
}

/* ---- a private round's view ---------------------------------------------------- */

int sp_ct_round_links(struct sp_ct *ct, const struct sp_ct_round *r, sp_ct_link_fn fn, void *ctx)
{
    if (r->min_holders == 0)
        return SP_ERR_INVALID_ARG;
    struct link_rule rule = {r->type_mask, SP_CLASS_C, r->min_holders, r->any_partner};
    return links_by_rule(ct, &rule, fn, ctx);
}

static int by_u128(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Reports runs of equal (first, second) pairs of v[0..n) as cells. */
static int report_cells(uint64_t (*v)[2], size_t n, sp_ct_cell_fn fn, void *ctx)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), by_u128);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j][0] == v[i][0] && v[j][1] == v[i][1])
            j++;
        int rc = fn(ctx, (int)v[i][0], v[i][1], j - i);
        if (rc != 0)
            return rc;
        i = j;
    }
    return 0;
}

int sp_ct_histogram(struct sp_ct *ct, uint32_t type_mask, sp_ct_cell_fn fn, void *ctx)
{
    uint64_t(*v)[2] = malloc((ct->nvalues + 1) * sizeof(*v));
    size_t n = 0;
    if (v == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < ct->cap_values; i++) {
        const struct ct_value *x = &ct->values[i];
        if (x->used && x->nodes != 0 && (type_mask & SP_KEY_MASK(x->type))) {
            v[n][0] = x->type;
            v[n][1] = x->nodes;
            n++;
        }
    }
    int rc = report_cells(v, n, fn, ctx);
    free(v);
    return rc;
}

static uint32_t uf_root(uint32_t *parent, uint32_t r)
{
    while (parent[r] != r)
        r = parent[r] = parent[parent[r]];
    return r;
}

/* Whether a key joins records into one subject: a class C key of a person or
 * a company is a candidate for review, never evidence of identity. */
static bool joins(uint8_t type, uint8_t klass)
{
    return !(sp_entity_is_subject(sp_key_type_entity(type)) && klass == SP_CLASS_C);
}

/* Joins the node's records per entity through keys[from, to) (one value)
 * and adds the value's other holders to what they see. */
static void subject_value(struct sp_ct *ct, size_t from, size_t to, uint32_t nd,
                          const struct sp_ct_round *r, uint32_t *parent[SP_ENTITY_COUNT],
                          uint64_t *seen[SP_ENTITY_COUNT])
{
    uint32_t first = UINT32_MAX;
    for (size_t i = from; i < to; i++) {
        const struct ct_key *k = &ct->keys[i];
        uint64_t held = ct->values[k->value].nodes;
        int e = sp_key_type_entity(k->type);
        if (node_of(ct, k->record) != nd || !(r->type_mask & SP_KEY_MASK(k->type)) ||
            !joins(k->type, k->klass))
            continue;
        if (popcount64(held) >= r->min_holders)
            seen[e][k->record] |= held & ~(UINT64_C(1) << nd);
        if (parent[e][k->record] == UINT32_MAX)
            parent[e][k->record] = k->record;
        if (first == UINT32_MAX) {
            first = k->record;
            continue;
        }
        uint32_t a = uf_root(parent[e], first), b = uf_root(parent[e], k->record);
        parent[e][a > b ? a : b] = a < b ? a : b;
    }
}

/* The cells of the subjects whose lowest holder is node nd, into v. */
static size_t subject_cells(struct sp_ct *ct, uint32_t nd, uint32_t *parent[SP_ENTITY_COUNT],
                            uint64_t *seen[SP_ENTITY_COUNT], uint64_t (*v)[2])
{
    uint64_t me = UINT64_C(1) << nd;
    size_t n = 0;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        for (uint32_t x = 0; x < ct->nrecords; x++)
            if (parent[e][x] != UINT32_MAX && uf_root(parent[e], x) != x)
                seen[e][uf_root(parent[e], x)] |= seen[e][x];
        for (uint32_t x = 0; x < ct->nrecords; x++) {
            uint64_t h = seen[e][x] | me;
            if (parent[e][x] != x || (h & (0 - h)) != me)
                continue;
            v[n][0] = (uint64_t)e;
            v[n][1] = h;
            n++;
        }
    }
    return n;
}

int sp_ct_subjects(struct sp_ct *ct, const char *node, const struct sp_ct_round *r,
                   sp_ct_cell_fn fn, void *ctx)
{
    uint32_t nd = UINT32_MAX;
    uint32_t *parent[SP_ENTITY_COUNT] = {NULL};
    uint64_t *seen[SP_ENTITY_COUNT] = {NULL};
    uint64_t(*v)[2] = NULL;
    int rc = SP_ERR_NOMEM;

    for (size_t i = 0; i < ct->nnodes; i++)
        if (strcmp(ct->nodes[i], node) == 0)
            nd = (uint32_t)i;
    if (nd == UINT32_MAX)
        return SP_ERR_NOT_FOUND;
    size_t nr = ct->nrecords + 1;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        if ((parent[e] = malloc(nr * sizeof(uint32_t))) == NULL ||
            (seen[e] = calloc(nr, sizeof(uint64_t))) == NULL)
            goto out;
        memset(parent[e], 0xff, nr * sizeof(uint32_t));
    }
    if ((v = malloc(SP_ENTITY_COUNT * nr * sizeof(*v))) == NULL)
        goto out;
    if (ct->nkeys > 1)
        qsort(ct->keys, ct->nkeys, sizeof(*ct->keys), by_value);
    for (size_t i = 0; i < ct->nkeys;) {
        size_t j = i;
        while (j < ct->nkeys && ct->keys[j].value == ct->keys[i].value)
            j++;
        subject_value(ct, i, j, nd, r, parent, seen);
        i = j;
    }
    rc = report_cells(v, subject_cells(ct, nd, parent, seen, v), fn, ctx);
out:
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        free(parent[e]);
        free(seen[e]);
    }
    free(v);
    return rc;
}

/* ---- the histogram as text ----------------------------------------------------- */

struct counts_out {
    struct lines ls;
    const char *const *names; /* by participant position */
    const size_t *pos;        /* participant position of each linker node */
    size_t nnodes;
    uint64_t suppress_below;
};

static int collect_cell(void *ctx, int type, uint64_t nodes, uint64_t count)
{
    struct counts_out *c = ctx;
    uint64_t by_pos = 0; /* the holders, bit i: participant i */
    char buf[2048];
    size_t at;

    if (count < c->suppress_below)
        return 0;
    for (size_t i = 0; i < c->nnodes; i++)
        if ((nodes >> i) & 1)
            by_pos |= UINT64_C(1) << c->pos[i];
    at = (size_t)snprintf(buf, sizeof(buf), "%s", sp_key_type_name(type));
    const char *sep = " ";
    for (size_t p = 0; p < SP_CT_MAX_NODES; p++) {
        if (!((by_pos >> p) & 1))
            continue;
        int w = snprintf(buf + at, sizeof(buf) - at, "%s%s", sep, c->names[p]);
        if (w < 0 || (size_t)w >= sizeof(buf) - at - 24)
            return SP_ERR_OVERFLOW;
        at += (size_t)w;
        sep = "+";
    }
    snprintf(buf + at, sizeof(buf) - at, " %llu", (unsigned long long)count);
    if (grow((void **)&c->ls.v, &c->ls.cap, c->ls.n + 1, sizeof(*c->ls.v)) != 0 ||
        (c->ls.v[c->ls.n] = strdup(buf)) == NULL)
        return SP_ERR_NOMEM;
    c->ls.n++;
    return 0;
}

int sp_ct_write_counts(struct sp_ct *ct, uint32_t type_mask, const char *const *participants,
                       size_t n, uint64_t suppress_below, FILE *out)
{
    size_t pos[SP_CT_MAX_NODES];
    const char *names[SP_CT_MAX_NODES];

    if (participants == NULL) {
        participants = (const char *const *)ct->nodes;
        n = ct->nnodes;
    }
    if (n > SP_CT_MAX_NODES)
        return SP_ERR_INVALID_ARG;
    for (size_t p = 0; p < n; p++)
        for (size_t q = 0; q < p; q++)
            if (strcmp(participants[p], participants[q]) == 0)
                return SP_ERR_INVALID_ARG;
    for (size_t i = 0; i < ct->nnodes; i++) {
        size_t p = 0;
        while (p < n && strcmp(participants[p], ct->nodes[i]) != 0)
            p++;
        if (p == n)
            return SP_ERR_INVALID_ARG;
        pos[i] = p;
        names[p] = participants[p];
    }
    struct counts_out c = {{NULL, 0, 0, NULL, 0}, names, pos, ct->nnodes, suppress_below};
    int rc = sp_ct_histogram(ct, type_mask, collect_cell, &c);
    if (rc == 0)
        rc = write_sorted(&c.ls, NULL, out);
    free_lines(&c.ls);
    return rc;
}
