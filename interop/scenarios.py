"""The interop matrix: each scenario drives the CLI as a black box with a Python peer and
returns a short note, or raises with the reason it failed."""

import json
import os
import tempfile
import time

import identity
import thing_crypto as tc
import wire
from cli_process import CliProcess
from connection_peer import ConnectionClient, ConnectionServer
from hybrid_peer import HybridClient
from links import TcpClientLink, TcpServerLink, UdpLink
from peer import ScenarioError
from primitives import ed25519
from thing_peer import RETRANSMIT_S, ThingClient, ThingServer

LOCAL = "127.0.0.1"


def check(condition: bool, why: str) -> None:
    if not condition:
        raise ScenarioError(why)


class Context:
    """The CLI command and the processes and links a scenario opened (closed by the runner)."""

    def __init__(self, cli: list[str], seed: int):
        self.cli, self.seed = cli, seed
        self.processes: list[CliProcess] = []
        self.links = []
        self.peers = []
        self.tmp = tempfile.mkdtemp(prefix="thing-interop-")

    def start(self, args: list[str], stdin: bool = False) -> CliProcess:
        process = CliProcess(self.cli, args, stdin)
        self.processes.append(process)
        return process

    def serve(self, dialect: str, transport: str = "udp", extra: tuple = ()) -> tuple:
        s = self.start(["serve", "--dialect", dialect, "--transport", transport, "--port", "0",
                        "--json", *extra])
        port = int(s.wait_line(r'"event":"listening".*"address":"127\.0\.0\.1:(\d+)"', 15).group(1))
        return s, (LOCAL, port)

    def relay(self, target: tuple, loss: float, corrupt: float = 0.0) -> tuple:
        r = self.start(["relay", "0", f"{target[0]}:{target[1]}", "--loss", str(loss), "--corrupt",
                        str(corrupt), "--seed", str(self.seed), "--json"])
        port = int(r.wait_line(r'"listen":"127\.0\.0\.1:(\d+)"', 15).group(1))
        return r, (LOCAL, port)

    def keygen(self) -> tuple[str, str, str]:
        """A fresh key file: its path, the public key and the fingerprint, as keygen prints them."""
        path = os.path.join(self.tmp, f"server{len(self.processes)}.key")
        k = self.start(["keygen", "--out", path, "--json"])
        check(k.wait(15) == 0, f"keygen failed: {k.stderr}")
        out = json.loads(k.stdout[-1])
        return path, out["publicKey"], out["fingerprint"]

    def udp(self) -> UdpLink:
        link = UdpLink()
        self.links.append(link)
        return link

    def tcp_server(self) -> TcpServerLink:
        link = TcpServerLink()
        self.links.append(link)
        return link

    def tcp(self, server: tuple) -> TcpClientLink:
        link = TcpClientLink(server)
        self.links.append(link)
        return link

    def peer(self, p):
        self.peers.append(p)
        return p

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        for link in self.links:
            link.close()


def messages(n: int, prefix: str) -> list[tuple[int, bytes]]:
    return [(i % 5, f"{prefix} {i}".encode()) for i in range(n)]


# Connection dialect, Python client -----------------------------------------------------------
def _connection_client(ctx: Context, transport: str) -> str:
    _, server = ctx.serve("connection", transport)
    link = ctx.udp() if transport == "udp" else ctx.tcp(server)
    c = ctx.peer(ConnectionClient(link, server))
    c.connect()
    c.ping()
    sent = messages(5, "ack")
    for custom_id, data in sent:
        c.send_reliable(data, custom_id)
    c.send_unreliable(b"noack", 9)
    c.run_until(lambda: len(c.inbox.messages) >= 6 and not c.reliable.pending, 5, "echoes and ACKs")
    check(sorted(c.inbox.messages) == sorted(sent + [(9, b"noack")]),
          f"echoes differ: {c.inbox.messages}")
    # A packet under a client ID the server does not know is answered with REJECT, order 0.
    stranger = ctx.peer(ConnectionClient(link, server))
    stranger.state = "open"
    stranger._send(wire.PING)
    stranger.run_until(lambda: stranger.rejects > 0, 3, "REJECT for an unknown client ID")
    c.disconnect()
    check(c.state == "closed", f"DISCONNECT drew no REJECT (state {c.state})")
    return "HELLO/ACCEPT, PING/PONG, 5 DATA_ACK + 1 DATA_NOACK echoed, REJECT, DISCONNECT/REJECT"


def connection_client_udp(ctx: Context) -> str:
    return _connection_client(ctx, "udp")


