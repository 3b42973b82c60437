import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ed25519KeyPair,
  ed25519Sign,
  ed25519Verify,
  hasNativeEd25519,
} from "../../../../plugins/thing/crypto/ed25519.ts";
import type { Implementation } from "../../../../plugins/thing/crypto/implementation.ts";
import { hex, toHex, VECTORS } from "./_vectors.ts";

const implementations: Implementation[] = hasNativeEd25519() ? ["native", "noble"] : ["noble"];
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

// Small-order points (identity, order 2, an order-8 point), which strict verification refuses.
const SMALL_ORDER_KEYS = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
];

for (const implementation of implementations) {
  describe(`ed25519 (${implementation})`, () => {
    const options = { implementation };

    for (const vector of VECTORS.ed25519) {
      it(`matches ${vector.name}`, () => {
        const pair = ed25519KeyPair(hex(vector.seed), options);
        assert.equal(toHex(pair.publicKey), vector.publicKey);
        const signature = ed25519Sign(hex(vector.seed), hex(vector.message), options);
        assert.equal(toHex(signature), vector.signature);
        assert.equal(
          ed25519Verify(pair.publicKey, hex(vector.message), signature, options),
          true,
        );
      });
    }

    it("ed25519Verify() is false for a changed message, signature or key", () => {
      const vector = VECTORS.ed25519[1]!;
      const publicKey = hex(vector.publicKey);
      const message = hex(vector.message);
      const signature = hex(vector.signature);
      assert.equal(ed25519Verify(publicKey, hex("73"), signature, options), false);
      assert.equal(ed25519Verify(publicKey, new Uint8Array(0), signature, options), false);
      for (let bit = 0; bit < 512; bit += 7) {
        const bad = signature.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(ed25519Verify(publicKey, message, bad, options), false, `sig bit ${bit}`);
      }
      const otherKey = hex(VECTORS.ed25519[0]!.publicKey);
      assert.equal(ed25519Verify(otherKey, message, signature, options), false);
    });

    it("ed25519Verify() returns false, never throws, for junk", () => {
      const good = hex(VECTORS.ed25519[0]!.signature);
      const key = hex(VECTORS.ed25519[0]!.publicKey);
      assert.equal(ed25519Verify(new Uint8Array(31), new Uint8Array(0), good, options), false);
      assert.equal(ed25519Verify(key, new Uint8Array(0), good.subarray(1), options), false);
      assert.equal(ed25519Verify(key, "x" as unknown as Uint8Array, good, options), false);
      assert.equal(
        ed25519Verify(new Uint8Array(32).fill(0xff), new Uint8Array(0), good, options),
        false,
      );
      fc.assert(
        fc.property(
          key32,
          fc.uint8Array({ maxLength: 64 }),
          fc.uint8Array({ minLength: 64, maxLength: 64 }),
          (k, m, s) => {
            assert.equal(ed25519Verify(k, m, s, options), false);
          },
        ),
        { numRuns: 60 },
      );
    });

    it("ed25519Verify() refuses small-order public keys", () => {
      const message = new Uint8Array(0);
      // With the identity as key, S = 0 and R = identity satisfy the bare verification equation.
      const forged = new Uint8Array(64);
      forged[0] = 1;
      for (const point of SMALL_ORDER_KEYS) {
        assert.equal(ed25519Verify(hex(point), message, forged, options), false, point);
      }
    });

    it("throws RangeError for a seed that is not 32 bytes", () => {
      assert.throws(() => ed25519KeyPair(new Uint8Array(64), options), RangeError);
      assert.throws(() => ed25519Sign(new Uint8Array(16), new Uint8Array(1), options), RangeError);
    });
  });
}

describe("ed25519 native vs noble", { skip: !hasNativeEd25519() }, () => {
  it("gives identical keys and signatures, and each verifies the other's", () => {
    fc.assert(
      fc.property(key32, fc.uint8Array({ maxLength: 200 }), (seed, message) => {
        const native = { implementation: "native" } as const;
        const noble = { implementation: "noble" } as const;
        const publicKey = ed25519KeyPair(seed, native).publicKey;
        assert.deepEqual(publicKey, ed25519KeyPair(seed, noble).publicKey);
        const signature = ed25519Sign(seed, message, native);
        assert.deepEqual(signature, ed25519Sign(seed, message, noble));
        assert.equal(ed25519Verify(publicKey, message, signature, noble), true);
        assert.equal(ed25519Verify(publicKey, message, signature, native), true);
      }),
      { numRuns: 40 },
    );
  });

  it("signs with the seed array's current bytes, even after it signed with other bytes", () => {
    const native = { implementation: "native" } as const;
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
    const message = new Uint8Array([1, 2, 3]);
    const before = ed25519Sign(seed, message, native);
    seed[5]! ^= 1;
    const after = ed25519Sign(seed, message, native);
    assert.notDeepEqual(after, before);
    assert.deepEqual(after, ed25519Sign(seed, message, { implementation: "noble" }));
  });

  it("keeps refusing small-order keys and forgeries after valid keys were checked and remembered", () => {
    const native = { implementation: "native" } as const;
    const forged = new Uint8Array(64);
    forged[0] = 1;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 70; i++) {
        const seed = new Uint8Array(32).fill(i);
        const { publicKey } = ed25519KeyPair(seed, native);
        const message = new Uint8Array([i, round]);
        const signature = ed25519Sign(seed, message, native);
        assert.equal(ed25519Verify(publicKey, message, signature, native), true);
        assert.equal(ed25519Verify(publicKey, new Uint8Array([i]), signature, native), false);
      }
      for (const point of SMALL_ORDER_KEYS) {
        assert.equal(ed25519Verify(hex(point), new Uint8Array(0), forged, native), false);
      }
    }
  });
});
