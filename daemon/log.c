/*
 * The daemon's logging: one line per call, written with one write(2) so
 * that lines from several threads never interleave.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"

#define LOG_LINE_MAX 1024

static atomic_int log_level = SP_LOG_INFO;
static atomic_int log_journal = 0;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities: err, warning, info, debug */
static const int level_prio[] = {3, 4, 6, 7};

const char *sp_log_level_name(int level)
{
    if (level < SP_LOG_ERROR || level > SP_LOG_DEBUG)
        return "?";
    return level_names[level];
}

void sp_log_init(int level)
{
    if (level < SP_LOG_ERROR)
        level = SP_LOG_ERROR;
    if (level > SP_LOG_DEBUG)
        level = SP_LOG_DEBUG;
    atomic_store(&log_level, level);
    /* journald sets JOURNAL_STREAM for services whose stderr it reads; it
     * then stamps the time itself and understands "<N>" priority prefixes. */
    atomic_store(&log_journal, getenv("JOURNAL_STREAM") != NULL);
}

int sp_log_level(void)
{
    return atomic_load(&log_level);
}

static size_t log_prefix(char *buf, size_t cap, int level)
{
    int n;
    if (atomic_load(&log_journal)) {
        n = snprintf(buf, cap, "<%d>%s: ", level_prio[level], level_names[level]);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(buf, cap,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ snijpuntd[%ld] %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, (long)getpid(), level_names[level]);
    }
    return n < 0 ? 0 : ((size_t)n >= cap ? cap - 1 : (size_t)n);
}

void sp_logv(int level, const char *fmt, va_list ap)
{
    if (level < SP_LOG_ERROR || level > atomic_load(&log_level))
        return;
    int saved = errno;
    char line[LOG_LINE_MAX];
    size_t n = log_prefix(line, sizeof line - 1, level);
    int m = vsnprintf(line + n, sizeof line - 1 - n, fmt, ap);
    if (m > 0)
        n += ((size_t)m >= sizeof line - 1 - n) ? sizeof line - 2 - n : (size_t)m;
    /* One line per entry: a newline inside a message (from a peer's reason
     * string, say) must not forge a second log line. */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
    errno = saved;
}

void sp_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sp_logv(level, fmt, ap);
    va_end(ap);
}

void sp_log_limit_flush(struct sp_log_limit *l, uint64_t now_ms, const char *what)
{
    if (now_ms - l->since_ms < l->window_ms)
        return;
    if (l->held)
        sp_log_warn("%" PRIu64 " more %s were not logged in the last %" PRIu64 " s", l->held, what,
                    (now_ms - l->since_ms) / 1000u);
    l->since_ms = now_ms;
    l->logged = 0;
    l->held = 0;
}

bool sp_log_limit_allow(struct sp_log_limit *l, uint64_t now_ms, const char *what)
{
    sp_log_limit_flush(l, now_ms, what);
    if (l->logged >= l->max) {
        l->held++;
        return false;
    }
    l->logged++;
    return true;
}
