/*
 * Arithmetic mod p = 2^255 - 19 and the RFC 9380 curve25519 map, written for
 * this project (see curve25519.h for what it computes).
 *
 * Representation: five 51-bit limbs, little-endian, products in unsigned
 * __int128. Invariant: every fe_* result has limbs below 2^52 (a "weakly
 * reduced" value, not necessarily < p; fe_add and fe_sub carry too), which
 * keeps fe_mul's 128-bit sums and fe_sub's 4p offset within range. Only
 * fe_tobytes produces the canonical value. No branch or index depends on a
 * field element.
 *
 * Why u-only: the protocol compares and blinds u-coordinates (X25519), so
 * after the map and the _RO_ addition (which need y) everything is x-only
 * projective (X : Z), and the inversions of a whole batch are shared.
 */
#include "curve25519.h"

#include "ct.h"

#include <string.h>

#include <sodium.h>

#define MASK51 ((uint64_t)0x7ffffffffffff)

struct fe {
    uint64_t v[5];
};

static const struct fe fe_one_c = {{1, 0, 0, 0, 0}};
/* sqrt(-1) = 2^((p-1)/4) and c2 = 2^((p+3)/8) of RFC 9380 appendix G.2.1. */
static const struct fe fe_sqrtm1 = {
    {0x61b274a0ea0b0, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d}};
static const struct fe fe_c2 = {
    {0x61b274a0ea0b1, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d}};
/* 2^192 mod p (hash_to_field reduces 384-bit strings as lo + hi * 2^192). */
static const struct fe fe_2_192 = {{0, 0, 0, (uint64_t)1 << 39, 0}};

#define MONT_A   486662u
#define MONT_A24 121666u /* (A + 2) / 4 */
#define FE_LIMBS 5

static uint64_t load64_le(const uint8_t *s)
{
    uint64_t r = 0;
    for (int i = 7; i >= 0; i--)
        r = (r << 8) | s[i];
    return r;
}

static void store64_le(uint8_t *s, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        s[i] = (uint8_t)(v >> (8 * i));
}

/* Carries so that every limb is below 2^51 + 2^13 (h4's carry folds into h0
 * as 19 * c). */
static void fe_carry(struct fe *h)
{
    uint64_t c;

    c = h->v[0] >> 51, h->v[0] &= MASK51, h->v[1] += c;
    c = h->v[1] >> 51, h->v[1] &= MASK51, h->v[2] += c;
    c = h->v[2] >> 51, h->v[2] &= MASK51, h->v[3] += c;
    c = h->v[3] >> 51, h->v[3] &= MASK51, h->v[4] += c;
    c = h->v[4] >> 51, h->v[4] &= MASK51, h->v[0] += 19 * c;
}

static void fe_frombytes(struct fe *h, const uint8_t s[32])
{
    h->v[0] = load64_le(s) & MASK51;
    h->v[1] = (load64_le(s + 6) >> 3) & MASK51;
    h->v[2] = (load64_le(s + 12) >> 6) & MASK51;
    h->v[3] = (load64_le(s + 19) >> 1) & MASK51;
    h->v[4] = (load64_le(s + 24) >> 12) & MASK51; /* bit 255 dropped */
}

static void fe_tobytes(uint8_t s[32], const struct fe *f)
{
    struct fe h = *f;
    uint64_t q;

    fe_carry(&h);
    fe_carry(&h);
    /* h < 2^255 + small; q = 1 exactly when h >= p. */
    q = (h.v[0] + 19) >> 51;
    q = (h.v[1] + q) >> 51;
    q = (h.v[2] + q) >> 51;
    q = (h.v[3] + q) >> 51;
    q = (h.v[4] + q) >> 51;
    /* h + 19 q - 2^255 q: carry without folding the top carry back in. */
    h.v[0] += 19 * q;
    h.v[1] += h.v[0] >> 51, h.v[0] &= MASK51;
    h.v[2] += h.v[1] >> 51, h.v[1] &= MASK51;
    h.v[3] += h.v[2] >> 51, h.v[2] &= MASK51;
    h.v[4] += h.v[3] >> 51, h.v[3] &= MASK51;
    h.v[4] &= MASK51;
    store64_le(s, h.v[0] | (h.v[1] << 51));
    store64_le(s + 8, (h.v[1] >> 13) | (h.v[2] << 38));
    store64_le(s + 16, (h.v[2] >> 26) | (h.v[3] << 25));
    store64_le(s + 24, (h.v[3] >> 39) | (h.v[4] << 12));
}

