/**
 * Browser stand-in for `node:crypto`, mapped in by `browser_import_map.json`. Every native
 * primitive fails its self-test here, so the Thing dialect runs on its noble implementations.
 *
 * @module
 */

function unavailable(name: string): never {
  throw new TypeError(`Cannot use node:crypto ${name} in a browser: use the noble implementation`);
}

/** No native ciphers in a browser. */
export function getCiphers(): string[] {
  return [];
}

/** Throws: no native AEAD in a browser. */
export function createCipheriv(): never {
  return unavailable("createCipheriv");
}

/** Throws: no native AEAD in a browser. */
export function createDecipheriv(): never {
  return unavailable("createDecipheriv");
}

/** Throws: no native Ed25519 in a browser. */
export function sign(): never {
  return unavailable("sign");
}

/** Throws: no native Ed25519 in a browser. */
export function verify(): never {
  return unavailable("verify");
}

/** Throws: no native key objects in a browser. */
export function createPrivateKey(): never {
  return unavailable("createPrivateKey");
}

/** Throws: no native key objects in a browser. */
export function createPublicKey(): never {
  return unavailable("createPublicKey");
}

/** Throws: no native X25519 in a browser. */
export function diffieHellman(): never {
  return unavailable("diffieHellman");
}
