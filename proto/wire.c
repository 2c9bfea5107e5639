/*
 * Bounded msgpack writing (through msgpack-c) and strict reading (by hand).
 * See wire.h for why reading does not use msgpack_unpack.
 */
#include "proto/wire.h"

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "common/utf8.h"

/* ---- writing ---- */

void sp_wire_writer_fixed(struct sp_wire_writer *w, uint8_t *buf, size_t cap)
{
    *w = (struct sp_wire_writer){.buf = buf, .cap = cap, .max = cap};
}

void sp_wire_writer_growable(struct sp_wire_writer *w, size_t max)
{
    *w = (struct sp_wire_writer){.max = max, .grow = true};
}

void sp_wire_fail(struct sp_wire_writer *w, int err)
{
    if (w->err == 0)
        w->err = err;
}

static int grow_to(struct sp_wire_writer *w, size_t need)
{
    size_t cap = w->cap ? w->cap : 256;
    uint8_t *nb;

    if (need > w->max)
        return SP_ERR_PROTO_OVERSIZED;
    while (cap < need)
        cap = cap > w->max / 2 ? w->max : cap * 2;
    nb = realloc(w->buf, cap);
    if (nb == NULL)
        return SP_ERR_NOMEM;
    w->buf = nb;
    w->cap = cap;
    return 0;
}

/* msgpack_packer write callback: appends or records why it could not. */
static int writer_cb(void *data, const char *buf, size_t len)
{
    struct sp_wire_writer *w = data;
    int err = 0;

    if (w->err != 0)
        return -1;
    if (len > w->cap - w->len) {
        if (!w->grow || len > SIZE_MAX - w->len)
            err = w->grow ? SP_ERR_PROTO_OVERSIZED : SP_ERR_OVERFLOW;
        else
            err = grow_to(w, w->len + len);
    }
    if (err != 0) {
        w->err = err;
        return -1;
    }
    if (len > 0)
        memcpy(w->buf + w->len, buf, len);
    w->len += len;
    return 0;
}

int sp_wire_writer_finish(struct sp_wire_writer *w, uint8_t **out, size_t *len_out)
{
    int err = w->err;

    if (w->grow) {
        if (err == 0 && out != NULL)
            *out = w->buf;
        else
            free(w->buf);
        w->buf = NULL;
    }
    if (err == 0)
        *len_out = w->len;
    return err;
}

int sp_wire_encode(sp_wire_put_fn put, const void *msg, uint8_t *buf, size_t cap, size_t *len_out)
{
    struct sp_wire_writer w;

    sp_wire_writer_fixed(&w, buf, cap);
    put(&w, msg);
    return sp_wire_writer_finish(&w, NULL, len_out);
}

int sp_wire_encode_alloc(sp_wire_put_fn put, const void *msg, size_t max, uint8_t **out,
                         size_t *len_out)
{
    struct sp_wire_writer w;

    sp_wire_writer_growable(&w, max);
    put(&w, msg);
    return sp_wire_writer_finish(&w, out, len_out);
}

/* Every put builds a packer on the stack: msgpack_packer is two words, and
 * this keeps msgpack-c's types out of wire.h. */
#define SP_WIRE_PACK(w, call)                                                                      \
    do {                                                                                           \
        msgpack_packer pk_;                                                                        \
        if ((w)->err != 0)                                                                         \
            return;                                                                                \
        msgpack_packer_init(&pk_, (w), writer_cb);                                                 \
        if ((call) != 0)                                                                           \
            sp_wire_fail((w), SP_ERR_INTERNAL);                                                    \
    } while (0)

void sp_wire_put_array(struct sp_wire_writer *w, uint32_t n)
{
    SP_WIRE_PACK(w, msgpack_pack_array(&pk_, n));
}

void sp_wire_put_uint(struct sp_wire_writer *w, uint64_t v)
{
    SP_WIRE_PACK(w, msgpack_pack_uint64(&pk_, v));
}

void sp_wire_put_int(struct sp_wire_writer *w, int64_t v)
{
    SP_WIRE_PACK(w, msgpack_pack_int64(&pk_, v));
}

void sp_wire_put_bool(struct sp_wire_writer *w, bool v)
{
    SP_WIRE_PACK(w, v ? msgpack_pack_true(&pk_) : msgpack_pack_false(&pk_));
}

void sp_wire_put_nil(struct sp_wire_writer *w)
{
    SP_WIRE_PACK(w, msgpack_pack_nil(&pk_));
}

