/*
 * Embedded name and place tables for the synthetic population. Every string is
 * UTF-8. None of it is real personal data: the tables hold common names and
 * place names, and persons are random combinations of them.
 */
#ifndef SP_GEN_TABLES_H
#define SP_GEN_TABLES_H

#include <stddef.h>

/* Where a person's names come from; drives the tables below. */
enum sp_gen_origin {
    SP_GEN_NL = 0,
    SP_GEN_TR, /* Turkish */
    SP_GEN_MA, /* Moroccan */
    SP_GEN_SR, /* Surinamese (Hindustani, Creole, Javanese) */
    SP_GEN_PL, /* Polish */
    SP_GEN_IB, /* Spanish, Portuguese, Cape Verdean */
    SP_GEN_DE, /* German */
    SP_GEN_AS, /* Vietnamese, Chinese */
    SP_GEN_ORIGINS
};

struct sp_gen_list {
    const char *const *v;
    size_t n;
};

/* A surname as the BRP stores it: voorvoegsel (possibly "") and core. */
struct sp_gen_surname {
    const char *prefix;
    const char *core;
};

struct sp_gen_surnames {
    const struct sp_gen_surname *v;
    size_t n;
};

extern const unsigned sp_gen_origin_weights[SP_GEN_ORIGINS];
extern const struct sp_gen_list sp_gen_given_male[SP_GEN_ORIGINS];
extern const struct sp_gen_list sp_gen_given_female[SP_GEN_ORIGINS];
extern const struct sp_gen_surnames sp_gen_surnames_by_origin[SP_GEN_ORIGINS];

/* Dutch surname building blocks: root + ending ("Brink" + "huis"), for a long
 * tail of rare surnames next to the common ones. */
extern const struct sp_gen_list sp_gen_surname_roots;
extern const struct sp_gen_list sp_gen_surname_endings;
/* Voorvoegsels with how often the BRP sees them (per mille of prefixed names). */
extern const struct sp_gen_list sp_gen_prefixes;
extern const unsigned sp_gen_prefix_weights[];

extern const struct sp_gen_list sp_gen_places;       /* ASCII */
extern const struct sp_gen_list sp_gen_street_types; /* "straat", "laan", ... */
extern const struct sp_gen_list sp_gen_company_words;
extern const struct sp_gen_list sp_gen_legal_forms; /* "B.V.", "" for eenmanszaak */
extern const unsigned sp_gen_legal_form_weights[];
extern const struct sp_gen_list sp_gen_banks; /* 4-letter BIC bank codes */
extern const struct sp_gen_list sp_gen_officer_roles;

#endif
