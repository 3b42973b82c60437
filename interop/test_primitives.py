"""Checks the pure-Python primitives against tests/vectors/crypto_vectors.json and RFC vectors."""

import json
import pathlib
import unittest

from primitives import aes_gcm
from primitives import chacha20poly1305 as aead
from primitives import ed25519, hkdf, x25519

VECTORS = json.loads(
    (pathlib.Path(__file__).parent.parent / "tests/vectors/crypto_vectors.json").read_text())
h = bytes.fromhex


class ChaCha20Poly1305Test(unittest.TestCase):
    def test_rfc8439_block_function(self):
        # RFC 8439 section 2.3.2.
        key = bytes(range(32))
        block = aead.chacha20_block(key, 1, h("000000090000004a00000000"))
        self.assertEqual(block.hex(), (
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"))

    def test_rfc8439_poly1305(self):
        # RFC 8439 section 2.5.2.
        key = h("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
        tag = aead.poly1305(key, b"Cryptographic Forum Research Group")
        self.assertEqual(tag.hex(), "a8061dc1305136c6c22b8baf0c0127a9")

    def test_vector_file(self):
        for v in VECTORS["aead"]:
            if v["suite"] != "chacha20-poly1305":
                continue
            sealed = aead.seal(h(v["key"]), h(v["nonce"]), h(v["plaintext"]), h(v["ad"]))
            self.assertEqual(sealed.hex(), v["ciphertext"] + v["tag"])
            self.assertEqual(aead.open_sealed(h(v["key"]), h(v["nonce"]), sealed, h(v["ad"])),
                             h(v["plaintext"]))
            broken = sealed[:-1] + bytes([sealed[-1] ^ 1])
            with self.assertRaises(aead.AuthenticationError):
                aead.open_sealed(h(v["key"]), h(v["nonce"]), broken, h(v["ad"]))


class AesGcmTest(unittest.TestCase):
    def test_fips197_c3_aes256_block(self):
        round_keys = aes_gcm.expand_key(bytes(range(32)))
        block = aes_gcm.encrypt_block(round_keys, h("00112233445566778899aabbccddeeff"))
        self.assertEqual(block.hex(), "8ea2b7ca516745bfeafc49904b496089")

    def test_gcm_test_case_14_empty_plaintext(self):
        # McGrew-Viega test case 14: AES-256, zero key and IV, one zero block.
        sealed = aes_gcm.seal(bytes(32), bytes(12), bytes(16), b"")
        self.assertEqual(sealed.hex(), "cea7403d4d606b6e074ec5d3baf39d18"
                                       "d0d1c8a799996bf0265b98b5d48ab919")

    def test_vector_file(self):
        for v in VECTORS["aead"]:
            if v["suite"] != "aes-256-gcm":
                continue
            sealed = aes_gcm.seal(h(v["key"]), h(v["nonce"]), h(v["plaintext"]), h(v["ad"]))
            self.assertEqual(sealed.hex(), v["ciphertext"] + v["tag"])
            self.assertEqual(aes_gcm.open_sealed(h(v["key"]), h(v["nonce"]), sealed, h(v["ad"])),
                             h(v["plaintext"]))
            with self.assertRaises(aes_gcm.AuthenticationError):
                aes_gcm.open_sealed(h(v["key"]), h(v["nonce"]), sealed, h(v["ad"]) + b"x")


class X25519Test(unittest.TestCase):
    def test_vector_file(self):
        for v in VECTORS["x25519"]:
            self.assertEqual(x25519.x25519(h(v["scalar"]), h(v["u"])).hex(), v["output"])

    def test_rfc7748_diffie_hellman(self):
        v = VECTORS["x25519_dh"]
        self.assertEqual(x25519.public_key(h(v["alicePrivate"])).hex(), v["alicePublic"])
        self.assertEqual(x25519.public_key(h(v["bobPrivate"])).hex(), v["bobPublic"])
        self.assertEqual(x25519.x25519(h(v["alicePrivate"]), h(v["bobPublic"])).hex(), v["shared"])

    def test_rfc7748_iterated_once_and_1000(self):
        # RFC 7748 section 5.2: k = u = 9, then k, u = X25519(k, u), k.
        k = u = x25519.BASE_U
        for i in range(1, 1001):
            k, u = x25519.x25519(k, u), k
            if i == 1:
                self.assertEqual(
                    k.hex(), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
        self.assertEqual(k.hex(), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")

    def test_low_order_points_give_zero(self):
        for u in VECTORS["x25519_low_order"]:
            self.assertEqual(x25519.x25519(x25519.generate_private(), h(u)), bytes(32))


class Ed25519Test(unittest.TestCase):
    def test_vector_file(self):
        for v in VECTORS["ed25519"]:
            seed, msg = h(v["seed"]), h(v["message"])
            self.assertEqual(ed25519.public_key(seed).hex(), v["publicKey"])
            self.assertEqual(ed25519.sign(seed, msg).hex(), v["signature"])
            self.assertTrue(ed25519.verify(h(v["publicKey"]), msg, h(v["signature"])))
            self.assertFalse(ed25519.verify(h(v["publicKey"]), msg + b"x", h(v["signature"])))

    def test_rfc8032_test_3(self):
        seed = h("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
        msg = h("af82")
        sig = ("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
               "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")
        self.assertEqual(ed25519.public_key(seed).hex(),
                         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025")
        self.assertEqual(ed25519.sign(seed, msg).hex(), sig)


class IdentityTest(unittest.TestCase):
    def test_protocol_3_5_example(self):
        # PROTOCOL.md 3.5: the key file and fingerprint of the vectors' identity (seed 01..20).
        import identity
        seed = bytes(range(1, 33))
        public = ed25519.public_key(seed)
        self.assertEqual(identity.key_file(seed, public),
                         "thing-private-key: AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA\n"
                         "thing-public-key: ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ\n")
        self.assertEqual(identity.fingerprint(public),
                         "SHA256:ZbYGc9btiEvwHCwiLYKtoHQPKawzVdapJcgfF/R6J7g")
        self.assertTrue(identity.matches_pin(public, "ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ"))


class HkdfTest(unittest.TestCase):
    def test_vector_file(self):
        for v in VECTORS["hkdf"]:
            self.assertEqual(hkdf.extract(h(v["salt"]), h(v["ikm"])).hex(), v["prk"])
            self.assertEqual(hkdf.hkdf(h(v["ikm"]), h(v["salt"]), h(v["info"]), v["length"]).hex(),
                             v["okm"])

    def test_rfc5869_case_3_empty_salt(self):
        okm = hkdf.hkdf(b"\x0b" * 22, b"", b"", 42)
        self.assertEqual(okm.hex(), "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                                    "9d201395faa4b61a96c8")


if __name__ == "__main__":
    unittest.main()
