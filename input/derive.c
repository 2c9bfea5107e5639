/*
 * Match keys of one record (see derive.h; the key design and its measured
 * quality are in input/match-keys.md).
 *
 * Every mapped field is validated once into a canonical value (struct
 * values); then each key type of the table in dutch-identifiers.md is
 * filled from the values it needs. Everything lives on the stack in fixed
 * buffers: no allocation per field or record.
 */
#include "input/derive.h"

#include <string.h>

#include "common/keytype.h"
#include "input/company.h"
#include "input/date.h"
#include "input/ids.h"
#include "input/names.h"
#include "input/phonetic.h"

/* Canonical values of one record; a flag per value says it is usable. */
struct values {
    bool bsn, anummer, national_id, name, dob, pc, house, kvk, vestiging, rsin, cname;
    bool kenteken, iban;
    bool pc_nl; /* pc_v is a Dutch postcode, not a foreign postal code */
    char bsn_v[SP_BSN_BYTES];
    char anummer_v[SP_ANUMMER_BYTES];
    char national_id_v[SP_NATIONAL_ID_BYTES];
    char dob_v[9];
    struct sp_date dob_d;
    char pc_v[SP_POSTAL_CODE_BYTES];
    struct sp_house house_v;
    char hn_v[6]; /* house number as decimal text */
    char kvk_v[SP_KVK_BYTES];
    char vestiging_v[SP_VESTIGING_BYTES];
    char rsin_v[SP_BSN_BYTES];
    char cname_v[SP_COMPANY_NAME_MAX + 1];
    char kenteken_v[SP_KENTEKEN_BYTES];
    char iban_v[SP_IBAN_BYTES];
    struct sp_surname sn;
    struct sp_given given;
    char phon[2 * SP_NAME_CORE_MAX + 2];
    char phon_alt[2 * SP_NAME_CORE_MAX + 2];
};

/* ---- field outcomes --------------------------------------------------------- */

/* Outcomes of precheck() besides a reject reason. SP_REJECT_EMPTY is 0, the
 * same number as success, so an empty field has its own code here. */
#define PRE_GO       (-1) /* text present: validate it */
#define PRE_UNMAPPED (-2) /* the mapping does not fill the field: not counted */
#define PRE_EMPTY    (-3) /* mapped, but empty or only spaces */

static void count(struct sp_field_stats *stats, int field, int reason)
{
    struct sp_field_stats *s = &stats[field];

    if (reason == PRE_EMPTY)
        s->empty++;
    else if (reason == 0)
        s->accepted++;
    else if (reason > 0 && reason < SP_REJECT_REASON_COUNT)
        s->rejected[reason]++;
}

/* The field's text, or NULL when it is not mapped. *len is its length;
 * a text of only spaces counts as empty. */
static const char *field(const struct sp_raw_record *rec, int f, size_t *len)
{
    const char *v = rec->v[f];
    size_t n = rec->len[f];

    if (v == NULL)
        return NULL;
    while (n > 0 && (v[0] == ' ' || v[0] == '\t'))
        v++, n--;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    *len = n;
    return v;
}

/* Common first check of a field: PRE_UNMAPPED, PRE_EMPTY, SP_REJECT_LENGTH
 * (too long to look at), or PRE_GO. */
static int precheck(const struct sp_raw_record *rec, int f, const char **t, size_t *n)
{
    *t = field(rec, f, n);
    if (*t == NULL)
        return PRE_UNMAPPED;
    if (*n == 0)
        return PRE_EMPTY;
    if (*n > SP_DERIVE_MAX_FIELD_BYTES)
        return SP_REJECT_LENGTH;
    return PRE_GO;
}

/* ---- identifiers ------------------------------------------------------------ */

typedef int (*id_parser)(const char *text, size_t len, char *out);

static bool simple_field(const struct sp_raw_record *rec, struct sp_field_stats *stats, int f,
                         id_parser parse, char *out)
{
    const char *t;
    size_t n;
    int rc = precheck(rec, f, &t, &n);

    if (rc == PRE_UNMAPPED)
        return false;
    if (rc == PRE_GO)
        rc = parse(t, n, out);
    count(stats, f, rc);
    return rc == 0;
}

static int parse_bsn_plain(const char *t, size_t n, char *out)
{
    return sp_bsn_parse(t, n, false, out);
}

