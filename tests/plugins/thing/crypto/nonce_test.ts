import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { buildNonce, MAX_ORDER_COUNT } from "../../../../plugins/thing/crypto/nonce.ts";
import { hex, toHex } from "./_vectors.ts";

describe("buildNonce()", () => {
  it("puts the count big-endian in the last 8 bytes when the IV is zero", () => {
    const zero = new Uint8Array(12);
    assert.equal(toHex(buildNonce(zero, 0)), "000000000000000000000000");
    assert.equal(toHex(buildNonce(zero, 1)), "000000000000000000000001");
    assert.equal(toHex(buildNonce(zero, 0x0102030405)), "000000000000000102030405");
    assert.equal(toHex(buildNonce(zero, 2 ** 32)), "000000000000000100000000");
    assert.equal(toHex(buildNonce(zero, MAX_ORDER_COUNT)), "00000000001fffffffffffff");
  });

  it("XORs the padded count with the IV", () => {
    const iv = hex("a0a1a2a3a4a5a6a7a8a9aaab");
    assert.equal(toHex(buildNonce(iv, 0)), "a0a1a2a3a4a5a6a7a8a9aaab");
    assert.equal(toHex(buildNonce(iv, 0xff00ff)), "a0a1a2a3a4a5a6a7a856aa54");
  });

  it("matches a BigInt model for every safe count and IV", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.maxSafeNat(),
        (iv, count) => {
          const padded = BigInt(count).toString(16).padStart(24, "0");
          const model = BigInt(`0x${toHex(iv)}`) ^ BigInt(`0x${padded}`);
          assert.equal(toHex(buildNonce(iv, count)), model.toString(16).padStart(24, "0"));
        },
      ),
    );
  });

  it("writes into the given buffer and returns it", () => {
    const out = new Uint8Array(12).fill(0xee);
    assert.equal(buildNonce(new Uint8Array(12), 7, out), out);
    assert.equal(toHex(out), "000000000000000000000007");
  });

  it("throws RangeError for bad counts and buffer sizes", () => {
    const iv = new Uint8Array(12);
    for (const count of [-1, 0.5, MAX_ORDER_COUNT + 1, Number.NaN, Infinity]) {
      assert.throws(() => buildNonce(iv, count), RangeError, String(count));
    }
    assert.throws(() => buildNonce(new Uint8Array(8), 0), RangeError);
    assert.throws(() => buildNonce(iv, 0, new Uint8Array(16)), RangeError);
  });
});