void sp_wire_put_bin(struct sp_wire_writer *w, const void *p, size_t n)
{
    if (n > UINT32_MAX) {
        sp_wire_fail(w, SP_ERR_PROTO_OVERSIZED);
        return;
    }
    SP_WIRE_PACK(w, msgpack_pack_bin_with_body(&pk_, n ? p : "", n));
}

void sp_wire_put_str(struct sp_wire_writer *w, const char *s, size_t n)
{
    if (n > UINT32_MAX) {
        sp_wire_fail(w, SP_ERR_PROTO_OVERSIZED);
        return;
    }
    SP_WIRE_PACK(w, msgpack_pack_str_with_body(&pk_, n ? s : "", n));
}

void sp_wire_put_cstr(struct sp_wire_writer *w, const char *s, size_t max)
{
    size_t n = sp_wire_strnlen(s, max + 1);

    if (n > max) {
        sp_wire_fail(w, SP_ERR_PROTO_FIELD);
        return;
    }
    sp_wire_put_str(w, s, n);
}

void sp_wire_put_u64s_le(struct sp_wire_writer *w, const uint64_t *v, uint32_t n)
{
    uint8_t chunk[8 * 64];

    SP_WIRE_PACK(w, msgpack_pack_bin(&pk_, (size_t)n * 8));
    /* In chunks through a stack buffer: the host's byte order may differ. */
    for (uint32_t i = 0; i < n; i += 64) {
        uint32_t k = n - i < 64 ? n - i : 64;
        for (uint32_t j = 0; j < k; j++) {
            for (unsigned b = 0; b < 8; b++)
                chunk[8 * j + b] = (uint8_t)(v[i + j] >> (8 * b));
        }
        SP_WIRE_PACK(w, msgpack_pack_bin_body(&pk_, chunk, (size_t)k * 8));
    }
}

/* ---- reading ---- */

void sp_wire_reader_init(struct sp_wire_reader *r, const uint8_t *buf, size_t len)
{
    /* A NULL buf reads as empty input (TRUNCATED): NULL + len is undefined
     * behaviour even for len 0, and a NULL with a length is a caller's bug. */
    r->p = buf;
    r->end = buf != NULL ? buf + len : buf;
}

int sp_wire_end(const struct sp_wire_reader *r)
{
    return r->p == r->end ? 0 : SP_ERR_PROTO_TRAILING;
}

static size_t left(const struct sp_wire_reader *r)
{
    return (size_t)(r->end - r->p);
}

