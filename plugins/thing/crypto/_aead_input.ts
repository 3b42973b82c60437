/**
 * The shape checks `Aead.seal` and `Aead.open` make before anything else, shared by every
 * implementation.
 * Private to the crypto folder.
 *
 * @module
 */

import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from "./cipher_suite.ts";

/** Whether `open(nonce, sealed, ad)` got a 12-byte nonce, a tag's worth of input and an ad. */
export function isSealedInput(nonce: unknown, sealed: unknown, ad: unknown): boolean {
  return nonce instanceof Uint8Array && nonce.length === AEAD_NONCE_LENGTH &&
    sealed instanceof Uint8Array && sealed.length >= AEAD_TAG_LENGTH && ad instanceof Uint8Array;
}

/** The largest input one seal takes: OpenSSL's `EVP_CipherUpdate` takes its length as a C `int`. */
const MAX_INPUT = 0x7fff_ffff;

/**
 * Checks what `seal` and `sealInto` are given, the same way for every implementation: byte arrays
 * (what reaches OpenSSL's FFI as anything else would be read as an address) of a length a C `int`
 * holds.
 *
 * @throws {TypeError} if the plaintext or the ad is not a Uint8Array
 * @throws {RangeError} if either is too long
 */
export function requireSealable(plaintext: Uint8Array, ad: Uint8Array): void {
  if (!(plaintext instanceof Uint8Array) || !(ad instanceof Uint8Array)) {
    throw new TypeError("Cannot seal: pass the plaintext and the ad as Uint8Arrays");
  }
  if (plaintext.length > MAX_INPUT - AEAD_TAG_LENGTH || ad.length > MAX_INPUT) {
    throw new RangeError(`Cannot seal more than ${MAX_INPUT - AEAD_TAG_LENGTH} bytes at once`);
  }
}
