import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AdminServer, startAdmin } from "../../../plugins/admin/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { type ClusterNode, connectTo, startNode, until } from "./_nodes.ts";

const skip = redisSkip("admin_test.ts");
const TOKEN = "cluster-admin-token";
const auth = { Authorization: `Bearer ${TOKEN}` };

describe("the admin API of a cluster node", { skip }, () => {
  let redis: RedisServer;
  let a: ClusterNode;
  let b: ClusterNode;
  let admin: AdminServer;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(new URL(path, admin.url), { ...init, headers: { ...auth, ...init.headers } });

  before(async () => {
    redis = await startRedis();
    a = await startNode(redis.url, "a");
    b = await startNode(redis.url, "b");
    admin = await startAdmin({
      endpoint: a.server.endpoint,
      cluster: a.cluster,
      port: 0,
      token: TOKEN,
    });
  });
  after(async () => {
    await admin?.close();
    await a?.server.close();
    await b?.server.close();
    await redis?.stop();
  });

  it("GET /sessions lists every node's sessions with a node field; GET /cluster/nodes the nodes", async () => {
    const onA = await connectTo(a);
    const onB = await connectTo(b);
    try {
      await until(
        async () => (await (await api("/sessions")).json()).sessions.length === 2,
        3000,
        "both sessions listed",
      );
      const { sessions } = await (await api("/sessions")).json();
      const nodeOf = (id: string) => sessions.find((s: { id: string }) => s.id === id)?.node;
      assert.equal(nodeOf(onA.client.session.id), "a");
      assert.equal(nodeOf(onB.client.session.id), "b");
      const shown = await (await api(`/sessions/${onB.client.session.id}`)).json();
      assert.equal(shown.node, "b");
      const { nodes } = await (await api("/cluster/nodes")).json();
      assert.deepEqual(nodes.map((n: { node: string }) => n.node), ["a", "b"]);
    } finally {
      await onA.client.close();
      await onB.client.close();
    }
  });

  it("POST /sessions/:id/messages delivers to a session on another node, 200 once ACKed", async () => {
    const { client, received } = await connectTo(b);
    const customIds: number[] = [];
    client.on("message", ({ customId }) => customIds.push(customId));
    try {
      await until(
        async () => (await a.cluster.sessions()).some((s) => s.id === client.session.id),
        3000,
        "listed",
      );
      const sent = await api(`/sessions/${client.session.id}/messages?customId=9`, {
        method: "POST",
        body: "via admin",
      });
      assert.equal(sent.status, 200);
      assert.deepEqual(received, ["via admin"]);
      assert.deepEqual(customIds, [9]);
      const noack = await api(`/sessions/${client.session.id}/messages?reliable=false`, {
        method: "POST",
        body: "quick",
      });
      assert.equal(noack.status, 200);
      await until(() => received.length === 2, 2000, "the DATA_NOACK arrives");
      const unknown = await api(`/sessions/${"ab".repeat(16)}/messages`, {
        method: "POST",
        body: "x",
      });
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.code, "unknown_session");
      const bad = await api(`/sessions/${client.session.id}/messages?customId=70000`, {
        method: "POST",
        body: "x",
      });
      assert.equal(bad.status, 400);
      const noToken = await fetch(new URL(`/sessions/${client.session.id}/messages`, admin.url), {
        method: "POST",
        body: "x",
      });
      assert.equal(noToken.status, 401);
      assert.equal(received.length, 2, "refused requests delivered nothing");
    } finally {
      await client.close();
    }
  });

  it("DELETE /sessions/:id ends a session on whichever node holds it", async () => {
    const { client } = await connectTo(b);
    await until(
      async () => (await a.cluster.sessions()).some((s) => s.id === client.session.id),
      3000,
      "listed",
    );
    const kicked = await api(`/sessions/${client.session.id}`, { method: "DELETE" });
    assert.equal(kicked.status, 200);
    await until(() => client.session.state === "closed", 3000, "the client's session ends");
    assert.equal(client.session.closeReason, "rejected by server");
    await client.close();
    const again = await api(`/sessions/${client.session.id}`, { method: "DELETE" });
    assert.equal(again.status, 404);
  });

  it("GET /health shows the cluster and /metrics carries node and worker labels", async () => {
    await until(
      async () => (await (await api("/health")).json()).cluster.members === 2,
      3000,
      "a beat counts b",
    );
    const health = await (await api("/health")).json();
    assert.equal(health.status, "ok");
    assert.equal(health.cluster.state, "up");
    assert.equal(health.cluster.node, "a");
    const text = await (await api("/metrics")).text();
    assert.match(text, /^thing_endpoint_packets_total\{direction="in",node="a",worker="0"\} \d+$/m);
  });
});
