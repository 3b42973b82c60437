/**
 * Key derivation for the Thing handshake: SHA-256, HMAC-SHA256, HKDF-SHA256 (RFC 5869) and the
 * Thing v1 key schedule. Runs once per handshake, so it uses `@noble/hashes` everywhere.
 *
 * Key schedule (all labels ASCII, `suite` is the one-byte wire id of the chosen cipher suite):
 *
 * ```
 * prk    = HKDF-Extract(salt = transcriptHash, ikm = sharedSecret)
 * output = HKDF-Expand(prk, info = label || suite, length)
 *   clientToServer  "thing v1 c2s key"        32 bytes   AEAD key, client -> server
 *   serverToClient  "thing v1 s2c key"        32 bytes   AEAD key, server -> client
 *   c2sIv           "thing v1 c2s iv"         12 bytes   nonce mask, client -> server
 *   s2cIv           "thing v1 s2c iv"         12 bytes   nonce mask, server -> client
 *   clientConfirm   "thing v1 client confirm" 32 bytes   HMAC key for the client's confirmation
 *   serverConfirm   "thing v1 server confirm" 32 bytes   HMAC key for the server's confirmation
 * ```
 *
 * @module
 */

import { expand, extract, hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { type CipherSuite, SUITE_IDS } from "./cipher_suite.ts";
import { requireBytes } from "./implementation.ts";

/** The HKDF info labels of the Thing v1 key schedule (fixed: changing one breaks the protocol). */
export const KEY_SCHEDULE_LABELS = {
  clientToServer: "thing v1 c2s key",
  serverToClient: "thing v1 s2c key",
  c2sIv: "thing v1 c2s iv",
  s2cIv: "thing v1 s2c iv",
  clientConfirm: "thing v1 client confirm",
  serverConfirm: "thing v1 server confirm",
} as const;

/** Everything a session needs after the key exchange. */
export interface SessionKeys {
  /** AEAD key for packets the client sends. */
  clientToServer: Uint8Array;
  /** AEAD key for packets the server sends. */
  serverToClient: Uint8Array;
  /** 12-byte nonce mask for packets the client sends (see nonce.ts). */
  c2sIv: Uint8Array;
  /** 12-byte nonce mask for packets the server sends (see nonce.ts). */
  s2cIv: Uint8Array;
  /** HMAC key the client proves it holds (CCC). */
  clientConfirm: Uint8Array;
  /** HMAC key the server proves it holds (SCC). */
  serverConfirm: Uint8Array;
}

/** SHA-256 of `data` (32 bytes); the handshake hashes its transcript with it. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** HMAC-SHA256 of `message` under `key` (32 bytes). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, message);
}

/**
 * HKDF-SHA256 (RFC 5869): extract with `salt`, then expand with `info` to `length` bytes.
 *
 * @throws {RangeError} if `length` is not an integer from 1 to 8160 (255 × 32)
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new RangeError(`Cannot derive ${length} bytes with HKDF-SHA256: ask for 1 to 8160 bytes`);
  }
  return hkdf(nobleSha256, ikm, salt, info, length);
}

/**
 * Derives the session keys from the X25519 shared secret and the transcript hash, for `suite`.
 *
 * @param sharedSecret the 32-byte X25519 output
 * @param transcriptHash the 32-byte SHA-256 of the handshake transcript
 * @param suite the negotiated cipher suite (bound into every output)
 * @throws {RangeError} if an input is not 32 bytes or the suite is unknown
 */
export function deriveSessionKeys(
  sharedSecret: Uint8Array,
  transcriptHash: Uint8Array,
  suite: CipherSuite,
): SessionKeys {
  requireBytes(sharedSecret, 32, "a shared secret");
  requireBytes(transcriptHash, 32, "a transcript hash");
  const id = SUITE_IDS[suite];
  if (id === undefined) {
    throw new RangeError(
      `Cannot derive keys for cipher suite "${String(suite)}": use a known suite`,
    );
  }
  const prk = extract(nobleSha256, sharedSecret, transcriptHash);
  const derive = (label: string, length: number): Uint8Array => {
    const text = new TextEncoder().encode(label);
    const info = new Uint8Array(text.length + 1);
    info.set(text);
    info[text.length] = id;
    return expand(nobleSha256, prk, info, length);
  };
  const keys: SessionKeys = {
    clientToServer: derive(KEY_SCHEDULE_LABELS.clientToServer, 32),
    serverToClient: derive(KEY_SCHEDULE_LABELS.serverToClient, 32),
    c2sIv: derive(KEY_SCHEDULE_LABELS.c2sIv, 12),
    s2cIv: derive(KEY_SCHEDULE_LABELS.s2cIv, 12),
    clientConfirm: derive(KEY_SCHEDULE_LABELS.clientConfirm, 32),
    serverConfirm: derive(KEY_SCHEDULE_LABELS.serverConfirm, 32),
  };
  prk.fill(0);
  return keys;
}

/**
 * Compares two byte strings in time that depends only on their lengths (lengths are not secret).
 *
 * @returns true if both have the same length and bytes
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
