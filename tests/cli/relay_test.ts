import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen } from "../../core/node.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { udp } from "../../transports/udp/mod.ts";
import { here, run, thing } from "./_spawn.ts";

const fast = { initialRto: 60, minRto: 20, maxRto: 400, maxRetransmits: 30, helloRetry: 50 };

describe(`thing relay (${here})`, () => {
  it("the Connection dialect delivers 150 messages exactly once through 20% loss, dups and reordering", async () => {
    const server = await listen({ transport: udp(), port: 0, plugins: connection(fast) });
    const relay = thing(here, [
      "relay",
      "0",
      `127.0.0.1:${server.address.port}`,
      "--loss",
      "20%",
      "--dup",
      "0.1",
      "--reorder",
      "0.1",
      "--delay",
      "1",
      "--seed",
      "42",
      "--json",
    ]);
    try {
      const [line] = await relay.waitFor(/^\{"event":"relaying".*\}$/m, 10_000);
      const listenAt = JSON.parse(line).listen as string;
      const port = Number(listenAt.split(":").pop());
      const received: number[] = [];
      server.on(
        "message",
        ({ data }) => received.push(new DataView(data.buffer, data.byteOffset).getUint32(0)),
      );
      // One packet per message (no coalescing), so that the relay has packets to drop.
      const plugins = connection({ ...fast, flush: "immediate" });
      const client = await connect({ transport: udp(), port, plugins });
      try {
        await Promise.all(Array.from({ length: 150 }, (_, i) => {
          const payload = new Uint8Array(32);
          new DataView(payload.buffer).setUint32(0, i);
          return client.send(payload);
        }));
      } finally {
        await client.close();
      }
      assert.deepEqual(
        [...received].sort((a, b) => a - b),
        Array.from({ length: 150 }, (_, i) => i),
      );
    } finally {
      relay.signal("SIGINT");
      assert.equal(await relay.exited(10_000), 0, relay.stderr());
      await server.close();
    }
    const summary = JSON.parse(relay.stdout().trim().split("\n").pop()!);
    assert.equal(summary.event, "stopped");
    assert.equal(summary.clients, 1);
    assert.ok(summary.upstream.lost > 0, "the relay really dropped packets");
    assert.ok(summary.upstream.duplicated > 0, "and duplicated some");
    assert.ok(summary.downstream.received > 0);
  });

  it("bad impairment flags exit 2 naming the flag", async () => {
    for (
      const [args, pattern] of [
        [["--loss", "1.5"], /Invalid --loss "1\.5": expected a probability from 0 to 1/],
        [["--blackhole", "500"], /Invalid --blackhole "500": expected ON_MS\/OFF_MS/],
        [["--burst", "0"], /Invalid --burst "0": expected an integer from 1/],
        [["--delay=-5"], /Invalid --delay "-5": expected an integer from 0 to 60000/],
        [["--rate", "0"], /Invalid --rate "0": expected bytes per second from 1/],
        [
          ["--rate", "1000", "--queue", "1.5"],
          /Invalid --queue "1\.5": expected a number of bytes/,
        ],
        [["--queue", "5000"], /Invalid --queue: it sizes the --rate bottleneck; pass --rate too/],
      ] as const
    ) {
      const { code, stderr } = await run(here, ["relay", "0", "127.0.0.1:7777", ...args]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, pattern);
      assert.equal(stderr.trim().split("\n").length, 1);
    }
    const missing = await run(here, ["relay", "0"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /expected LISTEN_PORT TARGET_HOST:PORT/);
  });
});
