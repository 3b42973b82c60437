import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { here, run, serveOn } from "./_spawn.ts";

describe(`thing CLI first steps (${here})`, () => {
  it("a negative --port or --count gets the project's own Invalid line, not the parser's", async () => {
    const port = await run(here, ["serve", "--port", "-1"]);
    assert.equal(port.code, 2);
    assert.equal(
      port.stderr,
      'thing serve: Invalid --port "-1": expected an integer from 0 to 65535\n',
    );
    const count = await run(here, ["bench", "--local", "--count", "-5"]);
    assert.equal(count.code, 2);
    assert.equal(
      count.stderr,
      'thing bench: Invalid --count "-5": expected an integer from 1 to 1000000\n',
    );
    const short = await run(here, ["ping", "127.0.0.1:1", "-c", "-5"]);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /Invalid --count "-5"/);
  });

  it("a --server-key that starts with '-' (1 base64url key in 64) is read as the key", async () => {
    const key = "-" + "A".repeat(42);
    const { code, stderr } = await run(
      here,
      [
        "ping",
        "127.0.0.1:1",
        "--dialect",
        "hybrid",
        "--server-key",
        key,
        "-c",
        "1",
        "--connect-timeout",
        "300",
      ],
      "",
      8_000,
    );
    assert.equal(code, 1);
    assert.doesNotMatch(stderr, /ambiguous|Invalid --server-key/);
    assert.match(stderr, /Cannot connect to 127\.0\.0\.1:1/);
  });

  it("--rekey-after is for the sealing dialects only", async () => {
    const { code, stderr } = await run(here, ["serve", "--rekey-after", "3"]);
    assert.equal(code, 2);
    assert.match(stderr, /Invalid --rekey-after for --dialect connection: it seals nothing/);
  });

  it("a missing --key file says so in words and names keygen (exit 2)", async () => {
    const { code, stderr } = await run(here, [
      "serve",
      "--dialect",
      "thing",
      "--key",
      "/nonexistent.key",
    ]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      `thing serve: Invalid --key "/nonexistent.key": no such file; make one with 'thing keygen --out FILE'\n`,
    );
    assert.doesNotMatch(stderr, /ENOENT/);
  });

  it("ping to a closed UDP port fails as soon as the kernel reports it unreachable", async () => {
    const { code, stderr } = await run(here, ["ping", "127.0.0.1:1", "-c", "1"], "", 8_000);
    assert.equal(code, 1);
    if (here === "bun") {
      // ICMP port unreachable reaches the connected client socket by the first HELLO resend.
      assert.match(
        stderr,
        /over udp: nothing listens on that port \(port unreachable\); is 'thing serve/,
      );
    } else {
      // Deno's UDP APIs report no ICMP errors: the handshake times out instead.
      assert.match(stderr, /no answer within 5000 ms/);
    }
  });

  for (const transport of ["udp", "tcp"]) {
    it(`Ctrl-C on an idle serve over ${transport} exits 0 at once`, async () => {
      const { server } = await serveOn(here, ["--transport", transport]);
      const asked = performance.now();
      server.signal("SIGINT");
      assert.equal(await server.exited(10_000), 0, server.stderr());
      // Measured at 8–30 ms; a second means something waits that should not.
      assert.ok(performance.now() - asked < 1_000, `took ${performance.now() - asked} ms`);
    });
  }
});
