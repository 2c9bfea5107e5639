/* The company datasets: the RIEC's Handelsregister extract and officers,
 * the tax office's ondernemingen and the police's bedrijven. */
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "tables.h"
#include "text.h"

enum { CNODE_KVK, CNODE_BELASTING, CNODE_POLITIE, CNODE_OFFICERS };

enum {
    TAG_CMEMBER = 0x500,
    TAG_CORDER = 0x510,
    TAG_CRECORD = 0x520,
};

static bool in_node(const struct sp_gen_world *w, int node, const struct sp_gen_company *co)
{
    static const uint32_t ppm[3] = {1000000, 500000, 6000};
    static const uint32_t net_ppm[3] = {1000000, 900000, 850000};
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_CMEMBER + (uint64_t)node, co->index, 0);
    return sp_gen_chance(&r, co->network ? net_ppm[node] : ppm[node]);
}

/* Iterates the companies of one node in that node's order. */
typedef void (*company_row_fn)(struct sp_gen_out *o, struct sp_gen_csv *c,
                               const struct sp_gen_company *co, uint64_t *seq);

static void each_company(struct sp_gen_out *o, struct sp_gen_csv *c, int node, company_row_fn fn)
{
    struct sp_gen_perm order;
    struct sp_gen_company co;
    uint64_t seq = 0;
    sp_gen_perm_init(&order, o->w->companies, o->w->seed, TAG_CORDER + (uint64_t)node);
    for (uint64_t j = 0; j < o->w->companies; j++) {
        sp_gen_company(o->w, sp_gen_perm_apply(&order, j), &co);
        if (node == CNODE_OFFICERS || in_node(o->w, node, &co))
            fn(o, c, &co, &seq);
    }
}

/* ---- riec-mn/kvk-inschrijvingen ---- */

static void kvk_row(struct sp_gen_out *o, struct sp_gen_csv *c, const struct sp_gen_company *co,
                    uint64_t *seq)
{
    struct sp_gen_address a;
    char buf[64];
    (*seq)++;
    sp_gen_address(o->w, co->premises, &a);
    sp_gen_csv_field(c, co->kvk);
    sp_gen_csv_field(c, co->vestiging);
    sp_gen_csv_field(c, co->name);
    sp_gen_csv_field(c, a.street);
    sp_gen_csv_fieldf(c, "%u", a.number);
    sp_gen_csv_field(c, *a.letter ? a.letter : a.suffix);
    sp_gen_format_postcode(a.postcode, SP_GEN_PC_SPACE, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, a.place);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "riec-mn", "kvk-inschrijvingen", co->kvk, 'C', co->subject);
}

int sp_gen_export_kvk_inschrijvingen(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {',', false, false, false};
    struct sp_gen_csv c;
    if (sp_gen_dataset_open(o, &c, "riec-mn", "kvk-inschrijvingen", &style,
                            "kvk_nummer,vestigingsnummer,handelsnaam,straat,huisnummer,"
                            "toevoeging,postcode,plaats") != 0)
        return -1;
    each_company(o, &c, CNODE_KVK, kvk_row);
    return sp_gen_dataset_close(o, &c, "riec-mn", "kvk-inschrijvingen");
}

/* ---- riec-mn/kvk-functionarissen: officers, names and birth dates only ---- */

static const char *officer_role(struct sp_gen_rng *r, const struct sp_gen_company *co)
{
    const struct sp_gen_list *roles = &sp_gen_officer_roles;
    if (!*co->legal)
        return roles->v[1]; /* eenmanszaak: eigenaar */
    if (strcmp(co->legal, "V.O.F.") == 0 || strcmp(co->legal, "C.V.") == 0)
        return roles->v[3]; /* vennoot */
    return sp_gen_chance(r, 700000) ? roles->v[0] : roles->v[2];
}

static void officer_rows(struct sp_gen_out *o, struct sp_gen_csv *c,
                         const struct sp_gen_company *co, uint64_t *seq)
{
    struct sp_gen_person p;
    struct sp_gen_rng r;
    char id[32], buf[256];
    for (unsigned k = 0; k < co->nofficers; k++) {
        sp_gen_person(o->w, co->officers[k], &p);
        sp_gen_rng_init(&r, o->w->seed, TAG_CRECORD + CNODE_OFFICERS, co->index, k);
        snprintf(id, sizeof(id), "FN%08llu", (unsigned long long)++*seq);
        sp_gen_csv_field(c, id);
        sp_gen_csv_field(c, co->kvk);
        buf[0] = '\0';
        for (unsigned g = 0; g < p.ngiven; g++) {
            if (g)
                sp_gen_append(buf, sizeof(buf), " ");
            sp_gen_append(buf, sizeof(buf), p.given[g]);
        }
        sp_gen_csv_field(c, buf);
        sp_gen_csv_field(c, p.prefix);
        sp_gen_csv_field(c, p.surname);
        sp_gen_format_date(SP_GEN_DATE_DASH, p.year, p.month, p.day, buf, sizeof(buf));
        sp_gen_csv_field(c, buf);
        sp_gen_csv_field(c, officer_role(&r, co));
        sp_gen_csv_end(c);
        sp_gen_truth(o, "riec-mn", "kvk-functionarissen", id, 'P', p.subject);
    }
}

