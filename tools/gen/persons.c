/* The person datasets: gemeente (BRP extract), politie, belastingdienst, OM. */
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "text.h"

enum { NODE_GEMEENTE, NODE_POLITIE, NODE_BELASTING, NODE_OM };

enum {
    TAG_MEMBER = 0x400,
    TAG_ORDER = 0x410,
    TAG_RECORD = 0x420,
    TAG_PARKET = 0x430,
};

/* Who knows whom. Outside the case the nodes see independent slices of the
 * population (a municipality, the tax office, the few the police and the
 * prosecutor meet); the case's subjects are known almost everywhere. */
static bool in_node(const struct sp_gen_world *w, int node, uint64_t i)
{
    static const uint32_t ppm[4] = {450000, 35000, 350000, 0};
    static const uint32_t net_ppm[4] = {900000, 850000, 900000, 700000};
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_MEMBER + (uint64_t)node, i, 0);
    bool network = sp_gen_perm_apply(&w->net_person, i) < w->net_persons;
    if (network)
        return sp_gen_chance(&r, net_ppm[node]);
    if (node == NODE_OM) /* suspects mostly come through the police */
        return sp_gen_chance(&r, in_node(w, NODE_POLITIE, i) ? 200000 : 5000);
    return sp_gen_chance(&r, ppm[node]);
}

/* Each node lists its records in its own order. */
static void order_init(const struct sp_gen_world *w, int node, struct sp_gen_perm *p)
{
    sp_gen_perm_init(p, w->persons, w->seed, TAG_ORDER + (uint64_t)node);
}

static void join_given(const struct sp_gen_person *p, unsigned n, char *out, size_t cap)
{
    out[0] = '\0';
    for (unsigned k = 0; k < n; k++) {
        if (k)
            sp_gen_append(out, cap, " ");
        sp_gen_append(out, cap, p->given[k]);
    }
}

static bool has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* ---- gemeente-utrecht/personen: the BRP itself, clean ---- */

static void gemeente_row(struct sp_gen_out *o, struct sp_gen_csv *c, const struct sp_gen_person *p,
                         uint64_t seq)
{
    struct sp_gen_address a;
    struct sp_gen_rng r;
    char id[32], buf[256];
    sp_gen_rng_init(&r, o->w->seed, TAG_RECORD + NODE_GEMEENTE, p->index, 0);
    sp_gen_address(o->w, p->home, &a);
    snprintf(id, sizeof(id), "GBA%07llu", (unsigned long long)seq);
    sp_gen_csv_field(c, id);
    sp_gen_csv_field(c, p->bsn);
    join_given(p, p->ngiven, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, p->prefix);
    sp_gen_csv_field(c, p->surname);
    sp_gen_csv_fieldf(c, "%c", p->sex);
    /* The BRP writes 00 for a day (rarely a month) it does not know. */
    uint64_t unknown = sp_gen_below(&r, 100000);
    int m = unknown < 30 ? 0 : p->month;
    int d = unknown < 350 ? 0 : p->day;
    sp_gen_format_date(SP_GEN_DATE_BRP, p->year, m, d, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, a.street);
    sp_gen_csv_fieldf(c, "%u", a.number);
    sp_gen_csv_field(c, a.letter);
    sp_gen_csv_field(c, a.suffix);
    sp_gen_csv_field(c, a.postcode);
    sp_gen_csv_field(c, a.place);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "gemeente-utrecht", "personen", id, 'P', p->subject);
}

int sp_gen_export_gemeente(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {',', false, false, false};
    struct sp_gen_csv c;
    struct sp_gen_perm order;
    struct sp_gen_person p;
    uint64_t seq = 0;
    if (sp_gen_dataset_open(o, &c, "gemeente-utrecht", "personen", &style,
                            "persoon_id,bsn,voornamen,voorvoegsel,geslachtsnaam,geslacht,"
                            "geboortedatum,straatnaam,huisnummer,huisletter,"
                            "huisnummertoevoeging,postcode,woonplaats") != 0)
        return -1;
    order_init(o->w, NODE_GEMEENTE, &order);
    for (uint64_t j = 0; j < o->w->persons; j++) {
        uint64_t i = sp_gen_perm_apply(&order, j);
        if (!in_node(o->w, NODE_GEMEENTE, i))
            continue;
        sp_gen_person(o->w, i, &p);
        gemeente_row(o, &c, &p, ++seq);
    }
    return sp_gen_dataset_close(o, &c, "gemeente-utrecht", "personen");
}

