/*
 * Unicode text folded to a small ASCII alphabet for comparison: the first step
 * of every name and trade-name key (dutch-identifiers.md: "trim, normalise
 * (Unicode NFKC ...), case folded"). A fixed table covers Latin-1, Latin
 * Extended-A/B and Latin Extended Additional; combining marks are dropped, so
 * precomposed and decomposed input fold alike.
 *
 * Pure and allocation-free.
 */
#ifndef SP_INPUT_FOLD_H
#define SP_INPUT_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_FOLD_MAX 256 /* folded bytes of one field; callers reject more (length) */

/*
 * A field folded to ASCII: letters 'a'..'z' (diacritics removed, ß -> ss,
 * æ -> ae, ø -> o, Turkish ı/İ -> i, ligatures split, full-width forms
 * narrowed), digits, and the structure bytes ' ' (any space), ',' (also ';'),
 * '.', '-' (any dash), '\'' (any apostrophe), '/' and '&'. Every other
 * character becomes ' '. upper[i] is 1 where the source letter was upper
 * case (to see "VanderMeer" as "Vander|Meer").
 */
struct sp_folded {
    size_t len;
    bool truncated; /* the folded text exceeded SP_FOLD_MAX */
    bool foreign;   /* letters outside the Latin script, or undecodable bytes */
    char s[SP_FOLD_MAX];
    uint8_t upper[SP_FOLD_MAX];
};

/* Folds UTF-8 text (not NUL-terminated) into out. Never fails: bytes that
 * are not valid UTF-8 become ' ' and set out->foreign. */
void sp_fold(const char *text, size_t len, struct sp_folded *out);

#endif
