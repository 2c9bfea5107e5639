/* A case question's data and oracle in the simulator (sim_case_data.h). */
#include "sim_case_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "input/ingest.h"
#include "input/mapping.h"

/* ---- identifiers ------------------------------------------------------- */

static unsigned digit(struct sim_rng *r)
{
    return (unsigned)sim_rng_below(r, 10);
}

/* Nine digits passing the 11-test: sum of (9..2) * d1..d8 - d9 = 0 mod 11. */
static void gen_bsn(struct sim_rng *r, char out[10])
{
    for (;;) {
        unsigned sum = 0;
        out[0] = (char)('1' + sim_rng_below(r, 9));
        for (int i = 1; i < 8; i++)
            out[i] = (char)('0' + digit(r));
        for (int i = 0; i < 8; i++)
            sum += (unsigned)(9 - i) * (unsigned)(out[i] - '0');
        if (sum % 11 == 10)
            continue;
        out[8] = (char)('0' + sum % 11);
        out[9] = '\0';
        return;
    }
}

static void gen_digits(struct sim_rng *r, char *out, int n)
{
    out[0] = (char)('1' + sim_rng_below(r, 9));
    for (int i = 1; i < n; i++)
        out[i] = (char)('0' + digit(r));
    out[n] = '\0';
}

static char letter(struct sim_rng *r, const char *set)
{
    return set[sim_rng_below(r, strlen(set))];
}

/* 1234AB: no leading 0, and never SA, SD or SS (not issued). */
static void gen_postcode(struct sim_rng *r, char out[7])
{
    static const char set[] = "ABCDEGHJKLMNPRTVWXZ";
    gen_digits(r, out, 4);
    out[4] = letter(r, set);
    out[5] = letter(r, set);
    out[6] = '\0';
}

/* Sidecode 1: XX-99-99. */
static void gen_kenteken(struct sim_rng *r, char out[9])
{
    static const char set[] = "BDFGHJKLNPRSTVXZ";
    snprintf(out, 9, "%c%c-%u%u-%u%u", letter(r, set), letter(r, set), digit(r), digit(r), digit(r),
             digit(r));
}

/* NLkk BANK 0123456789 with the mod-97 check digits. */
static void gen_iban(struct sim_rng *r, char out[19])
{
    static const char *const banks[] = {"ABNA", "INGB", "RABO", "TRIO"};
    const char *bank = banks[sim_rng_below(r, 4)];
    char acct[11], num[64];
    gen_digits(r, acct, 10);
    /* BANK + account + "NL00", letters as 10..35 */
    size_t n = 0;
    for (const char *p = bank; *p; p++)
        n += (size_t)snprintf(num + n, sizeof(num) - n, "%d", *p - 'A' + 10);
    n += (size_t)snprintf(num + n, sizeof(num) - n, "%s%d%d00", acct, 'N' - 'A' + 10,
                          'L' - 'A' + 10);
    unsigned mod = 0;
    for (size_t i = 0; i < n; i++)
        mod = (mod * 10 + (unsigned)(num[i] - '0')) % 97;
    snprintf(out, 19, "NL%02u%s%s", 98 - mod, bank, acct);
}

/* ---- the list ---------------------------------------------------------- */

struct subject {
    bool company;
    char bsn[10], given[16], surname[16], dob[9], pc[7], hn[6], plate[9], iban[19], kvk[9],
        trade[32];
};

static void gen_person(struct sim_rng *r, struct subject *s)
{
    static const char *const given[] = {"Jan", "Anouk", "Fatima", "Sven", "Ilse", "Mehmet"};
    static const char *const sur[] = {"Qzarvik",   "Wexlo",  "Brunzeel",
                                      "Okkerhout", "Tjalma", "Vlieghe"};
    if (sim_rng_chance(r, 900))
        gen_bsn(r, s->bsn);
    snprintf(s->given, sizeof(s->given), "%s", given[sim_rng_below(r, 6)]);
    snprintf(s->surname, sizeof(s->surname), "%s", sur[sim_rng_below(r, 6)]);
    snprintf(s->dob, sizeof(s->dob), "%04u%02u%02u", (unsigned)sim_rng_range(r, 1950, 1999),
             (unsigned)sim_rng_range(r, 1, 12), (unsigned)sim_rng_range(r, 1, 28));
    if (sim_rng_chance(r, 400))
        gen_kenteken(r, s->plate);
}

