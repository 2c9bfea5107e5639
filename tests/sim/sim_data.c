/* A schedule's generated records (sim_data.h). */
#include "sim_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"

/* The key types of each subject kind, and the kinds a record mentions. */
static const uint8_t person_types[] = {SP_KEY_BSN,      SP_KEY_ANUMMER,  SP_KEY_NAME_DOB,
                                       SP_KEY_PHON_DOB, SP_KEY_PART_DOB, SP_KEY_INI_ADDR_DOB,
                                       SP_KEY_ADDR_DOB, SP_KEY_NAME_ADDR};
static const uint8_t company_types[] = {SP_KEY_KVK, SP_KEY_VESTIGING, SP_KEY_RSIN,
                                        SP_KEY_CNAME_ADDR, SP_KEY_CNAME_PC};

enum { KIND_PERSON, KIND_COMPANY, KIND_ADDRESS, KIND_VEHICLE, KIND_ACCOUNT, KINDS };

struct gen {
    struct sim_data *d;
    struct sim_rng *rng;
    unsigned size[KINDS];       /* subjects per kind */
    uint8_t holders[KINDS][64]; /* node mask of each subject */
    uint32_t version[SIM_MAX_NODES][3];
    uint8_t cname_pc_class[SIM_MAX_NODES];
    size_t cap[SIM_MAX_NODES];
    bool odd;
};

static const char *const datasets[3] = {"personen", "bedrijven", "registratie"};

static int put_key(struct gen *g, unsigned node, unsigned ds, const char *rid, uint8_t type,
                   const char *value)
{
    struct sim_node_data *nd = &g->d->node[node];
    if (nd->nkeys == g->cap[node]) {
        size_t cap = g->cap[node] ? g->cap[node] * 2 : 64;
        struct sim_key *k = realloc(nd->keys, cap * sizeof(*k));
        if (k == NULL)
            return -1;
        nd->keys = k;
        g->cap[node] = cap;
    }
    struct sim_key *k = &nd->keys[nd->nkeys++];
    memset(k, 0, sizeof(*k));
    k->type = type;
    k->klass =
        (uint8_t)(type == SP_KEY_CNAME_PC ? g->cname_pc_class[node] : sp_key_type_class(type));
    int n = snprintf((char *)k->value, sizeof(k->value), "%s%s", SIM_VALUE_MARK, value);
    k->len = (uint8_t)(n > 0 && (size_t)n < sizeof(k->value) ? (size_t)n : sizeof(k->value) - 1);
    k->version = g->version[node][ds];
    snprintf(k->dataset, sizeof(k->dataset), "%s", datasets[ds]);
    snprintf(k->record_id, sizeof(k->record_id), "%s", rid);
    g->d->type_mask |= SP_KEY_MASK(type);
    return 0;
}

/* A value of subject s of a key type: "t<type>-<s>", or a typo only this
 * node has. Subject numbers 1, 12, 123 make prefixes of one another. */
static void value_of(struct gen *g, unsigned node, uint8_t type, unsigned s, char *out, size_t cap)
{
    static const unsigned spread[] = {1, 12, 123, 2, 21, 3, 4, 45, 5, 6, 7, 8, 9, 10, 11};
    unsigned v = s < sizeof(spread) / sizeof(spread[0]) ? spread[s] : 1000 + s;
    const char *mid = g->odd && s % 2 == 0 ? "\xc3\xa9" : ""; /* é */
    if (sim_rng_chance(g->rng, 60))
        snprintf(out, cap, "t%u-%s%u~n%u", type, mid, v, node);
    else
        snprintf(out, cap, "t%u-%s%u", type, mid, v);
}

/* Mentions of things (address, vehicle, account) in a record. */
static int mention(struct gen *g, unsigned node, unsigned ds, const char *rid, int kind,
                   uint8_t type, unsigned per_mille)
{
    char v[SIM_VALUE_MAX];
    if (g->size[kind] == 0 || !sim_rng_chance(g->rng, per_mille))
        return 0;
    unsigned s = (unsigned)sim_rng_below(g->rng, g->size[kind]);
    /* prefer things this node is planned to know */
    for (unsigned tries = 0; tries < 4 && !(g->holders[kind][s] & (1u << node)); tries++)
        s = (unsigned)sim_rng_below(g->rng, g->size[kind]);
    value_of(g, node, type, s, v, sizeof(v));
    return put_key(g, node, ds, rid, type, v);
}

