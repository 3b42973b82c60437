import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import { HEADER_SIZE, MAX_PACKET_SIZE } from "../../../core/packet.ts";
import { Impairment } from "../../../transports/memory/impairment.ts";
import { LOSS_THRESHOLD } from "../../../plugins/connection/data_sender.ts";
import { build, connectionPair, settle, text, utf8 } from "./_helpers.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

describe("connection() DATA_NOACK", () => {
  it("is delivered with its custom ID and never answered; send() resolves at once", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000 });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on(
      "message",
      ({ data, customId, reliable }) => got.push(`${text(data)}@${customId}/${reliable}`),
    );
    const before = p.down.seen.length;
    await session.send(utf8("fire"), { reliable: false, customId: 513 });
    await p.net.drive();
    assert.deepEqual(got, ["fire@513/false"]);
    assert.equal(p.down.seen.length, before);
  });

  it("a duplicated DATA_NOACK is delivered once", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000 }, {
      up: { plan: (bytes, now) => [{ bytes, at: now + 1 }, { bytes, at: now + 2 }] },
    });
    const session = await p.connect();
    let got = 0;
    p.server.on("message", () => got++);
    await session.send(utf8("x"), { reliable: false });
    await p.net.drive();
    assert.equal(got, 1);
    assert.equal(p.server.stats.dropped["duplicate"], 1);
  });
});

