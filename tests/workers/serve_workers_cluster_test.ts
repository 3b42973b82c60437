import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../../core/mod.ts";
import { type Cluster, cluster } from "../../plugins/cluster/mod.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { tcp } from "../../transports/tcp/mod.ts";
import { udp } from "../../transports/udp/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../_redis.ts";
import { here, run, stop, thing } from "../cli/_spawn.ts";
import { within } from "../_within.ts";

/** Deno has no SO_REUSEPORT for UDP, so its workers serve tcp. */
const transport = here === "deno" ? "tcp" : "udp";
const skip = redisSkip("serve_workers_cluster_test.ts");

describe(`thing serve --workers 2 --cluster (${here})`, { skip, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let member: Cluster;
  before(async () => {
    redis = await startRedis();
    member = cluster({ url: redis.url, node: "probe", prefix: "wc" });
    await member.start();
  });
  after(async () => {
    await member?.stop();
    await redis?.stop();
  });

  it("each worker joins as NODE/INDEX, and a cluster send reaches a client of either", async () => {
    const server = thing(here, [
      "serve",
      ...["--workers", "2", "--port", "0", "--transport", transport, "--json"],
      ...["--cluster", redis.url, "--node", "w", "--cluster-prefix", "wc"],
    ]);
    try {
      const [listening] = await server.waitFor(/^\{"event":"listening".*\}$/m, 20_000);
      const port = Number(JSON.parse(listening).address.split(":").at(-1));
      const members = (await member.nodes()).map((n) => n.member).sort();
      assert.deepEqual(members, ["probe", "w/0", "w/1"]);
      const client = await connect({
        transport: transport === "tcp" ? tcp() : udp(),
        port,
        plugins: connection(),
      });
      try {
        const got = new Promise<string>((resolve) =>
          client.on("message", ({ data }) => resolve(new TextDecoder().decode(data)))
        );
        const listed = await within(
          5_000,
          (async () => {
            for (;;) {
              const found = (await member.sessions()).find((s) => s.id === client.session.id);
              if (found) return found;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          })(),
          "the session in the directory",
        );
        assert.equal(listed.node, "w");
        assert.ok(listed.worker === 0 || listed.worker === 1, JSON.stringify(listed));
        await member.send(client.session.id, new TextEncoder().encode("from the cluster"));
        assert.equal(await within(5_000, got, "the cluster send"), "from the cluster");
      } finally {
        await client.close();
      }
    } finally {
      assert.equal(await stop(server), 0, server.stderr());
    }
  });

  it("exits 1 with one line when Redis is unreachable", async () => {
    const { code, stderr } = await run(
      here,
      [
        "serve",
        ...["--workers", "2", "--port", "0", "--transport", transport],
        ...["--cluster", "redis://127.0.0.1:1"],
      ],
      "",
      15_000,
    );
    assert.equal(code, 1);
    assert.match(stderr, /^thing serve: .*Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  });
});