static int parse_bsn_refuse(const char *t, size_t n, char *out)
{
    return sp_bsn_parse(t, n, true, out);
}

static int parse_kenteken(const char *t, size_t n, char *out)
{
    return sp_kenteken_parse(t, n, out, NULL);
}

static void read_identifiers(const struct sp_derive_opts *o, const struct sp_raw_record *rec,
                             struct sp_field_stats *st, struct values *v)
{
    v->bsn = simple_field(rec, st, SP_FIELD_BSN,
                          o->refuse_test_bsn ? parse_bsn_refuse : parse_bsn_plain, v->bsn_v);
    v->anummer = simple_field(rec, st, SP_FIELD_ANUMMER, sp_anummer_parse, v->anummer_v);
    v->national_id =
        simple_field(rec, st, SP_FIELD_NATIONAL_ID, sp_national_id_parse, v->national_id_v);
    v->kvk = simple_field(rec, st, SP_FIELD_KVK, sp_kvk_parse, v->kvk_v);
    v->vestiging = simple_field(rec, st, SP_FIELD_VESTIGING, sp_vestiging_parse, v->vestiging_v);
    v->rsin = simple_field(rec, st, SP_FIELD_RSIN, sp_rsin_parse, v->rsin_v);
    v->kenteken = simple_field(rec, st, SP_FIELD_KENTEKEN, parse_kenteken, v->kenteken_v);
    v->iban = simple_field(rec, st, SP_FIELD_IBAN, sp_iban_parse, v->iban_v);
}

/* ---- address ---------------------------------------------------------------- */

/* The house number as decimal text, for the key values. */
static void house_text(struct values *v)
{
    uint32_t x = v->house_v.number;
    char tmp[6];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x > 0 && n < 5);
    for (int i = 0; i < n; i++)
        v->hn_v[i] = tmp[n - 1 - i];
    v->hn_v[n] = '\0';
}

static void read_house(const struct sp_raw_record *rec, struct sp_field_stats *st, struct values *v)
{
    const char *t;
    size_t n;
    int rc = precheck(rec, SP_FIELD_HOUSE_NUMBER, &t, &n);

    if (rc == PRE_GO)
        rc = sp_house_parse(t, n, &v->house_v);
    if (rc != PRE_UNMAPPED) {
        count(st, SP_FIELD_HOUSE_NUMBER, rc);
        v->house = rc == 0;
    }
    rc = precheck(rec, SP_FIELD_STREET_ADDRESS, &t, &n);
    if (rc == PRE_GO) {
        struct sp_house h;
        rc = sp_street_address_parse(t, n, &h);
        if (rc == 0 && !v->house) {
            v->house_v = h;
            v->house = true;
        }
    }
    if (rc != PRE_UNMAPPED)
        count(st, SP_FIELD_STREET_ADDRESS, rc);
    /* huisletter and toevoeging columns extend the number's suffix */
    static const int extra[2] = {SP_FIELD_HOUSE_LETTER, SP_FIELD_HOUSE_SUFFIX};
    for (int i = 0; i < 2; i++) {
        rc = precheck(rec, extra[i], &t, &n);
        if (rc == PRE_UNMAPPED)
            continue;
        if (rc == PRE_GO) {
            struct sp_house h = v->house_v;
            rc = i == 0 ? sp_house_letter_add(t, n, &h) : sp_house_suffix_add(t, n, &h);
            if (rc == 0 && v->house)
                v->house_v = h;
        }
        count(st, extra[i], rc);
    }
    if (v->house)
        house_text(v);
}

static void read_address(const struct sp_raw_record *rec, struct sp_field_stats *st,
                         struct values *v)
{
    char pc[SP_POSTCODE_BYTES];

    v->pc = simple_field(rec, st, SP_FIELD_POSTCODE, sp_postcode_parse, pc);
    if (v->pc)
        memcpy(v->pc_v, pc, sizeof(pc));
    v->pc_nl = v->pc;
    char other[SP_POSTAL_CODE_BYTES];
    if (simple_field(rec, st, SP_FIELD_POSTAL_CODE, sp_postal_code_parse, other) && !v->pc) {
        memcpy(v->pc_v, other, sizeof(other));
        v->pc = true;
    }
    read_house(rec, st, v);
}

/* ---- names and date ------------------------------------------------------------- */