static int take(struct sp_wire_reader *r, size_t n, const uint8_t **out)
{
    if (left(r) < n)
        return SP_ERR_PROTO_TRUNCATED;
    *out = r->p;
    r->p += n;
    return 0;
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Unexpected tag: 0xc1 is reserved by msgpack (never valid), anything else
 * is a valid element of another type. */
static int bad_tag(uint8_t tag)
{
    return tag == 0xc1 ? SP_ERR_PROTO_MALFORMED : SP_ERR_PROTO_TYPE;
}

enum sp_wire_family { FAM_ARRAY, FAM_STR, FAM_BIN };

/* Per family: the fix-form tag range (mask, value, count bits; bin has none),
 * then the 8-, 16- and 32-bit length tags (0 when absent) with the smallest
 * length each may carry in canonical (shortest) form. */
static const struct {
    uint8_t fix_mask, fix_value, fix_bits;
    uint8_t tag[3];
    uint32_t min[3];
} families[] = {
    [FAM_ARRAY] = {0xf0, 0x90, 4, {0, 0xdc, 0xdd}, {0, 16, 0x10000}},
    [FAM_STR] = {0xe0, 0xa0, 5, {0xd9, 0xda, 0xdb}, {32, 0x100, 0x10000}},
    [FAM_BIN] = {0, 0, 0, {0xc4, 0xc5, 0xc6}, {0, 0x100, 0x10000}},
};

static int read_len(struct sp_wire_reader *r, enum sp_wire_family fam, uint64_t *n)
{
    const uint8_t *t, *b;
    size_t k;
    int err = take(r, 1, &t);

    if (err != 0)
        return err;
    if (families[fam].fix_bits && (*t & families[fam].fix_mask) == families[fam].fix_value) {
        *n = *t & ((1u << families[fam].fix_bits) - 1);
        return 0;
    }
    for (k = 0; k < 3; k++) {
        if (families[fam].tag[k] != 0 && *t == families[fam].tag[k])
            break;
    }
    if (k == 3)
        return bad_tag(*t);
    err = take(r, (size_t)1 << k, &b);
    if (err != 0)
        return err;
    *n = load_be(b, (size_t)1 << k);
    return *n < families[fam].min[k] ? SP_ERR_PROTO_MALFORMED : 0;
}

struct sp_wire_int {
    bool neg;
    uint64_t u; /* when !neg */
    int64_t s;  /* when neg */
};

static int read_int(struct sp_wire_reader *r, struct sp_wire_int *v)
{
    static const uint64_t umin[4] = {0x80, 0x100, 0x10000, UINT64_C(0x100000000)};
    static const int64_t smax[4] = {-33, -129, -32769, -(INT64_C(1) << 31) - 1};
    const uint8_t *t, *b;
    size_t k;
    int err = take(r, 1, &t);

    if (err != 0)
        return err;
    *v = (struct sp_wire_int){0};
    if (*t <= 0x7f || *t >= 0xe0) {
        v->neg = *t >= 0xe0;
        v->u = v->neg ? 0 : *t;
        v->s = v->neg ? (int64_t)*t - 256 : 0;
        return 0;
    }
    if (*t < 0xcc || *t > 0xd3)
        return bad_tag(*t);
    k = (size_t)(*t - 0xcc) & 3; /* 0xcc..0xcf uint8..64, 0xd0..0xd3 int8..64 */
    err = take(r, (size_t)1 << k, &b);
    if (err != 0)
        return err;
    v->u = load_be(b, (size_t)1 << k);
    if (*t <= 0xcf)
        return v->u < umin[k] ? SP_ERR_PROTO_MALFORMED : 0;
    /* Sign-extend the two's complement value of 8 << k bits. */
    v->neg = true;
    if (k < 3 && (v->u >> ((8u << k) - 1)) != 0)
        v->s = (int64_t)v->u - ((int64_t)1 << (8u << k));
    else
        v->s = (int64_t)v->u;
    /* A non-negative value, or one a shorter form holds, is not canonical. */
    return v->s > smax[k] ? SP_ERR_PROTO_MALFORMED : 0;
}

int sp_wire_get_uint(struct sp_wire_reader *r, uint64_t max, uint64_t *v)
{
    struct sp_wire_int x;
    int err = read_int(r, &x);

    if (err != 0)
        return err;
    if (x.neg || x.u > max)
        return SP_ERR_PROTO_FIELD;
    *v = x.u;
    return 0;
}

int sp_wire_get_u8(struct sp_wire_reader *r, uint8_t *v)
{
    uint64_t x;
    int err = sp_wire_get_uint(r, UINT8_MAX, &x);

    if (err == 0)
        *v = (uint8_t)x;
    return err;
}

int sp_wire_get_u32(struct sp_wire_reader *r, uint32_t *v)
{
    uint64_t x;
    int err = sp_wire_get_uint(r, UINT32_MAX, &x);

    if (err == 0)
        *v = (uint32_t)x;
    return err;
}

int sp_wire_get_u64(struct sp_wire_reader *r, uint64_t *v)
{
    return sp_wire_get_uint(r, UINT64_MAX, v);
}

int sp_wire_get_i32(struct sp_wire_reader *r, int32_t *v)
{
    struct sp_wire_int x;
    int err = read_int(r, &x);

    if (err != 0)
        return err;
    if (x.neg ? x.s < INT32_MIN : x.u > INT32_MAX)
        return SP_ERR_PROTO_FIELD;
    *v = x.neg ? (int32_t)x.s : (int32_t)x.u;
    return 0;
}

int sp_wire_get_bool(struct sp_wire_reader *r, bool *v)
{
    const uint8_t *t;
    int err = take(r, 1, &t);

    if (err != 0)
        return err;
    if (*t != 0xc2 && *t != 0xc3)
        return bad_tag(*t);
    *v = *t == 0xc3;
    return 0;
}

bool sp_wire_take_nil(struct sp_wire_reader *r)
{
    if (left(r) == 0 || *r->p != 0xc0)
        return false;
    r->p++;
    return true;
}

int sp_wire_get_array(struct sp_wire_reader *r, uint32_t max, uint32_t *n)
{
    uint64_t len;
    int err = read_len(r, FAM_ARRAY, &len);

    if (err != 0)
        return err;
    if (len > max)
        return SP_ERR_PROTO_OVERSIZED;
    if (len > left(r))
        return SP_ERR_PROTO_TRUNCATED;
    *n = (uint32_t)len;
    return 0;
}

int sp_wire_get_tuple(struct sp_wire_reader *r, uint32_t n)
{
    uint64_t len;
    int err = read_len(r, FAM_ARRAY, &len);

    if (err != 0)
        return err;
    if (len > n)
        return SP_ERR_PROTO_OVERSIZED;
    return len == n ? 0 : SP_ERR_PROTO_MALFORMED;
}

static int get_bytes(struct sp_wire_reader *r, enum sp_wire_family fam, size_t max,
                     const uint8_t **p, size_t *n)
{
    uint64_t len;
    int err = read_len(r, fam, &len);

    if (err != 0)
        return err;
    if (len > max)
        return SP_ERR_PROTO_OVERSIZED;
    err = take(r, (size_t)len, p);
    if (err != 0)
        return err;
    if (len == 0)
        *p = NULL;
    *n = (size_t)len;
    return 0;
}

int sp_wire_get_bin(struct sp_wire_reader *r, size_t max, const uint8_t **p, size_t *n)
{
    return get_bytes(r, FAM_BIN, max, p, n);
}

int sp_wire_get_u64s_le(struct sp_wire_reader *r, uint32_t max, const uint8_t **p, uint32_t *n)
{
    size_t len;
    int err = get_bytes(r, FAM_BIN, (size_t)max * 8, p, &len);

    if (err == 0 && len % 8 != 0)
        err = SP_ERR_PROTO_FIELD;
    if (err == 0)
        *n = (uint32_t)(len / 8);
    return err;
}

void sp_wire_load_u64s_le(const uint8_t *p, uint32_t n, uint64_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = 0;
        for (unsigned b = 8; b-- > 0;)
            v = (v << 8) | p[8 * i + b];
        out[i] = v;
    }
}