static void fe_add(struct fe *h, const struct fe *f, const struct fe *g)
{
    for (int i = 0; i < FE_LIMBS; i++)
        h->v[i] = f->v[i] + g->v[i];
    fe_carry(h);
}

/* f - g + 4p limb by limb: no limb goes negative for g's limbs < 2^53. */
static void fe_sub(struct fe *h, const struct fe *f, const struct fe *g)
{
    h->v[0] = (f->v[0] + 0x1fffffffffffb4) - g->v[0];
    for (int i = 1; i < FE_LIMBS; i++)
        h->v[i] = (f->v[i] + 0x1ffffffffffffc) - g->v[i];
    fe_carry(h);
}

static void fe_neg(struct fe *h, const struct fe *f)
{
    static const struct fe zero;
    fe_sub(h, &zero, f);
}

static void fe_mul(struct fe *h, const struct fe *f, const struct fe *g)
{
    typedef unsigned __int128 u128;
    const uint64_t *a = f->v, *b = g->v;
    uint64_t b1 = 19 * b[1], b2 = 19 * b[2], b3 = 19 * b[3], b4 = 19 * b[4];
    u128 t0 =
        (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
    u128 t1 =
        (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
    u128 t2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 +
              (u128)a[4] * b3;
    u128 t3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] +
              (u128)a[4] * b4;
    u128 t4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] +
              (u128)a[4] * b[0];
    uint64_t c;

    t1 += (uint64_t)(t0 >> 51);
    t2 += (uint64_t)(t1 >> 51);
    t3 += (uint64_t)(t2 >> 51);
    t4 += (uint64_t)(t3 >> 51);
    c = (uint64_t)(t4 >> 51);
    h->v[0] = ((uint64_t)t0 & MASK51) + 19 * c;
    h->v[1] = (uint64_t)t1 & MASK51;
    h->v[2] = (uint64_t)t2 & MASK51;
    h->v[3] = (uint64_t)t3 & MASK51;
    h->v[4] = (uint64_t)t4 & MASK51;
    c = h->v[0] >> 51, h->v[0] &= MASK51, h->v[1] += c;
}

static void fe_sq(struct fe *h, const struct fe *f)
{
    typedef unsigned __int128 u128;
    const uint64_t *a = f->v;
    uint64_t d0 = 2 * a[0], d1 = 2 * a[1], d3_19 = 38 * a[3], a4_19 = 19 * a[4];
    u128 t0 = (u128)a[0] * a[0] + (u128)d1 * a4_19 + (u128)(2 * a[2]) * (19 * a[3]);
    u128 t1 = (u128)d0 * a[1] + (u128)(2 * a[2]) * a4_19 + (u128)a[3] * (19 * a[3]);
    u128 t2 = (u128)d0 * a[2] + (u128)a[1] * a[1] + (u128)d3_19 * a[4];
    u128 t3 = (u128)d0 * a[3] + (u128)d1 * a[2] + (u128)a[4] * a4_19;
    u128 t4 = (u128)d0 * a[4] + (u128)d1 * a[3] + (u128)a[2] * a[2];
    uint64_t c;

    t1 += (uint64_t)(t0 >> 51);
    t2 += (uint64_t)(t1 >> 51);
    t3 += (uint64_t)(t2 >> 51);
    t4 += (uint64_t)(t3 >> 51);
    c = (uint64_t)(t4 >> 51);
    h->v[0] = ((uint64_t)t0 & MASK51) + 19 * c;
    h->v[1] = (uint64_t)t1 & MASK51;
    h->v[2] = (uint64_t)t2 & MASK51;
    h->v[3] = (uint64_t)t3 & MASK51;
    h->v[4] = (uint64_t)t4 & MASK51;
    c = h->v[0] >> 51, h->v[0] &= MASK51, h->v[1] += c;
}

static void fe_sqn(struct fe *h, const struct fe *f, int n)
{
    fe_sq(h, f);
    for (int i = 1; i < n; i++)
        fe_sq(h, h);
}

