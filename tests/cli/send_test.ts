import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { here, run, serveOn, stop, there, thing } from "./_spawn.ts";

function scratch(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "thing-send-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

describe(`thing send (${there}) to serve --transport quic --out (${here})`, () => {
  it("a file round trip: both ends print the same SHA-256, the stored file is identical", async () => {
    using tmp = scratch();
    const file = join(tmp.dir, "payload.bin");
    const bytes = randomBytes(3_000_000);
    writeFileSync(file, bytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const out = join(tmp.dir, "received");
    const { server, port } = await serveOn(here, ["--transport", "quic", "--out", out]);
    try {
      assert.match(server.stdout(), /\(dialect thing, files to .*received\)/);
      const sent = await run(there, ["send", `127.0.0.1:${port}`, file]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^sent payload\.bin \(2\.9 MiB\) in [\d.]+ s, /m);
      assert.match(sent.stdout, new RegExp(`^sha256 ${sha256} \\(server confirmed\\)$`, "m"));
      assert.match(sent.stderr, /^send \[#{24}\] 100% 2\.9 MiB\/2\.9 MiB, .* done$/m);
      await server.waitFor(new RegExp(`stored .*payload\\.bin \\(2\\.9 MiB\\) sha256 ${sha256}`));
      assert.deepEqual(readFileSync(join(out, "payload.bin")), bytes);

      const json = await run(there, ["send", `127.0.0.1:${port}`, file, "--json"]);
      assert.equal(json.code, 0, json.stderr);
      const result = JSON.parse(json.stdout);
      assert.equal(result.sha256, sha256);
      assert.equal(result.size, bytes.length);
      assert.equal(result.confirmed, true);
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
    }
  });

  it("Ctrl-C on the server mid-file: it stops cleanly, the sender fails with a clear message", async () => {
    using tmp = scratch();
    const file = join(tmp.dir, "large.bin");
    writeFileSync(file, new Uint8Array(100_000_000));
    const { server, port } = await serveOn(here, ["--transport", "quic", "--out", tmp.dir + "/in"]);
    const sender = thing(there, ["send", `127.0.0.1:${port}`, file]);
    try {
      await server.waitFor(/sending large\.bin/);
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
    }
    assert.equal(await sender.exited(10_000), 1);
    assert.match(
      sender.stderr(),
      /^thing send: Cannot send ".*large\.bin": the session ended \(closed by server\); nothing was confirmed$/m,
    );
    assert.doesNotMatch(server.stdout(), /stored/);
  });

  it("usage errors: a missing file, a message transport, quic without --out, --out without quic", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["send", "127.0.0.1:1", "/no/such/file"],
        /Invalid FILE "\/no\/such\/file": expected a readable file/,
      ],
      [
        ["send", "127.0.0.1:1", "deno.json", "--transport", "udp"],
        /Invalid --transport "udp" for send/,
      ],
      [["send", "127.0.0.1:1"], /expected HOST:PORT FILE/],
      [["serve", "--transport", "quic"], /Missing --out DIR: --transport quic stores/],
      [["serve", "--out", "x"], /Invalid --out with --transport udp: .*add --transport quic/],
      [
        ["serve", "--transport", "quic", "--dialect", "hybrid", "--out", "x"],
        /Invalid --dialect "hybrid" with --transport quic/,
      ],
      [
        ["connect", "127.0.0.1:1", "--transport", "quic"],
        /Invalid --transport "quic" here: .*thing send/,
      ],
    ];
    await Promise.all(cases.map(async ([args, pattern]) => {
      const { code, stderr } = await run(here, args);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.match(stderr, pattern);
    }));
  });

  it("a server that is not there: exit 1 within the connect timeout", async () => {
    const started = performance.now();
    const { code, stderr } = await run(here, [
      "send",
      "127.0.0.1:9",
      "deno.json",
      "--connect-timeout",
      "600",
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^thing send: Cannot connect to 127\.0\.0\.1:9 over quic: (no answer within 600 ms|nothing listens on that port \(port unreachable\)); is .thing serve --transport quic/,
    );
    assert.ok(performance.now() - started < 3_000);
  });
});
