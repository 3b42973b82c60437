import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CongestionController } from "../../../reliability/mod.ts";
import { StreamError, streamSession } from "../../../plugins/streams/mod.ts";
import { bytesOf, drive, readAll, sameBytes, streamPair, track, writeAll } from "./_sim.ts";

/** A controller that never limits: the writer runs as far ahead as flow control lets it. */
const unlimited = (): CongestionController => ({
  window: 64 * 1_048_576,
  onSent() {},
  onAcked() {},
  onLost() {},
  reset() {},
});

describe("streams() reset and session credit", () => {
  it("a reset's final size counts only the bytes sent, so the session never runs past its limit", async () => {
    // discard() once moved `next` to everything written: the RESET_STREAM then claimed bytes that
    // were never sent, the receiver counted them against MAX_DATA and ended the session.
    const p = await streamPair(
      { streamWindow: 1_048_576, sessionWindow: 1_048_576, congestion: unlimited },
      { loss: 0.05, delay: 5 },
      5,
    );
    let closeReason: string | undefined;
    p.server.on("close", ({ reason }) => (closeReason = reason));
    const client = streamSession(p.clientSession);
    const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
    for (let round = 0; round < 4; round++) {
      const dropped = await client.createBidirectionalStream();
      const abandoned = track(writeAll(dropped.writable, bytesOf(1_500_000, round)));
      const first = track(reader.read());
      await drive(p.net, () => first.done);
      await p.net.runFor(30);
      await first.value!.value!.readable.cancel(new StreamError("enough", 3));
      await drive(p.net, () => abandoned.done);
    }
    const kept = await client.createBidirectionalStream();
    const data = bytesOf(3_000_000, 11);
    const sent = track(writeAll(kept.writable, data));
    const next = track(reader.read());
    await drive(p.net, () => next.done);
    const received = track(readAll(next.value!.value!.readable));
    await drive(p.net, () => sent.done && received.done);
    assert.equal(closeReason, undefined);
    assert.ok(sameBytes(received.value!, data));
  });
});
