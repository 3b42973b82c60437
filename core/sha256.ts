/**
 * The SHA-256 provider behind the packet checksum: `@noble/hashes` everywhere, the runtime's native
 * implementation where there is one. Both give the same bytes.
 *
 * @module
 */
import { sha256 as nobleDigest } from "@noble/hashes/sha2.js";
import { digestShortInto, SHORT_MAX } from "./_sha256_short.ts";

/** Computes SHA-256 digests synchronously. */
export interface Sha256 {
  /** Which implementation this is. */
  readonly implementation: "native" | "noble";
  /** Writes the 32-byte digest of `data` into `out` at `offset`. */
  digestInto(data: Uint8Array, out: Uint8Array, offset: number): void;
}

/** The portable implementation from `@noble/hashes`. */
export const nobleSha256: Sha256 = {
  implementation: "noble",
  digestInto(data, out, offset) {
    out.set(nobleDigest(data), offset);
  },
};

interface BunSha256 {
  hash(input: Uint8Array, into: Uint8Array): Uint8Array;
}

interface NodeCrypto {
  createHash(
    algorithm: "sha256",
  ): { update(data: Uint8Array): { digest(encoding: "hex"): string } };
}

/** Value of each ASCII hex digit (lowercase, as `digest("hex")` writes them). */
const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

/** Writes the 32 bytes of a 64-digit lowercase hex digest into `out` at `offset`. */
function hexInto(hex: string, out: Uint8Array, offset: number): void {
  for (let i = 0, j = 0; i < 32; i++, j += 2) {
    out[offset + i] = (HEX_VALUE[hex.charCodeAt(j)]! << 4) | HEX_VALUE[hex.charCodeAt(j + 1)]!;
  }
}

/**
 * `node:crypto` from `process.getBuiltinModule` (Deno, Bun, Node 20.16+), undefined elsewhere. Not
 * a static import, so the core bundles for browsers, where `defaultSha256()` falls back to noble.
 */
function nodeCrypto(): NodeCrypto | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  return process?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
}

/**
 * The runtime's native implementation: `Bun.SHA256` on Bun, `node:crypto` on Deno and Node (there,
 * messages of at most 247 bytes, such as the 48 that an authenticated packet's checksum covers or a
 * small unsealed packet, go through plain code, which costs less than a `node:crypto` hash object
 * per packet on Deno).
 *
 * @throws {TypeError} where neither exists (browsers): use `nobleSha256` or `defaultSha256()`
 */
export function nativeSha256(): Sha256 {
  const bun = (globalThis as { Bun?: { SHA256?: BunSha256 } }).Bun?.SHA256;
  if (bun) {
    return {
      implementation: "native",
      digestInto(data, out, offset) {
        // Bun writes the digest at the start of `into`: pass `out` itself when we can.
        bun.hash(data, offset === 0 ? out : out.subarray(offset, offset + 32));
      },
    };
  }
  const crypto = nodeCrypto();
  if (!crypto) {
    throw new TypeError(
      "Cannot use a native SHA-256 on this runtime: it has neither Bun.SHA256 nor node:crypto; use nobleSha256",
    );
  }
  const { createHash } = crypto;
  return {
    implementation: "native",
    digestInto(data, out, offset) {
      if (data.length <= SHORT_MAX) return digestShortInto(data, out, offset);
      // The hex digest is a string straight from the native side; `digest()` would allocate a
      // Buffer (two on Deno), which costs more than the hashing of a 1 KiB packet there.
      hexInto(createHash("sha256").update(data).digest("hex"), out, offset);
    },
  };
}

let fastest: Sha256 | undefined;

/** The fastest correct provider on this runtime (native, falling back to noble). */
export function defaultSha256(): Sha256 {
  if (fastest) return fastest;
  try {
    const candidate = nativeSha256();
    const probe = new Uint8Array(32);
    const expected = new Uint8Array(32);
    candidate.digestInto(new Uint8Array([0x61, 0x62, 0x63]), probe, 0);
    nobleSha256.digestInto(new Uint8Array([0x61, 0x62, 0x63]), expected, 0);
    fastest = probe.every((b, i) => b === expected[i]) ? candidate : nobleSha256;
  } catch {
    fastest = nobleSha256;
  }
  return fastest;
}

/** SHA-256 of `data` as a new 32-byte array, with the default provider. */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  defaultSha256().digestInto(data, out, 0);
  return out;
}