static void read_date(const struct sp_derive_opts *o, const struct sp_raw_record *rec,
                      struct sp_field_stats *st, struct values *v)
{
    const char *t;
    size_t n;
    int rc = precheck(rec, SP_FIELD_BIRTH_DATE, &t, &n);

    if (rc == PRE_UNMAPPED)
        return;
    if (rc == PRE_GO)
        rc = sp_date_parse(o->date_format, t, n, o->today_yyyymmdd, &v->dob_d);
    count(st, SP_FIELD_BIRTH_DATE, rc);
    if (rc == 0) {
        sp_date_format8(&v->dob_d, v->dob_v);
        v->dob_v[8] = '\0';
        v->dob = true;
    }
}

/* The voorvoegsel column is only read together with the surname; its own
 * outcome is counted here: accepted when it is a known voorvoegsel. */
static void count_prefix(const struct sp_raw_record *rec, struct sp_field_stats *st,
                         const struct values *v, bool surname_read)
{
    const char *t;
    size_t n;
    int rc = precheck(rec, SP_FIELD_PREFIX, &t, &n);

    if (rc == PRE_UNMAPPED)
        return;
    if (rc == PRE_GO)
        rc = (surname_read && v->sn.prefix_unknown) ? SP_REJECT_FORMAT : 0;
    count(st, SP_FIELD_PREFIX, rc);
}

/* Folds a field; returns PRE_UNMAPPED, PRE_EMPTY, PRE_GO (folded) or a reason. */
static int fold_field(const struct sp_raw_record *rec, int f, struct sp_folded *out)
{
    const char *t;
    size_t n;
    int rc = precheck(rec, f, &t, &n);

    if (rc != PRE_GO)
        return rc;
    sp_fold(t, n, out);
    return out->truncated ? SP_REJECT_LENGTH : PRE_GO;
}

static void read_names(const struct sp_derive_opts *o, const struct sp_raw_record *rec,
                       struct sp_field_stats *st, struct values *v)
{
    struct sp_folded f, p;
    struct sp_given from_name = {0, 0, {0}};
    bool have_p = fold_field(rec, SP_FIELD_PREFIX, &p) == PRE_GO;
    int rc = fold_field(rec, SP_FIELD_SURNAME, &f);

    if (rc == PRE_GO)
        rc = sp_surname_parse(&f, have_p ? &p : NULL, o->surname_form == SP_SURNAME_WITH_PREFIX,
                              &v->sn, &from_name);
    if (rc != PRE_UNMAPPED)
        count(st, SP_FIELD_SURNAME, rc);
    v->name = rc == 0;
    count_prefix(rec, st, v, rc != PRE_UNMAPPED);
    rc = fold_field(rec, SP_FIELD_FULL_NAME, &f);
    if (rc == PRE_GO) {
        struct sp_surname sn;
        struct sp_given g = {0, 0, {0}};
        rc = sp_fullname_parse(&f, &sn, &g);
        if (rc == 0 && !v->name) {
            v->sn = sn;
            v->name = true;
            from_name = g;
        }
    }
    if (rc != PRE_UNMAPPED)
        count(st, SP_FIELD_FULL_NAME, rc);
    rc = fold_field(rec, SP_FIELD_GIVEN_NAMES, &f);
    if (rc == PRE_GO)
        rc = sp_given_parse(&f, &v->given);
    if (rc != PRE_UNMAPPED)
        count(st, SP_FIELD_GIVEN_NAMES, rc);
    if (rc != 0)
        v->given = from_name;
    if (v->name) {
        sp_phonetic(v->sn.core, v->sn.core_len, v->phon, sizeof(v->phon));
        if (v->sn.alt_len > 0)
            sp_phonetic(v->sn.alt, v->sn.alt_len, v->phon_alt, sizeof(v->phon_alt));
    }
}

static void read_company(const struct sp_raw_record *rec, struct sp_field_stats *st,
                         struct values *v)
{
    const char *t;
    size_t n;
    int rc = precheck(rec, SP_FIELD_TRADE_NAME, &t, &n);

    if (rc == PRE_UNMAPPED)
        return;
    if (rc == PRE_GO) {
        size_t len;
        rc = sp_company_normalise(t, n, v->cname_v, &len);
    }
    count(st, SP_FIELD_TRADE_NAME, rc);
    v->cname = rc == 0;
}

