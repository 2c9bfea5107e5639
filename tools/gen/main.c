/*
 * snijpunt-gen: a deterministic synthetic Dutch population and the exports of
 * five agencies that know parts of it, in the layouts of ../shared/data/nl-synth.
 * The same arguments give byte-identical output on every run and machine.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "export.h"

struct gen_args {
    const char *out;
    uint64_t persons, companies, seed, network;
    int have_companies, have_network, quiet;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: snijpunt-gen --out DIR [--persons N] [--companies M] [--seed S]\n"
            "                    [--network K] [--quiet]\n\n"
            "Writes DIR/<node>/<dataset>.csv for gemeente-utrecht, politie-mn,\n"
            "belastingdienst, om and riec-mn, and DIR/truth.csv\n"
            "(agency,dataset,record_id,subject_id). All values are synthetic.\n"
            "  --persons N    population size (default 60000, at most %llu)\n"
            "  --companies M  number of companies (default N/10, at least 1)\n"
            "  --seed S       seed (default 1); same seed, same bytes\n"
            "  --network K    persons of the case, known at most nodes (default N/240)\n"
            "  --quiet        no summary on stderr\n",
            (unsigned long long)SP_GEN_MAX_PERSONS);
}

static int parse_u64(const char *name, const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (s[0] < '0' || s[0] > '9') {
        fprintf(stderr, "snijpunt-gen: %s needs a non-negative number\n", name);
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        fprintf(stderr, "snijpunt-gen: %s: not a number: %s\n", name, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct gen_args *a)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"persons", required_argument, NULL, 'p'},
                                         {"companies", required_argument, NULL, 'c'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"network", required_argument, NULL, 'n'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch, rc = 0;
    memset(a, 0, sizeof(*a));
    a->persons = 60000;
    a->seed = 1;
    while (rc == 0 && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            a->out = optarg;
            break;
        case 'p':
            rc = parse_u64("--persons", optarg, &a->persons);
            break;
        case 'c':
            a->have_companies = 1;
            rc = parse_u64("--companies", optarg, &a->companies);
            break;
        case 's':
            rc = parse_u64("--seed", optarg, &a->seed);
            break;
        case 'n':
            a->have_network = 1;
            rc = parse_u64("--network", optarg, &a->network);
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'h':
            return 1;
        default:
            return -1;
        }
    }
    if (rc == 0 && optind != argc) {
        fprintf(stderr, "snijpunt-gen: unexpected argument: %s\n", argv[optind]);
        return -1;
    }
    return rc;
}

static int check_args(struct gen_args *a)
{
    if (!a->out || !*a->out) {
        fprintf(stderr, "snijpunt-gen: --out DIR is required\n");
        return -1;
    }
    if (!a->have_companies)
        a->companies = a->persons >= 10 ? a->persons / 10 : 1;
    if (!a->have_network)
        a->network = a->persons / 240;
    if (a->persons < 4 || a->persons > SP_GEN_MAX_PERSONS) {
        fprintf(stderr, "snijpunt-gen: --persons must be 4..%llu\n",
                (unsigned long long)SP_GEN_MAX_PERSONS);
        return -1;
    }
    if (a->companies < 1 || a->companies > SP_GEN_MAX_COMPANIES) {
        fprintf(stderr, "snijpunt-gen: --companies must be 1..%llu\n",
                (unsigned long long)SP_GEN_MAX_COMPANIES);
        return -1;
    }
    if (a->network > a->persons) {
        fprintf(stderr, "snijpunt-gen: --network cannot exceed --persons\n");
        return -1;
    }
    return 0;
}

/* mkdir -p: creates every missing component of path. */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        fprintf(stderr, "snijpunt-gen: path too long: %s\n", path);
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "snijpunt-gen: cannot create %s: %s\n", buf, strerror(errno));
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

static int generate(struct sp_gen_out *o)
{
    typedef int (*exporter)(struct sp_gen_out *);
    static const exporter exporters[] = {
        sp_gen_export_gemeente,
        sp_gen_export_politie_personen,
        sp_gen_export_politie_bedrijven,
        sp_gen_export_belasting_personen,
        sp_gen_export_belasting_ondernemingen,
        sp_gen_export_om,
        sp_gen_export_kvk_inschrijvingen,
        sp_gen_export_kvk_functionarissen,
    };
    static const struct sp_gen_csv_style style = {',', false, false, false};
    char path[4096];
    snprintf(path, sizeof(path), "%s/truth.csv", o->dir);
    if (sp_gen_csv_open(&o->truth, path, &style, "agency,dataset,record_id,subject_id") != 0) {
        fprintf(stderr, "snijpunt-gen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sizeof(exporters) / sizeof(exporters[0]); k++)
        rc = exporters[k](o);
    if (sp_gen_csv_close(&o->truth) != 0 && rc == 0) {
        fprintf(stderr, "snijpunt-gen: writing %s failed: %s\n", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct gen_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        usage(rc > 0 ? stdout : stderr);
        return rc > 0 ? 0 : 2;
    }
    if (check_args(&a) != 0)
        return 2;
    if (make_dirs(a.out) != 0)
        return 1;
    struct sp_gen_world w;
    uint64_t net_companies = a.network * 6 / 25 + (a.network > 0);
    if (net_companies > a.companies)
        net_companies = a.companies;
    sp_gen_world_init(&w, a.seed, a.persons, a.companies, a.network, net_companies);
    struct sp_gen_out o = {.w = &w, .dir = a.out, .quiet = a.quiet};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!a.quiet)
        fprintf(stderr,
                "snijpunt-gen: seed %llu, %llu persons, %llu companies, case of %llu+%llu\n",
                (unsigned long long)a.seed, (unsigned long long)a.persons,
                (unsigned long long)a.companies, (unsigned long long)a.network,
                (unsigned long long)net_companies);
    if (generate(&o) != 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!a.quiet)
        fprintf(stderr, "snijpunt-gen: %llu records in %.2f s -> %s\n",
                (unsigned long long)o.truth.rows,
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, a.out);
    return 0;
}
