#!/usr/bin/env python3
"""Independent oracle for test_oprf.c's known answers (not run by ctest).

HKDF-SHA-512 (RFC 5869) with Python's hmac and hashlib, and the whole OPRF
of a case question -- epoch key, H_case, F = X25519(k, H_case(x)), the
fingerprint -- with kat_gen.py's from-scratch RFC 9380 curve25519 code and
affine Montgomery arithmetic, sharing no code with libsodium or crypto/.
Where the openssl command is installed, every HKDF vector is also checked
against `openssl kdf`. If this script and the C library ever disagree, one
of them is wrong: find out which before touching a vector.

    python3 tests/crypto/oprf_kat_gen.py
"""
import hashlib
import hmac
import shutil
import subprocess

from kat_gen import P, c25519_hash, mmul

SUITE = "curve25519_XMD:SHA-512_ELL2_RO_"


def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt if salt else bytes(64), ikm, hashlib.sha512).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha512).digest()
        out, i = out + t, i + 1
    return out[:n]


def openssl_hkdf(salt, ikm, info, n):
    args = ["openssl", "kdf", "-keylen", str(n), "-kdfopt", "digest:SHA512",
            "-kdfopt", "hexkey:" + ikm.hex(), "-kdfopt", "hexinfo:" + info.hex()]
    if salt:
        args += ["-kdfopt", "hexsalt:" + salt.hex()]
    out = subprocess.run(args + ["HKDF"], capture_output=True, text=True, check=True).stdout
    return bytes.fromhex(out.strip().replace(":", ""))


# (salt, ikm, info, length): RFC 5869 A.1-A.3's inputs (the RFC gives
# SHA-256 outputs only), a 3-block output, an ikm longer than a block.
HKDF_CASES = [
    (bytes(range(13)), bytes([0x0b] * 22), bytes(range(0xf0, 0xfa)), 42),
    (bytes(range(0x60, 0xb0)), bytes(range(0x50)), bytes(range(0xb0, 0x100)), 82),
    (b"", bytes([0x0b] * 22), b"", 42),
    (b"salt", b"input key material", b"snijpunt case oprf v1", 150),
    (bytes(200), bytes([0x5a] * 300), b"x" * 77, 64),
]


def clamp(k):
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return int.from_bytes(k, "little")


def oprf(secret, epoch, kt, kt_name, value):
    info = b"snijpunt case oprf v1" + epoch.to_bytes(4, "big") + bytes([kt])
    k = clamp(hkdf(b"", secret, info, 32))
    dst = ("snijpunt-case-v1-%s-with-%s" % (kt_name, SUITE)).encode()
    h = c25519_hash(value, dst)
    f = mmul(k, h)
    hb, fb = h[0].to_bytes(32, "little"), f[0].to_bytes(32, "little")
    d = hashlib.blake2b(b"snijpunt case fp v1" + bytes([kt]) + fb, digest_size=64).digest()
    return hb, fb, int.from_bytes(d[:8], "little")


def main():
    have_openssl = shutil.which("openssl") is not None
    for salt, ikm, info, n in HKDF_CASES:
        okm = hkdf(salt, ikm, info, n)
        if have_openssl:
            assert openssl_hkdf(salt, ikm, info, n) == okm
        print("hkdf salt=%s ikm=%s info=%s L=%d\n  okm=%s" % (salt.hex(), ikm.hex(), info.hex(),
                                                            n, okm.hex()))
    print("openssl kdf agrees" if have_openssl else "openssl not found: not cross-checked")
    secret = bytes(range(32))
    for epoch, kt, name, value in ((202612, 1, "bsn", b"123456782"),
                                   (202612, 14, "kenteken", b"XX999X"),
                                   (202701, 1, "bsn", b"123456782")):
        h, f, fp = oprf(secret, epoch, kt, name, value)
        print("oprf secret=00..1f epoch=%d kt=%s value=%s\n  H=%s\n  F=%s\n  fp=0x%016x"
              % (epoch, name, value.decode(), h.hex(), f.hex(), fp))


if __name__ == "__main__":
    main()
