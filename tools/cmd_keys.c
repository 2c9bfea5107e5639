/* snijpunt keys: the match keys of an export in the clear, for an operator
 * inspecting their own data on their own machine. Prints personal data. */
#include <stdio.h>
#include <string.h>

#include "common/keytype.h"
#include "input/ingest.h"
#include "input/mapping.h"
#include "tools/cli_input.h"
#include "tools/cli_csv.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt keys --mapping FILE [--today YYYY-MM-DD] INPUT.csv\n\n"
                 "WARNING: this command prints PERSONAL DATA. Every line holds a record id\n"
                 "and a match key in the clear (BSN, name and date of birth, address, IBAN,\n"
                 "...). Use it only on your own data, on your own machine; do not share or\n"
                 "keep its output.\n\n"
                 "Writes CSV to standard output with the header\n"
                 "  record_id,key_type,class,value\n"
                 "and one line per derived key, value being the canonical key input. Rows\n"
                 "that cannot be read are skipped and counted on standard error; run\n"
                 "`snijpunt check` for the details.\n\n"
                 "  --mapping FILE  the dataset's mapping (format: snijpunt-mapping(5))\n"
                 "  --today DATE    the date for future-date checks (default: today)\n\n"
                 "INPUT.csv may be - for standard input. Exit status: 0 done, 1 the file\n"
                 "cannot be used (or writing failed), 2 usage error.\n");
}

static int write_keys(void *ctx, const struct sp_record_keys *rec)
{
    FILE *out = ctx;

    for (size_t i = 0; i < rec->nkeys; i++) {
        const struct sp_key *k = &rec->keys[i];
        const char *type = sp_key_type_name(k->type);
        const char *klass = sp_key_class_name(k->klass);
        sp_csv_write_field(out, rec->record_id, strlen(rec->record_id));
        fprintf(out, ",%s,%s,", type != NULL ? type : "?", klass != NULL ? klass : "?");
        sp_csv_write_field(out, k->value, k->value_len);
        fputc('\n', out);
    }
    if (ferror(out)) {
        fprintf(stderr, "snijpunt: write error on standard output\n");
        return SP_ERR_IO;
    }
    return 0;
}

static int run_keys(const struct sp_cli_input_args *a, const struct sp_mapping *m)
{
    struct sp_ingest *ing = NULL;
    int rc = sp_ingest_new(m, &ing);

    if (rc == 0)
        rc = sp_ingest_set_today(ing, a->today);
    if (rc == 0) {
        fputs("record_id,key_type,class,value\n", stdout);
        rc = sp_cli_ingest_file(a->input, ing, write_keys, stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "snijpunt: write error on standard output\n");
        rc = SP_ERR_IO;
    }
    if (rc == 0) {
        const struct sp_ingest_stats *st = sp_ingest_stats(ing);
        if (st->structural_errors > 0)
            fprintf(stderr,
                    "snijpunt: %s: %llu of %llu rows skipped for structural errors; run "
                    "`snijpunt check` for the line numbers\n",
                    a->input, (unsigned long long)st->structural_errors,
                    (unsigned long long)st->records);
    }
    sp_ingest_free(&ing);
    return rc == 0 ? 0 : 1;
}

static int keys_main(int argc, char **argv)
{
    static const struct sp_cli_input_cmd cmd = {.usage = usage, .run = run_keys};
    return sp_cli_input_main(argc, argv, &cmd);
}

const struct sp_cmd sp_cmd_keys = {
    .name = "keys",
    .summary = "print the match keys of an export (PERSONAL DATA, for inspection)",
    .run = keys_main,
};
