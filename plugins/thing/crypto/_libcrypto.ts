/**
 * The system's OpenSSL `libcrypto` (Linux: `libcrypto.so.3`, else `libcrypto.so.1.1`), its EVP
 * cipher calls bound through the runtime's foreign-function interface: `Deno.dlopen` when
 * `--allow-ffi` is already granted (it never prompts), `bun:ffi` on Bun. Nowhere else (Node,
 * browsers, other systems, no library): `libcrypto()` returns undefined and callers use
 * `node:crypto` or noble. Private to the crypto folder.
 *
 * @module
 */

import { builtinModule } from "../builtin.ts";

/** An opaque native pointer (a `Deno.PointerObject` or a Bun address). */
export type Pointer = unknown;

/** The EVP calls an AEAD needs, as OpenSSL declares them (1 is success, 0 failure). */
export interface Libcrypto {
  /** `EVP_aes_256_gcm()` or `EVP_chacha20_poly1305()`. */
  cipher(name: "aes-256-gcm" | "chacha20-poly1305"): Pointer;
  /** `EVP_CIPHER_CTX_new()`: null when out of memory. */
  newContext(): Pointer;
  /** `EVP_CIPHER_CTX_free(ctx)`: also wipes the key schedule. */
  freeContext(ctx: Pointer): void;
  /** `EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc)`; null keeps what was set before. */
  init(
    ctx: Pointer,
    cipher: Pointer | null,
    key: Uint8Array | null,
    iv: Uint8Array | null,
    enc: number,
  ): number;
  /** `EVP_CipherUpdate(ctx, out, outl, in, inl)`; `out` null feeds associated data. */
  update(
    ctx: Pointer,
    out: Uint8Array | null,
    outLength: Int32Array,
    input: Uint8Array,
    inputLength: number,
  ): number;
  /** `EVP_CipherFinal_ex(ctx, out, outl)`: checks the tag when decrypting. */
  final(ctx: Pointer, out: Uint8Array, outLength: Int32Array): number;
  /** `EVP_CIPHER_CTX_ctrl(ctx, type, arg, ptr)`. */
  control(ctx: Pointer, type: number, arg: number, data: Uint8Array): number;
}

/** `EVP_CTRL_AEAD_GET_TAG` and `EVP_CTRL_AEAD_SET_TAG`. */
export const CTRL_GET_TAG = 0x10;
/** See CTRL_GET_TAG. */
export const CTRL_SET_TAG = 0x11;

const LIBRARIES = ["libcrypto.so.3", "libcrypto.so.1.1"];

type Kind = "pointer" | "buffer" | "i32" | "void";

const SYMBOLS: Record<string, { parameters: Kind[]; result: Kind }> = {
  EVP_aes_256_gcm: { parameters: [], result: "pointer" },
  EVP_chacha20_poly1305: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_CipherInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_CipherUpdate: { parameters: ["pointer", "buffer", "buffer", "buffer", "i32"], result: "i32" },
  EVP_CipherFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  EVP_CIPHER_CTX_ctrl: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
};

// deno-lint-ignore no-explicit-any
type Symbols = Record<string, (...args: any[]) => any>;

interface DenoFfi {
  build: { os: string };
  permissions: { querySync(descriptor: { name: string }): { state: string } };
  dlopen(path: string, symbols: typeof SYMBOLS): { symbols: Symbols };
}

interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): {
    symbols: Symbols;
  };
}

let loaded: Libcrypto | null | undefined;

/**
 * The system's libcrypto, loaded on first use; undefined where it cannot be had (see the module
 * comment). Whether its ciphers are right is for the caller to check (aead.ts self-tests them).
 */
export function libcrypto(): Libcrypto | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

function load(): Libcrypto | null {
  const symbols = openLibrary();
  if (symbols === null) return null;
  const ciphers = {
    "aes-256-gcm": symbols.EVP_aes_256_gcm!(),
    "chacha20-poly1305": symbols.EVP_chacha20_poly1305!(),
  };
  return {
    cipher: (name) => ciphers[name],
    newContext: () => symbols.EVP_CIPHER_CTX_new!(),
    freeContext: (ctx) => symbols.EVP_CIPHER_CTX_free!(ctx),
    init: (ctx, cipher, key, iv, enc) =>
      symbols.EVP_CipherInit_ex!(ctx, cipher, null, key, iv, enc),
    update: (ctx, out, outLength, input, inputLength) =>
      symbols.EVP_CipherUpdate!(ctx, out, outLength, input, inputLength),
    final: (ctx, out, outLength) => symbols.EVP_CipherFinal_ex!(ctx, out, outLength),
    control: (ctx, type, arg, data) => symbols.EVP_CIPHER_CTX_ctrl!(ctx, type, arg, data),
  };
}

function openLibrary(): Symbols | null {
  const open = binder();
  if (open === undefined) return null;
  for (const path of LIBRARIES) {
    try {
      return open(path);
    } catch {
      // Not installed under this name, or without one of the symbols: try the next.
    }
  }
  return null;
}

// A function that opens a library with SYMBOLS through this runtime's FFI, where there is one and
// it is allowed without asking.
function binder(): ((path: string) => Symbols) | undefined {
  const deno = (globalThis as { Deno?: DenoFfi }).Deno;
  if (deno !== undefined) {
    if (deno.build.os !== "linux") return undefined;
    if (deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
    return (path) => deno.dlopen(path, SYMBOLS).symbols;
  }
  const bun = "Bun" in globalThis ? builtinModule<BunFfi>("bun:ffi") : undefined;
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  if (bun === undefined || platform !== "linux") return undefined;
  const kinds: Record<Kind, string> = { pointer: "ptr", buffer: "ptr", i32: "i32", void: "void" };
  const bunSymbols = Object.fromEntries(
    Object.entries(SYMBOLS).map(([name, { parameters, result }]) => [
      name,
      { args: parameters.map((kind) => kinds[kind]), returns: kinds[result] },
    ]),
  );
  return (path) => bun.dlopen(path, bunSymbols).symbols;
}
