import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePacket } from "../../core/mod.ts";
import { FramePool, framePool, MAX_SPARE_BYTES } from "../../core/frame_pool.ts";
import { pair } from "../../core/testing/mod.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";
import { controls } from "../_controls.ts";
import { helloDialect } from "../_hello_dialect.ts";

describe("FramePool", () => {
  it("a released buffer serves the next take of its size, once", () => {
    const pool = new FramePool();
    const first = pool.take(10_000);
    assert.equal(first.buffer.byteLength, 10_000);
    const release = pool.releaser(first)!;
    assert.equal(pool.releaser(first), undefined, "one release per lease");
    release();
    release();
    assert.equal(pool.spares(10_000), 1, "a second call gives nothing back");
    const again = pool.take(10_000);
    assert.equal(again.buffer, first.buffer);
    assert.equal(pool.spares(10_000), 0);
    assert.notEqual(pool.take(10_000).buffer, first.buffer, "not handed out twice");
    release();
    assert.equal(pool.spares(10_000), 0, "an old release does not return the new lease");
  });

  it("gives no release for a part of a buffer or one it never leased", () => {
    const pool = new FramePool();
    assert.equal(pool.releaser(pool.take(8_000).subarray(1)), undefined);
    assert.equal(pool.releaser(new Uint8Array(8_000)), undefined);
  });

  it("keeps a bounded number of spares per size and of sizes", () => {
    const pool = new FramePool();
    const releases = Array.from({ length: 40 }, () => pool.releaser(pool.take(5_000))!);
    for (const release of releases) release();
    assert.equal(pool.spares(5_000), 32);
    for (const size of [6_000, 7_000, 8_000, 9_000]) pool.releaser(pool.take(size))!();
    assert.equal(pool.spares(5_000), 0, "the size given back least recently made room");
    assert.equal(pool.spares(9_000), 1);
  });

  it(`keeps at most ${MAX_SPARE_BYTES} bytes of spares in all`, () => {
    const pool = new FramePool();
    const giveBack = (size: number, count: number) => {
      const releases = Array.from({ length: count }, () => pool.releaser(pool.take(size))!);
      for (const release of releases) release();
    };
    giveBack(65_000, 32);
    giveBack(64_000, 32);
    giveBack(63_000, 2);
    assert.equal(pool.spares(63_000), 1, "the second would pass the limit");
    pool.take(65_000);
    giveBack(63_000, 2);
    assert.equal(pool.spares(63_000), 2, "a spare taken makes room");
  });

  it("keeps the size given back all along while odd sizes come and go", () => {
    const pool = new FramePool();
    for (let odd = 1; odd <= 20; odd++) {
      pool.releaser(pool.take(65_507))!();
      pool.releaser(pool.take(4_096 + odd))!();
    }
    assert.equal(pool.spares(65_507), 1);
    assert.equal(pool.spares(4_096 + 20), 1);
    assert.equal(pool.spares(4_096 + 1), 0);
  });
});

const dialect = helloDialect("test:frames");

describe("Endpoint and the frame pool", () => {
  it("a large packet's transmit can release its buffer, unless an onEncoded hook may keep it", async () => {
    const c = controls();
    const p = pair({ plugins: [dialect, c.plugin] });
    const session = c.of(await p.connect());
    const payload = new Uint8Array(20_000).fill(5);
    const send = (extra: object = {}) => {
      session.sendPacket({ type: ConnectionPacket.HELLO, payload, ...extra });
      return p.client.pollTransmit()!;
    };
    const kept: Uint8Array[] = [];
    assert.equal(send({ onEncoded: (b: Uint8Array) => kept.push(b) }).release, undefined);
    assert.equal(kept.length, 1);
    const borrowed = send({ onEncoded: () => {}, borrowsEncoded: true });
    assert.equal(typeof borrowed.release, "function");
    session.sendPacket({ type: ConnectionPacket.HELLO, payload: new Uint8Array(100) });
    assert.equal(p.client.pollTransmit()!.release, undefined, "slab packets are never reused");

    const plain = send();
    const bytes = plain.bytes;
    const copy = bytes.slice();
    const spares = framePool.spares(bytes.length);
    plain.release!();
    assert.equal(framePool.spares(bytes.length), spares + 1);
    const next = send();
    assert.equal(next.bytes.buffer, bytes.buffer, "the next packet of that size is built in it");
    assert.deepEqual(decodePacket(next.bytes).payload, payload);
    assert.notDeepEqual(next.bytes, copy, "its own order count and checksum");
  });
});
