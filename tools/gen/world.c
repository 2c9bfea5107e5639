#include "world.h"

#include <stdio.h>
#include <string.h>

#include "tables.h"
#include "text.h"

/* Stream tags: each attribute draws from its own stream, so changing how one
 * attribute is drawn leaves every other attribute of the world unchanged. */
enum {
    TAG_NET_PERSON = 0x200,
    TAG_NET_COMPANY,
    TAG_SUBJECT_PERSON,
    TAG_SUBJECT_COMPANY,
    TAG_HOUSEHOLD,
    TAG_FAMILY,
    TAG_PERSON,
    TAG_BIRTH,
    TAG_ADDRESS,
    TAG_PLACE,
};

void sp_gen_world_init(struct sp_gen_world *w, uint64_t seed, uint64_t persons, uint64_t companies,
                       uint64_t net_persons, uint64_t net_companies)
{
    memset(w, 0, sizeof(*w));
    w->seed = seed;
    w->persons = persons;
    w->companies = companies;
    w->net_persons = net_persons;
    w->net_companies = net_companies;
    sp_gen_idspace_init(&w->ids, seed);
    sp_gen_perm_init(&w->net_person, persons, seed, TAG_NET_PERSON);
    sp_gen_perm_init(&w->net_company, companies, seed, TAG_NET_COMPANY);
    sp_gen_perm_init(&w->subject_person, persons, seed, TAG_SUBJECT_PERSON);
    sp_gen_perm_init(&w->subject_company, companies, seed, TAG_SUBJECT_COMPANY);
}

static const char *pick(struct sp_gen_rng *r, const struct sp_gen_list *l)
{
    return l->v[sp_gen_below(r, l->n)];
}

/* Households are blocks of four consecutive persons split by one of a few
 * patterns; each member lives at the address of the pattern's head. */
static uint64_t household_head(const struct sp_gen_world *w, uint64_t i)
{
    static const unsigned heads[6][4] = {{0, 1, 2, 3}, {0, 0, 2, 3}, {0, 0, 2, 2},
                                         {0, 0, 0, 3}, {0, 0, 0, 0}, {0, 1, 1, 3}};
    static const unsigned weights[6] = {25, 20, 20, 10, 10, 15};
    struct sp_gen_rng r;
    uint64_t block = i / 4;
    sp_gen_rng_init(&r, w->seed, TAG_HOUSEHOLD, block, 0);
    unsigned pattern = sp_gen_weighted(&r, weights, 6);
    uint64_t head = block * 4 + heads[pattern][i % 4];
    return head < w->persons ? head : i;
}

/* A Dutch surname: a common one (with its own voorvoegsel) or, for the long
 * tail, a composed one that may carry a voorvoegsel. */
static void dutch_surname(struct sp_gen_rng *r, const char **prefix, char *core, size_t cap)
{
    const struct sp_gen_surnames *common = &sp_gen_surnames_by_origin[SP_GEN_NL];
    if (sp_gen_chance(r, 450000)) {
        const struct sp_gen_surname *s = &common->v[sp_gen_below(r, common->n)];
        *prefix = s->prefix;
        snprintf(core, cap, "%s", s->core);
        return;
    }
    snprintf(core, cap, "%s%s", pick(r, &sp_gen_surname_roots), pick(r, &sp_gen_surname_endings));
    *prefix = "";
    if (sp_gen_chance(r, 250000))
        *prefix = sp_gen_prefixes
                      .v[sp_gen_weighted(r, sp_gen_prefix_weights, (unsigned)sp_gen_prefixes.n)];
}

/* The family a person was born into: name origin, voorvoegsel and core. */
static int family(const struct sp_gen_world *w, uint64_t i, const char **prefix, char *core,
                  size_t cap)
{
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_FAMILY, i, 0);
    int origin = (int)sp_gen_weighted(&r, sp_gen_origin_weights, SP_GEN_ORIGINS);
    if (origin == SP_GEN_NL) {
        dutch_surname(&r, prefix, core, cap);
        return origin;
    }
    const struct sp_gen_surnames *l = &sp_gen_surnames_by_origin[origin];
    const struct sp_gen_surname *s = &l->v[sp_gen_below(&r, l->n)];
    *prefix = s->prefix;
    snprintf(core, cap, "%s", s->core);
    return origin;
}

static void birth_date(const struct sp_gen_world *w, uint64_t i, int *y, int *m, int *d)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_BIRTH, i, 0);
    *y = 1938 + (int)sp_gen_below(&r, 70);
    *m = 1 + (int)sp_gen_below(&r, 12);
    int dim = days[*m - 1] + (*m == 2 && *y % 4 == 0 && (*y % 100 != 0 || *y % 400 == 0));
    *d = 1 + (int)sp_gen_below(&r, (uint64_t)dim);
}

