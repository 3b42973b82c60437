import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DecodeError } from "../../../core/errors.ts";
import { FrameReader } from "../../../transports/tcp/frame_reader.ts";

function packet(payloadLength: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(64 + payloadLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed + i * 31) & 0xff;
  bytes[52] = payloadLength >> 8;
  bytes[53] = payloadLength & 0xff;
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Splits `bytes` at the given cut points, reusing one scratch buffer as a socket read loop would. */
function feed(reader: FrameReader, bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const scratch = new Uint8Array(bytes.length);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    scratch.set(bytes.subarray(from, to));
    reader.push(scratch.subarray(0, to - from), (p) => out.push(p.slice()));
    scratch.fill(0xee); // the reader must not rely on a chunk after push() returns
    from = to;
  }
  return out;
}

describe("FrameReader", () => {
  it("push() yields the same packets for any chunking of the stream", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (lengths, cuts) => {
          const packets = lengths.map((n, i) => packet(n, i));
          const got = feed(new FrameReader(), concat(packets), cuts);
          assert.deepEqual(got, packets);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("push() handles one-byte chunks and maximum-size packets", () => {
    const packets = [packet(65_443, 1), packet(0, 2), packet(65_443, 3)];
    const stream = concat(packets);
    const reader = new FrameReader();
    const got: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      reader.push(stream.subarray(i, i + 1), (p) => got.push(p.slice()));
    }
    reader.push(stream.subarray(200), (p) => got.push(p.slice()));
    assert.deepEqual(got, packets);
    assert.equal(reader.pending, 0);
  });

  it("push() keeps a partial packet pending until the rest arrives", () => {
    const reader = new FrameReader();
    const p = packet(10, 9);
    const got: Uint8Array[] = [];
    reader.push(p.subarray(0, 70), (x) => got.push(x));
    assert.equal(got.length, 0);
    assert.equal(reader.pending, 70);
  });

  it("push() throws THING_ERR_PAYLOAD_TOO_LARGE after emitting the good packets before it", () => {
    const good = packet(5, 1);
    const bad = new Uint8Array(64).fill(0xff);
    const reader = new FrameReader();
    const got: Uint8Array[] = [];
    assert.throws(
      () => reader.push(concat([good, bad]), (p) => got.push(p.slice())),
      (e: unknown) =>
        e instanceof DecodeError && e.code === "THING_ERR_PAYLOAD_TOO_LARGE" &&
        e.offset === 69 + 52,
    );
    assert.deepEqual(got, [good]);
    assert.throws(() => reader.push(good, () => {}), DecodeError);
  });

  it("push() rejects a length above a lower maxPacketSize, even split across chunks", () => {
    const reader = new FrameReader(1000);
    const p = packet(1000, 4);
    reader.push(p.subarray(0, 30), () => {});
    assert.throws(() => reader.push(p.subarray(30), () => {}), DecodeError);
  });

  it("push() on random garbage either waits or fails with DecodeError, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.array(fc.nat()), (bytes, cuts) => {
        try {
          feed(new FrameReader(), bytes, cuts);
        } catch (error) {
          assert.ok(error instanceof DecodeError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
