import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InflightCeiling } from "../../../plugins/streams/inflight_ceiling.ts";

const PACKET = 65_507;

/** A seeded generator of numbers in [0, 1) (mulberry32), so every run sees the same losses. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Round trips of a sender with a window of `window` packets (capped by the ceiling) to a
 * receiver that drops every packet past `depth` in a burst, and `loss` of the others at random;
 * returns the packets lost in the last `tail` rounds and the ceiling at the end.
 */
function run(
  rounds: number,
  window: number,
  depth: number,
  loss: number,
  tail = rounds,
): { lost: number; limit: number; sent: number } {
  const ceiling = new InflightCeiling(PACKET);
  const random = seeded(7);
  let lost = 0;
  let sent = 0;
  for (let round = 0; round < rounds; round++) {
    const burst = Math.min(window, Math.floor(ceiling.limit / PACKET));
    for (let i = 1; i <= burst; i++) {
      const dropped = i > depth || random() < loss;
      if (round >= rounds - tail) {
        sent++;
        if (dropped) lost++;
      }
      if (dropped) ceiling.onLost(i * PACKET);
      else ceiling.onAcked();
    }
  }
  return { lost, limit: ceiling.limit, sent };
}

describe("InflightCeiling", () => {
  it("stays unarmed through 1 % and 5 % random loss", () => {
    for (const loss of [0.01, 0.05]) {
      const { limit } = run(2_000, 32, Infinity, loss);
      assert.equal(limit, Infinity, `armed by ${loss * 100} % random loss`);
    }
  });

  it("arms behind a buffer of three packets and then loses few", () => {
    const before = run(600, 32, 3, 0, 400);
    assert.ok(before.limit <= 4 * PACKET, `ceiling ${before.limit / PACKET} packets`);
    // Past the first rounds, only the probes above the ceiling lose a packet.
    assert.ok(before.lost / before.sent < 0.02, `lost ${before.lost} of ${before.sent}`);
  });

  it("never caps below two packets", () => {
    const { limit } = run(600, 32, 0, 0);
    assert.equal(limit, 2 * PACKET);
  });

  it("probes a packet higher after 16 acknowledged packets", () => {
    const ceiling = new InflightCeiling(PACKET);
    for (let i = 0; i < 12; i++) ceiling.onLost(10 * PACKET);
    assert.equal(ceiling.limit, 9 * PACKET);
    for (let i = 0; i < 15; i++) ceiling.onAcked();
    assert.equal(ceiling.limit, 9 * PACKET);
    ceiling.onAcked();
    assert.equal(ceiling.limit, 10 * PACKET);
  });

  it("waits twice as long before the next probe after a loss at the probed level", () => {
    const ceiling = new InflightCeiling(PACKET);
    for (let i = 0; i < 12; i++) ceiling.onLost(5 * PACKET);
    for (let i = 0; i < 16; i++) ceiling.onAcked();
    assert.equal(ceiling.limit, 5 * PACKET);
    ceiling.onLost(5 * PACKET);
    assert.equal(ceiling.limit, 4 * PACKET);
    for (let i = 0; i < 31; i++) ceiling.onAcked();
    assert.equal(ceiling.limit, 4 * PACKET);
    ceiling.onAcked();
    assert.equal(ceiling.limit, 5 * PACKET);
  });
});
