import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AdminServer, startAdmin } from "../../../plugins/admin/mod.ts";
import { ClusterError } from "../../../plugins/cluster/mod.ts";
import { here, run, serveOn } from "../../cli/_spawn.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { type ClusterNode, connectTo, startNode, until } from "./_nodes.ts";
import { connect } from "../../../core/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";

const skip = redisSkip("faults_test.ts");
const TOKEN = "cluster-faults-token";
const text = (s: string) => new TextEncoder().encode(s);
const isCode = (...codes: string[]) => (error: unknown) =>
  error instanceof ClusterError && codes.includes(error.code);

describe("cluster faults", { skip }, () => {
  let redis: RedisServer;
  let a: ClusterNode;
  let admin: AdminServer;
  before(async () => {
    redis = await startRedis();
    a = await startNode(redis.url, "a");
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
    await redis?.stop();
  });

  it("thing serve --cluster exits 1 with one line when Redis is unreachable", async () => {
    const { code, stderr } = await run(
      here,
      [
        "serve",
        "--port",
        "0",
        "--cluster",
        "redis://127.0.0.1:1",
      ],
      "",
      10_000,
    );
    assert.equal(code, 1);
    assert.match(stderr, /^thing serve: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+\n$/);
  });

  it("a node killed with SIGKILL loses only its own sessions, gone from the directory within 2 TTLs", async () => {
    const { server: cli, port } = await serveOn(here, [
      "--cluster",
      redis.url,
      "--node",
      "k",
      "--cluster-prefix",
      "test",
      "--cluster-ttl",
      "600",
    ]);
    const onK = await connect({
      transport: udp(),
      port,
      plugins: connection(),
      connectTimeout: 3000,
    });
    const onA = await connectTo(a);
    try {
      await until(
        async () => (await a.cluster.sessions()).some((s) => s.node === "k"),
        5000,
        "node k's session listed",
      );
      await a.cluster.send(onK.session.id, text("before"));
      cli.child.kill("SIGKILL");
      await cli.exited(3000);
      const killedAt = Date.now();
      const gone = await fetch(new URL(`/sessions/${onK.session.id}/messages`, admin.url), {
        method: "POST",
        body: "after",
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(gone.status, 503, "its node is gone");
      assert.equal((await gone.json()).error.code, "node_gone");
      await assert.rejects(
        a.cluster.send(onK.session.id, text("after")),
        isCode("THING_ERR_CLUSTER_NODE_GONE", "THING_ERR_CLUSTER_UNKNOWN_SESSION"),
      );
      await until(
        async () => !(await a.cluster.sessions()).some((s) => s.node === "k"),
        3000,
        "node k's session leaves the listing",
      );
      await until(
        async () => (await redis.command(["HGET", "test:where", onK.session.id])) === null,
        3000,
        "node k's session leaves the routing table",
      );
      assert.ok(Date.now() - killedAt < 2 * 600 + 500, "within 2 TTLs (and a beat of slack)");
      assert.deepEqual((await a.cluster.nodes()).map((n) => n.node), ["a"]);
      await assert.rejects(
        a.cluster.send(onK.session.id, text("later")),
        isCode("THING_ERR_CLUSTER_UNKNOWN_SESSION"),
      );
      // Node a's own session never noticed.
      await a.cluster.send(onA.client.session.id, text("still here"));
      assert.deepEqual(onA.received, ["still here"]);
    } finally {
      await onK.close();
      await onA.client.close();
      cli.child.kill("SIGKILL");
    }
  });

  it("Redis lost: local sessions keep working, cluster calls fail typed, the node rejoins", async () => {
    const b = await startNode(redis.url, "b");
    const onA = await connectTo(a);
    const onB = await connectTo(b);
    try {
      await until(async () => (await a.cluster.sessions()).length === 2, 3000, "both listed");
      await redis.pause();
      await until(() => a.cluster.state === "down", 3000, "node a sees Redis gone");
      assert.equal(a.cluster.health().state, "down");
      await assert.rejects(
        a.cluster.send(onB.client.session.id, text("x")),
        isCode("THING_ERR_CLUSTER_DOWN"),
      );
      await assert.rejects(a.cluster.broadcast(text("x")), isCode("THING_ERR_CLUSTER_DOWN"));
      const health = await (await fetch(new URL("/health", admin.url), {
        headers: { Authorization: `Bearer ${TOKEN}` },
      })).json();
      assert.equal(health.status, "degraded");
      assert.equal(health.cluster.state, "down");
      // Local sessions: the session is still served, and local sends are local.
      const heard: string[] = [];
      a.server.on("message", ({ data }) => heard.push(new TextDecoder().decode(data)));
      await onA.client.send(text("up the link"));
      assert.deepEqual(heard, ["up the link"]);
      await a.cluster.send(onA.client.session.id, text("down the link"));
      assert.deepEqual(onA.received, ["down the link"]);

      await redis.restart();
      await until(() => a.cluster.state === "up" && b.cluster.state === "up", 5000, "both rejoin");
      // The restarted Redis is empty: the rejoin wrote the sessions back.
      await until(async () => (await a.cluster.sessions()).length === 2, 3000, "both relisted");
      await a.cluster.send(onB.client.session.id, text("across again"));
      assert.deepEqual(onB.received, ["across again"]);
    } finally {
      await onA.client.close();
      await onB.client.close();
      await b.server.close();
    }
  });

  it("malformed data in Redis and on the channels never crashes a node", async () => {
    const id = "cd".repeat(16);
    await redis.command(["HSET", "test:where", id, "ghost"]);
    await redis.command(["ZADD", "test:nodes", "1", "ghost2"]);
    await redis.command(["SET", "test:node:ghost2", "{not json", "PX", "60000"]);
    await redis.command(["HSET", "test:node:a:sessions", "zz", "bad", id, "[1,2]"]);
    for (
      const junk of [
        "no newline",
        "{}\n",
        '{"t":"send","r":1}\nx',
        "\xff\xfe\n",
        '{"t":"reply","r":-1,"f":"a","ok":true}\n',
      ]
    ) {
      await redis.command(["PUBLISH", "test:inbox:a", junk]);
      await redis.command(["PUBLISH", "test:broadcast", junk]);
    }
    await assert.rejects(a.cluster.send(id, text("x")), isCode("THING_ERR_CLUSTER_NODE_GONE"));
    assert.deepEqual((await a.cluster.nodes()).map((n) => n.node), ["a"]);
    assert.deepEqual(await a.cluster.sessions(), []);
    assert.ok(a.cluster.health().malformed >= 3, "the skipped entries are counted");
    assert.equal(a.cluster.state, "up");
    const onA = await connectTo(a);
    await a.cluster.send(onA.client.session.id, text("fine"));
    await onA.client.close();
  });

  it("a foreign key of the wrong type gives a typed error; two prefixes do not see each other", async () => {
    await redis.command(["SET", "evil:where", "a string, not a hash"]);
    const evil = await startNode(redis.url, "e", { prefix: "evil" });
    const onE = await connectTo(evil);
    try {
      await assert.rejects(evil.cluster.send("ef".repeat(16), text("x")), ClusterError);
      assert.equal(evil.cluster.state, "up");
      assert.deepEqual((await evil.cluster.nodes()).map((n) => n.node), ["e"]);
      assert.ok(!(await a.cluster.nodes()).some((n) => n.node === "e"));
    } finally {
      await onE.client.close();
      await evil.server.close();
    }
  });
});
