/**
 * Base64 and base64url (RFC 4648, unpadded) for key files, fingerprints and key options, with
 * `btoa`/`atob` so it runs in browsers as well as Deno, Bun and Node.
 *
 * @module
 */

/** Unpadded base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "");
}

/** Unpadded base64url of `bytes`. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_");
}

/**
 * The bytes of base64url `text` (padding optional).
 *
 * @throws {SyntaxError} if `text` is not base64url
 */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw new SyntaxError(`Cannot decode "${text}" as base64url: use A-Z, a-z, 0-9, "-" and "_"`);
  }
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, ""));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
