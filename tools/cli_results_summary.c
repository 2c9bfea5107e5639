/* Per-record summaries of result rows; see cli_results_summary.h. */
#include "tools/cli_results_summary.h"

#include <string.h>

#include "tools/cli_csv.h"

const char sp_summary_columns[] =
    "entity,known_at,class,address_known_at,vehicle_known_at,account_known_at";

void sp_summary_begin(struct sp_record_summary *s, const struct sp_ctl_result_row *row)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dataset, sizeof s->dataset, "%s", row->dataset);
    snprintf(s->record_id, sizeof s->record_id, "%s", row->record_id);
}

bool sp_summary_same_record(const struct sp_record_summary *s, const struct sp_ctl_result_row *row)
{
    return strcmp(s->dataset, row->dataset) == 0 && strcmp(s->record_id, row->record_id) == 0;
}

void sp_summary_add(struct sp_record_summary *s, const struct sp_ctl_result_row *row)
{
    int e = sp_key_mask_entity(row->key_types);
    if (!sp_entity_valid(e))
        return; /* the daemon never sends a row that mixes entities */
    char *list = s->known_at[e];
    size_t n = strlen(list);
    snprintf(list + n, SP_SUMMARY_LIST_MAX - n, "%s%s", n ? "+" : "", row->partner);
    if (sp_entity_is_subject(e)) {
        s->subject |= 1 << e;
        if (s->klass == 0 || row->klass < s->klass)
            s->klass = row->klass;
    }
}

static void field(FILE *out, const char *s)
{
    sp_csv_write_field(out, s, strlen(s));
}

void sp_summary_write(FILE *out, const struct sp_record_summary *s)
{
    const char *k = s->klass ? sp_key_class_name(s->klass) : "";
    bool person = s->subject & (1 << SP_ENTITY_PERSON),
         company = s->subject & (1 << SP_ENTITY_COMPANY);
    char who[2 * SP_SUMMARY_LIST_MAX + 1];
    /* a record is about one subject; one with keys of both (an officer's
     * record with a KvK number) lists both, person first */
    snprintf(who, sizeof who, "%s%s%s", person ? s->known_at[SP_ENTITY_PERSON] : "",
             person && company ? "+" : "", company ? s->known_at[SP_ENTITY_COMPANY] : "");
    field(out, person && company ? "person+company" : person ? "person" : company ? "company" : "");
    fputc(',', out);
    field(out, who);
    fprintf(out, ",%s,", k ? k : "");
    field(out, s->known_at[SP_ENTITY_ADDRESS]);
    fputc(',', out);
    field(out, s->known_at[SP_ENTITY_VEHICLE]);
    fputc(',', out);
    field(out, s->known_at[SP_ENTITY_ACCOUNT]);
}

void sp_summary_write_empty(FILE *out)
{
    fputs(",,,,,", out);
}
