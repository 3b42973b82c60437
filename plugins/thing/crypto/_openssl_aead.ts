/**
 * AEAD through the system's OpenSSL (`_libcrypto.ts`): one cipher context per direction, its key
 * schedule built once per key and only the nonce set per packet, ciphertext written straight into
 * the caller's buffer. `node:crypto` builds a cipher object per call instead, and on Deno wraps
 * each in a stream: a 16 KiB AES-256-GCM seal measured 4 µs here against 92 µs there (ChaCha20-
 * Poly1305: 5 against 16 µs). Private to the crypto folder: aead.ts self-tests it against noble
 * before `createAead` hands one out.
 *
 * @module
 */

import { builtinModule } from "../builtin.ts";
import type { Aead } from "./aead_api.ts";
import { isSealedInput, requireSealable } from "./_aead_input.ts";
import {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  type CipherSuite,
} from "./cipher_suite.ts";
import { requireBytes } from "./implementation.ts";
import {
  CTRL_GET_TAG,
  CTRL_SET_TAG,
  type Libcrypto,
  libcrypto,
  type Pointer,
} from "./_libcrypto.ts";

/**
 * An AEAD for one key through the system's OpenSSL, or undefined where it cannot be loaded.
 *
 * @param suite the algorithm
 * @param key 32 secret bytes (copied into OpenSSL's key schedule; this array is not kept)
 */
export function openSslAead(suite: CipherSuite, key: Uint8Array): Aead | undefined {
  const library = libcrypto();
  return library === undefined ? undefined : new OpenSslAead(library, suite, key);
}

// Frees a dropped AEAD's contexts (and with them its key schedule) once it is collected.
const contexts = new FinalizationRegistry<{ library: Libcrypto; contexts: Pointer[] }>(
  ({ library, contexts }) => contexts.forEach((ctx) => library.freeContext(ctx)),
);

const ENCRYPT = 1;
const DECRYPT = 0;
const KEEP = -1;

class OpenSslAead implements Aead {
  readonly suite: CipherSuite;
  readonly implementation = "native";
  readonly #library: Libcrypto;
  readonly #cipher: Pointer;
  // Both made on first use (a Sealer only seals, an Opener only opens) from a copy of the key
  // that is wiped once both exist.
  #key: Uint8Array | null;
  #sealing: Pointer | null = null;
  #opening: Pointer | null = null;
  readonly #held: { library: Libcrypto; contexts: Pointer[] };
  readonly #written = new Int32Array(1);
  readonly #tail = new Uint8Array(AEAD_TAG_LENGTH);

  constructor(library: Libcrypto, suite: CipherSuite, key: Uint8Array) {
    requireBytes(key, AEAD_KEY_LENGTH, `a ${suite} key`);
    this.suite = suite;
    this.#library = library;
    this.#cipher = library.cipher(suite);
    this.#key = new Uint8Array(key);
    this.#held = { library, contexts: [] };
    contexts.register(this, this.#held);
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    requireSealable(plaintext, ad);
    const out = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH);
    this.sealInto(nonce, plaintext, ad, out);
    return out;
  }

  sealInto(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): void {
    requireBytes(nonce, AEAD_NONCE_LENGTH, "a nonce");
    requireSealable(plaintext, ad);
    requireBytes(out, plaintext.length + AEAD_TAG_LENGTH, "a sealed output");
    const library = this.#library;
    const ctx = this.#sealing ??= this.#context(ENCRYPT);
    const written = this.#written;
    const length = plaintext.length;
    const tag = out.subarray(length);
    // `out` may be unzeroed memory (a large framedPayload): every byte of it must be written.
    if (
      library.init(ctx, null, null, nonce, KEEP) !== 1 ||
      library.update(ctx, null, written, ad, ad.length) !== 1 ||
      library.update(ctx, out, written, plaintext, length) !== 1 || written[0] !== length ||
      library.final(ctx, this.#tail, written) !== 1 || written[0] !== 0 ||
      library.control(ctx, CTRL_GET_TAG, AEAD_TAG_LENGTH, tag) !== 1
    ) {
      throw new RangeError(`Cannot seal with ${this.suite}: OpenSSL refused the call`);
    }
  }

  open(nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | null {
    if (!isSealedInput(nonce, sealed, ad)) return null;
    const library = this.#library;
    const ctx = this.#opening ??= this.#context(DECRYPT);
    const written = this.#written;
    const length = sealed.length - AEAD_TAG_LENGTH;
    const plaintext = unzeroed(length);
    // The tag is checked by `final`; until it passes, `plaintext` is never handed out.
    const ok = library.init(ctx, null, null, nonce, KEEP) === 1 &&
      library.control(ctx, CTRL_SET_TAG, AEAD_TAG_LENGTH, sealed.subarray(length)) === 1 &&
      library.update(ctx, null, written, ad, ad.length) === 1 &&
      library.update(ctx, plaintext, written, sealed.subarray(0, length), length) === 1 &&
      written[0] === length &&
      library.final(ctx, this.#tail, written) === 1 && written[0] === 0;
    return ok ? plaintext : null;
  }

  #context(direction: number): Pointer {
    const library = this.#library;
    const ctx = library.newContext();
    if (ctx === null || ctx === 0) {
      throw new RangeError(`Cannot use ${this.suite}: OpenSSL could not allocate a cipher context`);
    }
    this.#held.contexts.push(ctx);
    if (library.init(ctx, this.#cipher, this.#key, null, direction) !== 1) {
      throw new RangeError(`Cannot use ${this.suite}: OpenSSL refused its key`);
    }
    if (this.#held.contexts.length === 2) {
      this.#key!.fill(0);
      this.#key = null;
    }
    return ctx;
  }
}

interface NodeBuffer {
  allocUnsafeSlow(size: number): Uint8Array;
}

const nodeBuffer = builtinModule<{ Buffer: NodeBuffer }>("node:buffer")?.Buffer;

// A plain array of its own buffer, not zero-filled: OpenSSL writes every byte before it is read
// (~2.7 against ~7 µs for 16 KiB on Deno).
function unzeroed(length: number): Uint8Array {
  if (nodeBuffer === undefined) return new Uint8Array(length);
  const bytes = nodeBuffer.allocUnsafeSlow(length);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, length);
}
