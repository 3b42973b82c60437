import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ThingError } from "../../../core/errors.ts";
import { pair } from "../../../core/testing/mod.ts";
import { connection, ConnectionPacket } from "../../../plugins/connection/mod.ts";
import { FRAMED_EXTENSION } from "../../../plugins/connection/channels.ts";
import { FramedReceive } from "../../../plugins/connection/framed_receive.ts";
import { decodeFrames } from "../../../plugins/connection/frames.ts";
import { parseDataOptions } from "../../../plugins/connection/options.ts";
import { build, connectionPair, settle, type TappedPair, text, utf8 } from "./_helpers.ts";

const quiet = { pingInterval: 60_000 };
const FRAMED = ConnectionPacket.FRAMED;

/** A message frame: type, channel, custom ID, (seq), length, data. */
function frame(type: number, channel: number, seq: number, data: Uint8Array): Uint8Array {
  const header = type === 4 ? 6 : 10;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  out[0] = type;
  out[1] = channel;
  view.setUint16(2, 7);
  if (type !== 4) view.setUint32(4, seq);
  view.setUint16(header - 2, data.length);
  out.set(data, header);
  return out;
}

const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) (out.set(part, at), at += part.length);
  return out;
};

describe("connection() framed data: negotiation and the seed path", () => {
  it("negotiates FRAMED packets in HELLO/ACCEPT and sends no seed DATA packets", async () => {
    const p = connectionPair(quiet);
    const got: string[] = [];
    p.server.on("message", ({ data, channel, customId, reliable }) => {
      got.push(`${text(data)}/${channel}/${customId}/${reliable}`);
    });
    const session = await p.connect();
    await settle(p, session.send(utf8("a"), { customId: 9 }));
    await settle(p, session.send(utf8("b"), { reliable: false }));
    await p.net.drive();
    assert.deepEqual(got, ["a/0/9/true", "b/0/0/false"]);
    const types = p.up.types();
    assert.ok(types.includes(FRAMED));
    assert.ok(
      !types.includes(ConnectionPacket.DATA_ACK) && !types.includes(ConnectionPacket.DATA_NOACK),
    );
    assert.ok(!p.down.types().includes(ConnectionPacket.ACK));
    const hello = p.up.seen.find((packet) => packet.type === ConnectionPacket.HELLO)!;
    assert.deepEqual([...hello.payload.subarray(8)], [0, FRAMED_EXTENSION, 0, 0]);
    const accept = p.down.seen.find((packet) => packet.type === ConnectionPacket.ACCEPT)!;
    assert.deepEqual([...accept.payload], [0, FRAMED_EXTENSION, 0, 0]);
  });

  for (
    const [name, client, server] of [
      ["a framed client and a seed-only server", {}, { framed: false }],
      ["a seed-only client and a framed server", { framed: false }, {}],
    ] as const
  ) {
    it(`${name} talk with seed DATA_ACK/ACK and DATA_NOACK, never FRAMED`, async () => {
      const p = pair({
        clientPlugins: connection({ ...quiet, ...client }),
        serverPlugins: connection({ ...quiet, ...server }),
      });
      const seen: number[] = [];
      p.net.setFate(p.clientAddress, p.serverAddress, {
        plan: (bytes, now) => (seen.push(bytes[48]!), [{ bytes, at: now + 1 }]),
      });
      p.net.setFate(p.serverAddress, p.clientAddress, {
        plan: (bytes, now) => (seen.push(bytes[48]!), [{ bytes, at: now + 1 }]),
      });
      const got: string[] = [];
      p.server.on("message", ({ data, reliable }) => got.push(`${text(data)}/${reliable}`));
      p.server.on("message", ({ session, data }) => void session.send(data));
      const echoes: string[] = [];
      p.client.on("message", ({ data }) => echoes.push(text(data)));
      const s = await p.connect();
      await settle(p, s.send(utf8("r")));
      await settle(p, s.send(utf8("u"), { reliable: false }));
      await p.net.drive();
      assert.deepEqual(got, ["r/true", "u/false"]);
      assert.deepEqual(echoes, ["r", "u"]);
      assert.ok(!seen.includes(FRAMED));
      assert.ok(seen.includes(ConnectionPacket.DATA_ACK) && seen.includes(ConnectionPacket.ACK));
    });
  }

  it("a FRAMED packet on a session that did not negotiate it is dropped (not-negotiated)", async () => {
    const p = pair({
      clientPlugins: connection({ ...quiet, framed: false }),
      serverPlugins: connection(quiet),
    });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    p.server.handleDatagram(
      build(session.clientId, { type: FRAMED, order: 50, payload: frame(4, 0, 0, utf8("x")) }),
      p.clientAddress,
    );
    await p.net.drive();
    assert.deepEqual(got, []);
    assert.equal(p.server.stats.dropped["not-negotiated"], 1);
  });
});

