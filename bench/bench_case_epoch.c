/*
 * The own epoch's set-up through the engine (round/case_epoch.c): N distinct
 * values in the simulator's in-memory store, the engine's walk and hash
 * jobs on W worker threads (a small driver here: a job queue, a done
 * queue), from the first tick to version 1 committed; against the
 * single-thread floor of the issue: every value hashed once (H_case,
 * sp_oprf_hash_many in chunks of 2,048 as the engine hashes) and one
 * crypto_scalarmult each.
 *
 *   build/bench/bench_case_epoch [--values N] [--workers W] [--runs R] [--floor-only]
 *
 * Prints the best of R runs of each (interleaved: floor, set-up, floor, ...).
 * --floor-only runs the floor alone, R times, and prints each run's wall
 * time and the CPU time of its thread (bench/bench_case_question.sh takes
 * the floor for a daemon's set-up from it).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/group.h"
#include "crypto/oprf.h"
#include "round/engine.h"
#include "sim_data.h"
#include "sim_store.h"

#define CHUNK 2048

struct driver {
    pthread_mutex_t mu;
    pthread_cond_t queued_cv, done_cv;
    struct sp_job *queued, *queued_tail, *done;
    bool quit;
    unsigned errors;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_case_epoch: %s\n", what);
    exit(1);
}

static void submit(void *ctx, struct sp_job *job)
{
    struct driver *d = ctx;
    pthread_mutex_lock(&d->mu);
    job->next = NULL;
    if (d->queued_tail)
        d->queued_tail->next = job;
    else
        d->queued = job;
    d->queued_tail = job;
    pthread_cond_signal(&d->queued_cv);
    pthread_mutex_unlock(&d->mu);
}

static void *worker(void *arg)
{
    struct driver *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->queued && !d->quit)
            pthread_cond_wait(&d->queued_cv, &d->mu);
        if (d->quit)
            break;
        struct sp_job *j = d->queued;
        d->queued = j->next;
        if (!d->queued)
            d->queued_tail = NULL;
        pthread_mutex_unlock(&d->mu);
        j->run(j);
        j->ran = true;
        pthread_mutex_lock(&d->mu);
        j->next = d->done;
        d->done = j;
        pthread_cond_signal(&d->done_cv);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void log_line(void *ctx, int level, const char *line)
{
    struct driver *d = ctx;
    if (level == SP_ENGINE_LOG_ERROR) {
        d->errors++;
        fprintf(stderr, "%s\n", line);
    }
}

static struct sp_engine_now now_engine(void)
{
    struct timespec m, w;
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_REALTIME, &w);
    return (struct sp_engine_now){(uint64_t)m.tv_sec * 1000 + (uint64_t)m.tv_nsec / 1000000,
                                  (uint64_t)w.tv_sec * 1000 + (uint64_t)w.tv_nsec / 1000000};
}

/* Seconds from the first tick to version 1 committed. */
static double setup_run(const struct sim_node_data *nd, unsigned workers)
{
    struct driver d = {.queued = NULL};
    struct sim_store st;
    struct sp_engine *e = NULL;
    pthread_t th[64];
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.queued_cv, NULL);
    pthread_cond_init(&d.done_cv, NULL);
    sim_store_init(&st, nd);
    struct sp_engine_config cfg = {.node = "bench",
                                   .workers = workers,
                                   .case_key_mask = SP_KEY_MASK(SP_KEY_BSN),
                                   .round_deadline_s = 60};
    struct sp_engine_ports ports = {.ctx = &d, .submit = submit, .log = log_line};
    sim_store_port(&st, &ports.store);
    for (unsigned i = 0; i < workers; i++)
        pthread_create(&th[i], NULL, worker, &d);
    if (sp_engine_new(&cfg, &ports, now_engine(), &e) != 0)
        die("engine");
    double t0 = now_s();
    sp_engine_tick(e, now_engine());
    while (st.cases.meta.version == 0 && d.errors == 0) {
        pthread_mutex_lock(&d.mu);
        while (!d.done)
            pthread_cond_wait(&d.done_cv, &d.mu);
        struct sp_job *list = d.done;
        d.done = NULL;
        pthread_mutex_unlock(&d.mu);
        while (list) {
            struct sp_job *j = list;
            list = list->next;
            sp_engine_job_done(e, j, now_engine());
        }
    }
    double t = now_s() - t0;
    if (d.errors || st.cases.n != nd->nkeys)
        die("set-up");
    pthread_mutex_lock(&d.mu);
    d.quit = true;
    pthread_cond_broadcast(&d.queued_cv);
    pthread_mutex_unlock(&d.mu);
    for (unsigned i = 0; i < workers; i++)
        pthread_join(th[i], NULL);
    sp_engine_free(&e);
    sim_store_free(&st);
    return t;
}

