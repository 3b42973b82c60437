/**
 * Wraps raw 32-byte X25519 and Ed25519 keys in DER (PKCS #8 and SPKI) so `node:crypto` can use
 * them, and unwraps native public keys back to raw bytes. Private to the crypto folder.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

/** The two curves whose raw keys this module wraps. */
export type OkpCurve = "x25519" | "ed25519";

// RFC 8410: the fixed DER prefixes before the 32 raw key bytes (OIDs 1.3.101.110 and 1.3.101.112).
const PKCS8_PREFIX: Record<OkpCurve, readonly number[]> = {
  x25519: [
    0x30,
    0x2e,
    0x02,
    0x01,
    0x00,
    0x30,
    0x05,
    0x06,
    0x03,
    0x2b,
    0x65,
    0x6e,
    0x04,
    0x22,
    0x04,
    0x20,
  ],
  ed25519: [
    0x30,
    0x2e,
    0x02,
    0x01,
    0x00,
    0x30,
    0x05,
    0x06,
    0x03,
    0x2b,
    0x65,
    0x70,
    0x04,
    0x22,
    0x04,
    0x20,
  ],
};
const SPKI_PREFIX: Record<OkpCurve, readonly number[]> = {
  x25519: [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00],
  ed25519: [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00],
};

function wrap(prefix: readonly number[], raw: Uint8Array): Buffer {
  const der = Buffer.alloc(prefix.length + raw.length);
  der.set(prefix);
  der.set(raw, prefix.length);
  return der;
}

/** A native private key object from a raw 32-byte X25519 private key or Ed25519 seed. */
export function nativePrivateKey(curve: OkpCurve, raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: wrap(PKCS8_PREFIX[curve], raw), format: "der", type: "pkcs8" });
}

/** A native public key object from a raw 32-byte public key. */
export function nativePublicKey(curve: OkpCurve, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: wrap(SPKI_PREFIX[curve], raw), format: "der", type: "spki" });
}

/** The raw 32-byte public key belonging to a native private key object. */
export function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const der = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** A plain Uint8Array copy of a Buffer (so results compare equal to noble's). */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
