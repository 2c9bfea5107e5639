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

#endif
