/**
 * Hex helpers for client IDs and test vectors.
 *
 * @module
 */

const TABLE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += TABLE[bytes[i]!];
  return out;
}

/**
 * Bytes of a hex string (whitespace ignored).
 *
 * @throws {SyntaxError} when `text` is not an even number of hex digits
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new SyntaxError(
      `Cannot parse hex "${text.slice(0, 40)}": use an even number of 0-9a-f digits`,
    );
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
