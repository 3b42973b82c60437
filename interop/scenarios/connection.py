"""The Connection dialect (PROTOCOL.md section 2): a Python client against `thing serve`, a
Python server against `thing connect`."""

import struct

import wire
from connection_peer import ConnectionClient, ConnectionServer, now_ms
from scenarios.context import Context, check, cli_connect, messages


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


def _connection_server(ctx: Context, transport: str) -> str:
    link = ctx.udp() if transport == "udp" else ctx.tcp_server()
    s = ctx.peer(ConnectionServer(link))
    lines = [f"line {i}" for i in range(5)]
    cli_connect(ctx, s, link.local, "connection", lines, ("--transport", transport), stay_s=1.2)
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
    cli_connect(ctx, s, via, "connection", lines, timeout_s=20)
    return (f"10 lines each way through 20 % loss; CLI HELLO order counts {s.hello_orders}, "
            f"{s.resends} resends of ours; CLI exit 0")


def connection_client_hello_extensions(ctx: Context) -> str:
    """3.13 for the Connection dialect: an unknown extension in HELLO is not taken (empty ACCEPT);
    a HELLO whose extension list is broken is dropped unanswered."""
    _, server = ctx.serve("connection")
    link = ctx.udp()
    broken = ctx.peer(ConnectionClient(link, server))
    broken.state = "connecting"
    broken._send(wire.HELLO, struct.pack(">Q", now_ms()) + bytes([0x70, 0x01, 0x00, 0x09, 1]))
    broken.run_for(0.4)
    check(broken.state == "connecting", f"a HELLO with a broken list was answered ({broken.state})")
    c = ctx.peer(ConnectionClient(link, server, offer={0x7001: b"abc"}))
    c.connect()
    c.disconnect()
    return "HELLO with a broken list: no answer; an unknown extension offered: ACCEPT took none"
