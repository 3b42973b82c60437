import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen, PluginError } from "../../../core/mod.ts";
import { type ReconnectedEvent, reconnectedEvent } from "../../../plugins/cluster/mod.ts";
import type { Plugin } from "../../../core/plugin.ts";
import { failover } from "../../../plugins/cluster/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { within } from "../../_within.ts";

/** A server that can be made to fall silent at once, as a dead machine does (no ICMP either). */
function silenceable(): Plugin & { dead: boolean } {
  const plugin = {
    name: "test:silence",
    dead: false,
    setup(api: Parameters<Plugin["setup"]>[0]) {
      api.use((ctx, next) => (plugin.dead ? ctx.drop("test-dead") : next()));
    },
  };
  return plugin;
}

describe("failover({ endpoints })", () => {
  it("a client whose server goes silent re-establishes on the next one; its unACKed message is reported", async () => {
    const silence = silenceable();
    const a = await listen({ transport: udp(), plugins: [silence, connection()] });
    const b = await listen({ transport: udp(), plugins: [connection()] });
    const heard = { a: [] as string[], b: [] as string[] };
    a.on("message", ({ data }) => heard.a.push(new TextDecoder().decode(data)));
    b.on("message", ({ data }) => heard.b.push(new TextDecoder().decode(data)));
    const endpoints = [a.address, b.address].map((x) => ({ hostname: "127.0.0.1", port: x.port }));
    const client = await connect({
      transport: udp(),
      port: a.address.port,
      plugins: [connection({ pingInterval: 200, pongTimeout: 700 }), failover({ endpoints })],
      connectTimeout: 3000,
    });
    try {
      await client.send(new TextEncoder().encode("one"));
      assert.deepEqual(heard.a, ["one"]);
      const reconnected = new Promise<ReconnectedEvent>((resolve) =>
        client.on(reconnectedEvent, resolve)
      );
      const lostAt = Date.now();
      silence.dead = true;
      const two = client.send(new TextEncoder().encode("two")).then(
        () => undefined,
        (error: { code?: string }) => error,
      );
      const event = await within(5000, reconnected, "the reconnected event");
      assert.equal(event.peer.port, b.address.port);
      assert.equal(event.previous.port, a.address.port);
      assert.ok(Date.now() - lostAt < 5000, "on the other server within 5 s");
      // Never ACKed by the dead server: its send() says so, and the application sends it again.
      const failure = await within(5000, two, "the message sent while the server died");
      assert.equal(failure?.code, "THING_ERR_NOT_CONNECTED");
      await client.send(new TextEncoder().encode("two again"));
      await client.send(new TextEncoder().encode("three"));
      assert.deepEqual(heard.b, ["two again", "three"]);
      assert.deepEqual(heard.a, ["one"]);
    } finally {
      await client.close();
      await a.close();
      await b.close();
    }
  });

  it("rejects fewer than two endpoints and use on a server", async () => {
    assert.throws(() => failover({ endpoints: [{ hostname: "127.0.0.1", port: 1 }] }), PluginError);
    assert.throws(
      () =>
        failover({ endpoints: [{ hostname: "127.0.0.1", port: 0 }, { hostname: "x", port: 2 }] }),
      PluginError,
    );
    await assert.rejects(
      listen({
        transport: udp(),
        plugins: [
          connection(),
          failover({ endpoints: [{ hostname: "a", port: 1 }, { hostname: "b", port: 2 }] }),
        ],
      }),
      PluginError,
    );
  });
});
