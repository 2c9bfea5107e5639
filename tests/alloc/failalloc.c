/* The allocation wrapper and the torture loop; see failalloc.h. */
#include "failalloc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"

/* Bounds the loop: no operation here makes anywhere near this many. */
#define FA_MAX_RUNS 200000

/* The linker sends the program's and the static libraries' calls here
 * (--wrap=NAME: NAME -> __wrap_NAME, __real_NAME -> the real NAME, which in
 * the sanitizer build is the sanitizer's interceptor, so ASan/LSan still see
 * every block). */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);

static struct {
    bool armed, persistent;
    int paused;
    uint64_t fail_at, calls, injected;
    int64_t live;
} fa;

static struct {
    unsigned ops;
    uint64_t runs, injected;
} total;

void fa_arm(uint64_t n, bool persistent)
{
    fa.armed = true;
    fa.persistent = persistent;
    fa.paused = 0;
    fa.fail_at = n;
    fa.calls = 0;
    fa.injected = 0;
}

void fa_disarm(void)
{
    fa.armed = false;
}

void fa_pause(void)
{
    fa.paused++;
}

void fa_resume(void)
{
    fa.paused--;
}

uint64_t fa_calls(void)
{
    return fa.calls;
}

uint64_t fa_injected(void)
{
    return fa.injected;
}

int64_t fa_live(void)
{
    return fa.live;
}

/* Counts one allocation call; true when it is to fail. */
static bool should_fail(void)
{
    if (!fa.armed || fa.paused > 0)
        return false;
    uint64_t i = fa.calls++;
    if (i == fa.fail_at || (fa.persistent && i > fa.fail_at)) {
        fa.injected++;
        errno = ENOMEM;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = __real_malloc(n);
    fa.live += p != NULL;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = __real_calloc(n, size);
    fa.live += p != NULL;
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (p != NULL && n == 0) { /* a free in disguise: never failed */
        void *q = __real_realloc(p, n);
        fa.live -= q == NULL;
        return q;
    }
    if (should_fail())
        return NULL; /* p stays valid, as with a real failure */
    void *q = __real_realloc(p, n);
    fa.live += p == NULL && q != NULL;
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (should_fail())
        return NULL;
    char *p = __real_strdup(s);
    fa.live += p != NULL;
    return p;
}

void __wrap_free(void *p)
{
    fa.live -= p != NULL;
    __real_free(p);
}

static bool allowed(const struct fa_op *op, int rc)
{
    for (size_t i = 0; i < op->nallowed; i++)
        if (op->allowed[i] == rc)
            return true;
    return false;
}

/* One run with allocation n failing; returns the failures injected. */
static uint64_t run_once(const struct fa_op *op, uint64_t n, bool persistent)
{
    int64_t live = fa_live();
    fa_arm(n, persistent);
    int rc = op->run(op->ctx);
    uint64_t injected = fa_injected();
    fa_disarm();
    if (fa_live() != live)
        fail_msg("%s: allocation %llu failing%s: %lld block(s) leaked (rc %s)", op->name,
                 (unsigned long long)n, persistent ? " (and all after)" : "",
                 (long long)(fa_live() - live), sp_errname(rc));
    if (injected == 0 && rc != 0)
        fail_msg("%s: failed with %s without an injected failure", op->name, sp_errname(rc));
    if (injected > 0 && rc != 0 && !allowed(op, rc))
        fail_msg("%s: allocation %llu failing%s: returned %s, not a documented code", op->name,
                 (unsigned long long)n, persistent ? " (and all after)" : "", sp_errname(rc));
    return injected;
}

void fa_torture(const struct fa_op *op, struct fa_result *res)
{
    struct fa_result r = {0};
    int64_t live = fa_live();

    fa_arm(UINT64_MAX, false);
    int rc = op->run(op->ctx);
    r.allocs = fa_calls();
    fa_disarm();
    if (rc != 0)
        fail_msg("%s: fails without injected failures: %s", op->name, sp_errname(rc));
    assert_int_equal(fa_live(), live);
    if (r.allocs == 0)
        fail_msg("%s: makes no allocation: nothing to inject (use fa_no_alloc)", op->name);
    for (int mode = 0; mode < 2; mode++) {
        for (uint64_t n = 0;; n++) {
            if (n >= FA_MAX_RUNS)
                fail_msg("%s: more than %d allocations", op->name, FA_MAX_RUNS);
            uint64_t k = run_once(op, n, mode == 1);
            if (k == 0)
                break;
            r.runs++;
            r.injected += k;
        }
    }
    /* A loop that injected nothing would pass whatever the code does. */
    assert_true(r.runs >= 2 * r.allocs);
    assert_true(r.injected >= r.runs);
    printf("[ alloc    ] %-40s %6llu allocations, %6llu runs, %7llu injected failures\n", op->name,
           (unsigned long long)r.allocs, (unsigned long long)r.runs,
           (unsigned long long)r.injected);
    total.ops++;
    total.runs += r.runs;
    total.injected += r.injected;
    if (res != NULL)
        *res = r;
}

void fa_no_alloc(const struct fa_op *op)
{
    int64_t live = fa_live();
    fa_arm(0, true);
    int rc = op->run(op->ctx);
    uint64_t calls = fa_calls();
    fa_disarm();
    if (calls != 0 || rc != 0)
        fail_msg("%s: documented not to allocate, made %llu allocation call(s) (rc %s)", op->name,
                 (unsigned long long)calls, sp_errname(rc));
    assert_int_equal(fa_live(), live);
    printf("[ alloc    ] %-40s no allocation (as documented)\n", op->name);
}

void fa_summary(void)
{
    printf("[ alloc    ] total: %u operations, %llu runs, %llu injected failures\n", total.ops,
           (unsigned long long)total.runs, (unsigned long long)total.injected);
}
