/**
 * Cryptographic primitives of the Thing dialect: AEAD seal/open, X25519, Ed25519, HKDF and the
 * key schedule, nonces and identity key files. Pure and synchronous; native
 * `node:crypto` where the runtime has it, `@noble/*` everywhere else, with identical bytes.
 *
 * @module
 */

export * from "./aead.ts";
export * from "./cipher_suite.ts";
export * from "./ed25519.ts";
export * from "./identity.ts";
export * from "./implementation.ts";
export * from "./kdf.ts";
export * from "./nonce.ts";
export * from "./x25519.ts";