def connection_client_tcp(ctx: Context) -> str:
    return _connection_client(ctx, "tcp")


def connection_client_relay_loss(ctx: Context) -> str:
    _, server = ctx.serve("connection")
    relay, via = ctx.relay(server, 0.2)
    c = ctx.peer(ConnectionClient(ctx.udp(), via))
    c.connect(8)
    c.ping(5)
    sent = messages(20, "lossy")
    for custom_id, data in sent:
        c.send_reliable(data, custom_id)
    c.run_until(lambda: len(c.inbox.messages) >= 20 and not c.reliable.pending, 15,
                "20 echoes through 20 % loss")
    check(not c.reliable.failed, "a DATA_ACK ran out of resends")
    check(sorted(c.inbox.messages) == sorted(sent), "echoes differ from what was sent")
    c.disconnect(5)
    return (f"20 DATA_ACK each way exactly once through 20 % loss: {c.reliable.resends} resends, "
            f"{c.inbox.duplicates} duplicate deliveries suppressed, {c.hellos} HELLO(s); "
            f"disconnect {'got REJECT' if c.state == 'closed' else 'gave up after 5 tries'}")


def connection_client_relay_corrupt(ctx: Context) -> str:
    _, server = ctx.serve("connection")
    _, via = ctx.relay(server, 0.0, corrupt=0.2)
    c = ctx.peer(ConnectionClient(ctx.udp(), via))
    c.connect(8)
    sent = messages(20, "flipped")
    for custom_id, data in sent:
        c.send_reliable(data, custom_id)
    c.run_until(lambda: len(c.inbox.messages) >= 20 and not c.reliable.pending, 15,
                "20 echoes through 20 % corruption")
    check(sorted(c.inbox.messages) == sorted(sent), "echoes differ from what was sent")
    check(c.bad_acks_sent + c.bad_acks_received > 0, "no BAD_ACK either way")
    c.disconnect(5)
    return (f"20 DATA_ACK each way exactly once through 20 % bit flips: BAD_ACK sent "
            f"{c.bad_acks_sent}, received {c.bad_acks_received}, {c.reliable.resends} resends")


# Thing dialect, Python client ----------------------------------------------------------------
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


def thing_server_aes(ctx: Context) -> str:
    link = ctx.udp()
    s = ctx.peer(ThingServer(link, suites=(tc.SUITE_AES_256_GCM,)))
    _cli_connect(ctx, s, link.local, "thing", ["gcm 1", "gcm 2"],
                 ("--server-key", identity.b64url(s.public)))
    return f"the CLI offered suites {list(s.offers[0])}; we accept only AES-256-GCM: 2 echoes, exit 0"


def thing_client_server_ttl(ctx: Context) -> str:
    """3.9 SICT: a client that sends no CHB gets SFL with reason 1 once the server's TTL passes."""
    _, server = ctx.serve("thing", "udp", ("--timeout", "600"))
    c = ctx.peer(ThingClient(ctx.udp(), server, heartbeats=False))
    c.connect()
    check(c.server_ttl == 600, f"SHI carried TTL {c.server_ttl}, not --timeout 600")
    c.run_until(lambda: c.state == "ended by server", 3, "SFL after the TTL")
    check(c.sfl_reason == 1, f"SFL reason {c.sfl_reason}, not 1 (no heartbeat)")
    return "SHI carried TTL 600; silence drew SFL with reason 1 after the TTL"


def connection_client_server_timeout(ctx: Context) -> str:
    """2.4: a silent session ends after --timeout; the server then REJECTs that client."""
    _, server = ctx.serve("connection", "udp", ("--timeout", "500"))
    c = ctx.peer(ConnectionClient(ctx.udp(), server))
    c.connect()
    c.ping()
    c.run_for(0.9)
    c.state = "open"
    c._send(wire.PING)
    c.run_until(lambda: c.rejects > 0, 3, "REJECT after the idle timeout")
    check(c.pongs == 1, "a PONG came after the timeout")
    return "silent for 0.9 s with --timeout 500: the next PING drew REJECT"


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
    _, server = ctx.serve("thing")
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
    return (f"the client moved to a new key every 3 packets ({updates} updates); the server opened "
            f"all of them (its own sends stayed in phase 0: the CLI has no rekeyAfter flag)")


