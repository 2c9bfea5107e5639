/*
 * Test support: fixtures, msgpack walking/mutation and the rejection battery.
 * The walker is written independently of proto/wire.c so that a bug in the
 * decoder's reading is not mirrored here.
 */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"

#ifndef SP_PROTO_FIXTURES
#define SP_PROTO_FIXTURES "tests/proto/fixtures"
#endif

/* ---- fixtures ---- */

static char *fx_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 8;
    char *p = malloc(n);

    assert_non_null(p);
    snprintf(p, n, "%s/%s.hex", dir, name);
    return p;
}

uint8_t *fx_load(const char *name, size_t *len)
{
    char *path = fx_path(SP_PROTO_FIXTURES, name);
    FILE *f = fopen(path, "r");
    uint8_t *buf;
    size_t n = 0, cap = 4096;
    int c, hi = -1;
    bool comment = false, bol = true;

    if (f == NULL)
        fail_msg("missing fixture %s", path);
    buf = malloc(cap);
    assert_non_null(buf);
    while ((c = fgetc(f)) != EOF) {
        if (bol && c == '#')
            comment = true;
        bol = c == '\n';
        if (comment) {
            comment = c != '\n';
            continue;
        }
        if (sp_hex_digit((char)c) < 0)
            continue;
        if (hi < 0) {
            hi = sp_hex_digit((char)c);
            continue;
        }
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        assert_non_null(buf);
        buf[n++] = (uint8_t)(hi << 4 | sp_hex_digit((char)c));
        hi = -1;
    }
    fclose(f);
    free(path);
    assert_int_equal(hi, -1);
    *len = n;
    return buf;
}

bool fx_writing(void)
{
    const char *d = getenv("SP_PROTO_WRITE_FIXTURES");

    return d != NULL && d[0] != '\0';
}

void fx_write(const char *name, const char *comment, const uint8_t *buf, size_t len)
{
    char *path = fx_path(getenv("SP_PROTO_WRITE_FIXTURES"), name);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fprintf(f, "# %s\n", comment);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x%s", buf[i], (i % 32 == 31 || i + 1 == len) ? "\n" : "");
    fclose(f);
    free(path);
}

void fx_check(const char *name, const char *comment, const uint8_t *buf, size_t len)
{
    uint8_t *want;
    size_t wlen;

    if (fx_writing()) {
        fx_write(name, comment, buf, len);
        return;
    }
    want = fx_load(name, &wlen);
    if (wlen != len || memcmp(want, buf, len) != 0) {
        for (size_t i = 0; i < len && i < wlen; i++) {
            if (want[i] != buf[i]) {
                print_error("%s: first difference at byte %zu\n", name, i);
                break;
            }
        }
        fail_msg("%s: encoding (%zu bytes) differs from the golden fixture (%zu bytes)", name, len,
                 wlen);
    }
    free(want);
}

/* ---- msgpack walking ---- */

struct walk {
    const uint8_t *buf;
    size_t len;
    struct mp_elem *elems;
    size_t n, max;
};

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Classifies the tag at pos: kind, header width after the tag, and how the
 * length/count is read (lenw bytes, or fixed from the tag). */
