import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ackFrameSize,
  decodeFrames,
  FrameType,
  type MessageFrame,
  messageFrameSize,
  writeAck,
  writeMessage,
} from "../../../plugins/connection/frames.ts";
import { connectionPair } from "./_helpers.ts";
import { build } from "./_helpers.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

const REASONS = [
  "frame-empty",
  "frame-type",
  "frame-truncated",
  "frame-overrun",
  "frame-count",
  "frame-ack",
];

const messageArb = fc.record({
  type: fc.constantFrom(
    FrameType.ORDERED,
    FrameType.UNORDERED,
    FrameType.SEQUENCED,
    FrameType.UNRELIABLE,
  ),
  channel: fc.integer({ min: 0, max: 255 }),
  customId: fc.integer({ min: 0, max: 0xffff }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  data: fc.uint8Array({ maxLength: 40 }),
}).map((m) => (m.type === FrameType.UNRELIABLE ? { ...m, seq: 0 } : m));

/** Disjoint, non-adjacent ranges, highest first. */
const rangesArb = fc.array(
  fc.tuple(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 0, max: 1_000 })),
  { minLength: 1, maxLength: 32 },
).map((pairs) => {
  let last = 2 ** 40;
  return pairs.map(([gap, length]) => {
    const range = { first: last - length, last };
    last = range.first - gap - 1;
    return range;
  });
});

function encode(
  messages: MessageFrame[],
  ack?: { delay: number; ranges: { first: number; last: number }[] },
) {
  const size = messages.reduce((n, m) => n + messageFrameSize(m.type, m.data.length), 0) +
    (ack ? ackFrameSize(ack.ranges) : 0);
  const out = new Uint8Array(size);
  let at = ack ? writeAck(out, 0, ack) : 0;
  for (const m of messages) at = writeMessage(out, at, m, m.data);
  return out;
}

describe("FRAMED inner framing (fuzzed)", () => {
  it("decodes what it encodes: message frames and an ACK frame", () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 30 }),
        fc.option(rangesArb, { nil: undefined }),
        fc.integer({ min: 0, max: 600 }),
        (messages, ranges, delayTicks) => {
          const ack = ranges && { delay: delayTicks / 100, ranges };
          const decoded = decodeFrames(encode(messages, ack));
          assert.ok(typeof decoded !== "string", String(decoded));
          assert.deepEqual(decoded.messages, messages.map((m) => ({ ...m })));
          assert.deepEqual(
            decoded.ack,
            ack && { ...ack, ranges: ack.ranges.map((r) => ({ ...r })) },
          );
          const reliable = messages.some((m) => m.type <= FrameType.UNORDERED);
          assert.equal(decoded.ackEliciting, reliable);
        },
      ),
    );
  });

  it("decodes ACK frames one after another into one frame given, as into new ones", () => {
    const into = { delay: 0, ranges: [] as { first: number; last: number }[] };
    fc.assert(
      fc.property(fc.array(rangesArb, { minLength: 1, maxLength: 6 }), (acks) => {
        for (const ranges of acks) {
          const decoded = decodeFrames(encode([], { delay: 0.5, ranges }), into);
          assert.ok(typeof decoded !== "string", String(decoded));
          assert.equal(decoded.ack, into);
          assert.deepEqual(into, { delay: 0.5, ranges: ranges.map((r) => ({ ...r })) });
        }
      }),
    );
  });

  it("never throws on arbitrary bytes: a decoded list or a named reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeFrames(bytes);
        if (typeof decoded === "string") assert.ok(REASONS.includes(decoded), decoded);
        else {
          let used = decoded.ack ? ackFrameSize(decoded.ack.ranges) : 0;
          for (const m of decoded.messages) used += messageFrameSize(m.type, m.data.length);
          assert.ok(used <= bytes.length);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("a valid payload cut inside a frame, or with a byte flipped in a length, is refused whole", () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 10 }),
        fc.nat(),
        (messages, cutAt) => {
          const bytes = encode(messages);
          const boundaries = new Set([0]);
          let at = 0;
          for (const m of messages) boundaries.add(at += messageFrameSize(m.type, m.data.length));
          const cut = cutAt % bytes.length;
          const decoded = decodeFrames(bytes.subarray(0, cut));
          if (boundaries.has(cut)) return;
          assert.ok(
            decoded === "frame-truncated" || decoded === "frame-overrun",
            `cut at ${cut}: ${JSON.stringify(decoded)}`,
          );
        },
      ),
    );
  });

  it("a receiver fed random FRAMED payloads drops or delivers, never crashes", async () => {
    const p = connectionPair({
      pingInterval: 60_000,
      channels: ["reliable-ordered", "unreliable"],
    });
    const session = await p.connect();
    let delivered = 0;
    p.server.on("message", () => delivered++);
    let order = 1_000;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (payload) => {
        p.server.handleDatagram(
          build(session.clientId, { type: ConnectionPacket.FRAMED, order: order++, payload }),
          p.clientAddress,
        );
      }),
      { numRuns: 1_000 },
    );
    await p.net.drive();
    const dropped = REASONS.reduce((n, r) => n + (p.server.stats.dropped[r] ?? 0), 0) +
      ["unknown-channel", "channel-mode", "reorder-window"].reduce(
        (n, r) => n + (p.server.stats.dropped[r] ?? 0),
        0,
      );
    assert.ok(dropped > 900, `dropped ${dropped}`);
    assert.ok(delivered >= 0);
    assert.equal(session.state, "open");
  });
});
