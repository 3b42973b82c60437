import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CongestionFactory, lossTolerantReno, newReno } from "../../reliability/mod.ts";
import { jain, twoFlows } from "./_two_flows.ts";

/** 500 kB/s each way, a 30 kB tail-drop queue (60 ms), 10 ms each way: `thing relay --rate`. */
const RELAY = { rate: 500_000, queue: 30_000, delay: 10 };
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function share(congestion: [CongestionFactory, CongestionFactory], relay = RELAY) {
  const result = await twoFlows({ congestion, relay, duration: 12_000, secondStart: 2_000 });
  // Both flows run from 2 s; the last 6 s show where they settled.
  const settled = result.perInterval.map((flow) => sum(flow.slice(6))) as [number, number];
  return { settled, total: (settled[0] + settled[1]) / 6, relay, ...result };
}

describe("two streams flows through one rate-limited relay (simulated)", () => {
  it("LossTolerantReno flows share the bottleneck fairly and fill it", async () => {
    const { settled, total, upstream } = await share([lossTolerantReno, lossTolerantReno]);
    assert.ok(jain(settled) >= 0.95, `shares ${settled}`);
    assert.ok(total >= 0.8 * RELAY.rate, `${total} B/s of ${RELAY.rate}`);
    // The queue overflowed (there was congestion to share) but did not drop a tenth of the packets.
    assert.ok(upstream.overflowed > 0 && upstream.overflowed < upstream.received / 10);
  });

  it("a shallow queue (10 ms at 1 MB/s) is shared with NewReno too, without a pile of drops", async () => {
    // (At 5 ms, 4 packets, NewReno gets only about a quarter: docs/BENCHMARKS.md.)
    const shallow = { rate: 1_000_000, queue: 10_000, delay: 10 };
    const { settled, upstream } = await share([lossTolerantReno, newReno], shallow);
    assert.ok(jain(settled) >= 0.95, `shares ${settled}`);
    assert.ok(upstream.overflowed < upstream.received / 20, `${upstream.overflowed} dropped`);
  });

  it("a LossTolerantReno flow leaves a NewReno flow its share", async () => {
    const { settled } = await share([lossTolerantReno, newReno]);
    assert.ok(jain(settled) >= 0.95, `shares ${settled}`);
    assert.ok(settled[1] >= 0.4 * (settled[0] + settled[1]), `NewReno got ${settled[1]}`);
  });
});

describe("jain()", () => {
  it("is 1 for equal shares and 1/n when one flow takes everything", () => {
    assert.equal(jain([5, 5]), 1);
    assert.equal(jain([10, 0]), 0.5);
  });
});
