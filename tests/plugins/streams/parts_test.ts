import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DecodeError } from "../../../core/errors.ts";
import { RangeSet } from "../../../reliability/mod.ts";
import {
  decodeAck,
  decodeReset,
  decodeStream,
  encodeAck,
  encodeReset,
  STREAM_HEADER_SIZE,
  writeStreamHeader,
} from "../../../plugins/streams/frames.ts";
import { PayloadPool } from "../../../plugins/streams/payload_pool.ts";
import { RecvStream } from "../../../plugins/streams/recv_stream.ts";

describe("streams frames", () => {
  it("decodeStream() reads what writeStreamHeader() wrote", () => {
    const payload = new Uint8Array(STREAM_HEADER_SIZE + 3);
    writeStreamHeader(payload, 2 ** 40 + 5, true);
    payload.set([1, 2, 3], STREAM_HEADER_SIZE);
    const frame = decodeStream(payload);
    assert.equal(frame.offset, 2 ** 40 + 5);
    assert.equal(frame.fin, true);
    assert.deepEqual([...frame.data], [1, 2, 3]);
  });

  it("decodeAck() round-trips ranges and rejects disorder, overlap and truncation", () => {
    const ranges = [{ first: 10, last: 12 }, { first: 3, last: 5 }, { first: 0, last: 0 }];
    assert.deepEqual(decodeAck(encodeAck({ delayMicros: 250, ranges })), {
      delayMicros: 250,
      ranges,
    });
    const adjacent = encodeAck({
      delayMicros: 0,
      ranges: [{ first: 6, last: 9 }, { first: 3, last: 5 }],
    });
    assert.throws(() => decodeAck(adjacent), DecodeError);
    const ascending = encodeAck({
      delayMicros: 0,
      ranges: [{ first: 0, last: 1 }, { first: 5, last: 6 }],
    });
    assert.throws(() => decodeAck(ascending), DecodeError);
    assert.throws(() => decodeAck(ascending.subarray(0, 10)), DecodeError);
    assert.throws(
      () => decodeReset(encodeReset({ code: 1, finalSize: 2 }).subarray(0, 11)),
      DecodeError,
    );
  });

  it("every decoder throws only DecodeError on arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      for (const decode of [decodeStream, decodeAck, decodeReset]) {
        try {
          decode(bytes);
        } catch (error) {
          assert.ok(error instanceof DecodeError, String(error));
        }
      }
    }));
  });
});

describe("RangeSet", () => {
  it("matches a plain set under random adds and removes", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.nat(60), fc.nat(8)), { maxLength: 60 }),
      (ops) => {
        const set = new RangeSet();
        const model = new Set<number>();
        for (const [add, start, length] of ops) {
          if (add) {
            let fresh = 0;
            for (let i = start; i < start + length; i++) if (!model.has(i)) (model.add(i), fresh++);
            assert.equal(set.add(start, start + length), fresh);
          } else {
            set.remove(start, start + length);
            for (let i = start; i < start + length; i++) model.delete(i);
          }
        }
        for (let i = 0; i < 80; i++) assert.equal(set.has(i), model.has(i), `member ${i}`);
        for (let r = 1; r < set.size; r++) assert.ok(set.starts[r]! > set.ends[r - 1]!);
      },
    ));
  });
});

describe("RecvStream", () => {
  it("reassembles shuffled, duplicated, overlapping pieces in order without holding duplicates", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(990), fc.integer({ min: 1, max: 40 })), { maxLength: 80 }),
        (pieces) => {
          const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
          const recv = new RecvStream(4096, 4096);
          for (const [offset, length] of [...pieces, [0, 1000] as [number, number]]) {
            const end = Math.min(1000, offset + length);
            const result = recv.receive(offset, data.subarray(offset, end), end === 1000);
            assert.ok(result.ok);
            assert.ok(recv.buffered <= 1000);
          }
          const out: number[] = [];
          for (let chunk = recv.read(); chunk; chunk = recv.read()) out.push(...chunk);
          assert.deepEqual(out, [...data]);
          assert.equal(recv.finished, true);
        },
      ),
    );
  });

  it("keeps a large piece in its own buffer as a view and copies a piece of a shared buffer", () => {
    const recv = new RecvStream(1 << 20, 1 << 20);
    // A decrypted payload: a 20-byte frame header, then 60,000 bytes of data.
    const packet = Uint8Array.from({ length: 60_020 }, (_, i) => i & 0xff);
    const own = packet.subarray(20);
    // Out of order first (held pending), then the piece before it.
    assert.ok(recv.receive(60_000, own, false).ok);
    const slab = new Uint8Array(65_536).fill(9);
    const small = slab.subarray(1_000, 1_000 + 60_000);
    assert.ok(recv.receive(0, small, false).ok);
    const first = recv.read();
    assert.ok(first);
    assert.equal(first.length, 60_000);
    assert.notEqual(first.buffer, slab.buffer);
    assert.ok(first.every((b) => b === 9));
    slab.fill(1);
    assert.equal(first[0], 9);
    const second = recv.read();
    assert.ok(second);
    assert.equal(second.buffer, packet.buffer);
    assert.deepEqual(second, own);
    assert.equal(recv.read(), undefined);
  });

  it("rejects data past its limit and a changed final size", () => {
    const recv = new RecvStream(100, 100);
    assert.equal(recv.receive(90, new Uint8Array(11), false).ok, false);
    assert.equal(recv.receive(0, new Uint8Array(10), true).ok, true);
    assert.equal(recv.receive(0, new Uint8Array(12), true).ok, false);
  });
});

describe("streams PayloadPool", () => {
  it("hands a buffer out again only after its release, and keeps at most `keep` spare", () => {
    const pool = new PayloadPool(100, 2);
    const a = pool.take();
    const b = pool.take();
    assert.equal(a.bytes.length, 100);
    assert.notEqual(a.bytes.buffer, b.bytes.buffer);
    a.release();
    a.release(); // a second release is ignored: the buffer is not listed twice
    const c = pool.take();
    assert.equal(c.bytes.buffer, a.bytes.buffer);
    assert.notEqual(pool.take().bytes.buffer, a.bytes.buffer);
    const d = pool.take();
    const e = pool.take();
    for (const slot of [b, c, d, e]) slot.release();
    const again = [pool.take(), pool.take(), pool.take()].map((slot) => slot.bytes.buffer);
    assert.deepEqual(again.slice(0, 2), [d.bytes.buffer, c.bytes.buffer]);
    assert.ok(![b, c, d, e].some((slot) => slot.bytes.buffer === again[2]));
  });

  it("keeps a buffer out of the pool when the encoded packet was built in it", () => {
    const pool = new PayloadPool(100);
    const a = pool.take();
    a.release(a.bytes.subarray(0, 10));
    assert.notEqual(pool.take().bytes.buffer, a.bytes.buffer);
  });
});
