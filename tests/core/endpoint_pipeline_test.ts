import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as v from "valibot";
import { SeededRandom } from "../../core/clock.ts";
import { encodePacket } from "../../core/codec.ts";
import type { PacketContext } from "../../core/context.ts";
import { Endpoint } from "../../core/endpoint.ts";
import type { DropEvent, ErrorEvent } from "../../core/events.ts";
import { PacketType } from "../../core/packet.ts";
import { definePlugin, type MalformedPacket, type Plugin } from "../../core/plugin.ts";
import { pair } from "../../core/testing/mod.ts";
import { text, toy, utf8 } from "./_toy_dialect.ts";

/** A plugin whose middleware logs `name:direction>` before next() and `<name` after. */
function tracer(name: string, log: string[]): Plugin {
  return definePlugin({
    name,
    setup(api) {
      api.use(async (ctx, next) => {
        if (ctx.packet.type !== PacketType.DATA_NOACK) return next();
        log.push(`${name}:${ctx.direction}>`);
        await next();
        log.push(`<${name}:${ctx.direction}`);
      });
    },
  });
}

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

describe("Endpoint middleware", () => {
  it("Endpoint runs inbound middleware in plugin order and outbound in reverse", async () => {
    const log: string[] = [];
    const p = pair({ plugins: [toy(), tracer("a", log), tracer("b", log)] });
    p.server.on("message", () => void log.push("message"));
    const session = await p.connect();
    await session.send(utf8("x"));
    await p.net.drive();
    assert.deepEqual(log, [
      "b:out>",
      "a:out>",
      "<a:out",
      "<b:out",
      "a:in>",
      "b:in>",
      "message",
      "<b:in",
      "<a:in",
    ]);
  });

  for (const kind of ["sync", "async"] as const) {
    it(`Endpoint isolates a ${kind} throwing middleware: error event, "middleware" drop, others go on`, async () => {
      const faulty = definePlugin({
        name: "faulty",
        setup(api) {
          api.use((ctx, next) => {
            if (ctx.direction === "in" && text(ctx.packet.payload) === "boom") {
              if (kind === "sync") throw new Error("boom in middleware");
              return Promise.reject(new Error("boom in middleware"));
            }
            return next();
          });
        },
      });
      const p = pair({ plugins: [toy(), faulty] });
      const second = new Endpoint({
        role: "client",
        plugins: [toy(), faulty],
        clock: p.net.clock,
        random: new SeededRandom(99),
      });
      const secondAddress = { hostname: "client2", port: 3 };
      p.net.add(second, secondAddress);
      const errors: ErrorEvent[] = [];
      const drops: DropEvent[] = [];
      const messages: string[] = [];
      p.server.on("error", (e) => void errors.push(e));
      p.server.on("dropped", (e) => void drops.push(e));
      p.server.on(
        "message",
        (m) => void messages.push(`${m.session.peer.hostname}:${text(m.data)}`),
      );

      const one = await p.connect();
      const connecting = second.connect(p.serverAddress);
      await p.net.drive();
      const two = await connecting;

      await one.send(utf8("boom"));
      await p.net.drive();
      await two.send(utf8("fine"));
      await one.send(utf8("still here"));
      await p.net.drive();

      assert.equal(errors.length, 1);
      assert.match(errors[0]!.error.message, /boom in middleware/);
      assert.equal(errors[0]!.peer?.hostname, "client");
      assert.equal(errors[0]!.session?.id, one.id);
      assert.equal(drops.length, 1);
      assert.equal(drops[0]!.reason, "middleware");
      assert.equal(drops[0]!.type, PacketType.DATA_NOACK);
      assert.equal(p.server.stats.dropped["middleware"], 1);
      assert.deepEqual(messages.sort(), ["client2:fine", "client:still here"]);
      assert.equal([...p.server.sessions].length, 2);
    });
  }

  it("Endpoint reports an outbound middleware error and does not send that packet", async () => {
    const p = pair({
      plugins: [toy()],
      clientPlugins: [
        toy(),
        definePlugin({
          name: "no-secrets",
          setup(api) {
            api.use((ctx, next) => {
              if (ctx.direction === "out" && text(ctx.packet.payload) === "secret") {
                throw new Error("refused");
              }
              return next();
            });
          },
        }),
      ],
    });
    const errors: Error[] = [];
    const messages: string[] = [];
    p.client.on("error", (e) => void errors.push(e.error));
    p.server.on("message", (m) => void messages.push(text(m.data)));
    const session = await p.connect();
    await session.send(utf8("secret"));
    await session.send(utf8("public"));
    await p.net.drive();
    assert.deepEqual(errors.map((e) => e.message), ["refused"]);
    assert.deepEqual(messages, ["public"]);
    assert.deepEqual(p.client.stats.dropped, {});
  });

  it("Endpoint lets middleware read and write the typed state bag", async () => {
    const seen: unknown[] = [];
    const p = pair({
      plugins: [
        toy(),
        definePlugin({
          name: "state",
          setup(api) {
            api.use((ctx, next) => {
              (ctx.state as Record<string, unknown>)["mark"] = ctx.packet.type;
              return next();
            });
            api.use((ctx, next) => {
              if (ctx.direction === "in") seen.push((ctx.state as Record<string, unknown>)["mark"]);
              return next();
            });
          },
        }),
      ],
    });
    await p.connect();
    assert.deepEqual(seen, [PacketType.HELLO, PacketType.ACCEPT]);
  });
});

