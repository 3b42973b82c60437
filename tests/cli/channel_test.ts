import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { here, run, serveOn, stop, thing } from "./_spawn.ts";

describe(`thing connect and bench --channel (${here})`, () => {
  it("connect prints the echoes of lines in the order typed through a reordering relay", async () => {
    const { server, port } = await serveOn(here);
    const relay = thing(here, [
      "relay",
      "0",
      `127.0.0.1:${port}`,
      "--reorder",
      "0.5",
      "--delay",
      "2",
      "--jitter",
      "20",
      "--seed",
      "7",
      "--json",
    ]);
    try {
      const [line] = await relay.waitFor(/^\{"event":"relaying".*\}$/m, 4_000);
      const relayPort = (JSON.parse(line).listen as string).split(":").pop()!;
      const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
      // One packet per line (--flush immediate), so that the relay has packets to reorder.
      const typed = async (mode: string) => {
        const args = ["connect", `127.0.0.1:${relayPort}`, "--flush", "immediate"];
        const { code, stdout, stderr } = await run(
          here,
          [...args, "--channel", mode],
          lines.join("\n") + "\n",
          8_000,
        );
        assert.equal(code, 0, stderr);
        return stdout.trim().split("\n");
      };
      assert.deepEqual(await typed("reliable-ordered"), lines);
      const unordered = await typed("reliable-unordered");
      assert.deepEqual([...unordered].sort(), [...lines].sort());
      assert.notDeepEqual(unordered, lines, "the relay does reorder");
    } finally {
      relay.signal("SIGINT");
      await relay.exited(4_000);
      await stop(server);
    }
  });

  it("connect --channel unreliable-sequenced sends on that channel and hears its echoes", async () => {
    const { server, port } = await serveOn(here);
    try {
      const { code, stdout, stderr } = await run(
        here,
        ["connect", `127.0.0.1:${port}`, "--channel", "unreliable-sequenced", "--json"],
        "a\nb\n",
        6_000,
      );
      assert.equal(code, 0, stderr);
      const got = stdout.trim().split("\n").map((l) => JSON.parse(l).data);
      assert.deepEqual(got, ["a", "b"]);
    } finally {
      await stop(server);
    }
  });

  it("bench --local --channel prints the delivery mode and the loss counters", async () => {
    const { code, stdout, stderr } = await run(here, [
      "bench",
      "--local",
      "--count",
      "300",
      "--rounds",
      "10",
      "--channel",
      "reliable-unordered",
      "--flush",
      "immediate",
      "--json",
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.mode, "reliable-unordered");
    assert.equal(result.flush, "immediate");
    assert.equal(result.throughput.confirmed, 300);
    assert.equal(typeof result.losses.retransmits, "number");
  });

  it("a bad mode, or --channel with the thing dialect, is a usage error (exit 2)", async () => {
    const bad = await run(here, ["bench", "--local", "--channel", "fast"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --channel "fast": expected one of reliable-ordered/);
    const thingDialect = await run(here, [
      "bench",
      "--local",
      "--dialect",
      "thing",
      "--channel",
      "unreliable",
    ]);
    assert.equal(thingDialect.code, 2);
    assert.match(thingDialect.stderr, /it has no channels; use connection or hybrid/);
  });
});
