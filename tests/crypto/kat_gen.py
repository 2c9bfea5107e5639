#!/usr/bin/env python3
"""Independent oracle for the crypto known-answer tests (not run by ctest).

A from-scratch Python transcription of RFC 9380 expand_message_xmd(SHA-512),
RFC 9496 ristretto255 (decode, encode, element derivation; protocol version 1)
and RFC 9380 curve25519_XMD:SHA-512_ELL2_RO_ / _NU_ (the generic Elligator 2
of section 6.7.1 with affine Montgomery arithmetic, not the straight-line
form crypto/curve25519.c uses; protocol version 2), sharing no code with
libsodium or crypto/. It re-derives the published vectors used by
test_xmd.c and test_x25519.c, then prints the project's own vectors
(sp_group_hash under the snijpunt DSTs) that test_group.c pins. If this
script and the C library ever disagree, one of them is wrong: find out
which before touching a vector.

    python3 tests/crypto/kat_gen.py
"""
import hashlib
def xmd(msg, dst, n):
    b_in, r_in = 64, 128
    ell = -(-n // b_in)
    assert ell <= 255 and len(dst) <= 255
    dstp = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(r_in) + msg + n.to_bytes(2,'big') + b'\0' + dstp).digest()
    b = [hashlib.sha512(b0 + b'\x01' + dstp).digest()]
    for i in range(2, ell+1):
        b.append(hashlib.sha512(bytes(x^y for x,y in zip(b0,b[-1])) + bytes([i]) + dstp).digest())
    return b''.join(b)[:n]

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
def neg(x): return x % P & 1
def cabs(x): return (-x) % P if neg(x) else x % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
def sqrt_ratio_m1(u, v):
    u %= P; v %= P
    r = (u * pow(v, 3, P)) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct = check == u
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i: r = r * SQRT_M1 % P
    return (correct or flipped), cabs(r)
# RFC 9496 fixes the odd ('negative') square root here.
SQRT_AD_MINUS_ONE = P - sqrt_ratio_m1((-D - 1) % P, 1)[1]
_, INVSQRT_A_MINUS_D = sqrt_ratio_m1(1, (-1 - D) % P)
ONE_MINUS_D_SQ = (1 - D * D) % P
D_MINUS_ONE_SQ = (D - 1) ** 2 % P
def add(p1, p2):
    X1, Y1, Z1, T1 = p1; X2, Y2, Z2, T2 = p2
    A = (Y1 - X1) * (Y2 - X2); B = (Y1 + X1) * (Y2 + X2)
    C = T1 * 2 * D * T2; Dd = Z1 * 2 * Z2
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)
IDENT = (0, 1, 1, 0)
def mul(k, pt):
    r = IDENT
    while k:
        if k & 1: r = add(r, pt)
        pt = add(pt, pt); k >>= 1
    return r
def decode(b):
    s = int.from_bytes(b, 'little')
    if s >= P or neg(s): return None
    ss = s * s % P; u1 = (1 - ss) % P; u2 = (1 + ss) % P; u2s = u2 * u2 % P
    v = (-(D * u1 * u1) - u2s) % P
    ok, inv = sqrt_ratio_m1(1, v * u2s)
    dx = inv * u2 % P; dy = inv * dx * v % P
    x = cabs(2 * s * dx); y = u1 * dy % P; t = x * y % P
    if not ok or neg(t) or y == 0: return None
    return (x, y, 1, t)
def encode(pt):
    x0, y0, z0, t0 = pt
    u1 = (z0 + y0) * (z0 - y0) % P; u2 = x0 * y0 % P
    _, inv = sqrt_ratio_m1(1, u1 * u2 * u2)
    d1 = inv * u1 % P; d2 = inv * u2 % P; zi = d1 * d2 * t0 % P
    if neg(t0 * zi):
        x, y, den = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, d1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den = x0, y0, d2
    if neg(x * zi): y = (-y) % P
    return cabs(den * (z0 - y)).to_bytes(32, 'little')
