/*
 * sim-campaign: runs seeded schedules of the round simulator and prints the
 * figures (README.md). SP_SIM_SEED=<seed> replays one schedule verbosely.
 *
 *   sim-campaign [--count N] [--base SEED] [--procs P] [--seeds FILE] [--max-seconds S]
 *                [--stress] [--kind round|case]
 *
 * Seeds: those of FILE (one a line, # comments), then with --count (or
 * without FILE) base .. base + N - 1; split over P processes (default 2).
 *
 * --kind runs only the seeds of one kind (the others are skipped, not
 * counted).
 *
 * Exits 1 when a schedule ended wrong, stuck, with a privacy violation or
 * with a failure no fault explains (each printed with its seed).
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "sim_net.h"

#define MAX_CLASSES 96
#define MAX_BAD     32

struct stats {
    uint64_t schedules, outcome[SIM_OUT_COUNT];
    uint64_t by_fault[SIM_FAULT_COUNT], fired[SIM_FAULT_COUNT];
    uint64_t failed_by_fault[SIM_FAULT_COUNT], done_by_fault[SIM_FAULT_COUNT];
    uint64_t by_mode[5], by_nodes[SIM_MAX_NODES + 1], two_rounds;
    uint64_t sim_ms, messages, events, skipped;
    uint64_t slow_over, slow_max_s; /* fault slow: rounds longer than 30 s, the longest */
    char cls[MAX_CLASSES][96];
    uint64_t cls_n[MAX_CLASSES];
    uint64_t bad[MAX_BAD];
    unsigned nbad;
};

static void add_class(struct stats *st, const char *c, uint64_t n)
{
    for (unsigned i = 0; i < MAX_CLASSES; i++) {
        if (st->cls[i][0] == '\0')
            snprintf(st->cls[i], sizeof(st->cls[i]), "%s", c);
        if (strcmp(st->cls[i], c) == 0) {
            st->cls_n[i] += n;
            return;
        }
    }
}

static void account(struct stats *st, const struct sim_result *r)
{
    st->schedules++;
    st->outcome[r->outcome]++;
    st->by_fault[r->fault]++;
    st->fired[r->fault] += r->fired;
    if (r->outcome == SIM_OUT_FAILED) {
        char key[96];
        st->failed_by_fault[r->fault]++;
        snprintf(key, sizeof(key), "%s: %s", sim_fault_name(r->fault), r->reason_class);
        add_class(st, key, 1);
    }
    if (r->outcome == SIM_OUT_DONE)
        st->done_by_fault[r->fault]++;
    st->by_mode[r->mode <= 4 ? r->mode : 0]++;
    st->two_rounds += r->rounds > 1;
    st->by_nodes[r->nodes <= SIM_MAX_NODES ? r->nodes : 0]++;
    st->sim_ms += r->sim_ms;
    if (r->fault == SIM_FAULT_SLOW) {
        st->slow_over += r->round_s > 30;
        st->slow_max_s = r->round_s > st->slow_max_s ? r->round_s : st->slow_max_s;
    }
    st->messages += r->messages;
    st->events += r->events;
    if (r->outcome >= SIM_OUT_WRONG && st->nbad < MAX_BAD)
        st->bad[st->nbad++] = r->seed;
}

static void merge(struct stats *a, const struct stats *b)
{
    a->schedules += b->schedules;
    for (int i = 0; i < SIM_OUT_COUNT; i++)
        a->outcome[i] += b->outcome[i];
    for (int i = 0; i < SIM_FAULT_COUNT; i++) {
        a->by_fault[i] += b->by_fault[i];
        a->fired[i] += b->fired[i];
        a->failed_by_fault[i] += b->failed_by_fault[i];
        a->done_by_fault[i] += b->done_by_fault[i];
    }
    for (int i = 0; i < 5; i++)
        a->by_mode[i] += b->by_mode[i];
    a->two_rounds += b->two_rounds;
    for (int i = 0; i <= SIM_MAX_NODES; i++)
        a->by_nodes[i] += b->by_nodes[i];
    a->sim_ms += b->sim_ms;
    a->slow_over += b->slow_over;
    a->slow_max_s = b->slow_max_s > a->slow_max_s ? b->slow_max_s : a->slow_max_s;
    a->messages += b->messages;
    a->events += b->events;
    a->skipped += b->skipped;
    for (unsigned i = 0; i < MAX_CLASSES && b->cls[i][0]; i++)
        add_class(a, b->cls[i], b->cls_n[i]);
    for (unsigned i = 0; i < b->nbad && a->nbad < MAX_BAD; i++)
        a->bad[a->nbad++] = b->bad[i];
}

