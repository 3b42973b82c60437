import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { here, run, serveOn, stop, there, thing } from "./_spawn.ts";

describe(`thing bench (${here})`, () => {
  it("--local --json: every message confirmed, latency figures, progress on stderr only", async () => {
    const { code, stdout, stderr } = await run(here, [
      "bench",
      "--local",
      "--count",
      "400",
      "--rounds",
      "20",
      "--json",
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.local, true);
    assert.equal(result.dialect, "connection");
    assert.equal(result.throughput.sent, 400);
    assert.equal(result.throughput.confirmed, 400);
    assert.ok(result.throughput.messagesPerSecond > 0);
    // Fractions are rounded to 3 decimals in --json output.
    const { bytesPerSecond, messagesPerSecond, seconds } = result.throughput;
    assert.ok(Math.abs(bytesPerSecond - messagesPerSecond * 1024) <= 1);
    assert.equal(seconds, Math.round(seconds * 1000) / 1000);
    assert.equal(result.latencyMs.rounds, 20);
    assert.ok(result.latencyMs.min <= result.latencyMs.p50);
    assert.ok(result.latencyMs.p50 <= result.latencyMs.p99);
    // The messages bar counts to --count, then a second bar counts the round trips.
    assert.match(stderr, /^messages \[#{24}\] 100% 400\/400, [\d,]+\/s done$/m);
    assert.match(stderr, /^round trips \[#{24}\] 100% 20\/20, [\d,]+\/s done$/m);
    // No bar counts both together ("…/420"); a rate such as "4,420/s" may well appear.
    assert.doesNotMatch(stderr, /\/420\b/);
  });

  it("the thing dialect counts echoes; the table names its figures", async () => {
    const { code, stdout, stderr } = await run(here, [
      "bench",
      "--local",
      "--dialect",
      "thing",
      "--count",
      "300",
      "--rounds",
      "10",
      "--size",
      "200",
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^thing bench: thing over udp to 127\.0\.0\.1:\d+ \(local\)$/m);
    assert.match(stdout, /^messages\s+300 of 300 × 200 B$/m);
    assert.match(stdout, /^throughput\s+[\d,]+ msg\/s$/m);
    assert.match(stdout, /^latency p99\s+[\d.]+ ms$/m);
  });

  it(`against a running server (${there} → ${here}) over TCP`, async () => {
    const { server, port } = await serveOn(here, ["--transport", "tcp", "--no-echo"]);
    try {
      const { code, stdout, stderr } = await run(there, [
        "bench",
        `127.0.0.1:${port}`,
        "--transport",
        "tcp",
        "--count",
        "300",
        "--rounds",
        "10",
        "--json",
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(JSON.parse(stdout).throughput.confirmed, 300);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it("--transport quic: a confirmed stream and stream round trips", async () => {
    const { code, stdout, stderr } = await run(here, [
      "bench",
      "--local",
      "--transport",
      "quic",
      "--count",
      "200",
      "--size",
      "16384",
      "--rounds",
      "5",
      "--json",
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.dialect, "thing");
    assert.equal(result.throughput.confirmed, 200);
    assert.ok(result.throughput.bytesPerSecond > 0);
    assert.equal(result.latencyMs.rounds, 5);
    assert.match(stderr, /a stream of 200 × 16\.0 KiB, then 5 round trips/);
  });

  it("Ctrl-C ends a long run cleanly and reports what was done", async () => {
    const bench = thing(here, ["bench", "--local", "--count", "1000000", "--json"]);
    await bench.waitFor(
      /^benchmarking connection over udp to 127\.0\.0\.1:\d+: 1,000,000 messages/m,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    bench.signal("SIGINT");
    assert.equal(await bench.exited(10_000), 0, bench.stderr());
    const result = JSON.parse(bench.stdout());
    assert.equal(result.interrupted, true);
    assert.ok(result.throughput.confirmed > 0);
    assert.ok(result.throughput.sent < 1_000_000);
  });

  it("HOST:PORT and --local together is a usage error", async () => {
    const { code, stderr } = await run(here, ["bench", "127.0.0.1:7777", "--local"]);
    assert.equal(code, 2);
    assert.match(stderr, /expected HOST:PORT or --local, not both/);
  });
});
