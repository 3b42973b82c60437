"""The extension list of CHI and SHI accept (PROTOCOL.md 3.13): u16 type, u16 length, data."""

import struct


class BrokenList(Exception):
    """An entry runs past the payload, or a type appears twice."""


def decode(data: bytes) -> dict[int, bytes]:
    """Entries up to the end, fewer than two bytes left, or a type of 0; raises BrokenList."""
    entries: dict[int, bytes] = {}
    i = 0
    while len(data) - i >= 2:
        (type_,) = struct.unpack(">H", data[i:i + 2])
        if type_ == 0:
            break
        if len(data) - i < 4:
            raise BrokenList("an entry without its length")
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if i + 4 + length > len(data):
            raise BrokenList(f"entry {type_} runs past the payload")
        if type_ in entries:
            raise BrokenList(f"entry {type_} appears twice")
        entries[type_] = data[i + 4:i + 4 + length]
        i += 4 + length
    return entries


def encode(entries: dict[int, bytes]) -> bytes:
    return b"".join(struct.pack(">HH", t, len(d)) + d for t, d in entries.items())
