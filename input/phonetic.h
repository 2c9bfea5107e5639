/*
 * A Dutch soundex-style code for surname cores (dutch-identifiers.md: no
 * standard Dutch phonetic code exists; a rule set on the folded core, kept at
 * full length, always combined with a date of birth). It makes these spellings
 * equal: ij/y/ei/i, ck/k/c/q, dt/d/t (final), final sch/s, z/s, ph/f, v/f, w/v,
 * ae/aa, ue/uu/oe, th/t, ch/g, -sen/-se/-s/-sz, and doubled letters
 * ("Meijer" = "Meyer" = "Meier", "Janssen" = "Jansen" = "Janse" = "Jansz",
 * "Bakker" = "Baker").
 *
 * Pure, allocation-free.
 */
#ifndef SP_INPUT_PHONETIC_H
#define SP_INPUT_PHONETIC_H

#include <stddef.h>

/* Codes the folded core in (letters 'a'..'z'; '-' separates the parts of a
 * double surname and is kept) into out, NUL-terminated. The code is never
 * longer than twice the input (x -> ks); out must hold cap bytes. Returns the
 * code's length, or 0 when in is empty or out is too small. */
size_t sp_phonetic(const char *in, size_t len, char *out, size_t cap);

#endif
