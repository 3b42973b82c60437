import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { here, there, thing } from "./_spawn.ts";

describe(`thing CLI (${here})`, () => {
  it("demo exchanges messages both ways and exits 0", async () => {
    const demo = thing(here, ["demo"]);
    assert.equal(await demo.exited(10_000), 0, demo.stderr());
    const out = demo.stdout();
    assert.match(out, /server {2}listening on udp 127\.0\.0\.1:\d+/);
    assert.match(out, /client {2}got "HELLO" on channel 0/);
    assert.match(out, /client {2}got "the server can start a message too" on channel 1/);
    assert.match(out, /closed: disconnected by client/);
  });

  it("demo --dialect hybrid --transport tcp --json: a JSON transcript of the sealed exchange", async () => {
    const demo = thing(here, ["demo", "--dialect", "hybrid", "--transport", "tcp", "--json"]);
    assert.equal(await demo.exited(10_000), 0, demo.stderr());
    const lines = demo.stdout().trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(
      lines.every((line) => typeof line.ms === "number" && /^(server|client)$/.test(line.who)),
    );
    const texts = lines.map((line) => line.text as string);
    assert.ok(texts.includes('got "HELLO" on channel 0'), texts.join("\n"));
    assert.ok(texts.some((text) => /CHI to SHF, server key pinned/.test(text)));
    assert.ok(texts.some((text) => /^sent "hello" reliably; ACKed in/.test(text)));
  });

  for (const transport of ["udp", "tcp"]) {
    it(`serve (${here}) echoes what connect (${there}) sends over ${transport}`, async () => {
      const server = thing(here, ["serve", "--transport", transport, "--port", "0"]);
      try {
        const [, port] = await server.waitFor(/listening on \w+ 127\.0\.0\.1:(\d+)/, 10_000);
        const client = thing(there, ["connect", `127.0.0.1:${port}`, "--transport", transport]);
        client.child.stdin!.end("first line\nsecond line\n");
        assert.equal(await client.exited(10_000), 0, client.stderr());
        assert.equal(client.stdout(), "first line\nsecond line\n");
        assert.match(client.stderr(), /connected to 127\.0\.0\.1:\d+ as session [0-9a-f]{8}/);
        await server.waitFor(/session [0-9a-f]{8} closed: disconnected by client/);
        assert.match(server.stdout(), /session [0-9a-f]{8} open from 127\.0\.0\.1:\d+/);
      } finally {
        server.signal("SIGINT");
        assert.equal(await server.exited(), 0, server.stderr());
      }
      assert.match(server.stdout(), /stopped\n$/);
    });
  }

  it("connect disconnects cleanly on Ctrl-C", async () => {
    const server = thing(here, ["serve", "--port", "0"]);
    try {
      const [, port] = await server.waitFor(/listening on udp 127\.0\.0\.1:(\d+)/, 10_000);
      const client = thing(there, ["connect", `127.0.0.1:${port}`]);
      client.child.stdin!.write("still typing\n");
      await client.waitFor(/^still typing$/m, 10_000);
      client.signal("SIGINT");
      assert.equal(await client.exited(), 0, client.stderr());
      assert.match(client.stderr(), /disconnected \(disconnected\)/);
      await server.waitFor(/closed: disconnected by client/);
    } finally {
      server.signal("SIGINT");
      assert.equal(await server.exited(), 0, server.stderr());
    }
  });

  it("serve --no-echo sends nothing back", async () => {
    const server = thing(here, ["serve", "--port", "0", "--no-echo", "--timeout", "1500"]);
    try {
      const [, port] = await server.waitFor(
        /listening on udp 127\.0\.0\.1:(\d+) .*echo off/,
        4_000,
      );
      const client = thing(here, ["connect", `127.0.0.1:${port}`]);
      client.child.stdin!.end("quiet\n");
      assert.equal(await client.exited(10_000), 0, client.stderr());
      assert.equal(client.stdout(), "");
    } finally {
      server.signal("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
  });

  it("a bad flag exits 2 with one line naming it", async () => {
    for (
      const [args, pattern] of [
        [["serve", "--port", "70000"], /^thing serve: Invalid --port "70000": expected an integer/],
        [["serve", "--transport", "carrier-pigeon"], /Invalid --transport .*'udp', 'tcp'/],
        [["connect", "localhost"], /Invalid address "localhost": expected HOST:PORT/],
        [["serve", "--frobnicate"], /Unknown option '--frobnicate'/],
        [["teleport"], /Unknown command "teleport"/],
      ] as const
    ) {
      const cli = thing(here, [...args]);
      assert.equal(await cli.exited(), 2, cli.stderr());
      assert.match(cli.stderr(), pattern);
      assert.equal(cli.stderr().trim().split("\n").length, 1, cli.stderr());
    }
  });
});