def thing_client_new_port(ctx: Context) -> str:
    """3.1: a sealed packet from a new address does not move a thing() session."""
    _, server = ctx.serve("thing")
    link = ctx.udp()
    c = ctx.peer(ThingClient(link, server))
    c.connect()
    c.send(b"before", 1)
    c.run_until(lambda: len(c.messages) >= 1, 3, "echo before the port change")
    old = link.local
    new = link.rebind()
    c.server = server
    suu = c.counts.get(wire.SUU, 0)
    c.transmit(c.session.seal(wire.CHB), server)
    after = c.session.seal(wire.DATA_NOACK, b"after", 2)
    c.transmit(after, server)
    c.run_for(0.6)
    check(c.counts.get(wire.SUU, 0) == suu, "a CHB from the new port was answered")
    echoed_after = (2, b"after") in c.messages
    link.sock = link.sockets[0]  # back to the old port
    c.transmit(after, server)  # the same bytes from the bound address: was its count used up?
    c.run_for(0.4)
    echoed_again = (2, b"after") in c.messages
    c.heartbeat()
    c.goodbye()
    return (f"port {old[1]} -> {new[1]}: CHB from the new port dropped; DATA_NOACK from it "
            f"{'echoed' if echoed_after else 'not delivered'}; the same packet then sent from the "
            f"old port {'was delivered (its count was not used up)' if echoed_again else 'was a replay'}"
            "; the session went on from the old port")


def _hybrid_client(ctx: Context, loss: float) -> str:
    _, server = ctx.serve("hybrid")
    if loss:
        _, server = ctx.relay(server, loss)
    c = ctx.peer(HybridClient(ctx.udp(), server))
    c.connect(10)
    sent = messages(10, "hybrid")
    first = c.send_reliable(*sent[0][::-1])
    for custom_id, data in sent[1:]:
        c.send_reliable(data, custom_id)
    c.run_until(lambda: len(c.inbox.messages) >= 10 and not c.reliable.pending, 15,
                "10 sealed echoes and ACKs")
    check(sorted(c.inbox.messages) == sorted(sent), "echoes differ")
    acks = c.acks_received
    repeats = [0]

    def repeat():  # the first DATA_ACK again, byte for byte (every 250 ms on a lossy path)
        if c.acks_received == acks:
            repeats[0] += 1
            c.transmit(first, server)
            c.schedule("repeat", 0.25, repeat)

    repeat()
    c.run_until(lambda: c.acks_received > acks, 4, "an ACK for a repeated DATA_ACK")
    c.cancel("repeat")
    c.run_for(0.3)
    check(len(c.inbox.messages) == 10, "a repeated DATA_ACK was delivered twice")
    c.goodbye(8)
    return (f"10 sealed DATA_ACK each way, ACKs naming the sealed checksum; a byte-identical repeat"
            f" is ACKed again and not redelivered; {c.reliable.resends} resends")


def hybrid_client_udp(ctx: Context) -> str:
    return _hybrid_client(ctx, 0.0)


def hybrid_client_relay_loss(ctx: Context) -> str:
    return _hybrid_client(ctx, 0.2)


STREAM_ACK, PATH_CHALLENGE, PATH_RESPONSE, STREAM_PING = 0x31, 0x37, 0x38, 0x39


def thing_client_quic_migration(ctx: Context) -> str:
    """5.6 over `serve --transport quic`: a PING frame from a new port draws a PATH_CHALLENGE
    there; ACKs keep going to the old port until our PATH_RESPONSE, then to the new one."""
    s = ctx.start(["serve", "--transport", "quic", "--port", "0", "--json", "--out", ctx.tmp])
    port = int(s.wait_line(r'"event":"listening".*"address":"127\.0\.0\.1:(\d+)"', 15).group(1))
    server = (LOCAL, port)
    link = ctx.udp()
    c = ctx.peer(ThingClient(link, server))
    c.connect()
    old = link.local[1]

    def frames(type_: int, on_port: int) -> list[bytes]:
        return [f[2] for f in c.frames if f[0] == type_ and f[3] == on_port]

    c.send_sealed(STREAM_PING)
    c.run_until(lambda: frames(STREAM_ACK, old), 3, "ACK of a PING frame")
    acks_old = len(frames(STREAM_ACK, old))
    new = link.rebind()[1]
    c.send_sealed(STREAM_PING)
    c.run_until(lambda: frames(PATH_CHALLENGE, new), 3, "PATH_CHALLENGE at the new port")
    c.run_for(0.1)
    check(not frames(STREAM_ACK, new), "an ACK went to the new port before it was validated")
    challenge = frames(PATH_CHALLENGE, new)[-1]
    check(len(challenge) == 8, f"PATH_CHALLENGE of {len(challenge)} bytes")
    c.send_sealed(PATH_RESPONSE, challenge)
    c.run_for(0.1)
    c.send_sealed(STREAM_PING)
    c.run_until(lambda: frames(STREAM_ACK, new), 3, "ACK at the new port after PATH_RESPONSE")
    acks_between = len(frames(STREAM_ACK, old)) - acks_old
    link.sockets[0].close()  # the old port is gone: the goodbye must use the new one
    link.sockets = link.sockets[1:]
    c.goodbye()
    check(c.state == "closed", f"goodbye from the new port ended in state {c.state}")
    return (f"port {old} -> {new}: PATH_CHALLENGE to the new port, {acks_between} ACK(s) still to "
            "the old one meanwhile; after PATH_RESPONSE, ACKs and SGB came to the new port")


