#include "ident.h"

#include <stdlib.h>
#include <string.h>

enum {
    TAG_BSN = 0x100,
    TAG_KVK,
    TAG_VESTIGING,
    TAG_ACCOUNT,
    TAG_POSTCODE,
    TAG_PLATE,
};

#define BSN_PREFIXES UINT64_C(100000000)
#define KVK_NUMBERS  UINT64_C(90000000) /* 10000000..99999999 */
#define VESTIGINGEN  UINT64_C(1000000000)
#define ACCOUNTS     UINT64_C(10000000000)
/* Letters used on current plates: consonants only, no C, M, Q, W. */
#define PLATE_LETTERS  "BDFGHJKLNPRSTVXZ"
#define PLATE_NLETTERS 16

void sp_gen_idspace_init(struct sp_gen_idspace *s, uint64_t seed)
{
    sp_gen_perm_init(&s->bsn, BSN_PREFIXES, seed, TAG_BSN);
    sp_gen_perm_init(&s->kvk, KVK_NUMBERS, seed, TAG_KVK);
    sp_gen_perm_init(&s->vestiging, VESTIGINGEN, seed, TAG_VESTIGING);
    sp_gen_perm_init(&s->account, ACCOUNTS, seed, TAG_ACCOUNT);
    sp_gen_perm_init(&s->postcode, SP_GEN_POSTCODES, seed, TAG_POSTCODE);
}

static void put_digits(char *out, uint64_t v, unsigned ndigits)
{
    for (unsigned k = ndigits; k > 0; k--) {
        out[k - 1] = (char)('0' + v % 10);
        v /= 10;
    }
    out[ndigits] = '\0';
}

int sp_gen_bsn_valid(const char *d)
{
    int sum = 0;
    for (int k = 0; k < 8; k++)
        sum += (9 - k) * (d[k] - '0');
    sum -= d[8] - '0';
    return sum % 11 == 0 && strcmp(d, "000000000") != 0;
}

/* Check digit that makes the 11-test pass, or -1 when it would be 10. */
static int bsn_check_digit(const char *prefix8)
{
    int sum = 0;
    for (int k = 0; k < 8; k++)
        sum += (9 - k) * (prefix8[k] - '0');
    int d = sum % 11;
    return d == 10 ? -1 : d;
}

/* Each person owns 12 consecutive slots of the permuted prefix space and
 * takes the first slot whose prefix yields a valid, non-test BSN; about one
 * slot in eleven fails, so twelve slots suffice except with negligible
 * probability, and disjoint slot ranges keep BSNs distinct. */
void sp_gen_bsn(const struct sp_gen_idspace *s, uint64_t i, char out[10])
{
    for (uint64_t slot = 0; slot < 12; slot++) {
        uint64_t p = sp_gen_perm_apply(&s->bsn, (i * 12 + slot) % BSN_PREFIXES);
        put_digits(out, p, 8);
        int d = bsn_check_digit(out);
        if (d < 0 || p == 0 || strncmp(out, "9999", 4) == 0)
            continue;
        out[8] = (char)('0' + d);
        out[9] = '\0';
        return;
    }
    abort(); /* twelve invalid prefixes in a row: practically impossible */
}

void sp_gen_kvk(const struct sp_gen_idspace *s, uint64_t i, char out[9])
{
    put_digits(out, UINT64_C(10000000) + sp_gen_perm_apply(&s->kvk, i % KVK_NUMBERS), 8);
}

void sp_gen_vestiging(const struct sp_gen_idspace *s, uint64_t i, char out[13])
{
    put_digits(out, sp_gen_perm_apply(&s->vestiging, i % VESTIGINGEN), 12);
}

/* ISO 7064 mod 97-10 over "BANK" + account + "NL00", letters as 10..35. */
static unsigned iban_check(const char *bank, const char *account10)
{
    char buf[32];
    size_t n = 0;
    unsigned rem = 0;
    memcpy(buf, bank, 4);
    memcpy(buf + 4, account10, 10);
    memcpy(buf + 14, "NL00", 4);
    n = 18;
    for (size_t k = 0; k < n; k++) {
        char c = buf[k];
        if (c >= 'A' && c <= 'Z') {
            unsigned v = (unsigned)(c - 'A') + 10;
            rem = (rem * 100 + v) % 97;
        } else {
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        }
    }
    return 98 - rem;
}

