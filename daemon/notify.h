/*
 * systemd readiness notification (sd_notify protocol) without libsystemd:
 * one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is
 * the abstract namespace). Without $NOTIFY_SOCKET every call is a no-op.
 */
#ifndef SP_DAEMON_NOTIFY_H
#define SP_DAEMON_NOTIFY_H

#include "common/err.h"

/* Sends state, e.g. "READY=1\nSTATUS=serving". Returns 0 (also when not run
 * by systemd), SP_ERR_INVALID_ARG (bad $NOTIFY_SOCKET) or SP_ERR_IO. */
int sp_notify(const char *state);

/* sp_notify with a printf-style "STATUS=..." line. */
int sp_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