describe("connection() DATA_ACK", () => {
  it("is answered by ACK carrying its checksum field; send() resolves on that ACK", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000 });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data, customId }) => got.push(`${text(data)}@${customId}`));
    let resolved = false;
    const sending = session.send(utf8("hello"), { customId: 9 }).then(() => (resolved = true));
    assert.equal(resolved, false);
    await settle(p, sending);
    const data = p.up.seen.at(-1)!;
    const ack = p.down.seen.at(-1)!;
    assert.equal(data.type, ConnectionPacket.DATA_ACK);
    assert.equal(ack.type, ConnectionPacket.ACK);
    assert.deepEqual(ack.payload, data.checksum);
    assert.deepEqual(got, ["hello@9"]);
  });

  it("a corrupted DATA_ACK draws BAD_ACK with the checksum as received, and is resent at once", async () => {
    const p = connectionPair({
      framed: false,
      pingInterval: 60_000,
      initialRto: 5_000,
      minRto: 5_000,
    });
    const session = await p.connect();
    let corrupted: Uint8Array | undefined;
    p.net.setFate(p.clientAddress, p.serverAddress, {
      plan(bytes, now) {
        if (bytes[48] !== ConnectionPacket.DATA_ACK || corrupted) return [{ bytes, at: now + 1 }];
        corrupted = bytes.slice();
        corrupted[70]! ^= 1;
        return [{ bytes: corrupted, at: now + 1 }];
      },
    });
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    const start = p.net.clock.now();
    await settle(p, session.send(utf8("payload")));
    assert.ok(p.net.clock.now() - start < 100, "resent long before the 5 s RTO");
    const bad = p.down.seen.find((packet) => packet.type === ConnectionPacket.BAD_ACK)!;
    assert.deepEqual(bad.payload, corrupted!.subarray(0, 32));
    assert.deepEqual(got, ["payload"]);
    assert.equal(p.server.stats.dropped["checksum"], 1);
  });

  it("is resent on an RFC 6298 timeout, then send() fails with a TimeoutError", async () => {
    const p = connectionPair({
      framed: false,
      pingInterval: 60_000,
      pongTimeout: 600_000,
      timeout: 600_000,
      initialRto: 1_000,
      minRto: 200,
      maxRetransmits: 3,
    });
    const session = await p.connect();
    const retransmits: number[] = [];
    p.client.on("retransmit", ({ attempt }) => retransmits.push(attempt));
    p.up.open = false;
    const start = p.net.clock.now();
    const sends: number[] = [];
    p.client.on("retransmit", () => sends.push(p.net.clock.now() - start));
    await assert.rejects(settle(p, session.send(utf8("lost"))), { name: "TimeoutError" });
    assert.deepEqual(retransmits, [2, 3, 4]);
    // RTO 1 s (no sample yet), doubling, each wait spread by a random factor in [1, 1.5): resent
    // after 1, 2 and 4 s, failed 8 s after the last resend (times that factor).
    const waits = [...sends, p.net.clock.now() - start].map((at, i, all) => at - (all[i - 1] ?? 0));
    waits.forEach((wait, i) => {
      const rto = 1_000 * 2 ** i;
      assert.ok(wait >= rto && wait < 1.5 * rto, `wait ${i}: ${wait} ms, RTO ${rto} ms`);
    });
    assert.ok(new Set(waits.map((wait, i) => wait / 2 ** i)).size > 1, "the factors differ");
    assert.equal(p.up.types().filter((t) => t === ConnectionPacket.DATA_ACK).length, 4);
  });

  it(`is resent without waiting for the RTO once ${LOSS_THRESHOLD} later transmissions are ACKed`, async () => {
    const p = connectionPair({
      framed: false,
      pingInterval: 60_000,
      initialRto: 5_000,
      minRto: 5_000,
    });
    const session = await p.connect();
    let dropped = 0;
    p.net.setFate(p.clientAddress, p.serverAddress, {
      plan: (bytes, now) =>
        bytes[48] === ConnectionPacket.DATA_ACK && dropped++ === 0 ? [] : [{ bytes, at: now + 1 }],
    });
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    const resends: string[] = [];
    p.client.on("retransmit", ({ attempt }) => resends.push(`attempt ${attempt}`));
    const start = p.net.clock.now();
    const sends = Array.from({ length: 5 }, (_, i) => session.send(utf8(`m${i}`)));
    await settle(p, Promise.all(sends));
    assert.ok(p.net.clock.now() - start < 100, "resent long before the 5 s RTO");
    assert.deepEqual(resends, ["attempt 2"]);
    assert.deepEqual(got.sort(), ["m0", "m1", "m2", "m3", "m4"]);
  });

  it(`is not resent when fewer than ${LOSS_THRESHOLD} later transmissions overtake it`, async () => {
    const p = connectionPair({
      framed: false,
      pingInterval: 60_000,
      initialRto: 5_000,
      minRto: 5_000,
    });
    const session = await p.connect();
    let first = true;
    p.net.setFate(p.clientAddress, p.serverAddress, {
      plan(bytes, now) {
        const late = bytes[48] === ConnectionPacket.DATA_ACK && first;
        if (bytes[48] === ConnectionPacket.DATA_ACK) first = false;
        return [{ bytes, at: now + (late ? 20 : 1) }];
      },
    });
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    let resends = 0;
    p.client.on("retransmit", () => resends++);
    const sends = Array.from({ length: LOSS_THRESHOLD }, (_, i) => session.send(utf8(`m${i}`)));
    await settle(p, Promise.all(sends));
    assert.equal(resends, 0);
    assert.deepEqual(got, ["m1", "m2", "m0"]);
  });

  it("measures RTT from ACKs and derives the RTO from it", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000, minRto: 1 });
    const session = await p.connect();
    const rtts: number[] = [];
    p.client.on("rtt", ({ rtt, exchange }) => exchange === "DATA_ACK/ACK" && rtts.push(rtt));
    for (let i = 0; i < 3; i++) await settle(p, session.send(utf8(`m${i}`)));
    assert.deepEqual(rtts, [2, 2, 2]);
    // With every RTT 2 ms the RTO falls toward SRTT + 4 RTTVAR; a loss is now resent quickly.
    p.up.open = false;
    const start = p.net.clock.now();
    let firstResend = 0;
    p.client.on("retransmit", () => (firstResend ||= p.net.clock.now() - start));
    const lost = session.send(utf8("lost")).catch(() => {});
    await p.net.runFor(50);
    assert.ok(firstResend > 0 && firstResend < 10, `resent after ${firstResend} ms`);
    p.up.open = true;
    await settle(p, lost);
  });

  it("delivers 1,000 messages exactly once through 20% loss, duplication and reordering", async () => {
    const impair = (seed: number) =>
      new Impairment(
        { loss: 0.2, duplicate: 0.2, reorder: 0.2, delay: 5, jitter: 10 },
        new SeededRandom(seed),
      );
    const p = connectionPair(
      {
        framed: false,
        pingInterval: 60_000,
        pongTimeout: 600_000,
        timeout: 600_000,
        maxRetransmits: 20,
      },
      { up: impair(11), down: impair(12) },
    );
    const session = await p.connect();
    const counts = new Map<string, number>();
    p.server.on("message", ({ data, customId }) => {
      const key = `${text(data)}@${customId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    const sends = Array.from(
      { length: 1_000 },
      (_, i) => session.send(utf8(`msg ${i}`), { customId: i % 7 }),
    );
    await settle(p, Promise.all(sends), 600_000);
    assert.equal(counts.size, 1_000);
    for (let i = 0; i < 1_000; i++) assert.equal(counts.get(`msg ${i}@${i % 7}`), 1, `msg ${i}`);
    assert.ok((p.server.stats.dropped["duplicate"] ?? 0) > 50, "duplicates did arrive");
    assert.ok(p.up.types().filter((t) => t === ConnectionPacket.DATA_ACK).length > 1_200);
  });

  it("keeps at most maxInFlight messages unacknowledged and sends the rest as ACKs come", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000, maxInFlight: 4 });
    const session = await p.connect();
    const dataSent = () => p.up.types().filter((t) => t === ConnectionPacket.DATA_ACK).length;
    const sends = Array.from({ length: 10 }, (_, i) => session.send(utf8(`m${i}`)));
    await p.net.runFor(1);
    assert.equal(dataSent(), 4, "four on the wire before the first ACK is back");
    await settle(p, Promise.all(sends));
    assert.equal(dataSent(), 10);
  });

  it("keeps DATA_ACK bytes in flight within the congestion window (two largest packets at first)", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000 });
    const session = await p.connect();
    const dataSent = () => p.up.types().filter((t) => t === ConnectionPacket.DATA_ACK).length;
    const message = new Uint8Array(16_384);
    const sends = Array.from({ length: 30 }, () => session.send(message));
    await p.net.runFor(1);
    const fits = Math.floor((2 * MAX_PACKET_SIZE) / (HEADER_SIZE + message.length));
    assert.equal(dataSent(), fits, "the initial window before the first ACK is back");
    await settle(p, Promise.all(sends));
    assert.equal(dataSent(), 30);
  });

  it("does not ACK a DATA_ACK too old for the window, and re-ACKs a duplicate", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000, window: 64 });
    const session = await p.connect();
    const serverSession = [...p.server.sessions][0]!;
    assert.ok(serverSession);
    const inject = (order: number) =>
      p.server.handleDatagram(
        build(session.clientId, {
          type: ConnectionPacket.DATA_ACK,
          payload: utf8(`o${order}`),
          order,
        }),
        p.clientAddress,
      );
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(text(data)));
    inject(100);
    inject(100);
    inject(36);
    inject(37);
    await p.net.drive();
    assert.deepEqual(got, ["o100", "o37"]);
    assert.equal(p.down.types().filter((t) => t === ConnectionPacket.ACK).length, 3);
    assert.equal(p.server.stats.dropped["stale-order"], 1);
  });
});

describe("connection() malformed packets", () => {
  it("are dropped and counted, never answered (except DATA_ACK by BAD_ACK)", async () => {
    const p = connectionPair({ framed: false, pingInterval: 60_000 });
    const session = await p.connect();
    const before = p.down.seen.length;
    const ping = build(session.clientId, { type: ConnectionPacket.PING });
    ping[10]! ^= 0xff;
    p.server.handleDatagram(ping, p.clientAddress);
    p.server.handleDatagram(new Uint8Array(10), p.clientAddress);
    p.server.handleDatagram(build(session.clientId, { type: 0xee }), p.clientAddress);
    p.server.handleDatagram(
      build(session.clientId, { type: ConnectionPacket.ACK }),
      p.clientAddress,
    );
    await p.net.drive();
    assert.equal(p.down.seen.length, before);
    assert.equal(p.server.stats.dropped["checksum"], 1);
    assert.equal(p.server.stats.dropped["malformed"], 1);
    assert.equal(p.server.stats.dropped["unknown-type"], 1);
    assert.equal(p.server.stats.dropped["payload"], 1);
  });
});
