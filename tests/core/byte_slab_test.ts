import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteSlab, uninitializedBytes } from "../../core/byte_slab.ts";

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

describe("uninitializedBytes()", () => {
  it("uninitializedBytes() is a plain Uint8Array owning a buffer of exactly its size", () => {
    for (const size of [0, 1, 4097, 70_000]) {
      const bytes = uninitializedBytes(size);
      assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype);
      assert.equal(bytes.length, size);
      assert.equal(bytes.byteOffset, 0);
      assert.equal(bytes.buffer.byteLength, size);
    }
  });

  it("copy() above maxTake returns equal bytes in a buffer of their own", () => {
    const slab = new ByteSlab(100, 40);
    const source = Uint8Array.from({ length: 60 }, (_, i) => i);
    const copied = slab.copy(source);
    assert.deepEqual(copied, source);
    assert.equal(copied.buffer.byteLength, 60);
    source[0] = 99;
    assert.equal(copied[0], 0);
  });
});