describe("connection() framed data: coalescing", () => {
  it("packs the messages and ACKs of one tick into one packet each way", async () => {
    const p = connectionPair(quiet);
    const session = await p.connect();
    const before = p.up.seen.length;
    const got: string[] = [];
    p.server.on(
      "message",
      ({ data, channel, customId }) => got.push(`${text(data)}@${channel}#${customId}`),
    );
    const sends = Array.from(
      { length: 20 },
      (_, i) => session.send(utf8(`m${i}`), { customId: i }),
    );
    const unreliable = session.send(utf8("u"), { reliable: false, customId: 99 });
    await settle(p, Promise.all([...sends, unreliable]));
    assert.equal(p.up.seen.length - before, 1, "one FRAMED packet for 21 messages");
    assert.equal(p.down.types().filter((t) => t === FRAMED).length, 1, "one ACK frame for it");
    assert.deepEqual(got, [...Array.from({ length: 20 }, (_, i) => `m${i}@0#${i}`), "u@0#99"]);
  });

  it("splits at packetSize; a message larger than it goes alone", async () => {
    const p = connectionPair({ ...quiet, packetSize: 100 });
    const session = await p.connect();
    const before = p.up.seen.length;
    const small = Array.from({ length: 9 }, () => session.send(new Uint8Array(40)));
    const big = session.send(new Uint8Array(500));
    await settle(p, Promise.all([...small, big]));
    const sizes = p.up.seen.slice(before).map((packet) => packet.payload.length);
    assert.deepEqual(sizes, [100, 100, 100, 100, 50, 510]);
  });

  it(`flush: "immediate" sends each message at once in its own packet`, async () => {
    const p = connectionPair({ ...quiet, flush: "immediate" });
    const session = await p.connect();
    const before = p.up.seen.length;
    await settle(p, Promise.all(Array.from({ length: 5 }, () => session.send(utf8("x")))));
    assert.equal(p.up.seen.length - before, 5);
  });

  it("cork() holds messages across ticks until uncork() sends them together", async () => {
    const p = connectionPair({ ...quiet, flush: "immediate" });
    const session = await p.connect();
    const before = p.up.seen.length;
    session.cork();
    const sends = [session.send(utf8("a"))];
    await p.net.runFor(10);
    sends.push(session.send(utf8("b")), session.send(utf8("c"), { reliable: false }));
    await p.net.runFor(10);
    assert.equal(p.up.seen.length, before, "nothing left while corked");
    session.uncork();
    await settle(p, Promise.all(sends));
    assert.equal(p.up.seen.length - before, 1);
  });
});

