"""The Thing dialect's cryptography (PROTOCOL.md sections 3.4 and 3.6): transcript, key
schedule, confirmations, sealing and key update, for both suites."""

import hashlib
import struct
from dataclasses import dataclass, field

import wire
from primitives import aes_gcm, chacha20poly1305, ed25519, hkdf, x25519

SUITE_CHACHA20_POLY1305 = 1
SUITE_AES_256_GCM = 2
AEADS = {SUITE_CHACHA20_POLY1305: chacha20poly1305, SUITE_AES_256_GCM: aes_gcm}
SIGNATURE_LABEL = b"thing v1 server signature"
KEY_UPDATE_LABEL = b"thing v1 key update"


class HandshakeFailure(Exception):
    """The handshake cannot go on; code is THING_ERR_AUTH or THING_ERR_HANDSHAKE (3.11)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


def signed_digest(chi: bytes, shi: bytes, sdh: bytes) -> bytes:
    """SHA-256(T(CHI) || T(SHI) || T(SDH) without its last 64 bytes)."""
    return hashlib.sha256(chi[32:] + shi[32:] + sdh[32:-64]).digest()


def sign_transcript(identity_seed: bytes, digest: bytes) -> bytes:
    return ed25519.sign(identity_seed, SIGNATURE_LABEL + digest)


def verify_transcript(identity_public: bytes, digest: bytes, signature: bytes) -> bool:
    return ed25519.verify(identity_public, SIGNATURE_LABEL + digest, signature)


def shared_secret(private: bytes, peer_public: bytes) -> bytes:
    shared = x25519.x25519(private, peer_public)
    if shared == bytes(32):
        raise HandshakeFailure("THING_ERR_HANDSHAKE", "low-order X25519 key")
    return shared


@dataclass
class SessionKeys:
    """The six outputs of the key schedule, plus TH."""

    th: bytes
    c2s_key: bytes
    s2c_key: bytes
    c2s_iv: bytes
    s2c_iv: bytes
    client_confirm: bytes
    server_confirm: bytes

    def scc_value(self) -> bytes:
        return hkdf.hmac_sha256(self.server_confirm, self.th)

    def ccc_value(self) -> bytes:
        return hkdf.hmac_sha256(self.client_confirm, self.th + self.scc_value())


def derive_keys(shared: bytes, chi: bytes, shi: bytes, sdh: bytes, cdh: bytes,
                suite: int = SUITE_CHACHA20_POLY1305) -> SessionKeys:
    """TH = SHA-256(T(CHI) || T(SHI) || T(SDH) || T(CDH)); keys = HKDF(shared, salt = TH)."""
    th = hashlib.sha256(chi[32:] + shi[32:] + sdh[32:] + cdh[32:]).digest()
    prk = hkdf.extract(th, shared)

    def out(label: str, length: int) -> bytes:
        return hkdf.expand(prk, label.encode() + bytes([suite]), length)

    return SessionKeys(th, out("thing v1 c2s key", 32), out("thing v1 s2c key", 32),
                       out("thing v1 c2s iv", 12), out("thing v1 s2c iv", 12),
                       out("thing v1 client confirm", 32), out("thing v1 server confirm", 32))


def next_key(key: bytes) -> bytes:
    """Key update (3.6): HKDF-SHA256(ikm = key, salt = empty, info = "thing v1 key update")."""
    return hkdf.hkdf(key, b"", KEY_UPDATE_LABEL, 32)


def nonce_for(iv: bytes, order: int) -> bytes:
    """iv XOR (4 zero bytes || order count as u64 big-endian)."""
    return bytes(a ^ b for a, b in zip(iv, b"\x00" * 4 + struct.pack(">Q", order)))


@dataclass
class SendKeys:
    """One direction's sending state: key, IV, phase, and when to update the key."""

    key: bytes
    iv: bytes
    rekey_after: int = 2**22
    suite: int = SUITE_CHACHA20_POLY1305
    phase: int = 0
    sent_in_phase: int = 0
    updates: int = 0

    def seal(self, type_: int, client_id: bytes, plaintext: bytes, custom_id: int, order: int,
             authenticated: bool) -> bytes:
        """The whole sealed packet; moves to the next key after rekey_after packets under one."""
        if self.sent_in_phase >= self.rekey_after:
            self.key, self.phase, self.sent_in_phase = next_key(self.key), self.phase ^ 1, 0
            self.updates += 1
        self.sent_in_phase += 1
        reserved = (wire.AUTHENTICATED_BIT if authenticated else 0) | self.phase
        ad = wire.header_fields(type_, client_id, len(plaintext) + 16, reserved, custom_id, order)
        sealed = AEADS[self.suite].seal(self.key, nonce_for(self.iv, order), plaintext, ad)
        return wire.checksum_of(ad + sealed, reserved) + ad + sealed


class ReplayWindow:
    """RFC 6479-style window: a count is accepted once, if newer than or within size of the top."""

    def __init__(self, size: int = 1024):
        self.size, self.top, self.seen = size, -1, set()

    def fresh(self, order: int) -> bool:
        return order > self.top or (order > self.top - self.size and order not in self.seen)

    def record(self, order: int) -> None:
        self.seen.add(order)
        if order > self.top:
            self.top = order
            self.seen = {o for o in self.seen if o > self.top - self.size}


@dataclass
class ReceiveKeys:
    """One direction's receiving state (3.6): current and previous key, phase, replay window."""

    key: bytes
    iv: bytes
    suite: int = SUITE_CHACHA20_POLY1305
    phase: int = 0
    phase_start: int = 0
    previous: bytes | None = None
    window: ReplayWindow = field(default_factory=ReplayWindow)
    updates: int = 0

    def open(self, packet: wire.Packet, header: bytes, repeatable: bool = False) -> bytes | None:
        """The plaintext, or None when the packet is a replay or does not authenticate.

        header is bytes 32..63 of the packet as received (the associated data). repeatable lets a
        repeat of a count still inside the window through (the hybrid's DATA_ACK, section 4)."""
        inside = packet.order > self.window.top - self.window.size
        if not (self.window.fresh(packet.order) or (repeatable and inside)):
            return None
        nonce = nonce_for(self.iv, packet.order)
        bit = packet.reserved & wire.KEY_PHASE_BIT
        candidate, switching = self.key, False
        if bit != self.phase:
            if packet.order >= self.phase_start:
                candidate, switching = next_key(self.key), True
            elif self.previous is not None:
                candidate = self.previous
            else:
                return None
        aead = AEADS[self.suite]
        try:
            plaintext = aead.open_sealed(candidate, nonce, packet.payload, header)
        except aead.AuthenticationError:
            return None
        if switching:
            self.previous, self.key, self.phase = self.key, candidate, bit
            self.phase_start, self.updates = packet.order, self.updates + 1
        self.window.record(packet.order)
        return plaintext
