"""The Connection dialect (PROTOCOL.md section 2): a client and an echo server."""

import os
import random
import struct
import time

import extensions
import wire
from links import Address, Link
from peer import Peer, ScenarioError


def now_ms() -> int:
    return int(time.time() * 1000)


class Reliable:
    """Resends DATA_ACKs (byte-identical, same order count) until an ACK names their checksum."""

    def __init__(self, peer: Peer, to: Address, rto_s: float = 0.25, max_resends: int = 10):
        self.peer, self.to, self.rto_s, self.max_resends = peer, to, rto_s, max_resends
        self.pending: dict[bytes, tuple[bytes, int]] = {}
        self.resends = 0
        self.failed = False

    def send(self, data: bytes) -> None:
        checksum = data[:32]
        self.pending[checksum] = (data, 0)
        self.peer.transmit(data, self.to)
        self._arm(checksum, 0)

    def _arm(self, checksum: bytes, n: int) -> None:
        delay = self.rto_s * 2**n * random.uniform(1.0, 1.5)
        self.peer.schedule(f"resend-{checksum.hex()}", delay, lambda: self._resend(checksum))

    def _resend(self, checksum: bytes) -> None:
        if checksum not in self.pending:
            return
        data, n = self.pending[checksum]
        if n >= self.max_resends:
            self.failed = True
            del self.pending[checksum]
            return
        self.pending[checksum] = (data, n + 1)
        self.resends += 1
        self.peer.transmit(data, self.to)
        self._arm(checksum, n + 1)

    def acked(self, checksum: bytes) -> bool:
        if self.pending.pop(checksum, None) is None:
            return False
        self.peer.cancel(f"resend-{checksum.hex()}")
        return True

    def bad_ack(self, checksum: bytes) -> None:
        if checksum in self.pending:
            self.peer.cancel(f"resend-{checksum.hex()}")
            self._resend(checksum)


class Delivery:
    """Exactly-once delivery by order count (2.5), recording (custom ID, data) in arrival order."""

    def __init__(self):
        self.seen: set[int] = set()
        self.messages: list[tuple[int, bytes]] = []
        self.duplicates = 0

    def deliver(self, p: wire.Packet) -> bool:
        if p.order in self.seen:
            self.duplicates += 1
            return False
        self.seen.add(p.order)
        self.messages.append((p.custom_id, p.payload))
        return True


class ConnectionClient(Peer):
    """A client of `thing serve --dialect connection`."""

    def __init__(self, link: Link, server: Address, offer: dict[int, bytes] | None = None):
        super().__init__(link, "connection client")
        self.offer = offer or {}  # extensions offered after HELLO's time (3.13); v1 knows none
        self.server = server
        self.client_id = os.urandom(16)
        self.order = 0
        self.state = "idle"
        self.hellos = 0
        self.pongs = 0
        self.rejects = 0
        self.bad_acks_sent = 0
        self.bad_acks_received = 0
        self.reliable = Reliable(self, server)
        self.inbox = Delivery()

    def _next_order(self) -> int:
        self.order += 1
        return self.order - 1

    def _send(self, type_: int, payload: bytes = b"", custom_id: int = 0) -> bytes:
        data = wire.encode(type_, self.client_id, payload, custom_id=custom_id,
                           order=self._next_order())
        self.transmit(data, self.server)
        return data

    def _hello(self) -> None:
        if self.state != "connecting":
            return
        if self.hellos >= 8:
            self.state = "failed"
            return
        self.hellos += 1
        self._send(wire.HELLO, struct.pack(">Q", now_ms()) + extensions.encode(self.offer))
        delay = min(0.25 * 2 ** (self.hellos - 1), 4.0) * random.uniform(0.75, 1.25)
        self.schedule("hello", delay, self._hello)

    def connect(self, timeout_s: float = 5.0) -> None:
        self.state = "connecting"
        self._hello()
        self.run_until(lambda: self.state != "connecting", timeout_s, "ACCEPT")
        if self.state != "open":
            raise ScenarioError(f"connect ended in state {self.state}")

    def ping(self, timeout_s: float = 3.0) -> None:
        """Sends PING (again every 250 ms, as a lossy path needs) until a PONG arrives."""
        before = self.pongs

        def again():
            if self.pongs == before:
                self._send(wire.PING)
                self.schedule("ping", 0.25, again)

        again()
        self.run_until(lambda: self.pongs > before, timeout_s, "PONG")
        self.cancel("ping")

    def send_reliable(self, data: bytes, custom_id: int) -> None:
        packet = wire.encode(wire.DATA_ACK, self.client_id, data, custom_id=custom_id,
                             order=self._next_order())
        self.reliable.send(packet)

    def send_unreliable(self, data: bytes, custom_id: int) -> None:
        self._send(wire.DATA_NOACK, data, custom_id)

    def disconnect(self, timeout_s: float = 3.0) -> None:
        """DISCONNECT every 250 ms until REJECT, at most 5 times (2.6)."""
        self.state = "closing"
        tries = [0]

        def again():
            if self.state == "closing" and tries[0] < 5:
                tries[0] += 1
                self._send(wire.DISCONNECT)
                self.schedule("disconnect", 0.25, again)

        again()
        self.run_until(lambda: self.state != "closing", timeout_s, "REJECT after DISCONNECT")

    def on_datagram(self, data: bytes, source: Address) -> None:
        p = self.decode(data)
        if p is None:
            self._maybe_bad_ack(data, source)
            return
        if source != self.server or p.client_id != self.client_id:
            return
        if p.type == wire.ACCEPT and self.state == "connecting":
            try:
                taken = extensions.decode(p.payload)
            except extensions.BrokenList:
                return  # a client ignores a broken list in ACCEPT
            self.cancel("hello")
            self.state = "failed" if set(taken) - set(self.offer) else "open"
        elif p.type == wire.REJECT:
            self.rejects += 1
            self.state = "closed" if self.state == "closing" else "rejected"
        elif p.type == wire.PONG:
            self.pongs += 1
        elif p.type == wire.ACK and len(p.payload) == 32:
            self.reliable.acked(p.payload)
        elif p.type == wire.BAD_ACK and len(p.payload) == 32:
            self.bad_acks_received += 1
            self.reliable.bad_ack(p.payload)
        elif p.type == wire.DATA_ACK:
            self._send(wire.ACK, p.checksum)
            self.inbox.deliver(p)
        elif p.type == wire.DATA_NOACK:
            self.inbox.deliver(p)


    def _maybe_bad_ack(self, data: bytes, source: Address) -> None:
        """2.5: a DATA_ACK of our session whose checksum fails draws BAD_ACK with that field."""
        try:
            wire.decode(data)
        except wire.DecodeError as error:
            if (error.code == "THING_ERR_CHECKSUM" and source == self.server
                    and data[48] == wire.DATA_ACK and data[32:48] == self.client_id):
                self.bad_acks_sent += 1
                self._send(wire.BAD_ACK, bytes(data[:32]))


