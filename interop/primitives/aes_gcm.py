"""AES-256 (FIPS 197) and GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag."""

import hmac

TAG_SIZE = 16


class AuthenticationError(Exception):
    """The tag did not verify."""


def _xtime(a: int) -> int:
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _gmul(a: int, b: int) -> int:
    """Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        a, b = _xtime(a), b >> 1
    return r


def _make_sbox() -> list[int]:
    """S-box from its definition: the inverse in GF(2^8), then the affine map (FIPS 197 5.1.1)."""
    box = []
    for x in range(256):
        inv = next((y for y in range(1, 256) if _gmul(x, y) == 1), 0) if x else 0
        s = inv
        for shift in range(1, 5):
            s ^= ((inv << shift) | (inv >> (8 - shift))) & 0xFF
        box.append(s ^ 0x63)
    return box


SBOX = _make_sbox()
MUL2 = [_gmul(x, 2) for x in range(256)]
MUL3 = [_gmul(x, 3) for x in range(256)]


def expand_key(key: bytes) -> list[list[int]]:
    """The 15 round keys of AES-256, 16 bytes each (FIPS 197 5.2)."""
    if len(key) != 32:
        raise ValueError("AES-256 takes a 32-byte key")
    words = [list(key[i:i + 4]) for i in range(0, 32, 4)]
    rcon = 1
    for i in range(8, 60):
        w = list(words[i - 1])
        if i % 8 == 0:
            w = [SBOX[b] for b in w[1:] + w[:1]]
            w[0] ^= rcon
            rcon = _xtime(rcon)
        elif i % 8 == 4:
            w = [SBOX[b] for b in w]
        words.append([a ^ b for a, b in zip(words[i - 8], w)])
    return [sum(words[4 * r:4 * r + 4], []) for r in range(15)]


def encrypt_block(round_keys: list[list[int]], block: bytes) -> bytes:
    """One 16-byte block; the state is column-major as in FIPS 197 3.4."""
    s = [b ^ k for b, k in zip(block, round_keys[0])]
    for r in range(1, 15):
        s = [SBOX[b] for b in s]
        s = [s[(i + 4 * (i % 4)) % 16] for i in range(16)]  # ShiftRows
        if r != 14:
            mixed = []
            for c in range(4):
                a0, a1, a2, a3 = s[4 * c:4 * c + 4]
                mixed += [MUL2[a0] ^ MUL3[a1] ^ a2 ^ a3, a0 ^ MUL2[a1] ^ MUL3[a2] ^ a3,
                          a0 ^ a1 ^ MUL2[a2] ^ MUL3[a3], MUL3[a0] ^ a1 ^ a2 ^ MUL2[a3]]
            s = mixed
        s = [b ^ k for b, k in zip(s, round_keys[r])]
    return bytes(s)


def _gf128_mul(x: int, y: int) -> int:
    """Multiplication in GCM's GF(2^128), bit 0 being the most significant (SP 800-38D 6.3)."""
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ (0xE1 << 120) if v & 1 else v >> 1
    return z


def _ghash(h: int, ad: bytes, ciphertext: bytes) -> int:
    y = 0
    for data in (ad, ciphertext):
        for i in range(0, len(data), 16):
            y = _gf128_mul(y ^ int.from_bytes(data[i:i + 16].ljust(16, b"\x00"), "big"), h)
    lengths = (len(ad) * 8).to_bytes(8, "big") + (len(ciphertext) * 8).to_bytes(8, "big")
    return _gf128_mul(y ^ int.from_bytes(lengths, "big"), h)


def _ctr(round_keys, j0: bytes, data: bytes) -> bytes:
    out = bytearray()
    counter = int.from_bytes(j0[12:], "big")
    for i in range(0, len(data), 16):
        counter = (counter + 1) & 0xFFFFFFFF
        stream = encrypt_block(round_keys, j0[:12] + counter.to_bytes(4, "big"))
        out += bytes(a ^ b for a, b in zip(data[i:i + 16], stream))
    return bytes(out)


def _tag(round_keys, j0: bytes, ad: bytes, ciphertext: bytes) -> bytes:
    h = int.from_bytes(encrypt_block(round_keys, bytes(16)), "big")
    s = _ghash(h, ad, ciphertext)
    return (s ^ int.from_bytes(encrypt_block(round_keys, j0), "big")).to_bytes(16, "big")


def seal(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """Ciphertext followed by the 16-byte tag; nonce is 12 bytes."""
    round_keys = expand_key(key)
    j0 = nonce + b"\x00\x00\x00\x01"
    ciphertext = _ctr(round_keys, j0, plaintext)
    return ciphertext + _tag(round_keys, j0, ad, ciphertext)


def open_sealed(key: bytes, nonce: bytes, sealed: bytes, ad: bytes) -> bytes:
    """The plaintext; raises AuthenticationError when the tag is wrong."""
    if len(sealed) < TAG_SIZE:
        raise AuthenticationError("sealed data shorter than its tag")
    round_keys = expand_key(key)
    j0 = nonce + b"\x00\x00\x00\x01"
    ciphertext, tag = sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]
    if not hmac.compare_digest(_tag(round_keys, j0, ad, ciphertext), tag):
        raise AuthenticationError("tag mismatch")
    return _ctr(round_keys, j0, ciphertext)