def elligator(t):
    r = SQRT_M1 * t * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = ((-1 - r * D) * (r + D)) % P
    sq, s = sqrt_ratio_m1(u, v)
    c = P - 1
    if not sq:
        s = (-cabs(s * t)) % P; c = r
    N = (c * (r - 1) * D_MINUS_ONE_SQ - v) % P
    w0 = 2 * s * v; w1 = N * SQRT_AD_MINUS_ONE; w2 = 1 - s * s; w3 = 1 + s * s
    return (w0 * w3 % P, w2 * w1 % P, w1 * w3 % P, w0 * w2 % P)
def from_uniform(b):
    t0 = int.from_bytes(b[:32], 'little') & ((1 << 255) - 1)
    t1 = int.from_bytes(b[32:64], 'little') & ((1 << 255) - 1)
    return add(elligator(t0 % P), elligator(t1 % P))
def hash_to_group(msg, dst):
    return encode(from_uniform(xmd(msg, dst, 64)))


# RFC 9496 A.2: every one of these must fail to decode.
BAD_ENCODINGS = (
    "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
)


def dst_of(name):
    return ("snijpunt-v1-%s-with-ristretto255_XMD:SHA-512_R255MAP_RO_" % name).encode()


# ---- curve25519 (Montgomery, v^2 = u^3 + A u^2 + u), RFC 9380 ----
MONT_A = 486662
def is_square(x): return x % P == 0 or pow(x, (P - 1) // 2, P) == 1
def fsqrt(x):
    r = pow(x, (P + 3) // 8, P)
    if r * r % P != x % P: r = r * SQRT_M1 % P
    assert r * r % P == x % P
    return r
def h2f(msg, dst, count):
    b = xmd(msg, dst, 48 * count)
    return [int.from_bytes(b[48 * i:48 * (i + 1)], 'big') % P for i in range(count)]
def ell2(u):
    x1 = (-MONT_A) * pow(1 + 2 * u * u, P - 2, P) % P
    if x1 == 0: x1 = (-MONT_A) % P
    g = lambda x: (x ** 3 + MONT_A * x * x + x) % P
    x2 = (-x1 - MONT_A) % P
    if is_square(g(x1)):
        x, y = x1, fsqrt(g(x1))
        if y & 1 == 0: y = P - y if y else 0
    else:
        x, y = x2, fsqrt(g(x2))
        if y & 1 == 1: y = P - y
    return (x, y)
def madd(p1, p2):
    if p1 is None: return p2
    if p2 is None: return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0: return None
    if p1 == p2: lam = (3 * x1 * x1 + 2 * MONT_A * x1 + 1) * pow(2 * y1, P - 2, P) % P
    else: lam = (y2 - y1) * pow(x2 - x1, P - 2, P) % P
    x3 = (lam * lam - MONT_A - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)
def mmul(k, pt):
    r = None
    while k:
        if k & 1: r = madd(r, pt)
        pt = madd(pt, pt); k >>= 1
    return r
def c25519_hash(msg, dst, ro=True):
    us = h2f(msg, dst, 2 if ro else 1)
    q = ell2(us[0])
    if ro: q = madd(q, ell2(us[1]))
    return mmul(8, q)
def dst_v2(name):
    return ("snijpunt-v2-%s-with-curve25519_XMD:SHA-512_ELL2_RO_" % name).encode()
C25519_RO_PX = ("2de3780abb67e861289f5749d16d3e217ffa722192d16bbd9d1bfb9d112b98c0",
                "2b4419f1f2d48f5872de692b0aca72cc7b0a60915dd70bde432e826b6abc526d",
                "68ca1ea5a6acf4e9956daa101709b1eee6c1bb0df1de3b90d4602382a104c036",
                "096e9c8bae6c06b554c1ee69383bb0e82267e064236b3a30608d4ed20b73ac5a",
                "1bc61845a138e912f047b5e70ba9606ba2a447a4dade024c8ef3dd42b7bbc5fe")
C25519_NU_PX = ("1bb913f0c9daefa0b3375378ffa534bda5526c97391952a7789eb976edfe4d08",
                "7c22950b7d900fa866334262fcaea47a441a578df43b894b4625c9b450f9a026",
                "31ad08a8b0deeb2a4d8b0206ca25f567ab4e042746f792f4b7973f3ae2096c52",
                "027877759d155b1997d0d84683a313eb78bdb493271d935b622900459d52ceaa",
                "5fd892c0958d1a75f54c3182a18d286efab784e774d1e017ba2fb252998b5dc1")


def main():
    quux = b"QUUX-V01-CS02-with-expander-SHA512-256"
    for msg in (b"", b"abc", b"abcdef0123456789", b"q128_" + b"q" * 128, b"a512_" + b"a" * 512):
        for n in (0x20, 0x80):
            print("xmd", len(msg), n, xmd(msg, quux, n).hex())
    base = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))
    for i in range(16):
        print("%2dB" % i, encode(mul(i, base)).hex())
    assert all(decode(bytes.fromhex(b)) is None for b in BAD_ENCODINGS)
    print("bad encodings: all %d rejected" % len(BAD_ENCODINGS))
    for s in ("Ristretto is traditionally a short shot of espresso coffee",
              "made with the normal amount of ground coffee but extracted with",
              "about half the amount of water in the same amount of time",
              "by using a finer grind.",
              "This produces a concentrated shot of coffee per volume.",
              "Just pulling a normal shot short will produce a weaker shot",
              "and is not a Ristretto as some believe."):
        h = hashlib.sha512(s.encode()).digest()
        print("map", h.hex(), encode(from_uniform(h)).hex())
    # RFC 9497 A.1.1: BlindedElement = Blind * HashToGroup(Input),
    # EvaluationElement = skSm * BlindedElement.
    oprf_dst = b"HashToGroup-OPRFV1-\x00-ristretto255-SHA512"
    blind = int.from_bytes(bytes.fromhex(
        "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"), "little")
    sk = int.from_bytes(bytes.fromhex(
        "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"), "little")
    for inp in (b"\x00", b"\x5a" * 17):
        blinded = mul(blind, decode(hash_to_group(inp, oprf_dst)))
        print("oprf", encode(blinded).hex(), encode(mul(sk, blinded)).hex())
    # The project's own vectors: changing the DST, the hash or the map by
    # one bit changes these.
    for name, value in (("bsn", b"111222333"), ("bsn", b""), ("kvk", b"69599084"),
                        ("name_dob", b"jansen|jan|1980-01-01"),
                        ("iban", b"NL91ABNA0417164300")):
        print("project", name, value.decode(), hash_to_group(value, dst_of(name)).hex())
    # RFC 9380 J.4.1 / J.4.2 (P.x, big-endian as printed there).
    msgs = (b"", b"abc", b"abcdef0123456789", b"q128_" + b"q" * 128, b"a512_" + b"a" * 512)
    for msg, ro_x, nu_x in zip(msgs, C25519_RO_PX, C25519_NU_PX):
        assert c25519_hash(msg, b"QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_RO_")[0] == int(ro_x, 16)
        assert c25519_hash(msg, b"QUUX-V01-CS02-with-curve25519_XMD:SHA-512_ELL2_NU_", False)[0] == int(nu_x, 16)
    print("curve25519 RO and NU: RFC 9380 J.4.1 and J.4.2 reproduced")
    # Version 2 (X25519): the u-coordinate, 32 bytes little-endian.
    for name, value in (("bsn", b"111222333"), ("bsn", b""), ("kvk", b"69599084"),
                        ("name_dob", b"jansen|jan|1980-01-01"),
                        ("iban", b"NL91ABNA0417164300")):
        u = c25519_hash(value, dst_v2(name))[0]
        print("project-v2", name, value.decode(), u.to_bytes(32, 'little').hex())


if __name__ == "__main__":
    main()
