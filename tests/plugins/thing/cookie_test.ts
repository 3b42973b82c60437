import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeUnverified, encodePacket, Endpoint, ManualClock } from "../../../core/mod.ts";
import { type PacketFate, pair, SeededRandom } from "../../../core/testing/mod.ts";
import { AmplificationBudget, CookieJar } from "../../../plugins/thing/cookie.ts";
import {
  CHI_PAYLOAD_SIZE,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
} from "../../../plugins/thing/packets.ts";
import { Tap, thingPair } from "./_fixtures.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHI, SHI, SDH, CDH, SCC, CCC, SHF } = ThingPacket;
const clientId = new Uint8Array(16).fill(3);
const peer = { hostname: "10.0.0.1", port: 4000 };

function chiBytes(
  payload = encodeClientHello({ suites: [1, 2], random: new Uint8Array(32), cookie: undefined }),
) {
  return encodePacket({
    type: CHI,
    clientId,
    reserved: 0,
    customId: 0,
    order: 0,
    payload,
    checksum: new Uint8Array(0),
  });
}

describe("CookieJar", () => {
  it("verifies its own cookies for the same client ID and address only, within the lifetime", () => {
    const clock = new ManualClock();
    const jar = new CookieJar(clock, new SeededRandom(4), 10_000);
    const cookie = jar.mint(clientId, peer);
    assert.equal(cookie.length, 20);
    assert.ok(jar.verify(cookie, clientId, peer));
    assert.ok(!jar.verify(cookie, new Uint8Array(16), peer));
    assert.ok(!jar.verify(cookie, clientId, { ...peer, port: 4001 }));
    const forged = cookie.slice();
    forged[19]! ^= 1;
    assert.ok(!jar.verify(forged, clientId, peer));
    clock.advance(9_000);
    assert.ok(jar.verify(cookie, clientId, peer));
    clock.advance(2_000);
    assert.ok(!jar.verify(cookie, clientId, peer), "expired");
    const fresh = jar.mint(clientId, peer);
    clock.advance(9_500);
    assert.ok(jar.verify(fresh, clientId, peer), "still valid under the previous secret");
  });
});

describe("AmplificationBudget", () => {
  it("allows three times the bytes received until the address is validated", () => {
    const budget = new AmplificationBudget();
    assert.ok(!budget.trySend(1));
    budget.receive(100);
    assert.ok(budget.trySend(200));
    assert.ok(!budget.trySend(101));
    assert.ok(budget.trySend(100));
    budget.validated = true;
    assert.ok(budget.trySend(10_000));
  });
});