describe("connection() framed data: bad input", () => {
  async function receiving(
    payloads: Uint8Array[],
    channels?: ("reliable-ordered" | "unreliable")[],
  ) {
    const p = connectionPair({ ...quiet, ...(channels ? { channels } : {}) });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    let order = 100;
    for (const payload of payloads) {
      p.server.handleDatagram(
        build(session.clientId, { type: FRAMED, order: order++, payload }),
        p.clientAddress,
      );
    }
    await p.net.drive();
    return { p, got };
  }

  it("drops the whole packet, delivering none of it, when one frame is broken", async () => {
    const good = frame(4, 0, 0, utf8("good"));
    const overrun = frame(4, 0, 0, utf8("abc"));
    new DataView(overrun.buffer).setUint16(4, 200);
    const cases: [string, Uint8Array][] = [
      ["frame-overrun", join(good, overrun)],
      ["frame-truncated", join(good, frame(1, 0, 0, utf8("")).subarray(0, 7))],
      ["frame-type", join(good, Uint8Array.of(0x00))],
      ["frame-type", join(good, Uint8Array.of(0x7f, 1, 2, 3))],
      ["frame-empty", new Uint8Array(0)],
      ["frame-count", join(...Array.from({ length: 1_025 }, () => frame(4, 0, 0, utf8(""))))],
      ["frame-ack", join(good, Uint8Array.of(0x10, 0, 0, 0, ...new Uint8Array(12)))],
      ["unknown-channel", join(good, frame(4, 9, 0, utf8("x")))],
      ["channel-mode", join(good, frame(3, 0, 0, utf8("x")))],
      ["reorder-window", join(good, frame(1, 0, 5_000, utf8("x")))],
    ];
    const { p, got } = await receiving(cases.map(([, payload]) => payload));
    assert.deepEqual(got, []);
    const expected: Record<string, number> = {};
    for (const [reason] of cases) expected[reason] = (expected[reason] ?? 0) + 1;
    for (const [reason, count] of Object.entries(expected)) {
      assert.equal(p.server.stats.dropped[reason], count, reason);
    }
  });

  it("takes a packet once: a repeat is dropped (duplicate), an ancient one too (stale-order)", async () => {
    const p = connectionPair(quiet);
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    const send = (order: number, data: string) =>
      p.server.handleDatagram(
        build(session.clientId, { type: FRAMED, order, payload: frame(4, 0, 0, utf8(data)) }),
        p.clientAddress,
      );
    send(20_000, "new");
    send(20_000, "again");
    send(5, "ancient");
    await p.net.drive();
    assert.deepEqual(got, ["new"]);
    assert.equal(p.server.stats.dropped["duplicate"], 1);
    assert.equal(p.server.stats.dropped["stale-order"], 1);
  });

  it("refuses to send on a channel that is not configured, or a message too large to frame", async () => {
    const p = connectionPair(quiet);
    const session = await p.connect();
    await assert.rejects(
      session.send(utf8("x"), { channel: 3 }),
      /channel 3: it is not configured/,
    );
    await assert.rejects(session.send(utf8("x"), { channel: 256 }), /from 0 to 255/);
    await assert.rejects(session.send(new Uint8Array(65_418)), /the limit is 65417/);
  });

  it("a peer that never acknowledges: sends fail with a TimeoutError, nothing stays queued", async () => {
    const p = connectionPair({ ...quiet, pongTimeout: 600_000, maxRetransmits: 4 });
    const session = await p.connect();
    p.down.open = false;
    const failures: unknown[] = [];
    const sends = Array.from(
      { length: 50 },
      (_, i) => session.send(new Uint8Array(2_000).fill(i)).catch((error) => failures.push(error)),
    );
    await settle(p, Promise.all(sends), 600_000);
    assert.equal(failures.length, 50);
    for (const failure of failures) {
      assert.ok(
        failure instanceof ThingError && failure.code === "THING_ERR_TIMEOUT",
        String(failure),
      );
    }
    assert.ok(p.net.clock.now() < 120_000, `gave up after ${p.net.clock.now()} ms`);
  });
});

