/* The network process's seccomp filter; see netproc.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/netproc.h"

#if defined(__SANITIZE_ADDRESS__)
#define SP_NETPROC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SP_NETPROC_ASAN 1
#endif
#endif

/* What libzmq (its I/O and reaper threads, sockets, eventfd signalers,
 * epoll), libsodium, glibc's allocator and the relay loop call once the
 * sockets are bound and connected, found with `strace -f` on a running
 * network process through rounds, reconnects, refused handshakes and its
 * shutdown (daemon/README.md, "Privilege separation"). */
static const int allowed[] = {
    /* memory */
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    SCMP_SYS(mlock),
    SCMP_SYS(munlock),
    SCMP_SYS(mlock2),
    /* descriptors and I/O */
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(fcntl),
    SCMP_SYS(dup),
    SCMP_SYS(ioctl),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    SCMP_SYS(pipe2),
    /* the network: TCP and ipc:// (AF_UNIX) peers */
    SCMP_SYS(socket),
    SCMP_SYS(socketpair),
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(listen),
    SCMP_SYS(accept),
    SCMP_SYS(accept4),
    SCMP_SYS(getsockopt),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(shutdown),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmmsg),
    SCMP_SYS(recvmmsg),
    /* waiting */
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(select),
    SCMP_SYS(pselect6),
    SCMP_SYS(epoll_create),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(eventfd2),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(futex),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    /* a libzmq thread started just before the filter may only now apply its
     * scheduling parameters (the same ones: it has no privilege to change
     * them) */
    SCMP_SYS(sched_getparam),
    SCMP_SYS(sched_getscheduler),
    SCMP_SYS(sched_setscheduler),
    /* threads and signals (libzmq's threads exist before the filter) */
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getuid),
    SCMP_SYS(getrandom),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(tgkill),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(prctl),
    SCMP_SYS(uname),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(restart_syscall),
#ifdef SP_NETPROC_ASAN
    /* AddressSanitizer's report (its maps reading needs openat, which is
     * refused below: the report then has no symbols) */
    SCMP_SYS(readlink),
    SCMP_SYS(getppid),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(pread64),
#endif
};

int sp_netproc_sandbox(void)
{
    int rc = SP_ERR_IO;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return SP_ERR_IO;
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!f)
        return SP_ERR_IO;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0) != 0)
            goto out;
    /* No file is ever opened: open and openat fail with EACCES rather than
     * kill, because glibc itself opens /proc/sys/vm/overcommit_memory once,
     * lazily, from free() when a thread's heap shrinks (and copes with a
     * refusal); a kill there would take the links down at random. */
    if (seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0) != 0 ||
        seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0) != 0)
        goto out;
    /* a thread, never a process: clone only with CLONE_THREAD; clone3's
     * flags are out of a filter's reach, so it fails and glibc falls back */
    if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)) != 0 ||
        seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
        goto out;
    /* every thread: libzmq's I/O threads, which run the CURVE handshakes and
     * read the peers' bytes, exist already (TSYNC needs seccomp(2), which the
     * systemd unit allows for this) */
    if (seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1) == 0 && seccomp_load(f) == 0)
        rc = 0;
out:
    seccomp_release(f);
    return rc;
}

int sp_netproc_selftest(const char *what)
{
    if (sp_netproc_sandbox() != 0) {
        fprintf(stderr, "snijpuntd: cannot install the seccomp filter\n");
        return 2;
    }
    if (strcmp(what, "openat") == 0) {
        int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY);
        if (fd >= 0 || errno != EACCES)
            return 1;
        printf("openat refused: %s\n", strerror(errno));
        return 0;
    } else if (strcmp(what, "execve") == 0) {
        char *argv[] = {"true", NULL}, *envp[] = {NULL};
        execve("/bin/true", argv, envp);
    } else if (strcmp(what, "fork") == 0) {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
    } else if (strcmp(what, "socket") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return 3;
        close(fd);
    } else if (strcmp(what, "none") != 0) {
        return 2;
    }
    printf("survived %s\n", what);
    return 0;
}