/* ---- emitting keys ------------------------------------------------------------- */

struct emitter {
    const struct sp_derive_opts *o;
    struct sp_keyset *ks;
};

/* A key value under construction: parts joined by '|', which no part holds. */
struct kv {
    size_t n;
    bool ok;
    char b[SP_DERIVE_MAX_VALUE_BYTES];
};

static void kv_part(struct kv *k, const char *s)
{
    size_t l = strlen(s);

    if (k->n > 0 && k->n < sizeof(k->b))
        k->b[k->n++] = '|';
    if (k->n + l > sizeof(k->b)) {
        k->ok = false;
        return;
    }
    memcpy(k->b + k->n, s, l);
    k->n += l;
}

/* Adds (type, value) unless masked out, already present, or out of room. */
static void emit(struct emitter *e, int type, int klass, const struct kv *k)
{
    struct sp_keyset *ks = e->ks;

    if (!k->ok || k->n == 0 || !(e->o->key_mask & SP_KEY_MASK(type)))
        return;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->keys[i].type == type && ks->keys[i].value_len == k->n &&
            memcmp(ks->keys[i].value, k->b, k->n) == 0)
            return;
    if (ks->n == SP_DERIVE_MAX_KEYS || ks->buf_used + k->n > sizeof(ks->buf))
        return;
    char *dst = ks->buf + ks->buf_used;
    memcpy(dst, k->b, k->n);
    ks->buf_used += k->n;
    ks->keys[ks->n++] = (struct sp_key){(uint8_t)type, (uint8_t)klass, (uint16_t)k->n, dst};
}

static void emit_parts(struct emitter *e, int type, const char *a, const char *b, const char *c,
                       const char *d)
{
    struct kv k = {0, true, {0}};
    const char *parts[4] = {a, b, c, d};

    for (int i = 0; i < 4 && parts[i] != NULL; i++)
        kv_part(&k, parts[i]);
    emit(e, type, sp_key_type_class(type), &k);
}

/* ---- the key design ------------------------------------------------------------- *
 * Each key type of dutch-identifiers.md is emitted in the forms below; every
 * form was kept because it measurably adds links without false ones
 * (input/match-keys.md has the figures). Person name keys are always
 * qualified: a surname with a date of birth alone links namesakes born on
 * the same day, so name_dob carries the first initial, or, for sources whose
 * given names are unreliable, the postcode region instead. */

#define REGION_CHARS 2 /* postcode characters that name the region ("35" of 3511) */

static void ini_of(const struct values *v, char ini[2])
{
    ini[0] = v->given.initial;
    ini[1] = '\0';
}

/* name_dob and phon_dob on one reading of the surname core. */
static void name_keys(struct emitter *e, const struct values *v, const char *core, const char *phon)
{
    char ini[2];

    ini_of(v, ini);
    if (ini[0] != 0) {
        emit_parts(e, SP_KEY_NAME_DOB, ini, core, v->dob_v, NULL);
        if (phon[0] != '\0')
            emit_parts(e, SP_KEY_PHON_DOB, ini, phon, v->dob_v, NULL);
    }
    if (v->pc) {
        char region[REGION_CHARS + 1];
        memcpy(region, v->pc_v, REGION_CHARS);
        region[REGION_CHARS] = '\0';
        emit_parts(e, SP_KEY_NAME_DOB, core, v->dob_v, region, NULL);
    }
}

/* phon_dob under the readings that sources get wrong most: given name and
 * surname swapped, day and month swapped, two letters swapped (the sorted
 * letters, tagged '~' so that they never equal a phonetic code). */
