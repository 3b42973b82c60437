import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { systemClock, systemRandom } from "../../../core/clock.ts";
import { connect, listen } from "../../../core/mod.ts";
import type { CookieSecrets, Plugin } from "../../../core/plugin.ts";
import { cluster } from "../../../plugins/cluster/mod.ts";
import { generateIdentity, thing } from "../../../plugins/thing/mod.ts";
import { CookieJar } from "../../../plugins/thing/cookie.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { startNode, until } from "./_nodes.ts";

const skip = redisSkip("cookies_test.ts");

/** A plugin that hands out the cookie secrets service other plugins provide. */
function secretsProbe(): Plugin & { secrets(): CookieSecrets | undefined } {
  let read: () => CookieSecrets | undefined = () => undefined;
  return {
    name: "test:secrets-probe",
    setup(api) {
      read = () => api.service("cookieSecrets");
    },
    secrets: () => read(),
  };
}

describe("cookie secrets shared through the cluster", { skip }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it("a cookie minted on node a verifies on node b, and not on a server outside the cluster", async () => {
    const probeA = secretsProbe();
    const probeB = secretsProbe();
    const a = await startNode(redis.url, "a", {}, [probeA]);
    const b = await startNode(redis.url, "b", {}, [probeB]);
    try {
      await until(() => (probeA.secrets()?.secrets().length ?? 0) > 0, 3000, "a has secrets");
      await until(() => (probeB.secrets()?.secrets().length ?? 0) > 0, 3000, "b has secrets");
      assert.deepEqual(probeA.secrets()!.secrets()[0], probeB.secrets()!.secrets()[0]);
      const jarA = new CookieJar(systemClock, systemRandom, 30_000, probeA.secrets);
      const jarB = new CookieJar(systemClock, systemRandom, 30_000, probeB.secrets);
      const alone = new CookieJar(systemClock, systemRandom, 30_000);
      const clientId = new Uint8Array(16).fill(5);
      const peer = { hostname: "127.0.0.1", port: 4242 };
      const cookie = jarA.mint(clientId, peer);
      assert.equal(jarB.verify(cookie, clientId, peer), true);
      assert.equal(jarB.verify(cookie, clientId, { ...peer, port: 4243 }), false);
      assert.equal(alone.verify(cookie, clientId, peer), false);
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  it("a Thing server in the cluster that always asks for a cookie completes handshakes", async () => {
    const identity = generateIdentity();
    const member = cluster({ url: redis.url, node: "t", prefix: "test" });
    await member.start();
    const server = await listen({
      transport: udp(),
      plugins: [thing({ identity, cookieThreshold: 0 }), member],
    });
    try {
      const client = await connect({
        transport: udp(),
        port: server.address.port,
        plugins: thing({ serverKey: identity.publicKey }),
        connectTimeout: 3000,
      });
      assert.equal(client.session.state, "open");
      await client.close();
    } finally {
      await server.close();
    }
  });
});
