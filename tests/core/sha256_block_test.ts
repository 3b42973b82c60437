import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { digestOneBlockInto, ONE_BLOCK_MAX } from "../../core/_sha256_block.ts";
import { toHex } from "../../core/hex.ts";
import { nativeSha256, nobleSha256 } from "../../core/sha256.ts";

const digest =
  (hash: { digestInto(d: Uint8Array, o: Uint8Array, at: number): void }) => (data: Uint8Array) => {
    const out = new Uint8Array(32);
    hash.digestInto(data, out, 0);
    return out;
  };
const noble = digest(nobleSha256);

describe("digestOneBlockInto()", () => {
  it("digestOneBlockInto() matches the FIPS 180-2 'abc' and empty-message digests", () => {
    const out = new Uint8Array(32);
    digestOneBlockInto(new Uint8Array([0x61, 0x62, 0x63]), out, 0);
    assert.equal(
      toHex(out),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    digestOneBlockInto(new Uint8Array(0), out, 0);
    assert.equal(
      toHex(out),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("digestOneBlockInto() equals noble for every length 0..55 and random bytes", () => {
    for (let length = 0; length <= ONE_BLOCK_MAX; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff);
      const out = new Uint8Array(32);
      digestOneBlockInto(data, out, 0);
      assert.deepEqual(out, noble(data), `${length} bytes`);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: ONE_BLOCK_MAX }), (data) => {
        const out = new Uint8Array(32);
        digestOneBlockInto(data, out, 0);
        assert.deepEqual(out, noble(data));
      }),
      { numRuns: 500 },
    );
  });

  it("digestOneBlockInto() writes only its 32 bytes at the offset", () => {
    const out = new Uint8Array(48).fill(0xee);
    const data = new Uint8Array(48).fill(1);
    digestOneBlockInto(data, out, 8);
    assert.deepEqual(out.subarray(8, 40), noble(data));
    assert.ok([...out.subarray(0, 8), ...out.subarray(40)].every((b) => b === 0xee));
  });

  it("digestOneBlockInto() throws RangeError for a message longer than one block holds", () => {
    assert.throws(() => digestOneBlockInto(new Uint8Array(56), new Uint8Array(32), 0), RangeError);
  });

  it("nativeSha256() agrees with noble on both sides of the one-block limit", () => {
    const native = digest(nativeSha256());
    for (const length of [47, 48, 55, 56, 64, 65]) {
      const data = Uint8Array.from({ length }, (_, i) => i);
      assert.deepEqual(native(data), noble(data), `${length} bytes`);
    }
  });
});
