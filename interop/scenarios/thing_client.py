"""The Thing dialect (PROTOCOL.md section 3): a Python client against `thing serve`."""

import os

import identity
import thing_crypto as tc
import wire
from peer import ScenarioError
from primitives import ed25519
from thing_peer import ThingClient
from scenarios.context import Context, check, messages


def _thing_client(ctx: Context, transport: str, pin_kind: str) -> str:
    path, public, fp = ctx.keygen()
    _, server = ctx.serve("thing", transport, ("--key", path))
    link = ctx.udp() if transport == "udp" else ctx.tcp(server)
    c = ctx.peer(ThingClient(link, server, pin=public if pin_kind == "key" else fp))
    c.connect()
    check(identity.b64url(c.server_key) == public, "SDH carried another identity key")
    sent = messages(6, f"thing {transport}")
    for custom_id, data in sent:
        c.send(data, custom_id)
    c.run_until(lambda: len(c.messages) >= 6, 5, "6 sealed echoes")
    check(sorted(c.messages) == sorted(sent), f"echoes differ: {c.messages}")
    c.heartbeat()
    c.goodbye()
    check(c.state == "closed", f"goodbye ended in state {c.state}")
    return f"handshake pinned by {pin_kind}, 6 sealed echoes, CHB/SUU, CGB/SGB/CFL"


def thing_client_udp(ctx: Context) -> str:
    return _thing_client(ctx, "udp", "key")


def thing_client_tcp(ctx: Context) -> str:
    return _thing_client(ctx, "tcp", "fingerprint")


def thing_client_aes(ctx: Context) -> str:
    _, server = ctx.serve("thing")
    c = ctx.peer(ThingClient(ctx.udp(), server, suites=(tc.SUITE_AES_256_GCM,
                                                          tc.SUITE_CHACHA20_POLY1305)))
    c.connect()
    check(c.suite == tc.SUITE_AES_256_GCM, f"server chose suite {c.suite}, not our first")
    sent = messages(4, "gcm")
    for custom_id, data in sent:
        c.send(data, custom_id)
    c.run_until(lambda: len(c.messages) >= 4, 5, "4 sealed echoes")
    check(sorted(c.messages) == sorted(sent), "echoes differ")
    c.goodbye()
    return "offered AES-256-GCM first: the server chose it; 4 echoes, goodbye"


def thing_client_server_ttl(ctx: Context) -> str:
    """3.9 SICT: a client that sends no CHB gets SFL with reason 1 once the server's TTL passes."""
    _, server = ctx.serve("thing", "udp", ("--timeout", "600"))
    c = ctx.peer(ThingClient(ctx.udp(), server, heartbeats=False))
    c.connect()
    check(c.server_ttl == 600, f"SHI carried TTL {c.server_ttl}, not --timeout 600")
    c.run_until(lambda: c.state == "ended by server", 3, "SFL after the TTL")
    check(c.sfl_reason == 1, f"SFL reason {c.sfl_reason}, not 1 (no heartbeat)")
    return "SHI carried TTL 600; silence drew SFL with reason 1 after the TTL"


def thing_client_wrong_pin(ctx: Context) -> str:
    _, server = ctx.serve("thing")
    wrong = identity.b64url(ed25519.public_key(os.urandom(32)))
    c = ctx.peer(ThingClient(ctx.udp(), server, pin=wrong))
    try:
        c.connect(3)
    except ScenarioError as error:
        check("THING_ERR_AUTH" in str(error), f"wrong failure: {error}")
        return "a server whose key differs from the pin is refused before CDH"
    raise ScenarioError("connected to a server with another key than the pin")


def _exchange(c: ThingClient, data: bytes, n: int, what: str) -> list[bytes]:
    """Sends data and returns the next n packets as received, without acting on them."""
    got: list[bytes] = []
    c.on_datagram = lambda raw, source: got.append(raw)
    try:
        c.transmit(data, c.server)
        c.run_until(lambda: len(got) >= n, 3, what)
    finally:
        del c.on_datagram
    return got


def thing_client_chi_checks(ctx: Context) -> str:
    """3.3 and 3.13 from the wire: bad CHIs are dropped unanswered, an unknown extension is
    ignored (SHI takes none), and each CHB draws exactly one SUU (3.8)."""
    _, server = ctx.serve("thing")
    link = ctx.udp()
    silent = []
    bad = {
        "255 bytes": lambda c: c._chi()[64:-1],
        "version 2": lambda c: bytes([2]) + c._chi()[65:],
        "no suite": lambda c: bytes([1, 0, 0]) + c.random + bytes(221),
        "cookie length 7": lambda c: bytes([1, 0, 1, 1]) + c.random + bytes([7]) + bytes(219),
        "broken extension list": lambda c: (bytes([1, 0, 1, 1]) + c.random + bytes([0])
                                            + bytes([0x70, 0x01, 0x01, 0x2C])).ljust(256, b"\0"),
    }
    for what, payload in bad.items():
        c = ctx.peer(ThingClient(link, server))
        c.transmit(wire.encode(wire.CHI, c.client_id, payload(c)), server)
        got = _exchange_quiet(c, 0.3)
        check(not got, f"a CHI with {what} was answered ({len(got)} packets)")
        silent.append(what)
    c = ctx.peer(ThingClient(link, server, offer={0x7001: b"abc"}))
    c.connect()
    check(len(c.shi) == 64 + 7, f"SHI of {len(c.shi) - 64} bytes: it took an extension")
    suu = c.counts.get(wire.SUU, 0)
    for _ in range(3):
        c.transmit(c.session.seal(wire.CHB), server)
    c.run_for(0.3)
    check(c.counts.get(wire.SUU, 0) - suu == 3, f"{c.counts.get(wire.SUU, 0) - suu} SUU for 3 CHB")
    c.goodbye()
    return (f"unanswered: CHI with {', '.join(silent)}; an unknown extension offered was ignored "
            "(7-byte SHI); 3 CHB drew exactly 3 SUU")


