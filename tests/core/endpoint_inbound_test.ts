import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as v from "valibot";
import { encodePacket } from "../../core/codec.ts";
import type { PacketContext } from "../../core/context.ts";
import type { DropEvent } from "../../core/events.ts";
import { AUTHENTICATED_BIT } from "../../core/packet.ts";
import { definePlugin, type MalformedPacket, type Plugin } from "../../core/plugin.ts";
import { pair } from "../../core/testing/mod.ts";
import { toy, utf8 } from "./_toy_dialect.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";
import { controls } from "../_controls.ts";

/** A plugin whose middleware pushes every context it sees, in and out, to `seen`. */
function recorder(name: string, seen: PacketContext[]): Plugin {
  return definePlugin({
    name,
    setup(api) {
      api.use((ctx, next) => {
        seen.push(ctx);
        return next();
      });
    },
  });
}

describe("Endpoint inbound drops", () => {
  it("Endpoint drops malformed bytes, bad checksums and unknown types, counting and emitting each", async () => {
    const hooks: MalformedPacket[] = [];
    const watcher = definePlugin({
      name: "watcher",
      setup(api) {
        api.onMalformed((m) => {
          hooks.push(m);
          m.reply({ type: ConnectionPacket.REJECT });
        });
      },
    });
    const p = pair({ plugins: [toy(), watcher] });
    const session = await p.connect();
    const serverSession = [...p.server.sessions][0]!;
    const drops: DropEvent[] = [];
    p.server.on("dropped", (e) => void drops.push(e));
    const good = encodePacket({
      type: ConnectionPacket.DATA_NOACK,
      clientId: session.clientId,
      reserved: 0,
      customId: 0,
      order: 9,
      payload: utf8("x"),
      checksum: new Uint8Array(0),
    });
    const badChecksum = good.slice();
    badChecksum[0] = badChecksum[0]! ^ 1;
    const unknown = encodePacket({
      type: 0x99,
      clientId: session.clientId,
      reserved: 0,
      customId: 0,
      order: 0,
      payload: new Uint8Array(0),
      checksum: new Uint8Array(0),
    });
    const sentBefore = p.server.stats.packetsOut;
    p.server.handleDatagram(new Uint8Array(10), p.clientAddress);
    p.server.handleDatagram(good.subarray(0, good.length - 1), p.clientAddress);
    p.server.handleDatagram(badChecksum, p.clientAddress);
    p.server.handleDatagram(unknown, p.clientAddress);

    assert.deepEqual(drops.map((d) => d.reason), [
      "malformed",
      "malformed",
      "checksum",
      "unknown-type",
    ]);
    assert.deepEqual(p.server.stats.dropped, { malformed: 2, checksum: 1, "unknown-type": 1 });
    assert.equal(drops[2]!.type, ConnectionPacket.DATA_NOACK);
    assert.equal(drops[2]!.session, serverSession);
    assert.equal((drops[0]!.error as { code?: string }).code, "THING_ERR_TRUNCATED");
    assert.equal((drops[3]!.error as { code?: string }).code, "THING_ERR_UNKNOWN_PACKET_TYPE");
    assert.equal(hooks.length, 1, "onMalformed sees checksum failures only");
    assert.equal(hooks[0]!.error.packet.order, 9);
    assert.equal(hooks[0]!.session, serverSession);
    assert.equal(p.server.stats.packetsOut, sentBefore + 1, "the hook's reply was queued");
    const reply = p.server.pollTransmit();
    assert.equal(reply?.peer, p.clientAddress);
    assert.equal(reply?.bytes[48], ConnectionPacket.REJECT);
    assert.equal(p.server.stats.packetsIn >= 4, true);
  });

  it("Endpoint drops a packet with no handler and a packet whose hook throws", () => {
    const p = pair({
      plugins: [
        toy(),
        definePlugin({
          name: "extra",
          setup(api) {
            api.registerPacketType({ code: 0x90, name: "NOHANDLER" });
            api.onMalformed(() => {
              throw new Error("hook failed");
            });
          },
        }),
      ],
    });
    const errors: Error[] = [];
    p.server.on("error", (e) => void errors.push(e.error));
    const packet = encodePacket({
      type: 0x90,
      clientId: new Uint8Array(16),
      reserved: 0,
      customId: 0,
      order: 0,
      payload: new Uint8Array(0),
      checksum: new Uint8Array(0),
    });
    p.server.handleDatagram(packet, p.clientAddress);
    const corrupt = packet.slice();
    corrupt[5] = corrupt[5]! ^ 0x10;
    p.server.handleDatagram(corrupt, p.clientAddress);
    assert.deepEqual(p.server.stats.dropped, { "no-handler": 1, checksum: 1 });
    assert.deepEqual(errors.map((e) => e.message), ["hook failed"]);
  });

  it("Endpoint sets ctx.claimed when a known client ID arrives from another address", async () => {
    const seen: PacketContext[] = [];
    const p = pair({ plugins: [toy()], serverPlugins: [toy(), recorder("rec", seen)] });
    const session = await p.connect();
    const serverSession = [...p.server.sessions][0]!;
    const bytes = encodePacket({
      type: ConnectionPacket.DATA_NOACK,
      clientId: session.clientId,
      reserved: 0,
      customId: 0,
      order: 1,
      payload: utf8("moved"),
      checksum: new Uint8Array(0),
    });
    const drops: string[] = [];
    p.server.on("dropped", (e) => void drops.push(e.reason));
    p.server.handleDatagram(bytes, { hostname: "elsewhere", port: 9 });
    const last = seen.at(-1)!;
    assert.equal(last.session, undefined);
    assert.equal(last.claimed, serverSession);
    assert.deepEqual(drops, ["no-session"]);
    p.server.handleDatagram(bytes, p.clientAddress);
    assert.equal(seen.at(-1)!.session, serverSession);
    assert.equal(seen.at(-1)!.claimed, undefined);
  });
});

