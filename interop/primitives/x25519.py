"""X25519 (RFC 7748 section 5): the Montgomery-ladder scalar multiplication on Curve25519."""

import os

P = 2**255 - 19
A24 = 121665
BASE_U = (9).to_bytes(32, "little")


def _decode_scalar(k: bytes) -> int:
    b = bytearray(k)
    b[0] &= 248
    b[31] &= 127
    b[31] |= 64
    return int.from_bytes(b, "little")


def _decode_u(u: bytes) -> int:
    b = bytearray(u)
    b[31] &= 127  # the top bit is ignored (RFC 7748 section 5)
    return int.from_bytes(b, "little") % P


def x25519(scalar: bytes, u: bytes) -> bytes:
    """Returns X25519(scalar, u) as 32 bytes; both inputs are 32 bytes."""
    if len(scalar) != 32 or len(u) != 32:
        raise ValueError("X25519 takes a 32-byte scalar and a 32-byte u-coordinate")
    k = _decode_scalar(scalar)
    x1 = _decode_u(u)
    x2, z2, x3, z3 = 1, 0, x1, 1
    swap = 0
    for t in range(254, -1, -1):
        kt = (k >> t) & 1
        if swap ^ kt:
            x2, x3 = x3, x2
            z2, z3 = z3, z2
        swap = kt
        a = (x2 + z2) % P
        aa = a * a % P
        b = (x2 - z2) % P
        bb = b * b % P
        e = (aa - bb) % P
        c = (x3 + z3) % P
        d = (x3 - z3) % P
        da = d * a % P
        cb = c * b % P
        x3 = (da + cb) ** 2 % P
        z3 = x1 * (da - cb) ** 2 % P
        x2 = aa * bb % P
        z2 = e * (aa + A24 * e) % P
    if swap:
        x2, x3 = x3, x2
        z2, z3 = z3, z2
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


def public_key(private: bytes) -> bytes:
    """The public key of a 32-byte private key: X25519(private, 9)."""
    return x25519(private, BASE_U)


def generate_private() -> bytes:
    """32 random bytes from the OS (clamping happens inside x25519)."""
    return os.urandom(32)
