/**
 * AEAD through the runtime's `node:crypto`: a cipher object per call (it has no AEAD whose nonce
 * changes without one), its output copied into the caller's buffer or handed out as a view where
 * it owns its buffer. Private to the crypto folder: aead.ts self-tests it against noble before
 * `createAead` hands one out.
 *
 * @module
 */

import type { CipherGCMTypes } from "node:crypto";
import type { Aead } from "./aead_api.ts";
import { isSealedInput, requireSealable } from "./_aead_input.ts";
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type CipherSuite } from "./cipher_suite.ts";
import { requireBytes } from "./implementation.ts";
import type { NodeCrypto } from "./_native_keys.ts";

/**
 * An AEAD for one key through `crypto`.
 *
 * @param crypto this runtime's `node:crypto`
 * @param suite the algorithm, which `crypto.getCiphers()` must list
 * @param key 32 secret bytes (copied)
 */
export function nodeCryptoAead(crypto: NodeCrypto, suite: CipherSuite, key: Uint8Array): Aead {
  return new NativeAead(crypto, suite, key);
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
    requireSealable(plaintext, ad);
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
    requireSealable(plaintext, ad);
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