static void fe_mul_small(struct fe *h, const struct fe *f, uint32_t k)
{
    typedef unsigned __int128 u128;
    u128 t[FE_LIMBS];
    uint64_t c = 0;

    for (int i = 0; i < FE_LIMBS; i++) {
        t[i] = (u128)f->v[i] * k + c;
        h->v[i] = (uint64_t)t[i] & MASK51;
        c = (uint64_t)(t[i] >> 51);
    }
    h->v[0] += 19 * c;
    fe_carry(h);
}

/* z^(2^250 - 1) and z^11, the common prefix of the inversion and of the
 * square-root exponent (an addition chain of 254 squarings, 11 products). */
static void fe_pow_prefix(struct fe *z250, struct fe *z11, const struct fe *z)
{
    struct fe z2, z9, t, a5, a10, a20, a50, a100;

    fe_sq(&z2, z);
    fe_sqn(&t, &z2, 2);
    fe_mul(&z9, &t, z);
    fe_mul(z11, &z9, &z2);
    fe_sq(&t, z11);
    fe_mul(&a5, &t, &z9); /* 2^5 - 1 */
    fe_sqn(&t, &a5, 5);
    fe_mul(&a10, &t, &a5);
    fe_sqn(&t, &a10, 10);
    fe_mul(&a20, &t, &a10);
    fe_sqn(&t, &a20, 20);
    fe_mul(&t, &t, &a20); /* 2^40 - 1 */
    fe_sqn(&t, &t, 10);
    fe_mul(&a50, &t, &a10);
    fe_sqn(&t, &a50, 50);
    fe_mul(&a100, &t, &a50);
    fe_sqn(&t, &a100, 100);
    fe_mul(&t, &t, &a100); /* 2^200 - 1 */
    fe_sqn(&t, &t, 50);
    fe_mul(z250, &t, &a50);
}

/* z^(p-2) = z^(2^255 - 21); 0 maps to 0. */
static void fe_invert(struct fe *h, const struct fe *z)
{
    struct fe z250, z11;

    fe_pow_prefix(&z250, &z11, z);
    fe_sqn(&z250, &z250, 5);
    fe_mul(h, &z250, &z11);
}

/* z^((p-5)/8) = z^(2^252 - 3). */
static void fe_pow22523(struct fe *h, const struct fe *z)
{
    struct fe z250, z11;

    fe_pow_prefix(&z250, &z11, z);
    fe_sqn(&z250, &z250, 2);
    fe_mul(h, &z250, z);
}

/* h = g when b == 1, unchanged when b == 0. */
static void fe_cmov(struct fe *h, const struct fe *g, unsigned b)
{
    uint64_t m = (uint64_t)0 - (uint64_t)(b & 1);

    for (int i = 0; i < FE_LIMBS; i++)
        h->v[i] ^= m & (h->v[i] ^ g->v[i]);
}

static unsigned fe_eq(const struct fe *f, const struct fe *g)
{
    uint8_t a[32], b[32];
    unsigned d = 0;

    fe_tobytes(a, f);
    fe_tobytes(b, g);
    for (int i = 0; i < 32; i++)
        d |= (unsigned)(a[i] ^ b[i]);
    return ((d - 1) >> 8) & 1;
}

static unsigned fe_is_zero(const struct fe *f)
{
    static const struct fe zero;
    return fe_eq(f, &zero);
}

static unsigned fe_sgn0(const struct fe *f)
{
    uint8_t s[32];

    fe_tobytes(s, f);
    return s[0] & 1;
}

void sp_x25519_field_from_uniform(uint8_t out[SP_X25519_BYTES],
                                  const uint8_t uniform[SP_X25519_FIELD_UNIFORM_BYTES])
{
    uint8_t lo[32] = {0}, hi[32] = {0};
    struct fe l, h;

    /* OS2IP is big-endian: the last 24 bytes are the low 192 bits. */
    for (int i = 0; i < 24; i++) {
        lo[i] = uniform[47 - i];
        hi[i] = uniform[23 - i];
    }
    fe_frombytes(&l, lo);
    fe_frombytes(&h, hi);
    fe_mul(&h, &h, &fe_2_192);
    fe_add(&l, &l, &h);
    fe_tobytes(out, &l);
    sodium_memzero(lo, sizeof(lo));
    sodium_memzero(hi, sizeof(hi));
}

/* A point of the map: x = xn / xd, y affine. */
struct ell2_point {
    struct fe xn, xd, y;
};

