/*
 * bench_store [N] [DIR]: loads N records (default 1,000,000) with three keys
 * each (a unique BSN-like value, a unique name+date value, and an address
 * value shared by many) into a fresh store in DIR (default a temporary
 * directory, removed afterwards), then times one pass over the key index and
 * the distinct-value count. Prints wall times, rates, the store's size on
 * disk and peak RSS. Values are synthetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/keytype.h"
#include "daemon/store.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int count_pair(void *ctx, const struct sp_keyref *ref)
{
    (void)ref;
    ++*(size_t *)ctx;
    return 0;
}

static int load(struct sp_store *s, size_t n)
{
    struct sp_store_load *l = NULL;
    char id[32], v1[32], v2[64], v3[64];
    int err = sp_store_load_begin(s, "bench", &l);
    for (size_t i = 0; !err && i < n; i++) {
        snprintf(id, sizeof id, "REC%09zu", i);
        int a = snprintf(v1, sizeof v1, "%09zu", (i * 2654435761u) % 1000000000u);
        int b = snprintf(v2, sizeof v2, "jansen|pieter|%08zu", (i * 7919) % n);
        int c = snprintf(v3, sizeof v3, "1234AB|%zu|19%02zu0101", i % 500, i % 100);
        struct sp_store_key k[3] = {{SP_KEY_BSN, SP_CLASS_A, (uint16_t)a, v1},
                                    {SP_KEY_NAME_DOB, SP_CLASS_B, (uint16_t)b, v2},
                                    {SP_KEY_ADDR_DOB, SP_CLASS_C, (uint16_t)c, v3}};
        err = sp_store_load_put(l, id, k, 3);
    }
    struct sp_dataset_info info = {.records = n, .keys = 3 * n};
    if (!err)
        return sp_store_load_commit(&l, &info, NULL);
    sp_store_load_abort(&l);
    return err;
}

/* Current anonymous and file-backed resident memory, in MB. */
static void rss_now(long *anon_mb, long *file_mb)
{
    char line[256];
    long kb;
    FILE *f = fopen("/proc/self/status", "re");
    *anon_mb = *file_mb = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
            *anon_mb = kb / 1024;
        else if (sscanf(line, "RssFile: %ld kB", &kb) == 1)
            *file_mb = kb / 1024;
    }
    if (f)
        fclose(f);
}

static void cleanup(const char *dir)
{
    const char *files[] = {"state.mdb", "state.mdb-lock", "lock"};
    char p[4200];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    char tmp[] = "/tmp/sp-bench-store-XXXXXX";
    const char *dir = argc > 2 ? argv[2] : mkdtemp(tmp);
    struct sp_store *s = NULL;
    size_t pairs = 0;
    uint64_t d[SP_KEY_TYPE_COUNT];
    struct stat st;
    struct rusage ru;
    if (!dir || n == 0 || sp_store_open(dir, 0, &s) != 0)
        return 1;
    double t0 = now_s();
    int err = load(s, n);
    double t1 = now_s();
    if (!err)
        err = sp_store_keys_foreach(s, SP_KEY_MASK_ALL, count_pair, &pairs);
    double t2 = now_s();
    if (!err)
        err = sp_store_keys_distinct(s, SP_KEY_MASK_ALL, d);
    double t3 = now_s();
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, SP_STORE_FILE_NAME);
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_blocks * 512 : -1;
    getrusage(RUSAGE_SELF, &ru);
    long anon = 0, file = 0;
    rss_now(&anon, &file);
    sp_store_close(&s);
    if (argc <= 2)
        cleanup(dir);
    if (err) {
        fprintf(stderr, "bench_store: %s\n", sp_strerror(err));
        return 1;
    }
    printf("store load: %zu records x 3 keys in %.2f s (%.0f records/s)\n", n, t1 - t0,
           (double)n / (t1 - t0));
    printf("key index pass: %zu pairs in %.3f s (%.0f pairs/s)\n", pairs, t2 - t1,
           (double)pairs / (t2 - t1));
    printf("distinct values: bsn %llu, name_dob %llu, addr_dob %llu in %.3f s\n",
           (unsigned long long)d[SP_KEY_BSN], (unsigned long long)d[SP_KEY_NAME_DOB],
           (unsigned long long)d[SP_KEY_ADDR_DOB], t3 - t2);
    printf("store on disk: %.1f MB (%.0f bytes per key, staging not yet collected)\n",
           (double)bytes / 1e6, (double)bytes / (3.0 * (double)n));
    printf("peak RSS %ld MB; now %ld MB anonymous, %ld MB of mapped store pages\n",
           ru.ru_maxrss / 1024, anon, file);
    return 0;
}
