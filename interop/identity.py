"""Server identities as `thing keygen` writes them, and how clients name them (PROTOCOL.md 3.5)."""

import base64
import hashlib


def b64url(data: bytes) -> str:
    """base64url without padding: how key files and --server-key spell a 32-byte key."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(public: bytes) -> str:
    """"SHA256:" + base64 (standard alphabet, no padding, as the CLI prints it) of SHA-256."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(public).digest()).rstrip(b"=").decode()


def matches_pin(public: bytes, pin: str) -> bool:
    """True when pin (a base64url public key or a SHA256: fingerprint) names public."""
    if pin.startswith("SHA256:"):
        return pin.rstrip("=") == fingerprint(public)
    return from_b64url(pin) == public


def key_file(seed: bytes, public: bytes) -> str:
    """The text of a key file in the format `thing keygen` writes."""
    return f"thing-private-key: {b64url(seed)}\nthing-public-key: {b64url(public)}\n"
