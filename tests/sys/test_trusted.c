/*
 * Files and directories the daemon trusts (sys/trusted.h), on real files in
 * a mkdtemp directory under /tmp: what is refused by mode, and the
 * sentence with the fix. Table-driven over modes of a file and a directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "sys/trusted.h"

struct tmp {
    char dir[64];
    char file[96];
    char sub[96];
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/sp-trusted-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->file, sizeof(t->file), "%s/snijpuntd.conf", t->dir);
    snprintf(t->sub, sizeof(t->sub), "%s/state", t->dir);
    FILE *f = fopen(t->file, "w");
    if (f == NULL || fputs("node = a\n", f) < 0 || fclose(f) != 0 || mkdir(t->sub, 0700) != 0)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    unlink(t->file);
    rmdir(t->sub);
    rmdir(t->dir);
    free(t);
    return 0;
}

static const struct {
    mode_t mode;
    int err;
} file_modes[] = {
    {0644, 0},
    {0600, 0},
    {0444, 0},
    {0755, 0},
    {0664, SP_ERR_UNSAFE_PERMS},
    {0666, SP_ERR_UNSAFE_PERMS},
    {0646, SP_ERR_UNSAFE_PERMS},
    {0620, SP_ERR_UNSAFE_PERMS},
};

static const struct {
    mode_t mode;
    int err;
} dir_modes[] = {
    {0700, 0},
    {0755, 0},
    {0750, 0},
    {0775, SP_ERR_UNSAFE_PERMS},
    {0777, SP_ERR_UNSAFE_PERMS},
    {01777, SP_ERR_UNSAFE_PERMS}, /* sticky does not help: others can add files */
    {0730, SP_ERR_UNSAFE_PERMS},
};

static void test_file_modes(void **state)
{
    struct tmp *t = *state;
    char why[512];
    for (size_t i = 0; i < sizeof file_modes / sizeof file_modes[0]; i++) {
        assert_int_equal(chmod(t->file, file_modes[i].mode), 0);
        int err = sp_trusted_check(t->file, "configuration file", why, sizeof why);
        if (err != file_modes[i].err)
            fail_msg("mode %04o: got %d, want %d", (unsigned)file_modes[i].mode, err,
                     file_modes[i].err);
        if (err == 0)
            assert_string_equal(why, "");
    }
}

static void test_dir_modes(void **state)
{
    struct tmp *t = *state;
    char why[512];
    for (size_t i = 0; i < sizeof dir_modes / sizeof dir_modes[0]; i++) {
        assert_int_equal(chmod(t->sub, dir_modes[i].mode), 0);
        int err = sp_trusted_check(t->sub, "state directory", why, sizeof why);
        if (err != dir_modes[i].err)
            fail_msg("mode %04o: got %d, want %d", (unsigned)dir_modes[i].mode, err,
                     dir_modes[i].err);
    }
}

/* The sentence names what, the path, the mode and the command that fixes it. */
static void test_message(void **state)
{
    struct tmp *t = *state;
    char why[512], want[512];
    assert_int_equal(chmod(t->file, 0666), 0);
    assert_int_equal(sp_trusted_check(t->file, "configuration file", why, sizeof why),
                     SP_ERR_UNSAFE_PERMS);
    snprintf(want, sizeof want,
             "configuration file %s is writable by group or others (mode 0666), who could change "
             "what this node trusts; run chmod go-w %s",
             t->file, t->file);
    assert_string_equal(why, want);
    assert_int_equal(chmod(t->sub, 0777), 0);
    assert_int_equal(sp_trusted_check(t->sub, "state directory", why, sizeof why),
                     SP_ERR_UNSAFE_PERMS);
    assert_non_null(strstr(why, "state directory"));
    assert_non_null(strstr(why, "(mode 0777)"));
    snprintf(want, sizeof want, "run chmod go-w %s", t->sub);
    assert_non_null(strstr(why, want));
    /* truncated, still terminated */
    char small[16];
    assert_int_equal(sp_trusted_check(t->sub, "state directory", small, sizeof small),
                     SP_ERR_UNSAFE_PERMS);
    assert_int_equal(strlen(small), sizeof small - 1);
}

/* A file owned by another user (not root) is refused with chown as the fix;
 * only root can make one here. */
static void test_owner(void **state)
{
    struct tmp *t = *state;
    char why[512];
    if (geteuid() != 0)
        skip();
    assert_int_equal(chmod(t->file, 0644), 0);
    assert_int_equal(chown(t->file, 4242, 4242), 0);
    assert_int_equal(sp_trusted_check(t->file, "CA certificate", why, sizeof why),
                     SP_ERR_UNSAFE_PERMS);
    assert_non_null(strstr(why, "owned by user 4242"));
    assert_non_null(strstr(why, "run chown 0 "));
    assert_int_equal(chown(t->file, 0, 0), 0);
    assert_int_equal(sp_trusted_check(t->file, "CA certificate", why, sizeof why), 0);
}

static void test_missing(void **state)
{
    struct tmp *t = *state;
    char why[512], path[128];
    snprintf(path, sizeof path, "%s/none", t->dir);
    assert_int_equal(sp_trusted_check(path, "revocation list", why, sizeof why), SP_ERR_NOT_FOUND);
    assert_non_null(strstr(why, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
