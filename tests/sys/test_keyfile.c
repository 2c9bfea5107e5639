/*
 * Key files on a real file system (a mkdtemp directory under /tmp): the ssh
 * rules on read (mode, owner, type), the messages a person gets, and atomic
 * owner-only writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/identity.h"
#include "sys/keyfile.h"

struct tmp {
    char dir[64];
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/sp-keyfile-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    DIR *d = opendir(t->dir);
    struct dirent *e;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char p[512];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
        if (unlink(p) != 0)
            rmdir(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void path_in(const struct tmp *t, char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", t->dir, name);
}

/* Creates a file with exact content and mode, bypassing the code under test. */
static void plant(const char *path, const char *data, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    assert_int_equal(close(fd), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

struct mode_case {
    mode_t mode;
    int want;
    const char *exposure; /* word in the message, for refusals */
};

static const struct mode_case mode_cases[] = {
    {0600, 0, NULL},
    {0400, 0, NULL},
    {0700, 0, NULL},
    {0644, SP_ERR_KEYFILE_MODE, "readable"},
    {0640, SP_ERR_KEYFILE_MODE, "readable"},
    {0604, SP_ERR_KEYFILE_MODE, "readable"},
    {0620, SP_ERR_KEYFILE_MODE, "writable"},
    {0602, SP_ERR_KEYFILE_MODE, "writable"},
    {0610, SP_ERR_KEYFILE_MODE, "accessible"},
    {0601, SP_ERR_KEYFILE_MODE, "accessible"},
    {0666, SP_ERR_KEYFILE_MODE, "readable"},
};

static void test_read_checks_mode(void **state)
{
    char path[256];

    path_in(*state, path, sizeof(path), "node.key");
    for (size_t i = 0; i < sizeof(mode_cases) / sizeof(mode_cases[0]); i++) {
        const struct mode_case *c = &mode_cases[i];
        char *buf = NULL;
        size_t len = 0;
        int rc;

        plant(path, "secret\n", c->mode);
        rc = sp_keyfile_read(path, &buf, &len);
        assert_int_equal(rc, c->want);
        if (rc == 0) {
            assert_int_equal(len, 7);
            assert_string_equal(buf, "secret\n");
            sp_keyfile_buf_free(&buf, len);
            assert_null(buf);
        } else {
            char msg[1024], want[1024];

            assert_null(buf);
            snprintf(want, sizeof(want),
                     "key file %s is %s by group or others (mode %04o); run chmod 600 %s", path,
                     c->exposure, (unsigned)c->mode, path);
            assert_string_equal(sp_keyfile_explain(msg, sizeof(msg), path, rc), want);
        }
    }
}

static void test_read_refuses_symlink_dir_fifo(void **state)
{
    char real[256], link[256], dir[256], fifo[256], msg[512];
    char *buf = NULL;
    size_t len = 0;

    path_in(*state, real, sizeof(real), "real.key");
    path_in(*state, link, sizeof(link), "link.key");
    path_in(*state, dir, sizeof(dir), "dir.key");
    path_in(*state, fifo, sizeof(fifo), "fifo.key");
    plant(real, "secret", 0600);
    assert_int_equal(symlink(real, link), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    assert_int_equal(sp_keyfile_read(link, &buf, &len), SP_ERR_KEYFILE_TYPE);
    assert_non_null(strstr(sp_keyfile_explain(msg, sizeof(msg), link, SP_ERR_KEYFILE_TYPE),
                           "is a symbolic link"));
    assert_int_equal(sp_keyfile_read(dir, &buf, &len), SP_ERR_KEYFILE_TYPE);
    /* a FIFO must be refused, not block the reader */
    assert_int_equal(sp_keyfile_read(fifo, &buf, &len), SP_ERR_KEYFILE_TYPE);
    {
        char want[512];
        snprintf(want, sizeof(want), "key file %s is not a regular file", fifo);
        assert_string_equal(sp_keyfile_explain(msg, sizeof(msg), fifo, SP_ERR_KEYFILE_TYPE), want);
    }
}

static void test_read_refuses_foreign_owner(void **state)
{
    char path[256], msg[512];
    char *buf = NULL;
    size_t len = 0;

    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    path_in(*state, path, sizeof(path), "foreign.key");
    plant(path, "secret", 0600);
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(sp_keyfile_read(path, &buf, &len), SP_ERR_KEYFILE_OWNER);
    assert_null(buf);
    sp_keyfile_explain(msg, sizeof(msg), path, SP_ERR_KEYFILE_OWNER);
    assert_non_null(strstr(msg, "(uid 65534)"));
    assert_non_null(strstr(msg, "run chown root "));
}

static void test_read_other_errors(void **state)
{
    char path[256], big[256], empty[256], msg[512];
    char *buf = NULL;
    size_t len = 99;
    static char data[SP_KEYFILE_MAX_BYTES + 2];

    path_in(*state, path, sizeof(path), "missing.key");
    assert_int_equal(sp_keyfile_read(path, &buf, &len), SP_ERR_NOT_FOUND);
    assert_non_null(
        strstr(sp_keyfile_explain(msg, sizeof(msg), path, SP_ERR_NOT_FOUND), "does not exist"));
    path_in(*state, big, sizeof(big), "big.key");
    memset(data, 'k', SP_KEYFILE_MAX_BYTES + 1);
    plant(big, data, 0600);
    assert_int_equal(sp_keyfile_read(big, &buf, &len), SP_ERR_OVERFLOW);
    assert_int_equal(len, 99);
    path_in(*state, empty, sizeof(empty), "empty.key");
    plant(empty, "", 0600);
    assert_int_equal(sp_keyfile_read(empty, &buf, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    sp_keyfile_buf_free(&buf, len);
    sp_keyfile_buf_free(&buf, 0);
    sp_keyfile_buf_free(NULL, 0);
    assert_int_equal(sp_keyfile_read(NULL, &buf, &len), SP_ERR_INVALID_ARG);
}

/* Only the named files remain: no temporary file is ever left behind. */
static void assert_dir_holds(const char *dir, size_t want)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
        else
            assert_true(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
    closedir(d);
    assert_int_equal(n, want);
}

static void test_write_mode_and_overwrite(void **state)
{
    struct tmp *t = *state;
    char path[256], *buf = NULL;
    size_t len = 0;
    mode_t old = umask(0);

    path_in(t, path, sizeof(path), "new.key");
    assert_int_equal(sp_keyfile_write(path, "one", 3, 0), 0);
    assert_int_equal(mode_of(path), 0600);
    umask(0277); /* would make a plain 0600 create 0400 */
    assert_int_equal(sp_keyfile_write(path, "two", 3, 0), SP_ERR_EXISTS);
    assert_int_equal(sp_keyfile_read(path, &buf, &len), 0);
    assert_string_equal(buf, "one");
    sp_keyfile_buf_free(&buf, len);
    assert_int_equal(sp_keyfile_write(path, "three", 5, 1), 0);
    assert_int_equal(mode_of(path), 0600);
    umask(old);
    assert_int_equal(sp_keyfile_read(path, &buf, &len), 0);
    assert_string_equal(buf, "three");
    sp_keyfile_buf_free(&buf, len);
    assert_dir_holds(t->dir, 1);
}

static void test_write_errors(void **state)
{
    struct tmp *t = *state;
    char path[256], link[256], msg[512];
    static char data[SP_KEYFILE_MAX_BYTES + 1];

    path_in(t, path, sizeof(path), "no-such-dir/x.key");
    assert_int_equal(sp_keyfile_write(path, "x", 1, 0), SP_ERR_NOT_FOUND);
    path_in(t, path, sizeof(path), "");
    assert_int_equal(sp_keyfile_write(path, "x", 1, 0), SP_ERR_INVALID_ARG); /* ends in '/' */
    path_in(t, path, sizeof(path), "big.key");
    assert_int_equal(sp_keyfile_write(path, data, sizeof(data), 0), SP_ERR_OVERFLOW);
    /* a dangling symlink still occupies the name */
    path_in(t, link, sizeof(link), "dangling.key");
    assert_int_equal(symlink("/nonexistent/target", link), 0);
    assert_int_equal(sp_keyfile_write(link, "x", 1, 0), SP_ERR_EXISTS);
    assert_string_equal(sp_keyfile_explain(msg, sizeof(msg), "k", SP_ERR_EXISTS),
                        "key file k already exists; refusing to overwrite it");
    assert_int_equal(sp_keyfile_write(NULL, "x", 1, 0), SP_ERR_INVALID_ARG);
    assert_dir_holds(t->dir, 1);
}

/* The whole path a node takes: generate, encode, store, load, decode. */
static void test_identity_round_trip_through_file(void **state)
{
    char path[256], text[SP_IDENTITY_TEXT_MAX_BYTES], *buf = NULL;
    struct sp_identity *id = NULL, *back = NULL;
    struct sp_identity_public a, b;
    size_t len = 0;

    path_in(*state, path, sizeof(path), "identity.key");
    assert_int_equal(sp_identity_generate(&id), 0);
    assert_int_equal(sp_identity_encode(id, text, sizeof(text), &len), 0);
    assert_int_equal(sp_keyfile_write(path, text, len, 0), 0);
    explicit_bzero(text, sizeof(text));
    assert_int_equal(sp_keyfile_read(path, &buf, &len), 0);
    assert_int_equal(sp_identity_decode(buf, len, &back), 0);
    sp_keyfile_buf_free(&buf, len);
    sp_identity_public(id, &a);
    sp_identity_public(back, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    sp_identity_free(&id);
    sp_identity_free(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_checks_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_refuses_symlink_dir_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_refuses_foreign_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_other_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_mode_and_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_round_trip_through_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
