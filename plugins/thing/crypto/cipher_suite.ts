/**
 * The cipher suites a Thing session can negotiate and their one-byte ids on the wire.
 *
 * @module
 */

/** The AEAD algorithms a Thing session can use. */
export type CipherSuite = "chacha20-poly1305" | "aes-256-gcm";

/** Key length of every suite, in bytes. */
export const AEAD_KEY_LENGTH = 32;
/** Nonce length of every suite, in bytes. */
export const AEAD_NONCE_LENGTH = 12;
/** Tag length of every suite, in bytes (appended to the ciphertext). */
export const AEAD_TAG_LENGTH = 16;

/** Every suite, in id order. */
export const CIPHER_SUITES: readonly CipherSuite[] = ["chacha20-poly1305", "aes-256-gcm"];

/** The one-byte suite ids on the wire (CHI offers them, SHI picks one). */
export const SUITE_IDS: Readonly<Record<CipherSuite, number>> = {
  "chacha20-poly1305": 1,
  "aes-256-gcm": 2,
};

/** The suite with wire id `id`, or undefined for an unknown id (a peer may offer ids we lack). */
export function suiteFromId(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((suite) => SUITE_IDS[suite] === id);
}
