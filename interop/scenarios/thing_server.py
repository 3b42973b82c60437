"""The Thing dialect (PROTOCOL.md section 3): a Python server against `thing connect`."""

import os

import identity
import thing_crypto as tc
import wire
from primitives import ed25519
from thing_peer import RETRANSMIT_S
from thing_server_peer import ThingServer
from scenarios.context import Context, check, cli_connect


def _thing_server(ctx: Context, via_relay: bool, cookies: bool, rekey_after: int,
                  withhold: tuple = (), transport: str = "udp",
                  double_retry: bool = False) -> ThingServer:
    link = ctx.udp() if transport == "udp" else ctx.tcp_server()
    # A short TTL makes the CLI send CHB every TTL/3; on a lossy path it must be long enough that
    # 20 % loss does not silence us for a whole TTL.
    ttl_ms = 2400 if via_relay else 900
    s = ctx.peer(ThingServer(link, ttl_ms=ttl_ms, cookies=cookies, rekey_after=rekey_after,
                             withhold=withhold, double_retry=double_retry))
    address = link.local
    if via_relay:
        _, address = ctx.relay(link.local, 0.2)
    lines = [f"sealed {i}" for i in range(8)]
    cli_connect(ctx, s, address, "thing", lines,
                 (f"--server-key={identity.b64url(s.public)}", "--transport", transport),
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


def thing_server_aes(ctx: Context) -> str:
    link = ctx.udp()
    s = ctx.peer(ThingServer(link, suites=(tc.SUITE_AES_256_GCM,)))
    cli_connect(ctx, s, link.local, "thing", ["gcm 1", "gcm 2"],
                 (f"--server-key={identity.b64url(s.public)}",))
    return f"the CLI offered suites {list(s.offers[0])}; we accept only AES-256-GCM: 2 echoes, exit 0"


def thing_server_lost_flights(ctx: Context) -> str:
    """Our first SCC and first SHF are "lost": the CLI must resend CDH, then CCC."""
    s = _thing_server(ctx, False, False, 2**22, withhold=(wire.SCC, wire.SHF))
    cdh, ccc = s.orders.get(wire.CDH, []), s.orders.get(wire.CCC, [])
    check(len(cdh) >= 2 and len(ccc) >= 2, f"no retransmission seen: CDH {cdh}, CCC {ccc}")
    return f"the CLI resent CDH (order counts {cdh}) and CCC (order counts {ccc})"


def thing_server_relay_loss(ctx: Context) -> str:
    s = _thing_server(ctx, True, False, 2**22)
    return (f"through 20 % loss; {len(s.messages)} of 8 lines arrived; repeated handshake packets "
            f"answered: {s.repeats or 'none'}; ended by {s.ended_by[0]}; CLI exit 0")


def thing_server_rekey(ctx: Context) -> str:
    _thing_server(ctx, False, False, 3)
    return "our sends changed key every 3 packets; the CLI opened every echo"


def thing_server_double_retry(ctx: Context) -> str:
    """Two retry SHIs with different cookies (a retransmitted CHI answered twice across a second
    boundary): the CLI takes only the first (3.7) and goes on with its CHI."""
    s = _thing_server(ctx, False, True, 2**22, double_retry=True)
    return (f"{s.retries_sent} retry SHIs, {s.counts.get(wire.CHI)} CHIs from the CLI, half-open "
            f"handshake started over {s.replaced} time(s); then as thing-server-udp")


def thing_server_dash_key(ctx: Context) -> str:
    """A public key whose base64url starts with "-" and a letter (1 key in 76), given as 3.14
    shows it: `--server-key KEY`, a separate argument (refused before main's 2123947)."""

    def dash_letter(seed: bytes) -> bool:
        key = identity.b64url(ed25519.public_key(seed))
        return key[0] == "-" and key[1].isalpha()

    seed = next(x for x in iter(lambda: os.urandom(32), None) if dash_letter(x))
    link = ctx.udp()
    s = ctx.peer(ThingServer(link, seed=seed))
    key = identity.b64url(s.public)
    cli_connect(ctx, s, link.local, "thing", ["dash"], ("--server-key", key))
    return f"the CLI took --server-key {key[:8]}… as a separate argument"
