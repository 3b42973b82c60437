"""Rebuilds tests/vectors/thing_handshake.json byte for byte from its seeds (PROTOCOL.md 3.12)."""

import json
import pathlib
import unittest

import thing_crypto as tc
import wire
from primitives import ed25519, x25519

V = json.loads(
    (pathlib.Path(__file__).parent.parent / "tests/vectors/thing_handshake.json").read_text())
h = bytes.fromhex


class ThingVectorTest(unittest.TestCase):
    def test_every_packet(self):
        expected = {p["type"]: h(p["hex"]) for p in V["packets"]}
        cid = h(V["clientId"])
        seed = h(V["serverIdentitySeed"])
        self.assertEqual(ed25519.public_key(seed).hex(), V["serverIdentityPublic"])
        chi_payload = bytes([1, 0, 1, 1]) + h(V["clientRandom"]) + b"\x00"
        chi = wire.encode(wire.CHI, cid, chi_payload.ljust(256, b"\x00"))
        self.assertEqual(chi, expected["CHI"])
        shi = wire.encode(wire.SHI, cid, bytes([1, 0, 1]) + V["ttl"].to_bytes(4, "big"))
        self.assertEqual(shi, expected["SHI"])
        s_priv, c_priv = h(V["serverEphemeralPrivate"]), h(V["clientEphemeralPrivate"])
        sdh_unsigned = wire.encode(wire.SDH, cid, x25519.public_key(s_priv)
                                   + ed25519.public_key(seed) + bytes(64))
        digest = tc.signed_digest(chi, shi, sdh_unsigned)
        sdh = wire.encode(wire.SDH, cid, sdh_unsigned[64:64 + 64]
                          + tc.sign_transcript(seed, digest))
        self.assertEqual(sdh, expected["SDH"])
        self.assertTrue(tc.verify_transcript(ed25519.public_key(seed), digest, sdh[-64:]))
        cdh = wire.encode(wire.CDH, cid, x25519.public_key(c_priv))
        self.assertEqual(cdh, expected["CDH"])
        shared = tc.shared_secret(c_priv, x25519.public_key(s_priv))
        self.assertEqual(shared, tc.shared_secret(s_priv, x25519.public_key(c_priv)))
        keys = tc.derive_keys(shared, chi, shi, sdh, cdh)
        # The intermediate values PROTOCOL.md 3.12 prints, and its first key update.
        self.assertEqual(keys.th.hex(),
                         "0982c8f70c12478d4c219b5b51186df7f66d60e0546f331c0ea35cdc0634876f")
        self.assertEqual(keys.c2s_key.hex(),
                         "477691d456a07543f13a19f4c9f5e30f07147ef08a4fe5d19e5690746479d6d2")
        self.assertEqual(keys.s2c_iv.hex(), "3436883c2022216ba7c32cc9")
        self.assertEqual(tc.next_key(keys.c2s_key).hex(),
                         "8e72dcaf39d9b6ce27abbb655866a9fa0a2680e89e598c6b2dfbef016b23e67f")
        self.assertEqual(tc.next_key(keys.s2c_key).hex(),
                         "bd8155b1250838e19df850b3c2ee793d4108380fff80bbfea6ac24dbb4e30408")
        s2c = tc.SendKeys(keys.s2c_key, keys.s2c_iv)
        c2s = tc.SendKeys(keys.c2s_key, keys.c2s_iv)
        self.assertEqual(s2c.seal(wire.SCC, cid, keys.scc_value(), 0, 0, False), expected["SCC"])
        self.assertEqual(c2s.seal(wire.CCC, cid, keys.ccc_value(), 0, 0, False), expected["CCC"])
        self.assertEqual(s2c.seal(wire.SHF, cid, b"", 0, 1, True), expected["SHF"])
        msg = V["message"]
        data = c2s.seal(wire.DATA_NOACK, cid, msg["text"].encode(), msg["customId"], 1, True)
        self.assertEqual(data, expected["DATA_NOACK"])
        # And the receiving side opens it.
        rx = tc.ReceiveKeys(keys.c2s_key, keys.c2s_iv)
        p = wire.decode(data)
        self.assertEqual(rx.open(p, data[32:64]), msg["text"].encode())
        self.assertIsNone(rx.open(p, data[32:64]), "a replay is refused")

    def test_key_update_round_trip(self):
        tx = tc.SendKeys(bytes(32), bytes(12), rekey_after=3)
        rx = tc.ReceiveKeys(bytes(32), bytes(12))
        cid = bytes(16)
        packets = [tx.seal(wire.DATA_NOACK, cid, bytes([i]), 0, i, True) for i in range(10)]
        phases = [wire.decode(p).reserved & 1 for p in packets]
        self.assertEqual(phases, [0, 0, 0, 1, 1, 1, 0, 0, 0, 1])
        # Late packet of the previous phase still opens after the switch.
        order = [0, 1, 3, 2, 4, 5, 6, 7, 8, 9]
        for i in order:
            self.assertEqual(rx.open(wire.decode(packets[i]), packets[i][32:64]), bytes([i]))
        self.assertEqual(rx.updates, 3)


if __name__ == "__main__":
    unittest.main()
