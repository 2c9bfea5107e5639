/*
 * Trade-name normalisation for the company keys cname_addr and cname_pc
 * (dutch-identifiers.md: "normalised trade name (legal form words removed)").
 *
 * The name is folded (input/fold.h), abbreviations written with periods are
 * joined ("B.V." = "BV"), '&' reads as "en", and two kinds of words are
 * dropped: legal forms (B.V., N.V., V.O.F., C.V., Stichting, Vereniging,
 * eenmanszaak, GmbH, Ltd, ...) and generic business descriptors (Holding,
 * Beheer, Groep, Vastgoed, Trading, Import, Export, Bedrijf, "en Zonen").
 * What remains is joined without spaces, ij folded to y:
 * "van der Meer Trading B.V." and "VAN DER MEER TRADING BV" and
 * "v.d. Meer" do not all agree, but the first two and "Van der Meer B.V."
 * become "vandermeer". Why the descriptors are dropped (measured) is in
 * input/match-keys.md.
 *
 * Pure, allocation-free.
 */
#ifndef SP_INPUT_COMPANY_H
#define SP_INPUT_COMPANY_H

#include <stddef.h>

#define SP_COMPANY_NAME_MAX 96 /* letters/digits of a normalised name; more: length */

/* Normalises text (UTF-8) into out (NUL-terminated), *out_len its length.
 * Returns 0, or SP_REJECT_FORMAT (nothing left: no letters or digits, or only
 * legal-form words), SP_REJECT_LENGTH (longer than SP_COMPANY_NAME_MAX). */
int sp_company_normalise(const char *text, size_t len, char out[SP_COMPANY_NAME_MAX + 1],
                         size_t *out_len);

#endif
