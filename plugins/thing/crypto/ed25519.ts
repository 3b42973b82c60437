/**
 * Ed25519 signatures (RFC 8032) for the server's long-term identity key, which signs the
 * handshake transcript. Native (`node:crypto`) or noble (`@noble/curves`); signing is
 * deterministic, so both give identical bytes.
 *
 * Verification is strict in both: non-canonical and small-order public keys and non-canonical
 * signatures are rejected. (A signer who crafts signatures with torsion components could still
 * see noble's cofactored check and OpenSSL's cofactorless check disagree; honest signatures
 * always verify in both.)
 *
 * @module
 */

import { sign, verify } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  type Implementation,
  type ImplementationOptions,
  requireBytes,
  resolveImplementation,
} from "./implementation.ts";
import { constantTimeEqual } from "./kdf.ts";
import { nativePrivateKey, nativePublicKey, plainBytes, rawPublicKey } from "./_native_keys.ts";

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
  const publicKey = pick(options) === "native"
    ? rawPublicKey(nativePrivateKey("ed25519", seed))
    : ed25519.getPublicKey(seed);
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
  return pick(options) === "native"
    ? plainBytes(sign(null, message, nativePrivateKey("ed25519", seed)))
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
  const impl = pick(options);
  if (
    !(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_KEY_LENGTH ||
    !(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH ||
    !(message instanceof Uint8Array)
  ) {
    return false;
  }
  try {
    if (impl === "noble") return ed25519.verify(signature, message, publicKey, { zip215: false });
    // Apply noble's strict key rules first (canonical, not small order), then verify natively.
    const point = ed25519.Point.fromBytes(publicKey, false);
    if (point.isSmallOrder()) return false;
    return verify(null, message, nativePublicKey("ed25519", publicKey), signature);
  } catch {
    return false;
  }
}

/** Whether this runtime's `node:crypto` does Ed25519 correctly (checked once, then cached). */
export function hasNativeEd25519(): boolean {
  nativeOk ??= selfTest();
  return nativeOk;
}

let nativeOk: boolean | undefined;

function pick(options: ImplementationOptions): Implementation {
  return resolveImplementation(options.implementation, hasNativeEd25519(), "ed25519");
}

function selfTest(): boolean {
  try {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 3);
    const message = Uint8Array.from({ length: 41 }, (_, i) => i);
    const key = nativePrivateKey("ed25519", seed);
    const publicKey = rawPublicKey(key);
    const signature = plainBytes(sign(null, message, key));
    return constantTimeEqual(publicKey, ed25519.getPublicKey(seed)) &&
      constantTimeEqual(signature, ed25519.sign(message, seed)) &&
      verify(null, message, nativePublicKey("ed25519", publicKey), signature);
  } catch {
    return false;
  }
}
