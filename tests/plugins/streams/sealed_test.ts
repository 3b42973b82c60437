import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import type { Session } from "../../../core/session.ts";
import { pair } from "../../../core/testing/pair.ts";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import { thingSession } from "../../../plugins/thing/mod.ts";
import { streams, streamSession } from "../../../plugins/streams/mod.ts";
import { decodeAck, FrameType } from "../../../plugins/streams/frames.ts";
import { wiredConnection } from "./_wire.ts";
import { Impairment } from "../../../transports/memory/impairment.ts";
import { bytesOf, drive, readAll, sameBytes, track, writeAll } from "./_sim.ts";

const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));

describe("streams() behind the Thing session layer", () => {
  it("delivers 4 MB sealed through 5 % loss, duplication, reordering and corruption", async () => {
    const options = { packetSize: 16_448, overhead: 16 };
    const p = pair({
      clientPlugins: [thingSession({ serverKey: IDENTITY.publicKey }), streams(options)],
      serverPlugins: [thingSession({ identity: IDENTITY }), streams(options)],
    });
    let serverSession: Session | undefined;
    p.server.on("session", ({ session }) => (serverSession = session));
    const clientSession = await p.connect();
    await drive(p.net, () => serverSession !== undefined);
    const dropped: Record<string, number> = {};
    p.server.on("dropped", ({ reason }) => (dropped[reason] = (dropped[reason] ?? 0) + 1));
    const impairment = { loss: 0.05, duplicate: 0.05, reorder: 0.05, corrupt: 0.02, delay: 5 };
    p.net.setFate(
      p.clientAddress,
      p.serverAddress,
      new Impairment(impairment, new SeededRandom(3)),
    );
    p.net.setFate(
      p.serverAddress,
      p.clientAddress,
      new Impairment(impairment, new SeededRandom(4)),
    );
    const data = bytesOf(4 * 1_048_576, 2);
    const stream = await streamSession(clientSession).createBidirectionalStream();
    const sent = track(writeAll(stream.writable, data));
    const reader = streamSession(serverSession!).incomingBidirectionalStreams.getReader();
    const received = track(reader.read().then(({ value }) => readAll(value!.readable)));
    await drive(p.net, () => sent.done && received.done);
    assert.equal(sent.error, undefined);
    assert.ok(sameBytes(received.value!, data));
    // Duplicates were stopped by Thing's replay window; corrupted copies by the AEAD tag (a flipped
    // payload byte: sealed packets' checksum covers only header and tag) or by the checksum.
    assert.ok((dropped["thing-replay"] ?? 0) > 0, JSON.stringify(dropped));
    assert.ok((dropped["thing-auth"] ?? 0) > 0, JSON.stringify(dropped));
  });
});

describe("streams() ACKs behind the Thing session layer", () => {
  it("CHB/SUU heartbeats between writes leave no gaps: every ACK is one range", async () => {
    const acks: number[] = []; // payload lengths of the server's ACK packets, sealed
    const p = pair({
      clientPlugins: [thingSession({ serverKey: IDENTITY.publicKey }), streams({ overhead: 16 })],
      serverPlugins: [thingSession({ identity: IDENTITY, ttl: 30 }), streams({ overhead: 16 })],
      toClient: {
        plan: (bytes: Uint8Array, now: number) => {
          if (bytes[48] === FrameType.ACK) acks.push(bytes.length - 64);
          return [{ bytes, at: now + 1 }];
        },
      },
    });
    let serverSession: Session | undefined;
    p.server.on("session", ({ session }) => (serverSession = session));
    const clientSession = await p.connect();
    await drive(p.net, () => serverSession !== undefined);
    const stream = await streamSession(clientSession).createUnidirectionalStream();
    const writer = stream.writable.getWriter();
    for (let i = 0; i < 40; i++) {
      await writer.write(bytesOf(100, i));
      await p.net.runFor(15); // a heartbeat each way every 10 ms
    }
    assert.ok(acks.length >= 20, `${acks.length} ACKs`);
    // One range: delay u32, count u16, first u64, last u64 (22 bytes), and the 16-byte tag.
    assert.deepEqual(new Set(acks), new Set([38]));
  });

  it("lists other packets' numbers only after a frame, and only authenticated ones once frames are", () => {
    const ranges = (w: ReturnType<typeof wiredConnection>) => {
      const ack = w.sent.filter((f) => f.type === FrameType.ACK).at(-1)!;
      return decodeAck(ack.payload).ranges.map((r) => `${r.first}-${r.last}`);
    };
    const empty = new Uint8Array(0);
    const sealed = wiredConnection();
    sealed.conn.noteOther(3, true); // before any frame: nothing listed
    sealed.conn.handle(FrameType.PING, 10, empty, true);
    sealed.conn.noteOther(11, false); // forged: a plaintext packet with the session's client ID
    sealed.conn.noteOther(12, true); // a heartbeat that opened
    sealed.conn.handle(FrameType.PING, 13, empty, true);
    sealed.conn.flush();
    assert.deepEqual(ranges(sealed), ["12-13", "10-10"]);
    const plain = wiredConnection(); // under a dialect that authenticates nothing
    plain.conn.handle(FrameType.PING, 10, empty, false);
    plain.conn.noteOther(11, false);
    plain.conn.handle(FrameType.PING, 12, empty, false);
    plain.conn.flush();
    assert.deepEqual(ranges(plain), ["10-12"]);
  });
});
