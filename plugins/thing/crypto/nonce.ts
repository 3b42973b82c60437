/**
 * Per-packet AEAD nonces from packet order counts (the TLS 1.3 / RFC 8446 §5.3 construction):
 *
 * ```
 * nonce = (4 zero bytes || 8-byte big-endian order count) XOR iv
 * ```
 *
 * where `iv` is the 12-byte per-direction mask from the key schedule (`c2sIv` / `s2cIv`). Each
 * direction has its own key and IV and never repeats an order count, so no nonce repeats.
 *
 * @module
 */

import { AEAD_NONCE_LENGTH } from "./aead.ts";
import { requireBytes } from "./implementation.ts";

/** The largest order count a nonce can carry (2^53 - 1, the largest exact JS integer). */
export const MAX_ORDER_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * Builds the 12-byte nonce for order count `count` in the direction whose mask is `iv`.
 *
 * @param iv the 12-byte per-direction IV
 * @param count an integer from 0 to 2^53 - 1
 * @param out where to write the nonce (12 bytes); a new array by default
 * @returns `out`
 * @throws {RangeError} if `count` is out of range or `iv`/`out` are not 12 bytes
 * @example
 * ```ts
 * buildNonce(new Uint8Array(12), 1); // 00 00 00 00 00 00 00 00 00 00 00 01
 * ```
 */
export function buildNonce(
  iv: Uint8Array,
  count: number,
  out: Uint8Array = new Uint8Array(AEAD_NONCE_LENGTH),
): Uint8Array {
  requireBytes(iv, AEAD_NONCE_LENGTH, "a nonce IV");
  requireBytes(out, AEAD_NONCE_LENGTH, "a nonce buffer");
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`Cannot build a nonce for order count ${count}: use 0 to 2^53 - 1`);
  }
  const high = Math.floor(count / 0x1_0000_0000);
  const low = count >>> 0;
  out[0] = iv[0]!;
  out[1] = iv[1]!;
  out[2] = iv[2]!;
  out[3] = iv[3]!;
  out[4] = iv[4]! ^ (high >>> 24);
  out[5] = iv[5]! ^ ((high >>> 16) & 0xff);
  out[6] = iv[6]! ^ ((high >>> 8) & 0xff);
  out[7] = iv[7]! ^ (high & 0xff);
  out[8] = iv[8]! ^ (low >>> 24);
  out[9] = iv[9]! ^ ((low >>> 16) & 0xff);
  out[10] = iv[10]! ^ ((low >>> 8) & 0xff);
  out[11] = iv[11]! ^ (low & 0xff);
  return out;
}
