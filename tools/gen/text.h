/*
 * Text transformations that turn a clean register entry into what other
 * agencies' exports look like: initials, diacritics lost, ISO-8859-1, typos,
 * capitals. All work on NUL-terminated UTF-8 into caller buffers of a stated
 * capacity and truncate (never overflow) when the capacity is too small.
 */
#ifndef SP_GEN_TEXT_H
#define SP_GEN_TEXT_H

#include <stddef.h>

#include "rng.h"

/* Decodes one UTF-8 code point at *s and advances *s; invalid bytes decode as
 * themselves (the generator only feeds its own tables). */
unsigned sp_gen_utf8_next(const char **s);

/* Initials of the given names: "Jan Hendrik" -> "J.H.", "IJsbrand" -> "IJ.",
 * "İbrahim" -> "İ.". */
void sp_gen_initials(const char *const *given, unsigned n, char *out, size_t cap);
/* Diacritics removed: "Öztürk" -> "Ozturk", "Yılmaz" -> "Yilmaz". */
void sp_gen_fold_ascii(const char *in, char *out, size_t cap);
/* UTF-8 to ISO-8859-1 bytes; characters outside Latin-1 are transliterated to
 * ASCII the way a Latin-1 system would store them ("Şahin" -> "Sahin"). */
void sp_gen_to_latin1(const char *in, char *out, size_t cap);
/* ASCII letters upper-cased; other bytes unchanged. */
void sp_gen_upper_ascii(const char *in, char *out, size_t cap);
/* One typing error (drop, double, swap or replace a letter) somewhere after
 * the first character; only ASCII letters are touched. */
void sp_gen_typo(struct sp_gen_rng *r, const char *in, char *out, size_t cap);
/* Bounded concatenation: appends s to out (capacity cap, NUL-terminated). */
void sp_gen_append(char *out, size_t cap, const char *s);

#endif