def _exchange_quiet(c: ThingClient, seconds: float) -> list[bytes]:
    got: list[bytes] = []
    c.on_datagram = lambda raw, source: got.append(raw)
    try:
        c.run_for(seconds)
    finally:
        del c.on_datagram
    return got


def thing_client_repeats(ctx: Context) -> str:
    """The 3.8 answers: identical CHI -> SHI + SDH again, identical CDH -> SCC again, CCC after
    completion -> SHF again (the losses a relay would cause, made on purpose)."""
    _, server = ctx.serve("thing")
    c = ctx.peer(ThingClient(ctx.udp(), server))
    c.chi = c._chi()
    first = _exchange(c, c.chi, 2, "SHI and SDH")
    again = _exchange(c, c.chi, 2, "SHI and SDH for a repeated CHI")
    check(sorted(again) == sorted(first), "a repeated CHI drew other SHI/SDH bytes")
    c.state = "chi"
    for raw in first:
        c.on_datagram(raw, server)  # verifies SDH, sends CDH
    check(c.state == "cdh", f"SDH not accepted ({c.error})")
    c.cancel("flight")
    scc = _exchange(c, c.cdh, 2, "an SCC for each of two identical CDHs")
    scc_orders = sorted(wire.decode(raw).order for raw in scc)
    check({raw[48] for raw in scc} == {wire.SCC}, "a repeated CDH drew something else than SCC")
    for raw in scc:
        c.on_datagram(raw, server)  # the first opens and sends CCC; the second is ignored
    c.run_until(lambda: c.state == "open", 3, "SHF")
    c.cancel("flight")
    shf = c.counts.get(wire.SHF, 0)
    c.transmit(c.ccc, server)  # the same CCC again, after completion
    c.run_for(0.5)
    same_bytes = c.counts.get(wire.SHF, 0) - shf
    resealed = c.session.seal(wire.CCC, c.keys.ccc_value())  # a CCC under the next order count
    c.transmit(resealed, server)
    c.run_for(0.5)
    new_order = c.counts.get(wire.SHF, 0) - shf - same_bytes
    c.log(f"SHF for identical CCC: {same_bytes}, for re-sealed CCC: {new_order}")
    check(same_bytes + new_order >= 1, "no SHF for a repeated CCC, byte-identical or re-sealed")
    return ("repeated CHI: byte-identical SHI+SDH; repeated CDH: SCC again, sealed anew "
            f"(order counts {scc_orders}); CCC after completion: SHF again "
            f"{same_bytes}x for the identical bytes, {new_order}x for a re-sealed one")


def thing_client_relay_loss(ctx: Context) -> str:
    path, public, _ = ctx.keygen()
    _, server = ctx.serve("thing", "udp", ("--key", path))
    _, via = ctx.relay(server, 0.2)
    notes = []
    for round_ in range(2):
        c = ctx.peer(ThingClient(ctx.udp(), via, pin=public))
        c.connect(10)
        sent = messages(20, f"lossy {round_}")
        for custom_id, data in sent:
            c.send(data, custom_id)
        c.run_for(1.0)  # DATA_NOACK is never resent: about 64 % of the echoes survive both ways
        check(c.messages and set(c.messages) <= set(sent) and len(set(c.messages)) == len(c.messages),
              f"echoes wrong: {len(c.messages)} of 20, duplicates or foreign")
        c.heartbeat(5)
        c.goodbye(8)
        notes.append(f"{c.flight_sends} flights/{len(c.messages)} echoes/{c.state}")
    return "2 handshakes through 20 % loss (" + ", ".join(notes) + ")"


def thing_client_rekey(ctx: Context) -> str:
    _, server = ctx.serve("thing", extra=("--rekey-after", "3"))
    c = ctx.peer(ThingClient(ctx.udp(), server, rekey_after=3))
    c.connect()
    sent = messages(20, "rekey")
    for custom_id, data in sent:
        c.send(data, custom_id)
    c.run_until(lambda: len(c.messages) >= 20, 5, "20 echoes across key updates")
    check(sorted(c.messages) == sorted(sent), "echoes differ")
    c.heartbeat()
    c.goodbye()
    updates = c.session.tx.updates
    received = c.session.rx.updates
    check(received > 0, "the CLI server (--rekey-after 3) never moved to a new key")
    return (f"both sides moved to a new key every 3 packets: the client {updates} times, the CLI "
            f"server {received} times, and each opened all of the other's packets")
