import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HandshakeError } from "../../../../core/errors.ts";
import type { Implementation } from "../../../../plugins/thing/crypto/implementation.ts";
import {
  hasNativeX25519,
  x25519KeyPair,
  x25519Shared,
} from "../../../../plugins/thing/crypto/x25519.ts";
import { hex, toHex, VECTORS } from "./_vectors.ts";

const implementations: Implementation[] = hasNativeX25519() ? ["native", "noble"] : ["noble"];
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

for (const implementation of implementations) {
  describe(`x25519 (${implementation})`, () => {
    const options = { implementation };

    for (const vector of VECTORS.x25519) {
      it(`x25519Shared() matches ${vector.name}`, () => {
        assert.equal(
          toHex(x25519Shared(hex(vector.scalar), hex(vector.u), options)),
          vector.output,
        );
      });
    }

    it("matches RFC 7748 §6.1: both sides derive the same public keys and shared secret", () => {
      const v = VECTORS.x25519_dh;
      const alice = x25519KeyPair(hex(v.alicePrivate), options);
      const bob = x25519KeyPair(hex(v.bobPrivate), options);
      assert.equal(toHex(alice.publicKey), v.alicePublic);
      assert.equal(toHex(bob.publicKey), v.bobPublic);
      assert.equal(toHex(alice.privateKey), v.alicePrivate);
      assert.equal(toHex(x25519Shared(alice.privateKey, bob.publicKey, options)), v.shared);
      assert.equal(toHex(x25519Shared(bob.privateKey, alice.publicKey, options)), v.shared);
    });

    it("x25519Shared() rejects every low-order point with HandshakeError THING_ERR_HANDSHAKE", () => {
      const ours = hex(VECTORS.x25519_dh.alicePrivate);
      for (const point of VECTORS.x25519_low_order) {
        assert.throws(
          () => x25519Shared(ours, hex(point), options),
          (error: unknown) =>
            error instanceof HandshakeError && error.code === "THING_ERR_HANDSHAKE",
          point,
        );
      }
    });

    it("throws RangeError for keys that are not 32 bytes", () => {
      assert.throws(() => x25519KeyPair(new Uint8Array(31), options), RangeError);
      assert.throws(
        () => x25519Shared(new Uint8Array(32), new Uint8Array(33), options),
        RangeError,
      );
    });
  });
}

describe("x25519 native vs noble", { skip: !hasNativeX25519() }, () => {
  it("gives identical public keys and shared secrets for random keys", () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        const native = { implementation: "native" } as const;
        const noble = { implementation: "noble" } as const;
        const pa = x25519KeyPair(a, native).publicKey;
        assert.deepEqual(pa, x25519KeyPair(a, noble).publicKey);
        const pb = x25519KeyPair(b, noble).publicKey;
        const shared = x25519Shared(a, pb, native);
        assert.deepEqual(shared, x25519Shared(a, pb, noble));
        assert.deepEqual(shared, x25519Shared(b, pa, native));
      }),
      { numRuns: 40 },
    );
  });

  it("x25519Shared() uses the key array's current bytes, even after x25519KeyPair() saw it", () => {
    const native = { implementation: "native" } as const;
    const pair = x25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1), native);
    const peer = x25519KeyPair(new Uint8Array(32).fill(9), native).publicKey;
    const before = x25519Shared(pair.privateKey, peer, native);
    pair.privateKey[0]! ^= 0x40;
    const after = x25519Shared(pair.privateKey, peer, native);
    assert.notDeepEqual(after, before);
    assert.deepEqual(after, x25519Shared(pair.privateKey, peer, { implementation: "noble" }));
  });

  it("agrees on arbitrary 32-byte strings as peer keys (top bit, non-canonical)", () => {
    fc.assert(
      fc.property(key32, key32, (a, peer) => {
        const run = (implementation: Implementation) => {
          try {
            return toHex(x25519Shared(a, peer, { implementation }));
          } catch (error) {
            assert.ok(error instanceof HandshakeError);
            return "rejected";
          }
        };
        assert.equal(run("native"), run("noble"));
      }),
      { numRuns: 40 },
    );
  });
});
