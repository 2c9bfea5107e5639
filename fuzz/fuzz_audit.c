/* libFuzzer harness for the audit log's parsers of outside input: the
 * entry decoder (records come from a node's store and from AUDIT_EXPORT),
 * the JSON reader, and the export line reader and verifier (exports are
 * files an auditor receives). Besides ASan and UBSan findings it aborts
 * when an accepted entry does not re-encode to exactly its bytes, or when
 * the export line written for an accepted entry is not read back as
 * consistent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/entry.h"
#include "audit/json.h"
#include "audit/jsonl.h"
#include "audit/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
    fprintf(stderr, "fuzz_audit: %s\n", what);
    abort();
}

/* The input as entry bytes: accepted means canonical, and its export line
 * (with a dummy signature) reads back without complaint. */
static void as_entry(const uint8_t *data, size_t size, struct sp_audit_reader *r)
{
    static uint8_t again[SP_AUDIT_ENTRY_MAX_BYTES], rec[SP_AUDIT_RECORD_MAX_BYTES];
    static char line[SP_AUDIT_LINE_MAX + 1];
    struct sp_audit_entry *e = NULL;
    struct sp_audit_line l;
    size_t n = 0;
    if (sp_audit_entry_decode(data, size, &e) != 0)
        return;
    if (sp_audit_entry_encode(e, again, sizeof(again), &n) != 0 || n != size ||
        memcmp(again, data, size) != 0)
        die("accepted entry does not re-encode to itself");
    memcpy(rec, data, size);
    memset(rec + size, 0x5a, SP_AUDIT_SIG_BYTES);
    if (sp_audit_jsonl_entry(rec, size + SP_AUDIT_SIG_BYTES, line, sizeof(line), &n) != 0)
        die("accepted entry has no export line");
    if (sp_audit_reader_line(r, line, n, &l) != 0 || l.kind != SP_AUDIT_LINE_ENTRY)
        die("export line of an accepted entry does not read back");
    sp_audit_entry_free(&e);
}

static void as_json(const uint8_t *data, size_t size)
{
    static struct sp_json_tok tok[1024];
    struct sp_json_doc j = {.tok = tok, .cap = 1024};
    if (sp_json_parse(&j, (const char *)data, size) == 0 && !sp_json_equal(&j, 0, &j, 0, NULL, 0))
        die("a JSON value differs from itself");
}

/* The input as an export: lines fed to a verifier without a key. */
static void as_export(const uint8_t *data, size_t size)
{
    struct sp_audit_verifier *v = NULL;
    struct sp_audit_report rep;
    if (sp_audit_verifier_new(NULL, NULL, &v) != 0)
        die("verifier");
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (sp_audit_verifier_line(v, p, len) != 0)
            break;
        p += len + 1;
    }
    (void)sp_audit_verifier_finish(v, &rep);
    sp_audit_verifier_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sp_audit_reader *r;
    if (!r && sp_audit_reader_new(&r) != 0)
        die("reader");
    as_entry(data, size, r);
    as_json(data, size);
    as_export(data, size);
    if (size >= SP_AUDIT_SIG_BYTES + 1)
        (void)sp_audit_record_open(data, size, NULL, NULL, NULL);
    return 0;
}
