import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RelayImpairment } from "../../cli/relay_model.ts";

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
