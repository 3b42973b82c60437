"""The hybrid dialect (PROTOCOL.md section 4): the Thing session layer carrying the Connection
dialect's acknowledged data, all sealed. A client only."""

import wire
from connection_peer import Delivery, Reliable
from links import Address, Link
from thing_peer import ThingClient


class HybridClient(ThingClient):
    """A client of `thing serve --dialect hybrid`: DATA_ACK resent byte for byte until a sealed
    ACK names the checksum of the sealed packet as sent."""

    repeatable = frozenset({wire.DATA_ACK})

    def __init__(self, link: Link, server: Address, **options):
        super().__init__(link, server, **options)
        self.name = "hybrid client"
        self.reliable = Reliable(self, server)
        self.inbox = Delivery()
        self.acks_received = 0

    def send_reliable(self, data: bytes, custom_id: int) -> bytes:
        """Seals one DATA_ACK (its bytes, and so its checksum, never change) and sends it."""
        packet = self.session.seal(wire.DATA_ACK, data, custom_id)
        self.reliable.send(packet)
        return packet

    def on_data(self, p: wire.Packet, plaintext: bytes) -> bool:
        if p.type == wire.ACK and len(plaintext) == 32:
            self.acks_received += 1
            self.reliable.acked(plaintext)
        elif p.type == wire.BAD_ACK and len(plaintext) == 32:
            self.reliable.bad_ack(plaintext)
        elif p.type == wire.DATA_ACK:
            self.transmit(self.session.seal(wire.ACK, p.checksum), self.server)
            self.inbox.deliver(wire.Packet(p.type, p.client_id, plaintext, p.reserved, p.custom_id,
                                           p.order, p.checksum))
        else:
            return False
        return True
