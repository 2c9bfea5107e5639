/*
 * cleartext-link: the results a private round over the same keys must give,
 * computed in the clear (tests/linkage/README.md). Reads per node the keys of
 * its datasets, either `snijpunt keys` CSV files or exports with their
 * mapping files, and writes per node the results CSV
 * (dataset,record_id,entity,partner,key_types,class), sorted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/err.h"
#include "common/keytype.h"
#include "tests/linkage/cleartext.h"
#include "tests/linkage/quality.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cleartext-link [--out DIR | --node NAME] [--types LIST] [--today YYYYMMDD]\n"
            "                      [--truth FILE] SOURCE...\n"
            "SOURCE is one of\n"
            "  --keys NODE DATASET FILE          a `snijpunt keys` CSV file\n"
            "  --data NODE DATASET MAPPING FILE  an export and its mapping file\n\n"
            "Links every record to the other nodes holding any of its keys (all\n"
            "classes) and writes the expected round results, one CSV per node:\n"
            "  dataset,record_id,entity,partner,key_types,class\n"
            "sorted bytewise. --out DIR writes DIR/<node>.csv for every node; --node NAME\n"
            "writes that node's results to standard output. --types restricts the key\n"
            "types (as the round's key types; default all). --truth prints precision and\n"
            "recall against a truth.csv (A/B identity keys; counts only).\n"
            "The output holds record ids, not key values.\n");
}

struct args {
    const char *out_dir, *node, *truth;
    uint32_t types;
    int today;
};

static int today_from_clock(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) == NULL)
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int add_keys_file(struct sp_ct *ct, const char *node, const char *dataset, const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long bad = 0;

    if (f == NULL) {
        fprintf(stderr, "cleartext-link: %s: %s\n", path, strerror(errno));
        return SP_ERR_IO;
    }
    int rc = sp_ct_read_keys(ct, node, dataset, f, &bad);
    if (rc == SP_ERR_INPUT_CSV)
        fprintf(stderr, "cleartext-link: %s: line %lu: not a `snijpunt keys` line\n", path, bad);
    else if (rc != 0)
        fprintf(stderr, "cleartext-link: %s: %s\n", path, sp_strerror(rc));
    fclose(f);
    return rc;
}

static int write_all(struct sp_ct *ct, const struct args *a)
{
    if (a->node != NULL)
        return sp_ct_write_results(ct, a->node, a->types, stdout);
    if (mkdir(a->out_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "cleartext-link: %s: %s\n", a->out_dir, strerror(errno));
        return SP_ERR_IO;
    }
    for (size_t i = 0; i < sp_ct_node_count(ct); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.csv", a->out_dir, sp_ct_node_name(ct, i));
        FILE *f = fopen(path, "w");
        if (f == NULL) {
            fprintf(stderr, "cleartext-link: %s: %s\n", path, strerror(errno));
            return SP_ERR_IO;
        }
        int rc = sp_ct_write_results(ct, sp_ct_node_name(ct, i), a->types, f);
        if (fclose(f) != 0 && rc == 0)
            rc = SP_ERR_IO;
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Reads the options and sources; returns 0, 2 (usage) or 1 (failure). */
static int parse(int argc, char **argv, struct args *a, struct sp_ct *ct)
{
    int sources = 0;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int left = argc - i - 1;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(o, "--out") == 0 && left >= 1) {
            a->out_dir = argv[++i];
        } else if (strcmp(o, "--node") == 0 && left >= 1) {
            a->node = argv[++i];
        } else if (strcmp(o, "--truth") == 0 && left >= 1) {
            a->truth = argv[++i];
        } else if (strcmp(o, "--types") == 0 && left >= 1) {
            if (sp_key_mask_parse(argv[++i], &a->types) != 0)
                return 2;
        } else if (strcmp(o, "--today") == 0 && left >= 1) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 18500101 || v > 99991231)
                return 2;
            a->today = (int)v;
        } else if (strcmp(o, "--keys") == 0 && left >= 3) {
            if (add_keys_file(ct, argv[i + 1], argv[i + 2], argv[i + 3]) != 0)
                return 1;
            i += 3, sources++;
        } else if (strcmp(o, "--data") == 0 && left >= 4) {
            if (sp_q_load(ct, argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4], a->today) != 0)
                return 1;
            i += 4, sources++;
        } else {
            return 2;
        }
    }
    return sources > 0 && (a->out_dir != NULL) != (a->node != NULL) ? 0 : 2;
}

int main(int argc, char **argv)
{
    struct args a = {NULL, NULL, NULL, SP_KEY_MASK_ALL, today_from_clock()};
    struct sp_ct *ct = NULL;

    if (sp_ct_new(&ct) != 0)
        return 1;
    int rc = parse(argc, argv, &a, ct);
    if (rc == 2)
        usage(stderr);
    if (rc == 0 && write_all(ct, &a) != 0)
        rc = 1;
    if (rc == 0 && a.truth != NULL) {
        struct sp_q_result r;
        if (sp_q_evaluate(ct, a.truth, sp_q_identity_mask() & a.types, SP_CLASS_B, &r) != 0)
            rc = 1;
        else
            sp_q_print(a.node != NULL ? stderr : stdout, "quality", &r);
    }
    sp_ct_free(&ct);
    return rc;
}
