/*
 * Dutch identifiers for the synthetic population: valid by construction
 * (11-test, mod 97, issued postcode letters, real kenteken sidecodes) and
 * unique per entity index, because each is a keyed permutation of the index
 * rather than a random draw.
 */
#ifndef SP_GEN_IDENT_H
#define SP_GEN_IDENT_H

#include <stdint.h>

#include "rng.h"

/* Unique-identifier spaces for one seed. */
struct sp_gen_idspace {
    struct sp_gen_perm bsn;       /* 8-digit BSN prefixes */
    struct sp_gen_perm kvk;       /* 8-digit KvK numbers */
    struct sp_gen_perm vestiging; /* 9 significant digits of a vestigingsnummer */
    struct sp_gen_perm account;   /* 10-digit bank account numbers */
    struct sp_gen_perm postcode;  /* postcode blocks */
};

void sp_gen_idspace_init(struct sp_gen_idspace *s, uint64_t seed);

/* The BSN of person index i ("012345678", 9 digits + NUL). Walks the
 * permutation from a starting point derived from i; distinct i give distinct
 * BSNs as long as i < 8,000,000 (checked by the caller's --persons limit). */
void sp_gen_bsn(const struct sp_gen_idspace *s, uint64_t i, char out[10]);
/* True when the 9 digits pass the 11-test. */
int sp_gen_bsn_valid(const char *digits9);

void sp_gen_kvk(const struct sp_gen_idspace *s, uint64_t i, char out[9]);
void sp_gen_vestiging(const struct sp_gen_idspace *s, uint64_t i, char out[13]);
/* NL IBAN (18 characters) of account index i at the given 4-letter bank. */
void sp_gen_iban(const struct sp_gen_idspace *s, uint64_t i, const char *bank, char out[19]);

/* Number of distinct postcodes: 9000 digit groups x 673 issued letter pairs. */
#define SP_GEN_POSTCODES (UINT64_C(9000) * 673)
/* Postcode of block b, canonical "1234AB". */
void sp_gen_postcode(const struct sp_gen_idspace *s, uint64_t block, char out[7]);

/* Kenteken of vehicle index i: 6 characters in one of the 14 sidecodes;
 * *sidecode receives 1..14. */
void sp_gen_plate(uint64_t seed, uint64_t i, char out[7], int *sidecode);
/* The mask of sidecode 1..14 with its dashes ("XX-99-XX"): X letter, 9 digit. */
const char *sp_gen_sidecode_mask(int sidecode);

#endif
