import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import { decodeUnverified, encodePacket } from "../../../core/codec.ts";
import { fromHex } from "../../../core/hex.ts";
import { Endpoint } from "../../../core/endpoint.ts";
import { SessionError, TimeoutError } from "../../../core/mod.ts";
import { AUTHENTICATED_BIT } from "../../../core/packet.ts";
import { pair } from "../../../core/testing/mod.ts";
import { thing, type ThingOptions, ThingPacket } from "../../../plugins/thing/mod.ts";
import { resetKeyOf, resetTokenOf } from "../../../plugins/thing/reset.ts";
import { IDENTITY, OTHER_IDENTITY, Tap, thingPair } from "./_fixtures.ts";

const { CHB, SUU, DATA_NOACK } = ThingPacket;
const TTL = { ttl: 30_000 };

/** A connected pair whose server is then replaced by a fresh one (a restart), same identity. */
async function restarted(client: ThingOptions = {}, server: ThingOptions = {}) {
  const toServer = new Tap();
  const toClient = new Tap();
  const p = pair({
    ...thingPair({ statelessReset: true, ...TTL, ...client }, { ...TTL, ...server }),
    toServer,
    toClient,
  });
  const session = await p.connect();
  const fresh = new Endpoint({
    role: "server",
    plugins: thing({ identity: IDENTITY, ...TTL, ...server }),
    clock: p.net.clock,
    random: new SeededRandom(99),
  });
  p.net.add(fresh, p.serverAddress);
  return { p, session, fresh, toServer, toClient };
}

/** A packet with the authenticated bit, as anyone can encode one (a valid checksum). */
function authenticated(type: number, clientId: Uint8Array, order: number, payload: Uint8Array) {
  const reserved = AUTHENTICATED_BIT;
  return encodePacket({ type, clientId, reserved, customId: 0, order, payload, checksum: EMPTY });
}
const EMPTY = new Uint8Array(0);

describe("thing() stateless reset", () => {
  it("a restarted server answers the next sealed packet with a reset; the client closes at once", async () => {
    const { p, session, toClient } = await restarted();
    const start = p.net.clock.now();
    await session.send(new Uint8Array(10), { reliable: false });
    await p.net.drive();
    assert.equal(session.state, "closed");
    assert.equal(session.closeReason, "stateless reset");
    assert.ok(session.closeError instanceof SessionError);
    assert.equal((session.closeError as SessionError).code, "THING_ERR_RESET");
    assert.equal(p.net.clock.now() - start, 2, "one round trip, not the 30 s TTL");
    const reset = decodeUnverified(toClient.sent.at(-1)!);
    assert.equal(reset.type, SUU, "shaped like an SUU");
    assert.equal(reset.reserved, AUTHENTICATED_BIT);
    assert.equal(toClient.sent.at(-1)!.length, 80);
  });

  it("a heartbeat draws a reset too: CHB carries one byte so the reset is smaller", async () => {
    const { p, session, toServer, toClient } = await restarted();
    await p.net.runFor(10_010);
    assert.equal(session.state, "closed");
    assert.equal(session.closeReason, "stateless reset");
    const chb = toServer.sent.findLast((bytes) => bytes[48] === CHB)!;
    assert.equal(chb.length, 81);
    assert.ok(toClient.sent.at(-1)!.length < chb.length);
  });

  it("sends no reset for a packet not larger than a reset", async () => {
    const { p, fresh } = await restarted();
    const sent: number[] = [];
    fresh.on("dropped", ({ reason }) => void sent.push(reason === "thing-unsealed" ? 1 : 0));
    const small = authenticated(SUU, new Uint8Array(16).fill(3), 5, new Uint8Array(16));
    fresh.handleDatagram(small, p.clientAddress);
    await p.net.drive();
    assert.deepEqual(sent, [1]);
    assert.equal(fresh.pollTransmit(), undefined);
  });

  it("a reset carrying another session's token closes nothing", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({ statelessReset: true, ...TTL }, TTL), toServer });
    const session = await p.connect();
    const drops: string[] = [];
    p.client.on("dropped", ({ reason }) => void drops.push(reason));
    const otherId = new Uint8Array(16).fill(1);
    const key = resetKeyOf(IDENTITY.privateKey!);
    const id = fromHex(session.id);
    const forged = (token: Uint8Array) => authenticated(SUU, id, 7, token);
    p.client.handleDatagram(forged(resetTokenOf(key, otherId)), p.serverAddress);
    p.client.handleDatagram(
      forged(resetTokenOf(resetKeyOf(OTHER_IDENTITY.privateKey!), id)),
      p.serverAddress,
    );
    await p.net.drive();
    assert.equal(session.state, "open");
    assert.deepEqual(drops, ["thing-auth", "thing-auth"]);
    p.client.handleDatagram(forged(resetTokenOf(key, id)), p.serverAddress);
    await p.net.drive();
    assert.equal(session.closeReason, "stateless reset", "its own token does close it");
  });

  it("limits resets to statelessResetRate per second", async () => {
    const { p, session, fresh, toClient } = await restarted({}, { statelessResetRate: 2 });
    const before = toClient.sent.length;
    const id = fromHex(session.id);
    const data = (order: number) => authenticated(DATA_NOACK, id, order, new Uint8Array(40));
    for (let i = 0; i < 5; i++) fresh.handleDatagram(data(i), p.clientAddress);
    await p.net.drive();
    assert.equal(toClient.sent.length - before, 2);
    await p.net.runFor(1000);
    fresh.handleDatagram(data(9), p.clientAddress);
    await p.net.drive();
    assert.equal(toClient.sent.length - before, 3, "the allowance refills");
  });

  it("a client that did not ask for a token ignores resets and ends by its TTL", async () => {
    const { p, session } = await restarted({ statelessReset: false, ttl: 3000 }, { ttl: 3000 });
    await session.send(new Uint8Array(10), { reliable: false });
    await p.net.drive();
    assert.equal(session.state, "open");
    await p.net.runFor(3100);
    assert.ok(session.closeError instanceof TimeoutError);
  });

  it("every server with the same identity derives the same reset key (nothing to share)", () => {
    const id = new Uint8Array(16).fill(4);
    const a = resetTokenOf(resetKeyOf(IDENTITY.privateKey!), id);
    const b = resetTokenOf(resetKeyOf(IDENTITY.privateKey!, { implementation: "noble" }), id);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, resetTokenOf(resetKeyOf(OTHER_IDENTITY.privateKey!), id));
    assert.equal(a.length, 16);
  });
});