/* One thread: every value hashed once, one crypto_scalarmult each. Wall
 * seconds; *cpu (if not NULL) gets the thread's CPU seconds. */
static double floor_run(const struct sim_node_data *nd, double *cpu)
{
    uint8_t scalar[32], *vals = malloc((size_t)CHUNK * SIM_VALUE_MAX);
    uint8_t *elems = malloc((size_t)CHUNK * 32), out[32];
    uint32_t offs[CHUNK + 1];
    if (!vals || !elems)
        die("memory");
    randombytes_buf(scalar, sizeof(scalar));
    double c0 = thread_cpu_s(), t0 = now_s();
    for (size_t at = 0; at < nd->nkeys; at += CHUNK) {
        size_t n = nd->nkeys - at < CHUNK ? nd->nkeys - at : CHUNK;
        offs[0] = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(vals + offs[i], nd->keys[at + i].value, nd->keys[at + i].len);
            offs[i + 1] = offs[i] + nd->keys[at + i].len;
        }
        if (sp_oprf_hash_many(elems, SP_KEY_BSN, vals, offs, n) != 0)
            die("hash");
        for (size_t i = 0; i < n; i++)
            if (crypto_scalarmult(out, scalar, elems + 32 * i) != 0)
                die("scalarmult");
    }
    double t = now_s() - t0;
    if (cpu)
        *cpu = thread_cpu_s() - c0;
    free(vals);
    free(elems);
    return t;
}

int main(int argc, char **argv)
{
    size_t nvals = 100000;
    unsigned workers = 2, runs = 3;
    bool floor_only = false, bad = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--floor-only") == 0)
            floor_only = true;
        else if (i + 1 >= argc)
            bad = true;
        else if (strcmp(argv[i], "--values") == 0)
            nvals = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--workers") == 0)
            workers = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = (unsigned)strtoul(argv[++i], NULL, 10);
        else
            bad = true;
    }
    if (bad || nvals == 0 || workers == 0 || workers > 64 || runs == 0 || sp_crypto_init() != 0)
        die("usage: bench_case_epoch [--values N] [--workers 1..64] [--runs R] [--floor-only]");
    struct sim_node_data nd = {.keys = calloc(nvals, sizeof(struct sim_key)), .nkeys = nvals};
    if (!nd.keys)
        die("memory");
    for (size_t i = 0; i < nvals; i++) {
        struct sim_key *k = &nd.keys[i];
        k->type = SP_KEY_BSN;
        k->len = (uint8_t)snprintf((char *)k->value, SIM_VALUE_MAX, "%09zu", i * 7919 % 1000000007);
        snprintf(k->record_id, sizeof(k->record_id), "r%zu", i);
    }
    sim_data_sort(&nd);
    if (floor_only) {
        /* one line per run: "floor VALUES WALL_S CPU_S" */
        for (unsigned r = 0; r < runs; r++) {
            double cpu = 0, wall = floor_run(&nd, &cpu);
            printf("floor %zu %.3f %.3f\n", nvals, wall, cpu);
            fflush(stdout);
        }
        free(nd.keys);
        return 0;
    }
    double best_floor = 0, best_setup = 0;
    for (unsigned r = 0; r < runs; r++) {
        double f = floor_run(&nd, NULL), s = setup_run(&nd, workers);
        printf("  run %u: floor %.2f s, set-up %.2f s\n", r + 1, f, s);
        best_floor = r == 0 || f < best_floor ? f : best_floor;
        best_setup = r == 0 || s < best_setup ? s : best_setup;
    }
    printf("own epoch set-up of %zu values through the engine, %u workers, best of %u:\n", nvals,
           workers, runs);
    printf("  set-up (walk, hash, evaluate, fingerprint, store)  %8.2f s wall\n", best_setup);
    printf("  floor, one thread (hash once + crypto_scalarmult)  %8.2f s\n", best_floor);
    printf("  set-up / floor                                     %8.3f\n", best_setup / best_floor);
    printf("  set-up x workers / floor                           %8.3f\n",
           best_setup * workers / best_floor);
    free(nd.keys);
    return 0;
}
