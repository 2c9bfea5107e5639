#include "input/mapping.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "common/utf8.h"
#include "input/csv.h"
#include "input/derive.h"
#include "input/encoding.h"

struct sp_mapping {
    int entity;
    char sep;
    int quote;
    int encoding;
    int header;
    int trim;
    int date_format;
    int surname_form;
    uint32_t key_mask;
    int refuse_test_bsn;
    int duplicate_ids;            /* enum sp_duplicate_ids */
    char *column[SP_FIELD_COUNT]; /* as written in the mapping */
    unsigned index[SP_FIELD_COUNT];
    unsigned line[SP_FIELD_COUNT];
};

static const char *const field_names[SP_FIELD_COUNT] = {
    [SP_FIELD_RECORD_ID] = "record_id",
    [SP_FIELD_BSN] = "bsn",
    [SP_FIELD_ANUMMER] = "anummer",
    [SP_FIELD_GIVEN_NAMES] = "given_names",
    [SP_FIELD_PREFIX] = "prefix",
    [SP_FIELD_SURNAME] = "surname",
    [SP_FIELD_FULL_NAME] = "full_name",
    [SP_FIELD_BIRTH_DATE] = "birth_date",
    [SP_FIELD_POSTCODE] = "postcode",
    [SP_FIELD_HOUSE_NUMBER] = "house_number",
    [SP_FIELD_HOUSE_LETTER] = "house_letter",
    [SP_FIELD_HOUSE_SUFFIX] = "house_suffix",
    [SP_FIELD_STREET_ADDRESS] = "street_address",
    [SP_FIELD_KVK] = "kvk",
    [SP_FIELD_VESTIGING] = "vestiging",
    [SP_FIELD_RSIN] = "rsin",
    [SP_FIELD_TRADE_NAME] = "trade_name",
    [SP_FIELD_KENTEKEN] = "kenteken",
    [SP_FIELD_IBAN] = "iban",
    [SP_FIELD_NATIONAL_ID] = "national_id",
    [SP_FIELD_POSTAL_CODE] = "postal_code",
};

const char *sp_field_name(int field)
{
    if (field < 0 || field >= SP_FIELD_COUNT)
        return NULL;
    return field_names[field];
}