static void gen_company(struct sim_rng *r, struct subject *s)
{
    static const char *const trade[] = {"Zqorin", "Vlexa", "Marquant", "Dorvik", "Pelzano"};
    s->company = true;
    gen_digits(r, s->kvk, 8);
    snprintf(s->trade, sizeof(s->trade), "%s%s", trade[sim_rng_below(r, 5)],
             sim_rng_chance(r, 500) ? " B.V." : "");
}

static void gen_subject(struct sim_rng *r, struct subject *s)
{
    memset(s, 0, sizeof(*s));
    if (sim_rng_chance(r, 300))
        gen_company(r, s);
    else
        gen_person(r, s);
    gen_postcode(r, s->pc);
    snprintf(s->hn, sizeof(s->hn), "%u", (unsigned)sim_rng_range(r, 1, 300));
    if (sim_rng_chance(r, 400))
        gen_iban(r, s->iban);
}

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if (*buf && *len + (size_t)n < *cap) {
            *len += (size_t)n;
            return 0;
        }
        size_t ncap = *cap ? *cap * 2 : 1024;
        while (ncap <= *len + (size_t)n)
            ncap *= 2;
        char *p = realloc(*buf, ncap);
        if (p == NULL)
            return -1;
        *buf = p;
        *cap = ncap;
    }
}

static int write_csv(struct sim_case_list *l, const struct subject *s)
{
    size_t cap = 0;
    int rc = append(&l->csv, &l->csv_len, &cap,
                    "id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer,kenteken,iban,"
                    "kvk,handelsnaam\n");
    for (unsigned i = 0; i < l->nsubjects && rc == 0; i++)
        rc = append(&l->csv, &l->csv_len, &cap, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", l->id[i],
                    s[i].bsn, s[i].given, s[i].surname, s[i].dob, s[i].pc, s[i].hn, s[i].plate,
                    s[i].iban, s[i].kvk, s[i].trade);
    return rc;
}

static int write_mapping(struct sim_case_list *l, uint32_t keys)
{
    size_t cap = 0;
    int rc = append(&l->mapping, &l->mapping_len, &cap,
                    "kind = person\ndate_format = jjjjmmdd\nsurname_form = core\nkeys = ");
    const char *sep = "";
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX && rc == 0; t++) {
        if (!(keys & SP_KEY_MASK(t)))
            continue;
        rc = append(&l->mapping, &l->mapping_len, &cap, "%s%s", sep, sp_key_type_name(t));
        sep = ", ";
    }
    if (rc == 0)
        rc = append(&l->mapping, &l->mapping_len, &cap,
                    "\nrecord_id = id\nbsn = bsn\ngiven_names = voornamen\nsurname = achternaam\n"
                    "birth_date = geboortedatum\npostcode = postcode\nhouse_number = huisnummer\n"
                    "kenteken = kenteken\niban = iban\nkvk = kvk\ntrade_name = handelsnaam\n");
    return rc;
}

struct derive_ctx {
    struct sim_case_list *l;
    unsigned subject;
    char *why;
    size_t cap;
};

static int take_key(struct derive_ctx *c, const struct sp_key *k)
{
    struct sim_case_list *l = c->l;
    if (k->value_len >= SIM_VALUE_MAX) {
        snprintf(c->why, c->cap, "a %s value of %u bytes does not fit the simulator",
                 sp_key_type_name(k->type), k->value_len);
        return SP_ERR_OVERFLOW;
    }
    for (unsigned i = 0; i < l->nv; i++) {
        struct sim_case_value *v = &l->v[i];
        if (v->type == k->type && v->len == k->value_len &&
            memcmp(v->value, k->value, v->len) == 0) {
            v->subjects |= UINT32_C(1) << c->subject;
            if (k->klass && k->klass < v->klass)
                v->klass = k->klass;
            return 0;
        }
    }
    if (l->nv == SIM_CASE_VALUES_MAX) {
        snprintf(c->why, c->cap, "more than %d values in the list", SIM_CASE_VALUES_MAX);
        return SP_ERR_OVERFLOW;
    }
    struct sim_case_value *v = &l->v[l->nv++];
    memset(v, 0, sizeof(*v));
    v->type = k->type;
    v->klass = k->klass;
    v->len = (uint8_t)k->value_len;
    memcpy(v->value, k->value, k->value_len);
    v->subjects = UINT32_C(1) << c->subject;
    l->sizes[k->type]++;
    l->type_mask |= SP_KEY_MASK(k->type);
    return 0;
}

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    struct derive_ctx *c = ctx;
    int rc = 0;
    if (c->subject >= c->l->nsubjects || strcmp(rec->record_id, c->l->id[c->subject]) != 0) {
        snprintf(c->why, c->cap, "record %s came out of order", rec->record_id);
        return SP_ERR_INTERNAL;
    }
    for (size_t i = 0; i < rec->nkeys && rc == 0; i++)
        rc = take_key(c, &rec->keys[i]);
    c->subject++;
    return rc;
}