static void fuzzy_keys(struct emitter *e, const struct values *v)
{
    char ini[2];

    ini_of(v, ini);
    if (v->given.first_len > 0) {
        char sini[2] = {v->sn.core[0], '\0'};
        char code[2 * SP_NAME_GIVEN_MAX + 2];
        if (sp_phonetic(v->given.first, v->given.first_len, code, sizeof(code)) > 0)
            emit_parts(e, SP_KEY_PHON_DOB, sini, code, v->dob_v, NULL);
    }
    if (ini[0] == 0)
        return;
    if (v->dob_d.day <= 12 && v->dob_d.day != v->dob_d.month) {
        struct sp_date sw = {v->dob_d.year, v->dob_d.day, v->dob_d.month};
        char dob[9];
        sp_date_format8(&sw, dob);
        dob[8] = '\0';
        emit_parts(e, SP_KEY_PHON_DOB, ini, v->phon, dob, NULL);
    }
    int cnt[26] = {0};
    char sorted[SP_NAME_CORE_MAX + 2];
    size_t n = 0;
    for (size_t i = 0; i < v->sn.core_len; i++)
        if (v->sn.core[i] >= 'a' && v->sn.core[i] <= 'z')
            cnt[v->sn.core[i] - 'a']++;
    sorted[n++] = '~';
    for (int c = 0; c < 26; c++)
        for (int k = 0; k < cnt[c]; k++)
            sorted[n++] = (char)('a' + c);
    sorted[n] = '\0';
    emit_parts(e, SP_KEY_PHON_DOB, ini, sorted, v->dob_v, NULL);
}

/* part_dob for every part of the surname, also a surname of one part: that
 * is what lets "Jansen-de Vries" (a married name in use) meet "Jansen". */
static void part_keys(struct emitter *e, const struct values *v)
{
    char ini[2];

    ini_of(v, ini);
    if (ini[0] == 0)
        return;
    for (size_t i = 0; i < v->sn.nparts; i++) {
        char part[SP_NAME_CORE_MAX + 1];
        memcpy(part, v->sn.core + v->sn.part[i].off, v->sn.part[i].len);
        part[v->sn.part[i].len] = '\0';
        emit_parts(e, SP_KEY_PART_DOB, ini, part, v->dob_v, NULL);
    }
}

/* ini_addr_dob with the full date, and with the date's year and month, and
 * month and day: the initial and the address keep these precise, and they
 * absorb a mistyped day or year (and a BRP date with an unknown day). */
static void address_dob_keys(struct emitter *e, const struct values *v)
{
    char ini[2], full[9];

    ini_of(v, ini);
    if (!v->pc || !v->house || v->dob_d.year == 0 || v->dob_d.month == 0)
        return;
    sp_date_format8(&v->dob_d, full);
    full[8] = '\0';
    if (v->dob) {
        if (ini[0] != 0)
            emit_parts(e, SP_KEY_INI_ADDR_DOB, ini, v->pc_v, v->hn_v, full);
        emit_parts(e, SP_KEY_ADDR_DOB, v->pc_v, v->hn_v, full, NULL);
    }
    if (ini[0] == 0)
        return;
    char ym[7], md[5];
    memcpy(ym, full, 6);
    ym[6] = '\0';
    emit_parts(e, SP_KEY_INI_ADDR_DOB, ini, v->pc_v, v->hn_v, ym);
    if (v->dob_d.day != 0) {
        memcpy(md, full + 4, 4);
        md[4] = '\0';
        emit_parts(e, SP_KEY_INI_ADDR_DOB, ini, v->pc_v, v->hn_v, md);
    }
}

/* name_addr: first initial + phonetic surname + postcode, without a date of
 * birth, so that a record whose date is mistyped or missing still meets its
 * subject where it lives. A Dutch postcode names some twenty addresses, so the
 * house number would add only its typos; a foreign postal code names a town,
 * so there the house number is part of the key (without it, FEBRL4 links
 * namesakes). No initial, no house number where one is needed: no key. */
static void name_addr_keys(struct emitter *e, const struct values *v, const char *phon)
{
    char ini[2];

    ini_of(v, ini);
    if (ini[0] == 0 || phon[0] == '\0')
        return;
    if (v->pc_nl)
        emit_parts(e, SP_KEY_NAME_ADDR, ini, phon, v->pc_v, NULL);
    else if (v->house)
        emit_parts(e, SP_KEY_NAME_ADDR, ini, phon, v->pc_v, v->hn_v);
}

static void person_keys(struct emitter *e, const struct values *v)
{
    if (v->bsn)
        emit_parts(e, SP_KEY_BSN, v->bsn_v, NULL, NULL, NULL);
    if (v->national_id) /* tagged: never equal to a 9-digit BSN */
        emit_parts(e, SP_KEY_BSN, "nid", v->national_id_v, NULL, NULL);
    if (v->anummer)
        emit_parts(e, SP_KEY_ANUMMER, v->anummer_v, NULL, NULL, NULL);
    if (v->name && v->dob) {
        name_keys(e, v, v->sn.core, v->phon);
        if (v->sn.alt_len > 0)
            name_keys(e, v, v->sn.alt, v->phon_alt);
        fuzzy_keys(e, v);
        part_keys(e, v);
    }
    address_dob_keys(e, v);
    if (v->name && v->pc) { /* last: the older keys keep their room under the cap */
        name_addr_keys(e, v, v->phon);
        if (v->sn.alt_len > 0)
            name_addr_keys(e, v, v->phon_alt);
    }
}

