import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WriteQueue } from "../../../transports/tcp/write_queue.ts";

describe("WriteQueue", () => {
  it("take() joins whole chunks up to the limit and keeps order", () => {
    const q = new WriteQueue();
    q.push(Uint8Array.of(1, 2));
    q.push(Uint8Array.of(3));
    q.push(Uint8Array.of(4, 5, 6));
    assert.equal(q.size, 6);
    assert.deepEqual(q.take(3), Uint8Array.of(1, 2, 3));
    assert.deepEqual(q.take(1), Uint8Array.of(4, 5, 6)); // one chunk even above the limit
    assert.equal(q.take(10), undefined);
    assert.equal(q.size, 0);
  });

  it("unshift() puts an unwritten tail back in front", () => {
    const q = new WriteQueue();
    q.push(Uint8Array.of(1, 2, 3));
    q.push(Uint8Array.of(4));
    const chunk = q.take(3)!;
    q.unshift(chunk.subarray(1));
    assert.equal(q.size, 3);
    assert.deepEqual(q.take(100), Uint8Array.of(2, 3, 4));
  });

  it("clear() empties the queue", () => {
    const q = new WriteQueue();
    q.push(new Uint8Array(10));
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.take(10), undefined);
  });
});
