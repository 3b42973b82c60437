/**
 * Session IDs as the cluster calls take them (32 hex digits) and as frames and the session table
 * carry them (16 bytes), converted without a regular expression per message.
 *
 * @module
 */

const SESSION_ID = /^[0-9a-fA-F]{32}$/;

/**
 * The lowercase form of a session ID given to a cluster call.
 *
 * @throws {TypeError} for anything but 32 hex digits
 */
export function checkSessionId(id: unknown): string {
  if (typeof id !== "string" || !SESSION_ID.test(id)) {
    throw new TypeError(
      `Invalid session ID "${String(id).slice(0, 80)}": use the 32 hex digits of a client ID`,
    );
  }
  return id.toLowerCase();
}

/**
 * The 16 bytes of a session ID of 32 lowercase hex digits (as `checkSessionId` gives).
 *
 * @throws {TypeError} for anything else
 */
export function sessionIdBytes(id: string): Uint8Array {
  if (id.length !== 32) throw new TypeError(`Invalid session ID "${id.slice(0, 80)}"`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const hi = digit(id.charCodeAt(2 * i));
    const lo = digit(id.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeError(`Invalid session ID "${id}"`);
    out[i] = hi * 16 + lo;
  }
  return out;
}

function digit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}
