/**
 * Authenticated encryption for Thing packets: ChaCha20-Poly1305 (RFC 8439) and AES-256-GCM
 * (NIST SP 800-38D) with 32-byte keys, 12-byte nonces and 16-byte tags. Every call is synchronous.
 *
 * Two implementations give identical bytes: `node:crypto` ("native", feature-detected and
 * self-tested once per process) and `@noble/ciphers` ("noble", pure TypeScript, everywhere).
 *
 * @module
 */

import type { CipherGCMTypes } from "node:crypto";
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import {
  type Implementation,
  type ImplementationOptions,
  requireBytes,
  resolveImplementation,
} from "./implementation.ts";
import { CIPHER_SUITES, type CipherSuite } from "./cipher_suite.ts";
import { constantTimeEqual } from "./kdf.ts";
import { type NodeCrypto, nodeCrypto } from "./_native_keys.ts";

/** Key length of every suite, in bytes. */
export const AEAD_KEY_LENGTH = 32;
/** Nonce length of every suite, in bytes. */
export const AEAD_NONCE_LENGTH = 12;
/** Tag length of every suite, in bytes (appended to the ciphertext). */
export const AEAD_TAG_LENGTH = 16;

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
   * @throws {RangeError} if the nonce is not 12 bytes
   */
  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /**
   * Encrypts and authenticates into `out` (ciphertext || 16-byte tag, the same bytes `seal`
   * returns), so a packet is sealed straight into its wire buffer. `out` must not overlap
   * `plaintext`.
   *
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
  const impl = resolveImplementation(options.implementation, hasNative(suite), suite);
  return impl === "native" ? new NativeAead(nodeCrypto()!, suite, key) : new NobleAead(suite, key);
}

/** The suites this runtime's `node:crypto` implements correctly (checked once, then cached). */
export function nativeSuites(): CipherSuite[] {
  return CIPHER_SUITES.filter(hasNative);
}

/**
 * Suites in the order to offer them in CHI, fastest first on this runtime (measured with
 * bench/crypto_bench.ts): native suites first, then pure-TypeScript ChaCha20-Poly1305 (3-4× faster
 * than pure-TypeScript GCM), then pure-TypeScript AES-256-GCM. Among native suites, Deno's
 * `node:crypto` (RustCrypto, software AES) runs ChaCha20-Poly1305 about 1.5× (1 KiB) to 5×
 * (16 KiB and up) faster than AES-256-GCM, so Deno prefers ChaCha; Bun (BoringSSL, no native
 * ChaCha) and Node (OpenSSL, hardware AES: faster than its ChaCha up to a few KiB) prefer AES.
 */
export function preferredSuites(): CipherSuite[] {
  const native = nativeSuites();
  const nativeOrder: CipherSuite[] = "Deno" in globalThis
    ? ["chacha20-poly1305", "aes-256-gcm"]
    : ["aes-256-gcm", "chacha20-poly1305"];
  const nobleOrder: CipherSuite[] = ["chacha20-poly1305", "aes-256-gcm"];
  return [
    ...nativeOrder.filter((suite) => native.includes(suite)),
    ...nobleOrder.filter((suite) => !native.includes(suite)),
  ];
}

class NativeAead implements Aead {
  readonly suite: CipherSuite;
  readonly implementation = "native";
  readonly #crypto: NodeCrypto;
  // A plain byte copy: measured 5-9% faster per call than a KeyObject on Deno and Bun.
  readonly #key: Uint8Array;
  readonly #algorithm: CipherGCMTypes;

  constructor(crypto: NodeCrypto, suite: CipherSuite, key: Uint8Array) {
    this.#crypto = crypto;
    this.suite = suite;
    this.#key = new Uint8Array(key);
    // node's typings list "chacha20-poly1305" separately; both take the same AEAD calls.
    this.#algorithm = suite as CipherGCMTypes;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    requireBytes(nonce, AEAD_NONCE_LENGTH, "a nonce");
    const cipher = this.#crypto.createCipheriv(this.#algorithm, this.#key, nonce, OPTIONS);
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    const tail = cipher.final();
    const length = plaintext.length + AEAD_TAG_LENGTH;
    const out = tail.length === 0 && GROW_IN_PLACE && ownsBuffer(body)
      ? new Uint8Array((body.buffer as unknown as Transferable).transfer(length))
      : copyInto(new Uint8Array(length), body, tail);
    out.set(cipher.getAuthTag(), plaintext.length);
    return out;
  }

  sealInto(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): void {
    requireBytes(nonce, AEAD_NONCE_LENGTH, "a nonce");
    requireBytes(out, plaintext.length + AEAD_TAG_LENGTH, "a sealed output");
    const cipher = this.#crypto.createCipheriv(this.#algorithm, this.#key, nonce, OPTIONS);
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    const tail = cipher.final();
    // `out` may be unzeroed memory (a large framedPayload): every byte of it must be written.
    if (body.length + tail.length !== plaintext.length) {
      throw new RangeError(
        `Cannot seal into a buffer: ${this.suite} returned ${
          body.length + tail.length
        } ciphertext bytes for ${plaintext.length}`,
      );
    }
    copyInto(out, body, tail);
    out.set(cipher.getAuthTag(), plaintext.length);
  }

