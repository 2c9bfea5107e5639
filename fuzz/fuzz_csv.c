/* libFuzzer harness for CSV ingestion: options from the first byte, then the
 * rest as an export, fed whole and again in chunks whose sizes the input
 * chooses. Besides memory errors (ASan) it checks that chunking never
 * changes the result: the record ids, lines and key counts must agree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/ingest.h"
#include "input/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A running digest of what the callback saw. */
struct digest {
    uint64_t h;
    uint64_t n;
};

static void mix(struct digest *d, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        d->h = (d->h ^ b[i]) * UINT64_C(0x100000001b3);
}

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    struct digest *d = ctx;
    mix(d, rec->record_id, strlen(rec->record_id) + 1);
    mix(d, &rec->line, sizeof(rec->line));
    for (size_t i = 0; i < rec->nkeys; i++) {
        mix(d, &rec->keys[i].type, 1);
        mix(d, rec->keys[i].value, rec->keys[i].value_len);
    }
    d->n++;
    return 0;
}

static const char *const mappings[] = {
    "kind = person\nheader = no\nrecord_id = 1\nbsn = 2\nsurname = 3\nsurname_form = "
    "with-prefix\nbirth_date = 4\ndate_format = dd-mm-jjjj\npostcode = 5\nhouse_number = 6\n",
    "kind = person\nseparator = ;\nrecord_id = id\nfull_name = naam\nbirth_date = d\n"
    "date_format = jjjjmmdd\nkenteken = k\n",
    "kind = company\nencoding = windows-1252\nquote = none\nseparator = |\nrecord_id = id\n"
    "kvk = kvk\ntrade_name = naam\nstreet_address = adres\npostcode = pc\n",
    "kind = person\nencoding = iso-8859-1\ntrim = no\nseparator = tab\nheader = no\n"
    "record_id = 2\ngiven_names = 1\niban = 3\nanummer = 4\n",
};

static void run(const struct sp_mapping *m, const uint8_t *data, size_t size, const uint8_t *cuts,
                size_t ncuts, struct digest *d, int *rc, struct sp_ingest_stats *st)
{
    struct sp_ingest *ing = NULL;
    if (sp_ingest_new(m, &ing) != 0)
        abort();
    if (sp_ingest_set_today(ing, 20250131) != 0)
        abort();
    *rc = 0;
    size_t pos = 0, c = 0;
    while (pos < size && *rc == 0) {
        size_t n = ncuts == 0 ? size - pos : 1 + cuts[c++ % ncuts] % 17;
        n = n > size - pos ? size - pos : n;
        *rc = sp_ingest_feed(ing, data + pos, n, on_record, d);
        pos += n;
    }
    if (*rc == 0)
        *rc = sp_ingest_finish(ing, on_record, d);
    *st = *sp_ingest_stats(ing);
    sp_ingest_free(&ing);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sp_ingest_stats st1, st2;
    struct sp_mapping *m = NULL;
    struct digest d1 = {0, 0}, d2 = {0, 0};
    int rc1 = 0, rc2 = 0;

    if (size < 1)
        return 0;
    const char *text = mappings[data[0] % (sizeof(mappings) / sizeof(mappings[0]))];
    if (sp_mapping_parse(text, strlen(text), &m, NULL, 0) != 0)
        abort();
    run(m, data + 1, size - 1, NULL, 0, &d1, &rc1, &st1);
    run(m, data + 1, size - 1, data, size < 64 ? size : 64, &d2, &rc2, &st2);
    if (rc1 != rc2 || d1.h != d2.h || d1.n != d2.n || st1.records != st2.records ||
        st1.structural_errors != st2.structural_errors || st1.lines != st2.lines ||
        st1.keys != st2.keys)
        abort(); /* chunking changed the outcome */
    sp_mapping_free(&m);
    return 0;
}
