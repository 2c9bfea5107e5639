/*
 * The agency exports of the synthetic world, in the layouts of
 * ../shared/data/nl-synth, so that examples/nl-synth/<node>/<dataset>.map
 * reads them unchanged. Each exporter streams one dataset file and appends
 * one truth.csv row per record.
 */
#ifndef SP_GEN_EXPORT_H
#define SP_GEN_EXPORT_H

#include <stdint.h>

#include "csvout.h"
#include "world.h"

struct sp_gen_out {
    const struct sp_gen_world *w;
    const char *dir;
    struct sp_gen_csv truth;
    int quiet;
};

/* Each returns 0, or -1 after printing which file failed and why. */
int sp_gen_export_gemeente(struct sp_gen_out *o);
int sp_gen_export_politie_personen(struct sp_gen_out *o);
int sp_gen_export_belasting_personen(struct sp_gen_out *o);
int sp_gen_export_om(struct sp_gen_out *o);
int sp_gen_export_politie_bedrijven(struct sp_gen_out *o);
int sp_gen_export_belasting_ondernemingen(struct sp_gen_out *o);
int sp_gen_export_kvk_inschrijvingen(struct sp_gen_out *o);
int sp_gen_export_kvk_functionarissen(struct sp_gen_out *o);

/* Shared by the exporters (export.c). */
int sp_gen_dataset_open(struct sp_gen_out *o, struct sp_gen_csv *c, const char *node,
                        const char *dataset, const struct sp_gen_csv_style *style,
                        const char *header);
int sp_gen_dataset_close(struct sp_gen_out *o, struct sp_gen_csv *c, const char *node,
                         const char *dataset);
void sp_gen_truth(struct sp_gen_out *o, const char *node, const char *dataset,
                  const char *record_id, char kind, uint64_t subject);

/* Formatting shared by several layouts. */
enum sp_gen_date_style { SP_GEN_DATE_BRP, SP_GEN_DATE_ISO, SP_GEN_DATE_DASH, SP_GEN_DATE_SLASH };
void sp_gen_format_date(int style, int y, int m, int d, char *out, size_t cap);
/* Postcode "1234AB" as "1234AB", "1234 AB" or "1234ab". */
enum sp_gen_pc_style { SP_GEN_PC_TIGHT, SP_GEN_PC_SPACE, SP_GEN_PC_LOWER };
void sp_gen_format_postcode(const char *pc, int style, char *out, size_t cap);
/* House number with letter and suffix in one field, e.g. "12A", "12bis". */
void sp_gen_format_house_joined(const struct sp_gen_address *a, char *out, size_t cap);

#endif
