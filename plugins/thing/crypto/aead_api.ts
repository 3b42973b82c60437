/**
 * What every AEAD implementation offers: one key's seal and open (`createAead` in aead.ts makes
 * one).
 *
 * @module
 */

import type { CipherSuite } from "./cipher_suite.ts";
import type { Implementation } from "./implementation.ts";

/** One key's seal/open pair. */
export interface Aead {
  /** The algorithm. */
  readonly suite: CipherSuite;
  /** Which code does the work. */
  readonly implementation: Implementation;
  /**
   * Encrypts and authenticates.
   *
   * @returns ciphertext || 16-byte tag, a fresh array
   * @throws {TypeError} if the plaintext or the ad is not a Uint8Array
   * @throws {RangeError} if the nonce is not 12 bytes
   */
  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /**
   * Encrypts and authenticates into `out` (ciphertext || 16-byte tag, the same bytes `seal`
   * returns), so a packet is sealed straight into its wire buffer. `out` must not overlap
   * `plaintext`.
   *
   * @throws {TypeError} if the plaintext, the ad or `out` is not a Uint8Array
   * @throws {RangeError} if the nonce is not 12 bytes or `out` is not `plaintext.length + 16` bytes
   */
  sealInto(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): void;
  /**
   * Checks and decrypts `sealed` (ciphertext || tag).
   *
   * @returns the plaintext, or null if authentication fails or the input is malformed (never throws)
   */
  open(nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | null;
}
