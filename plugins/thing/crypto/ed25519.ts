/**
 * Ed25519 signatures (RFC 8032) for the server's long-term identity key, which signs the
 * handshake transcript. Native (`node:crypto`) or noble (`@noble/curves`); signing is
 * deterministic, so both give identical bytes.
 *
 * Verification is strict in both: non-canonical and small-order public keys and non-canonical
 * signatures are rejected. (A signer who crafts signatures with torsion components could still
 * see noble's cofactored check and OpenSSL's cofactorless check disagree; honest signatures
 * always verify in both.) The native path runs noble's strict public key check (about 30 µs) once
 * per key and remembers the native key object of the last keys that passed, so the pinned server
 * key of a client is checked once.
 *
 * @module
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { type ImplementationOptions, NativeChoice, requireBytes } from "./implementation.ts";
import { constantTimeEqual } from "./kdf.ts";
import {
  derivePublicKey,
  type KeyObject,
  nativePrivateKey,
  nativePublicKey,
  type NodeCrypto,
  nodeCrypto,
  plainBytes,
  rawPublicKey,
} from "./_native_keys.ts";

/** Length of an Ed25519 seed (the private key) and of a public key, in bytes. */
export const ED25519_KEY_LENGTH = 32;
/** Length of an Ed25519 signature, in bytes. */
export const ED25519_SIGNATURE_LENGTH = 64;

/** An Ed25519 key pair. */
export interface Ed25519KeyPair {
  /** The 32-byte seed (RFC 8032's private key). Keep it secret. */
  privateKey: Uint8Array;
  /** The 32-byte public key. */
  publicKey: Uint8Array;
}

/**
 * Derives the key pair for a seed; pass 32 random bytes to make a new identity.
 *
 * @param seed 32 secret bytes (copied)
 * @param options `implementation`: "auto" (default), "native" or "noble"
 * @throws {RangeError} if the seed is not 32 bytes
 */
export function ed25519KeyPair(
  seed: Uint8Array,
  options: ImplementationOptions = {},
): Ed25519KeyPair {
  requireBytes(seed, ED25519_KEY_LENGTH, "an Ed25519 seed");
  const publicKey = derivePublicKey(
    nativeEd25519.pick(options),
    "ed25519",
    seed,
    ed25519.getPublicKey,
  );
  return { privateKey: new Uint8Array(seed), publicKey };
}

/**
 * Signs a message.
 *
 * @param seed the 32-byte private seed
 * @param message any bytes (the handshake signs its transcript hash)
 * @param options `implementation`: "auto" (default), "native" or "noble"
 * @returns the 64-byte signature
 * @throws {RangeError} if the seed is not 32 bytes
 */
export function ed25519Sign(
  seed: Uint8Array,
  message: Uint8Array,
  options: ImplementationOptions = {},
): Uint8Array {
  requireBytes(seed, ED25519_KEY_LENGTH, "an Ed25519 seed");
  const crypto = nativeEd25519.pick(options);
  return crypto
    ? plainBytes(crypto.sign(null, message, nativePrivateKey(crypto, "ed25519", seed)))
    : ed25519.sign(message, seed);
}

/**
 * Checks a signature.
 *
 * @param publicKey the signer's 32-byte public key
 * @param message the signed bytes
 * @param signature the 64-byte signature
 * @param options `implementation`: "auto" (default), "native" or "noble"
 * @returns true only for a valid signature; false for anything else, never throws on bad input
 */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: ImplementationOptions = {},
): boolean {
  const crypto = nativeEd25519.pick(options);
  if (
    !(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_KEY_LENGTH ||
    !(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH ||
    !(message instanceof Uint8Array)
  ) {
    return false;
  }
  try {
    if (!crypto) return ed25519.verify(signature, message, publicKey, { zip215: false });
    const key = strictPublicKey(crypto, publicKey);
    return key !== undefined && crypto.verify(null, message, key, signature);
  } catch {
    return false;
  }
}

// Native key objects of public keys that passed the strict check, by hex, oldest first.
const checkedKeys = new Map<string, KeyObject>();
const CHECKED_KEYS_MAX = 64;

// The native key object for `publicKey` if it passes noble's strict rules (canonical encoding,
// on the curve, not of small order), else undefined. Natively, OpenSSL accepted an all-zero
// signature under a small-order key; this check is what keeps such keys out.
function strictPublicKey(crypto: NodeCrypto, publicKey: Uint8Array): KeyObject | undefined {
  const id = publicKey.reduce((text, byte) => text + byte.toString(16).padStart(2, "0"), "");
  const known = checkedKeys.get(id);
  if (known) return known;
  if (ed25519.Point.fromBytes(publicKey, false).isSmallOrder()) return undefined;
  const key = nativePublicKey(crypto, "ed25519", publicKey);
  if (checkedKeys.size >= CHECKED_KEYS_MAX) checkedKeys.delete(checkedKeys.keys().next().value!);
  checkedKeys.set(id, key);
  return key;
}

/** Whether this runtime's `node:crypto` does Ed25519 correctly (checked once, then cached). */
export function hasNativeEd25519(): boolean {
  return nativeEd25519.available();
}

// node:crypto when the native implementation is to be used (per call), else undefined (noble).
const nativeEd25519 = new NativeChoice("ed25519", () => selfTest(nodeCrypto()));

function selfTest(crypto: NodeCrypto | undefined): NodeCrypto | undefined {
  if (!crypto) return undefined;
  try {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 3);
    const message = Uint8Array.from({ length: 41 }, (_, i) => i);
    const key = nativePrivateKey(crypto, "ed25519", seed);
    const publicKey = rawPublicKey(crypto, key);
    const signature = plainBytes(crypto.sign(null, message, key));
    const ok = constantTimeEqual(publicKey, ed25519.getPublicKey(seed)) &&
      constantTimeEqual(signature, ed25519.sign(message, seed)) &&
      crypto.verify(null, message, nativePublicKey(crypto, "ed25519", publicKey), signature);
    return ok ? crypto : undefined;
  } catch {
    return undefined;
  }
}
