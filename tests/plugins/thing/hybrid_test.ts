import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pair } from "../../../core/testing/mod.ts";
import { connectionData } from "../../../plugins/connection/mod.ts";
import { hybrid, thingSession } from "../../../plugins/thing/mod.ts";
import { IDENTITY, Tap } from "./_fixtures.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

const { DATA_ACK, ACK } = ConnectionPacket;
const text = (s: string) => new TextEncoder().encode(s);

function hybridPair(toServer?: Tap, toClient?: Tap) {
  return pair({
    // The seed data path: this client does not offer FRAMED packets (tests/plugins/connection/
    // framed_hybrid_test.ts covers them).
    clientPlugins: hybrid({ serverKey: IDENTITY.publicKey, initialRto: 300, framed: false }),
    serverPlugins: hybrid({ identity: IDENTITY }),
    toServer,
    toClient,
  });
}

describe("hybrid()", () => {
  it("is the thing session layer followed by the Connection data plugin", () => {
    const names = hybrid({ identity: IDENTITY }).map((p) => (p as { name: string }).name);
    assert.deepEqual(names, ["thing", "thing:connection-data"]);
  });

  it("delivers sealed DATA_ACK messages reliably, answered by sealed ACKs", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = hybridPair(toServer, toClient);
    const got: string[] = [];
    p.server.on(
      "message",
      ({ data, reliable, customId }) =>
        got.push(`${new TextDecoder().decode(data)}/${reliable}/${customId}`),
    );
    const session = await p.connect();
    const sending = session.send(text("reliable"), { customId: 3 });
    await p.net.drive();
    await sending;
    await session.send(text("fast"), { reliable: false });
    await p.net.drive();
    assert.deepEqual(got, ["reliable/true/3", "fast/false/0"]);
    assert.equal(toServer.types().filter((t) => t === DATA_ACK).length, 1);
    assert.equal(toClient.types().filter((t) => t === ACK).length, 1);
  });

  it("retransmits a DATA_ACK whose ACK was lost; the repeat passes the replay window once", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = hybridPair(toServer, toClient);
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(new TextDecoder().decode(data)));
    const session = await p.connect();
    let acksLost = 0;
    toClient.rewrite = (packet) => (packet.type === ACK && acksLost++ === 0 ? null : undefined);
    const sending = session.send(text("again"));
    await p.net.runUntil(() => toClient.types().filter((t) => t === ACK).length === 2, 5000);
    await p.net.drive();
    await sending;
    assert.deepEqual(got, ["again"]);
    const sent = toServer.sent.filter((b) => b[48] === DATA_ACK);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0], sent[1], "the retransmission is byte-identical (same order count)");
  });

  it("answers a repeated DATA_ACK sent 1,500 order counts later (replay window follows the data window)", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = hybridPair(toServer, toClient);
    const got: string[] = [];
    p.server.on(
      "message",
      ({ data, reliable }) => reliable && got.push(new TextDecoder().decode(data)),
    );
    const session = await p.connect();
    let acksLost = 0;
    toClient.rewrite = (packet) => (packet.type === ACK && acksLost++ === 0 ? null : undefined);
    const sending = session.send(text("late"));
    for (let i = 0; i < 1500; i++) await session.send(text("filler"), { reliable: false });
    await p.net.runUntil(() => toClient.types().filter((t) => t === ACK).length === 2, 5000);
    await p.net.drive();
    await sending;
    assert.deepEqual(got, ["late"]);
  });

  it("lets a user swap in their own data plugin", async () => {
    const p = pair({
      clientPlugins: [thingSession({ serverKey: IDENTITY.publicKey }), connectionData()],
      serverPlugins: [thingSession({ identity: IDENTITY }), connectionData()],
    });
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(new TextDecoder().decode(data)));
    const session = await p.connect();
    await Promise.all([session.send(text("own")), p.net.drive()]);
    assert.deepEqual(got, ["own"]);
  });
});
