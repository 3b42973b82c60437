import { test } from "node:test";
import assert from "node:assert/strict";
import { here, run, stop, there, thing } from "../cli/_spawn.ts";

/** Deno has no SO_REUSEPORT for UDP, so its workers serve tcp. */
const transport = here === "deno" ? "tcp" : "udp";

test(`thing serve --workers 2 serves a client and stops on a signal (${here})`, {
  timeout: 60_000,
}, async () => {
  const server = thing(here, [
    "serve",
    ...["--workers", "2", "--port", "0", "--transport", transport, "--json"],
  ]);
  try {
    const [listening] = await server.waitFor(/^\{"event":"listening".*\}$/m, 20_000);
    const { address, workers } = JSON.parse(listening);
    assert.equal(workers, 2);
    const client = await run(there, ["connect", "--transport", transport, address], "hello\n");
    assert.equal(client.code, 0, client.stderr);
    assert.match(client.stdout, /hello/);
    const [opened] = await server.waitFor(/^\{"event":"open".*\}$/m);
    assert.ok([0, 1].includes(JSON.parse(opened).worker), opened);
  } finally {
    assert.equal(await stop(server), 0, server.stderr());
  }
  assert.match(server.stdout(), /^\{"event":"stopped"\}$/m);
});

test(`thing serve rejects a bad --workers (${here})`, { timeout: 30_000 }, async () => {
  for (const value of ["0", "x", "1025", "-1"]) {
    const result = await run(here, ["serve", `--workers=${value}`, "--port", "0"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /Invalid --workers .*: expected an integer from 1 to 1024, or auto/,
    );
  }
  const lone = await run(here, ["serve", "--workers", "2", "--node", "n1"]);
  assert.equal(lone.code, 2);
  assert.match(lone.stderr, /Invalid --node without --cluster/);
});
