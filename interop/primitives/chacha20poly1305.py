"""ChaCha20-Poly1305 AEAD (RFC 8439 sections 2.3-2.8)."""

import hmac
import struct

MASK = 0xFFFFFFFF
TAG_SIZE = 16


class AuthenticationError(Exception):
    """The tag did not verify: the ciphertext, associated data, key or nonce is wrong."""


def _rotl(v: int, c: int) -> int:
    return ((v << c) & MASK) | (v >> (32 - c))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK
    s[b] = _rotl(s[b] ^ s[c], 7)


def chacha20_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    """One 64-byte keystream block (RFC 8439 section 2.3)."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key)) + [counter & MASK]
    state += list(struct.unpack("<3I", nonce))
    w = state[:]
    for _ in range(10):
        _quarter(w, 0, 4, 8, 12)
        _quarter(w, 1, 5, 9, 13)
        _quarter(w, 2, 6, 10, 14)
        _quarter(w, 3, 7, 11, 15)
        _quarter(w, 0, 5, 10, 15)
        _quarter(w, 1, 6, 11, 12)
        _quarter(w, 2, 7, 8, 13)
        _quarter(w, 3, 4, 9, 14)
    return struct.pack("<16I", *((w[i] + state[i]) & MASK for i in range(16)))


def chacha20_xor(key: bytes, counter: int, nonce: bytes, data: bytes) -> bytes:
    """Encrypts or decrypts data with the keystream starting at block counter."""
    out = bytearray()
    for i in range(0, len(data), 64):
        block = chacha20_block(key, counter + i // 64, nonce)
        chunk = data[i : i + 64]
        n = int.from_bytes(chunk, "little") ^ int.from_bytes(block[: len(chunk)], "little")
        out += n.to_bytes(len(chunk), "little")
    return bytes(out)


def poly1305(key: bytes, message: bytes) -> bytes:
    """The 16-byte Poly1305 tag of message under a 32-byte one-time key (section 2.5)."""
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(message), 16):
        block = message[i : i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def _pad16(n: int) -> bytes:
    return b"\x00" * (-n % 16)


def _tag(key: bytes, nonce: bytes, ad: bytes, ciphertext: bytes) -> bytes:
    otk = chacha20_block(key, 0, nonce)[:32]
    mac_data = (
        ad + _pad16(len(ad)) + ciphertext + _pad16(len(ciphertext))
        + struct.pack("<QQ", len(ad), len(ciphertext))
    )
    return poly1305(otk, mac_data)


def seal(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """Ciphertext followed by the 16-byte tag (section 2.8)."""
    ciphertext = chacha20_xor(key, 1, nonce, plaintext)
    return ciphertext + _tag(key, nonce, ad, ciphertext)


def open_sealed(key: bytes, nonce: bytes, sealed: bytes, ad: bytes) -> bytes:
    """The plaintext of ciphertext || tag; raises AuthenticationError when the tag is wrong."""
    if len(sealed) < TAG_SIZE:
        raise AuthenticationError("sealed data shorter than its tag")
    ciphertext, tag = sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]
    if not hmac.compare_digest(_tag(key, nonce, ad, ciphertext), tag):
        raise AuthenticationError("tag mismatch")
    return chacha20_xor(key, 1, nonce, ciphertext)
