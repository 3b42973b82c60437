import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startRelay } from "../../cli/relay_proxy.ts";
import { here, run, serveOn, stop, there, thing } from "./_spawn.ts";

describe(`thing ping (${there} → ${here})`, () => {
  it("prints one line per reply and a min/avg/max/p99 summary", async () => {
    const { server, port } = await serveOn(here);
    try {
      const { code, stdout, stderr } = await run(there, [
        "ping",
        `127.0.0.1:${port}`,
        "-c",
        "3",
        "--interval",
        "20",
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^PING 127\.0\.0\.1:\d+ \(connection over udp\): 56 bytes$/m);
      for (const seq of [1, 2, 3]) {
        assert.match(
          stdout,
          new RegExp(`^56 bytes from 127\\.0\\.0\\.1:\\d+: seq=${seq} time=[\\d.]+ ms$`, "m"),
        );
      }
      assert.match(stdout, /^3 sent, 3 received, 0\.0% loss, time \d+ ms$/m);
      const [, min, avg, max, p99] = stdout.match(
        /^rtt min\/avg\/max\/p99 = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms$/m,
      )!.map(Number);
      assert.ok(min! > 0 && min! <= avg! && avg! <= max! && p99! <= max!, stdout);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it("--json gives one summary object, over TCP and the hybrid dialect too", async () => {
    const { server, port } = await serveOn(here, ["--transport", "tcp", "--dialect", "hybrid"]);
    try {
      const { code, stdout, stderr } = await run(there, [
        "ping",
        `127.0.0.1:${port}`,
        "-c",
        "4",
        "--interval",
        "10",
        "--transport",
        "tcp",
        "--dialect",
        "hybrid",
        "--json",
      ]);
      assert.equal(code, 0, stderr);
      const result = JSON.parse(stdout);
      assert.equal(result.sent, 4);
      assert.equal(result.received, 4);
      assert.equal(result.loss, 0);
      assert.equal(result.dialect, "hybrid");
      assert.deepEqual(result.replies.map((reply: { seq: number }) => reply.seq), [1, 2, 3, 4]);
      assert.ok(result.replies.every((reply: { rttMs: number }) => reply.rttMs > 0));
      assert.ok(result.rttMs.min <= result.rttMs.p50 && result.rttMs.p99 <= result.rttMs.max);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it("without -c runs until Ctrl-C, then prints the summary and exits 0", async () => {
    const { server, port } = await serveOn(here);
    try {
      const pinger = thing(there, ["ping", `127.0.0.1:${port}`, "--interval", "20"]);
      await pinger.waitFor(/seq=3 time=/);
      pinger.signal("SIGINT");
      assert.equal(await pinger.exited(10_000), 0, pinger.stderr());
      assert.match(pinger.stdout(), /^(\d+) sent, \1 received, 0\.0% loss/m);
      await server.waitFor(/closed: disconnected by client/);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it("through a lossy relay: lost pings are reported and counted in the loss figure", async () => {
    const { server, port } = await serveOn(here);
    const relay = await startRelay({
      listen: { hostname: "127.0.0.1", port: 0 },
      target: { hostname: "127.0.0.1", port },
      impairment: { loss: 0.3, seed: 3 },
    });
    try {
      const { code, stdout, stderr } = await run(there, [
        "ping",
        `127.0.0.1:${relay.address.port}`,
        "-c",
        "12",
        "--interval",
        "10",
      ]);
      assert.equal(code, 0, stderr);
      const lost = stdout.match(/^seq=\d+ lost \(no ACK within [\d.]+ ms\)$/gm) ?? [];
      const replies = stdout.match(/^56 bytes from /gm) ?? [];
      assert.ok(lost.length > 0, stdout);
      assert.equal(lost.length + replies.length, 12);
      const percent = ((lost.length / 12) * 100).toFixed(1);
      assert.match(
        stdout,
        new RegExp(`^12 sent, ${replies.length} received, ${percent}% loss`, "m"),
      );
      assert.ok(relay.upstream.lost + relay.downstream.lost >= lost.length);
    } finally {
      await relay.close();
      assert.equal(await stop(server), 0);
    }
  });

  it("a server that is not there: a clear error and exit 1 within the connect timeout", async () => {
    const started = performance.now();
    const { code, stderr } = await run(here, [
      "ping",
      "127.0.0.1:9",
      "-c",
      "1",
      "--connect-timeout",
      "600",
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      // Bun learns from ICMP that nothing listens; Deno waits for the connect timeout.
      /^thing ping: Cannot connect to 127\.0\.0\.1:9 over udp: (no answer within 600 ms|nothing listens on that port \(port unreachable\)); is 'thing serve/,
    );
    assert.equal(stderr.trim().split("\n").length, 1, "no stack without --verbose");
    assert.ok(performance.now() - started < 3_000);
  });

  it("--verbose shows the stack of a failure", async () => {
    const { code, stderr } = await run(here, [
      "ping",
      "127.0.0.1:9",
      "--transport",
      "tcp",
      "--verbose",
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /Cannot connect to 127\.0\.0\.1:9 over tcp/);
    assert.match(stderr, /\n\s+at /);
  });

  it("refuses a dialect without acknowledgements", async () => {
    const { code, stderr } = await run(here, ["ping", "127.0.0.1:7", "--dialect", "thing"]);
    assert.equal(code, 2);
    assert.match(stderr, /Invalid --dialect "thing" for ping: .*use connection or hybrid/);
  });
});
