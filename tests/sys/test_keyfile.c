/*
 * Key files on a real file system (a mkdtemp directory under /tmp): the ssh
 * rules on read (mode, owner, type, and the directory holding the key), the
 * messages a person gets, and atomic owner-only writes.
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
#include <pwd.h>
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
    {
        char slash[300];
        snprintf(slash, sizeof(slash), "%s/", dir); /* names the directory itself */
        assert_int_equal(sp_keyfile_read(slash, &buf, &len), SP_ERR_KEYFILE_TYPE);
    }
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

/* ---- the directory holding the key ------------------------------------- */

#define OURS ((uid_t)-1)

struct dir_case {
    const char *what;
    mode_t mode;
    uid_t uid;        /* OURS: the test's effective user */
    int want;         /* 0 or SP_ERR_KEYFILE_DIR */
    const char *says; /* "owner", "shared" or "mode": which message */
};

static const struct dir_case dir_cases[] = {
    {"owner only", 0700, OURS, 0, NULL},
    {"readable by all", 0755, OURS, 0, NULL},
    {"group may list", 0750, OURS, 0, NULL},
    {"group-writable", 0770, OURS, SP_ERR_KEYFILE_DIR, "mode"},
    {"group may only write", 0730, OURS, SP_ERR_KEYFILE_DIR, "mode"},
    {"other-writable", 0703, OURS, SP_ERR_KEYFILE_DIR, "mode"},
    {"world-writable", 0777, OURS, SP_ERR_KEYFILE_DIR, "mode"},
    {"sticky like /tmp", 01777, OURS, SP_ERR_KEYFILE_DIR, "shared"},
    {"sticky, group-writable", 01770, OURS, SP_ERR_KEYFILE_DIR, "shared"},
    {"sticky, nobody else writes", 01755, OURS, 0, NULL},
    {"someone else's", 0700, 65534, SP_ERR_KEYFILE_DIR, "owner"},
    {"someone else's, readable", 0755, 65534, SP_ERR_KEYFILE_DIR, "owner"},
    {"someone else's and writable", 0777, 65534, SP_ERR_KEYFILE_DIR, "owner"},
};

/* The message for a refused directory, built from what the case set up. */
static void dir_message(char *out, size_t cap, const struct dir_case *c, const char *dir,
                        const char *key)
{
    const struct passwd *pw = getpwuid(geteuid());
    char me[64];

    snprintf(me, sizeof(me), "%s", pw != NULL ? pw->pw_name : "");
    if (pw == NULL)
        snprintf(me, sizeof(me), "%u", (unsigned)geteuid());

    if (strcmp(c->says, "mode") == 0)
        snprintf(out, cap,
                 "directory %s of key file %s is writable by group or others (mode %04o), who "
                 "could replace the key; run chmod go-w %s",
                 dir, key, (unsigned)c->mode, dir);
    else if (strcmp(c->says, "shared") == 0)
        snprintf(out, cap,
                 "directory %s of key file %s is shared: writable by group or others (mode "
                 "%04o), who could plant or replace the key; move the key to a directory only "
                 "%s can write (mkdir -m 700 DIR)",
                 dir, key, (unsigned)c->mode, me);
    else
        snprintf(out, cap, "directory %s of key file %s is owned by ", dir, key);
}

