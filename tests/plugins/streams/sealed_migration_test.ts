import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodePacket } from "../../../core/codec.ts";
import type { Delivery } from "../../../core/testing/sim_network.ts";
import type { Session } from "../../../core/session.ts";
import type { PeerAddress } from "../../../core/transport.ts";
import { pair } from "../../../core/testing/pair.ts";
import { AEAD_TAG_LENGTH } from "../../../plugins/thing/crypto/aead.ts";
import { thingSession } from "../../../plugins/thing/mod.ts";
import { FrameType, streams, streamSession } from "../../../plugins/streams/mod.ts";
import { IDENTITY } from "../thing/_fixtures.ts";
import { bytesOf, drive, readAll, sameBytes, track, writeAll } from "./_sim.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const MOVED: PeerAddress = { hostname: "client-nat", port: 40_000 };
const TTL = 600;

/** A client and server composed as `quic()` composes them: Thing session layer, then streams. */
async function sealedPair() {
  const options = { packetSize: 16_448, overhead: AEAD_TAG_LENGTH };
  const p = pair({
    clientPlugins: [thingSession({ serverKey: IDENTITY.publicKey, ttl: TTL }), streams(options)],
    serverPlugins: [thingSession({ identity: IDENTITY, ttl: TTL }), streams(options)],
  });
  let serverSession: Session | undefined;
  p.server.on("session", ({ session }) => (serverSession = session));
  const clientSession = await p.connect();
  await drive(p.net, () => serverSession !== undefined);
  const drops: string[] = [];
  p.server.on("dropped", ({ reason }) => drops.push(reason));
  return { ...p, clientSession, serverSession: serverSession!, drops };
}

/** A link that records what it carries and delivers nothing (an address no one answers from). */
class BlackHole {
  readonly packets: Uint8Array[] = [];
  plan(bytes: Uint8Array): Delivery[] {
    this.packets.push(bytes.slice());
    return [];
  }
  get bytes(): number {
    return this.packets.reduce((sum, packet) => sum + packet.length, 0);
  }
}

const isFrame = (type: number | undefined) =>
  type !== undefined && type >= FrameType.STREAM && type <= FrameType.PING;