static void given_names(struct sp_gen_rng *r, int origin, struct sp_gen_person *p)
{
    static const unsigned counts[4] = {29, 39, 22, 10};
    const struct sp_gen_list *lists = p->sex == 'M' ? sp_gen_given_male : sp_gen_given_female;
    p->ngiven = 1 + sp_gen_weighted(r, counts, 4);
    for (unsigned k = 0; k < p->ngiven; k++) {
        int o = origin;
        if (sp_gen_chance(r, origin == SP_GEN_NL ? 50000 : 150000))
            o = origin == SP_GEN_NL ? (int)sp_gen_below(r, SP_GEN_ORIGINS) : SP_GEN_NL;
        const char *name = pick(r, &lists[o]);
        for (unsigned j = 0; j < k; j++)
            if (strcmp(p->given[j], name) == 0)
                name = pick(r, &lists[SP_GEN_NL]); /* a repeat is rare and harmless */
        p->given[k] = name;
    }
}

static void person_ids(const struct sp_gen_world *w, struct sp_gen_rng *r, struct sp_gen_person *p)
{
    sp_gen_bsn(&w->ids, p->index, p->bsn);
    p->has_iban = sp_gen_chance(r, 700000);
    if (p->has_iban)
        sp_gen_iban(&w->ids, p->index, pick(r, &sp_gen_banks), p->iban);
    p->has_car = sp_gen_chance(r, p->network ? 700000 : 250000);
    if (p->has_car)
        sp_gen_plate(w->seed, p->index, p->plate, &p->sidecode);
}

void sp_gen_person(const struct sp_gen_world *w, uint64_t i, struct sp_gen_person *p)
{
    struct sp_gen_rng r;
    memset(p, 0, sizeof(*p));
    sp_gen_rng_init(&r, w->seed, TAG_PERSON, i, 0);
    p->index = i;
    p->subject = sp_gen_perm_apply(&w->subject_person, i) + 1;
    p->network = sp_gen_perm_apply(&w->net_person, i) < w->net_persons;
    p->sex = sp_gen_chance(&r, 500000) ? 'M' : 'V';
    p->home = household_head(w, i);
    /* Half of a household's other members carry the head's surname. */
    uint64_t fam = p->home != i && sp_gen_chance(&r, 600000) ? p->home : i;
    int origin = family(w, fam, &p->prefix, p->surname, sizeof(p->surname));
    given_names(&r, origin, p);
    /* Now and then a household member is a twin of its head. */
    uint64_t born = p->home != i && sp_gen_chance(&r, 10000) ? p->home : i;
    birth_date(w, born, &p->year, &p->month, &p->day);
    p->old_home = sp_gen_below(&r, w->persons);
    if (p->old_home == p->home)
        p->old_home = (p->old_home + 1) % w->persons;
    person_ids(w, &r, p);
}

uint64_t sp_gen_network_person(const struct sp_gen_world *w, uint64_t rank)
{
    return sp_gen_perm_invert(&w->net_person, rank % w->net_persons);
}

static void street_name(const struct sp_gen_world *w, uint64_t block, char *out, size_t cap)
{
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_ADDRESS, block, 1);
    const char *type = pick(&r, &sp_gen_street_types);
    uint64_t kind = sp_gen_below(&r, 10);
    if (kind < 5) {
        const struct sp_gen_list *l =
            kind % 2 ? &sp_gen_given_male[SP_GEN_NL] : &sp_gen_given_female[SP_GEN_NL];
        snprintf(out, cap, "%s%s", pick(&r, l), type);
    } else if (kind < 9) {
        const struct sp_gen_surnames *l = &sp_gen_surnames_by_origin[SP_GEN_NL];
        const struct sp_gen_surname *s = &l->v[sp_gen_below(&r, l->n)];
        snprintf(out, cap, "%s%s%s%s", s->prefix, *s->prefix ? " " : "", s->core, type);
    } else {
        snprintf(out, cap, "%s%s", pick(&r, &sp_gen_surname_roots), type);
    }
}

/* Sixteen addresses share a postcode block (one street); house numbers are
 * distinct within a block, so (postcode, number) identifies an address. */
void sp_gen_address(const struct sp_gen_world *w, uint64_t a, struct sp_gen_address *out)
{
    static const char *const suffixes[] = {"I", "II", "III", "rd", "bis", "hs", "1", "2", "3"};
    struct sp_gen_rng r;
    uint64_t block = a / 16;
    memset(out, 0, sizeof(*out));
    sp_gen_postcode(&w->ids, block, out->postcode);
    sp_gen_rng_init(&r, w->seed, TAG_ADDRESS, block, 0);
    unsigned base = (unsigned)sp_gen_below(&r, 400);
    unsigned step = 1 + (unsigned)sp_gen_below(&r, 2);
    out->number = 1 + base + (unsigned)(a % 16) * step;
    street_name(w, block, out->street, sizeof(out->street));
    sp_gen_rng_init(
        &r, w->seed, TAG_PLACE,
        (uint64_t)(out->postcode[0] - '0') * 1000 + (uint64_t)(out->postcode[1] - '0') * 100 +
            (uint64_t)(out->postcode[2] - '0') * 10 + (uint64_t)(out->postcode[3] - '0'),
        0);
    out->place = pick(&r, &sp_gen_places);
    sp_gen_rng_init(&r, w->seed, TAG_ADDRESS, a, 2);
    out->suffix = "";
    uint64_t x = sp_gen_below(&r, 1000);
    if (x < 55)
        out->letter[0] = (char)('A' + sp_gen_below(&r, 4));
    else if (x < 120)
        out->suffix = suffixes[sp_gen_below(&r, sizeof(suffixes) / sizeof(suffixes[0]))];
}