/* RFC 9380 appendix G.2.1, map_to_curve_elligator2_curve25519 (J = A, K = 1,
 * Z = 2): one exponentiation, no inversion. */
static void ell2_map(struct ell2_point *p, const struct fe *u)
{
    struct fe tv1, tv2, tv3, x1n, gxd, gx1, gx2, y11, y12, y21, y22, y1, y2, x2n, ny;
    unsigned e1, e2, e3, e4;

    fe_sq(&tv1, u);
    fe_add(&tv1, &tv1, &tv1);        /* 2 u^2 */
    fe_add(&p->xd, &tv1, &fe_one_c); /* 1 + 2u^2, never 0 */
    fe_mul_small(&x1n, &fe_one_c, MONT_A);
    fe_neg(&x1n, &x1n); /* x1 = -A / (1 + 2u^2) */
    fe_sq(&tv2, &p->xd);
    fe_mul(&gxd, &tv2, &p->xd); /* xd^3 */
    fe_mul_small(&gx1, &tv1, MONT_A);
    fe_mul(&gx1, &gx1, &x1n);
    fe_add(&gx1, &gx1, &tv2);
    fe_mul(&gx1, &gx1, &x1n); /* x1n^3 + A x1n^2 xd + x1n xd^2 */
    fe_sq(&tv3, &gxd);
    fe_sq(&tv2, &tv3); /* gxd^4 */
    fe_mul(&tv3, &tv3, &gxd);
    fe_mul(&tv3, &tv3, &gx1); /* gx1 gxd^3 */
    fe_mul(&tv2, &tv2, &tv3); /* gx1 gxd^7 */
    fe_pow22523(&y11, &tv2);
    fe_mul(&y11, &y11, &tv3);
    fe_mul(&y12, &y11, &fe_sqrtm1);
    fe_sq(&tv2, &y11);
    fe_mul(&tv2, &tv2, &gxd);
    e1 = fe_eq(&tv2, &gx1);
    y1 = y12;
    fe_cmov(&y1, &y11, e1); /* sqrt(g(x1)) when it is a square */
    fe_mul(&x2n, &x1n, &tv1);
    fe_mul(&y21, &y11, u);
    fe_mul(&y21, &y21, &fe_c2);
    fe_mul(&y22, &y21, &fe_sqrtm1);
    fe_mul(&gx2, &gx1, &tv1);
    fe_sq(&tv2, &y21);
    fe_mul(&tv2, &tv2, &gxd);
    e2 = fe_eq(&tv2, &gx2);
    y2 = y22;
    fe_cmov(&y2, &y21, e2);
    fe_sq(&tv2, &y1);
    fe_mul(&tv2, &tv2, &gxd);
    e3 = fe_eq(&tv2, &gx1);
    p->xn = x2n;
    fe_cmov(&p->xn, &x1n, e3);
    p->y = y2;
    fe_cmov(&p->y, &y1, e3);
    e4 = fe_sgn0(&p->y);
    fe_neg(&ny, &p->y);
    fe_cmov(&p->y, &ny, e3 ^ e4);
}

/* x-only doubling of (X : Z) on the Montgomery curve (also on its twist). */
static void xdbl(struct fe *x, struct fe *z)
{
    struct fe s, d, s2, d2, t, u;

    fe_add(&s, x, z);
    fe_sub(&d, x, z);
    fe_sq(&s2, &s);
    fe_sq(&d2, &d);
    fe_mul(x, &s2, &d2);
    fe_sub(&t, &s2, &d2); /* 4 X Z */
    fe_mul_small(&u, &t, MONT_A24);
    fe_add(&u, &u, &d2);
    fe_mul(z, &t, &u);
}

/* x(P + Q) as (X : Z) from the affine P = (a/b, y1), Q = (c/d, y2):
 * lambda = N / D with N = (y2 - y1) b d, D = c b - a d, and
 * x = lambda^2 - A - a/b - c/d = (N^2 b d - D^2 (A b d + a d + c b)) / (D^2 b d).
 * When D = 0 and y1 = y2 (P = Q) the doubling of P is taken instead; when
 * D = 0 and y1 = -y2 the result is the identity (Z = 0), as it should be. */
