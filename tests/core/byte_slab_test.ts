import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteSlab } from "../../core/byte_slab.ts";

describe("ByteSlab", () => {
  it("take() hands out zero-filled views that never overlap, across slabs", () => {
    const slab = new ByteSlab(100, 40);
    const views: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) {
      const view = slab.take(30);
      assert.equal(view.length, 30);
      assert.ok(view.every((b) => b === 0));
      view.fill(i + 1);
      views.push(view);
    }
    // Every view still holds what was written into it: no byte was handed out twice.
    views.forEach((view, i) => assert.ok(view.every((b) => b === i + 1), `view ${i}`));
    assert.equal(views[0]!.buffer, views[2]!.buffer);
    assert.notEqual(views[0]!.buffer, views[3]!.buffer);
  });

  it("take() gives requests above maxTake a buffer of their own", () => {
    const slab = new ByteSlab(100, 40);
    const big = slab.take(41);
    assert.equal(big.length, 41);
    assert.equal(big.buffer.byteLength, 41);
    assert.equal(slab.take(0).length, 0);
  });

  it("copy() returns equal bytes in a new view", () => {
    const slab = new ByteSlab();
    const source = new Uint8Array([1, 2, 3, 4]);
    const copied = slab.copy(source);
    assert.deepEqual([...copied], [1, 2, 3, 4]);
    source[0] = 9;
    assert.equal(copied[0], 1);
  });

  it("rejects a maxTake that does not fit a slab", () => {
    assert.throws(() => new ByteSlab(100, 100), RangeError);
    assert.throws(() => new ByteSlab(100, -1), RangeError);
  });
});

describe("ByteSlab alignment", () => {
  it("take() starts every view on an 8-byte boundary", () => {
    const slab = new ByteSlab(1000, 500);
    for (const size of [1, 3, 67, 8, 13]) assert.equal(slab.take(size).byteOffset % 8, 0);
  });
});
