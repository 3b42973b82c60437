import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HandshakeError } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import { fingerprint } from "../../../plugins/thing/mod.ts";
import { IDENTITY, Tap, thingPair } from "./_fixtures.ts";
import { serverKeyEvent, ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHI, SHI, SDH, CDH, SCC, CCC, SHF } = ThingPacket;

describe("thing() handshake", () => {
  it("runs CHI → SHI → SDH → CDH → SCC → CCC → SHF and opens both sides", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const opened: string[] = [];
    p.server.on("session", ({ session }) => opened.push(session.id));
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.deepEqual(opened, [session.id]);
    assert.deepEqual(toServer.types(), [CHI, CDH, CCC]);
    assert.deepEqual(toClient.types(), [SHI, SDH, SCC, SHF]);
  });

  it("reports the server's fingerprint, pinned or on first use", async () => {
    for (const pinned of [true, false]) {
      const p = pair(thingPair(pinned ? {} : { serverKey: undefined }));
      const seen: string[] = [];
      p.client.on(serverKeyEvent, (e) => seen.push(`${e.fingerprint}/${e.pinned}`));
      await p.connect();
      assert.deepEqual(seen, [`${fingerprint(IDENTITY.publicKey)}/${pinned}`]);
    }
  });

  it("carries sealed datagrams both ways after the handshake", async () => {
    const p = pair(thingPair());
    p.server.on(
      "message",
      ({ session, data, customId }) =>
        void session.send(data, { reliable: false, customId: customId + 1 }),
    );
    const got: string[] = [];
    p.client.on(
      "message",
      ({ data, customId }) => got.push(`${new TextDecoder().decode(data)}@${customId}`),
    );
    const session = await p.connect();
    await session.send(new TextEncoder().encode("ping"), { reliable: false, customId: 4 });
    await p.net.drive();
    assert.deepEqual(got, ["ping@5"]);
    await assert.rejects(session.send(new Uint8Array(1), { reliable: true }), {
      code: "THING_ERR_PLUGIN_SERVICE",
    });
  });

  it("sends a plain send(bytes) as a datagram: the dialect's default delivery", async () => {
    const p = pair(thingPair());
    const got: string[] = [];
    p.server.on("message", ({ data, reliable }) => {
      got.push(`${new TextDecoder().decode(data)}/${reliable}`);
    });
    const session = await p.connect();
    await session.send(new TextEncoder().encode("plain"));
    await p.net.drive();
    assert.deepEqual(got, ["plain/false"]);
  });

  it("refuses a server whose key is not the pinned one, with THING_ERR_AUTH", async () => {
    const p = pair(thingPair({ serverKey: new Uint8Array(32).fill(7) }));
    await assert.rejects(p.connect(), (error) => {
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.code, "THING_ERR_AUTH");
      assert.match(error.message, /pinned key/);
      return true;
    });
  });
});
