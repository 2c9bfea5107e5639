/*
 * The log budget for lines caused from outside (daemon/log.h,
 * sp_log_limit): at most max lines per window, the rest counted and said in
 * one summary line when the window has passed. The summary goes to stderr,
 * which the test redirects to a pipe to read it back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "daemon/log.h"

/* Runs fn with stderr captured into out (NUL-terminated). */
static void captured(void (*fn)(void *), void *ctx, char *out, size_t cap)
{
    int fds[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
    fn(ctx);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
}

static void burst(void *ctx)
{
    struct sp_log_limit *l = ctx;
    unsigned allowed = 0;
    for (int i = 0; i < 100; i++)
        allowed += sp_log_limit_allow(l, 100000 + (uint64_t)i, "strangers");
    assert_int_equal(allowed, 10);
    assert_int_equal(l->held, 90);
    sp_log_limit_flush(l, 105000, "strangers"); /* window not over: nothing */
    assert_int_equal(l->held, 90);
    sp_log_limit_flush(l, 110000, "strangers");
    assert_int_equal(l->held, 0);
    /* a new window: ten more */
    allowed = 0;
    for (int i = 0; i < 20; i++)
        allowed += sp_log_limit_allow(l, 110001 + (uint64_t)i, "strangers");
    assert_int_equal(allowed, 10);
}

static void test_budget_and_summary(void **state)
{
    (void)state;
    struct sp_log_limit l = {.max = 10, .window_ms = 10000};
    char out[1024];
    sp_log_init(SP_LOG_INFO);
    captured(burst, &l, out, sizeof out);
    assert_non_null(strstr(out, "90 more strangers were not logged in the last 10 s"));
    assert_null(strstr(out, "more strangers were not logged in the last 0 s"));
}

static void quiet(void *ctx)
{
    struct sp_log_limit *l = ctx;
    assert_true(sp_log_limit_allow(l, 100, "x"));
    sp_log_limit_flush(l, 20000, "x"); /* nothing held: no summary */
}

static void test_no_summary_without_held(void **state)
{
    (void)state;
    struct sp_log_limit l = {.max = 3, .window_ms = 1000};
    char out[256];
    sp_log_init(SP_LOG_INFO);
    captured(quiet, &l, out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_and_summary),
        cmocka_unit_test(test_no_summary_without_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
