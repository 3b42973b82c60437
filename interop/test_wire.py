"""Checks the codec against tests/vectors/packets.json."""

import json
import pathlib
import unittest

import wire

VECTORS = json.loads(
    (pathlib.Path(__file__).parent.parent / "tests/vectors/packets.json").read_text())


def payload_of(spec) -> bytes:
    if isinstance(spec, str):
        return bytes.fromhex(spec)
    assert spec["rule"] == "i*7+3"
    return bytes((i * 7 + 3) % 256 for i in range(spec["length"]))


class WireTest(unittest.TestCase):
    def test_valid_packets_encode_and_decode(self):
        for v in VECTORS["valid"]:
            f = v["fields"]
            payload = payload_of(f["payload"])
            data = wire.encode(f["type"], bytes.fromhex(f["clientId"]), payload, f["reserved"],
                               f["customId"], f["order"])
            if "hex" in v:
                self.assertEqual(data.hex(), v["hex"], v["name"])
            else:
                self.assertEqual(data[:64].hex(), v["headerHex"], v["name"])
            p = wire.decode(data)
            self.assertEqual((p.type, p.client_id.hex(), p.payload, p.reserved, p.custom_id, p.order),
                             (f["type"], f["clientId"], payload, f["reserved"], f["customId"],
                              f["order"]), v["name"])

    def test_malformed_packets_fail_with_their_code(self):
        for v in VECTORS["malformed"]:
            with self.assertRaises(wire.DecodeError, msg=v["name"]) as caught:
                wire.decode(bytes.fromhex(v["hex"]))
            self.assertEqual(caught.exception.code, v["error"], v["name"])


if __name__ == "__main__":
    unittest.main()