static void test_read_checks_directory(void **state)
{
    struct tmp *t = *state;

    for (size_t i = 0; i < sizeof(dir_cases) / sizeof(dir_cases[0]); i++) {
        const struct dir_case *c = &dir_cases[i];
        char dir[256], key[300], msg[1024], want[1024], name[16], *buf = NULL;
        size_t len = 0;

        if (c->uid != OURS && geteuid() != 0)
            continue; /* only root can give a directory away */
        snprintf(name, sizeof(name), "d%zu", i);
        path_in(t, dir, sizeof(dir), name);
        snprintf(key, sizeof(key), "%s/node.key", dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        plant(key, "secret", 0600);
        if (c->uid != OURS)
            assert_int_equal(chown(dir, c->uid, c->uid), 0);
        assert_int_equal(chmod(dir, c->mode), 0);
        int rc = sp_keyfile_read(key, &buf, &len);
        if (rc != c->want)
            fail_msg("%s (%04o): %d, expected %d", c->what, (unsigned)c->mode, rc, c->want);
        if (rc == 0) {
            assert_string_equal(buf, "secret");
            sp_keyfile_buf_free(&buf, len);
        } else {
            assert_null(buf);
            dir_message(want, sizeof(want), c, dir, key);
            sp_keyfile_explain(msg, sizeof(msg), key, rc);
            if (strncmp(msg, want, strlen(want)) != 0)
                fail_msg("%s: \"%s\", expected \"%s\"", c->what, msg, want);
        }
        assert_int_equal(chmod(dir, 0700), 0);
        assert_int_equal(unlink(key), 0);
        assert_int_equal(rmdir(dir), 0);
    }
}

/* Someone else's directory: the message names the owner and the chown. */
static void test_directory_owner_message(void **state)
{
    char dir[256], key[300], msg[1024], *buf = NULL;
    size_t len = 0;

    if (geteuid() != 0)
        skip();
    path_in(*state, dir, sizeof(dir), "theirs");
    snprintf(key, sizeof(key), "%s/node.key", dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    plant(key, "secret", 0600);
    assert_int_equal(chown(dir, 65534, 65534), 0);
    assert_int_equal(sp_keyfile_read(key, &buf, &len), SP_ERR_KEYFILE_DIR);
    sp_keyfile_explain(msg, sizeof(msg), key, SP_ERR_KEYFILE_DIR);
    assert_non_null(strstr(msg, "(uid 65534), who could replace the key; run chown root "));
    assert_non_null(strstr(msg, dir));
    assert_null(strstr(msg, "or chown root")); /* root is already the fix */
    assert_int_equal(unlink(key), 0);
}

/* Another user's key in a root-owned directory, read as that user (root
 * drops to uid 65534 for this): root's directories are trusted, as is the
 * user's own. */
static void test_directory_of_root_or_self(void **state)
{
    struct tmp *t = *state;
    char root_dir[256], own_dir[256], key[300], *buf = NULL;
    size_t len = 0;

    if (geteuid() != 0)
        skip();
    path_in(t, root_dir, sizeof(root_dir), "by-root");
    path_in(t, own_dir, sizeof(own_dir), "by-user");
    assert_int_equal(chmod(t->dir, 0711), 0); /* let uid 65534 through */
    assert_int_equal(mkdir(root_dir, 0755), 0);
    assert_int_equal(mkdir(own_dir, 0700), 0);
    assert_int_equal(chown(own_dir, 65534, 65534), 0);
    const char *dirs[] = {root_dir, own_dir};
    for (size_t i = 0; i < 2; i++) {
        snprintf(key, sizeof(key), "%s/node.key", dirs[i]);
        plant(key, "secret", 0600);
        assert_int_equal(chown(key, 65534, 65534), 0);
        assert_int_equal(seteuid(65534), 0);
        int rc = sp_keyfile_read(key, &buf, &len);
        assert_int_equal(seteuid(0), 0);
        assert_int_equal(rc, 0);
        sp_keyfile_buf_free(&buf, len);
        assert_int_equal(unlink(key), 0);
    }
    assert_int_equal(chmod(t->dir, 0700), 0);
}

/* /tmp itself (mode 1777) is refused, whoever owns the key. */
static void test_directory_tmp_refused(void **state)
{
    char key[] = "/tmp/sp-keyfile-direct-XXXXXX", msg[1024], *buf = NULL;
    struct stat st;
    size_t len = 0;
    int fd;

    (void)state;
    if (stat("/tmp", &st) != 0 || (st.st_mode & S_IWOTH) == 0)
        skip(); /* not the usual shared /tmp */
    fd = mkstemp(key);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "secret", 6), 6);
    assert_int_equal(close(fd), 0);
    int rc = sp_keyfile_read(key, &buf, &len);
    sp_keyfile_explain(msg, sizeof(msg), key, SP_ERR_KEYFILE_DIR);
    assert_int_equal(unlink(key), 0);
    assert_int_equal(rc, SP_ERR_KEYFILE_DIR);
    assert_null(buf);
    assert_true(strncmp(msg, "directory /tmp of key file /tmp/sp-keyfile-direct-", 50) == 0);
    assert_non_null(strstr(msg, "is shared: writable by group or others (mode 1777)"));
}

