import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DecodeError, SessionError } from "../../../core/errors.ts";
import {
  decodeStreamCount,
  encodeStop,
  encodeStreamCount,
  encodeStreamLimit,
  FrameType,
  STREAM_HEADER_SIZE,
  writeStreamHeader,
} from "../../../plugins/streams/frames.ts";
import type { StreamState } from "../../../plugins/streams/stream.ts";
import { INITIAL_MAX_STREAMS, streamSession } from "../../../plugins/streams/mod.ts";
import { drive, readAll, streamPair, track } from "./_sim.ts";
import { wiredConnection } from "./_wire.ts";

/** A STREAM frame for stream `id` carrying `data`, with the FIN when `fin`. */
function streamFrame(id: number, data: Uint8Array, fin: boolean): Uint8Array {
  const payload = new Uint8Array(STREAM_HEADER_SIZE + data.length);
  writeStreamHeader(payload, id, 0, fin);
  payload.set(data, STREAM_HEADER_SIZE);
  return payload;
}

/** The ID of the client's `index`-th unidirectional stream. */
const clientUni = (index: number) => index * 4 + 2;
/** The ID of the client's `index`-th bidirectional stream. */
const clientBidi = (index: number) => index * 4;

describe("streams() stream limits (MAX_STREAMS, STREAMS_BLOCKED)", () => {
  it(
    "keeps at most the limit of a flood of 200,000 stream openings open, returning credit as they end",
    {
      timeout: 60_000,
    },
    () => {
      const w = wiredConnection();
      let most = 0;
      w.conn.onStream = (state: StreamState) => {
        // The application reads each stream as it arrives (the FIN comes in the same frame).
        queueMicrotask(() => void w.conn.read(state));
      };
      const one = new Uint8Array([7]);
      return (async () => {
        for (let i = 0; i < 200_000; i++) {
          w.receive(FrameType.STREAM, streamFrame(clientUni(i), one, true));
          most = Math.max(most, w.conn.streamCount);
          if (i % 50 === 49) await Promise.resolve();
        }
        await Promise.resolve();
        w.conn.flush();
        assert.deepEqual(w.failures, []);
        assert.ok(most <= INITIAL_MAX_STREAMS, `${most} streams were open at once`);
        const counts = w.maxStreams(true);
        assert.ok(counts.length > 1_000, `${counts.length} MAX_STREAMS`);
        assert.ok(counts.at(-1)! >= 200_000, `last MAX_STREAMS ${counts.at(-1)}`);
        assert.deepEqual(w.maxStreams(false), [], "no bidirectional credit was used");
      })();
    },
  );

  it("ends the session on the first stream past the limit and holds no more than the limit", () => {
    const w = wiredConnection({ maxIncomingBidirectionalStreams: 120 });
    let opened = 0;
    w.conn.onStream = () => void opened++;
    const data = new Uint8Array(1000);
    for (let i = 0; i < 10_000; i++) {
      w.receive(FrameType.STREAM, streamFrame(clientBidi(i), data, false));
    }
    assert.equal(opened, 120);
    assert.equal(w.conn.streamCount, 120);
    assert.equal(w.conn.stats.bufferedIn, 120 * 1000);
    assert.equal(w.failures.length, 10_000 - 120);
    assert.match(w.failures[0]!, /Stream 480: past the limit of 120 bidirectional streams/);
  });

  it("opens every lower stream of a kind when a higher one arrives first, in order", () => {
    const w = wiredConnection();
    const ids: number[] = [];
    w.conn.onStream = (state) => void ids.push(state.id);
    w.receive(FrameType.STREAM, streamFrame(clientUni(9), new Uint8Array(1), false));
    w.receive(FrameType.STREAM, streamFrame(clientUni(4), new Uint8Array(1), false));
    assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => clientUni(i)));
  });

  it("ends the session for a frame on a half a unidirectional stream lacks, or a stream never opened", () => {
    const w = wiredConnection();
    const data = new Uint8Array(4);
    w.receive(FrameType.STREAM, streamFrame(3, data, false)); // our own unidirectional stream
    w.receive(FrameType.STOP_SENDING, encodeStop({ id: 2, code: 1 })); // the peer's
    w.receive(FrameType.MAX_STREAM_DATA, encodeStreamLimit({ id: 6, limit: 1 << 20 }));
    w.receive(FrameType.STREAM, streamFrame(1, data, false)); // our bidirectional, never opened
    assert.equal(w.failures.length, 4);
    assert.match(w.failures[0]!, /Stream 3: a frame for the half/);
    assert.match(w.failures[3]!, /Stream 1: this side never opened it/);
    assert.equal(w.conn.streamCount, 0);
  });

  it("rejects malformed MAX_STREAMS and STREAMS_BLOCKED frames with DecodeError", () => {
    const w = wiredConnection();
    const bad = encodeStreamCount({ uni: true, count: 5 });
    bad[0] = 2;
    assert.throws(() => w.conn.handle(FrameType.MAX_STREAMS, 0, bad), DecodeError);
    assert.throws(
      () => w.conn.handle(FrameType.STREAMS_BLOCKED, 1, new Uint8Array(3)),
      DecodeError,
    );
    assert.deepEqual(w.failures, []);
  });

  it("waits at the peer's limit with STREAMS_BLOCKED and opens again on MAX_STREAMS", () => {
    const w = wiredConnection({}, true);
    for (let i = 0; i < INITIAL_MAX_STREAMS; i++) assert.ok(w.conn.openStream());
    assert.equal(w.conn.openStream(), undefined);
    w.conn.flush();
    const blocked = w.sent.filter((f) => f.type === FrameType.STREAMS_BLOCKED);
    assert.deepEqual(blocked.map((f) => decodeStreamCount(f.payload)), [
      { uni: false, count: INITIAL_MAX_STREAMS },
    ]);
    assert.ok(w.conn.openStream(true), "the unidirectional limit is its own");
    const credited: boolean[] = [];
    w.conn.onCredit = (uni) => void credited.push(uni);
    w.receive(FrameType.MAX_STREAMS, encodeStreamCount({ uni: false, count: 150 }));
    w.receive(FrameType.MAX_STREAMS, encodeStreamCount({ uni: false, count: 120 })); // stale
    assert.deepEqual(credited, [false]);
    for (let i = 0; i < 50; i++) assert.ok(w.conn.openStream());
    assert.equal(w.conn.openStream(), undefined);
  });

  it("answers STREAMS_BLOCKED with MAX_STREAMS when streams have ended since the last one", () => {
    const w = wiredConnection();
    w.conn.onStream = (state) => queueMicrotask(() => void w.conn.read(state));
    return (async () => {
      for (let i = 0; i < 10; i++) {
        w.receive(FrameType.STREAM, streamFrame(clientUni(i), new Uint8Array(1), true));
      }
      await Promise.resolve();
      w.conn.flush();
      assert.deepEqual(w.maxStreams(true), [], "not yet: the peer has most of its credit");
      w.receive(FrameType.STREAMS_BLOCKED, encodeStreamCount({ uni: true, count: 100 }));
      assert.deepEqual(w.maxStreams(true), [110]);
    })();
  });

  it("rejects opens waiting for credit when the session closes", async () => {
    const p = await streamPair();
    const client = streamSession(p.clientSession);
    for (let i = 0; i < INITIAL_MAX_STREAMS; i++) await client.createUnidirectionalStream();
    const waiting = track(client.createUnidirectionalStream());
    await drive(p.net, () => true);
    assert.equal(waiting.done, false, "the open waits for MAX_STREAMS");
    const closing = track(client.close());
    await drive(p.net, () => waiting.done && closing.done);
    assert.ok(waiting.error instanceof SessionError, String(waiting.error));
    assert.equal(waiting.error.code, "THING_ERR_SESSION_CLOSED");
  });

  it("opens streams past the limit over a simulated network as the peer's streams end", async () => {
    const p = await streamPair();
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    let most = 0;
    void (async () => {
      for await (const stream of server.incomingBidirectionalStreams) {
        void stream.readable.pipeTo(stream.writable).catch(() => {});
      }
    })();
    const echoes = track(Promise.all(
      Array.from({ length: 250 }, async (_, i) => {
        const stream = await client.createBidirectionalStream();
        const writer = stream.writable.getWriter();
        await writer.write(new Uint8Array([i]));
        await writer.close();
        return (await readAll(stream.readable))[0];
      }),
    ));
    await drive(p.net, () => {
      most = Math.max(most, server.streamCount);
      return echoes.done;
    });
    assert.equal(echoes.error, undefined);
    assert.deepEqual(echoes.value, Array.from({ length: 250 }, (_, i) => i));
    assert.ok(most <= INITIAL_MAX_STREAMS, `the server held ${most} streams`);
  });

  // About 2 s alone; the suite runs beside other work, so it gets more than Bun's 5 s default.
  it("opens more than 32,768 streams over a session's life", { timeout: 60_000 }, async () => {
    const p = await streamPair();
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    const total = 33_000;
    let received = 0;
    void (async () => {
      for await (const stream of server.incomingUnidirectionalStreams) {
        void readAll(stream.readable).then((bytes) => void (received += bytes.length));
      }
    })();
    let lastId = -1;
    const sending = track((async () => {
      for (let i = 0; i < total; i++) {
        const stream = await client.createUnidirectionalStream();
        lastId = stream.id;
        const writer = stream.writable.getWriter();
        void writer.write(new Uint8Array([1]));
        void writer.close();
      }
    })());
    await drive(p.net, () => sending.done && received === total);
    assert.equal(sending.error, undefined);
    assert.equal(received, total);
    assert.equal(lastId, (total - 1) * 4 + 2);
    assert.ok(client.streamCount <= INITIAL_MAX_STREAMS);
  });
});
