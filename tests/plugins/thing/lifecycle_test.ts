import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import { Tap, thingPair } from "./_fixtures.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHB, SUU, CGB, SGB, CFL, SFL } = ThingPacket;
const TTL = { ttl: 3000 };

function closes(endpoint: ReturnType<typeof pair>["client"]): string[] {
  const reasons: string[] = [];
  endpoint.on("close", ({ reason }) => reasons.push(reason));
  return reasons;
}

describe("thing() heartbeat and TTL", () => {
  it("sends CHB every TTL/3 and the server answers SUU; the session outlives many TTLs", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(TTL, TTL), toServer, toClient });
    const session = await p.connect();
    const start = p.net.clock.now();
    await p.net.runFor(10_000);
    assert.equal(session.state, "open");
    assert.equal([...p.server.sessions].length, 1);
    const chb = toServer.types().filter((t) => t === CHB).length;
    assert.equal(chb, Math.floor(10_000 / 1000));
    await p.net.drive();
    assert.equal(toClient.types().filter((t) => t === SUU).length, chb);
    assert.ok(p.net.clock.now() - start >= 10_000);
  });

  it("uses the smaller of the client's and the server's TTL", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({ ttl: 60_000 }, TTL), toServer });
    await p.connect();
    await p.net.runFor(3000);
    assert.equal(toServer.types().filter((t) => t === CHB).length, 3);
  });

  it("ends a session silent for the TTL: the server sends SFL and the client closes", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(TTL, TTL), toServer, toClient });
    const serverCloses: unknown[] = [];
    p.server.on("close", ({ error }) => serverCloses.push(error));
    const clientReasons = closes(p.client);
    const session = await p.connect();
    toServer.rewrite = (packet) => (packet.type === CHB ? null : undefined);
    await p.net.runFor(2999);
    assert.equal(session.state, "open");
    await p.net.runFor(10);
    assert.equal(serverCloses.length, 1);
    assert.ok(serverCloses[0] instanceof TimeoutError);
    assert.equal(toClient.types().at(-1), SFL);
    await p.net.drive();
    assert.equal(session.state, "closed");
    assert.deepEqual(clientReasons, ["closed by server: no heartbeat within the TTL"]);
  });

  it("closes the client when the server goes silent for the TTL", async () => {
    const toClient = new Tap();
    const p = pair({ ...thingPair(TTL, TTL), toClient });
    const session = await p.connect();
    toClient.rewrite = () => null;
    await p.net.runFor(3100);
    assert.equal(session.state, "closed");
    assert.ok(session.closeError instanceof TimeoutError);
  });
});

describe("thing() terminations", () => {
  it("client goodbye: CGB → SGB → CFL ends both sides", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const serverReasons = closes(p.server);
    const session = await p.connect();
    const closing = session.close("bye");
    await p.net.drive();
    await closing;
    assert.deepEqual(toServer.types().slice(-2), [CGB, CFL]);
    assert.deepEqual(toClient.types().slice(-1), [SGB]);
    assert.equal(session.closeReason, "bye");
    assert.deepEqual(serverReasons, ["closed by client"]);
    assert.equal(p.server.sessions.size, 0);
  });

  it("client goodbye retries CGB when SGB is lost, and the server ends without CFL", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const serverReasons = closes(p.server);
    const session = await p.connect();
    let sgbLost = 0;
    toClient.rewrite = (packet) => (packet.type === SGB && sgbLost++ < 2 ? null : undefined);
    toServer.rewrite = (packet) => (packet.type === CFL ? null : undefined);
    const closing = session.close();
    await p.net.runFor(30_000);
    await closing;
    assert.equal(toServer.types().filter((t) => t === CGB).length, 3);
    assert.equal(session.state, "closed");
    assert.deepEqual(serverReasons, ["closed by client (no CFL)"]);
  });

  it("client goodbye gives up after goodbyeAttempts when the server is gone", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({ goodbyeAttempts: 2 }), toServer });
    const session = await p.connect();
    toServer.rewrite = () => null;
    await Promise.all([session.close("leaving"), p.net.runFor(10_000)]);
    assert.equal(toServer.types().filter((t) => t === CGB).length, 2);
    assert.equal(session.closeReason, "leaving (no SGB)");
  });

  it("server termination: SFL, no answer needed", async () => {
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toClient });
    const clientReasons = closes(p.client);
    const session = await p.connect();
    await [...p.server.sessions][0]!.close("maintenance");
    await p.net.drive();
    assert.equal(toClient.types().at(-1), SFL);
    assert.equal(session.state, "closed");
    assert.deepEqual(clientReasons, ["closed by server"]);
  });

  it("endpoint close() says goodbye on every session", async () => {
    const p = pair(thingPair());
    const session = await p.connect();
    await Promise.all([p.client.close(), p.net.drive()]);
    await p.net.drive();
    assert.equal(session.state, "closed");
    assert.equal(p.server.sessions.size, 0);
  });
});