/* Writing refuses what reading would refuse, before creating anything: a
 * group-writable directory, and /tmp itself. */
static void test_directory_checked_on_write(void **state)
{
    struct tmp *t = *state;
    char path[256];
    struct stat st;

    assert_int_equal(chmod(t->dir, 0770), 0);
    path_in(t, path, sizeof(path), "w.key");
    assert_int_equal(sp_keyfile_write(path, "x", 1, 0), SP_ERR_KEYFILE_DIR);
    assert_int_equal(chmod(t->dir, 0700), 0);
    assert_dir_holds(t->dir, 0);
    assert_int_equal(sp_keyfile_write(path, "x", 1, 0), 0);
    assert_dir_holds(t->dir, 1);
    if (stat("/tmp", &st) == 0 && (st.st_mode & S_IWOTH) != 0)
        assert_int_equal(sp_keyfile_write("/tmp/sp-keyfile-never-written.key", "x", 1, 0),
                         SP_ERR_KEYFILE_DIR);
    assert_int_equal(access("/tmp/sp-keyfile-never-written.key", F_OK), -1);
}

/* The directory is checked before the file, through links and for relative
 * paths too; a missing key in a bad directory is still a directory error. */
static void test_directory_order_links_relative(void **state)
{
    struct tmp *t = *state;
    char bad[256], link[256], key[300], via[300], msg[1024], *buf = NULL;
    size_t len = 0;
    int cwd = open(".", O_RDONLY | O_DIRECTORY);

    path_in(t, bad, sizeof(bad), "bad");
    path_in(t, link, sizeof(link), "good-name");
    assert_int_equal(mkdir(bad, 0700), 0);
    snprintf(key, sizeof(key), "%s/node.key", bad);
    plant(key, "secret", 0644);
    assert_int_equal(sp_keyfile_read(key, &buf, &len), SP_ERR_KEYFILE_MODE);
    assert_int_equal(chmod(bad, 0775), 0);
    assert_int_equal(sp_keyfile_read(key, &buf, &len), SP_ERR_KEYFILE_DIR);
    snprintf(via, sizeof(via), "%s/missing.key", bad);
    assert_int_equal(sp_keyfile_read(via, &buf, &len), SP_ERR_KEYFILE_DIR);
    assert_int_equal(symlink(bad, link), 0);
    snprintf(via, sizeof(via), "%s/node.key", link);
    assert_int_equal(sp_keyfile_read(via, &buf, &len), SP_ERR_KEYFILE_DIR);
    assert_non_null(
        strstr(sp_keyfile_explain(msg, sizeof(msg), via, SP_ERR_KEYFILE_DIR), "(mode 0775)"));
    assert_true(cwd >= 0);
    assert_int_equal(chdir(bad), 0);
    int rc = sp_keyfile_read("node.key", &buf, &len);
    sp_keyfile_explain(msg, sizeof(msg), "node.key", rc);
    assert_int_equal(fchdir(cwd), 0);
    close(cwd);
    assert_int_equal(rc, SP_ERR_KEYFILE_DIR);
    assert_string_equal(msg, "directory . of key file node.key is writable by group or others "
                             "(mode 0775), who could replace the key; run chmod go-w .");
    assert_int_equal(chmod(bad, 0700), 0);
    assert_int_equal(unlink(key), 0);
    assert_int_equal(rmdir(bad), 0);
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
        cmocka_unit_test_setup_teardown(test_read_checks_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_owner_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_of_root_or_self, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_tmp_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_order_links_relative, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_checked_on_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_mode_and_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_round_trip_through_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
