/*
 * Person names: UTF-8 text to folded ASCII, voorvoegsel (name prefix) split
 * by longest match, the many surname forms of real exports, double surnames,
 * titles and initials (dutch-identifiers.md, "Names").
 *
 * Pure and allocation-free: every result lives in a caller-provided struct
 * with fixed-size buffers. The values are personal data: callers wipe them.
 */
#ifndef SP_INPUT_NAMES_H
#define SP_INPUT_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/fold.h"

#define SP_NAME_CORE_MAX   64 /* letters of a surname core (all parts); more: length */
#define SP_NAME_GIVEN_MAX  32 /* letters kept of the first given name */
#define SP_NAME_PARTS_MAX  4  /* parts of a double surname ("Jansen-de Vries" has 2) */
#define SP_NAME_PREFIX_MAX 24 /* bytes of a canonical voorvoegsel ("van der") */

/* What is known of the given names: the first initial and the first full
 * given name, both after ij -> y folding ("IJsbrand" -> 'y', "ysbrand"). */
struct sp_given {
    char initial;      /* 'a'..'z', or 0 when there is no given name */
    uint8_t first_len; /* 0 when the given names are initials only */
    char first[SP_NAME_GIVEN_MAX + 1];
};

/* A surname split into voorvoegsel and core. core holds the letters of the
 * core (ij folded to y), the parts of a double surname joined by '-'
 * ("jansen-vries"); part[] locates each part inside core. alt is a second
 * reading of the core with a particle kept in it ("elamrani" next to
 * "amrani" for "El Amrani"), empty when there is none. */
struct sp_surname {
    uint8_t core_len;
    uint8_t alt_len;
    uint8_t nparts;
    uint8_t prefix_len;
    bool prefix_unknown; /* a voorvoegsel column held text that is not in the table */
    struct {
        uint8_t off, len;
    } part[SP_NAME_PARTS_MAX];
    char core[SP_NAME_CORE_MAX + 1];
    char alt[SP_NAME_CORE_MAX + 1];
    char prefix[SP_NAME_PREFIX_MAX + 1]; /* canonical voorvoegsel of the first part */
};

/*
 * Parses a surname field. with_prefix false: the field holds the core (a
 * particle found at its start is kept as an alternative reading); prefix is
 * the voorvoegsel column or NULL. with_prefix true: any of "van der Meer",
 * "Meer, van der", "Meer van der", "vd Meer", "v.d. Meer", "VanderMeer",
 * "Jansen-de Vries", "Vries, Jan de", "J.K. de Vries"; given names found in
 * the field go to *given when given is not NULL.
 * Returns 0, or an SP_REJECT_* reason: FORMAT (no letters in the core),
 * LENGTH (core longer than SP_NAME_CORE_MAX or field truncated).
 */
int sp_surname_parse(const struct sp_folded *field, const struct sp_folded *prefix,
                     bool with_prefix, struct sp_surname *out, struct sp_given *given);

/* Parses a one-column name: "Core, Given names prefix", "Core, prefix",
 * "J.K. prefix Core", "Given names prefix Core", with titles anywhere.
 * Returns as sp_surname_parse. */
int sp_fullname_parse(const struct sp_folded *field, struct sp_surname *out,
                      struct sp_given *given);

/* Parses a given-names field (full names, a call name or initials; titles
 * such as "dr." and "mr." are skipped). Returns 0, or SP_REJECT_FORMAT when
 * it holds no letter. */
int sp_given_parse(const struct sp_folded *field, struct sp_given *out);

/* Canonical voorvoegsel for a text ("V.d." -> "v.d.", "Van 't" -> "van 't",
 * "’t" -> "'t"), written NUL-terminated to out. Returns true when the whole
 * text is one entry of the voorvoegsel table. For tests and tools. */
bool sp_voorvoegsel_lookup(const char *text, size_t len, char out[SP_NAME_PREFIX_MAX + 1]);

/* Number of entries in the voorvoegsel table, and the canonical form of
 * entry i (NULL past the end). For tests and tools. */
size_t sp_voorvoegsel_count(void);
const char *sp_voorvoegsel_at(size_t i);

#endif
