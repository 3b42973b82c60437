import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodePacket } from "../../../core/codec.ts";
import { SeededRandom } from "../../../core/clock.ts";
import { Impairment, pair } from "../../../core/testing/mod.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";
import { FRAMED_EXTENSION } from "../../../plugins/connection/channels.ts";
import { generateIdentity, hybrid } from "../../../plugins/thing/mod.ts";
import type { Plugin } from "../../../core/plugin.ts";
import { settle } from "./_helpers.ts";

const IDENTITY = generateIdentity();

describe("hybrid() with FRAMED packets", () => {
  it("offers the framed extension in CHI, takes it in SHI, and carries sealed FRAMED packets", async () => {
    const types: number[] = [];
    const watch = {
      plan: (bytes: Uint8Array, now: number) => {
        types.push(decodePacket(bytes.slice()).type);
        return [{ bytes, at: now + 1 }];
      },
    };
    const p = pair({
      clientPlugins: hybrid({
        serverKey: IDENTITY.publicKey,
        channels: ["reliable-ordered", "unreliable"],
      }),
      serverPlugins: hybrid({ identity: IDENTITY, channels: ["reliable-ordered", "unreliable"] }),
      toServer: watch,
    });
    const got: string[] = [];
    p.server.on("message", ({ data, channel }) => got.push(`${data[0]}@${channel}`));
    const session = await p.connect();
    const sends = Array.from(
      { length: 10 },
      (_, i) => session.send(Uint8Array.of(i), { channel: i % 2 }),
    );
    await settle(p, Promise.all(sends));
    await p.net.drive();
    assert.deepEqual(got.filter((g) => g.endsWith("@0")), ["0@0", "2@0", "4@0", "6@0", "8@0"]);
    assert.equal(got.length, 10);
    assert.ok(types.includes(ConnectionPacket.FRAMED));
    assert.ok(!types.includes(ConnectionPacket.DATA_ACK));
    assert.equal(FRAMED_EXTENSION, 1);
  });

  it("delivers 500 reliable-ordered messages in order through 20% loss and reordering", async () => {
    const impair = (seed: number) =>
      new Impairment({ loss: 0.2, reorder: 0.2, delay: 5, jitter: 10 }, new SeededRandom(seed));
    const p = pair({
      clientPlugins: hybrid({ serverKey: IDENTITY.publicKey, maxRetransmits: 30 }),
      serverPlugins: hybrid({ identity: IDENTITY, maxRetransmits: 30 }),
    });
    const session = await p.connect();
    p.net.setFate(p.clientAddress, p.serverAddress, impair(3));
    p.net.setFate(p.serverAddress, p.clientAddress, impair(4));
    const got: number[] = [];
    p.server.on(
      "message",
      ({ data }) => got.push(new DataView(data.buffer, data.byteOffset).getUint16(0)),
    );
    const sends = Array.from({ length: 500 }, (_, i) => {
      const data = new Uint8Array(100);
      new DataView(data.buffer).setUint16(0, i);
      return session.send(data);
    });
    await settle(p, Promise.all(sends), 600_000);
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
  });

  it("carries the largest framed message (65,417 bytes) sealed", async () => {
    const p = pair({
      clientPlugins: hybrid({ serverKey: IDENTITY.publicKey }),
      serverPlugins: hybrid({ identity: IDENTITY }),
    });
    const session = await p.connect();
    let got = 0;
    p.server.on("message", ({ data }) => (got = data.length));
    await settle(p, session.send(new Uint8Array(65_417).fill(9)), 20_000);
    assert.equal(got, 65_417);
  });
});

describe("hybrid() FRAMED ACKs and heartbeats", () => {
  it("CHB/SUU heartbeats between messages leave no gaps: the ACKs stay one range long", async () => {
    const acks: number[] = []; // payload lengths of the server's FRAMED packets (ACKs only)
    const heartbeats: number[] = [];
    const p = pair({
      clientPlugins: hybrid({ serverKey: IDENTITY.publicKey }),
      serverPlugins: hybrid({ identity: IDENTITY, ttl: 30 }),
      toClient: {
        plan: (bytes: Uint8Array, now: number) => {
          const packet = decodePacket(bytes.slice());
          if (packet.type === ConnectionPacket.FRAMED) acks.push(packet.payload.length);
          else heartbeats.push(packet.type);
          return [{ bytes, at: now + 1 }];
        },
      },
    });
    const session = await p.connect();
    const before = heartbeats.length;
    for (let i = 0; i < 40; i++) {
      await settle(p, session.send(Uint8Array.of(i)));
      await p.net.runFor(15); // a heartbeat each way, every 10 ms
    }
    assert.ok(heartbeats.length - before >= 40, `${heartbeats.length - before} heartbeats`);
    assert.ok(acks.length >= 40);
    // One range: 16 bytes of ACK frame and the 16-byte tag; each further range would add 8.
    assert.deepEqual(new Set(acks), new Set([32]));
    assert.equal(session.state, "open");
  });
});

describe("hybrid(): PacketContext.authenticated", () => {
  it("is true for a sealed packet that opened, false for a plaintext handshake packet", async () => {
    const seen: string[] = [];
    const recorder: Plugin = {
      name: "test:recorder",
      setup: (api) =>
        api.use({
          inbound: (ctx, next) => {
            seen.push(`${api.typeName(ctx.packet.type)} ${ctx.authenticated}`);
            return next();
          },
        }),
    };
    const p = pair({
      clientPlugins: hybrid({ serverKey: IDENTITY.publicKey }),
      serverPlugins: [hybrid({ identity: IDENTITY }), recorder],
    });
    const session = await p.connect();
    await settle(p, session.send(Uint8Array.of(1)));
    assert.ok(seen.includes("CHI false"), seen.join(", "));
    assert.ok(seen.includes("FRAMED true"), seen.join(", "));
    assert.ok(!seen.some((s) => s.startsWith("CHI") && s.endsWith("true")));
  });
});
