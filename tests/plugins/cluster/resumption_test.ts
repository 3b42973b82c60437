import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen, type Plugin, type ThingNode } from "../../../core/mod.ts";
import type { PluginApi } from "../../../core/plugin.ts";
import { cluster } from "../../../plugins/cluster/mod.ts";
import {
  fingerprint,
  generateIdentity,
  type Identity,
  MemoryTicketStore,
  type ResumptionEvent,
  resumptionEvent,
  thing,
} from "../../../plugins/thing/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { until } from "./_nodes.ts";

const skip = redisSkip("resumption_test.ts");
const fingerprintOf = (identity: Identity) => fingerprint(identity.publicKey);

/** A plugin that keeps the endpoint's plugin API, to read services and end sessions silently. */
function apiProbe(): Plugin & { api(): PluginApi } {
  let kept: PluginApi | undefined;
  return { name: "test:api-probe", setup: (api) => void (kept = api), api: () => kept! };
}

/** A plugin recording a client's resumption outcomes from its setup on. */
function outcomes(): Plugin & { seen: ResumptionEvent[] } {
  const seen: ResumptionEvent[] = [];
  return {
    name: "test:resumption-outcomes",
    setup: (api) => void api.on(resumptionEvent, (event) => void seen.push(event)),
    seen,
  };
}

/** A Thing server of `identity` that joined the cluster at `url` as `node`. */
async function thingNode(url: string, node: string, identity: Identity, port = 0) {
  const member = cluster({ url, node, prefix: "resume", ttl: 900 });
  await member.start();
  const probe = apiProbe();
  const server = await listen({
    transport: udp(),
    port,
    plugins: [thing({ identity }), member, probe],
  });
  return { server, probe };
}

describe("resumption and stateless reset across a cluster", { skip }, () => {
  let redis: RedisServer;
  const servers: ThingNode[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const server of servers) await server.close();
    await redis?.stop();
  });

  it("a ticket minted by node a resumes on node b (the ticket secret is shared through Redis)", async () => {
    const identity = generateIdentity();
    const a = await thingNode(redis.url, "a", identity);
    const b = await thingNode(redis.url, "b", identity);
    servers.push(a.server, b.server);
    const shared = () => [a, b].map((n) => n.probe.api().service("ticketSecrets")?.secrets()[0]);
    await until(() => shared().every((s) => s !== undefined), 3000, "both have ticket secrets");
    assert.deepEqual(shared()[0], shared()[1]);
    const tickets = new MemoryTicketStore();
    const plugins = thing({ serverKey: identity.publicKey, tickets });
    const first = await connect({ transport: udp(), port: a.server.address.port, plugins });
    assert.equal(tickets.size, 1);
    await first.close();
    const onB = outcomes();
    const second = await connect({
      transport: udp(),
      port: b.server.address.port,
      plugins: [...thing({ serverKey: identity.publicKey, tickets }), onB],
      connectTimeout: 3000,
    });
    try {
      assert.equal(second.session.state, "open");
      assert.deepEqual(onB.seen.map((o) => o.resumed), [true]);
      assert.equal(tickets.size, 1, "node b issued the next ticket");
      const stranger = await thingNode(redis.url, "s", generateIdentity());
      servers.push(stranger.server);
      // Unpinned, the client files tickets by address: give the stranger's address b's ticket.
      tickets.put(
        `127.0.0.1:${stranger.server.address.port}`,
        tickets.take(fingerprintOf(identity))!,
      );
      const onStranger = outcomes();
      const third = await connect({
        transport: udp(),
        port: stranger.server.address.port,
        plugins: [...thing({ tickets }), onStranger],
        connectTimeout: 3000,
      });
      assert.equal(third.session.state, "open", "a full handshake after the refusal");
      assert.equal(onStranger.seen[0]?.error?.code, "THING_ERR_TICKET_INVALID", "another identity");
      await third.close();
    } finally {
      await second.close();
    }
  });

  it("a node that took over a dead node's address resets its sessions at once (same identity, same key)", async () => {
    const identity = generateIdentity();
    const a = await thingNode(redis.url, "dying", identity);
    const port = a.server.address.port;
    const client = await connect({
      transport: udp(),
      port,
      plugins: thing({ serverKey: identity.publicKey, statelessReset: true, ttl: 60_000 }),
      connectTimeout: 3000,
    });
    try {
      // Node a loses every session without a word (as a crash does), then its address is taken.
      const api = a.probe.api();
      for (const session of [...api.sessions.values()]) api.control(session).terminate("crash");
      await a.server.close();
      const b = await thingNode(redis.url, "heir", identity, port);
      servers.push(b.server);
      const started = Date.now();
      await client.send(new Uint8Array(32), { reliable: false });
      await until(() => client.session.state === "closed", 3000, "the client sees the reset");
      assert.equal(client.session.closeReason, "stateless reset");
      assert.equal((client.session.closeError as { code?: string }).code, "THING_ERR_RESET");
      assert.ok(Date.now() - started < 3000, "well before the 60 s TTL");
    } finally {
      await client.close();
    }
  });
});
