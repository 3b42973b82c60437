import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock, SeededRandom, systemClock, systemRandom } from "../../core/clock.ts";
import { toHex } from "../../core/hex.ts";

describe("ManualClock", () => {
  it("ManualClock moves only when told, never backwards", () => {
    const clock = new ManualClock(100, 1_000_000);
    assert.equal(clock.now(), 100);
    assert.equal(clock.wallNow(), 1_000_000);
    clock.advance(50);
    assert.equal(clock.now(), 150);
    assert.equal(clock.wallNow(), 1_000_050);
    clock.set(120);
    assert.equal(clock.now(), 150);
    clock.set(200);
    assert.equal(clock.now(), 200);
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.advance(Number.NaN), RangeError);
  });
});

describe("SeededRandom", () => {
  it("SeededRandom gives the same bytes for the same seed and others for another", () => {
    const a = toHex(new SeededRandom(42).fill(new Uint8Array(37)));
    const b = toHex(new SeededRandom(42).fill(new Uint8Array(37)));
    const c = toHex(new SeededRandom(43).fill(new Uint8Array(37)));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it("SeededRandom pins its output (xoshiro128** seeded by splitmix32)", () => {
    // Checked against an independent Python implementation; recorded simulations rely on it.
    const random = new SeededRandom(1);
    assert.deepEqual(
      [random.nextU32(), random.nextU32(), random.nextU32()],
      [2442144158, 3238099751, 3819917871],
    );
    assert.equal(toHex(new SeededRandom(1).fill(new Uint8Array(5))), "9e29909127");
  });

  it("SeededRandom.next() stays in [0, 1) and spreads over it", () => {
    const random = new SeededRandom(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      assert.ok(x >= 0 && x < 1);
      buckets[Math.floor(x * 10)]++;
    }
    for (const count of buckets) assert.ok(count > 800 && count < 1200, String(buckets));
  });
});

describe("system clock and random", () => {
  it("systemClock and systemRandom work", () => {
    const a = systemClock.now();
    assert.ok(systemClock.now() >= a);
    assert.ok(Math.abs(systemClock.wallNow() - Date.now()) < 1000);
    const big = systemRandom.fill(new Uint8Array(70_000));
    assert.ok(big.subarray(65_536).some((b) => b !== 0), "fills beyond 64 KiB");
  });
});