/* The list must be read whole, as the engine requires (case_list.c). */
static int check_stats(const struct sim_case_list *l, const struct sp_ingest_stats *st, char *why,
                       size_t cap)
{
    if (st->structural_errors || st->duplicate_record_ids || st->records_without_keys ||
        st->records_usable != l->nsubjects) {
        snprintf(why, cap, "the list is not read whole (%llu errors, %llu without keys)",
                 (unsigned long long)st->structural_errors,
                 (unsigned long long)st->records_without_keys);
        return -1;
    }
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        for (int r = 1; r < SP_REJECT_REASON_COUNT; r++)
            if (st->fields[f].rejected[r]) {
                snprintf(why, cap, "a %s value was rejected (%s)", sp_field_name(f),
                         sp_reject_reason_text(r));
                return -1;
            }
    return 0;
}

static int derive(struct sim_case_list *l, int today, char *why, size_t cap)
{
    struct sp_mapping *m = NULL;
    struct sp_ingest *ing = NULL;
    struct derive_ctx c = {l, 0, why, cap};
    char diag[200] = "";
    int rc = sp_mapping_parse(l->mapping, l->mapping_len, &m, diag, sizeof(diag));
    if (rc != 0)
        snprintf(why, cap, "the mapping: %s", diag);
    if (rc == 0 &&
        ((rc = sp_ingest_new(m, &ing)) != 0 || (rc = sp_ingest_set_today(ing, today)) ||
         (rc = sp_ingest_feed(ing, (const uint8_t *)l->csv, l->csv_len, on_record, &c)) ||
         (rc = sp_ingest_finish(ing, on_record, &c))))
        if (!why[0])
            snprintf(why, cap, "ingest: %s", sp_ingest_diagnostic(ing));
    if (rc == 0)
        rc = check_stats(l, sp_ingest_stats(ing), why, cap);
    sp_ingest_free(&ing);
    sp_mapping_free(&m);
    return rc == 0 ? 0 : -1;
}

int sim_case_list_make(struct sim_case_list *l, struct sim_rng *r, unsigned nsubjects,
                       uint32_t keys, bool share, int today, char *why, size_t cap)
{
    struct subject s[SIM_CASE_SUBJECTS_MAX];
    memset(l, 0, sizeof(*l));
    why[0] = '\0';
    l->nsubjects = nsubjects < 1                       ? 1
                   : nsubjects > SIM_CASE_SUBJECTS_MAX ? SIM_CASE_SUBJECTS_MAX
                                                       : nsubjects;
    for (unsigned i = 0; i < l->nsubjects; i++) {
        gen_subject(r, &s[i]);
        l->company[i] = s[i].company;
        snprintf(l->id[i], sizeof(l->id[i]), "S%u", (i + 1) % 100);
    }
    if (share && l->nsubjects > 1) { /* two subjects at one address */
        memcpy(s[1].pc, s[0].pc, sizeof(s[1].pc));
        memcpy(s[1].hn, s[0].hn, sizeof(s[1].hn));
    }
    if (write_csv(l, s) != 0 || write_mapping(l, keys | SP_KEY_MASK(SP_KEY_ADDRESS)) != 0 ||
        derive(l, today, why, cap) != 0) {
        if (!why[0])
            snprintf(why, cap, "out of memory");
        sim_case_list_free(l);
        return -1;
    }
    return 0;
}

void sim_case_list_free(struct sim_case_list *l)
{
    free(l->csv);
    free(l->mapping);
    memset(l, 0, sizeof(*l));
}

