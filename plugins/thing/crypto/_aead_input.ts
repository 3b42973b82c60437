/**
 * The shape check `Aead.open` makes before anything else, shared by every implementation.
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