static bool classify(uint8_t t, enum mp_kind *k, size_t *hdr, size_t *lenw, uint64_t *fixv)
{
    static const struct {
        uint8_t lo, hi;
        enum mp_kind kind;
        uint8_t hdr, lenw;
    } tags[] = {
        {0xc0, 0xc0, MP_NIL, 0, 0},   {0xc2, 0xc3, MP_BOOL, 0, 0},   {0xc4, 0xc4, MP_BIN, 1, 1},
        {0xc5, 0xc5, MP_BIN, 2, 2},   {0xc6, 0xc6, MP_BIN, 4, 4},    {0xc7, 0xc7, MP_OTHER, 2, 1},
        {0xc8, 0xc8, MP_OTHER, 3, 2}, {0xc9, 0xc9, MP_OTHER, 5, 4},  {0xca, 0xca, MP_OTHER, 4, 0},
        {0xcb, 0xcb, MP_OTHER, 8, 0}, {0xcc, 0xcc, MP_UINT, 1, 0},   {0xcd, 0xcd, MP_UINT, 2, 0},
        {0xce, 0xce, MP_UINT, 4, 0},  {0xcf, 0xcf, MP_UINT, 8, 0},   {0xd0, 0xd0, MP_NINT, 1, 0},
        {0xd1, 0xd1, MP_NINT, 2, 0},  {0xd2, 0xd2, MP_NINT, 4, 0},   {0xd3, 0xd3, MP_NINT, 8, 0},
        {0xd4, 0xd4, MP_OTHER, 2, 0}, {0xd5, 0xd5, MP_OTHER, 3, 0},  {0xd6, 0xd6, MP_OTHER, 5, 0},
        {0xd7, 0xd7, MP_OTHER, 9, 0}, {0xd8, 0xd8, MP_OTHER, 17, 0}, {0xd9, 0xd9, MP_STR, 1, 1},
        {0xda, 0xda, MP_STR, 2, 2},   {0xdb, 0xdb, MP_STR, 4, 4},    {0xdc, 0xdc, MP_ARRAY, 2, 2},
        {0xdd, 0xdd, MP_ARRAY, 4, 4}, {0xde, 0xde, MP_MAP, 2, 2},    {0xdf, 0xdf, MP_MAP, 4, 4},
    };

    *hdr = 0;
    *lenw = 0;
    *fixv = 0;
    if (t <= 0x7f || t >= 0xe0) {
        *k = t <= 0x7f ? MP_UINT : MP_NINT;
        *fixv = t;
        return true;
    }
    if (t <= 0xbf) {
        *k = t <= 0x8f ? MP_MAP : t <= 0x9f ? MP_ARRAY : MP_STR;
        *fixv = t <= 0x9f ? (t & 0x0fu) : (t & 0x1fu);
        return true;
    }
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        if (t >= tags[i].lo && t <= tags[i].hi) {
            *k = tags[i].kind;
            *hdr = tags[i].hdr;
            *lenw = tags[i].lenw;
            return true;
        }
    }
    return false; /* 0xc1 */
}

static bool walk_elem(struct walk *w, size_t *pos, const char *path, int depth)
{
    struct mp_elem e = {.start = *pos};
    size_t hdr, lenw, children = 0, body = 0;
    uint64_t fixv;

    if (*pos >= w->len || depth > 16 || !classify(w->buf[*pos], &e.kind, &hdr, &lenw, &fixv))
        return false;
    if (*pos + 1 + hdr > w->len)
        return false;
    e.hdr_end = *pos + 1 + hdr;
    e.value = lenw ? be(w->buf + *pos + 1, lenw) : (hdr ? be(w->buf + *pos + 1, hdr) : fixv);
    if (e.kind == MP_ARRAY || e.kind == MP_MAP)
        children = e.kind == MP_MAP ? 2 * e.value : e.value;
    else if (e.kind == MP_STR || e.kind == MP_BIN || (e.kind == MP_OTHER && lenw))
        body = e.value; /* for ext the type byte is counted in hdr */
    snprintf(e.path, sizeof(e.path), "%s", path);
    size_t idx = w->n;
    if (w->n < w->max)
        w->elems[w->n] = e;
    w->n++;
    *pos = e.hdr_end;
    for (uint64_t i = 0; i < children; i++) {
        char sub[sizeof(e.path)];
        int n =
            snprintf(sub, sizeof(sub), "%s%s%llu", path, path[0] ? "." : "", (unsigned long long)i);
        if (n < 0 || (size_t)n >= sizeof(sub) || !walk_elem(w, pos, sub, depth + 1))
            return false;
    }
    if (body > w->len - *pos)
        return false;
    *pos += body;
    if (idx < w->max)
        w->elems[idx].end = *pos;
    return true;
}

size_t mp_walk(const uint8_t *buf, size_t len, struct mp_elem *elems, size_t max)
{
    struct walk w = {buf, len, elems, 0, max};
    size_t pos = 0;

    if (!walk_elem(&w, &pos, "", 0) || pos != len || w.n > max)
        return 0;
    return w.n;
}

const struct mp_elem *mp_find(const struct mp_elem *elems, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(elems[i].path, path) == 0)
            return &elems[i];
    }
    return NULL;
}

size_t mp_splice(uint8_t *out, const uint8_t *buf, size_t len, size_t start, size_t end,
                 const uint8_t *repl, size_t rlen)
{
    memcpy(out, buf, start);
    memcpy(out + start, repl, rlen);
    memcpy(out + start + rlen, buf + end, len - end);
    return start + rlen + (len - end);
}

