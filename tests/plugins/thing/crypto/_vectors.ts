/**
 * Loads tests/vectors/crypto_vectors.json and decodes its hex, for the crypto tests.
 *
 * @module
 */

import vectors from "../../../vectors/crypto_vectors.json" with { type: "json" };

/** The published test vectors (hex strings), as in the JSON file. */
export const VECTORS = vectors;

/** Bytes of a lowercase hex string. */
export function hex(text: string): Uint8Array {
  assertHex(text);
  return Uint8Array.from(
    { length: text.length / 2 },
    (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16),
  );
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function assertHex(text: string): void {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new SyntaxError(`Cannot decode vector hex "${text.slice(0, 20)}": fix the JSON file`);
  }
}