/* Parser state: the mapping being built and where each option was set. */
struct parse {
    struct sp_mapping *m;
    unsigned lineno;
    unsigned opt_line[16];
    char *diag;
    size_t diag_cap;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "line N: ..." (or the message alone when lineno is 0). */
static int fail(struct parse *p, const char *fmt, ...)
{
    if (p->diag != NULL && p->diag_cap > 0) {
        int n = 0;
        if (p->lineno > 0)
            n = snprintf(p->diag, p->diag_cap, "line %u: ", p->lineno);
        if (n >= 0 && (size_t)n < p->diag_cap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->diag + n, p->diag_cap - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return SP_ERR_INPUT_MAPPING;
}

/* Copies a value for quoting in a diagnostic: printable ASCII only, short. */
static const char *shown(const char *v, char *buf, size_t cap)
{
    size_t o = 0;

    for (; *v != '\0' && o + 4 < cap; v++)
        buf[o++] = (*v >= 0x20 && *v < 0x7F) ? *v : '?';
    if (*v != '\0' && o + 3 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

struct word {
    const char *text;
    int value;
};

/* Looks up v in a NULL-terminated table; returns 0 and sets *out, or -1. */
static int lookup(const struct word *tab, const char *v, int *out)
{
    for (; tab->text != NULL; tab++)
        if (strcmp(tab->text, v) == 0) {
            *out = tab->value;
            return 0;
        }
    return -1;
}

static const struct word yes_no[] = {{"yes", 1}, {"no", 0}, {NULL, 0}};
static const struct word kinds[] = {
    {"person", SP_ENTITY_PERSON}, {"company", SP_ENTITY_COMPANY}, {NULL, 0}};
static const struct word separators[] = {{",", ','},         {";", ';'},    {"|", '|'},
                                         {"\\t", '\t'},      {"tab", '\t'}, {"comma", ','},
                                         {"semicolon", ';'}, {"pipe", '|'}, {NULL, 0}};
static const struct word quotes[] = {
    {"\"", '"'}, {"'", '\''}, {"none", SP_CSV_NO_QUOTE}, {NULL, 0}};
static const struct word date_formats[] = {{"jjjjmmdd", SP_DATE_YYYYMMDD},
                                           {"yyyymmdd", SP_DATE_YYYYMMDD},
                                           {"jjjj-mm-dd", SP_DATE_ISO},
                                           {"yyyy-mm-dd", SP_DATE_ISO},
                                           {"dd-mm-jjjj", SP_DATE_DMY_DASH},
                                           {"dd-mm-yyyy", SP_DATE_DMY_DASH},
                                           {"dd/mm/jjjj", SP_DATE_DMY_SLASH},
                                           {"dd/mm/yyyy", SP_DATE_DMY_SLASH},
                                           {NULL, 0}};
static const struct word surname_forms[] = {
    {"core", SP_SURNAME_CORE}, {"with-prefix", SP_SURNAME_WITH_PREFIX}, {NULL, 0}};

static int set_word(struct parse *p, const char *key, const struct word *tab, const char *allowed,
                    const char *v, int *out)
{
    char buf[48];

    if (lookup(tab, v, out) != 0)
        return fail(p, "%s must be %s, not '%s'", key, allowed, shown(v, buf, sizeof(buf)));
    return 0;
}

static int opt_kind(struct parse *p, const char *v)
{
    return set_word(p, "kind", kinds, "person or company", v, &p->m->entity);
}

static int opt_separator(struct parse *p, const char *v)
{
    int sep = 0;
    int rc = set_word(p, "separator", separators, "one of , ; | tab", v, &sep);
    p->m->sep = (char)sep;
    return rc;
}

static int opt_encoding(struct parse *p, const char *v)
{
    char buf[48];

    p->m->encoding = sp_encoding_from_name(v);
    if (p->m->encoding == 0)
        return fail(p, "encoding must be utf-8, iso-8859-1 or windows-1252, not '%s'",
                    shown(v, buf, sizeof(buf)));
    return 0;
}

static int opt_quote(struct parse *p, const char *v)
{
    return set_word(p, "quote", quotes, "\" or ' or none", v, &p->m->quote);
}

static int opt_header(struct parse *p, const char *v)
{
    return set_word(p, "header", yes_no, "yes or no", v, &p->m->header);
}

static int opt_trim(struct parse *p, const char *v)
{
    return set_word(p, "trim", yes_no, "yes or no", v, &p->m->trim);
}

static int opt_date_format(struct parse *p, const char *v)
{
    return set_word(p, "date_format", date_formats,
                    "jjjjmmdd, jjjj-mm-dd, dd-mm-jjjj or dd/mm/jjjj", v, &p->m->date_format);
}

static int opt_surname_form(struct parse *p, const char *v)
{
    return set_word(p, "surname_form", surname_forms, "core or with-prefix", v,
                    &p->m->surname_form);
}

static int opt_refuse_test_bsn(struct parse *p, const char *v)
{
    return set_word(p, "refuse_test_bsn", yes_no, "yes or no", v, &p->m->refuse_test_bsn);
}

static const struct word duplicate_policies[] = {
    {"merge", SP_DUPLICATE_IDS_MERGE}, {"refuse", SP_DUPLICATE_IDS_REFUSE}, {NULL, 0}};

static int opt_duplicate_ids(struct parse *p, const char *v)
{
    return set_word(p, "duplicate_ids", duplicate_policies, "merge or refuse", v,
                    &p->m->duplicate_ids);
}

/* "all" or a comma-separated list of key type names; spaces are allowed. */
static int opt_keys(struct parse *p, const char *v)
{
    char list[SP_MAPPING_MAX_LINE_BYTES];
    size_t o = 0;

    for (; *v != '\0' && o + 1 < sizeof(list); v++)
        if (*v != ' ' && *v != '\t')
            list[o++] = *v;
    list[o] = '\0';
    if (sp_key_mask_parse(list, &p->m->key_mask) != 0 || p->m->key_mask == 0)
        return fail(p, "keys must be 'all' or a list of key types (bsn, anummer, name_dob, "
                       "phon_dob, part_dob, ini_addr_dob, addr_dob, kvk, vestiging, rsin, "
                       "cname_addr, cname_pc, address, kenteken, iban, name_addr)");
    return 0;
}

struct option {
    const char *name;
    int (*set)(struct parse *p, const char *value);
};

static const struct option options[] = {
    {"kind", opt_kind},
    {"separator", opt_separator},
    {"encoding", opt_encoding},
    {"quote", opt_quote},
    {"header", opt_header},
    {"trim", opt_trim},
    {"date_format", opt_date_format},
    {"surname_form", opt_surname_form},
    {"keys", opt_keys},
    {"refuse_test_bsn", opt_refuse_test_bsn},
    {"duplicate_ids", opt_duplicate_ids},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))
_Static_assert(NOPTIONS <= sizeof(((struct parse *)0)->opt_line) / sizeof(unsigned),
               "opt_line too small");

static int find_option(const char *key)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(options[i].name, key) == 0)
            return (int)i;
    return -1;
}

static int find_field(const char *key)
{
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        if (strcmp(field_names[f], key) == 0)
            return f;
    return -1;
}

static int set_field(struct parse *p, int f, const char *v)
{
    struct sp_mapping *m = p->m;

    if (m->line[f] != 0)
        return fail(p, "field %s is already mapped on line %u", field_names[f], m->line[f]);
    if (strlen(v) > SP_MAPPING_MAX_COLUMN_BYTES)
        return fail(p, "column name longer than %d bytes", SP_MAPPING_MAX_COLUMN_BYTES);
    m->column[f] = strdup(v);
    if (m->column[f] == NULL)
        return SP_ERR_NOMEM;
    m->line[f] = p->lineno;
    return 0;
}

static int set_key(struct parse *p, const char *key, const char *v)
{
    char buf[48];
    int o = find_option(key);

    if (o >= 0) {
        if (p->opt_line[o] != 0)
            return fail(p, "%s is already set on line %u", key, p->opt_line[o]);
        p->opt_line[o] = p->lineno;
        return options[o].set(p, v);
    }
    int f = find_field(key);
    if (f >= 0)
        return set_field(p, f, v);
    return fail(p, "unknown key '%s' (an option such as separator, or a field such as bsn)",
                shown(key, buf, sizeof(buf)));
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits one line (NUL-terminated, no line end) into key and value. */
static int parse_line(struct parse *p, char *line)
{
    char *s = line;

    while (is_blank(*s))
        s++;
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (eq == NULL)
        return fail(p, "expected 'key = value'");
    char *kend = eq;
    while (kend > s && is_blank(kend[-1]))
        kend--;
    *kend = '\0';
    char *v = eq + 1;
    while (is_blank(*v))
        v++;
    char *vend = v + strlen(v);
    while (vend > v && is_blank(vend[-1]))
        vend--;
    *vend = '\0';
    if (*s == '\0')
        return fail(p, "missing key before '='");
    if (*v == '\0')
        return fail(p, "%s has no value", s);
    return set_key(p, s, v);
}

/* Parses the column numbers of a header-less file. */
static int resolve_indices(struct parse *p)
{
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        const char *c = p->m->column[f];
        if (c == NULL)
            continue;
        unsigned long n = 0;
        size_t i = 0;
        for (; c[i] >= '0' && c[i] <= '9' && n <= SP_MAPPING_MAX_COLUMN_INDEX; i++)
            n = n * 10 + (unsigned long)(c[i] - '0');
        if (i == 0 || c[i] != '\0' || n < 1 || n > SP_MAPPING_MAX_COLUMN_INDEX) {
            p->lineno = p->m->line[f];
            return fail(p, "with header = no, %s must be a column number 1..%d", field_names[f],
                        SP_MAPPING_MAX_COLUMN_INDEX);
        }
        p->m->index[f] = (unsigned)n;
    }
    return 0;
}

/* Checks that belong to the mapping as a whole, after the last line. */
static int check_complete(struct parse *p)
{
    struct sp_mapping *m = p->m;
    int fields = 0;

    p->lineno = 0;
    if (m->entity == 0)
        return fail(p, "missing 'kind = person' or 'kind = company'");
    if (m->line[SP_FIELD_RECORD_ID] == 0)
        return fail(p, "missing 'record_id = <column>': every record needs an id");
    for (int f = 1; f < SP_FIELD_COUNT; f++)
        fields += m->line[f] != 0;
    if (fields == 0)
        return fail(p, "no field is mapped besides record_id");
    if (m->line[SP_FIELD_BIRTH_DATE] != 0 && m->date_format == 0)
        return fail(p, "birth_date is mapped (line %u) but date_format is not set",
                    m->line[SP_FIELD_BIRTH_DATE]);
    if (m->line[SP_FIELD_SURNAME] != 0 && m->surname_form == 0)
        return fail(p,
                    "surname is mapped (line %u) but surname_form (core or with-prefix) is "
                    "not set",
                    m->line[SP_FIELD_SURNAME]);
    if (m->quote == (unsigned char)m->sep)
        return fail(p, "quote and separator are the same character");
    return m->header ? 0 : resolve_indices(p);
}

static void set_defaults(struct sp_mapping *m)
{
    m->sep = ',';
    m->quote = '"';
    m->encoding = SP_ENC_UTF8;
    m->header = 1;
    m->trim = 1;
    m->key_mask = SP_KEY_MASK_ALL;
}

/* Checks the file as a whole: size, NUL bytes, UTF-8; skips a BOM. */
static int check_text(struct parse *p, const char **text, size_t *len)
{
    if (*len > SP_MAPPING_MAX_BYTES)
        return fail(p, "mapping file larger than %d bytes", SP_MAPPING_MAX_BYTES);
    if (*len >= 3 && memcmp(*text, "\xEF\xBB\xBF", 3) == 0) {
        *text += 3;
        *len -= 3;
    }
    if (!sp_utf8_valid((const uint8_t *)*text, *len))
        return fail(p, "mapping file is not UTF-8 text");
    return 0;
}

static int parse_lines(struct parse *p, const char *text, size_t len)
{
    char line[SP_MAPPING_MAX_LINE_BYTES + 1];

    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t raw = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        size_t n = raw;
        p->lineno++;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        if (n > SP_MAPPING_MAX_LINE_BYTES)
            return fail(p, "line longer than %d bytes", SP_MAPPING_MAX_LINE_BYTES);
        memcpy(line, text + pos, n);
        line[n] = '\0';
        int rc = parse_line(p, line);
        if (rc != 0)
            return rc;
        pos += raw + (nl != NULL ? 1 : 0);
    }
    return 0;
}

int sp_mapping_parse(const char *text, size_t len, struct sp_mapping **out, char *diag,
                     size_t diag_cap)
{
    struct parse p = {.diag = diag, .diag_cap = diag_cap};
    int rc;

    if (diag != NULL && diag_cap > 0)
        diag[0] = '\0';
    if ((text == NULL && len > 0) || out == NULL)
        return SP_ERR_INVALID_ARG;
    p.m = calloc(1, sizeof(*p.m));
    if (p.m == NULL)
        return SP_ERR_NOMEM;
    set_defaults(p.m);
    rc = check_text(&p, &text, &len);
    if (rc == 0)
        rc = parse_lines(&p, text, len);
    if (rc == 0)
        rc = check_complete(&p);
    if (rc != 0)
        goto out;
    *out = p.m;
    p.m = NULL;
out:
    sp_mapping_free(&p.m);
    return rc;
}

void sp_mapping_free(struct sp_mapping **m)
{
    if (m == NULL || *m == NULL)
        return;
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        free((*m)->column[f]);
    free(*m);
    *m = NULL;
}

uint32_t sp_mapping_key_mask(const struct sp_mapping *m)
{
    return m->key_mask;
}

const char *sp_mapping_kind(const struct sp_mapping *m)
{
    return m->entity == SP_ENTITY_COMPANY ? "company" : "person";
}

int sp_mapping_entity(const struct sp_mapping *m)
{
    return m->entity;
}

int sp_mapping_has_field(const struct sp_mapping *m, int field)
{
    return field >= 0 && field < SP_FIELD_COUNT && m->line[field] != 0;
}

char sp_mapping_separator(const struct sp_mapping *m)
{
    return m->sep;
}

int sp_mapping_quote(const struct sp_mapping *m)
{
    return m->quote;
}

int sp_mapping_encoding(const struct sp_mapping *m)
{
    return m->encoding;
}

int sp_mapping_header(const struct sp_mapping *m)
{
    return m->header;
}

int sp_mapping_trim(const struct sp_mapping *m)
{
    return m->trim;
}

const char *sp_mapping_column_name(const struct sp_mapping *m, int field)
{
    if (!sp_mapping_has_field(m, field) || !m->header)
        return NULL;
    return m->column[field];
}

unsigned sp_mapping_column_index(const struct sp_mapping *m, int field)
{
    if (!sp_mapping_has_field(m, field) || m->header)
        return 0;
    return m->index[field];
}

unsigned sp_mapping_field_line(const struct sp_mapping *m, int field)
{
    return sp_mapping_has_field(m, field) ? m->line[field] : 0;
}

int sp_mapping_derive_opts(const struct sp_mapping *m, int today_yyyymmdd,
                           struct sp_derive_opts *opts)
{
    if (m == NULL || opts == NULL)
        return SP_ERR_INVALID_ARG;
    memset(opts, 0, sizeof(*opts));
    /* Unset formats only matter for fields the mapping does not fill; any
     * valid value keeps sp_derive_keys' option check happy. */
    opts->date_format = m->date_format != 0 ? m->date_format : SP_DATE_ISO;
    opts->surname_form = m->surname_form != 0 ? m->surname_form : SP_SURNAME_CORE;
    opts->key_mask = m->key_mask;
    opts->refuse_test_bsn = m->refuse_test_bsn != 0;
    opts->today_yyyymmdd = today_yyyymmdd;
    return 0;
}

int sp_mapping_duplicate_ids(const struct sp_mapping *m)
{
    return m->duplicate_ids;
}
