/* The framing between the main and the network process (daemon/netwire.h):
 * frames round-trip through a socketpair, and the bounded reader refuses
 * what a broken or hostile network process could send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/netwire.h"

static void test_roundtrip(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct sp_nwbuf out = {0}, in = {0};
    size_t at;
    assert_int_equal(sp_nwbuf_begin(&out, SP_NW_LINK, 2, &at), 0);
    sp_nwbuf_u8(&out, 3);
    sp_nwbuf_u8(&out, 1);
    sp_nwbuf_end(&out, at);
    assert_int_equal(sp_nwbuf_begin(&out, SP_NW_STATS, 64, &at), 0);
    sp_nwbuf_u64(&out, UINT64_C(0x0102030405060708));
    sp_nwbuf_str(&out, "peer-b");
    sp_nwbuf_end(&out, at);
    assert_int_equal(sp_nwbuf_write(&out, sv[0]), 0);
    assert_int_equal(sp_nwbuf_read(&in, sv[1], 1 << 20), 0);
    uint8_t type;
    const uint8_t *body;
    size_t len;
    assert_int_equal(sp_nwbuf_frame(&in, &type, &body, &len), 1);
    assert_int_equal(type, SP_NW_LINK);
    struct sp_nwread r = {body, len, true};
    assert_int_equal(sp_nwread_u8(&r), 3);
    assert_int_equal(sp_nwread_u8(&r), 1);
    assert_true(r.ok && r.left == 0);
    assert_int_equal(sp_nwbuf_frame(&in, &type, &body, &len), 1);
    r = (struct sp_nwread){body, len, true};
    assert_true(sp_nwread_u64(&r) == UINT64_C(0x0102030405060708));
    char name[16];
    sp_nwread_str(&r, name, sizeof name);
    assert_true(r.ok);
    assert_string_equal(name, "peer-b");
    assert_int_equal(sp_nwbuf_frame(&in, &type, &body, &len), 0); /* nothing more */
    close(sv[0]);                                                 /* end of stream */
    assert_int_equal(sp_nwbuf_read(&in, sv[1], 1 << 20), SP_ERR_NOT_FOUND);
    close(sv[1]);
    sp_nwbuf_free(&out);
    sp_nwbuf_free(&in);
}

/* Bytes as they might arrive: a frame that is not complete yet waits; a
 * length of 0 or over the limit breaks the stream. */
static void test_frame_lengths(void **state)
{
    (void)state;
    static const struct {
        uint8_t bytes[8];
        size_t n;
        int want;
    } cases[] = {
        {{0, 0, 0}, 3, 0},           /* header not complete */
        {{0, 0, 0, 2, 17}, 5, 0},    /* one byte of body missing */
        {{0, 0, 0, 2, 17, 9}, 6, 1}, /* complete */
        {{0, 0, 0, 0, 17}, 5, SP_ERR_PROTO_OVERSIZED},
        {{0xff, 0xff, 0xff, 0xff, 17}, 5, SP_ERR_PROTO_OVERSIZED},
        {{0, 0x20, 0x04, 0x01, 17}, 5, SP_ERR_PROTO_OVERSIZED}, /* FRAME_MAX + 1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sp_nwbuf b = {0};
        assert_int_equal(sp_nwbuf_reserve(&b, cases[i].n), 0);
        sp_nwbuf_put(&b, cases[i].bytes, cases[i].n);
        uint8_t type;
        const uint8_t *body;
        size_t len;
        assert_int_equal(sp_nwbuf_frame(&b, &type, &body, &len), cases[i].want);
        sp_nwbuf_free(&b);
    }
}

/* READY and a LINK written together (a link came up while the network
 * process started): sp_nwbuf_wait returns READY and leaves LINK in the
 * buffer, where nothing more on the descriptor would ever wake its reader;
 * sp_nwbuf_has_frame says it is there and sp_nwbuf_take hands it over
 * without reading. Half a frame is not "there". */
static bool took_link;

static bool take_fn(void *ctx, uint8_t type, const uint8_t *body, size_t len)
{
    (void)ctx;
    took_link = type == SP_NW_LINK && len == 2 && body[0] == 0 && body[1] == 1;
    return true;
}

static void test_frames_read_with_ready(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct sp_nwbuf out = {0}, in = {0};
    size_t at;
    assert_int_equal(sp_nwbuf_begin(&out, SP_NW_READY, 4, &at), 0);
    sp_nwbuf_u32(&out, 0);
    sp_nwbuf_end(&out, at);
    assert_int_equal(sp_nwbuf_begin(&out, SP_NW_LINK, 2, &at), 0);
    sp_nwbuf_u8(&out, 0);
    sp_nwbuf_u8(&out, 1);
    sp_nwbuf_end(&out, at);
    sp_nwbuf_u8(&out, 0); /* and the first byte of a third frame */
    assert_int_equal(sp_nwbuf_write(&out, sv[0]), 0);
    uint8_t type;
    const uint8_t *body;
    size_t len;
    assert_int_equal(sp_nwbuf_wait(&in, sv[1], 1000, &type, &body, &len), 1);
    assert_int_equal(type, SP_NW_READY);
    assert_true(sp_nwbuf_has_frame(&in));
    took_link = false;
    assert_int_equal(sp_nwbuf_take(&in, take_fn, NULL), 0);
    assert_true(took_link);
    assert_false(sp_nwbuf_has_frame(&in)); /* one byte of a header is not a frame */
    assert_int_equal(in.len - in.off, 1);
    sp_nwbuf_free(&out);
    sp_nwbuf_free(&in);
    close(sv[0]);
    close(sv[1]);
}

/* The reader fails once the body is short, and stays failed; strings longer
 * than their room or holding a NUL fail it too. */
static void test_reader_bounds(void **state)
{
    (void)state;
    const uint8_t body[] = {0, 5, 'a', 'b', 0, 'c', 'd', 7};
    char s[8];
    struct sp_nwread r = {body, sizeof body, true};
    sp_nwread_str(&r, s, sizeof s); /* a NUL inside */
    assert_false(r.ok);
    assert_int_equal(sp_nwread_u8(&r), 0); /* stays failed */
    r = (struct sp_nwread){body, sizeof body, true};
    sp_nwread_str(&r, s, 4); /* 5 bytes do not fit in 4 */
    assert_false(r.ok);
    r = (struct sp_nwread){body, 3, true};
    assert_null(sp_nwread_bytes(&r, 4));
    assert_false(r.ok);
    r = (struct sp_nwread){body, sizeof body, true};
    assert_int_equal(sp_nwread_u32(&r), 0x00056162);
    assert_int_equal(sp_nwread_u32(&r), 0x00636407);
    assert_true(r.ok);
    assert_int_equal(sp_nwread_u8(&r), 0);
    assert_false(r.ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_frame_lengths),
        cmocka_unit_test(test_reader_bounds),
        cmocka_unit_test(test_frames_read_with_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
