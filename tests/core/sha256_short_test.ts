import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { digestShortInto, SHORT_MAX } from "../../core/_sha256_short.ts";
import { toHex } from "../../core/hex.ts";
import { nativeSha256, nobleSha256 } from "../../core/sha256.ts";

const digest =
  (hash: { digestInto(d: Uint8Array, o: Uint8Array, at: number): void }) => (data: Uint8Array) => {
    const out = new Uint8Array(32);
    hash.digestInto(data, out, 0);
    return out;
  };
const noble = digest(nobleSha256);

describe("digestShortInto()", () => {
  it("digestShortInto() matches the FIPS 180-2 'abc' and empty-message digests", () => {
    const out = new Uint8Array(32);
    digestShortInto(new Uint8Array([0x61, 0x62, 0x63]), out, 0);
    assert.equal(
      toHex(out),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    digestShortInto(new Uint8Array(0), out, 0);
    assert.equal(
      toHex(out),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("digestShortInto() equals noble for every length 0..247 (one to four blocks) and random bytes", () => {
    for (let length = 0; length <= SHORT_MAX; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff);
      const out = new Uint8Array(32);
      digestShortInto(data, out, 0);
      assert.deepEqual(out, noble(data), `${length} bytes`);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: SHORT_MAX }), (data) => {
        const out = new Uint8Array(32);
        digestShortInto(data, out, 0);
        assert.deepEqual(out, noble(data));
      }),
      { numRuns: 500 },
    );
  });

  it("digestShortInto() writes only its 32 bytes at the offset", () => {
    const out = new Uint8Array(48).fill(0xee);
    const data = new Uint8Array(48).fill(1);
    digestShortInto(data, out, 8);
    assert.deepEqual(out.subarray(8, 40), noble(data));
    assert.ok([...out.subarray(0, 8), ...out.subarray(40)].every((b) => b === 0xee));
  });

  it("digestShortInto() throws RangeError for a message longer than SHORT_MAX", () => {
    assert.throws(
      () => digestShortInto(new Uint8Array(SHORT_MAX + 1), new Uint8Array(32), 0),
      RangeError,
    );
  });

  it("nativeSha256() agrees with noble at the block boundaries and on both sides of SHORT_MAX", () => {
    const native = digest(nativeSha256());
    for (const length of [47, 48, 55, 56, 64, 65, 119, 120, 183, 184, 247, 248, 1024]) {
      const data = Uint8Array.from({ length }, (_, i) => i);
      assert.deepEqual(native(data), noble(data), `${length} bytes`);
    }
  });
});