describe("connection() framed data: channels", () => {
  it("a loss stalls only its own ordered channel; the other delivers at once", async () => {
    let dropNext = false;
    const p = connectionPair({
      ...quiet,
      channels: ["reliable-ordered", "reliable-ordered"],
      flush: "immediate",
    }, {
      up: {
        plan: (bytes, now) => {
          if (!dropNext) return [{ bytes, at: now + 1 }];
          dropNext = false;
          return [];
        },
      },
    });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data, channel }) => got.push(`${text(data)}@${channel}`));
    dropNext = true;
    const a = session.send(utf8("a"), { channel: 0 });
    const b = session.send(utf8("b"), { channel: 1 });
    const a2 = session.send(utf8("a2"), { channel: 0 });
    await settle(p, Promise.all([a, b, a2]));
    // b arrived first, while a was being resent; a2 arrived before a and waited for it.
    assert.deepEqual(got, ["b@1", "a@0", "a2@0"]);
  });

  it("reliable: false sends unreliably on a reliable channel; customId travels unchanged", async () => {
    const p = connectionPair({
      ...quiet,
      channels: { 0: "reliable-ordered", 5: "unreliable-sequenced" },
    });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data, channel, customId, reliable }) => {
      got.push(`${text(data)}@${channel}#${customId}/${reliable}`);
    });
    await settle(p, session.send(utf8("r"), { customId: 3 }));
    await settle(p, session.send(utf8("u"), { reliable: false, customId: 4 }));
    await settle(p, session.send(utf8("s"), { channel: 5, customId: 65_535 }));
    await p.net.drive();
    assert.deepEqual(got, ["r@0#3/true", "u@0#4/false", "s@5#65535/false"]);
  });

  it("rejects bad channel options naming the option", () => {
    assert.throws(
      () => connection({ channels: ["reliable-ordered", "fast" as never] }),
      /channels/,
    );
    assert.throws(() => connection({ channels: { 300: "unreliable" } }), /channels/);
    assert.throws(() => connection({ packetSize: 10 }), /packetSize/);
  });
});

describe("connection() framed data: re-establishment", () => {
  it("in flight fails with THING_ERR_NOT_CONNECTED; sent while suspended goes after resume", async () => {
    const p = connectionPair({
      pingInterval: 500,
      pongTimeout: 1_600,
      timeout: 3_000,
      maxRetransmits: 30,
    });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    p.up.open = false;
    p.down.open = false;
    const inFlight = session.send(utf8("lost")).catch((error) => error);
    await p.net.runUntil(() => session.state === "connecting", 10_000);
    const queued = session.send(utf8("queued"));
    p.up.open = true;
    p.down.open = true;
    const failure = await settle(p, inFlight, 30_000);
    assert.ok(failure instanceof ThingError, String(failure));
    assert.equal(failure.code, "THING_ERR_NOT_CONNECTED");
    await settle(p, queued, 30_000);
    assert.deepEqual(got, ["queued"]);
  });
});

describe("connection() framed data: sends before the handshake finished", () => {
  for (const framed of [true, false]) {
    it(`wait, then go ${framed ? "framed" : "the seed way"} as the server decided`, async () => {
      let early: Promise<void> | undefined;
      const grab = {
        name: "test:send-early",
        setup(api: import("../../../core/plugin.ts").PluginApi) {
          api.onConnect((control) => {
            early = control.session.send(utf8("early"), { customId: 5 });
          });
        },
      };
      const p = pair({
        clientPlugins: [connection(quiet), grab],
        serverPlugins: connection({ ...quiet, framed }),
      });
      const types: number[] = [];
      p.net.setFate(p.clientAddress, p.serverAddress, {
        plan: (bytes, now) => (types.push(bytes[48]!), [{ bytes, at: now + 1 }]),
      });
      const got: string[] = [];
      p.server.on("message", ({ data, customId }) => got.push(`${text(data)}#${customId}`));
      await p.connect();
      await settle(p, early!);
      assert.deepEqual(got, ["early#5"]);
      const data = framed ? FRAMED : ConnectionPacket.DATA_ACK;
      assert.ok(types.includes(data), `sent as ${data}: ${types}`);
    });
  }
});

describe("connection() framed data: events", () => {
  it("emits retransmit (type FRAMED) for a resent message and rtt (FRAMED/ACK) from ACK frames", async () => {
    let dropNext = true;
    const p = connectionPair(quiet, {
      up: {
        plan: (bytes, now) => {
          if (bytes[48] !== FRAMED || !dropNext) return [{ bytes, at: now + 1 }];
          dropNext = false;
          return [];
        },
      },
    });
    const session = await p.connect();
    const events: string[] = [];
    p.client.on("retransmit", ({ type, attempt }) => events.push(`retransmit ${type} ${attempt}`));
    p.client.on("rtt", ({ exchange, rtt }) => events.push(`rtt ${exchange} ${rtt}`));
    await settle(p, session.send(utf8("lost once")));
    assert.deepEqual(events, [`retransmit ${FRAMED} 2`, "rtt FRAMED/ACK 2"]);
  });
});