static size_t put_be(uint8_t *out, uint8_t tag, uint64_t v, size_t width)
{
    out[0] = tag;
    for (size_t i = 0; i < width; i++)
        out[1 + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    return 1 + width;
}

size_t mp_widen(const uint8_t *buf, const struct mp_elem *e, uint8_t *out)
{
    size_t hw = e->hdr_end - e->start - 1; /* bytes after the tag */
    uint8_t t = buf[e->start];

    switch (e->kind) {
    case MP_UINT:
        if (hw == 8)
            return 0;
        return put_be(out, hw == 0 ? 0xcc : (uint8_t)(t + 1), e->value, hw == 0 ? 1 : 2 * hw);
    case MP_NINT: {
        int64_t v = hw == 0   ? (int8_t)t
                    : hw == 1 ? (int8_t)e->value
                    : hw == 2 ? (int16_t)e->value
                              : (int32_t)e->value;
        if (hw == 8)
            return 0;
        return put_be(out, hw == 0 ? 0xd0 : (uint8_t)(t + 1), (uint64_t)v, hw == 0 ? 1 : 2 * hw);
    }
    case MP_STR:
        if (hw == 4)
            return 0;
        return put_be(out, hw == 0 ? 0xd9 : (uint8_t)(t + 1), e->value, hw == 0 ? 1 : 2 * hw);
    case MP_BIN:
    case MP_ARRAY:
        if (hw == 4)
            return 0;
        if (hw == 0) /* fixarray -> array16 */
            return put_be(out, 0xdc, e->value, 2);
        return put_be(out, (uint8_t)(t + 1), e->value, 2 * hw);
    default:
        return 0;
    }
}

size_t mp_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;

    for (; *hex; hex++) {
        int v = sp_hex_digit(*hex);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        assert_true(n < cap);
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return n;
}

/* ---- the rejection battery ---- */

#define MAX_ELEMS 4096

static void expect(const char *name, const char *what, const char *path, const struct codec *c,
                   const uint8_t *buf, size_t len, int want)
{
    int got = codec_decode(c, buf, len);

    if (got != want)
        fail_msg("%s: %s at element \"%s\": got %s, want %s", name, what, path, sp_errname(got),
                 sp_errname(want));
}

static void battery_truncation(const char *name, const uint8_t *buf, size_t len,
                               const struct codec *c)
{
    for (size_t l = 0; l < len; l++) {
        /* A copy of exactly l bytes, so ASan sees any read beyond it. */
        uint8_t *p = malloc(l ? l : 1);
        char what[64];
        assert_non_null(p);
        memcpy(p, buf, l);
        snprintf(what, sizeof(what), "truncated to %zu bytes", l);
        expect(name, what, "", c, p, l, SP_ERR_PROTO_TRUNCATED);
        free(p);
    }
}

static void battery_trailing(const char *name, const uint8_t *buf, size_t len,
                             const struct codec *c)
{
    uint8_t *p = malloc(2 * len);

    assert_non_null(p);
    memcpy(p, buf, len);
    p[len] = 0x00;
    expect(name, "one trailing byte", "", c, p, len + 1, SP_ERR_PROTO_TRAILING);
    memcpy(p + len, buf, len);
    expect(name, "two messages in one frame", "", c, p, 2 * len, SP_ERR_PROTO_TRAILING);
    free(p);
}

static void battery_element(const char *name, const uint8_t *buf, size_t len,
                            const struct mp_elem *e, const struct codec *c, uint8_t *scratch)
{
    static const uint8_t map0[] = {0x80}, str_x[] = {0xa1, 0x78}, uint0[] = {0x00};
    uint8_t hdr[16];
    size_t n, hl;

    n = mp_splice(scratch, buf, len, e->start, e->end, map0, sizeof(map0));
    expect(name, "replaced by a map", e->path, c, scratch, n, SP_ERR_PROTO_TYPE);
    n = e->kind == MP_STR ? mp_splice(scratch, buf, len, e->start, e->end, uint0, 1)
                          : mp_splice(scratch, buf, len, e->start, e->end, str_x, 2);
    expect(name, "replaced by another type", e->path, c, scratch, n, SP_ERR_PROTO_TYPE);
    hl = mp_widen(buf, e, hdr);
    if (hl > 0) {
        n = mp_splice(scratch, buf, len, e->start, e->hdr_end, hdr, hl);
        expect(name, "widened (non-canonical)", e->path, c, scratch, n, SP_ERR_PROTO_MALFORMED);
    }
    if (e->kind == MP_STR || e->kind == MP_BIN || e->kind == MP_ARRAY) {
        uint8_t tag = e->kind == MP_STR ? 0xdb : e->kind == MP_BIN ? 0xc6 : 0xdd;
        hl = put_be(hdr, tag, UINT32_MAX, 4);
        n = mp_splice(scratch, buf, len, e->start, e->hdr_end, hdr, hl);
        expect(name, "length 2^32-1 claimed", e->path, c, scratch, n, SP_ERR_PROTO_OVERSIZED);
    }
}

static void battery_version(const char *name, const uint8_t *buf, size_t len,
                            const struct mp_elem *elems, size_t n, const struct codec *c,
                            uint8_t *scratch)
{
    /* every family's version but the fixture's own (peer 2, the others 1) */
    static const char *versions[] = {"00", "01", "02",     "03",
                                     "7f", "ff", "cd0101", "cf0000000100000001"};
    const struct mp_elem *v = mp_find(elems, n, "0");
    uint8_t repl[16];

    assert_non_null(v);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        size_t rl = mp_hex(versions[i], repl, sizeof(repl));
        if (rl == v->end - v->start && memcmp(repl, buf + v->start, rl) == 0)
            continue;
        size_t l = mp_splice(scratch, buf, len, v->start, v->end, repl, rl);
        expect(name, versions[i], "0", c, scratch, l, SP_ERR_PROTO_VERSION);
    }
}

