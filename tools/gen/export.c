#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int sp_gen_dataset_open(struct sp_gen_out *o, struct sp_gen_csv *c, const char *node,
                        const char *dataset, const struct sp_gen_csv_style *style,
                        const char *header)
{
    static char path[4096]; /* one dataset file is open at a time */
    snprintf(path, sizeof(path), "%s/%s", o->dir, node);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "snijpunt-gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s/%s.csv", o->dir, node, dataset);
    if (sp_gen_csv_open(c, path, style, header) != 0) {
        fprintf(stderr, "snijpunt-gen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int sp_gen_dataset_close(struct sp_gen_out *o, struct sp_gen_csv *c, const char *node,
                         const char *dataset)
{
    uint64_t rows = c->rows;
    if (sp_gen_csv_close(c) != 0) {
        fprintf(stderr, "snijpunt-gen: writing %s/%s/%s.csv failed: %s\n", o->dir, node, dataset,
                strerror(errno));
        return -1;
    }
    if (!o->quiet)
        fprintf(stderr, "  %-18s %-22s %10llu records\n", node, dataset, (unsigned long long)rows);
    return 0;
}

void sp_gen_truth(struct sp_gen_out *o, const char *node, const char *dataset,
                  const char *record_id, char kind, uint64_t subject)
{
    sp_gen_csv_field(&o->truth, node);
    sp_gen_csv_field(&o->truth, dataset);
    sp_gen_csv_field(&o->truth, record_id);
    if (kind == 'P')
        sp_gen_csv_fieldf(&o->truth, "P%07llu", (unsigned long long)subject);
    else
        sp_gen_csv_fieldf(&o->truth, "C%06llu", (unsigned long long)subject);
    sp_gen_csv_end(&o->truth);
}

void sp_gen_format_date(int style, int y, int m, int d, char *out, size_t cap)
{
    switch (style) {
    case SP_GEN_DATE_BRP:
        snprintf(out, cap, "%04d%02d%02d", y, m, d);
        break;
    case SP_GEN_DATE_ISO:
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
        break;
    case SP_GEN_DATE_DASH:
        snprintf(out, cap, "%02d-%02d-%04d", d, m, y);
        break;
    default:
        snprintf(out, cap, "%02d/%02d/%04d", d, m, y);
        break;
    }
}

void sp_gen_format_postcode(const char *pc, int style, char *out, size_t cap)
{
    if (style == SP_GEN_PC_SPACE)
        snprintf(out, cap, "%.4s %.2s", pc, pc + 4);
    else if (style == SP_GEN_PC_LOWER)
        snprintf(out, cap, "%.4s%c%c", pc, pc[4] - 'A' + 'a', pc[5] - 'A' + 'a');
    else
        snprintf(out, cap, "%.6s", pc);
}

void sp_gen_format_house_joined(const struct sp_gen_address *a, char *out, size_t cap)
{
    /* A numeric suffix glued to the number would change the number itself. */
    int numeric = a->suffix[0] >= '0' && a->suffix[0] <= '9';
    snprintf(out, cap, "%u%s%s%s", a->number, a->letter, numeric ? "-" : "", a->suffix);
}
