/**
 * The server identity key file and key fingerprints.
 *
 * A key file is UTF-8 text of `name: value` lines; blank lines and lines starting with `#` are
 * ignored. Values are unpadded base64url of 32 bytes:
 *
 * ```
 * thing-private-key: <Ed25519 seed>     (server side only; keep the file private)
 * thing-public-key: <Ed25519 public key>
 * ```
 *
 * A fingerprint is `SHA256:` + unpadded base64 of SHA-256 over the raw 32-byte public key (the
 * look of OpenSSH fingerprints, though ssh hashes its own key blob, so the values differ).
 *
 * @module
 */

import { fromBase64Url, toBase64, toBase64Url } from "./base64.ts";
import { ED25519_KEY_LENGTH, ed25519KeyPair } from "./ed25519.ts";
import { requireBytes } from "./implementation.ts";
import { constantTimeEqual, sha256 } from "./kdf.ts";

/** A decoded key file: always a public key, and the seed if the file holds one. */
export interface Identity {
  /** The 32-byte Ed25519 seed, if the file is a private key file. */
  privateKey?: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

const PRIVATE = "thing-private-key";
const PUBLIC = "thing-public-key";
const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Writes a key file; with a private key, the public key is derived from it.
 *
 * @throws {RangeError} if a key is not 32 bytes
 * @example
 * ```ts
 * const text = encodeIdentity({ publicKey: new Uint8Array(32) });
 * // "thing-public-key: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
 * ```
 */
export function encodeIdentity(identity: Identity): string {
  if (identity.privateKey === undefined) {
    requireBytes(identity.publicKey, ED25519_KEY_LENGTH, "an Ed25519 public key");
    return `${PUBLIC}: ${toBase64Url(identity.publicKey)}\n`;
  }
  const pair = ed25519KeyPair(identity.privateKey);
  return `${PRIVATE}: ${toBase64Url(pair.privateKey)}\n${PUBLIC}: ${toBase64Url(pair.publicKey)}\n`;
}

/**
 * Reads a key file written by `encodeIdentity`.
 *
 * @throws {SyntaxError} if a line is malformed, a name is unknown or repeated, a value is not
 *   32 bytes of base64url, the public key is missing, or it does not match the private key
 */
export function decodeIdentity(text: string): Identity {
  const values = new Map<string, Uint8Array>();
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-z-]+):\s*(\S+)$/.exec(line);
    const name = match?.[1];
    const value = match?.[2];
    if (name === undefined || value === undefined) {
      throw new SyntaxError(`Cannot read key file line ${i + 1}: write it as "name: value"`);
    }
    if (name !== PRIVATE && name !== PUBLIC) {
      throw new SyntaxError(
        `Cannot read key file line ${
          i + 1
        }: unknown name "${name}", use "${PRIVATE}" or "${PUBLIC}"`,
      );
    }
    if (values.has(name)) {
      throw new SyntaxError(
        `Cannot read key file line ${i + 1}: "${name}" appears twice, keep one`,
      );
    }
    if (!KEY_TEXT.test(value)) {
      throw new SyntaxError(
        `Cannot read key file line ${i + 1}: "${name}" must be 43 base64url characters (32 bytes)`,
      );
    }
    values.set(name, fromBase64Url(value));
  }
  const publicKey = values.get(PUBLIC);
  const privateKey = values.get(PRIVATE);
  if (publicKey === undefined) {
    throw new SyntaxError(`Cannot read key file: it has no "${PUBLIC}" line; add one`);
  }
  if (privateKey === undefined) return { publicKey };
  if (!constantTimeEqual(ed25519KeyPair(privateKey).publicKey, publicKey)) {
    throw new SyntaxError(
      `Cannot read key file: "${PUBLIC}" does not belong to "${PRIVATE}"; regenerate the file`,
    );
  }
  return { privateKey, publicKey };
}

/**
 * The fingerprint of a public key, for people to compare: `SHA256:` + base64 (unpadded).
 *
 * @throws {RangeError} if the key is not 32 bytes
 */
export function fingerprint(publicKey: Uint8Array): string {
  requireBytes(publicKey, ED25519_KEY_LENGTH, "an Ed25519 public key");
  return `SHA256:${toBase64(sha256(publicKey))}`;
}
