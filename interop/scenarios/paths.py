"""A client that changes its source port: a `thing()` session (3.1) and a `quic()` one (5.6)."""

import wire
from thing_peer import ThingClient
from scenarios.context import LOCAL, Context, check


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
