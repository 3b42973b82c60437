import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DecodeError } from "../../../core/errors.ts";
import {
  encodeAck,
  encodeReset,
  encodeStop,
  encodeStreamCount,
  encodeStreamLimit,
  FrameType,
  STREAM_HEADER_SIZE,
  writeStreamHeader,
} from "../../../plugins/streams/frames.ts";
import type { StreamState } from "../../../plugins/streams/stream.ts";
import { wiredConnection } from "./_wire.ts";

/** A frame a hostile peer might send: well-formed or not, for any stream ID. */
const hostileFrame = fc.oneof(
  fc.record({
    type: fc.integer({ min: FrameType.STREAM, max: FrameType.STREAMS_BLOCKED }),
    payload: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({
    id: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 2 ** 53 - 1 })),
    offset: fc.integer({ min: 0, max: 2 ** 20 }),
    length: fc.integer({ min: 0, max: 64 }),
    fin: fc.boolean(),
  }).map(({ id, offset, length, fin }) => {
    const payload = new Uint8Array(STREAM_HEADER_SIZE + length);
    writeStreamHeader(payload, id, offset, fin);
    return { type: FrameType.STREAM as number, payload };
  }),
  fc.record({
    id: fc.integer({ min: 0, max: 64 }),
    n: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
    kind: fc.integer({ min: 0, max: 4 }),
  }).map(({ id, n, kind }) => {
    const code = n % 2 ** 32;
    const frames = [
      { type: FrameType.RESET_STREAM, payload: encodeReset({ id, code, finalSize: n }) },
      { type: FrameType.STOP_SENDING, payload: encodeStop({ id, code }) },
      { type: FrameType.MAX_STREAM_DATA, payload: encodeStreamLimit({ id, limit: n }) },
      { type: FrameType.MAX_STREAMS, payload: encodeStreamCount({ uni: id % 2 === 1, count: n }) },
      {
        type: FrameType.STREAMS_BLOCKED,
        payload: encodeStreamCount({ uni: id % 2 === 1, count: n }),
      },
    ];
    return frames[kind]!;
  }),
);

describe("streams() bad input", () => {
  it("answers any sequence of hostile frames with DecodeError or an ended session, never a crash", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(hostileFrame, { maxLength: 40 }), (client, frames) => {
        const w = wiredConnection({}, client);
        if (client) w.conn.openStream(true);
        w.conn.onStream = (state) => void w.conn.read(state);
        for (const [pn, frame] of frames.entries()) {
          try {
            w.conn.handle(frame.type, pn, frame.payload);
            w.conn.flush();
          } catch (error) {
            assert.ok(error instanceof DecodeError, String(error));
          }
        }
        assert.ok(w.conn.streamCount <= 200, `${w.conn.streamCount} streams`);
      }),
      { numRuns: 300 },
    );
  });

  it("ends the session for a RESET_STREAM whose final size passes the stream's or the session's limit", () => {
    const w = wiredConnection();
    w.receive(FrameType.RESET_STREAM, encodeReset({ id: 0, code: 1, finalSize: 262_145 }));
    assert.match(w.failures[0]!, /Stream 0: reset with a final size past the stream limit/);
    // Four unread streams fill the session's 1 MiB; a reset that claims one byte more is too many.
    const full = new Uint8Array(STREAM_HEADER_SIZE + 262_144);
    for (let i = 1; i <= 4; i++) {
      writeStreamHeader(full, 4 * i, 0, false);
      w.receive(FrameType.STREAM, full);
    }
    assert.equal(w.failures.length, 1);
    w.receive(FrameType.RESET_STREAM, encodeReset({ id: 20, code: 1, finalSize: 1 }));
    assert.equal(w.failures.length, 2);
    assert.match(w.failures[1]!, /Session flow control: 1048577 bytes past the limit 1048576/);
  });

  it("sends a PING on a probe timeout whose oldest frame is moot, so an ACK comes back", () => {
    const w = wiredConnection();
    let state: StreamState | undefined;
    w.conn.onStream = (s) => void (state = s);
    const data = new Uint8Array(STREAM_HEADER_SIZE + 200_000);
    writeStreamHeader(data, 0, 0, false);
    w.receive(FrameType.STREAM, data);
    while (w.conn.read(state!)) { /* the application reads it all */ }
    w.conn.flush(); // MAX_STREAM_DATA: the oldest packet in flight
    const fin = new Uint8Array(STREAM_HEADER_SIZE);
    writeStreamHeader(fin, 0, 200_000, true);
    w.receive(FrameType.STREAM, fin);
    assert.equal(w.conn.read(state!), undefined);
    assert.ok(state!.recvDone, "the receiving half is over: the MAX_STREAM_DATA is moot");
    w.conn.write(state!, new Uint8Array(10));
    w.conn.finish(state!);
    w.conn.flush();
    // The peer acknowledges only the MAX_DATA sent just before the MAX_STREAM_DATA, then nothing.
    const maxData = w.sent.findIndex((f) => f.type === FrameType.MAX_DATA);
    assert.equal(w.sent[maxData + 1]!.type, FrameType.MAX_STREAM_DATA);
    w.receive(
      FrameType.ACK,
      encodeAck({ delayMicros: 0, ranges: [{ first: maxData, last: maxData }] }),
    );
    const before = w.sent.length;
    w.advance(2_000);
    const probes = w.sent.slice(before).map((f) => f.type).filter((t) => t !== FrameType.ACK);
    assert.ok(probes.length > 0, "the probe timeout sent nothing");
    assert.ok(probes.every((type) => type !== FrameType.MAX_STREAM_DATA));
  });
});
