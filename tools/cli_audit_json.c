/* Audit entries as JSON (cli_audit_json.h). */
#include "tools/cli_audit_json.h"

#include "audit/jsonl.h"
#include "audit/schema.h"
#include "common/hex.h"
#include "common/keytype.h"

/* One value of a field that is not KEYCOUNT (key NULL inside a list). */
static void value(struct sp_json *j, const char *key, const struct sp_audit_value *v)
{
    char buf[2 * SP_AUDIT_SIG_BYTES + 1];
    switch (v->kind) {
    case SP_AUDIT_KIND_COUNT:
        sp_json_uint(j, key, v->u);
        break;
    case SP_AUDIT_KIND_CODE:
        sp_json_int(j, key, v->code);
        break;
    case SP_AUDIT_KIND_TIME:
        sp_audit_format_time(v->u, buf, sizeof(buf));
        sp_json_str(j, key, buf);
        break;
    case SP_AUDIT_KIND_TEXT:
    case SP_AUDIT_KIND_NAME:
        sp_json_strn(j, key, (const char *)v->bytes, v->len);
        break;
    case SP_AUDIT_KIND_DIGEST:
    case SP_AUDIT_KIND_ROUND:
    case SP_AUDIT_KIND_SIGNATURE:
        /* the decoder admits at most SIGNATURE's 64 bytes */
        sp_hex_encode(buf, v->bytes, v->len <= SP_AUDIT_SIG_BYTES ? v->len : 0);
        sp_json_str(j, key, buf);
        break;
    case SP_AUDIT_KIND_KEYMASK:
        sp_json_arr_open(j, key);
        for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
            if (v->u & SP_KEY_MASK(t))
                sp_json_str(j, NULL, sp_key_type_name(t));
        sp_json_arr_close(j);
        break;
    case SP_AUDIT_KIND_MODE:
        sp_json_str(j, key, sp_audit_mode_name((int)v->u));
        break;
    default:
        sp_json_str(j, key, NULL);
        break;
    }
}

/* Every occurrence of field (its first is *first) under its name. */
static void field(struct sp_json *j, const struct sp_audit_entry *e,
                  const struct sp_audit_value *first)
{
    const char *name = sp_audit_field_name(first->field);
    struct sp_audit_value v;
    if (first->kind == SP_AUDIT_KIND_KEYCOUNT) {
        sp_json_obj_open(j, name);
        for (size_t n = 0; sp_audit_entry_find(e, first->field, n, &v) == 0; n++)
            sp_json_uint(j, sp_key_type_name(v.key_type), v.u);
        sp_json_obj_close(j);
    } else if (sp_audit_schema_repeated(sp_audit_entry_type(e), first->field)) {
        sp_json_arr_open(j, name);
        for (size_t n = 0; sp_audit_entry_find(e, first->field, n, &v) == 0; n++)
            value(j, NULL, &v);
        sp_json_arr_close(j);
    } else {
        value(j, name, first);
    }
}

void sp_cli_audit_json_entry(struct sp_json *j, const char *key, const char *node,
                             const struct sp_audit_entry *e)
{
    char t[40];
    struct sp_audit_value v;
    int prev = 0;
    sp_audit_format_time(sp_audit_entry_time(e), t, sizeof(t));
    sp_json_obj_open(j, key);
    sp_json_str(j, "node", node);
    sp_json_uint(j, "seq", sp_audit_entry_seq(e));
    sp_json_str(j, "time", t);
    sp_json_str(j, "type", sp_audit_type_name(sp_audit_entry_type(e)));
    sp_json_obj_open(j, "fields");
    /* canonical order keeps a repeated field's occurrences together */
    for (size_t i = 0; sp_audit_entry_field(e, i, &v) == 0; i++) {
        if (v.field != prev)
            field(j, e, &v);
        prev = v.field;
    }
    sp_json_obj_close(j);
    sp_json_obj_close(j);
}
