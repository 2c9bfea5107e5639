/*
 * cleartext-link: what a private round over the same keys must give,
 * computed in the clear (tests/linkage/README.md): the one cleartext oracle
 * of the integration tests. Reads per node the keys of its datasets, either
 * `snijpunt keys` CSV files or exports with their mapping files, and writes
 * per node the results CSV (dataset,record_id,entity,partner,key_types,class)
 * of a partners or threshold round with k holders, sorted, and the incidence
 * histogram the coordinator sees.
 */
#include <errno.h>
#include <stdbool.h>
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
            "usage: cleartext-link [--out DIR | --node NAME] [--mode partners|threshold]\n"
            "                      [--min-holders K] [--types LIST] [--today YYYYMMDD]\n"
            "                      [--counts FILE [--participants LIST] [--suppress-below N]]\n"
            "                      [--truth FILE] SOURCE...\n"
            "SOURCE is one of\n"
            "  --keys NODE DATASET FILE          a `snijpunt keys` CSV file\n"
            "  --data NODE DATASET MAPPING FILE  an export and its mapping file\n\n"
            "Links every record to the other nodes holding any of its keys that at\n"
            "least K nodes hold (default 2; all classes) and writes the expected round\n"
            "results, one CSV per node:\n"
            "  dataset,record_id,entity,partner,key_types,class\n"
            "sorted bytewise. --out DIR writes DIR/<node>.csv for every node; --node NAME\n"
            "writes that node's results to standard output. --mode threshold: one line\n"
            "per own record and entity with partner \"*\". --types restricts the key\n"
            "types (as the round's key types; default all). --counts writes the\n"
            "incidence histogram (\"-\": standard output) as lines\n"
            "  KEY_TYPE HOLDER+HOLDER COUNT\n"
            "holders in the order of --participants (default: as first seen), cells\n"
            "below N left out. --truth prints precision and recall against a truth.csv\n"
            "(A/B identity keys; counts only). The output holds record ids, not key values.\n");
}

struct args {
    const char *out_dir, *node, *truth, *counts;
    uint32_t types;
    long long today, min_holders, suppress_below;
    bool threshold;
    char *participants[SP_CT_MAX_NODES];
    size_t nparticipants;
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

static int write_counts(struct sp_ct *ct, const struct args *a)
{
    bool std = strcmp(a->counts, "-") == 0;
    FILE *f = std ? stdout : fopen(a->counts, "w");
    if (f == NULL) {
        fprintf(stderr, "cleartext-link: %s: %s\n", a->counts, strerror(errno));
        return SP_ERR_IO;
    }
    int rc = sp_ct_write_counts(ct, a->types,
                                a->nparticipants > 0 ? (const char *const *)a->participants : NULL,
                                a->nparticipants, (uint64_t)a->suppress_below, f);
    if (rc == SP_ERR_INVALID_ARG)
        fprintf(stderr, "cleartext-link: --participants must name every node once\n");
    if (!std && fclose(f) != 0 && rc == 0)
        rc = SP_ERR_IO;
    return rc;
}

static int write_all(struct sp_ct *ct, const struct args *a)
{
    struct sp_ct_round r = {a->types, (unsigned)a->min_holders, a->threshold ? "*" : NULL};

    if (a->counts != NULL && write_counts(ct, a) != 0)
        return SP_ERR_IO;
    if (a->node != NULL) {
        int rc = sp_ct_write_results(ct, a->node, &r, stdout);
        if (rc == SP_ERR_NOT_FOUND)
            fprintf(stderr, "cleartext-link: no keys of node %s were read\n", a->node);
        return rc;
    }
    if (a->out_dir == NULL)
        return 0;
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
        int rc = sp_ct_write_results(ct, sp_ct_node_name(ct, i), &r, f);
        if (fclose(f) != 0 && rc == 0)
            rc = SP_ERR_IO;
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A whole number in [min, max] into *out: 0, or 2 (a usage error). */
static int number(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
        return 2;
    *out = v;
    return 0;
}

/* Splits a comma-separated list of names into a->participants; 0 or -1. */
static int parse_participants(char *list, struct args *a)
{
    for (char *p = list, *next; p != NULL; p = next) {
        next = strchr(p, ',');
        if (next != NULL)
            *next++ = '\0';
        if (*p == '\0' || a->nparticipants == SP_CT_MAX_NODES)
            return -1;
        a->participants[a->nparticipants++] = p;
    }
    return 0;
}

/* An option with one value: 0 when taken, 2 when the value is bad, -1 when o
 * is no such option. */
static int value_option(const char *o, char *v, struct args *a)
{
    if (strcmp(o, "--out") == 0)
        a->out_dir = v;
    else if (strcmp(o, "--node") == 0)
        a->node = v;
    else if (strcmp(o, "--truth") == 0)
        a->truth = v;
    else if (strcmp(o, "--counts") == 0)
        a->counts = v;
    else if (strcmp(o, "--types") == 0)
        return sp_key_mask_parse(v, &a->types) == 0 ? 0 : 2;
    else if (strcmp(o, "--participants") == 0)
        return parse_participants(v, a) == 0 ? 0 : 2;
    else if (strcmp(o, "--today") == 0)
        return number(v, 18500101, 99991231, &a->today);
    else if (strcmp(o, "--min-holders") == 0)
        return number(v, 1, SP_CT_MAX_NODES, &a->min_holders);
    else if (strcmp(o, "--suppress-below") == 0)
        return number(v, 0, INT64_MAX, &a->suppress_below);
    else if (strcmp(o, "--mode") == 0 && strcmp(v, "partners") == 0)
        a->threshold = false;
    else if (strcmp(o, "--mode") == 0 && strcmp(v, "threshold") == 0)
        a->threshold = true;
    else if (strcmp(o, "--mode") == 0)
        return 2;
    else
        return -1;
    return 0;
}

/* Rows to a directory or to standard output, or only the histogram; not
 * two things on standard output. Returns 0 or 2. */
static int check_outputs(const struct args *a, int sources)
{
    if (sources == 0 || (a->out_dir != NULL && a->node != NULL))
        return 2;
    if (a->out_dir == NULL && a->node == NULL && a->counts == NULL)
        return 2;
    if (a->node != NULL && a->counts != NULL && strcmp(a->counts, "-") == 0)
        return 2;
    return 0;
}

/* Reads the options and sources; returns 0, 2 (usage) or 1 (failure). */
static int parse(int argc, char **argv, struct args *a, struct sp_ct *ct)
{
    int sources = 0;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int left = argc - i - 1, rc;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(o, "--keys") == 0 && left >= 3) {
            if (add_keys_file(ct, argv[i + 1], argv[i + 2], argv[i + 3]) != 0)
                return 1;
            i += 3, sources++;
        } else if (strcmp(o, "--data") == 0 && left >= 4) {
            if (sp_q_load(ct, argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4], (int)a->today) !=
                0)
                return 1;
            i += 4, sources++;
        } else if (left >= 1 && (rc = value_option(o, argv[i + 1], a)) >= 0) {
            if (rc != 0)
                return rc;
            i++;
        } else {
            return 2;
        }
    }
    return check_outputs(a, sources);
}

int main(int argc, char **argv)
{
    struct args a = {.types = SP_KEY_MASK_ALL, .today = today_from_clock(), .min_holders = 2};
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