/* ---- politie-mn/personen: typed in at the desk ---- */

static void politie_given(struct sp_gen_rng *r, const struct sp_gen_person *p, char *out,
                          size_t cap)
{
    static const unsigned styles[3] = {25, 49, 26}; /* initials, call name, all names */
    unsigned s = sp_gen_weighted(r, styles, 3);
    if (s == 0)
        sp_gen_initials(p->given, p->ngiven, out, cap);
    else
        join_given(p, s == 1 ? 1 : p->ngiven, out, cap);
}

static void capitalised(const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in);
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

/* The surname field holds voorvoegsel and core in whatever order the officer
 * used: "de Vries", "De Vries", "Vries, de", "vd Meer", "Vries de", "Vries". */
static void politie_surname(struct sp_gen_rng *r, const struct sp_gen_person *p, char *out,
                            size_t cap)
{
    static const unsigned styles[6] = {55, 12, 12, 8, 5, 8};
    char core[64], tmp[64], pfx[32];
    snprintf(core, sizeof(core), "%s", p->surname);
    if (has_non_ascii(core) && sp_gen_chance(r, 500000))
        sp_gen_fold_ascii(p->surname, core, sizeof(core));
    if (sp_gen_chance(r, 50000)) {
        sp_gen_typo(r, core, tmp, sizeof(tmp));
        snprintf(core, sizeof(core), "%s", tmp);
    }
    unsigned s = sp_gen_weighted(r, styles, 6);
    bool vd = strncmp(p->prefix, "van d", 5) == 0;
    if (!*p->prefix) {
        snprintf(out, cap, "%s", core);
    } else if (s == 1) {
        capitalised(p->prefix, pfx, sizeof(pfx));
        snprintf(out, cap, "%s %s", pfx, core);
    } else if (s == 2) {
        snprintf(out, cap, "%s, %s", core, p->prefix);
    } else if (s == 3 && vd) {
        snprintf(out, cap, "%s %s", sp_gen_chance(r, 500000) ? "vd" : "v.d.", core);
    } else if (s == 4) {
        snprintf(out, cap, "%s %s", core, p->prefix);
    } else if (s == 5) {
        snprintf(out, cap, "%s", core);
    } else {
        snprintf(out, cap, "%s %s", p->prefix, core);
    }
}

/* A BSN as a spreadsheet may have left it: leading zeros lost. */
static void politie_bsn(struct sp_gen_rng *r, const struct sp_gen_person *p, char *out, size_t cap)
{
    out[0] = '\0';
    if (sp_gen_chance(r, p->network ? 300000 : 380000))
        return;
    const char *b = p->bsn;
    if (b[0] == '0' && sp_gen_chance(r, 500000))
        b += b[1] == '0' ? 2 : 1;
    snprintf(out, cap, "%s", b);
}