int sp_gen_export_kvk_functionarissen(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {',', false, false, false};
    struct sp_gen_csv c;
    if (sp_gen_dataset_open(o, &c, "riec-mn", "kvk-functionarissen", &style,
                            "functionaris_id,kvk_nummer,voornamen,voorvoegsel,achternaam,"
                            "geboortedatum,functie") != 0)
        return -1;
    each_company(o, &c, CNODE_OFFICERS, officer_rows);
    return sp_gen_dataset_close(o, &c, "riec-mn", "kvk-functionarissen");
}

/* ---- belastingdienst/ondernemingen ---- */

static void ondernemingen_row(struct sp_gen_out *o, struct sp_gen_csv *c,
                              const struct sp_gen_company *co, uint64_t *seq)
{
    struct sp_gen_address a;
    struct sp_gen_rng r;
    char id[32], buf[64];
    sp_gen_rng_init(&r, o->w->seed, TAG_CRECORD + CNODE_BELASTING, co->index, 0);
    sp_gen_address(o->w, co->premises, &a);
    snprintf(id, sizeof(id), "BD-OND-%08llu", (unsigned long long)++*seq);
    sp_gen_csv_field(c, id);
    sp_gen_csv_field(c, sp_gen_chance(&r, 25000) ? "" : co->kvk);
    sp_gen_csv_field(c, co->name);
    sp_gen_csv_field(c, co->has_iban ? co->iban : "");
    sp_gen_format_postcode(a.postcode, SP_GEN_PC_SPACE, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_format_house_joined(&a, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "belastingdienst", "ondernemingen", id, 'C', co->subject);
}

int sp_gen_export_belasting_ondernemingen(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {',', false, false, false};
    struct sp_gen_csv c;
    if (sp_gen_dataset_open(o, &c, "belastingdienst", "ondernemingen", &style,
                            "relatienummer,kvk_nummer,naam,iban,postcode,huisnummer") != 0)
        return -1;
    each_company(o, &c, CNODE_BELASTING, ondernemingen_row);
    return sp_gen_dataset_close(o, &c, "belastingdienst", "ondernemingen");
}

/* ---- politie-mn/bedrijven: names as typed, address in one field ---- */

/* "Bakker Holding B.V." or, typed in capitals, "BAKKER HOLDING BV". */
static void politie_company_name(struct sp_gen_rng *r, const struct sp_gen_company *co, char *out,
                                 size_t cap)
{
    if (!sp_gen_chance(r, 300000)) {
        snprintf(out, cap, "%s", co->name);
        return;
    }
    char legal[16];
    size_t n = 0;
    for (const char *s = co->legal; *s && n + 1 < sizeof(legal); s++)
        if (*s != '.')
            legal[n++] = *s;
    legal[n] = '\0';
    char mixed[192];
    snprintf(mixed, sizeof(mixed), "%s%s%s", co->core, n ? " " : "", legal);
    sp_gen_upper_ascii(mixed, out, cap);
}

static void bedrijven_row(struct sp_gen_out *o, struct sp_gen_csv *c,
                          const struct sp_gen_company *co, uint64_t *seq)
{
    static const int pc_styles[3] = {SP_GEN_PC_LOWER, SP_GEN_PC_SPACE, SP_GEN_PC_TIGHT};
    struct sp_gen_address a;
    struct sp_gen_rng r;
    char id[32], buf[192], house[32];
    sp_gen_rng_init(&r, o->w->seed, TAG_CRECORD + CNODE_POLITIE, co->index, 0);
    sp_gen_address(o->w, co->premises, &a);
    snprintf(id, sizeof(id), "PLB%06llu", (unsigned long long)++*seq);
    sp_gen_csv_field(c, id);
    politie_company_name(&r, co, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, sp_gen_chance(&r, 500000) ? co->kvk : "");
    sp_gen_format_house_joined(&a, house, sizeof(house));
    snprintf(buf, sizeof(buf), "%s %s", a.street, house);
    sp_gen_csv_field(c, buf);
    sp_gen_format_postcode(a.postcode, pc_styles[sp_gen_below(&r, 3)], buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, a.place);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "politie-mn", "bedrijven", id, 'C', co->subject);
}

int sp_gen_export_politie_bedrijven(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {';', true, true, false};
    struct sp_gen_csv c;
    if (sp_gen_dataset_open(o, &c, "politie-mn", "bedrijven", &style,
                            "registratienummer,bedrijfsnaam,kvk,adres,postcode,plaats") != 0)
        return -1;
    each_company(o, &c, CNODE_POLITIE, bedrijven_row);
    return sp_gen_dataset_close(o, &c, "politie-mn", "bedrijven");
}
