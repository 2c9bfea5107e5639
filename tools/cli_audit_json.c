/* Audit entries as JSON (cli_audit_json.h). */
#include "tools/cli_audit_json.h"

#include "audit/jsonl.h"
#include "audit/schema.h"

void sp_cli_audit_json_entry(struct sp_json *j, const char *key, const char *node,
                             const struct sp_audit_entry *e)
{
    char t[40];
    sp_audit_format_time(sp_audit_entry_time(e), t, sizeof(t));
    sp_json_obj_open(j, key);
    sp_json_str(j, "node", node);
    sp_json_uint(j, "seq", sp_audit_entry_seq(e));
    sp_json_str(j, "time", t);
    sp_json_str(j, "type", sp_audit_type_name(sp_audit_entry_type(e)));
    sp_audit_jsonl_fields(j, "fields", e);
    sp_json_obj_close(j);
}
