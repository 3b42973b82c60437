/**
 * The runtime's `node:crypto` (looked up at run time, absent in browsers), and native key objects
 * for raw 32-byte X25519 and Ed25519 keys: raw keys are wrapped in DER (PKCS #8 and SPKI) for
 * `node:crypto`, native public keys unwrapped back to raw bytes. Private to the crypto folder.
 *
 * Private key objects are remembered per key array (checked against a copy of its bytes on each
 * use, so a changed or zeroed array makes a new object): a handshake's ephemeral X25519 key is
 * used twice (`keep: false` on its last use forgets it) and the server's identity seed signs
 * every handshake. Building one costs as much as a signature on Bun.
 *
 * @module
 */

import type * as NodeCryptoModule from "node:crypto";
import { builtinModule } from "../builtin.ts";
import { constantTimeEqual } from "./kdf.ts";

/** The parts of `node:crypto` the crypto folder uses. */
export type NodeCrypto = typeof NodeCryptoModule;
/** A native key object. */
export type KeyObject = NodeCryptoModule.KeyObject;

/** This runtime's `node:crypto`, or undefined (browsers): then every primitive uses noble. */
export function nodeCrypto(): NodeCrypto | undefined {
  return builtinModule<NodeCrypto>("node:crypto");
}

/** The two curves whose raw keys this module wraps. */
export type OkpCurve = "x25519" | "ed25519";

// RFC 8410: the fixed DER prefixes before the 32 raw key bytes (OIDs 1.3.101.110 and 1.3.101.112).
const OID: Record<OkpCurve, number> = { x25519: 0x6e, ed25519: 0x70 };
const pkcs8Prefix = (curve: OkpCurve) => [
  ...[0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, OID[curve]],
  ...[0x04, 0x22, 0x04, 0x20],
];
const spkiPrefix = (curve: OkpCurve) => [
  ...[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, OID[curve], 0x03, 0x21, 0x00],
];

function wrap(prefix: readonly number[], raw: Uint8Array): Uint8Array {
  const der = new Uint8Array(prefix.length + raw.length);
  der.set(prefix);
  der.set(raw, prefix.length);
  return der;
}

const privateKeys = new WeakMap<Uint8Array, { bytes: Uint8Array; key: KeyObject }>();

/**
 * A native private key object from a raw 32-byte X25519 private key or Ed25519 seed.
 *
 * @param keep whether to remember it for the next call with the same array (false: forget it)
 */
export function nativePrivateKey(
  crypto: NodeCrypto,
  curve: OkpCurve,
  raw: Uint8Array,
  keep = true,
): KeyObject {
  const known = privateKeys.get(raw);
  const hit = known !== undefined && known.key.asymmetricKeyType === curve &&
    constantTimeEqual(known.bytes, raw);
  if (known && !keep) {
    known.bytes.fill(0);
    privateKeys.delete(raw);
  }
  if (hit) return known.key;
  const der = wrap(pkcs8Prefix(curve), raw);
  // The typings ask for a Buffer; every runtime takes any Uint8Array.
  const key = crypto.createPrivateKey({ key: der as never, format: "der", type: "pkcs8" });
  der.fill(0);
  if (keep) privateKeys.set(raw, { bytes: new Uint8Array(raw), key });
  return key;
}

/** A native public key object from a raw 32-byte public key. */
export function nativePublicKey(crypto: NodeCrypto, curve: OkpCurve, raw: Uint8Array): KeyObject {
  const der = wrap(spkiPrefix(curve), raw);
  return crypto.createPublicKey({ key: der as never, format: "der", type: "spki" });
}

/** The raw 32-byte public key belonging to a native private key object. */
export function rawPublicKey(crypto: NodeCrypto, privateKey: KeyObject): Uint8Array {
  const der = crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** A plain Uint8Array copy of a Buffer (so results compare equal to noble's). */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * The raw public key of `privateKey` on `curve`: natively when `crypto` is given (its key object is
 * remembered for the next native call), else with the noble `fallback`.
 */
export function derivePublicKey(
  crypto: NodeCrypto | undefined,
  curve: OkpCurve,
  privateKey: Uint8Array,
  fallback: (privateKey: Uint8Array) => Uint8Array,
): Uint8Array {
  return crypto
    ? rawPublicKey(crypto, nativePrivateKey(crypto, curve, privateKey))
    : fallback(privateKey);
}
