import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AUTHENTICATED_BIT, decodeUnverified, encodePacket } from "../../../core/mod.ts";
import { type PacketFate, pair } from "../../../core/testing/mod.ts";
import { Tap, thingPair, withPayload } from "./_fixtures.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const DATA = ThingPacket.DATA_NOACK;
const text = (s: string) => new TextEncoder().encode(s);

async function open(options: Parameters<typeof pair>[0] = thingPair()) {
  const p = pair(options);
  const got: string[] = [];
  const drops: string[] = [];
  p.server.on("message", ({ data }) => got.push(new TextDecoder().decode(data)));
  p.server.on("dropped", ({ reason }) => drops.push(reason));
  const session = await p.connect();
  return { p, session, got, drops };
}

describe("thing() sealed session", () => {
  it("seals payloads: the plaintext never appears on the wire", async () => {
    const toServer = new Tap();
    const { p, session, got } = await open({ ...thingPair(), toServer });
    await session.send(text("secret message"), { reliable: false });
    await p.net.drive();
    assert.deepEqual(got, ["secret message"]);
    const wire = toServer.sent.at(-1)!;
    assert.equal(wire.length, 64 + 14 + 16);
    assert.ok(!new TextDecoder("latin1").decode(wire).includes("secret message"));
  });

  it("drops a packet whose ciphertext, header or authenticated bit was changed, even with a valid checksum", async () => {
    const toServer = new Tap();
    const { p, session, got, drops } = await open({ ...thingPair(), toServer });
    let mode: "payload" | "header" | "bit" | "corrupt" = "payload";
    toServer.rewrite = (packet, bytes) => {
      if (packet.type !== DATA) return undefined;
      if (mode === "header") return encodePacket({ ...packet, customId: 9 });
      if (mode === "bit") return encodePacket({ ...packet, reserved: 0 });
      if (mode === "corrupt") {
        // Flipped in transit: the checksum of a sealed packet does not cover the ciphertext.
        const copy = bytes.slice();
        copy[64]! ^= 1;
        return copy;
      }
      const payload = packet.payload.slice();
      payload[0]! ^= 1;
      return withPayload(packet, payload);
    };
    await session.send(text("a"), { reliable: false });
    mode = "header";
    await session.send(text("b"), { reliable: false });
    mode = "bit";
    await session.send(text("c"), { reliable: false });
    mode = "corrupt";
    await session.send(text("d"), { reliable: false });
    await p.net.drive();
    assert.deepEqual(got, []);
    assert.deepEqual(drops, ["thing-auth", "thing-auth", "thing-auth", "thing-auth"]);
    assert.equal(session.state, "open");
  });

  it("drops replayed and duplicated packets and accepts reordered ones once", async () => {
    let held: Uint8Array | undefined;
    const fate: PacketFate = {
      plan(bytes, now) {
        if (bytes[48] !== DATA) return [{ bytes, at: now + 1 }];
        if (!held) {
          held = bytes;
          return [{ bytes, at: now + 50 }];
        }
        return [{ bytes, at: now + 1 }, { bytes, at: now + 2 }];
      },
    };
    const { p, session, got, drops } = await open({ ...thingPair(), toServer: fate });
    for (const word of ["one", "two", "three"]) await session.send(text(word), { reliable: false });
    await p.net.drive();
    assert.deepEqual(got, ["two", "three", "one"]);
    assert.deepEqual(drops, ["thing-replay", "thing-replay"]);
    p.server.handleDatagram(held!, p.clientAddress);
    assert.deepEqual(got, ["two", "three", "one"]);
    assert.deepEqual(drops, ["thing-replay", "thing-replay", "thing-replay"]);
  });

  it("moves to the next key every rekeyAfter packets, both ways", async () => {
    const toServer = new Tap();
    const options = thingPair({ rekeyAfter: 3 }, { rekeyAfter: 3 });
    const { p, session, got } = await open({ ...options, toServer });
    p.server.on("message", ({ session, data }) => void session.send(data, { reliable: false }));
    const echoed: string[] = [];
    p.client.on("message", ({ data }) => echoed.push(new TextDecoder().decode(data)));
    const words = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const word of words) await session.send(text(word), { reliable: false });
    await p.net.drive();
    assert.deepEqual(got, words);
    assert.deepEqual(echoed, words);
    const phases = toServer.sent.filter((b) => b[48] === DATA).map((b) =>
      decodeUnverified(b).reserved ^ AUTHENTICATED_BIT
    );
    assert.deepEqual(phases, [0, 0, 1, 1, 1, 0, 0, 0, 1, 1]);
  });

  it("ignores a forged SFL or CGB from outside: the session stays open", async () => {
    const { p, session } = await open();
    const server = [...p.server.sessions][0]!;
    const clientDrops: string[] = [];
    p.client.on("dropped", ({ reason }) => clientDrops.push(reason));
    const forge = (type: number, order: number) =>
      encodePacket({
        type,
        clientId: session.clientId,
        reserved: 0,
        customId: 0,
        order,
        payload: new Uint8Array(17).fill(1),
        checksum: new Uint8Array(0),
      });
    p.client.handleDatagram(forge(ThingPacket.SFL, 100), p.serverAddress);
    p.server.handleDatagram(forge(ThingPacket.CGB, 100), p.clientAddress);
    p.server.handleDatagram(forge(ThingPacket.CGB, 101), { hostname: "attacker", port: 9 });
    await p.net.runFor(100);
    assert.equal(session.state, "open");
    assert.equal(server.state, "open");
    assert.deepEqual(clientDrops, ["thing-auth"]);
    assert.equal(p.server.stats.dropped["thing-auth"], 1);
    assert.equal(p.server.stats.dropped["thing-wrong-address"], 1);
  });

  it("refuses to send before the handshake has keys", async () => {
    const p = pair(thingPair());
    const connecting = p.client.connect(p.serverAddress);
    const session = [...p.client.sessions][0]!;
    const errors: string[] = [];
    p.client.on("error", ({ error }) => errors.push((error as { code?: string }).code ?? ""));
    await session.send(text("early"), { reliable: false });
    assert.deepEqual(errors, ["THING_ERR_NOT_CONNECTED"]);
    await p.net.runUntil(() => session.state === "open");
    await connecting;
  });
});
