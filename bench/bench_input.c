/* Records per second of check-style ingestion on one core. Usage:
 *   bench_input [CSV MAPPING]
 * default: gemeente-utrecht/personen.csv (SP_SHARED_DATA or ../shared/data)
 * with examples/nl-synth/gemeente-utrecht/personen.map. Prints the best and
 * median of several runs (thread CPU time, so other load on the machine
 * does not distort the per-core figure), for the whole pipeline and for
 * reading alone (CSV + decoding, derivation replaced by a no-op) to show
 * where the time goes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input/ingest.h"
#include "input/mapping.h"

#define RUNS 7

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    (void)ctx;
    (void)rec;
    return 0;
}

static int no_derive(const struct sp_derive_opts *opts, const struct sp_raw_record *rec,
                     struct sp_keyset *out, struct sp_field_stats stats[SP_FIELD_COUNT])
{
    (void)opts;
    (void)rec;
    (void)stats;
    out->n = 0;
    out->buf_used = 0;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench_input: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* CPU time of this thread: the machine may be shared, and the figure wanted
 * is records per second per core. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One ingestion of the whole buffer; returns seconds, sets *records. */
static double one_run(const struct sp_mapping *m, const char *data, size_t len, bool derive,
                      uint64_t *records)
{
    struct sp_ingest *ing = NULL;
    if (sp_ingest_new(m, &ing) != 0 || sp_ingest_set_today(ing, 20250131) != 0 ||
        (!derive && sp_ingest_set_derive(ing, no_derive) != 0))
        exit(1);
    double t0 = now();
    /* 64 KiB chunks, as the CLI reads them. */
    for (size_t pos = 0; pos < len; pos += 65536) {
        size_t n = len - pos < 65536 ? len - pos : 65536;
        if (sp_ingest_feed(ing, (const uint8_t *)data + pos, n, on_record, NULL) != 0)
            exit(1);
    }
    if (sp_ingest_finish(ing, on_record, NULL) != 0)
        exit(1);
    double t = now() - t0;
    *records = sp_ingest_stats(ing)->records;
    sp_ingest_free(&ing);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void measure(const char *what, const struct sp_mapping *m, const char *data, size_t len,
                    bool derive)
{
    double t[RUNS];
    uint64_t records = 0;
    for (int i = 0; i < RUNS; i++)
        t[i] = one_run(m, data, len, derive, &records);
    qsort(t, RUNS, sizeof(t[0]), cmp_double);
    printf("%-28s %8llu records  best %9.0f records/s  median %9.0f records/s  (%.1f MB/s)\n", what,
           (unsigned long long)records, (double)records / t[0], (double)records / t[RUNS / 2],
           (double)len / t[RUNS / 2] / 1e6);
}

int main(int argc, char **argv)
{
    const char *data_dir = getenv("SP_SHARED_DATA");
    char csv_path[1024], map_path[1024];
    char diag[256];
    size_t len = 0, map_len = 0;
    struct sp_mapping *m = NULL;

    if (data_dir == NULL)
        data_dir = SP_SHARED_DATA_DEFAULT;
    snprintf(csv_path, sizeof(csv_path), "%s/nl-synth/gemeente-utrecht/personen.csv", data_dir);
    snprintf(map_path, sizeof(map_path), "%s/examples/nl-synth/gemeente-utrecht/personen.map",
             SP_SOURCE_DIR);
    if (argc == 3) {
        snprintf(csv_path, sizeof(csv_path), "%s", argv[1]);
        snprintf(map_path, sizeof(map_path), "%s", argv[2]);
    }
    char *data = slurp(csv_path, &len);
    char *map_text = slurp(map_path, &map_len);
    if (sp_mapping_parse(map_text, map_len, &m, diag, sizeof(diag)) != 0) {
        fprintf(stderr, "bench_input: %s: %s\n", map_path, diag);
        return 1;
    }
    printf("bench_input: %s (%zu bytes), one core, %d runs\n", csv_path, len, RUNS);
    measure("check (csv+decode+derive)", m, data, len, true);
    measure("csv+decode only", m, data, len, false);
    sp_mapping_free(&m);
    free(map_text);
    free(data);
    return 0;
}