static void company_keys(struct emitter *e, const struct values *v)
{
    if (v->kvk)
        emit_parts(e, SP_KEY_KVK, v->kvk_v, NULL, NULL, NULL);
    if (v->vestiging)
        emit_parts(e, SP_KEY_VESTIGING, v->vestiging_v, NULL, NULL, NULL);
    if (v->rsin)
        emit_parts(e, SP_KEY_RSIN, v->rsin_v, NULL, NULL, NULL);
    if (v->cname && v->pc) {
        if (v->house)
            emit_parts(e, SP_KEY_CNAME_ADDR, v->cname_v, v->pc_v, v->hn_v, NULL);
        emit_parts(e, SP_KEY_CNAME_PC, v->cname_v, v->pc_v, NULL, NULL);
    }
}

/* Addresses, vehicles and accounts are entities of their own. The address
 * key comes with the number alone (robust) and, when there is one, with the
 * letter/toevoeging (precise: one flat of a building). */
static void entity_keys(struct emitter *e, const struct values *v)
{
    if (v->pc && v->house) {
        emit_parts(e, SP_KEY_ADDRESS, v->pc_v, v->hn_v, NULL, NULL);
        if (v->house_v.suffix_len > 0)
            emit_parts(e, SP_KEY_ADDRESS, v->pc_v, v->hn_v, v->house_v.suffix, NULL);
    }
    if (v->kenteken)
        emit_parts(e, SP_KEY_KENTEKEN, v->kenteken_v, NULL, NULL, NULL);
    if (v->iban)
        emit_parts(e, SP_KEY_IBAN, v->iban_v, NULL, NULL, NULL);
}

static bool opts_valid(const struct sp_derive_opts *o)
{
    return o->date_format >= SP_DATE_YYYYMMDD && o->date_format <= SP_DATE_DMY_SLASH &&
           (o->surname_form == SP_SURNAME_CORE || o->surname_form == SP_SURNAME_WITH_PREFIX) &&
           o->today_yyyymmdd >= 0;
}

int sp_derive_keys(const struct sp_derive_opts *opts, const struct sp_raw_record *rec,
                   struct sp_keyset *out, struct sp_field_stats stats[SP_FIELD_COUNT])
{
    struct values v;
    struct sp_field_stats scratch[SP_FIELD_COUNT];

    if (opts == NULL || rec == NULL || out == NULL || !opts_valid(opts))
        return SP_ERR_INVALID_ARG;
    if (stats == NULL) {
        memset(scratch, 0, sizeof(scratch));
        stats = scratch;
    }
    memset(&v, 0, sizeof(v));
    out->n = 0;
    out->buf_used = 0;
    read_identifiers(opts, rec, stats, &v);
    read_address(rec, stats, &v);
    read_date(opts, rec, stats, &v);
    read_names(opts, rec, stats, &v);
    read_company(rec, stats, &v);

    struct emitter e = {opts, out};
    person_keys(&e, &v);
    company_keys(&e, &v);
    entity_keys(&e, &v);
    explicit_bzero(&v, sizeof(v)); /* raw identifiers do not outlive the call */
    return 0;
}

const char *sp_reject_reason_text(int reason)
{
    static const char *const text[SP_REJECT_REASON_COUNT] = {
        [SP_REJECT_EMPTY] = "empty",
        [SP_REJECT_FORMAT] = "wrong format",
        [SP_REJECT_LENGTH] = "wrong length",
        [SP_REJECT_CHECKSUM] = "checksum fails",
        [SP_REJECT_RANGE] = "out of range",
        [SP_REJECT_UNKNOWN_PART] = "date with unknown part",
        [SP_REJECT_TEST_RANGE] = "test BSN refused",
        [SP_REJECT_NOT_ISSUED] = "postcode letters never issued",
    };
    if (reason < 0 || reason >= SP_REJECT_REASON_COUNT)
        return "unknown reason";
    return text[reason];
}
