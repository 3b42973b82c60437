import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type ThingClient } from "../../core/node.ts";
import type { Transport } from "../../core/transport.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { tcp } from "../../transports/tcp/mod.ts";
import { udp } from "../../transports/udp/mod.ts";
import { within } from "../_within.ts";
import { here, run, stop, thing } from "./_spawn.ts";

/** Deno has no SO_REUSEPORT for UDP, so its workers serve tcp. */
const kind = here === "deno" ? "tcp" : "udp";
const clientTransport = (): Transport => kind === "tcp" ? tcp() : udp();
const TOKEN = "workers-admin-token";

interface Listed {
  id: string;
  worker: number;
  state: string;
}

/** Resolves once `check` holds, polling every 50 ms (rejects after `ms`). */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Not ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test(`thing serve --workers 2 --admin serves every worker on one address (${here})`, {
  timeout: 90_000,
}, async () => {
  const server = thing(here, [
    "serve",
    ...["--workers", "2", "--port", "0", "--transport", kind, "--json", "--no-echo"],
    ...["--admin", "127.0.0.1:0", "--admin-token", TOKEN],
  ]);
  const clients: ThingClient[] = [];
  try {
    const [adminLine] = await server.waitFor(/^\{"event":"admin".*\}$/m, 20_000);
    const [listening] = await server.waitFor(/^\{"event":"listening".*\}$/m, 20_000);
    const base = JSON.parse(adminLine).url as string;
    assert.equal(JSON.parse(adminLine).token, undefined, "a given token is not printed");
    const port = Number(JSON.parse(listening).address.split(":").pop());
    const api = (path: string, init: RequestInit = {}, token = TOKEN) =>
      fetch(new URL(path, base), {
        ...init,
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
    const list = async () =>
      ((await (await api("/sessions")).json()) as { sessions: Listed[] }).sessions;

    // Sessions land on both workers (all 12 on one by chance: 1 in 2,048).
    for (let i = 0; i < 12; i++) {
      clients.push(await connect({ transport: clientTransport(), port, plugins: connection() }));
    }
    let sessions: Listed[] = [];
    await until(async () => (sessions = await list()).length === 12, "12 sessions listed");
    for (const client of clients) {
      assert.ok(sessions.some((s) => s.id === client.session.id), client.session.id);
    }
    const byWorker = (worker: number) => {
      const listed = sessions.find((s) => s.worker === worker);
      assert.ok(listed, `a session on worker ${worker}: ${JSON.stringify(sessions)}`);
      return clients.find((client) => client.session.id === listed.id)!;
    };
    const onZero = byWorker(0);
    const onOne = byWorker(1);

    // A message reaches each, whichever worker holds it: 200 once acknowledged.
    for (const [client, text] of [[onZero, "to zero"], [onOne, "to one"]] as const) {
      const received = new Promise<string>((resolve) =>
        client.on("message", ({ data }) => resolve(new TextDecoder().decode(data)))
      );
      const sent = await api(`/sessions/${client.session.id}/messages?customId=7`, {
        method: "POST",
        body: text,
      });
      assert.equal(sent.status, 200, await sent.clone().text());
      assert.deepEqual(await sent.json(), {
        id: client.session.id,
        delivered: true,
        bytes: text.length,
        customId: 7,
        reliable: true,
      });
      assert.equal(await within(5_000, received, "the admin message"), text);
    }
    const unknownId = "0".repeat(32);
    const unknown = await api(`/sessions/${unknownId}/messages`, { method: "POST", body: "x" });
    assert.equal(unknown.status, 404);
    assert.equal(
      ((await unknown.json()) as { error: { code: string } }).error.code,
      "unknown_session",
    );
    assert.equal((await api("/sessions/not-an-id")).status, 400);
    const one = await api(`/sessions/${onOne.session.id}`);
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as Listed).state, "open");

    // The metrics of both workers, each sample labelled, each family announced once.
    const metrics = await (await api("/metrics")).text();
    assert.match(metrics, /^thing_endpoint_packets_total\{direction="in",worker="0"\} \d+$/m);
    assert.match(metrics, /^thing_endpoint_packets_total\{direction="in",worker="1"\} \d+$/m);
    assert.equal(metrics.match(/^# TYPE thing_endpoint_packets_total /gm)?.length, 1, metrics);

    const health = (await (await api("/health")).json()) as {
      status: string;
      sessions: number;
      workers: unknown[];
    };
    assert.equal(health.status, "ok");
    assert.equal(health.sessions, 12);
    assert.equal(health.workers.length, 2);

    // DELETE ends the session on worker 1; it leaves the list.
    const ended = await api(`/sessions/${onOne.session.id}`, { method: "DELETE" });
    assert.equal(ended.status, 200, await ended.clone().text());
    await until(() => onOne.session.state === "closed", "the client closed");
    await until(
      async () => !(await list()).some((s) => s.id === onOne.session.id),
      "the session gone from the list",
    );
    assert.equal((await api(`/sessions/${onOne.session.id}`, { method: "DELETE" })).status, 404);

    // The bearer-token rule: a wrong or missing token is refused on every route.
    for (const path of ["/sessions", "/metrics", `/sessions/${onZero.session.id}`]) {
      const refused = await api(path, {}, "wrong-token-123");
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
    }
    const bare = await fetch(new URL("/sessions", base), { signal: AbortSignal.timeout(10_000) });
    assert.equal(bare.status, 401);
    await bare.body?.cancel();
    const events = await api("/events");
    assert.equal(events.status, 501);
    await events.body?.cancel();
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    assert.equal(await stop(server), 0, server.stderr());
  }
});

test(`thing serve --workers checks its --admin flags before starting (${here})`, {
  timeout: 30_000,
}, async () => {
  const open = await run(here, ["serve", "--workers", "2", "--admin", "0.0.0.0:0"]);
  assert.equal(open.code, 2, open.stderr);
  assert.match(open.stderr, /Invalid --admin 0\.0\.0\.0 without --admin-token/);
  const lone = await run(here, ["serve", "--workers", "2", "--admin-token", TOKEN]);
  assert.equal(lone.code, 2, lone.stderr);
  assert.match(lone.stderr, /Invalid --admin-token without --admin/);
  const short = await run(here, [
    "serve",
    "--workers",
    "2",
    "--admin",
    "127.0.0.1:0",
    "--admin-token",
    "x",
  ]);
  assert.equal(short.code, 2, short.stderr);
  assert.match(short.stderr, /Invalid --admin-token/);
});
