"""The hybrid dialect (PROTOCOL.md section 4): a Python client against `thing serve`."""

from hybrid_peer import HybridClient
from scenarios.context import Context, check, messages


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
