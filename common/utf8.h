/*
 * The one UTF-8 checker of the tree: the input layer (exports, mapping
 * files), the wire (text fields), the audit log and certificates (their text
 * rules), and the CLI's JSON and HTML writers all read UTF-8 through it.
 *
 * Well-formed means Unicode 15, table 3-7: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF, no stray or missing continuation
 * bytes. Which code points a field allows (controls, NUL) is the caller's
 * rule, on top of this one.
 */
#ifndef SP_COMMON_UTF8_H
#define SP_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed sequence at the start of s[0..avail), or
 * 0 when it is not one (also when avail is 0). A NUL byte is a sequence of
 * length 1 (U+0000). When cp is not NULL, the code point is written there
 * on success. Reads s[k] only after s[0..k) were a valid prefix, so it never
 * reads past a NUL terminator either. */
size_t sp_utf8_seq_len(const uint8_t *s, size_t avail, uint32_t *cp);

/* Writes the UTF-8 form of code point cp (a Unicode scalar value: at most
 * U+10FFFF, not a surrogate) into out, which has room for 4 bytes. Returns
 * its length, 1..4. */
size_t sp_utf8_put(uint32_t cp, uint8_t out[4]);

/* Offset of the first byte in s[0..len) that is a NUL or does not start a
 * well-formed sequence, or len when there is none. Fast on ASCII (8 bytes
 * per step), as exports mostly are. */
size_t sp_utf8_first_invalid(const uint8_t *s, size_t len);

/* True when s[0..len) is well-formed UTF-8 and holds no NUL byte (text, not
 * bytes: a NUL would cut it short wherever it is used as a C string). */
bool sp_utf8_valid(const uint8_t *s, size_t len);

#endif