int sp_wire_get_fixed(struct sp_wire_reader *r, uint8_t *out, size_t n)
{
    uint64_t len;
    const uint8_t *p;
    int err = read_len(r, FAM_BIN, &len);

    if (err != 0)
        return err;
    if (len != n)
        return len > n ? SP_ERR_PROTO_OVERSIZED : SP_ERR_PROTO_FIELD;
    err = take(r, n, &p);
    if (err == 0)
        memcpy(out, p, n);
    return err;
}

int sp_wire_get_str(struct sp_wire_reader *r, size_t max, const char **p, size_t *n)
{
    const uint8_t *b;
    size_t len;
    int err = get_bytes(r, FAM_STR, max, &b, &len);

    if (err != 0)
        return err;
    if (!sp_utf8_valid(b, len))
        return SP_ERR_PROTO_FIELD;
    *p = (const char *)b;
    *n = len;
    return 0;
}

int sp_wire_get_text(struct sp_wire_reader *r, size_t min, size_t max, char *dst)
{
    const uint8_t *b;
    size_t len;
    int err = get_bytes(r, FAM_STR, max, &b, &len);

    if (err != 0)
        return err;
    if (len < min || !sp_wire_text_valid((const char *)b, len))
        return SP_ERR_PROTO_FIELD;
    if (len > 0)
        memcpy(dst, b, len);
    dst[len] = '\0';
    return 0;
}

/* ---- text ---- */

static bool is_control(uint8_t c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

bool sp_wire_text_valid(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;

    for (size_t i = 0; i < n; i++) {
        if (is_control(u[i]))
            return false;
    }
    return sp_utf8_valid(u, n);
}

size_t sp_wire_strnlen(const char *s, size_t cap)
{
    const char *z = memchr(s, 0, cap);

    return z ? (size_t)(z - s) : cap;
}

void sp_wire_text_sanitize(char *dst, size_t max, const char *s)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t n = s ? strlen(s) : 0, i = 0, o = 0;

    while (i < n) {
        size_t k = sp_utf8_seq_len(u + i, n - i, NULL);
        if (k == 0 || (k == 1 && is_control(u[i]))) {
            k = 1;
            if (o + 1 > max)
                break;
            dst[o++] = ' ';
        } else {
            if (o + k > max)
                break;
            memcpy(dst + o, u + i, k);
            o += k;
        }
        i += k;
    }
    dst[o] = '\0';
}
