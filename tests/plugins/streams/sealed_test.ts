import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import type { Session } from "../../../core/session.ts";
import { pair } from "../../../core/testing/pair.ts";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import { thingSession } from "../../../plugins/thing/mod.ts";
import { streams, streamSession } from "../../../plugins/streams/mod.ts";
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
