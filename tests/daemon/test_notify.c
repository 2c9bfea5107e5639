/*
 * sd_notify without libsystemd: the datagram arrives at $NOTIFY_SOCKET, both
 * for a path and for an abstract ("@name") socket; without the variable
 * nothing happens; a malformed variable is an error, not a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/notify.h"

/* Binds a datagram socket at name (path, or abstract when it starts with
 * '@') and returns it. */
static int listen_at(const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(
        bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
        0);
    return fd;
}

static void expect(int fd, const char *want)
{
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void test_path_socket(void **state)
{
    (void)state;
    char path[] = "/tmp/sp-notify-XXXXXX";
    int tmp = mkstemp(path);
    assert_true(tmp >= 0);
    close(tmp);
    unlink(path);
    int fd = listen_at(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sp_notify("READY=1\nSTATUS=serving"), 0);
    expect(fd, "READY=1\nSTATUS=serving");
    assert_int_equal(sp_notify_status("%d datasets", 3), 0);
    expect(fd, "STATUS=3 datasets");
    close(fd);
    unlink(path);
    /* The listener is gone: an error, reported, not fatal. */
    assert_int_equal(sp_notify("STOPPING=1"), SP_ERR_IO);
}

static void test_abstract_socket(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "@sp-notify-test-%ld", (long)getpid());
    int fd = listen_at(name);
    setenv("NOTIFY_SOCKET", name, 1);
    assert_int_equal(sp_notify("STOPPING=1"), 0);
    expect(fd, "STOPPING=1");
    close(fd);
}

static void test_no_or_bad_variable(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sp_notify("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    assert_int_equal(sp_notify("READY=1"), SP_ERR_INVALID_ARG);
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    setenv("NOTIFY_SOCKET", longname, 1);
    assert_int_equal(sp_notify("READY=1"), SP_ERR_INVALID_ARG);
    unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_socket),
        cmocka_unit_test(test_abstract_socket),
        cmocka_unit_test(test_no_or_bad_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