  open(nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | null {
    if (!isSealedInput(nonce, sealed, ad)) return null;
    const length = sealed.length - AEAD_TAG_LENGTH;
    try {
      const decipher = this.#crypto.createDecipheriv(this.#algorithm, this.#key, nonce, OPTIONS);
      decipher.setAuthTag(sealed.subarray(length));
      decipher.setAAD(ad, { plaintextLength: length });
      const body = decipher.update(sealed.subarray(0, length));
      const tail = decipher.final();
      // Both suites are stream modes: update() returns every byte and final() none, in practice.
      if (tail.length > 0) return copyInto(new Uint8Array(length), body, tail);
      return ownedView(body) ?? new Uint8Array(body);
    } catch {
      return null;
    }
  }
}

const OPTIONS = { authTagLength: AEAD_TAG_LENGTH };

// Deno returns large ciphertexts in a fresh ArrayBuffer, which `transfer` grows for the tag
// without a new allocation: 16 KiB seals measured 22.6 -> 16.8 us there. On Bun it measured
// slower than a copy, so elsewhere the ciphertext and tag are copied into a new array.
const GROW_IN_PLACE = "Deno" in globalThis &&
  typeof (ArrayBuffer.prototype as Partial<Transferable>).transfer === "function";

// `ArrayBuffer.prototype.transfer` (ES2024) is missing from Node 20 and from the npm build's lib.
interface Transferable {
  transfer(length: number): ArrayBuffer;
}

/** How much longer than its output a cipher's own output buffer may be handed out (Bun: 1). */
const SPARE_BYTES = 16;

// Whether `bytes` starts a plain ArrayBuffer of its own that ends at most `spare` bytes after it
// (not a slice of a shared Buffer pool, which must never reach the caller: a pool serves only
// requests under half its size, so a slice never ends within SPARE_BYTES of it), so it can be
// handed out as a view without a copy.
function ownsBuffer(bytes: Uint8Array, spare = 0): bytes is Uint8Array<ArrayBuffer> {
  const { buffer, byteOffset, length } = bytes;
  return buffer instanceof ArrayBuffer && byteOffset === 0 && buffer.byteLength >= length &&
    buffer.byteLength - length <= spare;
}

// `bytes` as a plain array of exactly its length, without a copy, when it owns its buffer give or
// take SPARE_BYTES; else undefined. Bun returns cipher output in a buffer one byte longer than the
// output, that byte holding whatever the memory held: it is zeroed and stays past the view's end
// (copying the output instead cost a tenth of the CPU of a sealed 16 KiB DATA_NOACK stream on Bun).
function ownedView(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  if (!ownsBuffer(bytes, SPARE_BYTES)) return undefined;
  const { buffer, length } = bytes;
  if (buffer.byteLength > length) new Uint8Array(buffer, length).fill(0);
  return new Uint8Array(buffer, 0, length);
}

function copyInto(out: Uint8Array, body: Uint8Array, tail: Uint8Array): Uint8Array {
  out.set(body);
  if (tail.length > 0) out.set(tail, body.length);
  return out;
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
    return this.#cipher(this.#key, nonce, ad).encrypt(plaintext);
  }

  sealInto(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): void {
    requireBytes(nonce, AEAD_NONCE_LENGTH, "a nonce");
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

function isSealedInput(nonce: unknown, sealed: unknown, ad: unknown): boolean {
  return nonce instanceof Uint8Array && nonce.length === AEAD_NONCE_LENGTH &&
    sealed instanceof Uint8Array && sealed.length >= AEAD_TAG_LENGTH && ad instanceof Uint8Array;
}

const nativeCache = new Map<CipherSuite, boolean>();

function hasNative(suite: CipherSuite): boolean {
  let ok = nativeCache.get(suite);
  if (ok === undefined) {
    ok = selfTest(suite);
    nativeCache.set(suite, ok);
  }
  return ok;
}

// The native cipher must exist, agree with noble byte for byte, open its own output and reject a
// forged tag; anything else (missing, throwing, wrong) falls back to noble.
function selfTest(suite: CipherSuite): boolean {
  try {
    const crypto = nodeCrypto();
    if (!crypto?.getCiphers().includes(suite)) return false;
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const plaintext = Uint8Array.from({ length: 77 }, (_, i) => i * 3);
    const ad = Uint8Array.from({ length: 9 }, (_, i) => 0xf0 - i);
    const native = new NativeAead(crypto, suite, key);
    const sealed = native.seal(nonce, plaintext, ad);
    const expected = new NobleAead(suite, key).seal(nonce, plaintext, ad);
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
