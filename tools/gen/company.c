/* Companies of the synthetic world (declared in world.h). */
#include <stdio.h>
#include <string.h>

#include "tables.h"
#include "text.h"
#include "world.h"

enum {
    TAG_COMPANY = 0x300,
    TAG_COMPANY_NAME,
    TAG_OFFICERS,
};

/* Companies of the case sit in groups of eight at one address (a classic
 * RIEC signal); one group per sixty case companies. */
#define SHARED_GROUP 8

static void family_name(struct sp_gen_rng *r, char *out, size_t cap)
{
    const struct sp_gen_surnames *l = &sp_gen_surnames_by_origin[SP_GEN_NL];
    if (sp_gen_chance(r, 800000)) {
        const struct sp_gen_surname *s = &l->v[sp_gen_below(r, l->n)];
        snprintf(out, cap, "%s%s%s", s->prefix, *s->prefix ? " " : "", s->core);
        return;
    }
    const struct sp_gen_list *roots = &sp_gen_surname_roots;
    const struct sp_gen_list *ends = &sp_gen_surname_endings;
    snprintf(out, cap, "%s%s", roots->v[sp_gen_below(r, roots->n)],
             ends->v[sp_gen_below(r, ends->n)]);
}

/* "Bakker Holding", "van Dam, Schipper Groep", "Mol en Zonen Vastgoed". */
static void trade_name(const struct sp_gen_world *w, uint64_t c, struct sp_gen_company *co)
{
    struct sp_gen_rng r;
    char first[64], second[64];
    sp_gen_rng_init(&r, w->seed, TAG_COMPANY_NAME, c, 0);
    family_name(&r, first, sizeof(first));
    co->core[0] = '\0';
    sp_gen_append(co->core, sizeof(co->core), first);
    if (sp_gen_chance(&r, 350000)) {
        family_name(&r, second, sizeof(second));
        sp_gen_append(co->core, sizeof(co->core), ", ");
        sp_gen_append(co->core, sizeof(co->core), second);
    } else if (sp_gen_chance(&r, 80000)) {
        sp_gen_append(co->core, sizeof(co->core), " en Zonen");
    }
    if (sp_gen_chance(&r, 60000))
        sp_gen_append(co->core, sizeof(co->core), " Bedrijf");
    if (sp_gen_chance(&r, 450000)) {
        const struct sp_gen_list *l = &sp_gen_company_words;
        sp_gen_append(co->core, sizeof(co->core), " ");
        sp_gen_append(co->core, sizeof(co->core), l->v[sp_gen_below(&r, l->n)]);
    }
    co->legal =
        sp_gen_legal_forms
            .v[sp_gen_weighted(&r, sp_gen_legal_form_weights, (unsigned)sp_gen_legal_forms.n)];
    snprintf(co->name, sizeof(co->name), "%s%s%s", co->core, *co->legal ? " " : "", co->legal);
}

static void officers(const struct sp_gen_world *w, uint64_t c, struct sp_gen_company *co)
{
    static const unsigned counts[3] = {45, 35, 20};
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, w->seed, TAG_OFFICERS, c, 0);
    co->nofficers = *co->legal ? 1 + sp_gen_weighted(&r, counts, 3) : 1;
    if (co->network && w->net_persons > 0)
        co->nofficers = 2 + (unsigned)sp_gen_below(&r, 3);
    for (unsigned k = 0; k < co->nofficers; k++) {
        if (co->network && w->net_persons > 0)
            co->officers[k] = sp_gen_network_person(w, sp_gen_below(&r, w->net_persons));
        else
            co->officers[k] = sp_gen_below(&r, w->persons);
    }
}

void sp_gen_company(const struct sp_gen_world *w, uint64_t c, struct sp_gen_company *co)
{
    struct sp_gen_rng r;
    memset(co, 0, sizeof(*co));
    sp_gen_rng_init(&r, w->seed, TAG_COMPANY, c, 0);
    co->index = c;
    co->subject = sp_gen_perm_apply(&w->subject_company, c) + 1;
    uint64_t rank = sp_gen_perm_apply(&w->net_company, c);
    co->network = rank < w->net_companies;
    sp_gen_kvk(&w->ids, c, co->kvk);
    sp_gen_vestiging(&w->ids, c, co->vestiging);
    trade_name(w, c, co);
    co->premises = w->persons + c;
    uint64_t groups = (w->net_companies + 59) / 60;
    if (co->network && rank < groups * SHARED_GROUP) {
        uint64_t owner = sp_gen_perm_invert(&w->net_company, rank - rank % SHARED_GROUP);
        co->premises = w->persons + owner;
    }
    co->has_iban = sp_gen_chance(&r, 600000);
    if (co->has_iban) {
        const struct sp_gen_list *b = &sp_gen_banks;
        sp_gen_iban(&w->ids, w->persons + c, b->v[sp_gen_below(&r, b->n)], co->iban);
    }
    officers(w, c, co);
}
