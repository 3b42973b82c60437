import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StreamError, streamSession } from "../../../plugins/streams/mod.ts";
import type { BidirectionalStream } from "../../../plugins/streams/mod.ts";
import { bytesOf, drive, readAll, sameBytes, streamPair, track, writeAll } from "./_sim.ts";

describe("streams() multiplexing and flow control", () => {
  it("carries 100 concurrent streams intact through 2 % loss", async () => {
    const p = await streamPair({}, { loss: 0.02, delay: 5 }, 3);
    const client = streamSession(p.clientSession);
    const received = new Map<number, Uint8Array>();
    const reading = track((async () => {
      const incoming = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
      const readers: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        const { value } = await incoming.read();
        readers.push(readAll(value!.readable).then((bytes) => void received.set(value!.id, bytes)));
      }
      await Promise.all(readers);
    })());
    const opened: BidirectionalStream[] = [];
    for (let i = 0; i < 100; i++) opened.push(await client.createBidirectionalStream());
    const writing = track(
      Promise.all(opened.map((s) => writeAll(s.writable, bytesOf(50_000, s.id)))),
    );
    await drive(p.net, () => writing.done && reading.done);
    assert.equal(writing.error, undefined);
    assert.equal(reading.error, undefined);
    assert.equal(received.size, 100);
    for (const [id, bytes] of received) {
      assert.ok(sameBytes(bytes, bytesOf(50_000, id)), `stream ${id}`);
    }
  });

  it("stalls a sender whose reader does not read, then recovers when it reads", async () => {
    const window = 262_144;
    const p = await streamPair({
      streamWindow: window,
      sessionWindow: 1_048_576,
      sendBuffer: 524_288,
    });
    const data = bytesOf(4 * 1_048_576);
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const sent = track(writeAll(stream.writable, data));
    await p.net.runFor(2_000);
    await drive(p.net, () => true);
    const server = streamSession(p.serverSession);
    const client = streamSession(p.clientSession);
    assert.equal(sent.done, false, "the writer should be held back");
    assert.ok(server.stats.bufferedIn <= window, `receiver holds ${server.stats.bufferedIn}`);
    assert.ok(
      client.stats.bufferedOut <= 524_288 + 65_536,
      `sender holds ${client.stats.bufferedOut}`,
    );
    const incoming = await server.incomingBidirectionalStreams.getReader().read();
    const received = track(readAll(incoming.value!.readable));
    await drive(p.net, () => sent.done && received.done);
    assert.ok(sameBytes(received.value!, data));
    assert.equal(client.stats.bufferedOut, 0);
  });
});

describe("streams() close, reset and datagrams", () => {
  it("returns the session credit of a stream the reader abandons, so others continue", async () => {
    const p = await streamPair(
      { streamWindow: 1_048_576, sessionWindow: 1_048_576 },
      { loss: 0.05, delay: 5 },
      5,
    );
    const client = streamSession(p.clientSession);
    const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
    for (let round = 0; round < 4; round++) {
      // A stream the server stops reading mid-way, with data still in flight and out of order.
      const dropped = await client.createBidirectionalStream();
      const abandoned = track(writeAll(dropped.writable, bytesOf(1_500_000, round)));
      const first = track(reader.read());
      await drive(p.net, () => first.done);
      await p.net.runFor(30);
      const incoming = first.value!.value!;
      await incoming.readable.cancel(new StreamError("enough", 3));
      void incoming.writable.close();
      await drive(p.net, () => abandoned.done);
      assert.ok(abandoned.error instanceof StreamError);
    }
    const kept = await client.createBidirectionalStream();
    const data = bytesOf(3_000_000, 11);
    const sent = track(writeAll(kept.writable, data));
    const next = track(reader.read());
    await drive(p.net, () => next.done);
    const received = track(readAll(next.value!.value!.readable));
    await drive(p.net, () => sent.done && received.done);
    assert.ok(sameBytes(received.value!, data));
    void next.value!.value!.writable.close();
    await drive(
      p.net,
      () => client.streamCount === 0 && streamSession(p.serverSession).streamCount === 0,
    );
  });

  it("surfaces a reset to the reader with its code", async () => {
    const p = await streamPair();
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const writer = stream.writable.getWriter();
    await writer.write(bytesOf(1000));
    const incoming = await (async () => {
      const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
      const next = track(reader.read());
      await drive(p.net, () => next.done);
      return next.value!.value!;
    })();
    const reading = track(readAll(incoming.readable));
    await drive(p.net, () => true);
    await writer.abort(new StreamError("give up", 7));
    await drive(p.net, () => reading.done);
    assert.ok(reading.error instanceof StreamError);
    assert.equal((reading.error as StreamError).streamErrorCode, 7);
  });

  it("surfaces STOP_SENDING to the writer with its code", async () => {
    const p = await streamPair();
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const writer = stream.writable.getWriter();
    await writer.write(bytesOf(1000));
    const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
    const next = track(reader.read());
    await drive(p.net, () => next.done);
    await next.value!.value!.readable.cancel(new StreamError("not interested", 9));
    await p.net.runFor(50);
    const failed = track(writer.write(bytesOf(10)));
    await drive(p.net, () => failed.done);
    assert.ok(failed.error instanceof StreamError, String(failed.error));
    assert.equal((failed.error as StreamError).streamErrorCode, 9);
  });

  it("ends a reader at the FIN and echoes on the same stream", async () => {
    const p = await streamPair({}, { loss: 0.05, delay: 3 }, 9);
    const echo = track((async () => {
      const reader = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
      const { value } = await reader.read();
      await value!.readable.pipeTo(value!.writable);
    })());
    const stream = await streamSession(p.clientSession).createBidirectionalStream();
    const data = bytesOf(300_000, 4);
    const sent = track(writeAll(stream.writable, data));
    const back = track(readAll(stream.readable));
    await drive(p.net, () => sent.done && back.done && echo.done);
    assert.equal(echo.error, undefined);
    assert.ok(sameBytes(back.value!, data));
    await drive(p.net, () => streamSession(p.clientSession).streamCount === 0);
  });

  it("delivers datagrams", async () => {
    const p = await streamPair();
    const writer = streamSession(p.clientSession).datagrams.writable.getWriter();
    for (const n of [1, 2, 3]) await writer.write(new Uint8Array([n]));
    const reader = streamSession(p.serverSession).datagrams.readable.getReader();
    const got: number[] = [];
    const reading = track((async () => {
      while (got.length < 3) got.push((await reader.read()).value![0]!);
    })());
    await drive(p.net, () => reading.done);
    assert.deepEqual(got, [1, 2, 3]);
  });
});
