import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { here, run, serveOn, stop, there, thing } from "./_spawn.ts";

/** Flags that make a server observable: the admin API with `token`, JSON logs and JSON events. */
function observed(token: string): string[] {
  return [
    ...["--admin", "127.0.0.1:0", "--admin-token", token],
    ...["--log-level", "info", "--log-format", "json", "--json"],
  ];
}

describe(`thing serve extras (${here})`, () => {
  it("--admin with a token, --json events and --log-format json logs", async () => {
    const token = "cli-test-token";
    const server = thing(here, ["serve", "--port", "0", ...observed(token)]);
    try {
      const [listening] = await server.waitFor(/^\{"event":"listening".*\}$/m, 10_000);
      const { address, dialect, echo } = JSON.parse(listening);
      assert.equal(dialect, "connection");
      assert.equal(echo, true);
      const admin = JSON.parse(server.stdout().match(/^\{"event":"admin".*\}$/m)![0]);
      assert.equal(admin.dashboard, `${admin.url}?token=${token}`);
      assert.equal((await fetch(`${admin.url}health`)).status, 401);
      const auth = { headers: { authorization: `Bearer ${token}` } };
      const health = await fetch(`${admin.url}health`, auth);
      assert.equal(health.status, 200);
      await health.body?.cancel();

      const client = await run(there, ["connect", address], "logged\n");
      assert.equal(client.code, 0, client.stderr);
      const [opened] = await server.waitFor(/^\{"event":"open".*\}$/m);
      const session = JSON.parse(opened).session as string;
      assert.match(session, /^[0-9a-f]{32}$/);
      await server.waitFor(/^\{"event":"close".*"reason":"disconnected by client"\}$/m);
      const logs = server.stderr().trim().split("\n").map((line) => JSON.parse(line));
      assert.ok(
        logs.some((log) => log.level === "INFO" && log.properties?.sessionId === session),
        server.stderr(),
      );
      const metrics = await fetch(`${admin.url}metrics`, auth);
      assert.match(await metrics.text(), /thing_/);
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
    }
    assert.match(server.stdout(), /^\{"event":"stopped"\}$/m);
  });

  it(`--transport quic with --log-format json and --admin: a file from send (${there}) is logged and counted`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "thing-serve-quic-"));
    const token = "cli-quic-token";
    const server = thing(here, [
      "serve",
      ...["--transport", "quic", "--out", join(dir, "in"), "--port", "0"],
      ...observed(token),
    ]);
    try {
      const [listening] = await server.waitFor(/^\{"event":"listening".*\}$/m, 10_000);
      const file = join(dir, "small.bin");
      writeFileSync(file, new Uint8Array(50_000).fill(1));
      const sent = await run(there, ["send", JSON.parse(listening).address, file]);
      assert.equal(sent.code, 0, sent.stderr);
      const [stored] = await server.waitFor(/^\{"event":"file".*\}$/m);
      const session = JSON.parse(stored).session as string;
      // The first stderr line is the throwaway-identity warning (no --key); the rest are JSON logs.
      const logs = server.stderr().trim().split("\n").filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line));
      assert.ok(logs.some((log) => log.properties?.sessionId === session), server.stderr());
      const admin = JSON.parse(server.stdout().match(/^\{"event":"admin".*\}$/m)![0]);
      const metrics = await fetch(`${admin.url}metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      // Stream frames are named by the streams plugin's registration.
      assert.match(await metrics.text(), /thing_packets_total\{[^}]*type="STREAM"/);
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`--transport ws: connect (${there}) echoes through a WebSocket server (${here})`, async () => {
    const { server, port } = await serveOn(here, ["--transport", "ws"]);
    try {
      const client = await run(
        there,
        ["connect", `127.0.0.1:${port}`, "--transport", "ws"],
        "over ws\n",
      );
      assert.equal(client.code, 0, client.stderr);
      assert.equal(client.stdout, "over ws\n");
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it("the thing dialect without --key warns of a throwaway identity; connect reports its key", async () => {
    const { server, port } = await serveOn(here, ["--dialect", "thing"]);
    try {
      assert.match(
        server.stderr(),
        /no --key: using a throwaway identity SHA256:\S+; make a lasting one/,
      );
      const client = await run(there, [
        "connect",
        `127.0.0.1:${port}`,
        "--dialect",
        "thing",
        "--json",
      ], "sealed\n");
      assert.equal(client.code, 0, client.stderr);
      assert.deepEqual(JSON.parse(client.stdout), { customId: 0, data: "sealed" });
      assert.match(client.stderr, /server key SHA256:\S+ \(not pinned: trusting it on first use/);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it("a port in use is a clear failure (exit 1)", async () => {
    const { server, port } = await serveOn(here, ["--transport", "tcp"]);
    try {
      const second = await run(there, ["serve", "--transport", "tcp", "--port", String(port)]);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /^thing serve: .*in use/);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });
});