# Python servers, CLI clients -----------------------------------------------------------------
def _cli_connect(ctx: Context, server_peer, address: tuple, dialect: str, lines: list[str],
                 extra: tuple = (), stay_s: float = 0.0, timeout_s: float = 10.0,
                 reliable: bool = True) -> CliProcess:
    """Runs `thing connect` against our server with lines on its stdin. reliable: every line
    must come back (Connection, DATA_ACK); otherwise (Thing, DATA_NOACK on a lossy path) at
    least one, and none twice or invented."""
    cli = ctx.start(["connect", f"{address[0]}:{address[1]}", "--dialect", dialect, "--json",
                     *extra], stdin=True)
    cli.write("".join(line + "\n" for line in lines))
    started = time.monotonic()
    want = len(lines) if reliable else 1
    server_peer.run_until(lambda: len(cli.json_lines()) >= want, timeout_s,
                          f"{want} echo(es) printed by thing connect")
    if not reliable:
        server_peer.run_for(1.0)
    if stay_s:
        server_peer.run_for(stay_s)
    cli.close_stdin()
    deadline = started + timeout_s
    server_peer.run_until(lambda: cli.proc.poll() is not None, max(0.5, deadline - time.monotonic()),
                          "thing connect to exit")
    got = [line["data"] for line in cli.json_lines()]
    if reliable:
        check(sorted(got) == sorted(lines), f"thing connect printed {got}")
    else:
        check(len(set(got)) == len(got) and set(got) <= set(lines), f"thing connect printed {got}")
    check(cli.proc.returncode == 0, f"thing connect exited {cli.proc.returncode}: {cli.stderr}")
    return cli


def _connection_server(ctx: Context, transport: str) -> str:
    link = ctx.udp() if transport == "udp" else ctx.tcp_server()
    s = ctx.peer(ConnectionServer(link))
    lines = [f"line {i}" for i in range(5)]
    _cli_connect(ctx, s, link.local, "connection", lines, ("--transport", transport), stay_s=1.2)
    check(len(s.ended) == 1, "the CLI did not DISCONNECT")
    check(s.pings >= 1, "the CLI sent no PING within 1.2 s (pingInterval 1,000 ms)")
    return (f"CLI HELLO orders {s.hello_orders}, {s.pings} PING(s), 5 DATA_ACK echoed as DATA_ACK, "
            "DISCONNECT answered with REJECT, exit 0")


def connection_server_udp(ctx: Context) -> str:
    return _connection_server(ctx, "udp")


def connection_server_tcp(ctx: Context) -> str:
    return _connection_server(ctx, "tcp")


def connection_server_relay_loss(ctx: Context) -> str:
    link = ctx.udp()
    s = ctx.peer(ConnectionServer(link))
    _, via = ctx.relay(link.local, 0.2)
    lines = [f"lossy {i}" for i in range(10)]
    _cli_connect(ctx, s, via, "connection", lines, timeout_s=20)
    return (f"10 lines each way through 20 % loss; CLI HELLO order counts {s.hello_orders}, "
            f"{s.resends} resends of ours; CLI exit 0")