describe("Endpoint inbound drops", () => {
  it("Endpoint drops malformed bytes, bad checksums and unknown types, counting and emitting each", async () => {
    const hooks: MalformedPacket[] = [];
    const watcher = definePlugin({
      name: "watcher",
      setup(api) {
        api.onMalformed((m) => {
          hooks.push(m);
          m.reply({ type: PacketType.REJECT });
        });
      },
    });
    const p = pair({ plugins: [toy(), watcher] });
    const session = await p.connect();
    const serverSession = [...p.server.sessions][0]!;
    const drops: DropEvent[] = [];
    p.server.on("dropped", (e) => void drops.push(e));
    const good = encodePacket({
      type: PacketType.DATA_NOACK,
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
    assert.equal(drops[2]!.type, PacketType.DATA_NOACK);
    assert.equal(drops[2]!.session, serverSession);
    assert.equal((drops[0]!.error as { code?: string }).code, "THING_ERR_TRUNCATED");
    assert.equal((drops[3]!.error as { code?: string }).code, "THING_ERR_UNKNOWN_PACKET_TYPE");
    assert.equal(hooks.length, 1, "onMalformed sees checksum failures only");
    assert.equal(hooks[0]!.error.packet.order, 9);
    assert.equal(hooks[0]!.session, serverSession);
    assert.equal(p.server.stats.packetsOut, sentBefore + 1, "the hook's reply was queued");
    const reply = p.server.pollTransmit();
    assert.equal(reply?.peer, p.clientAddress);
    assert.equal(reply?.bytes[48], PacketType.REJECT);
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
      type: PacketType.DATA_NOACK,
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

describe("Endpoint order counts", () => {
  it("Endpoint numbers each session's packets 0, 1, 2… per sender, and sessionless ones 0", async () => {
    const atServer: string[] = [];
    const atClient: string[] = [];
    const p = pair({
      plugins: [toy()],
      serverPlugins: [toy(), tap("s", atServer)],
      clientPlugins: [toy(), tap("c", atClient)],
    });
    const session = await p.connect();
    await session.send(utf8("a"));
    await session.send(utf8("b"));
    await p.net.drive();
    assert.deepEqual(atServer, ["1@0", "7@1", "7@2"]);
    assert.deepEqual(atClient, ["2@0"]);
    assert.equal(session.nextOrder, 3);

    const atSecond: string[] = [];
    const other = new Endpoint({
      role: "client",
      plugins: [toy(), tap("c2", atSecond)],
      clock: p.net.clock,
      random: new SeededRandom(5),
    });
    p.net.add(other, { hostname: "client2", port: 3 });
    const connecting = other.connect(p.serverAddress);
    await p.net.drive();
    const second = await connecting;
    assert.equal(second.nextOrder, 1, "a new session starts again at 0");
    assert.deepEqual(atServer.slice(3), ["1@0"]);
    assert.deepEqual(atSecond, ["2@0"]);
  });

  it("Endpoint sends sessionless packets (api.sendTo) with order 0", async () => {
    const atClient: string[] = [];
    const p = pair({
      plugins: [toy()],
      serverPlugins: [toy({ reject: true })],
      clientPlugins: [toy(), tap("c", atClient)],
    });
    await assert.rejects(p.connect(), /rejected/);
    assert.deepEqual(atClient, ["3@0"]);
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.client.sessions.size, 0);
  });
});

/** Records `type@order` of every inbound packet. */
function tap(name: string, log: string[]): Plugin {
  return definePlugin({
    name,
    setup(api) {
      api.use((ctx, next) => {
        if (ctx.direction === "in") log.push(`${ctx.packet.type}@${ctx.packet.order}`);
        return next();
      });
    },
  });
}

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
    const p = pair({ plugins: [toy(), typed] });
    const drops: DropEvent[] = [];
    p.server.on("dropped", (e) => void drops.push(e));
    const session = await p.connect();
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
