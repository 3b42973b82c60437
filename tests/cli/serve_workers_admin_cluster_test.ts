import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen, type ThingClient, type ThingNode } from "../../core/node.ts";
import type { Transport } from "../../core/transport.ts";
import { type Cluster, cluster } from "../../plugins/cluster/mod.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { tcp } from "../../transports/tcp/mod.ts";
import { udp } from "../../transports/udp/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../_redis.ts";
import { within } from "../_within.ts";
import { here, stop, thing } from "./_spawn.ts";

/** Deno has no SO_REUSEPORT for UDP, so its workers serve tcp. */
const kind = here === "deno" ? "tcp" : "udp";
const clientTransport = (): Transport => kind === "tcp" ? tcp() : udp();
const TOKEN = "workers-admin-cluster";
const skip = redisSkip("serve_workers_admin_cluster_test.ts");

interface Listed {
  id: string;
  node: string;
  worker?: number;
}

describe(`thing serve --workers 2 --cluster --admin (${here})`, { skip, timeout: 90_000 }, () => {
  let redis: RedisServer;
  let probe: Cluster;
  let other: ThingNode;
  before(async () => {
    redis = await startRedis();
    probe = cluster({ url: redis.url, node: "other", prefix: "wa" });
    await probe.start();
    other = await listen({ transport: clientTransport(), port: 0, plugins: [probe, connection()] });
  });
  after(async () => {
    await other?.close();
    await probe?.stop();
    await redis?.stop();
  });

  it("lists each session of the cluster once, reaches every one, labels metrics", async () => {
    const server = thing(here, [
      "serve",
      ...["--workers", "2", "--port", "0", "--transport", kind, "--json", "--no-echo"],
      ...["--cluster", redis.url, "--node", "w", "--cluster-prefix", "wa"],
      ...["--admin", "127.0.0.1:0", "--admin-token", TOKEN],
    ]);
    const clients: ThingClient[] = [];
    try {
      const [adminLine] = await server.waitFor(/^\{"event":"admin".*\}$/m, 20_000);
      const [listening] = await server.waitFor(/^\{"event":"listening".*\}$/m, 20_000);
      const base = JSON.parse(adminLine).url as string;
      const port = Number(JSON.parse(listening).address.split(":").pop());
      const api = (path: string, init: RequestInit = {}) =>
        fetch(new URL(path, base), {
          ...init,
          headers: { Authorization: `Bearer ${TOKEN}` },
          signal: AbortSignal.timeout(10_000),
        });
      // Eight on the pool (all on one worker by chance: 1 in 128), one on the other node.
      for (let i = 0; i < 8; i++) {
        clients.push(await connect({ transport: clientTransport(), port, plugins: connection() }));
      }
      const away = await connect({
        transport: clientTransport(),
        port: other.address.port,
        plugins: connection(),
      });
      clients.push(away);
      let sessions: Listed[] = [];
      await within(
        10_000,
        (async () => {
          while ((sessions = (await (await api("/sessions")).json()).sessions).length < 9) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })(),
        "nine sessions listed",
      );
      assert.equal(sessions.length, 9, JSON.stringify(sessions));
      assert.equal(new Set(sessions.map((s) => s.id)).size, 9, "each session once");
      for (const client of clients) {
        const listed = sessions.find((s) => s.id === client.session.id);
        assert.ok(listed, client.session.id);
        assert.equal(listed.node, client === away ? "other" : "w");
      }
      const workers = new Set(sessions.filter((s) => s.node === "w").map((s) => s.worker));
      assert.deepEqual([...workers].sort(), [0, 1]);

      // A message to a session on worker 1, and one to the other node's session.
      const onOne = clients.find((client) =>
        sessions.find((s) => s.id === client.session.id)!.worker === 1 && client !== away
      )!;
      for (
        const [client, text] of [[onOne, "to worker one"], [away, "to the other node"]] as const
      ) {
        const received = new Promise<string>((resolve) =>
          client.on("message", ({ data }) => resolve(new TextDecoder().decode(data)))
        );
        const sent = await api(`/sessions/${client.session.id}/messages`, {
          method: "POST",
          body: text,
        });
        assert.equal(sent.status, 200, await sent.clone().text());
        await sent.body?.cancel();
        assert.equal(await within(5_000, received, text), text);
      }

      const metrics = await (await api("/metrics")).text();
      assert.match(
        metrics,
        /^thing_endpoint_packets_total\{direction="in",node="w",worker="0"\} /m,
      );
      assert.match(
        metrics,
        /^thing_endpoint_packets_total\{direction="in",node="w",worker="1"\} /m,
      );
      assert.doesNotMatch(metrics, /worker="\d+",worker=/);
      const nodes = await (await api("/cluster/nodes")).json() as { nodes: { member: string }[] };
      assert.deepEqual(nodes.nodes.map((n) => n.member).sort(), ["other", "w/0", "w/1"]);
    } finally {
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      assert.equal(await stop(server), 0, server.stderr());
    }
  });
});