describe("thing() server under load", () => {
  it("answers a cookieless CHI with a retry SHI and keeps no state (cookieThreshold 0)", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair({}, { cookieThreshold: 0 }), toServer, toClient });
    let chis = 0;
    toServer.rewrite = (packet) => (packet.type === CHI && ++chis > 1 ? null : undefined);
    const connecting = p.client.connect(p.serverAddress);
    let settled = false;
    connecting.then(() => (settled = true), () => (settled = true));
    await p.net.runFor(5);
    assert.equal(p.server.sessions.size, 0);
    assert.deepEqual(toClient.types(), [SHI]);
    assert.equal(toClient.sent[0]!.length, 64 + 3 + 20);
    assert.ok(toClient.sent[0]!.length <= 3 * toServer.sent[0]!.length);
    toServer.rewrite = undefined;
    await p.net.runUntil(() => settled);
    assert.equal((await connecting).state, "open");
    assert.deepEqual(toServer.types(), [CHI, CHI, CHI, CDH, CCC]);
    assert.deepEqual(toClient.types(), [SHI, SHI, SDH, SCC, SHF]);
  });

  it("a client takes only the first retry SHI of a handshake and ignores a second one", async () => {
    const toServer = new Tap();
    let retries = 0;
    // Every retry SHI arrives twice: as sent, then with another cookie (what a resent cookieless
    // CHI draws when the server's answers straddle a second or a secret rotation).
    const toClient: PacketFate = {
      plan(bytes, now) {
        const packet = decodeUnverified(bytes);
        const hello = packet.type === SHI ? decodeServerHello(packet.payload) : undefined;
        if (!hello?.retry) return [{ bytes, at: now + 1 }];
        retries++;
        const other = encodeServerHello({ retry: true, cookie: hello.cookie.map((b) => b ^ 0xff) });
        const second = encodePacket({ ...packet, payload: other, checksum: new Uint8Array(0) });
        return [{ bytes, at: now + 1 }, { bytes: second, at: now + 2 }];
      },
    };
    const p = pair({ ...thingPair({}, { cookieThreshold: 0 }), toServer, toClient });
    const connecting = p.client.connect(p.serverAddress);
    let settled = false;
    connecting.then(() => (settled = true), () => (settled = true));
    await p.net.runUntil(() => settled, 5_000);
    assert.equal((await connecting).state, "open");
    assert.equal(retries, 1);
    const chis = toServer.sent.map(decodeUnverified).filter((packet) => packet.type === CHI);
    assert.equal(chis.length, 2, "the cookieless CHI, then one CHI with the first cookie");
  });

  it("demands a cookie only once half-open handshakes reach the threshold", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({}, { cookieThreshold: 1 }), toServer });
    toServer.rewrite = (packet) => (packet.type === CDH ? null : undefined);
    const first = await Promise.race([p.connect(), p.net.runFor(50).then(() => "stuck")]);
    assert.equal(first, "stuck");
    assert.equal(p.server.sessions.size, 1);
    const other = new Endpoint({
      role: "client",
      plugins: thingPair().clientPlugins,
      clock: p.net.clock,
      random: new SeededRandom(77),
    });
    const address = { hostname: "other", port: 3 };
    const seen = new Tap();
    p.net.add(other, address);
    p.net.setFate(p.serverAddress, address, seen);
    const connecting = other.connect(p.serverAddress);
    let done = false;
    connecting.then(() => (done = true), () => (done = true));
    await p.net.runUntil(() => done, 1000);
    assert.equal((await connecting).state, "open");
    const payloads = seen.sent.filter((b) => b[48] === SHI).map((b) => b.length);
    // The real SHI takes the stateless reset extension the client offers (4 bytes, §3.13).
    assert.deepEqual(payloads, [64 + 23, 64 + 7 + 4], "a retry, then the real SHI");
  });

  it("refuses a forged cookie with a fresh retry, and drops a short CHI", () => {
    const p = pair(thingPair({}, { cookieThreshold: 0 }));
    const forged = encodeClientHello({
      suites: [1],
      random: new Uint8Array(32),
      cookie: new Uint8Array(20).fill(1),
    });
    p.server.handleDatagram(chiBytes(forged), peer);
    p.server.handleDatagram(chiBytes(new Uint8Array(CHI_PAYLOAD_SIZE - 1)), peer);
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.server.stats.dropped["thing-bad-chi"], 1);
    const sent = p.server.pollTransmit();
    assert.equal(sent?.bytes[48], SHI);
    assert.equal(sent?.bytes[64 + 1], 1, "retry flag");
    assert.equal(p.server.pollTransmit(), undefined);
  });

  it("never sends an unvalidated address more than three times what it received", () => {
    const p = pair(thingPair());
    let received = 0;
    for (let i = 0; i < 5; i++) {
      const bytes = chiBytes();
      received += bytes.length;
      p.server.handleDatagram(bytes, peer);
      const cdh = encodePacket({
        type: CDH,
        clientId,
        reserved: 0,
        customId: 0,
        order: 0,
        payload: new Uint8Array(32).fill(9),
        checksum: new Uint8Array(0),
      });
      received += cdh.length;
      p.server.handleDatagram(cdh, peer);
    }
    let sent = 0;
    for (let t = p.server.pollTransmit(); t; t = p.server.pollTransmit()) sent += t.bytes.length;
    assert.ok(sent > 0);
    assert.ok(sent <= 3 * received, `${sent} <= 3 * ${received}`);
  });
});