void reject_battery(const char *name, const uint8_t *buf, size_t len, const struct codec *c)
{
    struct mp_elem *elems = calloc(MAX_ELEMS, sizeof(*elems));
    uint8_t *scratch = malloc(len + 64);
    size_t n;

    assert_non_null(elems);
    assert_non_null(scratch);
    assert_int_equal(codec_decode(c, buf, len), 0);
    n = mp_walk(buf, len, elems, MAX_ELEMS);
    assert_true(n > 0);
    battery_truncation(name, buf, len, c);
    battery_trailing(name, buf, len, c);
    battery_version(name, buf, len, elems, n, c, scratch);
    for (size_t i = 0; i < n; i++)
        battery_element(name, buf, len, &elems[i], c, scratch);
    free(scratch);
    free(elems);
}

void apply_patches(const struct patch *t, size_t n, const struct codec *c)
{
    for (size_t i = 0; i < n; i++) {
        size_t len, rl, ne, ol, cap = strlen(t[i].hex) / 2 + t[i].pad + 1;
        uint8_t *fx = fx_load(t[i].fixture, &len);
        struct mp_elem *elems = calloc(MAX_ELEMS, sizeof(*elems));
        uint8_t *repl = calloc(1, cap), *out;
        const struct mp_elem *e;
        char path[48];
        bool header_only;
        int got;

        assert_non_null(elems);
        assert_non_null(repl);
        ne = mp_walk(fx, len, elems, MAX_ELEMS);
        snprintf(path, sizeof(path), "%s", t[i].path);
        header_only = path[0] != '\0' && path[strlen(path) - 1] == '^';
        if (header_only)
            path[strlen(path) - 1] = '\0';
        e = mp_find(elems, ne, path);
        if (e == NULL) {
            fail_msg("%s: no element %s", t[i].fixture, t[i].path);
            return; /* not reached: fail_msg does not return */
        }
        rl = mp_hex(t[i].hex, repl, cap) + t[i].pad;
        out = malloc(len + rl);
        assert_non_null(out);
        ol = mp_splice(out, fx, len, e->start, header_only ? e->hdr_end : e->end, repl, rl);
        got = codec_decode(c, out, ol);
        if (got != t[i].want)
            fail_msg("%s element \"%s\" := %s: got %s, want %s", t[i].fixture, t[i].path, t[i].hex,
                     sp_errname(got), sp_errname(t[i].want));
        free(out);
        free(repl);
        free(elems);
        free(fx);
    }
}
