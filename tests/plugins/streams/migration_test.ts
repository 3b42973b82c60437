import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PeerAddress } from "../../../core/transport.ts";
import { streamSession } from "../../../plugins/streams/mod.ts";
import { bytesOf, drive, readAll, sameBytes, streamPair, track, writeAll } from "./_sim.ts";

describe("streams() connection migration", () => {
  it("moves a session to the client's new address mid-transfer after path validation", async () => {
    const p = await streamPair();
    const moves: Array<{ from: PeerAddress; to: PeerAddress }> = [];
    streamSession(p.serverSession).onMigrate = ({ from, to }) => moves.push({ from, to });
    const up = bytesOf(4 * 1_048_576, 1);
    const down = bytesOf(2 * 1_048_576, 2);
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
    await drive(p.net, () => streamSession(p.clientSession).stats.bytesSent > 1_048_576);
    assert.equal(sent.done, false, "the transfer should still be running");
    const moved = { hostname: "client-nat", port: 40_000 };
    p.net.move(p.clientAddress, moved);
    await drive(p.net, () => sent.done && back.done && serving.done);
    assert.equal(serving.error, undefined);
    assert.ok(sameBytes(serving.value!, up), "client to server bytes differ");
    assert.ok(sameBytes(back.value!, down), "server to client bytes differ");
    assert.deepEqual(moves, [{ from: p.clientAddress, to: moved }]);
    assert.deepEqual(p.serverSession.peer, moved);
  });

  it("does not move a session whose new path never answers the challenge", async () => {
    const p = await streamPair();
    const moves: unknown[] = [];
    streamSession(p.serverSession).onMigrate = (event) => moves.push(event);
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const moved = { hostname: "client-nat", port: 40_000 };
    p.net.move(p.clientAddress, moved);
    // Packets from the new address arrive, but nothing there can be reached from the server.
    p.net.setFate(p.serverAddress, moved, { plan: () => [] });
    const sent = track(writeAll(stream.writable, bytesOf(10_000)));
    await p.net.runFor(3_000);
    assert.equal(moves.length, 0);
    assert.deepEqual(p.serverSession.peer, p.clientAddress);
    assert.equal(sent.done, false);
  });
});