describe("streams() migration behind the Thing session layer (as in quic())", () => {
  it("continues a transfer across a client address change, data intact both ways", async () => {
    const p = await sealedPair();
    const moves: Array<{ from: PeerAddress; to: PeerAddress }> = [];
    streamSession(p.serverSession).onMigrate = (move) => moves.push(move);
    const up = bytesOf(2 * 1_048_576, 1);
    const down = bytesOf(1_048_576, 2);
    const serving = track((async () => {
      const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
      const { value } = await reader.read();
      const [received] = await Promise.all([
        readAll(value!.readable),
        writeAll(value!.writable, down),
      ]);
      return received;
    })());
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const sent = track(writeAll(stream.writable, up));
    const back = track(readAll(stream.readable));
    await drive(p.net, () => streamSession(p.clientSession).stats.bytesSent > 524_288);
    assert.equal(sent.done, false, "the transfer should still be running");
    p.net.move(p.clientAddress, MOVED);
    await drive(p.net, () => sent.done && back.done && serving.done);
    assert.equal(serving.error, undefined);
    assert.ok(sameBytes(serving.value!, up), "client to server bytes differ");
    assert.ok(sameBytes(back.value!, down), "server to client bytes differ");
    assert.deepEqual(moves, [{ from: p.clientAddress, to: MOVED }]);
    assert.deepEqual(p.serverSession.peer, MOVED);
    // Heartbeats from the new address keep the session alive for several TTLs (their answers
    // go to the new address), and the goodbye completes there: SGB reached the client.
    await p.net.runFor(3 * TTL);
    assert.equal(p.serverSession.state, "open");
    assert.equal(p.clientSession.state, "open");
    await Promise.all([p.clientSession.close("done"), p.net.runFor(200)]);
    assert.equal(p.serverSession.closeReason, "closed by client");
    assert.equal(p.drops.filter((reason) => reason !== "thing-replay").length, 0, `${p.drops}`);
  });

  it("does not migrate on a forged packet from a new address (not sealed with the keys)", async () => {
    const p = await sealedPair();
    const hole = new BlackHole();
    p.net.setFate(p.serverAddress, MOVED, hole);
    for (const type of [FrameType.STREAM, FrameType.PATH_RESPONSE, FrameType.PING]) {
      const forged = encodePacket({
        type,
        clientId: p.clientSession.clientId,
        reserved: 0,
        customId: 0,
        order: 1_000 + type,
        payload: new Uint8Array(64).fill(7),
        checksum: new Uint8Array(0),
      });
      p.server.handleDatagram(forged, MOVED);
    }
    await p.net.runFor(2_000);
    assert.deepEqual(p.drops, Array(3).fill("thing-wrong-address"));
    assert.equal(hole.packets.length, 0, "no challenge goes to a forger's address");
    assert.deepEqual(p.serverSession.peer, p.clientAddress);
    assert.equal(p.serverSession.state, "open");
  });

  it("does not migrate on a replayed authentic packet without the path response", async () => {
    const p = await sealedPair();
    // An attacker on the path captures the client's first streams packet (the server never gets
    // it) and later sends it from its own address; it does not answer the challenge.
    let captured: Uint8Array | undefined;
    const toServer = {
      plan(bytes: Uint8Array, now: number): Delivery[] {
        if (!captured && isFrame(bytes[48])) {
          captured = bytes.slice();
          return [];
        }
        return [{ bytes, at: now + 1 }];
      },
    };
    p.net.setFate(p.clientAddress, p.serverAddress, toServer);
    const hole = new BlackHole();
    p.net.setFate(p.serverAddress, MOVED, hole);
    const moves: unknown[] = [];
    streamSession(p.serverSession).onMigrate = (move) => moves.push(move);
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const data = bytesOf(20_000, 3);
    const writer = stream.writable.getWriter();
    const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
    const received = track(reader.read().then(({ value }) => readAll(value!.readable)));
    // A small first packet, so that 3x its size allows fewer challenges than `pathAttempts`.
    await writer.write(data.subarray(0, 10));
    await drive(p.net, () => captured !== undefined);
    assert.ok(captured!.length < 120, `captured ${captured!.length} bytes`);
    writer.releaseLock();
    const sent = track(writeAll(stream.writable, data.subarray(10)));
    p.server.handleDatagram(captured!, MOVED);
    p.server.handleDatagram(captured!, MOVED);
    await drive(p.net, () => sent.done && received.done);
    await p.net.runFor(3_000);
    assert.ok(sameBytes(received.value!, data));
    assert.ok(hole.packets.length > 0, "the new address should have been challenged");
    assert.ok(hole.packets.every((bytes) => bytes[48] === FrameType.PATH_CHALLENGE));
    // Anti-amplification: at most 3x the bytes the unvalidated address sent.
    assert.ok(hole.bytes <= 3 * captured!.length, `${hole.bytes} > 3 x ${captured!.length}`);
    assert.ok(hole.packets.length < 5, `${hole.packets.length} challenges`);
    assert.deepEqual(moves, []);
    assert.deepEqual(p.serverSession.peer, p.clientAddress);
    assert.ok(p.drops.includes("thing-replay"), "the second copy is a replay");
    // A packet the server already has, sent again from elsewhere, is a replay: no challenge.
    const before = hole.packets.length;
    const old = new BlackHole();
    const elsewhere = { hostname: "elsewhere", port: 7 };
    p.net.setFate(p.serverAddress, elsewhere, old);
    p.server.handleDatagram(captured!, elsewhere);
    await p.net.runFor(1_000);
    assert.equal(old.packets.length, 0);
    assert.equal(hole.packets.length, before);
    assert.equal(p.serverSession.state, "open");
  });

  it("drops the session layer's own packets from a new address unopened (a heartbeat)", async () => {
    const p = await sealedPair();
    let heartbeat: Uint8Array | undefined;
    p.net.setFate(p.clientAddress, p.serverAddress, {
      plan(bytes: Uint8Array, now: number): Delivery[] {
        if (!heartbeat && bytes[48] === ThingPacket.CHB) {
          heartbeat = bytes.slice();
          return [];
        }
        return [{ bytes, at: now + 1 }];
      },
    });
    const answers: number[] = [];
    p.net.setFate(p.serverAddress, p.clientAddress, {
      plan(bytes: Uint8Array, now: number): Delivery[] {
        answers.push(bytes[48]!);
        return [{ bytes, at: now + 1 }];
      },
    });
    const hole = new BlackHole();
    p.net.setFate(p.serverAddress, MOVED, hole);
    await drive(p.net, () => heartbeat !== undefined);
    p.server.handleDatagram(heartbeat!, MOVED);
    await p.net.runFor(10);
    assert.deepEqual(p.drops, ["thing-wrong-address"]);
    assert.equal(hole.packets.length, 0);
    assert.deepEqual(answers, []);
    // Its order count was not used up: from the session's own address it is answered.
    p.server.handleDatagram(heartbeat!, p.clientAddress);
    await p.net.runFor(10);
    assert.deepEqual(answers, [ThingPacket.SUU]);
    assert.deepEqual(p.drops, ["thing-wrong-address"]);
  });
});
