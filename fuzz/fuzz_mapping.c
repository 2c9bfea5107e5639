/* libFuzzer harness for mapping files: any bytes in, either a mapping whose
 * getters all answer sanely or an error with a NUL-terminated diagnostic. A
 * mapping that parses is then used to read a small fixed export. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/derive.h"
#include "input/ingest.h"
#include "input/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    (void)ctx;
    if (rec->record_id == NULL || strlen(rec->record_id) > SP_INGEST_MAX_RECORD_ID_BYTES)
        abort();
    return 0;
}

static void use(const struct sp_mapping *m)
{
    static const char csv[] = "1,2,3,4,5,6,7,8\nid,bsn,naam,geboortedatum,postcode,huisnummer,"
                              "kvk,iban\na,111222333,\"Vries, de\",19700101,2601DC,12a,12345678,"
                              "NL91ABNA0417164300\n";
    struct sp_derive_opts o;
    struct sp_ingest *ing = NULL;

    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        const char *name = sp_mapping_column_name(m, f);
        if (sp_mapping_has_field(m, f) && name == NULL && sp_mapping_column_index(m, f) == 0)
            abort(); /* a mapped field has a column, by name or number */
        if (name != NULL && strlen(name) > SP_MAPPING_MAX_COLUMN_BYTES)
            abort();
    }
    if (sp_mapping_derive_opts(m, 20250131, &o) != 0)
        abort();
    if (sp_ingest_new(m, &ing) != 0)
        abort();
    int rc = sp_ingest_feed(ing, (const uint8_t *)csv, sizeof(csv) - 1, on_record, NULL);
    if (rc == 0)
        rc = sp_ingest_finish(ing, on_record, NULL);
    if (rc != 0 && sp_ingest_diagnostic(ing)[0] == '\0')
        abort(); /* a fatal error always explains itself */
    sp_ingest_free(&ing);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sp_mapping *m = NULL;
    char diag[256];

    memset(diag, 'x', sizeof(diag));
    int rc = sp_mapping_parse((const char *)data, size, &m, diag, sizeof(diag));
    if (rc == 0) {
        use(m);
        sp_mapping_free(&m);
    } else if (memchr(diag, '\0', sizeof(diag)) == NULL || m != NULL) {
        abort();
    }
    return 0;
}