static struct sim_options run_opt;
static int run_kind; /* 0 every schedule; 1 round schedules only; 2 case questions only */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs seeds[from, to) (or base + i when seeds is NULL) into st. */
static int run_range(const uint64_t *seeds, uint64_t base, uint64_t from, uint64_t to,
                     double deadline, struct stats *st)
{
    for (uint64_t i = from; i < to; i++) {
        struct sim_result r;
        if (deadline > 0 && now_s() > deadline) {
            st->skipped += to - i;
            break;
        }
        uint64_t seed = seeds ? seeds[i] : base + i;
        if (run_kind != 0 && (run_kind == 2) != sim_case_chosen(seed))
            continue; /* not of the kind asked for: not counted */
        if (sim_run(seed, &run_opt, &r) != 0) {
            fprintf(stderr, "seed %" PRIu64 ": the simulator ran out of memory\n",
                    seeds ? seeds[i] : base + i);
            return -1;
        }
        account(st, &r);
    }
    return 0;
}

static void print_stats(const struct stats *st, double wall, unsigned procs)
{
    static const char *const modes[] = {"?", "counts", "threshold", "partners", "case"};
    printf("schedules            %" PRIu64 "\n", st->schedules);
    printf("correct (done)       %" PRIu64 "\n", st->outcome[SIM_OUT_DONE]);
    printf("failed cleanly       %" PRIu64 "\n", st->outcome[SIM_OUT_FAILED]);
    for (int f = 0; f < SIM_FAULT_COUNT; f++)
        if (st->by_fault[f])
            printf("  %-12s schedules %6" PRIu64 "  fired %6" PRIu64 "  done %6" PRIu64
                   "  failed cleanly %6" PRIu64 "\n",
                   sim_fault_name(f), st->by_fault[f], st->fired[f], st->done_by_fault[f],
                   st->failed_by_fault[f]);
    printf("failed cleanly by fault and reason (the first failed node's):\n");
    for (int f = 0; f < SIM_FAULT_COUNT; f++) {
        size_t len = strlen(sim_fault_name(f));
        bool any = false;
        for (unsigned i = 0; i < MAX_CLASSES && st->cls[i][0]; i++) {
            if (strncmp(st->cls[i], sim_fault_name(f), len) != 0 || st->cls[i][len] != ':')
                continue;
            printf("%s %s %" PRIu64, any ? "," : "  ", st->cls[i] + (any ? len + 2 : 0),
                   st->cls_n[i]);
            any = true;
        }
        if (any)
            printf("\n");
    }
    if (st->by_fault[SIM_FAULT_SLOW])
        printf("slow: %" PRIu64 " rounds took longer than the old fixed 30 s (the longest %" PRIu64
               " s)\n",
               st->slow_over, st->slow_max_s);
    printf("wrong                %" PRIu64 " (must be 0)\n", st->outcome[SIM_OUT_WRONG]);
    printf("stuck                %" PRIu64 " (must be 0)\n", st->outcome[SIM_OUT_STUCK]);
    printf("privacy violations   %" PRIu64 " (must be 0)\n", st->outcome[SIM_OUT_PRIVACY]);
    printf("unexplained failures %" PRIu64 " (must be 0)\n", st->outcome[SIM_OUT_UNEXPLAINED]);
    printf("modes               ");
    for (int m = 1; m <= 4; m++)
        printf(" %s %" PRIu64, modes[m], st->by_mode[m]);
    printf(" (first round); schedules with a second round at the same time %" PRIu64,
           st->two_rounds);
    printf("\nnodes               ");
    for (int n = 2; n <= SIM_MAX_NODES; n++)
        printf(" %d:%" PRIu64, n, st->by_nodes[n]);
    printf("\nmessages %" PRIu64 ", events %" PRIu64 ", simulated time %.1f h\n", st->messages,
           st->events, (double)st->sim_ms / 3.6e6);
    if (st->skipped)
        printf("skipped (time limit) %" PRIu64 "\n", st->skipped);
    for (unsigned i = 0; i < st->nbad; i++)
        printf("bad seed %" PRIu64 "\n", st->bad[i]);
    printf("wall time            %.1f s (%u processes)\n", wall, procs);
}

static int read_seeds(const char *path, uint64_t **out, uint64_t *n)
{
    FILE *f = fopen(path, "r");
    char line[256];
    uint64_t cap = 0;
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    *n = 0;
    *out = NULL;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *end;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        uint64_t v = strtoull(line, &end, 10);
        if (end == line)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *g = realloc(*out, cap * sizeof(*g));
            if (g == NULL) {
                fclose(f);
                return -1;
            }
            *out = g;
        }
        (*out)[(*n)++] = v;
    }
    fclose(f);
    return 0;
}