describe("Endpoint and the authenticated bit", () => {
  /** A DATA_NOACK with the authenticated bit: its checksum covers the header and last 16 bytes. */
  function authenticated(clientId: Uint8Array): Uint8Array {
    return encodePacket({
      type: ConnectionPacket.DATA_NOACK,
      clientId,
      reserved: AUTHENTICATED_BIT,
      customId: 0,
      order: 4,
      payload: new Uint8Array(20).fill(0x61),
      checksum: new Uint8Array(0),
    });
  }

  it("Endpoint drops packets with the authenticated bit as malformed when no plugin claims them", async () => {
    const p = pair({ plugins: [toy()] });
    const session = await p.connect();
    const drops: DropEvent[] = [];
    const messages: Uint8Array[] = [];
    p.server.on("dropped", (e) => void drops.push(e));
    p.server.on("message", (e) => void messages.push(e.data));
    p.server.handleDatagram(authenticated(session.clientId), p.clientAddress);
    assert.deepEqual(drops.map((d) => d.reason), ["malformed"]);
    assert.equal((drops[0]!.error as { code?: string }).code, "THING_ERR_BAD_FIELD");
    assert.equal(messages.length, 0);
  });

  it("Endpoint passes packets with the authenticated bit to the pipeline once a plugin claims them", async () => {
    const seen: number[] = [];
    const claimer = definePlugin({
      name: "claimer",
      setup(api) {
        api.claimAuthenticated();
        api.use((ctx, next) => {
          if (ctx.direction === "in") seen.push(ctx.packet.reserved);
          return next();
        });
      },
    });
    const p = pair({ plugins: [claimer, toy()] });
    const session = await p.connect();
    const drops: DropEvent[] = [];
    p.server.on("dropped", (e) => void drops.push(e));
    p.server.handleDatagram(authenticated(session.clientId), p.clientAddress);
    assert.deepEqual(drops, []);
    assert.ok(seen.includes(AUTHENTICATED_BIT));
  });
});

describe("Endpoint payload decoding", () => {
  it('Endpoint decodes a payload codec or valibot schema into ctx.body, dropping bad ones as "payload"', async () => {
    const bodies: unknown[] = [];
    const typed = definePlugin({
      name: "typed",
      setup(api) {
        api.registerPacketType({
          code: 0x90,
          name: "POINT",
          schema: v.object({ x: v.number(), y: v.number() }),
        });
        api.registerPacketType({
          code: 0x91,
          name: "U16",
          codec: {
            decode(payload) {
              if (payload.length !== 2) throw new RangeError("need 2 bytes");
              return (payload[0]! << 8) | payload[1]!;
            },
            encode: (n: unknown) => new Uint8Array([(n as number) >> 8, (n as number) & 0xff]),
          },
        });
        api.handle(0x90, (ctx) => void bodies.push(ctx.body));
        api.handle(0x91, (ctx) => void bodies.push(ctx.body));
      },
    });
    const c = controls();
    const p = pair({ plugins: [toy(), typed, c.plugin] });
    const drops: DropEvent[] = [];
    p.server.on("dropped", (e) => void drops.push(e));
    const session = c.of(await p.connect());
    session.sendPacket({ type: 0x90, payload: utf8('{"x":1,"y":2}') });
    session.sendPacket({ type: 0x90, payload: utf8('{"x":"one"}') });
    session.sendPacket({ type: 0x90, payload: utf8("not json") });
    session.sendPacket({ type: 0x91, payload: new Uint8Array([1, 2]) });
    session.sendPacket({ type: 0x91, payload: new Uint8Array([1]) });
    await p.net.drive();
    assert.deepEqual(bodies, [{ x: 1, y: 2 }, 0x0102]);
    assert.deepEqual(drops.map((d) => [d.reason, d.type]), [
      ["payload", 0x90],
      ["payload", 0x90],
      ["payload", 0x91],
    ]);
    assert.equal(p.server.stats.dropped["payload"], 3);
  });
});
