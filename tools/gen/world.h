/*
 * The synthetic world: persons, households, addresses and companies, each a
 * pure function of (seed, index). Exporters recompute whatever they need, so
 * generating millions of records keeps nothing but this small struct in
 * memory.
 */
#ifndef SP_GEN_WORLD_H
#define SP_GEN_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "ident.h"
#include "rng.h"

/* BSNs stay distinct below this many persons (see sp_gen_bsn). */
#define SP_GEN_MAX_PERSONS   UINT64_C(8000000)
#define SP_GEN_MAX_COMPANIES UINT64_C(8000000)
#define SP_GEN_MAX_GIVEN     4

struct sp_gen_world {
    uint64_t seed;
    uint64_t persons;
    uint64_t companies;
    uint64_t net_persons;   /* the case: persons known at most nodes */
    uint64_t net_companies; /* companies of the case */
    struct sp_gen_idspace ids;
    struct sp_gen_perm net_person;  /* person i is in the case iff perm(i) < net_persons */
    struct sp_gen_perm net_company; /* likewise for companies */
    struct sp_gen_perm subject_person;
    struct sp_gen_perm subject_company;
};

void sp_gen_world_init(struct sp_gen_world *w, uint64_t seed, uint64_t persons, uint64_t companies,
                       uint64_t net_persons, uint64_t net_companies);

struct sp_gen_address {
    char postcode[7]; /* canonical "1234AB" */
    unsigned number;
    char letter[2];     /* huisletter, "" or "A" */
    const char *suffix; /* huisnummertoevoeging, "" or "bis" */
    char street[64];
    const char *place;
};

/* Address index space: [0, persons) are homes (a household lives at its
 * head's index), [persons, persons + companies) are business premises. */
void sp_gen_address(const struct sp_gen_world *w, uint64_t a, struct sp_gen_address *out);

struct sp_gen_person {
    uint64_t index;
    uint64_t subject; /* the number in "P0000123" */
    bool network;
    char sex; /* 'M' or 'V', as the BRP writes it */
    unsigned ngiven;
    const char *given[SP_GEN_MAX_GIVEN];
    const char *prefix; /* voorvoegsel, "" when none */
    char surname[64];   /* geslachtsnaam (core) */
    int year, month, day;
    char bsn[10];
    uint64_t home;     /* address index */
    uint64_t old_home; /* a previous address */
    bool has_iban;
    char iban[19];
    bool has_car;
    char plate[7];
    int sidecode;
};

void sp_gen_person(const struct sp_gen_world *w, uint64_t i, struct sp_gen_person *out);
/* Index of the rank-th person of the case (rank < net_persons). */
uint64_t sp_gen_network_person(const struct sp_gen_world *w, uint64_t rank);

#define SP_GEN_MAX_OFFICERS 4

struct sp_gen_company {
    uint64_t index;
    uint64_t subject; /* the number in "C000123" */
    bool network;
    char kvk[9];
    char vestiging[13];
    char name[160];    /* trade name, legal form included */
    char core[128];    /* trade name without the legal form */
    const char *legal; /* "B.V.", "" for an eenmanszaak */
    uint64_t premises; /* address index */
    bool has_iban;
    char iban[19];
    unsigned nofficers;
    uint64_t officers[SP_GEN_MAX_OFFICERS]; /* person indices */
};

void sp_gen_company(const struct sp_gen_world *w, uint64_t c, struct sp_gen_company *out);

#endif
