/*
 * The daemon's one logging module: levels, printf-checked, to stderr. Under
 * systemd (JOURNAL_STREAM set) each line starts with a syslog priority prefix
 * ("<3>") so journald records the level and adds the time; otherwise lines
 * carry a UTC timestamp. Never pass a personal identifier, match-key value or
 * blinded value: name records by dataset and record id, rounds by id.
 */
#ifndef SP_DAEMON_LOG_H
#define SP_DAEMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/config.h" /* enum sp_log_level */

/* Sets the most verbose level printed (default SP_LOG_INFO) and detects
 * journald. Call before threads start; sp_log itself is thread-safe (one
 * write(2) per line). */
void sp_log_init(int level);
int sp_log_level(void);

void sp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sp_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define sp_log_error(...) sp_log(SP_LOG_ERROR, __VA_ARGS__)
#define sp_log_warn(...)  sp_log(SP_LOG_WARN, __VA_ARGS__)
#define sp_log_info(...)  sp_log(SP_LOG_INFO, __VA_ARGS__)
#define sp_log_debug(...) sp_log(SP_LOG_DEBUG, __VA_ARGS__)

/* A budget for lines caused from outside (strangers' connections): at most
 * `max` lines per window of `window_ms`; what is held back is counted and
 * said in one summary line ("N more WHAT were not logged") when the window
 * has passed (at the next allow or flush). Zero-initialise, then set max and
 * window_ms. */
struct sp_log_limit {
    unsigned max;
    uint64_t window_ms;
    uint64_t since_ms;
    unsigned logged;
    uint64_t held;
};

/* True when one more line may be logged now; false counts it as held. */
bool sp_log_limit_allow(struct sp_log_limit *l, uint64_t now_ms, const char *what);
/* Logs the summary of a finished window (level WARN) and starts a new one;
 * call it from a timer so that the count appears even when nothing follows. */
void sp_log_limit_flush(struct sp_log_limit *l, uint64_t now_ms, const char *what);

#endif
