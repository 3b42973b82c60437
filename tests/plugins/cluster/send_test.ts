import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClusterError } from "../../../plugins/cluster/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { type ClusterNode, connectTo, startNode, until } from "./_nodes.ts";

const skip = redisSkip("send_test.ts");
const text = (s: string) => new TextEncoder().encode(s);

describe("cluster directory and cross-node send", { skip }, () => {
  let redis: RedisServer;
  let a: ClusterNode;
  let b: ClusterNode;
  before(async () => {
    redis = await startRedis();
    a = await startNode(redis.url, "a");
    b = await startNode(redis.url, "b");
  });
  after(async () => {
    await a?.server.close();
    await b?.server.close();
    await redis?.stop();
  });

  it("lists a session on every node with its node, and both nodes as live", async () => {
    const { client } = await connectTo(b);
    try {
      await until(
        async () => (await a.cluster.sessions()).some((s) => s.id === client.session.id),
        3000,
        "node a sees node b's session",
      );
      const seen = (await a.cluster.sessions()).find((s) => s.id === client.session.id);
      assert.equal(seen?.node, "b");
      assert.deepEqual((await a.cluster.nodes()).map((n) => n.node), ["a", "b"]);
    } finally {
      await client.close();
    }
    await until(
      async () => !(await a.cluster.sessions()).some((s) => s.id === client.session.id),
      3000,
      "a closed session leaves the directory",
    );
  });

  it("send() from node a reaches a session on node b, resolving once it is ACKed", async () => {
    const { client, received } = await connectTo(b);
    try {
      await until(async () => (await a.cluster.sessions()).length > 0, 3000, "directory entry");
      await a.cluster.send(client.session.id, text("hello from a"), { customId: 7 });
      // Reliable: resolved after the client's ACK, so it has already received it.
      assert.deepEqual(received, ["hello from a"]);
      await a.cluster.send(client.session.id, text("noack"), { reliable: false });
      await until(() => received.length === 2, 2000, "the DATA_NOACK arrives");
      // A session on this node is sent to directly.
      await b.cluster.send(client.session.id, text("local"));
      assert.deepEqual(received, ["hello from a", "noack", "local"]);
    } finally {
      await client.close();
    }
  });

  it("send() to an unknown session fails with THING_ERR_CLUSTER_UNKNOWN_SESSION", async () => {
    await assert.rejects(
      a.cluster.send("00".repeat(16), text("x")),
      (error: unknown) =>
        error instanceof ClusterError && error.code === "THING_ERR_CLUSTER_UNKNOWN_SESSION",
    );
    await assert.rejects(a.cluster.send("nothex", text("x")), TypeError);
  });

  it("closeSession() from node a ends a session on node b", async () => {
    const { client } = await connectTo(b);
    await until(async () => (await a.cluster.sessions()).length > 0, 3000, "directory entry");
    const { closed } = await a.cluster.closeSession(client.session.id, "kicked");
    assert.equal(closed, true);
    await until(() => client.session.state === "closed", 3000, "the client sees its session end");
    await client.close();
  });
});
