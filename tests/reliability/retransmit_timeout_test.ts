import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RetransmitTimeout } from "../../reliability/mod.ts";

describe("RetransmitTimeout", () => {
  it("follows RFC 6298: first sample, then smoothing, clamped and backed off", () => {
    const rto = new RetransmitTimeout(1_000, 200, 60_000);
    assert.equal(rto.rto, 1_000);
    rto.sample(100);
    assert.equal(rto.rtt.smoothed, 100);
    assert.equal(rto.rtt.variation, 50);
    assert.equal(rto.rto, 300);
    rto.sample(200);
    assert.equal(rto.rtt.variation, 0.75 * 50 + 0.25 * 100);
    assert.equal(rto.rtt.smoothed, 0.875 * 100 + 0.125 * 200);
    assert.equal(rto.rto, 112.5 + 4 * 62.5);
    assert.equal(rto.backoff(2), 4 * (112.5 + 4 * 62.5));
    rto.sample(0);
    rto.sample(0);
    rto.sample(0);
    assert.ok(rto.rto >= 200);
    assert.equal(new RetransmitTimeout(1_000, 1, 5_000).backoff(10), 5_000);
  });
});
