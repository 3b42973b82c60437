import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StreamScheduler } from "../../../plugins/streams/scheduler.ts";
import { StreamState } from "../../../plugins/streams/stream.ts";
import { type CongestionController, streamSession } from "../../../plugins/streams/mod.ts";
import { bytesOf, drive, readAll, sameBytes, streamPair, track, writeAll } from "./_sim.ts";

function stream(id: number, urgency: number, incremental: boolean): StreamState {
  const state = new StreamState(id, 1, 1, 1, true);
  state.urgency = urgency;
  state.incremental = incremental;
  return state;
}

/** The IDs `scheduler` hands out in `turns` turns, each stream sending one frame per turn. */
function order(scheduler: StreamScheduler, turns: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < turns; i++) {
    const next = scheduler.next();
    if (!next) break;
    ids.push(next.id);
    scheduler.sent(next);
  }
  return ids;
}

describe("streams() priorities (RFC 9218 urgency and incremental)", () => {
  it("serves the lowest urgency first, non-incremental streams whole in ID order, incremental ones in turns", () => {
    const scheduler = new StreamScheduler();
    const bulk = stream(0, 3, true);
    const other = stream(4, 3, true);
    const later = stream(12, 1, false);
    const first = stream(8, 1, false);
    for (const s of [bulk, other, later, first]) scheduler.add(s);
    assert.deepEqual(order(scheduler, 3), [8, 8, 8], "urgency 1 before 3; the lower ID first");
    scheduler.delete(first);
    assert.deepEqual(order(scheduler, 2), [12, 12]);
    scheduler.delete(later);
    assert.deepEqual(order(scheduler, 4), [0, 4, 0, 4], "round robin within urgency 3");
    other.urgency = 0;
    scheduler.refile(other);
    assert.deepEqual(order(scheduler, 2), [4, 4]);
    assert.equal(scheduler.size, 2);
    scheduler.clear();
    assert.equal(scheduler.next(), undefined);
  });

  it("rejects an urgency outside 0..7 and a non-boolean incremental flag", async () => {
    const p = await streamPair();
    const client = streamSession(p.clientSession);
    await assert.rejects(client.createBidirectionalStream({ urgency: 8 }), RangeError);
    await assert.rejects(client.createUnidirectionalStream({ urgency: 1.5 }), RangeError);
    const stream = await client.createBidirectionalStream({ urgency: 0, incremental: false });
    assert.deepEqual(stream.priority, { urgency: 0, incremental: false });
    assert.throws(() => stream.setPriority({ urgency: -1 }), RangeError);
    assert.throws(
      () => stream.setPriority({ incremental: "yes" as unknown as boolean }),
      TypeError,
    );
    stream.setPriority({ urgency: 5 });
    assert.deepEqual(stream.priority, { urgency: 5, incremental: false });
  });

  /** A congestion controller whose window never changes. */
  function fixedWindow(window: number): CongestionController {
    return { window, onSent() {}, onAcked() {}, onLost() {}, reset() {} };
  }

  /** Sim time for a 256 KB stream opened while a 20 MB stream is being sent, and whether the bulk one was done. */
  async function urgentCompletion(urgency: number | undefined) {
    // A fixed window makes the sender the bottleneck, so its scheduler decides who goes first.
    const p = await streamPair({ congestion: () => fixedWindow(131_072) }, { delay: 10 }, 5);
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    const bulkData = bytesOf(20_000_000, 1);
    const smallData = bytesOf(262_144, 2);
    const received = new Map<number, Uint8Array>();
    const doneAt = new Map<number, number>();
    void (async () => {
      for await (const incoming of server.incomingUnidirectionalStreams) {
        void readAll(incoming.readable).then((bytes) => {
          received.set(incoming.id, bytes);
          doneAt.set(incoming.id, p.net.clock.now());
        });
      }
    })();
    const bulk = await client.createUnidirectionalStream();
    const bulkSent = track(writeAll(bulk.writable, bulkData));
    await p.net.runFor(200);
    await drive(p.net, () => true);
    const start = p.net.clock.now();
    const small = await client.createUnidirectionalStream(
      urgency === undefined ? {} : { urgency },
    );
    void writeAll(small.writable, smallData);
    await drive(p.net, () => doneAt.has(small.id));
    const elapsed = doneAt.get(small.id)! - start;
    const bulkDone = doneAt.has(bulk.id);
    await drive(p.net, () => bulkSent.done && doneAt.has(bulk.id));
    assert.ok(sameBytes(received.get(bulk.id)!, bulkData));
    assert.ok(sameBytes(received.get(small.id)!, smallData));
    return { elapsed, bulkDone };
  }

  it("finishes a small urgent stream sooner than a default one while a bulk stream runs", {
    timeout: 60_000,
  }, async () => {
    const shared = await urgentCompletion(undefined);
    const urgent = await urgentCompletion(0);
    assert.equal(shared.bulkDone, false);
    assert.equal(urgent.bulkDone, false);
    assert.ok(
      urgent.elapsed * 1.3 < shared.elapsed,
      `urgent ${urgent.elapsed} ms, shared ${shared.elapsed} ms`,
    );
  });
});
