/**
 * X25519 key agreement (RFC 7748) for the Thing handshake's ephemeral keys, native
 * (`node:crypto`) or noble (`@noble/curves`), with identical bytes. A shared secret that would
 * be all zero (the peer sent a low-order point) is rejected, as RFC 7748 §6.1 allows.
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { HandshakeError } from "../../../core/errors.ts";
import { type ImplementationOptions, NativeChoice, requireBytes } from "./implementation.ts";
import { constantTimeEqual } from "./kdf.ts";
import {
  derivePublicKey,
  nativePrivateKey,
  nativePublicKey,
  type NodeCrypto,
  nodeCrypto,
  plainBytes,
  rawPublicKey,
} from "./_native_keys.ts";

/** Length of X25519 private keys, public keys and shared secrets, in bytes. */
export const X25519_KEY_LENGTH = 32;

/** An X25519 key pair (raw 32-byte little-endian strings, as on the wire). */
export interface X25519KeyPair {
  /** The private scalar as given (clamping happens inside every operation). */
  privateKey: Uint8Array;
  /** The public u-coordinate. */
  publicKey: Uint8Array;
}

/**
 * Derives the key pair for a private key; pass 32 fresh random bytes for an ephemeral key.
 *
 * @param privateKey 32 secret bytes, e.g. from `Random.fill(new Uint8Array(32))` (copied)
 * @param options `implementation`: "auto" (default), "native" or "noble"
 * @throws {RangeError} if the key is not 32 bytes
 */
export function x25519KeyPair(
  privateKey: Uint8Array,
  options: ImplementationOptions = {},
): X25519KeyPair {
  requireBytes(privateKey, X25519_KEY_LENGTH, "an X25519 private key");
  const copy = new Uint8Array(privateKey);
  // The key object made from `copy` is remembered for x25519Shared (see _native_keys.ts).
  const publicKey = derivePublicKey(
    nativeX25519.pick(options),
    "x25519",
    copy,
    x25519.getPublicKey,
  );
  return { privateKey: copy, publicKey };
}

/**
 * Computes the shared secret with a peer's public key.
 *
 * @param privateKey our 32-byte private key
 * @param peerPublicKey the peer's 32-byte public key, straight from the wire
 * @param options `implementation`: "auto" (default), "native" or "noble"
 * @returns 32 shared bytes, never all zero
 * @throws {HandshakeError} code THING_ERR_HANDSHAKE if the peer's key is a low-order point
 * @throws {RangeError} if either key is not 32 bytes
 */
export function x25519Shared(
  privateKey: Uint8Array,
  peerPublicKey: Uint8Array,
  options: ImplementationOptions = {},
): Uint8Array {
  requireBytes(privateKey, X25519_KEY_LENGTH, "an X25519 private key");
  requireBytes(peerPublicKey, X25519_KEY_LENGTH, "an X25519 public key");
  const crypto = nativeX25519.pick(options);
  let shared: Uint8Array;
  try {
    // Both reject exactly the inputs whose result is all zero: OpenSSL (Deno, Node) and
    // BoringSSL (Bun) after the ladder, noble before it by a blocklist of low-order points.
    shared = crypto
      ? plainBytes(
        crypto.diffieHellman({
          // An ephemeral key's last use: forget its key object (and the copy of its bytes).
          privateKey: nativePrivateKey(crypto, "x25519", privateKey, false),
          publicKey: nativePublicKey(crypto, "x25519", peerPublicKey),
        }),
      )
      : x25519.getSharedSecret(privateKey, peerPublicKey);
  } catch (cause) {
    throw lowOrder(cause);
  }
  if (shared.every((byte) => byte === 0)) throw lowOrder(undefined);
  return shared;
}

/** Whether this runtime's `node:crypto` does X25519 correctly (checked once, then cached). */
export function hasNativeX25519(): boolean {
  return nativeX25519.available();
}

// node:crypto when the native implementation is to be used (per call), else undefined (noble).
const nativeX25519 = new NativeChoice("x25519", () => selfTest(nodeCrypto()));

function lowOrder(cause: unknown): HandshakeError {
  return new HandshakeError(
    "THING_ERR_HANDSHAKE",
    "Cannot agree on a key: the peer's X25519 public key is a low-order point; abort the handshake",
    { cause },
  );
}

function selfTest(crypto: NodeCrypto | undefined): NodeCrypto | undefined {
  if (!crypto) return undefined;
  try {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const b = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
    const publicB = x25519.getPublicKey(b);
    const publicA = rawPublicKey(crypto, nativePrivateKey(crypto, "x25519", a));
    const shared = crypto.diffieHellman({
      privateKey: nativePrivateKey(crypto, "x25519", a),
      publicKey: nativePublicKey(crypto, "x25519", publicB),
    });
    const ok = constantTimeEqual(publicA, x25519.getPublicKey(a)) &&
      constantTimeEqual(shared, x25519.getSharedSecret(a, publicB));
    return ok ? crypto : undefined;
  } catch {
    return undefined;
  }
}
