/*
 * Privilege separation of the peer transport (issue 13): the network
 * process. With `net_process = yes` (the default) snijpuntd runs its ZeroMQ
 * sockets, the ZAP handler and the decoding of every peer message in a
 * separate process: a fresh image (`snijpuntd --net-child 3`, fork + exec,
 * so nothing of the main process's memory - signing key, round keys, store
 * mappings - was ever mapped into it) that holds only the node's CURVE
 * keypair, the peers' names, endpoints and CURVE public keys, and its end of
 * a socketpair (netwire.h). It runs under a seccomp filter (no file system,
 * no exec, no new processes) with no_new_privs. peer_proxy.c is the main
 * process's side.
 */
#ifndef SP_DAEMON_NETPROC_H
#define SP_DAEMON_NETPROC_H

#include <sys/types.h>

#include "common/err.h"

/* The descriptor the network process finds its socketpair end on. */
#define SP_NETPROC_FD 3

/* Enables the split for sp_peers_new: exe is the snijpuntd image to run
 * (main.c passes "/proc/self/exe"; the unit tests never call this, so their
 * transports stay in-process). NULL disables it. */
void sp_netproc_set_exe(const char *exe);
const char *sp_netproc_exe(void);

/* Starts the network process: a socketpair, fork, and in the child only
 * async-signal-safe calls before exec (descriptors other than 0-2 and the
 * socketpair's end closed, SIGKILL when the parent dies). *fd is the main
 * process's end (non-blocking, close-on-exec). Returns 0 or SP_ERR_IO. */
SP_NODISCARD int sp_netproc_spawn(int *fd, pid_t *pid);

/* The network process (`snijpuntd --net-child FD`): reads its INIT frame,
 * binds and connects, installs the sandbox and relays until the main
 * process closes the socketpair. Returns the exit status. */
int sp_netproc_main(int fd);

/* Installs the seccomp filter (allow list; open/openat fail with EACCES;
 * SECCOMP_RET_KILL_PROCESS for everything else) and no_new_privs. Returns 0
 * or SP_ERR_IO. */
SP_NODISCARD int sp_netproc_sandbox(void);

/* For the tests (`snijpuntd --net-seccomp-test WHAT`): installs the filter,
 * then does WHAT: "execve" and "fork" must kill it (SIGSYS); "openat" must
 * fail with EACCES (returns 0 then, 1 when a file opened); "socket" and
 * "none" must survive (0). */
int sp_netproc_selftest(const char *what);

#endif
