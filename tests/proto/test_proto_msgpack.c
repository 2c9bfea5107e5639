/*
 * The golden fixtures are standard msgpack: msgpack-c's own unpacker reads
 * each one as exactly one array starting with version 1, and a message
 * packed independently with msgpack-c equals its fixture byte for byte.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "support.h"

static void test_fixtures_are_msgpack(void **state)
{
    DIR *d = opendir(SP_PROTO_FIXTURES);
    struct dirent *e;
    size_t count = 0;

    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), len, off = 0;
        char name[256];
        uint8_t *buf;
        msgpack_unpacked u;

        if (n < 5 || strcmp(e->d_name + n - 4, ".hex") != 0)
            continue;
        snprintf(name, sizeof(name), "%.*s", (int)(n - 4), e->d_name);
        buf = fx_load(name, &len);
        msgpack_unpacked_init(&u);
        if (msgpack_unpack_next(&u, (const char *)buf, len, &off) != MSGPACK_UNPACK_SUCCESS)
            fail_msg("%s: msgpack-c cannot unpack it", name);
        assert_int_equal(off, len);
        assert_int_equal(u.data.type, MSGPACK_OBJECT_ARRAY);
        assert_true(u.data.via.array.size >= 2);
        assert_int_equal(u.data.via.array.ptr[0].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        /* peer frames are version 2 (PROGRESS), proposals and control 1 */
        assert_int_equal(u.data.via.array.ptr[0].via.u64,
                         strncmp(name, "peer_", 5) == 0 ? SP_PEER_VERSION : 1);
        msgpack_unpacked_destroy(&u);
        free(buf);
        count++;
    }
    closedir(d);
    /* The peer, request and reply samples' fixtures and 3 proposals. */
    assert_int_equal(count, npeer_samples + 3 + nrequest_samples + nreply_samples);
}

static const uint8_t rid[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* DONE and an error reply, packed with msgpack-c's packer directly. */
static void test_independent_packing(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    static const char msg[] = "participant om does not allow mode partners";
    size_t len;
    uint8_t *fx;

    (void)state;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    static const uint64_t matched[] = {9, 2, 4, 0, 1};
    static const uint64_t cells[][3] = {{1, 3, 95}, {1, 7, 4}, {3, 5, 300}};
    msgpack_pack_array(&pk, 8);
    msgpack_pack_int(&pk, SP_PEER_VERSION);
    msgpack_pack_int(&pk, SP_PEER_DONE);
    msgpack_pack_bin_with_body(&pk, rid, sizeof(rid));
    msgpack_pack_uint64(&pk, 12);
    msgpack_pack_uint64(&pk, 1200);
    msgpack_pack_uint64(&pk, 3600);
    msgpack_pack_array(&pk, 5);
    for (size_t i = 0; i < 5; i++)
        msgpack_pack_uint64(&pk, matched[i]);
    msgpack_pack_array(&pk, 3);
    for (size_t i = 0; i < 3; i++) {
        msgpack_pack_array(&pk, 3);
        for (size_t k = 0; k < 3; k++)
            msgpack_pack_uint64(&pk, cells[i][k]);
    }
    fx = fx_load("peer_done", &len);
    assert_int_equal(sb.size, len);
    assert_memory_equal(sb.data, fx, len);
    free(fx);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, SP_CTL_ROUND_START);
    msgpack_pack_int(&pk, SP_ERR_POLICY);
    msgpack_pack_str_with_body(&pk, msg, strlen(msg));
    fx = fx_load("ctl_rep_error", &len);
    assert_int_equal(sb.size, len);
    assert_memory_equal(sb.data, fx, len);
    free(fx);
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_are_msgpack),
        cmocka_unit_test(test_independent_packing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
