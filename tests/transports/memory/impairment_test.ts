import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SeededRandom } from "../../../core/clock.ts";
import { type Delivery, Impairment } from "../../../transports/memory/impairment.ts";

const lossy = { loss: 0.2, duplicate: 0.1, reorder: 0.1, corrupt: 0.1, delay: 5, jitter: 3 };

function run(seed: number, count: number, options = lossy): Delivery[][] {
  const impairment = new Impairment(options, new SeededRandom(seed));
  return Array.from({ length: count }, (_, i) => impairment.plan(new Uint8Array(100).fill(i), i));
}

describe("Impairment", () => {
  it("plan() is the same for the same seed and different for another", () => {
    assert.deepEqual(run(42, 200), run(42, 200));
    assert.notDeepEqual(run(42, 200), run(43, 200));
  });

  it("plan() without options delivers every packet once, now, untouched", () => {
    const impairment = new Impairment({}, new SeededRandom(1));
    const bytes = Uint8Array.of(1, 2, 3);
    assert.deepEqual(impairment.plan(bytes, 10), [{ bytes, at: 10 }]);
  });

  it("plan() loses about `loss` of the packets", () => {
    const plans = run(7, 4000, { loss: 0.25 } as typeof lossy);
    const lost = plans.filter((p) => p.length === 0).length / plans.length;
    assert.ok(Math.abs(lost - 0.25) < 0.03, `lost ${lost}`);
  });

  it("plan() duplicates into a separate copy", () => {
    const impairment = new Impairment({ duplicate: 1 }, new SeededRandom(1));
    const bytes = Uint8Array.of(9, 9);
    const [a, b] = impairment.plan(bytes, 0);
    assert.deepEqual(a?.bytes, bytes);
    assert.deepEqual(b?.bytes, bytes);
    assert.notEqual(a?.bytes, b?.bytes);
  });

  it("plan() corrupts exactly one bit of a copy and leaves the input alone", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer(), (bytes, seed) => {
        const before = bytes.slice();
        const [d] = new Impairment({ corrupt: 1 }, new SeededRandom(seed)).plan(bytes, 0);
        assert.deepEqual(bytes, before);
        let flipped = 0;
        for (let i = 0; i < bytes.length; i++) {
          let x = bytes[i]! ^ d!.bytes[i]!;
          for (; x; x &= x - 1) flipped++;
        }
        assert.equal(flipped, 1);
      }),
    );
  });

  it("plan() adds delay and jitter within bounds", () => {
    const impairment = new Impairment({ delay: 10, jitter: 4 }, new SeededRandom(3));
    for (let i = 0; i < 500; i++) {
      const [d] = impairment.plan(new Uint8Array(1), 100);
      assert.ok(d!.at >= 110 && d!.at < 114, `at ${d!.at}`);
    }
  });

  it("plan() holds reordered packets back so later ones pass them", () => {
    const impairment = new Impairment({ reorder: 1, delay: 2 }, new SeededRandom(3));
    const [d] = impairment.plan(new Uint8Array(1), 0);
    assert.equal(d!.at, 4);
  });

  it("plan() serialises packets through the bandwidth bottleneck", () => {
    const impairment = new Impairment({ bandwidth: 1000 }, new SeededRandom(1));
    const at = [0, 0, 0].map(() => impairment.plan(new Uint8Array(100), 0)[0]!.at);
    assert.deepEqual(at, [100, 200, 300]);
    assert.equal(impairment.plan(new Uint8Array(100), 1000)[0]!.at, 1100);
  });

  it("plan() drops packets above the mtu", () => {
    const impairment = new Impairment({ mtu: 1200 }, new SeededRandom(1));
    assert.equal(impairment.plan(new Uint8Array(1200), 0).length, 1);
    assert.equal(impairment.plan(new Uint8Array(1201), 0).length, 0);
  });

  it("the constructor rejects out-of-range options", () => {
    const r = new SeededRandom(1);
    for (
      const bad of [{ loss: 1.5 }, { corrupt: -0.1 }, { delay: -1 }, { jitter: NaN }, {
        bandwidth: 0,
      }, { mtu: 1.5 }]
    ) {
      assert.throws(() => new Impairment(bad, r), RangeError, JSON.stringify(bad));
    }
  });
});
