/*
 * The daemon's clocks, in one place: the monotonic clock that drives
 * deadlines, timers and rate limits, and the wall clock for what records
 * and logs say. The pure layers read neither (their callers pass the time).
 */
#ifndef SP_DAEMON_CLOCK_H
#define SP_DAEMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t sp_now_ms(void);
/* CLOCK_REALTIME in Unix milliseconds. */
uint64_t sp_wall_ms(void);

#endif
