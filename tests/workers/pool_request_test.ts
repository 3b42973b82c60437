import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../../core/node.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { tcp } from "../../transports/tcp/mod.ts";
import { serveWorkers, type WorkerPool } from "../../workers/mod.ts";
import { within } from "../_within.ts";

const MODULE = new URL("./_request_worker.ts", import.meta.url);

/** Two workers over tcp (which both runtimes can share). */
function startPool(data?: unknown): Promise<WorkerPool> {
  return within(
    20_000,
    serveWorkers({ module: MODULE, workers: 2, transport: "tcp", data }),
    "pool start",
  );
}

test("pool.request() passes a request to a worker's handler and brings its response back", {
  timeout: 60_000,
}, async () => {
  const pool = await startPool();
  try {
    for (const index of [0, 1]) {
      const response = await pool.request(
        index,
        new Request("http://pool/some/path?q=1", { method: "POST", body: `to ${index}` }),
      );
      assert.equal(response.status, 201);
      assert.equal(response.headers.get("x-worker"), String(index));
      assert.deepEqual(await response.json(), {
        worker: index,
        method: "POST",
        path: "/some/path",
        body: `to ${index}`,
      });
    }
    const thrown = await pool.request(0, new Request("http://pool/throw"));
    assert.equal(thrown.status, 500);
    assert.match(await thrown.text(), /asked to throw/);
    await assert.rejects(
      pool.request(1, new Request("http://pool/hang"), 200),
      { name: "TimeoutError", code: "THING_ERR_TIMEOUT" },
    );
    await assert.rejects(pool.request(2, new Request("http://pool/")), RangeError);
    await assert.rejects(pool.request(-1, new Request("http://pool/")), RangeError);
  } finally {
    await pool.close();
  }
});

test("pool.request() fails with a typed error while its worker is down, and at a worker's death", {
  timeout: 60_000,
}, async () => {
  const pool = await startPool();
  try {
    const waiting = pool.request(1, new Request("http://pool/hang"), 10_000);
    const restarted = new Promise<void>((resolve) => pool.on("restart", () => resolve()));
    await pool.kill(1);
    await assert.rejects(waiting, { code: "THING_ERR_WORKER_UNAVAILABLE" });
    await assert.rejects(
      pool.request(1, new Request("http://pool/")),
      { code: "THING_ERR_WORKER_UNAVAILABLE" },
    );
    await within(10_000, restarted, "the restart");
    assert.equal((await pool.request(1, new Request("http://pool/"))).status, 201);
  } finally {
    await pool.close();
  }
  await assert.rejects(
    pool.request(0, new Request("http://pool/")),
    { code: "THING_ERR_WORKER_UNAVAILABLE" },
  );
});

test(
  "pool.request() answers 503 from a worker that set no handler",
  { timeout: 60_000 },
  async () => {
    const pool = await startPool({ handler: false });
    try {
      const response = await pool.request(0, new Request("http://pool/"));
      assert.equal(response.status, 503);
      assert.match(await response.text(), /called no handleRequests/);
    } finally {
      await pool.close();
    }
  },
);

test("pool.ownerOf() names the worker holding a session, and none for others", {
  timeout: 60_000,
}, async () => {
  const pool = await startPool();
  try {
    const client = await connect({
      transport: tcp(),
      port: pool.address.port,
      plugins: connection(),
    });
    try {
      const owner = pool.ownerOf(client.session.clientId);
      assert.ok(owner === 0 || owner === 1, String(owner));
      const held = (await pool.stats()).find((worker) => worker.index === owner)!;
      assert.equal(held.sessions, 1);
      assert.equal(pool.ownerOf(new Uint8Array(16)), undefined);
      assert.equal(pool.ownerOf(new Uint8Array(3)), undefined);
    } finally {
      await client.close();
    }
  } finally {
    await pool.close();
  }
});
