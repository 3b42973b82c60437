import { test } from "node:test";
import assert from "node:assert/strict";
import { DIRECTORY_FULL, SharedDirectory } from "../../workers/directory.ts";

function id(n: number): Uint8Array {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(0, n);
  new DataView(bytes.buffer).setUint32(12, n * 7919);
  return bytes;
}

test("SharedDirectory.claim() gives a client ID to the first worker and names it to the next", () => {
  const directory = new SharedDirectory(8);
  assert.equal(directory.claim(id(1), 0), 0);
  assert.equal(directory.claim(id(1), 1), 0);
  assert.equal(directory.owner(id(1), 1), 0);
  assert.equal(directory.owner(id(2), 1), -1);
  assert.equal(directory.size, 1);
});

test("SharedDirectory.release() frees only the owner's claim", () => {
  const directory = new SharedDirectory(8);
  directory.claim(id(1), 0);
  directory.release(id(1), 1);
  assert.equal(directory.owner(id(1), 1), 0);
  directory.release(id(1), 0);
  assert.equal(directory.owner(id(1), 1), -1);
  assert.equal(directory.claim(id(1), 1), 1);
});

test("SharedDirectory a second view over the same buffer sees the same claims", () => {
  const directory = new SharedDirectory(8);
  directory.claim(id(5), 2);
  assert.equal(new SharedDirectory(directory.buffer).owner(id(5), 0), 2);
});

test("SharedDirectory.claim() reports DIRECTORY_FULL at capacity", () => {
  const directory = new SharedDirectory(4);
  for (let n = 0; n < directory.capacity; n++) assert.equal(directory.claim(id(n), 0), 0);
  assert.equal(directory.claim(id(999), 1), DIRECTORY_FULL);
  directory.release(id(0), 0);
  assert.equal(directory.claim(id(999), 1), 1);
});

test("SharedDirectory.releaseWorker() forgets a dead worker's IDs and frees its lock", () => {
  const directory = new SharedDirectory(64);
  for (let n = 0; n < 40; n++) directory.claim(id(n), n % 2);
  // Worker 1 died holding the lock.
  new Int32Array(directory.buffer)[0] = 2;
  assert.equal(directory.releaseWorker(1, 9), 20);
  for (let n = 0; n < 40; n++) assert.equal(directory.owner(id(n), 0), n % 2 === 0 ? 0 : -1);
});

test("SharedDirectory matches a Map through random claims and releases", () => {
  const directory = new SharedDirectory(256);
  const model = new Map<number, number>();
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 400;
  for (let step = 0; step < 20_000; step++) {
    const n = next();
    const worker = step % 3;
    if (step % 2 === 0 && model.size < directory.capacity) {
      const owner = directory.claim(id(n), worker);
      if (!model.has(n)) model.set(n, worker);
      assert.equal(owner, model.get(n));
    } else {
      directory.release(id(n), worker);
      if (model.get(n) === worker) model.delete(n);
    }
  }
  assert.equal(directory.size, model.size);
  for (let n = 0; n < 400; n++) assert.equal(directory.owner(id(n), 0), model.get(n) ?? -1);
});

test("SharedDirectory rejects a capacity out of range", () => {
  assert.throws(() => new SharedDirectory(0), RangeError);
  assert.throws(() => new SharedDirectory(1.5), RangeError);
  assert.throws(() => new SharedDirectory(2 ** 25), RangeError);
});
