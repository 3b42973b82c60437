"""The extension list parser (PROTOCOL.md 3.13)."""

import unittest

import extensions


class ExtensionsTest(unittest.TestCase):
    def test_zero_type_or_end_closes_the_list(self):
        self.assertEqual(extensions.decode(bytes(200)), {})
        self.assertEqual(extensions.decode(b""), {})
        self.assertEqual(extensions.decode(b"\x00"), {})
        data = extensions.encode({5: b"ab", 0x7001: b""}) + bytes(10)
        self.assertEqual(extensions.decode(data), {5: b"ab", 0x7001: b""})

    def test_broken_lists(self):
        for data in (b"\x00\x05\x00\x03ab", b"\x00\x05\x00", extensions.encode({5: b""}) * 2):
            with self.assertRaises(extensions.BrokenList, msg=data.hex()):
                extensions.decode(data)


if __name__ == "__main__":
    unittest.main()
