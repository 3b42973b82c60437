import { test } from "node:test";
import assert from "node:assert/strict";
import { here, serveOn, stop, thing } from "../../cli/_spawn.ts";

test("thing connect A:P,B:P goes on on B within 5 s when A is killed", async () => {
  const a = await serveOn(here, ["--dialect", "connection"]);
  const b = await serveOn(here, ["--dialect", "connection"]);
  const client = thing(here, [
    "connect",
    `127.0.0.1:${a.port},127.0.0.1:${b.port}`,
    "--dialect",
    "connection",
  ]);
  try {
    await client.waitFor(/connected to 127\.0\.0\.1/, 10_000);
    client.child.stdin!.write("one\n");
    await client.waitFor(/^one$/m, 10_000);
    a.server.child.kill("SIGKILL");
    const killedAt = Date.now();
    await client.waitFor(new RegExp(`reconnected to 127\\.0\\.0\\.1:${b.port}`), 6000);
    assert.ok(Date.now() - killedAt < 5500, "on B within 5 s (and the reporting's slack)");
    client.child.stdin!.write("two\n");
    await client.waitFor(/^two$/m, 10_000);
    client.child.stdin!.end();
    assert.equal(await client.exited(10_000), 0);
  } finally {
    client.child.kill("SIGKILL");
    a.server.child.kill("SIGKILL");
    await stop(b.server);
  }
});
