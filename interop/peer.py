"""What every peer shares: a link, one-shot timers, a bounded event loop and a trace of what
happened (printed when a scenario fails)."""

import time

import wire
from links import Address, Link


class ScenarioError(Exception):
    """A scenario did not see what the document says it should."""


class Peer:
    """Runs a packet handler and timers over a link until a condition holds or time runs out."""

    def __init__(self, link: Link, name: str):
        self.link = link
        self.name = name
        self.timers: dict[str, tuple[float, object]] = {}
        self.trace: list[str] = []
        self.started = time.monotonic()

    def log(self, text: str) -> None:
        self.trace.append(f"{time.monotonic() - self.started:7.3f} {text}")

    def schedule(self, name: str, delay_s: float, action) -> None:
        self.timers[name] = (time.monotonic() + delay_s, action)

    def cancel(self, name: str) -> None:
        self.timers.pop(name, None)

    def transmit(self, data: bytes, to: Address) -> None:
        p = wire.decode(data)
        self.log(f"tx {wire.TYPE_NAMES.get(p.type, hex(p.type))} order={p.order} len={len(p.payload)}"
                 f" res={p.reserved:#x} to={to[1]}")
        self.link.send(data, to)

    def on_datagram(self, data: bytes, source: Address) -> None:
        raise NotImplementedError

    def _fire_due(self) -> None:
        now = time.monotonic()
        for name, (at, action) in list(self.timers.items()):
            if at <= now and self.timers.get(name, (None,))[0] == at:
                del self.timers[name]
                action()

    def run_until(self, done, timeout_s: float, what: str) -> None:
        """Handles packets and timers until done() is true; raises ScenarioError after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while not done():
            self._fire_due()
            if done():
                return
            now = time.monotonic()
            if now >= deadline:
                raise ScenarioError(f"{self.name}: no {what} within {timeout_s:g} s")
            wake = min([deadline] + [at for at, _ in self.timers.values()])
            got = self.link.recv(max(0.0, min(wake - now, 0.05)))
            if got is not None:
                self.on_datagram(*got)

    def run_for(self, seconds: float) -> None:
        """Handles packets and timers for a while (e.g. to see that nothing arrives)."""
        end = time.monotonic() + seconds
        self.run_until(lambda: time.monotonic() >= end, seconds + 1, "end of wait")

    def decode(self, data: bytes) -> wire.Packet | None:
        try:
            p = wire.decode(data)
        except wire.DecodeError as error:
            self.log(f"rx malformed {error.code}")
            return None
        self.log(f"rx {wire.TYPE_NAMES.get(p.type, hex(p.type))} order={p.order} len={len(p.payload)}"
                 f" res={p.reserved:#x}")
        return p
