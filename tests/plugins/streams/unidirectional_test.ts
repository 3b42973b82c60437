import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StreamError, streamSession } from "../../../plugins/streams/mod.ts";
import type { ReceiveOnlyStream } from "../../../plugins/streams/mod.ts";
import { bytesOf, drive, readAll, sameBytes, streamPair, track, writeAll } from "./_sim.ts";

/** The next stream of `incoming`, driving the network until it arrives. */
async function nextStream<T>(
  net: Parameters<typeof drive>[0],
  incoming: ReadableStream<T>,
): Promise<T> {
  const next = track(incoming.getReader().read());
  await drive(net, () => next.done);
  return next.value!.value!;
}

describe("streams() unidirectional streams", () => {
  it("carries bytes one way each, from either side, through loss", async () => {
    const p = await streamPair({}, { loss: 0.05, delay: 5 }, 11);
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    const up = await client.createUnidirectionalStream();
    const down = await server.createUnidirectionalStream();
    assert.equal(up.id, 2, "the client's first unidirectional stream");
    assert.equal(down.id, 3, "the server's first unidirectional stream");
    assert.equal("readable" in up, false);
    const upData = bytesOf(300_000, 1);
    const downData = bytesOf(200_000, 2);
    const written = track(
      Promise.all([writeAll(up.writable, upData), writeAll(down.writable, downData)]),
    );
    const atServer = await nextStream(p.net, server.incomingUnidirectionalStreams);
    const atClient = await nextStream(p.net, client.incomingUnidirectionalStreams);
    assert.equal("writable" in atServer, false);
    const read = track(Promise.all([readAll(atServer.readable), readAll(atClient.readable)]));
    await drive(p.net, () => written.done && read.done);
    assert.equal(written.error, undefined);
    assert.ok(sameBytes(read.value![0], upData));
    assert.ok(sameBytes(read.value![1], downData));
    await drive(p.net, () => client.streamCount === 0 && server.streamCount === 0);
  });

  it("does not show a unidirectional stream among the bidirectional ones", async () => {
    const p = await streamPair();
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    const uni = await client.createUnidirectionalStream();
    const bidi = await client.createBidirectionalStream();
    void writeAll(uni.writable, new Uint8Array([1]));
    void writeAll(bidi.writable, new Uint8Array([2]));
    const gotBidi = await nextStream(p.net, server.incomingBidirectionalStreams);
    const gotUni = await nextStream(p.net, server.incomingUnidirectionalStreams);
    assert.equal(gotBidi.id, bidi.id);
    assert.equal(gotUni.id, uni.id);
  });

  it("surfaces the writer's abort to the reader as a StreamError with its code", async () => {
    const p = await streamPair();
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    const uni = await client.createUnidirectionalStream();
    const writer = uni.writable.getWriter();
    void writer.write(new Uint8Array(10));
    const incoming: ReceiveOnlyStream = await nextStream(
      p.net,
      server.incomingUnidirectionalStreams,
    );
    void writer.abort({ streamErrorCode: 42 });
    const read = track(readAll(incoming.readable));
    await drive(p.net, () => read.done);
    assert.ok(read.error instanceof StreamError);
    assert.equal(read.error.streamErrorCode, 42);
  });
});
