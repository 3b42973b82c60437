import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Session } from "../../../core/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { type ClusterNode, connectTo, startNode, until } from "./_nodes.ts";

const skip = redisSkip("rooms_test.ts");
const text = (s: string) => new TextEncoder().encode(s);

describe("cluster rooms and broadcast", { skip }, () => {
  let redis: RedisServer;
  const nodes: ClusterNode[] = [];
  before(async () => {
    redis = await startRedis();
    for (const name of ["a", "b", "c"]) nodes.push(await startNode(redis.url, name));
  });
  after(async () => {
    for (const node of nodes) await node.server.close();
    await redis?.stop();
  });

  it("broadcast() reaches every member of a room on every node exactly once", async () => {
    const clients: ({ node: ClusterNode } & Awaited<ReturnType<typeof connectTo>>)[] = [];
    for (const node of nodes) {
      for (let i = 0; i < 2; i++) clients.push({ node, ...(await connectTo(node)) });
    }
    try {
      const serverSession = (node: ClusterNode, id: string): Session => {
        const session = [...node.server.endpoint.sessions].find((s) => s.id === id);
        assert.ok(session, "the server holds the session");
        return session;
      };
      // The first client of each node joins "blue"; the second of node a joins and leaves it.
      for (const [i, { node, client }] of clients.entries()) {
        const session = serverSession(node, client.session.id);
        if (i % 2 === 0) node.cluster.join(session, "blue");
        if (i === 1) {
          node.cluster.join(session, "blue");
          node.cluster.leave(session, "blue");
        }
      }
      await until(async () => (await nodes[0]!.cluster.nodes()).length === 3, 3000, "3 nodes");
      const blue = await nodes[1]!.cluster.broadcast(text("blue only"), { room: "blue" });
      assert.deepEqual(blue, { nodes: 3, delivered: 3, failed: 0 });
      // Reliable: resolved once every delivery was ACKed.
      assert.deepEqual(clients.map((c) => c.received.join("|")), [
        "blue only",
        "",
        "blue only",
        "",
        "blue only",
        "",
      ]);
      const all = await nodes[2]!.cluster.broadcast(text("everyone"), { customId: 3 });
      assert.deepEqual(all, { nodes: 3, delivered: 6, failed: 0 });
      assert.ok(clients.every((c) => c.received.filter((m) => m === "everyone").length === 1));
      assert.deepEqual(
        nodes[0]!.cluster.roomsOf(serverSession(nodes[0]!, clients[0]!.client.session.id)),
        [
          "blue",
        ],
      );
      assert.throws(
        () => nodes[0]!.cluster.join(serverSession(nodes[0]!, clients[0]!.client.session.id), ""),
        TypeError,
      );
    } finally {
      for (const { client } of clients) await client.close();
    }
  });
});
