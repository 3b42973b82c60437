"""HKDF with HMAC-SHA-256 (RFC 5869)."""

import hashlib
import hmac


def extract(salt: bytes, ikm: bytes) -> bytes:
    """PRK = HMAC-SHA-256(salt, ikm); an empty salt means 32 zero bytes (RFC 5869 section 2.2)."""
    return hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()


def expand(prk: bytes, info: bytes, length: int) -> bytes:
    """OKM of length bytes: T(1) || T(2) || ... (RFC 5869 section 2.3)."""
    okm, block, i = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        okm += block
        i += 1
    return okm[:length]


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """Extract then expand."""
    return expand(extract(salt, ikm), info, length)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA-256 (RFC 2104)."""
    return hmac.new(key, data, hashlib.sha256).digest()