/* "12", "12A", "12 A", "12-a", "12 III", "12-2", "12bis". */
static void house_styled(struct sp_gen_rng *r, const struct sp_gen_address *a, char *out,
                         size_t cap)
{
    static const char *const seps[3] = {"", " ", "-"};
    const char *extra = *a->letter ? a->letter : a->suffix;
    char low[8];
    if (!*extra) {
        snprintf(out, cap, "%u", a->number);
        return;
    }
    unsigned s = (unsigned)sp_gen_below(r, 3);
    if (s == 0 && extra[0] >= '0' && extra[0] <= '9')
        s = 2;
    const char *x = extra;
    if (sp_gen_chance(r, 400000)) {
        for (size_t k = 0; k < sizeof(low); k++) {
            char ch = extra[k];
            low[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
            if (!ch)
                break;
        }
        low[sizeof(low) - 1] = '\0';
        x = low;
    }
    snprintf(out, cap, "%u%s%s", a->number, seps[s], x);
}

/* A kenteken as typed: with dashes, spaces or nothing, upper or lower case. */
static void plate_styled(struct sp_gen_rng *r, const struct sp_gen_person *p, char *out, size_t cap)
{
    static const unsigned styles[3] = {40, 35, 25}; /* dashes, none, spaces */
    unsigned s = sp_gen_weighted(r, styles, 3);
    bool lower = sp_gen_chance(r, 300000);
    const char *mask = sp_gen_sidecode_mask(p->sidecode);
    size_t n = 0, k = 0;
    for (const char *m = mask; *m && n + 1 < cap; m++) {
        if (*m == '-') {
            if (s != 1)
                out[n++] = s == 0 ? '-' : ' ';
            continue;
        }
        char ch = p->plate[k++];
        out[n++] = lower && ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out[n] = '\0';
}

static void politie_row(struct sp_gen_out *o, struct sp_gen_csv *c, const struct sp_gen_person *p,
                        uint64_t copy, uint64_t seq)
{
    static const int pc_styles[3] = {SP_GEN_PC_LOWER, SP_GEN_PC_SPACE, SP_GEN_PC_TIGHT};
    struct sp_gen_address a;
    struct sp_gen_rng r;
    char id[32], buf[256];
    sp_gen_rng_init(&r, o->w->seed, TAG_RECORD + NODE_POLITIE, p->index, copy);
    /* About one in seven records still has an old address. */
    sp_gen_address(o->w, sp_gen_chance(&r, 150000) ? p->old_home : p->home, &a);
    snprintf(id, sizeof(id), "PL09-%010llu", 2024000000ULL + (unsigned long long)seq);
    sp_gen_csv_field(c, id);
    politie_given(&r, p, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    politie_surname(&r, p, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    buf[0] = '\0';
    if (!sp_gen_chance(&r, 23000))
        sp_gen_format_date(SP_GEN_DATE_DASH, p->year, p->month, p->day, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    politie_bsn(&r, p, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, a.street);
    house_styled(&r, &a, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_format_postcode(a.postcode, pc_styles[sp_gen_below(&r, 3)], buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_upper_ascii(a.place, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    buf[0] = '\0';
    if (p->has_car && sp_gen_chance(&r, 900000))
        plate_styled(&r, p, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "politie-mn", "personen", id, 'P', p->subject);
}

/* Some persons were registered twice (another incident, another officer). */
static bool politie_duplicate(const struct sp_gen_world *w, const struct sp_gen_person *p)
{
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_RECORD + NODE_POLITIE, p->index, 99);
    return sp_gen_chance(&r, p->network ? 150000 : 30000);
}

int sp_gen_export_politie_personen(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {';', true, true, false};
    struct sp_gen_csv c;
    struct sp_gen_perm order;
    struct sp_gen_person p;
    uint64_t seq = 0;
    if (sp_gen_dataset_open(o, &c, "politie-mn", "personen", &style,
                            "registratienummer,voornamen,achternaam,geboortedatum,bsn,straat,"
                            "huisnummer,postcode,woonplaats,kenteken") != 0)
        return -1;
    order_init(o->w, NODE_POLITIE, &order);
    for (unsigned copy = 0; copy < 2; copy++) {
        for (uint64_t j = 0; j < o->w->persons; j++) {
            uint64_t i = sp_gen_perm_apply(&order, j);
            if (!in_node(o->w, NODE_POLITIE, i))
                continue;
            sp_gen_person(o->w, i, &p);
            if (copy == 0 || politie_duplicate(o->w, &p))
                politie_row(o, &c, &p, copy, ++seq);
        }
    }
    return sp_gen_dataset_close(o, &c, "politie-mn", "personen");
}

/* ---- belastingdienst/personen: initials, "Core, prefix", IBAN ---- */

static void belasting_row(struct sp_gen_out *o, struct sp_gen_csv *c, const struct sp_gen_person *p,
                          uint64_t seq)
{
    struct sp_gen_address a;
    struct sp_gen_rng r;
    char id[32], buf[256];
    sp_gen_rng_init(&r, o->w->seed, TAG_RECORD + NODE_BELASTING, p->index, 0);
    sp_gen_address(o->w, p->home, &a);
    snprintf(id, sizeof(id), "BD-REL-%08llu", (unsigned long long)seq);
    sp_gen_csv_field(c, id);
    sp_gen_csv_field(c, p->bsn);
    sp_gen_initials(p->given, p->ngiven, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    if (*p->prefix)
        snprintf(buf, sizeof(buf), "%s, %s", p->surname, p->prefix);
    else
        snprintf(buf, sizeof(buf), "%s", p->surname);
    sp_gen_csv_field(c, buf);
    sp_gen_format_date(SP_GEN_DATE_ISO, p->year, p->month, p->day, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    buf[0] = '\0';
    if (p->has_iban && sp_gen_chance(&r, 500000))
        snprintf(buf, sizeof(buf), "%.4s %.4s %.4s %.4s %.2s", p->iban, p->iban + 4, p->iban + 8,
                 p->iban + 12, p->iban + 16);
    else if (p->has_iban)
        snprintf(buf, sizeof(buf), "%s", p->iban);
    sp_gen_csv_field(c, buf);
    sp_gen_format_postcode(a.postcode, SP_GEN_PC_SPACE, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_format_house_joined(&a, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "belastingdienst", "personen", id, 'P', p->subject);
}

int sp_gen_export_belasting_personen(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {',', false, false, false};
    struct sp_gen_csv c;
    struct sp_gen_perm order;
    struct sp_gen_person p;
    uint64_t seq = 0;
    if (sp_gen_dataset_open(o, &c, "belastingdienst", "personen", &style,
                            "relatienummer,bsn,voorletters,naam,geboortedatum,iban,postcode,"
                            "huisnummer") != 0)
        return -1;
    order_init(o->w, NODE_BELASTING, &order);
    for (uint64_t j = 0; j < o->w->persons; j++) {
        uint64_t i = sp_gen_perm_apply(&order, j);
        if (!in_node(o->w, NODE_BELASTING, i))
            continue;
        sp_gen_person(o->w, i, &p);
        belasting_row(o, &c, &p, ++seq);
    }
    return sp_gen_dataset_close(o, &c, "belastingdienst", "personen");
}

/* ---- om/verdachten: one naam field, Latin-1 ---- */

/* "Vries, Jan Hendrik de" or "J.H. de Vries"; now and then a typing error. */
static void om_name(struct sp_gen_rng *r, const struct sp_gen_person *p, char *out, size_t cap)
{
    char core[64], given[160];
    snprintf(core, sizeof(core), "%s", p->surname);
    if (sp_gen_chance(r, 30000))
        sp_gen_typo(r, p->surname, core, sizeof(core));
    if (sp_gen_chance(r, 500000)) {
        join_given(p, p->ngiven, given, sizeof(given));
        snprintf(out, cap, "%s, %s%s%s", core, given, *p->prefix ? " " : "", p->prefix);
    } else {
        sp_gen_initials(p->given, p->ngiven, given, sizeof(given));
        snprintf(out, cap, "%s %s%s%s", given, p->prefix, *p->prefix ? " " : "", core);
    }
}

static void om_row(struct sp_gen_out *o, struct sp_gen_csv *c, const struct sp_gen_perm *parket,
                   const struct sp_gen_person *p, uint64_t seq)
{
    struct sp_gen_rng r;
    char id[32], buf[256];
    sp_gen_rng_init(&r, o->w->seed, TAG_RECORD + NODE_OM, p->index, 0);
    /* Parketnummer: arrondissement/serial-year, unique through a permutation. */
    uint64_t x = sp_gen_perm_apply(parket, seq % parket->n);
    snprintf(id, sizeof(id), "%llu/%06llu-%02llu", (unsigned long long)(x / 1000000 + 1),
             (unsigned long long)(x % 1000000), (unsigned long long)(18 + sp_gen_below(&r, 8)));
    sp_gen_csv_field(c, id);
    om_name(&r, p, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_format_date(SP_GEN_DATE_SLASH, p->year, p->month, p->day, buf, sizeof(buf));
    sp_gen_csv_field(c, buf);
    sp_gen_csv_field(c, sp_gen_chance(&r, 250000) ? "" : p->bsn);
    sp_gen_csv_end(c);
    sp_gen_truth(o, "om", "verdachten", id, 'P', p->subject);
}

int sp_gen_export_om(struct sp_gen_out *o)
{
    static const struct sp_gen_csv_style style = {',', false, false, true};
    struct sp_gen_csv c;
    struct sp_gen_perm order, parket;
    struct sp_gen_person p;
    uint64_t seq = 0;
    if (sp_gen_dataset_open(o, &c, "om", "verdachten", &style,
                            "parketnummer,naam,geboortedatum,bsn") != 0)
        return -1;
    order_init(o->w, NODE_OM, &order);
    sp_gen_perm_init(&parket, UINT64_C(99000000), o->w->seed, TAG_PARKET);
    for (uint64_t j = 0; j < o->w->persons; j++) {
        uint64_t i = sp_gen_perm_apply(&order, j);
        if (!in_node(o->w, NODE_OM, i))
            continue;
        sp_gen_person(o->w, i, &p);
        om_row(o, &c, &parket, &p, seq++);
    }
    return sp_gen_dataset_close(o, &c, "om", "verdachten");
}
