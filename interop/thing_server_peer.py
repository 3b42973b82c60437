"""The Thing dialect's echo server (PROTOCOL.md section 3): cookies (3.7), the 3x limit, TTL and
goodbye linger (3.8), key update (3.6)."""

import hashlib
import hmac
import os
import struct
import time

import extensions
import thing_crypto as tc
import wire
from links import Address, Link
from peer import Peer
from primitives import ed25519, x25519
from thing_peer import CHI_PAYLOAD, RETRANSMIT_S, VERSION, Sealer


class ThingServer(Peer):
    """An echo server for `thing connect --dialect thing`: every sealed DATA_NOACK comes back."""

    def __init__(self, link: Link, seed: bytes | None = None, ttl_ms: int = 30000,
                 cookies: bool = False, rekey_after: int = 2**22, withhold: tuple = (),
                 suites: tuple = (tc.SUITE_CHACHA20_POLY1305, tc.SUITE_AES_256_GCM),
                 double_retry: bool = False):
        super().__init__(link, "thing server")
        self.seed = seed or os.urandom(32)
        self.public = ed25519.public_key(self.seed)
        self.ttl_ms, self.cookies, self.rekey_after = ttl_ms, cookies, rekey_after
        self.cookie_secret = os.urandom(32)
        self.half_open: dict[bytes, dict] = {}
        self.sessions: dict[bytes, dict] = {}
        self.closed: list[bytes] = []
        self.ended_by: list[str] = []  # "CFL" or "linger", per closed session
        self.messages: list[tuple[int, bytes]] = []
        self.counts: dict[int, int] = {}
        self.retries_sent = 0
        self.repeats: dict[str, int] = {}
        self.withhold = set(withhold)  # types whose first transmission is "lost" on purpose
        self.suites = suites  # the suites we accept
        # Answer a cookieless CHI with two retry SHIs whose cookies differ, as two copies of a
        # retransmitted CHI straddling a second would get.
        self.double_retry = double_retry
        self.replaced = 0  # half-open handshakes started over from a CHI with a newer cookie
        self.retry_times: dict[tuple, int] = {}  # (client ID, address) -> t of its first retry
        self.offers: list[bytes] = []  # each CHI's suite list, as offered
        self.orders: dict[int, list[int]] = {}

    def transmit(self, data: bytes, to: Address) -> None:
        type_ = data[48]
        if type_ in self.withhold:
            self.withhold.discard(type_)
            self.log(f"withheld {wire.TYPE_NAMES[type_]}")
            return
        super().transmit(data, to)

    def _cookie(self, t: int, client_id: bytes, source: Address) -> bytes:
        address = f"{source[0]}|{source[1]}".encode()
        mac = hmac.new(self.cookie_secret, b"thing v1 cookie" + struct.pack(">I", t) + client_id
                       + address, hashlib.sha256).digest()
        return struct.pack(">I", t) + mac[:16]

    def _cookie_ok(self, cookie: bytes, client_id: bytes, source: Address) -> bool:
        if len(cookie) != 20:
            return False
        t = struct.unpack(">I", cookie[:4])[0]
        return abs(int(time.time()) - t) <= 30 and hmac.compare_digest(
            cookie, self._cookie(t, client_id, source))

    def on_datagram(self, data: bytes, source: Address) -> None:
        p = self.decode(data)
        if p is None:
            return
        self.counts[p.type] = self.counts.get(p.type, 0) + 1
        self.orders.setdefault(p.type, []).append(p.order)
        if p.type == wire.CHI:
            self._chi(p, data, source)
        elif p.type == wire.CDH:
            self._cdh(p, data, source)
        elif p.client_id in self.sessions or p.client_id in self.half_open:
            self._sealed(p, data, source)

    def _chi(self, p: wire.Packet, data: bytes, source: Address) -> None:
        if len(p.payload) < CHI_PAYLOAD or p.payload[0] != VERSION or p.client_id in self.sessions:
            return
        state = self.half_open.get(p.client_id)
        if state is not None and state["chi"] == data:
            self.repeats["CHI"] = self.repeats.get("CHI", 0) + 1
            state["received"] += len(data)
            self._answer(state, state["shi"], state["sdh"])
            return
        n = p.payload[2]
        suites = p.payload[3:3 + n]
        cookie_len = p.payload[35 + n] if 35 + n < len(p.payload) else -1
        if n == 0 or cookie_len not in (0, 20):
            self.log("CHI dropped: no suite or a bad cookie length")
            return
        cookie = p.payload[36 + n:36 + n + cookie_len]
        try:
            extensions.decode(p.payload[36 + n + cookie_len:])  # v1 takes none of them
        except extensions.BrokenList:
            self.log("CHI dropped: broken extension list")
            return
        cookie_ok = self.cookies and self._cookie_ok(cookie, p.client_id, source)
        if state is not None:
            # Another CHI for a half-open handshake: a client that followed a second retry SHI
            # (3.7) sends the same hello with a newer cookie. Start over from it, unless the
            # handshake is past CDH or the cookie does not validate it.
            if state["cdh"] or not cookie_ok:
                return
            self.replaced += 1
        if self.cookies and not cookie_ok:
            # The same cookie again for a repeated cookieless CHI (its retransmission), so that a
            # client that follows every retry SHI sends the same CHI again (see double_retry).
            now = int(time.time())
            first = self.retry_times.setdefault((p.client_id, source), now)
            times = (first, first - 1) if self.double_retry else (first,)
            for t in times:
                self.retries_sent += 1
                retry = bytes([VERSION, 1, 20]) + self._cookie(t, p.client_id, source)
                self.transmit(wire.encode(wire.SHI, p.client_id, retry), source)
            return
        self.offers.append(bytes(suites))
        suite = next((x for x in suites if x in self.suites), None)
        if suite is None:
            return  # no common suite: the handshake ends unanswered
        ephemeral = x25519.generate_private()
        shi = wire.encode(wire.SHI, p.client_id, bytes([VERSION, 0, suite])
                          + struct.pack(">I", self.ttl_ms))
        unsigned = wire.encode(wire.SDH, p.client_id, x25519.public_key(ephemeral) + self.public
                               + bytes(64))
        signature = tc.sign_transcript(self.seed, tc.signed_digest(data, shi, unsigned))
        sdh = wire.encode(wire.SDH, p.client_id, unsigned[64:128] + signature)
        state = {"chi": data, "shi": shi, "sdh": sdh, "eph": ephemeral, "address": source,
                 "cdh": b"", "scc": b"", "received": len(data), "sent": 0,
                 "validated": self.cookies}  # a valid cookie validates the address (3.7)
        self.half_open[p.client_id] = state
        self._answer(state, shi, sdh)

    def _cdh(self, p: wire.Packet, data: bytes, source: Address) -> None:
        state = self.half_open.get(p.client_id)
        if state is None or len(p.payload) != 32 or source != state["address"]:
            return
        state["received"] += len(data)
        if state["cdh"]:
            if state["cdh"] == data:
                self.repeats["CDH"] = self.repeats.get("CDH", 0) + 1
                self._answer(state, state["scc"])
            return
        shared = tc.shared_secret(state["eph"], p.payload)
        suite = state["shi"][64 + 2]
        keys = tc.derive_keys(shared, state["chi"], state["shi"], state["sdh"], data, suite)
        sealer = Sealer(p.client_id, tc.SendKeys(keys.s2c_key, keys.s2c_iv, self.rekey_after, suite),
                        tc.ReceiveKeys(keys.c2s_key, keys.c2s_iv, suite))
        state.update(cdh=data, keys=keys, sealer=sealer, scc=sealer.seal(wire.SCC, keys.scc_value()))
        self._answer(state, state["scc"])

    def _answer(self, state: dict, *packets: bytes) -> None:
        """Sends a handshake answer within 3x the bytes received until validated (3.7)."""
        size = sum(len(p) for p in packets)
        if not state["validated"] and state["sent"] + size > 3 * state["received"]:
            self.log(f"answer of {size} bytes withheld by the 3x limit")
            return
        state["sent"] += size
        for packet in packets:
            self.transmit(packet, state["address"])

    def _sealed(self, p: wire.Packet, data: bytes, source: Address) -> None:
        session = self.sessions.get(p.client_id)
        if session is None:
            state = self.half_open[p.client_id]
            if p.type != wire.CCC or "sealer" not in state or source != state["address"]:
                return
            plaintext = state["sealer"].open(p, data)
            if plaintext is None or not hmac.compare_digest(plaintext, state["keys"].ccc_value()):
                return
            state["ccc"] = data
            self.sessions[p.client_id] = session = state
            del self.half_open[p.client_id]
            self.transmit(session["sealer"].seal(wire.SHF), source)
            self._renew(p.client_id)
            return
        if source != session["address"]:
            return
        sealer: Sealer = session["sealer"]
        plaintext = sealer.open(p, data)
        if plaintext is None:
            return
        self._renew(p.client_id)
        if p.type == wire.CCC:
            self.repeats["CCC"] = self.repeats.get("CCC", 0) + 1
            self.transmit(sealer.seal(wire.SHF), source)
        elif p.type == wire.DATA_NOACK:
            self.messages.append((p.custom_id, plaintext))
            self.transmit(sealer.seal(wire.DATA_NOACK, plaintext, p.custom_id), source)
        elif p.type == wire.CHB:
            self.transmit(sealer.seal(wire.SUU), source)
        elif p.type == wire.CGB:
            self.transmit(sealer.seal(wire.SGB), source)
            # Without CFL the session ends after retransmitTimeout x 8 (3.8, goodbye linger).
            self.schedule(f"linger-{p.client_id.hex()}", RETRANSMIT_S * 8,
                          lambda: self._end(p.client_id, "linger"))
        elif p.type == wire.CFL:
            self._end(p.client_id, "CFL")

    def _renew(self, client_id: bytes) -> None:
        """Any authenticated packet renews the TTL; silence for a TTL sends SFL 1 and ends (3.8)."""

        def expire():
            session = self.sessions.get(client_id)
            if session is not None:
                self.transmit(session["sealer"].seal(wire.SFL, bytes([1])), session["address"])
                self._end(client_id, "TTL")

        self.schedule(f"ttl-{client_id.hex()}", self.ttl_ms / 1000, expire)

    def _end(self, client_id: bytes, why: str) -> None:
        if self.sessions.pop(client_id, None) is not None:
            self.cancel(f"linger-{client_id.hex()}")
            self.cancel(f"ttl-{client_id.hex()}")
            self.closed.append(client_id)
            self.ended_by.append(why)

    def receive_updates(self) -> int:
        return sum(s["sealer"].rx.updates for s in self.sessions.values())
