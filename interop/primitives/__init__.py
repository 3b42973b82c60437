"""Pure-Python cryptographic primitives written from their RFCs (standard library only)."""