static void add_x(struct fe *x, struct fe *z, const struct ell2_point *p,
                  const struct ell2_point *q)
{
    struct fe bd, ad, cb, dd, n, t, n2, d2, xd, zd;
    unsigned same;

    fe_mul(&bd, &p->xd, &q->xd);
    fe_mul(&ad, &p->xn, &q->xd);
    fe_mul(&cb, &q->xn, &p->xd);
    fe_sub(&dd, &cb, &ad);
    fe_sub(&t, &q->y, &p->y);
    fe_mul(&n, &t, &bd);
    fe_sq(&n2, &n);
    fe_sq(&d2, &dd);
    fe_mul_small(&t, &bd, MONT_A);
    fe_add(&t, &t, &ad);
    fe_add(&t, &t, &cb);
    fe_mul(&t, &t, &d2);
    fe_mul(x, &n2, &bd);
    fe_sub(x, x, &t);
    fe_mul(z, &d2, &bd);
    same = fe_is_zero(&dd) & fe_eq(&p->y, &q->y);
    xd = p->xn;
    zd = p->xd;
    xdbl(&xd, &zd);
    fe_cmov(x, &xd, same);
    fe_cmov(z, &zd, same);
}

/* u-coordinate of h_eff * P, projective, for one value's uniform bytes. */
static void map_value(struct fe *x, struct fe *z, const uint8_t *uniform, int ro)
{
    uint8_t ub[SP_X25519_BYTES];
    struct fe u0, u1;
    struct ell2_point p, q;

    sp_x25519_field_from_uniform(ub, uniform);
    fe_frombytes(&u0, ub);
    ell2_map(&p, &u0);
    if (ro) {
        sp_x25519_field_from_uniform(ub, uniform + SP_X25519_FIELD_UNIFORM_BYTES);
        fe_frombytes(&u1, ub);
        ell2_map(&q, &u1);
        add_x(x, z, &p, &q);
    } else {
        *x = p.xn;
        *z = p.xd;
    }
    /* h_eff = 8 */
    xdbl(x, z);
    xdbl(x, z);
    xdbl(x, z);
    sodium_memzero(ub, sizeof(ub));
    sodium_memzero(&p, sizeof(p));
    sodium_memzero(&q, sizeof(q));
    sodium_memzero(&u0, sizeof(u0));
    sodium_memzero(&u1, sizeof(u1));
}

/* Writes X_i / Z_i for m values with one inversion (Montgomery's trick). A
 * Z_i of 0 (the identity) is replaced by 1 so that the others still come
 * out right, and reported. */
static int invert_batch(uint8_t *out, struct fe *x, struct fe *z, struct fe *acc, size_t m)
{
    struct fe inv, t;
    unsigned bad = 0;

    for (size_t i = 0; i < m; i++) {
        unsigned zero = fe_is_zero(&z[i]);
        bad |= zero;
        fe_cmov(&z[i], &fe_one_c, zero);
        if (i == 0)
            acc[0] = z[0];
        else
            fe_mul(&acc[i], &acc[i - 1], &z[i]);
    }
    fe_invert(&inv, &acc[m - 1]);
    for (size_t i = m; i-- > 0;) {
        if (i > 0) {
            fe_mul(&t, &inv, &acc[i - 1]); /* 1 / z_i */
            fe_mul(&inv, &inv, &z[i]);     /* 1 / (z_0 ... z_(i-1)) */
        } else {
            t = inv;
        }
        fe_mul(&t, &t, &x[i]);
        fe_tobytes(out + i * SP_X25519_BYTES, &t);
    }
    SP_CT_PUBLIC(out, m * SP_X25519_BYTES); /* elements are sent to peers */
    SP_CT_PUBLIC(&bad, sizeof(bad));        /* so is a refusal */
    return bad ? SP_ERR_CRYPTO_POINT : 0;
}

int sp_x25519_hash_to_u(uint8_t *out, const uint8_t *uniform, size_t n, int ro)
{
    struct fe x[SP_X25519_BATCH], z[SP_X25519_BATCH], acc[SP_X25519_BATCH];
    size_t step = ro ? SP_X25519_RO_UNIFORM_BYTES : SP_X25519_NU_UNIFORM_BYTES;
    int rc = 0;

    for (size_t off = 0; off < n; off += SP_X25519_BATCH) {
        size_t m = n - off < SP_X25519_BATCH ? n - off : SP_X25519_BATCH;

        for (size_t i = 0; i < m; i++)
            map_value(&x[i], &z[i], uniform + (off + i) * step, ro);
        if (invert_batch(out + off * SP_X25519_BYTES, x, z, acc, m) != 0)
            rc = SP_ERR_CRYPTO_POINT;
    }
    sodium_memzero(x, sizeof(x));
    sodium_memzero(z, sizeof(z));
    sodium_memzero(acc, sizeof(acc));
    return rc;
}