/* ---- partners' data ---------------------------------------------------- */

static int put(struct sim_node_data *nd, size_t *cap, const struct sim_key *k)
{
    if (nd->nkeys == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct sim_key *g = realloc(nd->keys, ncap * sizeof(*g));
        if (g == NULL)
            return -1;
        nd->keys = g;
        *cap = ncap;
    }
    nd->keys[nd->nkeys++] = *k;
    return 0;
}

int sim_case_hold(struct sim_node_data *nd, size_t *cap, const struct sim_case_list *l, unsigned s,
                  uint32_t types, const char *dataset, const char *rid)
{
    int added = 0;
    for (unsigned i = 0; i < l->nv; i++) {
        const struct sim_case_value *v = &l->v[i];
        if (!(v->subjects & (UINT32_C(1) << s)) || !(types & SP_KEY_MASK(v->type)))
            continue;
        struct sim_key k = {.type = v->type, .klass = v->klass, .len = v->len, .version = 1};
        memcpy(k.value, v->value, v->len);
        snprintf(k.dataset, sizeof(k.dataset), "%s", dataset);
        snprintf(k.record_id, sizeof(k.record_id), "%s", rid);
        if (put(nd, cap, &k) != 0)
            return -1;
        added++;
    }
    nd->nrecords += added > 0;
    return added;
}

int sim_case_data_copy(struct sim_node_data *dst, size_t *cap, const struct sim_node_data *src)
{
    memset(dst, 0, sizeof(*dst));
    *cap = src->nkeys ? src->nkeys : 1;
    if ((dst->keys = malloc(*cap * sizeof(*dst->keys))) == NULL)
        return -1;
    if (src->nkeys)
        memcpy(dst->keys, src->keys, src->nkeys * sizeof(*dst->keys));
    dst->nkeys = src->nkeys;
    dst->nrecords = src->nrecords;
    return 0;
}

size_t sim_case_drop_record(struct sim_node_data *nd, const char *rid)
{
    size_t k = 0, dropped = 0;
    for (size_t i = 0; i < nd->nkeys; i++) {
        if (strcmp(nd->keys[i].record_id, rid) == 0)
            dropped++;
        else
            nd->keys[k++] = nd->keys[i];
    }
    nd->nkeys = k;
    nd->nrecords -= dropped > 0 && nd->nrecords > 0;
    return dropped;
}

bool sim_case_holds(const struct sim_node_data *nd, const struct sim_case_value *v)
{
    for (size_t i = 0; i < nd->nkeys; i++) {
        const struct sim_key *k = &nd->keys[i];
        if (k->type == v->type && k->len == v->len && memcmp(k->value, v->value, v->len) == 0)
            return true;
    }
    return false;
}

/* ---- the oracle -------------------------------------------------------- */

static const char *entity_text(uint32_t mask)
{
    const char *e = sp_entity_name(sp_key_mask_entity(mask));
    return e ? e : mask ? "mixed" : "none";
}

static void row_text(char out[SIM_CASE_ROW_TEXT], const char *ds, const char *rid,
                     const char *partner, uint32_t mask, unsigned klass)
{
    snprintf(out, SIM_CASE_ROW_TEXT, "%s,%s,%s,%s,%x,%u", ds, rid, partner, entity_text(mask), mask,
             klass);
}

void sim_case_row_text(const struct sim_row *r, char out[SIM_CASE_ROW_TEXT])
{
    row_text(out, r->dataset, r->record_id, r->partner, r->key_types, r->klass);
}

static int text_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

void sim_case_rows_sort(char (*rows)[SIM_CASE_ROW_TEXT], size_t n)
{
    if (n > 1)
        qsort(rows, n, SIM_CASE_ROW_TEXT, text_cmp);
}

/* Per entity: the key types hit and the strongest class. */
struct hit {
    uint32_t mask[SP_ENTITY_COUNT];
    uint8_t klass[SP_ENTITY_COUNT];
};

static void hit_add(struct hit *h, uint8_t type, uint8_t klass)
{
    int e = sp_key_type_entity(type);
    h->mask[e] |= SP_KEY_MASK(type);
    if (h->klass[e] == 0 || klass < h->klass[e])
        h->klass[e] = klass;
}

