import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeededRandom } from "../../core/clock.ts";
import { Endpoint } from "../../core/endpoint.ts";
import type { DropEvent, ErrorEvent } from "../../core/events.ts";
import { definePlugin, type Plugin } from "../../core/plugin.ts";
import { pair } from "../../core/testing/mod.ts";
import { text, toy, utf8 } from "./_toy_dialect.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";
import { controls } from "../_controls.ts";

/** A plugin whose middleware logs `name:direction>` before next() and `<name` after. */
function tracer(name: string, log: string[]): Plugin {
  return definePlugin({
    name,
    setup(api) {
      api.use(async (ctx, next) => {
        if (ctx.packet.type !== ConnectionPacket.DATA_NOACK) return next();
        log.push(`${name}:${ctx.direction}>`);
        await next();
        log.push(`<${name}:${ctx.direction}`);
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

  it("Endpoint runs use({ inbound, outbound }) each in its direction, in the same order", async () => {
    const log: string[] = [];
    const directed = (name: string): Plugin =>
      definePlugin({
        name,
        setup(api) {
          api.use({
            inbound: (ctx, next) => {
              if (ctx.packet.type === ConnectionPacket.DATA_NOACK) {
                log.push(`${name}:${ctx.direction}`);
              }
              return next();
            },
            outbound: (ctx, next) => {
              if (ctx.packet.type === ConnectionPacket.DATA_NOACK) {
                log.push(`${name}:${ctx.direction}`);
              }
              return next();
            },
          });
        },
      });
    const inboundOnly = definePlugin({
      name: "inbound-only",
      setup: (api) =>
        api.use({
          inbound: (ctx, next) => {
            if (ctx.packet.type === ConnectionPacket.DATA_NOACK) log.push(`c:${ctx.direction}`);
            return next();
          },
        }),
    });
    const p = pair({ plugins: [toy(), directed("a"), directed("b"), inboundOnly] });
    const session = await p.connect();
    await session.send(utf8("x"));
    await p.net.drive();
    assert.deepEqual(log, ["b:out", "a:out", "a:in", "b:in", "c:in"]);
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
      assert.equal(drops[0]!.type, ConnectionPacket.DATA_NOACK);
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
    assert.deepEqual(seen, [ConnectionPacket.HELLO, ConnectionPacket.ACCEPT]);
  });
});

describe("Endpoint order counts", () => {
  it("Endpoint numbers each session's packets 0, 1, 2… per sender, and sessionless ones 0", async () => {
    const atServer: string[] = [];
    const atClient: string[] = [];
    const c = controls();
    const p = pair({
      plugins: [toy()],
      serverPlugins: [toy(), tap("s", atServer)],
      clientPlugins: [toy(), tap("c", atClient), c.plugin],
    });
    const session = await p.connect();
    await session.send(utf8("a"));
    await session.send(utf8("b"));
    await p.net.drive();
    assert.deepEqual(atServer, ["1@0", "7@1", "7@2"]);
    assert.deepEqual(atClient, ["2@0"]);
    assert.equal(c.of(session).nextOrder, 3);

    const atSecond: string[] = [];
    const other = new Endpoint({
      role: "client",
      plugins: [toy(), tap("c2", atSecond), c.plugin],
      clock: p.net.clock,
      random: new SeededRandom(5),
    });
    p.net.add(other, { hostname: "client2", port: 3 });
    const connecting = other.connect(p.serverAddress);
    await p.net.drive();
    const second = await connecting;
    assert.equal(c.of(second).nextOrder, 1, "a new session starts again at 0");
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
