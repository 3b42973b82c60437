"""The Thing dialect (PROTOCOL.md section 3): what both roles share, and the client. Both suites
(ChaCha20-Poly1305, AES-256-GCM), heartbeats, both terminations and key update."""

import hmac
import os
import struct

import extensions
import identity
import thing_crypto as tc
import wire
from links import Address, Link
from peer import Peer, ScenarioError
from primitives import x25519

VERSION = 1
CHI_PAYLOAD = 256
RETRANSMIT_S = 0.25

# Sealed types without the authenticated bit (3.6); every other sealed packet carries it.
CONFIRMATIONS = {wire.SCC, wire.CCC}


def backoff(k: int) -> float:
    """retransmitTimeout x 2^min(k, 3) (3.8)."""
    return RETRANSMIT_S * 2 ** min(k, 3)


class Sealer:
    """A session's two directions: seal what we send, open what we receive."""

    def __init__(self, client_id: bytes, send: tc.SendKeys, receive: tc.ReceiveKeys):
        self.client_id, self.tx, self.rx = client_id, send, receive
        self.order = 0

    def seal(self, type_: int, plaintext: bytes = b"", custom_id: int = 0) -> bytes:
        data = self.tx.seal(type_, self.client_id, plaintext, custom_id, self.order,
                            type_ not in CONFIRMATIONS)
        self.order += 1
        return data

    def open(self, p: wire.Packet, raw: bytes, repeatable: bool = False) -> bytes | None:
        return self.rx.open(p, raw[32:64], repeatable)