class ConnectionServer(Peer):
    """An echo server for `thing connect --dialect connection`: each message comes back on its
    channel, DATA_ACK as DATA_ACK (resent until ACKed), DATA_NOACK as DATA_NOACK."""

    def __init__(self, link: Link, hello_window_ms: int = 30000):
        super().__init__(link, "connection server")
        self.hello_window_ms = hello_window_ms
        self.sessions: dict[bytes, dict] = {}
        self.newest_hello: dict[bytes, int] = {}
        self.hello_orders: list[int] = []
        self.ended: list[bytes] = []
        self.inbox = Delivery()
        self.pings = 0
        self.resends = 0

    def _send(self, session: dict | None, type_: int, client_id: bytes, to: Address,
              payload: bytes = b"", custom_id: int = 0) -> bytes:
        order = 0
        if session is not None:
            order = session["order"]
            session["order"] += 1
        data = wire.encode(type_, client_id, payload, custom_id=custom_id, order=order)
        self.transmit(data, to)
        return data

    def on_datagram(self, data: bytes, source: Address) -> None:
        p = self.decode(data)
        if p is None:
            return
        session = self.sessions.get(p.client_id)
        if p.type == wire.HELLO:
            self._hello(p, session, source)
            return
        if session is None or session["address"] != source:
            if p.type != wire.REJECT:
                self._send(None, wire.REJECT, p.client_id, source)
            return
        if p.type == wire.PING:
            self.pings += 1
            self._send(session, wire.PONG, p.client_id, source)
        elif p.type == wire.DATA_ACK:
            self._send(session, wire.ACK, p.client_id, source, p.checksum)
            if session["inbox"].deliver(p):
                self.inbox.messages.append((p.custom_id, p.payload))
                echo = wire.encode(wire.DATA_ACK, p.client_id, p.payload, custom_id=p.custom_id,
                                   order=session["order"])
                session["order"] += 1
                session["reliable"].send(echo)
        elif p.type == wire.DATA_NOACK:
            if session["inbox"].deliver(p):
                self.inbox.messages.append((p.custom_id, p.payload))
                self._send(session, wire.DATA_NOACK, p.client_id, source, p.payload, p.custom_id)
        elif p.type == wire.ACK and len(p.payload) == 32:
            session["reliable"].acked(p.payload)
        elif p.type == wire.DISCONNECT:
            self._send(None, wire.REJECT, p.client_id, source)
            self.resends += session["reliable"].resends
            del self.sessions[p.client_id]
            self.ended.append(p.client_id)

    def _hello(self, p: wire.Packet, session: dict | None, source: Address) -> None:
        if len(p.payload) < 8:
            return
        try:
            extensions.decode(p.payload[8:])  # v1 takes none of them
        except extensions.BrokenList:
            self.log("HELLO dropped: broken extension list")
            return
        self.hello_orders.append(p.order)
        sent = struct.unpack(">Q", p.payload[:8])[0]
        if abs(sent - now_ms()) > self.hello_window_ms:
            self.log("stale HELLO dropped")
            return
        if session is not None and session["address"] != source:
            self._send(None, wire.REJECT, p.client_id, source)
            return
        if sent <= self.newest_hello.get(p.client_id, -1):
            self.log("replayed HELLO dropped")
            return
        self.newest_hello[p.client_id] = sent
        if session is None:
            session = {"address": source, "order": 0, "inbox": Delivery(),
                       "reliable": Reliable(self, source)}
            self.sessions[p.client_id] = session
        self._send(session, wire.ACCEPT, p.client_id, source)
