import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ReplayWindow } from "../../reliability/mod.ts";

/** The obvious model: remember everything, accept new counts not `size` or more below the top. */
class NaiveWindow {
  readonly seen = new Set<number>();
  highest = -1;
  constructor(readonly size: number) {}
  check(count: number): boolean {
    return !this.seen.has(count) && count > this.highest - this.size;
  }
  update(count: number): void {
    this.seen.add(count);
    this.highest = Math.max(this.highest, count);
  }
}

/**
 * Feeds arriving counts, each `offset` away from the highest seen so far (or from `start`),
 * through both, asserting the same verdict for each.
 */
function compare(size: number, start: number, offsets: number[]): void {
  const window = new ReplayWindow(size);
  const model = new NaiveWindow(size);
  for (const offset of offsets) {
    const base = Math.max(start, model.highest);
    const count = Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, base + offset));
    const verdict = window.check(count);
    assert.equal(verdict, model.check(count), `count ${count}`);
    if (verdict) {
      window.update(count);
      model.update(count);
    }
    assert.equal(window.highest, model.highest);
  }
}

describe("ReplayWindow", () => {
  it("accepts 0 first, then rejects its duplicate", () => {
    const window = new ReplayWindow();
    assert.equal(window.highest, -1);
    assert.equal(window.check(0), true);
    window.update(0);
    assert.equal(window.check(0), false);
    assert.equal(window.check(1), true);
  });

  it("accepts reordered counts inside the window and rejects counts size or more below the top", () => {
    const window = new ReplayWindow(64);
    window.update(100);
    assert.equal(window.check(37), true); // 100 - 37 = 63 < 64
    assert.equal(window.check(36), false); // 64 below: too old
    window.update(37);
    assert.equal(window.check(37), false);
    window.update(99);
    assert.equal(window.check(99), false);
    assert.equal(window.check(98), true);
  });

  it("forgets everything when it jumps far ahead, but still rejects what fell out", () => {
    const window = new ReplayWindow(1024);
    for (let i = 0; i < 2000; i += 3) window.update(i);
    window.update(1_000_000);
    assert.equal(window.check(1_000_000 - 1023), true);
    assert.equal(window.check(1_000_000 - 1024), false);
    assert.equal(window.check(1998), false);
  });

  it("works near 2^53 - 1", () => {
    const window = new ReplayWindow(32);
    const top = Number.MAX_SAFE_INTEGER;
    window.update(top - 40);
    window.update(top);
    assert.equal(window.check(top), false);
    assert.equal(window.check(top - 31), true);
    assert.equal(window.check(top - 32), false);
    window.update(top - 31);
    assert.equal(window.check(top - 31), false);
  });

  it("check() is false and update() throws RangeError for non-counts and rejected counts", () => {
    const window = new ReplayWindow();
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Infinity]) {
      assert.equal(window.check(bad), false, String(bad));
      assert.throws(() => window.update(bad), RangeError);
    }
    window.update(5);
    assert.throws(() => window.update(5), RangeError);
  });

  it("rejects sizes that are not integers from 1 to 2^20", () => {
    for (const size of [0, -5, 1.5, 2 ** 20 + 1]) {
      assert.throws(() => new ReplayWindow(size), RangeError, String(size));
    }
  });

  it("agrees with a Set model on every two updates followed by every check, for small sizes", () => {
    const limit = 100;
    for (const size of [1, 2, 31, 32, 33, 64]) {
      for (let a = 0; a <= limit; a++) {
        for (let b = 0; b <= limit; b++) {
          const window = new ReplayWindow(size);
          const model = new NaiveWindow(size);
          for (const count of [a, b]) {
            if (model.check(count)) {
              window.update(count);
              model.update(count);
            }
          }
          for (let c = 0; c <= limit; c++) {
            if (window.check(c) !== model.check(c)) {
              assert.fail(
                `size ${size}: after ${a}, ${b} the window says ${!model.check(c)} for ${c}`,
              );
            }
          }
        }
      }
    }
  });

  it("agrees with a Set model on random arrivals (reorder, duplicates, slides)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 31, 32, 33, 64, 100, 1024),
        fc.array(fc.integer({ min: -80, max: 40 }), { maxLength: 400 }),
        (size, offsets) => compare(size, 0, offsets),
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with a Set model on large jumps, around block edges and near 2^53", () => {
    const offset = fc.oneof(
      fc.integer({ min: -40, max: 3 }),
      fc.integer({ min: -1100, max: 1100 }),
      fc.constantFrom(-1024, -1023, -96, -33, -32, -31, 1, 31, 32, 33, 1023, 1024, 1025, 5000),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(0, 2 ** 32 - 50, Number.MAX_SAFE_INTEGER - 3000),
        fc.constantFrom(32, 96, 1024),
        fc.array(offset, { maxLength: 300 }),
        (start, size, offsets) => compare(size, start, offsets),
      ),
      { numRuns: 300 },
    );
  });
});