class ThingClient(Peer):
    """A client of `thing serve --dialect thing`. pin is a public key or a fingerprint."""

    def __init__(self, link: Link, server: Address, pin: str | None = None, rekey_after: int = 2**22,
                 suites: tuple = (tc.SUITE_CHACHA20_POLY1305,), ttl_ms: int = 30000,
                 offer: dict[int, bytes] | None = None, heartbeats: bool = True):
        super().__init__(link, "thing client")
        self.server, self.pin, self.rekey_after, self.suites = server, pin, rekey_after, suites
        self.ttl_ms = ttl_ms
        self.offer = offer or {}  # extensions to put in CHI (3.13); v1 knows none
        self.heartbeats = heartbeats  # False: stay silent, to see the server's TTL (3.9)
        self.suite = 0
        self.client_id = os.urandom(16)
        self.random = os.urandom(32)
        self.cookie = b""
        self.state = "idle"
        self.error = ""
        self.chi = self.shi = self.sdh = self.cdh = self.ccc = b""
        self.ephemeral = x25519.generate_private()
        self.server_key = b""
        self.session: Sealer | None = None
        self.keys: tc.SessionKeys | None = None
        self.flight_sends = 0
        self.messages: list[tuple[int, bytes]] = []
        self.counts: dict[int, int] = {}
        self.sfl_reason = None
        self.server_ttl = 0
        # Sealed packets of other plugins' types (e.g. the streams plugin's frames, 0x30-0x39):
        # (type, custom ID, plaintext, local port it arrived on).
        self.frames: list[tuple[int, int, bytes, int]] = []

    # Handshake ------------------------------------------------------------------------------
    def _chi(self) -> bytes:
        body = bytes([VERSION, 0, len(self.suites), *self.suites]) + self.random
        body += bytes([len(self.cookie)]) + self.cookie + extensions.encode(self.offer)
        return wire.encode(wire.CHI, self.client_id, body.ljust(CHI_PAYLOAD, b"\x00"))

    def _flight(self, make, k: int = 0) -> None:
        """Sends the last flight now, and again on the 3.8 schedule until the state moves on.
        make() builds each copy: CHI and CDH are byte-identical, a CCC is sealed anew under the
        next order count (the server's replay window drops an identical one)."""
        state = self.state
        self.flight_sends += 1
        self.transmit(make(), self.server)

        def again():
            if self.state == state:
                self._flight(make, k + 1)

        self.schedule("flight", backoff(k), again)

    def connect(self, timeout_s: float = 8.0) -> None:
        self.state = "chi"
        self.chi = self._chi()
        self._flight(lambda: self.chi)
        self.run_until(lambda: self.state in ("open", "failed"), timeout_s, "open session")
        if self.state == "failed":
            raise ScenarioError(f"handshake failed: {self.error}")

    def _fail(self, code: str, why: str) -> None:
        self.state, self.error = "failed", f"{code}: {why}"
        self.cancel("flight")

    def _after_hello(self) -> None:
        if self.state != "chi" or not self.shi or not self.sdh:
            return
        payload = self.sdh[64:]
        server_eph, self.server_key, signature = payload[:32], payload[32:64], payload[64:]
        if self.pin is not None and not identity.matches_pin(self.server_key, self.pin):
            return self._fail("THING_ERR_AUTH", "server key differs from the pin")
        digest = tc.signed_digest(self.chi, self.shi, self.sdh)
        if not tc.verify_transcript(self.server_key, digest, signature):
            return self._fail("THING_ERR_AUTH", "SDH signature does not verify")
        self.cdh = wire.encode(wire.CDH, self.client_id, x25519.public_key(self.ephemeral))
        shared = tc.shared_secret(self.ephemeral, server_eph)
        self.keys = tc.derive_keys(shared, self.chi, self.shi, self.sdh, self.cdh, self.suite)
        self.session = Sealer(
            self.client_id,
            tc.SendKeys(self.keys.c2s_key, self.keys.c2s_iv, self.rekey_after, self.suite),
            tc.ReceiveKeys(self.keys.s2c_key, self.keys.s2c_iv, self.suite))
        self.state = "cdh"
        self._flight(lambda: self.cdh)

    def on_datagram(self, data: bytes, source: Address) -> None:
        p = self.decode(data)
        if p is None or p.client_id != self.client_id:
            return
        if source != self.server:
            self.log(f"  (dropped: from {source}, not the server)")
            return
        if p.type == wire.SHI and self.state == "chi" and len(p.payload) >= 2:
            self._shi(p, data)
        elif p.type == wire.SDH and self.state == "chi" and len(p.payload) == 128:
            self.sdh = data
            self._after_hello()
        elif p.type in (wire.CHI, wire.CDH, wire.SHI, wire.SDH):
            return
        elif self.session is not None:
            self._sealed(p, data)

    def _shi(self, p: wire.Packet, data: bytes) -> None:
        b = p.payload
        if b[0] != VERSION:
            return
        if b[1] == 0 and len(b) >= 7:
            try:
                taken = extensions.decode(b[7:])
            except extensions.BrokenList:
                return  # a client ignores an SHI with a broken extension list
            if b[2] not in self.suites:
                return self._fail("THING_ERR_HANDSHAKE", f"server chose suite {b[2]}, not offered")
            if set(taken) - set(self.offer):
                return self._fail("THING_ERR_HANDSHAKE", f"SHI took extensions {sorted(taken)}")
            self.suite = b[2]
            self.server_ttl = struct.unpack(">I", b[3:7])[0]
            self.shi = data
            self._after_hello()
        elif b[1] == 1 and len(b) == 23 and b[2] == 20 and not self.cookie:
            # Only the first retry SHI counts (as RFC 9000 17.2.5.2 for Retry): a second one
            # answers a retransmitted cookieless CHI and would fork the transcript (README, 15).
            self.cookie = b[3:23]
            self.chi = self._chi()
            self.sdh = b""
            self._flight(lambda: self.chi)

    def _sealed(self, p: wire.Packet, data: bytes) -> None:
        if p.type == wire.SCC and p.reserved & wire.AUTHENTICATED_BIT:
            return
        plaintext = self.session.open(p, data, p.type in self.repeatable)
        if plaintext is None:
            self.log("  (dropped: replay or does not authenticate)")
            return
        self.counts[p.type] = self.counts.get(p.type, 0) + 1
        if p.type == wire.SCC:
            if self.state != "cdh":
                return
            if not hmac.compare_digest(plaintext, self.keys.scc_value()):
                return self._fail("THING_ERR_AUTH", "SCC does not match")
            self.state = "ccc"
            self._flight(self._seal_ccc)
            return
        if self.state == "ccc":
            self.state = "open"  # SHF, or any other authenticated packet (3.2)
            self.cancel("flight")
            if self.heartbeats:
                self._heartbeats()
        if p.type == wire.DATA_NOACK:
            self.messages.append((p.custom_id, plaintext))
        elif self.on_data(p, plaintext):
            pass
        elif p.type >= 0x30:
            port = getattr(self.link, "received_on", ("", 0))[1]
            self.frames.append((p.type, p.custom_id, plaintext, port))
        elif p.type == wire.SGB and self.state == "closing":
            self.transmit(self.session.seal(wire.CFL), self.server)
            self.state = "closed"
            self.cancel("goodbye")
        elif p.type == wire.SFL:
            # 1 = no heartbeat within the TTL; any other byte, or none, reads as 2 (closed).
            self.sfl_reason = 1 if plaintext[:1] == b"\x01" else 2
            self.state = "ended by server"

    def _heartbeats(self) -> None:
        """CHB every floor(TTL / 3) ms of the smaller TTL, never below 30 ms (3.8)."""
        interval = max(min(self.ttl_ms, self.server_ttl or self.ttl_ms) // 3, 30) / 1000

        def beat():
            if self.state == "open":
                self.transmit(self.session.seal(wire.CHB), self.server)
                self.schedule("heartbeat", interval, beat)

        self.schedule("heartbeat", interval, beat)

    repeatable: frozenset = frozenset()  # types whose repeated order counts pass the window

    def on_data(self, p: wire.Packet, plaintext: bytes) -> bool:
        """A data plugin's hook: True when it took the packet."""
        return False

    def _seal_ccc(self) -> bytes:
        self.ccc = self.session.seal(wire.CCC, self.keys.ccc_value())
        return self.ccc

    # Session --------------------------------------------------------------------------------
    def send(self, data: bytes, custom_id: int) -> None:
        self.transmit(self.session.seal(wire.DATA_NOACK, data, custom_id), self.server)

    def send_sealed(self, type_: int, payload: bytes = b"", custom_id: int = 0) -> None:
        """Any other plugin's packet, sealed by the session (e.g. a streams PING frame)."""
        self.transmit(self.session.seal(type_, payload, custom_id), self.server)

    def heartbeat(self, timeout_s: float = 3.0) -> None:
        """CHB (again every 250 ms on a lossy path) until a SUU arrives."""
        before = self.counts.get(wire.SUU, 0)

        def again():
            if self.counts.get(wire.SUU, 0) == before:
                self.transmit(self.session.seal(wire.CHB), self.server)
                self.schedule("chb", RETRANSMIT_S, again)

        again()
        self.run_until(lambda: self.counts.get(wire.SUU, 0) > before, timeout_s, "SUU")
        self.cancel("chb")

    def goodbye(self, timeout_s: float = 5.0) -> None:
        """CGB on the 3.8 schedule, 4 times at most, until SGB; then CFL."""
        self.state = "closing"

        def again(k: int):
            if self.state == "closing" and k < 4:
                self.transmit(self.session.seal(wire.CGB), self.server)
                self.schedule("goodbye", backoff(k), lambda: again(k + 1))

        again(0)
        self.run_until(lambda: self.state != "closing", timeout_s, "SGB")
