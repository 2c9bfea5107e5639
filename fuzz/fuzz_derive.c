/* libFuzzer harness for match-key derivation (input/derive.h): any field
 * texts in, and the key set must keep its invariants: within its caps, every
 * key of a valid type with its table class, no (type, value) twice, values of
 * printable ASCII without a separator byte, and every mapped field counted
 * exactly once.
 *
 * Input layout: byte 0 chooses the options (date format, surname form,
 * test-BSN policy, key mask), the rest is split at 0x1F into the texts of
 * the fields in enum order; a text that is exactly "\x7f" leaves its field
 * unmapped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "input/derive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t outcomes(const struct sp_field_stats *s)
{
    uint64_t n = s->accepted + s->empty;
    for (int r = 0; r < SP_REJECT_REASON_COUNT; r++)
        n += s->rejected[r];
    return n;
}

static void check_keys(const struct sp_keyset *ks, const struct sp_derive_opts *o)
{
    if (ks->n > SP_DERIVE_MAX_KEYS || ks->buf_used > sizeof(ks->buf))
        abort();
    for (size_t i = 0; i < ks->n; i++) {
        const struct sp_key *k = &ks->keys[i];
        if (!sp_key_type_valid(k->type) || k->klass != sp_key_type_class(k->type) ||
            !(o->key_mask & SP_KEY_MASK(k->type)))
            abort();
        if (k->value_len == 0 || k->value_len > SP_DERIVE_MAX_VALUE_BYTES || k->value < ks->buf ||
            k->value + k->value_len > ks->buf + ks->buf_used)
            abort();
        for (size_t b = 0; b < k->value_len; b++)
            if (k->value[b] < 0x21 || k->value[b] > 0x7e || k->value[b] == ',')
                abort();
        for (size_t j = 0; j < i; j++)
            if (ks->keys[j].type == k->type && ks->keys[j].value_len == k->value_len &&
                memcmp(ks->keys[j].value, k->value, k->value_len) == 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sp_raw_record rec;
    struct sp_keyset ks;
    struct sp_field_stats st[SP_FIELD_COUNT];
    uint64_t before[SP_FIELD_COUNT];

    if (size == 0)
        return 0;
    uint8_t sel = data[0];
    struct sp_derive_opts o = {
        .date_format = SP_DATE_YYYYMMDD + (sel & 3),
        .surname_form = (sel & 4) ? SP_SURNAME_WITH_PREFIX : SP_SURNAME_CORE,
        .key_mask = (sel & 8) ? SP_KEY_MASK_ALL : (SP_KEY_MASK_ALL & ~((uint32_t)sel << 9)),
        .refuse_test_bsn = (sel & 16) != 0,
        .today_yyyymmdd = (sel & 32) ? 0 : 20250131,
    };
    memset(&rec, 0, sizeof(rec));
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    for (int f = 0; f < SP_FIELD_COUNT && p <= end; f++) {
        const char *q = memchr(p, 0x1F, (size_t)(end - p));
        if (q == NULL)
            q = end;
        if (!(q - p == 1 && *p == 0x7f)) {
            rec.v[f] = p;
            rec.len[f] = (size_t)(q - p);
        }
        p = q + 1;
    }
    memset(st, 0, sizeof(st));
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        before[f] = outcomes(&st[f]);
    if (sp_derive_keys(&o, &rec, &ks, st) != 0)
        abort();
    check_keys(&ks, &o);
    for (int f = 1; f < SP_FIELD_COUNT; f++) /* the record id is ingest's to count */
        if (outcomes(&st[f]) - before[f] != (rec.v[f] != NULL ? 1u : 0u))
            abort();
    return 0;
}