static int subject_record(struct gen *g, unsigned node, int kind, unsigned s, unsigned seq)
{
    const uint8_t *types = kind == KIND_PERSON ? person_types : company_types;
    size_t ntypes = kind == KIND_PERSON ? sizeof(person_types) : sizeof(company_types);
    unsigned ds = kind == KIND_PERSON ? (sim_rng_chance(g->rng, 200) ? 2 : 0) : 1;
    char rid[SIM_NAME_MAX], v[SIM_VALUE_MAX];
    unsigned id = g->odd && ds == 2 && seq > 0 ? seq - 1 : seq; /* another dataset's id */
    snprintf(rid, sizeof(rid), "%c%u-%u", kind == KIND_PERSON ? 'P' : 'C', node, id);
    unsigned put = 0;
    for (size_t i = 0; i < ntypes; i++) {
        if (!sim_rng_chance(g->rng, put == 0 && i + 1 == ntypes ? 1000 : 450))
            continue;
        value_of(g, node, types[i], s, v, sizeof(v));
        if (put_key(g, node, ds, rid, types[i], v) != 0)
            return -1;
        put++;
    }
    if (mention(g, node, ds, rid, KIND_ADDRESS, SP_KEY_ADDRESS, 500) != 0 ||
        mention(g, node, ds, rid, KIND_VEHICLE, SP_KEY_KENTEKEN, kind == KIND_PERSON ? 250 : 0) !=
            0 ||
        mention(g, node, ds, rid, KIND_ACCOUNT, SP_KEY_IBAN, 300) != 0)
        return -1;
    g->d->node[node].nrecords++;
    return 0;
}

/* Which nodes hold each subject: 1 node (35%), 2 (30%), more (35%). */
static void plan(struct gen *g)
{
    unsigned n = g->d->nnodes;
    for (int kind = 0; kind < KINDS; kind++)
        for (unsigned s = 0; s < g->size[kind]; s++) {
            unsigned r = (unsigned)sim_rng_below(g->rng, 100);
            unsigned h = r < 35   ? 1
                         : r < 65 ? 2
                                  : (unsigned)sim_rng_range(g->rng, 3, n > 3 ? n : 3);
            if (h > n)
                h = n;
            uint8_t m = 0;
            while ((unsigned)__builtin_popcount(m) < h)
                m |= (uint8_t)(1u << sim_rng_below(g->rng, n));
            g->holders[kind][s] = m;
        }
}

int sim_data_generate(struct sim_data *d, unsigned nnodes, unsigned scale, bool odd,
                      struct sim_rng *rng)
{
    struct gen g = {.d = d, .rng = rng, .odd = odd};
    memset(d, 0, sizeof(*d));
    d->nnodes = nnodes;
    if (scale < 1)
        scale = 1;
    g.size[KIND_PERSON] = (unsigned)sim_rng_range(rng, 2, 4) * scale;
    g.size[KIND_COMPANY] = (unsigned)sim_rng_range(rng, 1, 3) * scale;
    g.size[KIND_ADDRESS] = (unsigned)sim_rng_range(rng, 1, 3) * scale;
    g.size[KIND_VEHICLE] = (unsigned)sim_rng_range(rng, 0, 2) * scale;
    g.size[KIND_ACCOUNT] = (unsigned)sim_rng_range(rng, 0, 2) * scale;
    for (unsigned i = 0; i < nnodes; i++) {
        for (int ds = 0; ds < 3; ds++)
            g.version[i][ds] = (uint32_t)sim_rng_range(rng, 1, 4);
        g.cname_pc_class[i] = sim_rng_chance(rng, 250) ? 3 : 2;
    }
    plan(&g);
    for (unsigned node = 0; node < nnodes; node++) {
        unsigned seq = 0;
        for (int kind = KIND_PERSON; kind <= KIND_COMPANY; kind++)
            for (unsigned s = 0; s < g.size[kind]; s++) {
                if (!(g.holders[kind][s] & (1u << node)))
                    continue;
                unsigned copies = sim_rng_chance(rng, 120) ? 2 : 1; /* a duplicate record */
                for (unsigned c = 0; c < copies; c++)
                    if (subject_record(&g, node, kind, s, seq++) != 0)
                        goto fail;
            }
        if (d->node[node].nkeys == 0 && subject_record(&g, node, KIND_PERSON, 0, seq++) != 0)
            goto fail;
        sim_data_sort(&d->node[node]);
    }
    return 0;
fail:
    sim_data_free(d);
    return -1;
}

void sim_data_free(struct sim_data *d)
{
    for (unsigned i = 0; i < SIM_MAX_NODES; i++)
        free(d->node[i].keys);
    memset(d, 0, sizeof(*d));
}

int sim_key_cmp(const struct sim_key *a, const struct sim_key *b)
{
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->value, b->value, n);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    if (a->version != b->version)
        return a->version < b->version ? -1 : 1;
    return strcmp(a->record_id, b->record_id);
}

static int cmp_keys(const void *a, const void *b)
{
    return sim_key_cmp(a, b);
}

void sim_data_sort(struct sim_node_data *nd)
{
    if (nd->nkeys > 1)
        qsort(nd->keys, nd->nkeys, sizeof(*nd->keys), cmp_keys);
}

void sim_data_distinct(const struct sim_node_data *nd, uint32_t mask, uint64_t counts[17])
{
    memset(counts, 0, 17 * sizeof(counts[0]));
    for (size_t i = 0; i < nd->nkeys; i++) {
        const struct sim_key *k = &nd->keys[i];
        if (!(mask & SP_KEY_MASK(k->type)))
            continue;
        if (i > 0 && k->type == nd->keys[i - 1].type && k->len == nd->keys[i - 1].len &&
            memcmp(k->value, nd->keys[i - 1].value, k->len) == 0)
            continue;
        counts[k->type]++;
    }
}