describe("connection() framed data: ACK ranges", () => {
  /** The ranges of the ACK frame in the last FRAMED packet `tap` saw. */
  const lastAckRanges = (tap: TappedPair["up"]): number => {
    const last = tap.seen.filter((packet) => packet.type === FRAMED).at(-1)!;
    const decoded = decodeFrames(last.payload);
    assert.ok(typeof decoded !== "string", `a FRAMED packet that decodes: ${decoded}`);
    return decoded.ack?.ranges.length ?? 0;
  };

  it("keepalive PINGs and PONGs between messages leave no gaps: one range after 40 of them", async () => {
    const p = connectionPair({ pingInterval: 50 });
    const session = await p.connect();
    const echo = p.server.on("message", ({ session: s, data }) => s.send(data));
    const pings = () => p.up.types().filter((t) => t === ConnectionPacket.PING).length;
    const pongs = () => p.down.types().filter((t) => t === ConnectionPacket.PONG).length;
    for (let i = 0; i < 40; i++) {
      await settle(p, session.send(utf8(`m${i}`)));
      const before = pings();
      await p.net.runUntil(() => pings() > before && pongs() >= pings(), 1_000);
    }
    await settle(p, session.send(utf8("last")));
    await p.net.runFor(20);
    echo();
    assert.ok(pings() >= 40, `${pings()} PINGs sent`);
    assert.equal(lastAckRanges(p.down), 1, "the server's ACKs: the client's PINGs fill the gaps");
    assert.equal(lastAckRanges(p.up), 1, "the client's ACKs: the server's PONGs fill the gaps");
    assert.equal(session.state, "open");
  });

  it("a number noted above the newest FRAMED packet waits for the next one; an ancient one is not listed", () => {
    const receiver = new FramedReceive(parseDataOptions({}, "test"));
    const ranges = () => receiver.takeAck(0)?.ranges.map((r) => `${r.first}-${r.last}`);
    const message = (seq: number) => frame(1, 0, seq, utf8(`m${seq}`));
    receiver.noteOther(9, false); // before any FRAMED packet: nothing to fill
    assert.equal(receiver.receive(10, message(0), 0, false), undefined);
    receiver.noteOther(11, false);
    assert.deepEqual(ranges(), ["10-10"], "an ACK's largest number is a FRAMED packet's");
    assert.equal(receiver.receive(12, message(1), 0, false), undefined);
    assert.deepEqual(ranges(), ["10-12"]);
    receiver.noteOther(8, false); // below the newest: listed at once
    assert.deepEqual(ranges(), ["10-12", "8-8"]);
    receiver.noteOther(12 - 8_192, false); // a window or more below: not listed
    assert.deepEqual(ranges(), ["10-12", "8-8"]);
    for (let pn = 13; pn < 13 + 20; pn++) receiver.noteOther(pn, false); // only 8 are kept
    assert.equal(receiver.receive(40, message(2), 0, false), undefined);
    assert.deepEqual(ranges(), ["40-40", "10-20", "8-8"]);
  });

  it("a sealed session notes only authenticated packets: a forged one cannot make an ACK claim a number", () => {
    const receiver = new FramedReceive(parseDataOptions({}, "test"));
    const ranges = () => receiver.takeAck(0)?.ranges.map((r) => `${r.first}-${r.last}`);
    const message = (seq: number) => frame(1, 0, seq, utf8(`m${seq}`));
    assert.equal(receiver.receive(10, message(0), 0, true), undefined);
    receiver.noteOther(11, false); // e.g. a plaintext handshake type with the session's client ID
    receiver.noteOther(5, false);
    assert.equal(receiver.receive(13, message(1), 0, true), undefined);
    assert.deepEqual(ranges(), ["13-13", "10-10"]);
    receiver.noteOther(12, true);
    receiver.noteOther(11, true);
    assert.deepEqual(ranges(), ["10-13"]);
  });
});
