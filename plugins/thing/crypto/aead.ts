/**
 * Authenticated encryption for Thing packets: ChaCha20-Poly1305 (RFC 8439) and AES-256-GCM
 * (NIST SP 800-38D) with 32-byte keys, 12-byte nonces and 16-byte tags. Every call is synchronous.
 *
 * Two implementations give identical bytes: "native" (the system's OpenSSL through the runtime's
 * FFI, or `node:crypto`: see `nativeAeadBackend`; feature-detected and self-tested once per
 * process) and `@noble/ciphers` ("noble", pure TypeScript, everywhere).
 *
 * @module
 */

import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import {
  type ImplementationOptions,
  requireBytes,
  resolveImplementation,
} from "./implementation.ts";
import {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  CIPHER_SUITES,
  type CipherSuite,
} from "./cipher_suite.ts";
import { constantTimeEqual } from "./kdf.ts";
import type { Aead } from "./aead_api.ts";
import { isSealedInput, requireSealable } from "./_aead_input.ts";
import { nodeCrypto } from "./_native_keys.ts";
import { nodeCryptoAead } from "./_node_aead.ts";
import { openSslAead } from "./_openssl_aead.ts";

export { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from "./cipher_suite.ts";

export type { Aead } from "./aead_api.ts";

/**
 * Creates an AEAD for one key.
 *
 * @param suite the algorithm
 * @param key 32 secret bytes (copied)
 * @param options `implementation`: "auto" (default) picks native when available, else noble
 * @throws {RangeError} for an unknown suite, a key that is not 32 bytes, or "native" where it is missing
 * @example
 * ```ts
 * const aead = createAead("chacha20-poly1305", new Uint8Array(32));
 * const sealed = aead.seal(new Uint8Array(12), new Uint8Array([1, 2]), new Uint8Array());
 * ```
 */
export function createAead(
  suite: CipherSuite,
  key: Uint8Array,
  options: ImplementationOptions = {},
): Aead {
  if (!CIPHER_SUITES.includes(suite)) {
    throw new RangeError(
      `Cannot use cipher suite "${String(suite)}": use one of ${CIPHER_SUITES.join(", ")}`,
    );
  }
  requireBytes(key, AEAD_KEY_LENGTH, `a ${suite} key`);
  const backend = nativeAeadBackend(suite);
  const impl = resolveImplementation(options.implementation, backend !== undefined, suite);
  if (impl === "noble") return new NobleAead(suite, key);
  return backend === "openssl"
    ? openSslAead(suite, key)!
    : nodeCryptoAead(nodeCrypto()!, suite, key);
}

/** The native code behind a suite's "native" implementation. */
export type NativeAeadBackend = "openssl" | "node:crypto";

/**
 * Which native code `createAead` uses for `suite` on this runtime, or undefined if none passed its
 * self-test (then "auto" is noble). The system's OpenSSL through the runtime's FFI (Linux; Deno
 * with `--allow-ffi` granted, or Bun) keeps one key schedule per key; `node:crypto` builds a cipher
 * per call. Deno tries OpenSSL first (its `node:crypto` AEADs are 3-20× slower); Bun and Node try
 * `node:crypto` first (Bun's BoringSSL seals 16 KiB faster than OpenSSL 3.0 here) and use OpenSSL
 * for what `node:crypto` lacks (ChaCha20-Poly1305 on Bun).
 */
export function nativeAeadBackend(suite: CipherSuite): NativeAeadBackend | undefined {
  if (!backendCache.has(suite)) backendCache.set(suite, findBackend(suite));
  return backendCache.get(suite);
}

const backendCache = new Map<CipherSuite, NativeAeadBackend | undefined>();

function findBackend(suite: CipherSuite): NativeAeadBackend | undefined {
  const candidates: Record<NativeAeadBackend, () => Aead | undefined> = {
    openssl: () => openSslAead(suite, SELF_TEST_KEY),
    "node:crypto": () => {
      const crypto = nodeCrypto();
      if (!crypto?.getCiphers().includes(suite)) return undefined;
      return nodeCryptoAead(crypto, suite, SELF_TEST_KEY);
    },
  };
  const order: NativeAeadBackend[] = "Deno" in globalThis
    ? ["openssl", "node:crypto"]
    : ["node:crypto", "openssl"];
  return order.find((backend) => passesSelfTest(suite, candidates[backend]));
}

/** The suites this runtime has native code for that passed a self-test (checked once, then cached). */
export function nativeSuites(): CipherSuite[] {
  return CIPHER_SUITES.filter((suite) => nativeAeadBackend(suite) !== undefined);
}

/**
 * Suites in the order to offer them in CHI, fastest first on this runtime (measured with
 * bench/crypto_bench.ts): native suites first, then pure-TypeScript ChaCha20-Poly1305 (3-4× faster
 * than pure-TypeScript GCM), then pure-TypeScript AES-256-GCM. Among native suites AES-256-GCM
 * goes first (hardware AES), except where it would run in Deno's `node:crypto` (RustCrypto,
 * software AES: ChaCha20-Poly1305 there is 1.5× (1 KiB) to 5× (16 KiB and up) faster).
 */
export function preferredSuites(): CipherSuite[] {
  const native = nativeSuites();
  const slowAes = "Deno" in globalThis && nativeAeadBackend("aes-256-gcm") === "node:crypto";
  const nativeOrder: CipherSuite[] = slowAes
    ? ["chacha20-poly1305", "aes-256-gcm"]
    : ["aes-256-gcm", "chacha20-poly1305"];
  const nobleOrder: CipherSuite[] = ["chacha20-poly1305", "aes-256-gcm"];
  return [
    ...nativeOrder.filter((suite) => native.includes(suite)),
    ...nobleOrder.filter((suite) => !native.includes(suite)),
  ];
}

class NobleAead implements Aead {
  readonly suite: CipherSuite;
  readonly implementation = "noble";
  readonly #key: Uint8Array;
  readonly #cipher: typeof gcm | typeof chacha20poly1305;

  constructor(suite: CipherSuite, key: Uint8Array) {
    this.suite = suite;
    this.#key = new Uint8Array(key);
    this.#cipher = suite === "aes-256-gcm" ? gcm : chacha20poly1305;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    requireBytes(nonce, AEAD_NONCE_LENGTH, "a nonce");
    requireSealable(plaintext, ad);
    return this.#cipher(this.#key, nonce, ad).encrypt(plaintext);
  }

  sealInto(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): void {
    requireBytes(nonce, AEAD_NONCE_LENGTH, "a nonce");
    requireSealable(plaintext, ad);
    requireBytes(out, plaintext.length + AEAD_TAG_LENGTH, "a sealed output");
    // noble's ChaCha20-Poly1305 writes into an output array; its GCM always returns a new one.
    if (this.#cipher === chacha20poly1305) {
      chacha20poly1305(this.#key, nonce, ad).encrypt(plaintext, out);
    } else out.set(gcm(this.#key, nonce, ad).encrypt(plaintext));
  }

  open(nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | null {
    if (!isSealedInput(nonce, sealed, ad)) return null;
    try {
      return this.#cipher(this.#key, nonce, ad).decrypt(sealed);
    } catch {
      return null;
    }
  }
}

const SELF_TEST_KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

// The native cipher must exist, agree with noble byte for byte, open its own output and reject a
// forged tag; anything else (missing, throwing, wrong) falls back to the next, then to noble.
function passesSelfTest(suite: CipherSuite, make: () => Aead | undefined): boolean {
  try {
    const native = make();
    if (native === undefined) return false;
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const plaintext = Uint8Array.from({ length: 77 }, (_, i) => i * 3);
    const ad = Uint8Array.from({ length: 9 }, (_, i) => 0xf0 - i);
    const sealed = native.seal(nonce, plaintext, ad);
    const expected = new NobleAead(suite, SELF_TEST_KEY).seal(nonce, plaintext, ad);
    const opened = native.open(nonce, sealed, ad);
    const forged = sealed.slice();
    forged[forged.length - 1]! ^= 1;
    return constantTimeEqual(sealed, expected) && opened !== null &&
      constantTimeEqual(opened, plaintext) &&
      native.open(nonce, forged, ad) === null;
  } catch {
    return false;
  }
}
