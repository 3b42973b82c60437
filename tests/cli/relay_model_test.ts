import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_QUEUE, RateLimit, RelayImpairment } from "../../cli/relay_model.ts";

const packet = (i: number) => new Uint8Array([i & 0xff, 1, 2, 3]);

function fates(model: RelayImpairment, count: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(model.plan(packet(i), i * step).length);
  return out;
}

describe("RelayImpairment", () => {
  it("the same seed gives the same fates; another seed other fates", () => {
    const options = { loss: 0.3, duplicate: 0.2, seed: 9 };
    const a = fates(new RelayImpairment(options, 0), 200);
    assert.deepEqual(fates(new RelayImpairment(options, 0), 200), a);
    assert.notDeepEqual(fates(new RelayImpairment({ ...options, seed: 10 }, 0), 200), a);
  });

  it("--burst: every loss drops that many packets in a row", () => {
    const model = new RelayImpairment({ loss: 0.1, burst: 4, seed: 3 }, 0);
    const out = fates(model, 2_000);
    const runs: number[] = [];
    let run = 0;
    for (const n of [...out, 1]) {
      if (n === 0) run++;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    assert.ok(runs.length > 10);
    assert.ok(runs.every((length) => length % 4 === 0), `runs ${runs}`);
    assert.equal(model.counts.burstLost, 3 * model.counts.lost);
  });

  it("--blackhole on/off: passes for off ms, then drops everything for on ms", () => {
    const model = new RelayImpairment({ blackhole: [30, 70], seed: 1 }, 1_000);
    assert.equal(model.plan(packet(0), 1_000).length, 1);
    assert.equal(model.plan(packet(1), 1_069).length, 1);
    assert.equal(model.plan(packet(2), 1_070).length, 0);
    assert.equal(model.plan(packet(3), 1_099).length, 0);
    assert.equal(model.plan(packet(4), 1_100).length, 1);
    assert.equal(model.counts.blackholed, 2);
    assert.equal(model.counts.forwarded, 3);
  });

  it("counts corrupted copies and leaves the input bytes alone", () => {
    const model = new RelayImpairment({ corrupt: 1, seed: 5 }, 0);
    const bytes = packet(7);
    const [delivery] = model.plan(bytes, 0);
    assert.notDeepEqual(delivery!.bytes, bytes);
    assert.deepEqual(bytes, packet(7));
    assert.equal(model.counts.corrupted, 1);
  });

  it("rejects a burst below 1", () => {
    assert.throws(() => new RelayImpairment({ burst: 0, seed: 1 }, 0), RangeError);
  });
});

describe("RateLimit", () => {
  it("lets packets leave one after another at the rate, and drops at the tail when full", () => {
    const link = new RateLimit(1_000_000, 3_000); // 1 byte per µs, 3,000 bytes of queue
    assert.equal(link.admit(1_000, 0), 1);
    assert.equal(link.admit(1_000, 0), 2);
    assert.equal(link.admit(1_000, 0), 3);
    assert.equal(link.queued(0), 3_000);
    assert.equal(link.admit(1, 0), undefined, "a full queue drops the newcomer");
    // Half a millisecond later 500 bytes have left: room for 500 more, not 501.
    assert.equal(link.admit(501, 0.5), undefined);
    assert.equal(link.admit(500, 0.5), 3.5);
    // An idle link sends at once.
    assert.equal(link.admit(1_000, 100), 101);
  });

  it("rejects a rate or queue out of range", () => {
    for (const rate of [0, -1, Infinity, Number.NaN]) {
      assert.throws(() => new RateLimit(rate), RangeError);
    }
    for (const queue of [0, 1.5, -3]) assert.throws(() => new RateLimit(1_000, queue), RangeError);
  });
});

describe("RelayImpairment with a rate limit", () => {
  it("delays by the bottleneck, then adds the delay, and counts tail drops", () => {
    const model = new RelayImpairment({ rate: 100_000, queue: 2_500, delay: 10, seed: 1 }, 0);
    const big = new Uint8Array(1_000);
    const arrivals = [0, 1, 2].map(() => model.plan(big, 0).map((d) => d.at));
    assert.deepEqual(arrivals, [[20], [30], []]);
    assert.equal(model.counts.overflowed, 1);
    assert.equal(model.counts.forwarded, 2);
  });

  it("holds 64 KiB when no queue is given", () => {
    const model = new RelayImpairment({ rate: 1_000, seed: 1 }, 0);
    const full = new Uint8Array(DEFAULT_QUEUE);
    assert.equal(model.plan(full, 0).length, 1);
    assert.equal(model.plan(new Uint8Array(1), 0).length, 0);
  });
});
