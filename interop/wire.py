"""The Thing packet (PROTOCOL.md section 1): a 64-byte header, then the payload."""

import hashlib
import struct
from dataclasses import dataclass

HEADER_SIZE = 64
MAX_PAYLOAD = 65443
MAX_ORDER = 2**53 - 1
AUTHENTICATED_BIT = 0x800000
KEY_PHASE_BIT = 0x000001
TAG_SIZE = 16

# Type codes (section 1.6).
HELLO, ACCEPT, REJECT, PING, PONG = 0x01, 0x02, 0x03, 0x04, 0x05
DATA_ACK, DATA_NOACK, ACK, BAD_ACK, DISCONNECT = 0x06, 0x07, 0x08, 0x09, 0x0A
CHI, SHI, SDH, CDH, SCC, CCC, SHF = 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26
CHB, SUU, CGB, SGB, CFL, SFL = 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C

TYPE_NAMES = {
    v: k for k, v in dict(
        HELLO=HELLO, ACCEPT=ACCEPT, REJECT=REJECT, PING=PING, PONG=PONG, DATA_ACK=DATA_ACK,
        DATA_NOACK=DATA_NOACK, ACK=ACK, BAD_ACK=BAD_ACK, DISCONNECT=DISCONNECT, CHI=CHI, SHI=SHI,
        SDH=SDH, CDH=CDH, SCC=SCC, CCC=CCC, SHF=SHF, CHB=CHB, SUU=SUU, CGB=CGB, SGB=SGB, CFL=CFL,
        SFL=SFL,
    ).items()
}


class DecodeError(Exception):
    """A malformed packet; code is the THING_ERR_* name of section 1.7."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class Packet:
    """One decoded packet. checksum is the 32-byte field as on the wire."""

    type: int
    client_id: bytes
    payload: bytes = b""
    reserved: int = 0
    custom_id: int = 0
    order: int = 0
    checksum: bytes = b""
    checksum_ok: bool = True


def header_fields(type_: int, client_id: bytes, payload_len: int, reserved: int, custom_id: int,
                  order: int) -> bytes:
    """Bytes 32..63 of the header: the part after the checksum (also the AEAD's associated data)."""
    if len(client_id) != 16:
        raise ValueError("a client ID is 16 bytes")
    if payload_len > MAX_PAYLOAD or order > MAX_ORDER:
        raise ValueError("payload too large or order count above 2^53 - 1")
    return client_id + struct.pack(">I", (type_ << 24) | reserved) + struct.pack(
        ">HHQ", payload_len, custom_id, order)


def checksum_of(after_checksum: bytes, reserved: int) -> bytes:
    """Section 1.2: SHA-256 of everything after the field, or of the header and the tag."""
    if reserved & AUTHENTICATED_BIT:
        return hashlib.sha256(after_checksum[:32] + after_checksum[-TAG_SIZE:]).digest()
    return hashlib.sha256(after_checksum).digest()


def encode(type_: int, client_id: bytes, payload: bytes = b"", reserved: int = 0,
           custom_id: int = 0, order: int = 0) -> bytes:
    """The whole packet, checksum first."""
    rest = header_fields(type_, client_id, len(payload), reserved, custom_id, order) + payload
    return checksum_of(rest, reserved) + rest


def decode(data: bytes) -> Packet:
    """Checks section 1.7's rules 1-6 in order; a bad checksum raises DecodeError CHECKSUM."""
    if len(data) < HEADER_SIZE:
        raise DecodeError("THING_ERR_TRUNCATED", "shorter than the 64-byte header")
    word, length, custom_id, order = struct.unpack(">IHHQ", data[48:64])
    if length > MAX_PAYLOAD:
        raise DecodeError("THING_ERR_PAYLOAD_TOO_LARGE", f"payload length {length}")
    if len(data) != HEADER_SIZE + length:
        raise DecodeError("THING_ERR_LENGTH_MISMATCH", f"{len(data)} bytes for length {length}")
    if order > MAX_ORDER:
        raise DecodeError("THING_ERR_ORDER_RANGE", f"order count {order}")
    reserved = word & 0xFFFFFF
    if reserved & AUTHENTICATED_BIT and length < TAG_SIZE:
        raise DecodeError("THING_ERR_TRUNCATED", "authenticated payload shorter than its tag")
    if checksum_of(bytes(data[32:]), reserved) != bytes(data[:32]):
        raise DecodeError("THING_ERR_CHECKSUM", "checksum mismatch")
    return Packet(word >> 24, bytes(data[32:48]), bytes(data[64:]), reserved, custom_id, order,
                  bytes(data[:32]))


def frame_length(header: bytes) -> int:
    """The whole packet's size from its first 64 bytes (TRANSPORTS.md, TCP framing)."""
    length = struct.unpack(">H", header[52:54])[0]
    if length > MAX_PAYLOAD:
        raise DecodeError("THING_ERR_PAYLOAD_TOO_LARGE", f"payload length {length}")
    return HEADER_SIZE + length