def _thing_server(ctx: Context, via_relay: bool, cookies: bool, rekey_after: int,
                  withhold: tuple = (), transport: str = "udp") -> ThingServer:
    link = ctx.udp() if transport == "udp" else ctx.tcp_server()
    # A short TTL makes the CLI send CHB every TTL/3; on a lossy path it must be long enough that
    # 20 % loss does not silence us for a whole TTL.
    ttl_ms = 2400 if via_relay else 900
    s = ctx.peer(ThingServer(link, ttl_ms=ttl_ms, cookies=cookies, rekey_after=rekey_after,
                             withhold=withhold))
    address = link.local
    if via_relay:
        _, address = ctx.relay(link.local, 0.2)
    lines = [f"sealed {i}" for i in range(8)]
    _cli_connect(ctx, s, address, "thing", lines,
                 ("--server-key", identity.b64url(s.public), "--transport", transport),
                 stay_s=ttl_ms / 3000 + 0.4, timeout_s=15 if via_relay else 10,
                 reliable=not via_relay)
    check(s.counts.get(wire.CHB, 0) >= 1, f"no CHB with a {ttl_ms} ms TTL")
    if via_relay:
        # Under loss the goodbye may fail as documented (a lost CFL is never resent; four lost
        # CGBs end the client anyway): the session then ends by the linger, or by the TTL.
        s.run_until(lambda: s.closed, ttl_ms / 1000 + 1.5, "the end of the session")
    else:  # the CFL may still be in flight (or in our socket buffer) when the CLI exits
        s.run_until(lambda: s.closed, RETRANSMIT_S * 8 + 0.5, "the end of the session")
        check(s.ended_by == ["CFL"], f"session ended by {s.ended_by}, not CGB/SGB/CFL")
    return s


def thing_server_udp(ctx: Context) -> str:
    s = _thing_server(ctx, False, False, 2**22)
    return f"CLI pinned our key, 8 sealed echoes, {s.counts.get(wire.CHB)} CHB, CGB/SGB/CFL, exit 0"


def thing_server_tcp(ctx: Context) -> str:
    s = _thing_server(ctx, False, False, 2**22, transport="tcp")
    return f"as thing-server-udp over TCP: 8 sealed echoes, {s.counts.get(wire.CHB)} CHB, exit 0"


def thing_server_cookie(ctx: Context) -> str:
    s = _thing_server(ctx, False, True, 2**22)
    check(s.retries_sent >= 1, "no retry SHI was sent")
    return f"retry SHI with a cookie ({s.retries_sent}), CHI again with it, then as thing-server-udp"


def thing_server_rekey(ctx: Context) -> str:
    _thing_server(ctx, False, False, 3)
    return "our sends changed key every 3 packets; the CLI opened every echo"


def thing_server_relay_loss(ctx: Context) -> str:
    s = _thing_server(ctx, True, False, 2**22)
    return (f"through 20 % loss; {len(s.messages)} of 8 lines arrived; repeated handshake packets "
            f"answered: {s.repeats or 'none'}; ended by {s.ended_by[0]}; CLI exit 0")


def thing_server_lost_flights(ctx: Context) -> str:
    """Our first SCC and first SHF are "lost": the CLI must resend CDH, then CCC."""
    s = _thing_server(ctx, False, False, 2**22, withhold=(wire.SCC, wire.SHF))
    cdh, ccc = s.orders.get(wire.CDH, []), s.orders.get(wire.CCC, [])
    check(len(cdh) >= 2 and len(ccc) >= 2, f"no retransmission seen: CDH {cdh}, CCC {ccc}")
    return f"the CLI resent CDH (order counts {cdh}) and CCC (order counts {ccc})"


MATRIX = [
    ("thing-client-udp", thing_client_udp),
    ("thing-client-tcp", thing_client_tcp),
    ("thing-client-wrong-pin", thing_client_wrong_pin),
    ("thing-client-aes", thing_client_aes),
    ("thing-client-server-ttl", thing_client_server_ttl),
    ("connection-client-server-timeout", connection_client_server_timeout),
    ("thing-client-repeats", thing_client_repeats),
    ("thing-client-chi-checks", thing_client_chi_checks),
    ("connection-client-udp", connection_client_udp),
    ("connection-client-tcp", connection_client_tcp),
    ("connection-client-relay-loss", connection_client_relay_loss),
    ("connection-client-relay-corrupt", connection_client_relay_corrupt),
    ("thing-client-relay-loss", thing_client_relay_loss),
    ("connection-server-udp", connection_server_udp),
    ("connection-server-tcp", connection_server_tcp),
    ("connection-server-relay-loss", connection_server_relay_loss),
    ("thing-server-udp", thing_server_udp),
    ("thing-server-tcp", thing_server_tcp),
    ("thing-server-cookie", thing_server_cookie),
    ("thing-server-aes", thing_server_aes),
    ("thing-server-lost-flights", thing_server_lost_flights),
    ("thing-server-relay-loss", thing_server_relay_loss),
    ("thing-client-rekey", thing_client_rekey),
    ("thing-server-rekey", thing_server_rekey),
    ("hybrid-client-udp", hybrid_client_udp),
    ("hybrid-client-relay-loss", hybrid_client_relay_loss),
    ("thing-client-new-port", thing_client_new_port),
    ("thing-client-quic-migration", thing_client_quic_migration),
]