void sp_gen_iban(const struct sp_gen_idspace *s, uint64_t i, const char *bank, char out[19])
{
    char account[11];
    put_digits(account, sp_gen_perm_apply(&s->account, i % ACCOUNTS), 10);
    unsigned check = iban_check(bank, account);
    out[0] = 'N';
    out[1] = 'L';
    out[2] = (char)('0' + check / 10);
    out[3] = (char)('0' + check % 10);
    memcpy(out + 4, bank, 4);
    memcpy(out + 8, account, 10);
    out[18] = '\0';
}

/* The 673 letter pairs the postcode system issues: all but SA, SD and SS. */
static void postcode_letters(unsigned idx, char *out)
{
    for (unsigned a = 0; a < 26; a++) {
        for (unsigned b = 0; b < 26; b++) {
            if (a == 'S' - 'A' && (b == 'A' - 'A' || b == 'D' - 'A' || b == 'S' - 'A'))
                continue;
            if (idx-- == 0) {
                out[0] = (char)('A' + a);
                out[1] = (char)('A' + b);
                return;
            }
        }
    }
    abort();
}

void sp_gen_postcode(const struct sp_gen_idspace *s, uint64_t block, char out[7])
{
    uint64_t x = sp_gen_perm_apply(&s->postcode, block % SP_GEN_POSTCODES);
    put_digits(out, 1000 + x / 673, 4);
    postcode_letters((unsigned)(x % 673), out + 4);
    out[6] = '\0';
}

/* The 14 sidecodes (X letter, 9 digit), with the RDW's dash positions. */
static const char *const sidecodes[15] = {
    "",         "XX-99-99", "99-99-XX", "99-XX-99", "XX-99-XX", "XX-XX-99", "99-XX-XX", "99-XXX-9",
    "9-XXX-99", "XX-999-X", "X-999-XX", "XXX-99-X", "X-99-XXX", "9-XX-999", "999-XX-9",
};

const char *sp_gen_sidecode_mask(int sidecode)
{
    if (sidecode < 1 || sidecode > 14)
        abort();
    return sidecodes[sidecode];
}

/* Sidecodes in use by date of first registration: recent ones dominate. */
static const unsigned sidecode_weights[15] = {0, 1, 2, 3, 8, 10, 12, 40, 45, 40, 30, 25, 10, 6, 4};

/* A kenteken: the sidecode from the vehicle's hash, the serial from a keyed
 * permutation of that sidecode's serial space, so two vehicles of the same
 * sidecode differ whenever their indices do (below 2.56 million). */
void sp_gen_plate(uint64_t seed, uint64_t i, char out[7], int *sidecode)
{
    struct sp_gen_rng r;
    sp_gen_rng_init(&r, seed, TAG_PLATE, i, 0);
    int sc = (int)sp_gen_weighted(&r, sidecode_weights, 15);
    const char *mask = sidecodes[sc];
    uint64_t count = 1;
    for (const char *m = mask; *m; m++)
        count *= *m == 'X' ? PLATE_NLETTERS : (*m == '9' ? 10 : 1);
    struct sp_gen_perm perm;
    sp_gen_perm_init(&perm, count, seed, TAG_PLATE + (uint64_t)sc);
    uint64_t serial = sp_gen_perm_apply(&perm, i % count);
    size_t n = 0;
    for (const char *m = mask; *m; m++) {
        if (*m == '-')
            continue;
        unsigned base = *m == 'X' ? PLATE_NLETTERS : 10;
        unsigned v = (unsigned)(serial % base);
        serial /= base;
        out[n++] = *m == 'X' ? PLATE_LETTERS[v] : (char)('0' + v);
    }
    out[n] = '\0';
    *sidecode = sc;
}