/* Splits [0, total) over procs children; each sends its stats on a pipe. */
static int run_forked(const uint64_t *seeds, uint64_t base, uint64_t total, unsigned procs,
                      double deadline, struct stats *st)
{
    int fds[16];
    pid_t pids[16];
    for (unsigned p = 0; p < procs; p++) {
        int pfd[2];
        if (pipe(pfd) != 0)
            return -1;
        pids[p] = fork();
        if (pids[p] < 0)
            return -1;
        if (pids[p] == 0) {
            static struct stats mine;
            close(pfd[0]);
            uint64_t from = total * p / procs, to = total * (p + 1) / procs;
            int rc = run_range(seeds, base, from, to, deadline, &mine);
            if (write(pfd[1], &mine, sizeof(mine)) != (ssize_t)sizeof(mine))
                rc = -1;
            _exit(rc == 0 ? 0 : 2);
        }
        close(pfd[1]);
        fds[p] = pfd[0];
    }
    int rc = 0;
    for (unsigned p = 0; p < procs; p++) {
        static struct stats theirs;
        int status;
        if (read(fds[p], &theirs, sizeof(theirs)) != (ssize_t)sizeof(theirs))
            rc = -1;
        else
            merge(st, &theirs);
        close(fds[p]);
        if (waitpid(pids[p], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "sim-campaign: process %u of %u %s %d: its schedules are not counted\n",
                    p + 1, procs, WIFSIGNALED(status) ? "died of signal" : "exited with",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            rc = -1;
        }
    }
    return rc;
}

/* What the command line asks for. */
struct args {
    uint64_t count, base, nseeds, *seeds;
    unsigned procs;
    double max_s;
    bool counted;
};

/* Parses argv into a; returns 0 or -1 (usage printed). */
static int parse_args(int argc, char **argv, struct args *a)
{
    *a = (struct args){.count = 10000, .base = 1, .procs = 2};
    for (int i = 1; i < argc; i++) {
        bool more = i + 1 < argc;
        if (strcmp(argv[i], "--count") == 0 && more) {
            a->count = strtoull(argv[++i], NULL, 10);
            a->counted = true;
        } else if (strcmp(argv[i], "--base") == 0 && more) {
            a->base = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--procs") == 0 && more) {
            a->procs = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--kind") == 0 && more) {
            const char *k = argv[++i];
            run_kind = strcmp(k, "round") == 0 ? 1 : strcmp(k, "case") == 0 ? 2 : -1;
            if (run_kind < 0) {
                fprintf(stderr, "sim-campaign: --kind round or --kind case\n");
                return -1;
            }
        } else if (strcmp(argv[i], "--stress") == 0) {
            run_opt.stress = true;
        } else if (strcmp(argv[i], "--max-seconds") == 0 && more) {
            a->max_s = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--seeds") == 0 && more) {
            if (read_seeds(argv[++i], &a->seeds, &a->nseeds) != 0)
                return -1;
        } else {
            fprintf(stderr, "usage: sim-campaign [--count N] [--base SEED] [--procs P] "
                            "[--seeds FILE] [--max-seconds S] [--stress] [--kind round|case]\n");
            return -1;
        }
    }
    if (a->procs < 1 || a->procs > 16)
        a->procs = 1;
    if (a->nseeds == 0)
        return 0;
    /* the seeds of the file, then base .. base + count - 1 (with --count) */
    uint64_t extra = a->counted ? a->count : 0;
    uint64_t *all = realloc(a->seeds, (a->nseeds + extra) * sizeof(*all));
    if (all == NULL)
        return -1;
    for (uint64_t i = 0; i < extra; i++)
        all[a->nseeds + i] = a->base + i;
    a->seeds = all;
    a->count = a->nseeds + extra;
    return 0;
}

/* SP_SIM_SEED: one schedule, verbose. */
static int replay(const char *seed)
{
    const char *stress = getenv("SP_SIM_STRESS");
    struct sim_options o = {.verbose = true,
                            .out = stdout,
                            .log_lines = 400,
                            .stress = stress != NULL && *stress == '1'};
    struct sim_result r;
    if (sim_run(strtoull(seed, NULL, 0), &o, &r) != 0)
        return 2;
    return r.outcome <= SIM_OUT_FAILED ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct stats st;
    struct args a;

    if (sim_init() != 0) {
        fprintf(stderr, "sim-campaign: libsodium did not start\n");
        return 2;
    }
    const char *one = getenv("SP_SIM_SEED");
    if (one != NULL && *one != '\0')
        return replay(one);
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    double t0 = now_s();
    double deadline = a.max_s > 0 ? t0 + a.max_s : 0;
    bool forked = a.procs > 1 && a.count >= a.procs;
    int rc = forked ? run_forked(a.seeds, a.base, a.count, a.procs, deadline, &st)
                    : run_range(a.seeds, a.base, 0, a.count, deadline, &st);
    print_stats(&st, now_s() - t0, forked ? a.procs : 1);
    free(a.seeds);
    if (rc != 0)
        return 2;
    uint64_t bad = st.outcome[SIM_OUT_WRONG] + st.outcome[SIM_OUT_STUCK] +
                   st.outcome[SIM_OUT_PRIVACY] + st.outcome[SIM_OUT_UNEXPLAINED];
    return bad > 0 ? 1 : 0;
}
