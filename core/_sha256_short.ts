/**
 * SHA-256 (FIPS 180-4) of a short message (at most {@link SHORT_MAX} bytes: four 64-byte blocks
 * after padding) in plain integer code with no allocation. The checksum of an authenticated packet
 * hashes 48 bytes (header fields and tag), that of a small unsealed packet (an ACK, a 64-byte
 * message) one to four blocks. On Deno a `node:crypto` hash builds a stream object per call: in a
 * tight loop it costs about what two blocks here cost, but inside the packet path (allocation,
 * collection) the one-at-a-time round trip of 64-byte messages took ~6 µs less CPU with this code
 * (docs/BENCHMARKS.md). Private to the core: `core/sha256.ts` uses it.
 *
 * @module
 */

/** The longest message hashed here: four padded blocks. */
export const SHORT_MAX = 247;

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
/** The message schedule and the chaining state, reused (digests are synchronous). */
const W = new Int32Array(64);
const H = new Int32Array(8);

/**
 * Writes the SHA-256 digest of `data` (at most {@link SHORT_MAX} bytes) into `out` at `offset`.
 *
 * @throws {RangeError} when `data` is longer than {@link SHORT_MAX}
 */
export function digestShortInto(data: Uint8Array, out: Uint8Array, offset: number): void {
  const length = data.length;
  if (length > SHORT_MAX) {
    throw new RangeError(`Cannot hash ${length} bytes as a short message: at most ${SHORT_MAX}`);
  }
  H.set(H0);
  const w = W;
  let at = 0;
  for (; at + 64 <= length; at += 64) {
    for (let i = 0; i < 16; i++) {
      const j = at + i * 4;
      w[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
    }
    compress(w);
  }
  const rest = length - at;
  w.fill(0, 0, 16);
  for (let i = 0; i < rest; i++) w[i >> 2]! |= data[at + i]! << (24 - ((i & 3) << 3));
  w[rest >> 2]! |= 0x80 << (24 - ((rest & 3) << 3));
  if (rest > 55) {
    // No room for the length after the 0x80 byte: it goes in a block of its own.
    compress(w);
    w.fill(0, 0, 16);
  }
  w[15] = length * 8;
  compress(w);
  for (let i = 0; i < 8; i++) writeWord(out, offset + i * 4, H[i]!);
}

/** One block of the compression function: `w[0..15]` in (the rest of `w` is overwritten), `H` updated. */
function compress(w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!;
  let e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
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
  H[0] = H[0]! + a;
  H[1] = H[1]! + b;
  H[2] = H[2]! + c;
  H[3] = H[3]! + d;
  H[4] = H[4]! + e;
  H[5] = H[5]! + f;
  H[6] = H[6]! + g;
  H[7] = H[7]! + h;
}

function writeWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word >>> 24;
  out[at + 1] = word >>> 16;
  out[at + 2] = word >>> 8;
  out[at + 3] = word;
}