static int rows_flush(const struct hit *h, const char *ds, const char *rid, const char *partner,
                      char (**rows)[SIM_CASE_ROW_TEXT], size_t *n)
{
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        if (!h->mask[e])
            continue;
        char(*g)[SIM_CASE_ROW_TEXT] = realloc(*rows, (*n + 1) * SIM_CASE_ROW_TEXT);
        if (g == NULL)
            return -1;
        *rows = g;
        row_text(g[(*n)++], ds, rid, partner, h->mask[e], h->klass[e]);
    }
    return 0;
}

int sim_case_expect_asker(const struct sim_case_list *l, const struct sim_node_data *nd,
                          const char *partner, char (**rows)[SIM_CASE_ROW_TEXT], uint64_t found[2])
{
    size_t n = 0;
    *rows = NULL;
    found[0] = found[1] = 0;
    for (unsigned i = 0; i < l->nv; i++)
        if (sim_case_holds(nd, &l->v[i]))
            found[i / 64] |= UINT64_C(1) << (i % 64);
    for (unsigned s = 0; s < l->nsubjects; s++) {
        struct hit h;
        memset(&h, 0, sizeof(h));
        for (unsigned i = 0; i < l->nv; i++) {
            const struct sim_case_value *v = &l->v[i];
            if ((v->subjects & (UINT32_C(1) << s)) && (found[i / 64] >> (i % 64)) & 1u)
                hit_add(&h, v->type, v->klass ? v->klass : (uint8_t)sp_key_type_class(v->type));
        }
        if (rows_flush(&h, "case", l->id[s], partner, rows, &n) != 0)
            return -1;
    }
    sim_case_rows_sort(*rows, n);
    return (int)n;
}

static long value_index(const struct sim_case_list *l, const struct sim_key *k)
{
    for (unsigned i = 0; i < l->nv; i++)
        if (l->v[i].type == k->type && l->v[i].len == k->len &&
            memcmp(l->v[i].value, k->value, k->len) == 0)
            return i;
    return -1;
}

/* Whether an earlier key of nd is of the same record (dataset, id). */
static bool seen_record(const struct sim_node_data *nd, size_t upto, const struct sim_key *k)
{
    for (size_t j = 0; j < upto; j++)
        if (strcmp(nd->keys[j].record_id, k->record_id) == 0 &&
            strcmp(nd->keys[j].dataset, k->dataset) == 0)
            return true;
    return false;
}

int sim_case_expect_partner(const struct sim_case_list *l, const struct sim_node_data *nd,
                            const uint64_t found[2], const char *asker,
                            char (**rows)[SIM_CASE_ROW_TEXT])
{
    size_t n = 0;
    *rows = NULL;
    for (size_t i = 0; i < nd->nkeys; i++) {
        const struct sim_key *rec = &nd->keys[i];
        if (seen_record(nd, i, rec))
            continue; /* each record once: all its keys below */
        struct hit h;
        memset(&h, 0, sizeof(h));
        for (size_t j = i; j < nd->nkeys; j++) {
            const struct sim_key *k = &nd->keys[j];
            long v = value_index(l, k);
            if (v < 0 || !((found[v / 64] >> (v % 64)) & 1u) ||
                strcmp(k->record_id, rec->record_id) != 0 || strcmp(k->dataset, rec->dataset) != 0)
                continue;
            hit_add(&h, k->type, (uint8_t)sp_key_type_class(k->type)); /* as case_answer.c */
        }
        if (rows_flush(&h, rec->dataset, rec->record_id, asker, rows, &n) != 0)
            return -1;
    }
    sim_case_rows_sort(*rows, n);
    return (int)n;
}

/* ---- the log check ----------------------------------------------------- */

static bool word_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool has_word(const char *s, size_t len, const uint8_t *w, size_t wl)
{
    for (size_t i = 0; wl && i + wl <= len; i++) {
        if (memcmp(s + i, w, wl) != 0)
            continue;
        if ((i == 0 || !word_char(s[i - 1])) && (i + wl == len || !word_char(s[i + wl])))
            return true;
    }
    return false;
}

bool sim_case_text_clean(const struct sim_case_list *l, const char *s, size_t len)
{
    if (l == NULL)
        return true;
    for (unsigned i = 0; i < l->nv; i++)
        if (has_word(s, len, l->v[i].value, l->v[i].len))
            return false;
    return true;
}
