/**
 * Browser stand-in for the part of `node:buffer` the Thing dialect uses: bytes from base64url
 * text and back, and zeroed allocation. Mapped in by `browser_import_map.json`.
 *
 * @module
 */

type Encoding = "base64" | "base64url";

/** A `Uint8Array` whose `toString` speaks base64 and base64url. */
class ShimBuffer extends Uint8Array {
  /** Encodes the bytes as base64 (padded) or base64url (unpadded). */
  override toString(encoding: Encoding = "base64"): string {
    let binary = "";
    for (const byte of this) binary += String.fromCharCode(byte);
    const base64 = btoa(binary);
    if (encoding === "base64") return base64;
    return base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  }
}

function decode(text: string): ShimBuffer {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return ShimBuffer.from(binary, (char) => char.charCodeAt(0));
}

/** `Buffer.from(bytes)`, `Buffer.from(text, "base64" | "base64url")` and `Buffer.alloc(size)`. */
export const Buffer = {
  /** Copies `bytes`, or decodes base64/base64url `text`. */
  from(value: Uint8Array | string, encoding?: Encoding): ShimBuffer {
    if (typeof value !== "string") return new ShimBuffer(value);
    if (encoding !== "base64" && encoding !== "base64url") {
      throw new TypeError(`Cannot decode '${String(encoding)}' text: pass "base64" or "base64url"`);
    }
    return decode(value);
  },
  /** A zeroed buffer of `size` bytes. */
  alloc(size: number): ShimBuffer {
    return new ShimBuffer(size);
  },
};
