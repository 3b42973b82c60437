import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { connect, listen, type ThingClient, type ThingNode } from "../../core/node.ts";
import { udp } from "../../transports/udp/mod.ts";
import { text, toy, utf8 } from "./_toy_dialect.ts";
import { within } from "../_within.ts";
import { runScript } from "../_run_script.ts";

describe("listen() and connect() over UDP", () => {
  it("listen() and connect() carry a message round trip on 127.0.0.1", async () => {
    const nodes: ThingNode[] = [];
    try {
      const server = await listen({ transport: udp(), plugins: [toy()] });
      nodes.push(server);
      server.on("message", ({ session, data }) => void session.send(data, { customId: 3 }));
      const client: ThingClient = await within(
        5000,
        connect({ transport: udp(), port: server.address.port, plugins: [toy()] }),
        "connect",
      );
      nodes.push(client);
      assert.equal(client.session.state, "open");
      const echoed = new Promise<string>((resolve) => {
        client.on("message", ({ data, customId }) => resolve(`${text(data)}@${customId}`));
      });
      await client.send(utf8("over the wire"));
      assert.equal(await within(5000, echoed, "echo"), "over the wire@3");
      assert.equal(server.endpoint.sessions.size, 1);
      assert.equal(server.address.hostname, "127.0.0.1");
      assert.equal(server.stats, server.endpoint.stats);
      assert.ok(server.stats.packetsIn >= 2);
    } finally {
      for (const node of nodes.reverse()) await node.close();
    }
  });

  it("ThingNode.close() releases the socket: listening again on the same port works", async () => {
    const first = await listen({ transport: udp(), plugins: [toy()] });
    const port = first.address.port;
    const client = await within(
      5000,
      connect({ transport: udp(), port, plugins: [toy()] }),
      "connect",
    );
    await client.close();
    await first.close();
    assert.equal(first.endpoint.pollTimeout(), undefined);
    const second = await listen({ transport: udp(), port, plugins: [toy()] });
    try {
      assert.equal(second.address.port, port);
      const again = await within(
        5000,
        connect({ transport: udp(), port, plugins: [toy()] }),
        "reconnect",
      );
      await again.close();
    } finally {
      await second.close();
    }
  });

  it("connect() rejects with a TimeoutError and closes its socket when nobody answers", async () => {
    const silent = await listen({ transport: udp(), plugins: [toy({ accept: false })] });
    try {
      await assert.rejects(
        within(
          5000,
          connect({
            transport: udp(),
            port: silent.address.port,
            plugins: [toy()],
            connectTimeout: 200,
          }),
          "connect timeout",
        ),
        { name: "TimeoutError", code: "THING_ERR_TIMEOUT" },
      );
    } finally {
      await silent.close();
    }
  });

  it("ThingNode.close() clears timers so the process exits by itself", async () => {
    const fixture = fileURLToPath(new URL("./_node_exit_fixture.ts", import.meta.url));
    const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
    const args = isDeno ? ["run", "-A", fixture] : [fixture];
    const { code, stdout, stderr } = await runScript(args, "child exit (a timer kept it alive)");
    assert.equal(code, 0, stderr);
    assert.match(stdout, /done bye/);
  });
});