void sp_x25519_map_to_curve(uint8_t x[SP_X25519_BYTES], uint8_t y[SP_X25519_BYTES],
                            const uint8_t u[SP_X25519_BYTES])
{
    struct fe uf, inv, t;
    struct ell2_point p;

    fe_frombytes(&uf, u);
    ell2_map(&p, &uf);
    fe_invert(&inv, &p.xd);
    fe_mul(&t, &p.xn, &inv);
    fe_tobytes(x, &t);
    fe_tobytes(y, &p.y);
}

int sp_x25519_is_canonical(const uint8_t u[SP_X25519_BYTES])
{
    /* u >= p = 2^255 - 19 exactly when bytes 31..1 are 7f ff .. ff and
     * byte 0 is at least 0xed; bit 255 is refused outright. */
    if (u[31] & 0x80)
        return 0;
    if (u[31] != 0x7f)
        return 1;
    for (int i = 30; i > 0; i--)
        if (u[i] != 0xff)
            return 1;
    return u[0] < 0xed;
}

int sp_x25519_is_small_order(const uint8_t u[SP_X25519_BYTES])
{
    struct fe x, z = fe_one_c;

    fe_frombytes(&x, u);
    xdbl(&x, &z);
    xdbl(&x, &z);
    xdbl(&x, &z);
    return (int)fe_is_zero(&z);
}

int sp_x25519_is_on_curve(const uint8_t u[SP_X25519_BYTES])
{
    struct fe x, g, t, r, r2, ng;

    fe_frombytes(&x, u);
    /* g = u^3 + A u^2 + u = u (u (u + A) + 1) */
    fe_mul_small(&t, &fe_one_c, MONT_A);
    fe_add(&t, &t, &x);
    fe_mul(&t, &t, &x);
    fe_add(&t, &t, &fe_one_c);
    fe_mul(&g, &t, &x);
    /* p = 5 mod 8: r = g^((p+3)/8) squares to g or -g exactly when g is a
     * square (0 included). */
    fe_pow22523(&r, &g);
    fe_mul(&r, &r, &g);
    fe_sq(&r2, &r);
    fe_neg(&ng, &g);
    return (int)(fe_eq(&r2, &g) | fe_eq(&r2, &ng));
}

/* (a + b s) / (c + d s) with s = the input and a..d in {1, -1}: both maps
 * between the Montgomery u and the Edwards y are this shape. One inversion;
 * a zero denominator gives 0 (fe_invert maps 0 to 0), without a branch. */
static void fe_mobius(uint8_t out[SP_X25519_BYTES], const uint8_t in[SP_X25519_BYTES], int num_neg,
                      int den_neg)
{
    struct fe s, num, den, inv, r;

    fe_frombytes(&s, in); /* bit 255 dropped: an Edwards encoding's sign of x */
    if (num_neg)
        fe_sub(&num, &s, &fe_one_c); /* s - 1 */
    else
        fe_add(&num, &fe_one_c, &s); /* 1 + s */
    if (den_neg)
        fe_sub(&den, &fe_one_c, &s); /* 1 - s */
    else
        fe_add(&den, &s, &fe_one_c); /* s + 1 */
    fe_invert(&inv, &den);
    fe_mul(&r, &num, &inv);
    fe_tobytes(out, &r);
    sodium_memzero(&s, sizeof(s));
    sodium_memzero(&num, sizeof(num));
    sodium_memzero(&den, sizeof(den));
    sodium_memzero(&inv, sizeof(inv));
    sodium_memzero(&r, sizeof(r));
}

void sp_x25519_u_to_ed25519_y(uint8_t y[SP_X25519_BYTES], const uint8_t u[SP_X25519_BYTES])
{
    fe_mobius(y, u, 1, 0);
}

void sp_ed25519_y_to_x25519_u(uint8_t u[SP_X25519_BYTES], const uint8_t y[SP_X25519_BYTES])
{
    fe_mobius(u, y, 0, 1);
}
