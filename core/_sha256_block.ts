/**
 * SHA-256 (FIPS 180-4) of a message short enough to fit one 64-byte block after padding (at most
 * 55 bytes), in plain integer code with no allocation. The checksum of an authenticated packet
 * hashes 48 bytes (header fields and tag); on Deno a `node:crypto` hash of that costs ~1.2 µs,
 * this ~0.2 µs. Private to the core: `core/sha256.ts` uses it.
 *
 * @module
 */

/** The longest message one padded block holds. */
export const ONE_BLOCK_MAX = 55;

const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);
const H0 = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);
/** The message schedule, reused (digests are synchronous). */
const W = new Int32Array(64);

/**
 * Writes the SHA-256 digest of `data` (at most {@link ONE_BLOCK_MAX} bytes) into `out` at `offset`.
 *
 * @throws {RangeError} when `data` is longer than one block holds
 */
export function digestOneBlockInto(data: Uint8Array, out: Uint8Array, offset: number): void {
  const length = data.length;
  if (length > ONE_BLOCK_MAX) {
    throw new RangeError(`Cannot hash ${length} bytes in one block: at most ${ONE_BLOCK_MAX}`);
  }
  const w = W;
  w.fill(0, 0, 16);
  for (let i = 0; i < length; i++) w[i >> 2]! |= data[i]! << (24 - ((i & 3) << 3));
  w[length >> 2]! |= 0x80 << (24 - ((length & 3) << 3));
  w[15] = length * 8;
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = H0[0]!, b = H0[1]!, c = H0[2]!, d = H0[3]!;
  let e = H0[4]!, f = H0[5]!, g = H0[6]!, h = H0[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  writeWord(out, offset, H0[0]! + a);
  writeWord(out, offset + 4, H0[1]! + b);
  writeWord(out, offset + 8, H0[2]! + c);
  writeWord(out, offset + 12, H0[3]! + d);
  writeWord(out, offset + 16, H0[4]! + e);
  writeWord(out, offset + 20, H0[5]! + f);
  writeWord(out, offset + 24, H0[6]! + g);
  writeWord(out, offset + 28, H0[7]! + h);
}

function writeWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word >>> 24;
  out[at + 1] = word >>> 16;
  out[at + 2] = word >>> 8;
  out[at + 3] = word;
}
