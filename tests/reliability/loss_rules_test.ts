import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AckRange,
  LossRecovery,
  LossTolerantReno,
  NewReno,
  RttEstimator,
  type SentPacket,
} from "../../reliability/mod.ts";

/** A 1,200-byte ack-eliciting packet numbered `pn`, sent at `time`, carrying its own number. */
function packet(pn: number, time: number): Omit<SentPacket<number>, "seq"> {
  return { pn, time, size: 1200, ackEliciting: true, frames: pn };
}

/** Ranges (highest first, disjoint, not adjacent) covering exactly `pns`. */
function rangesOf(pns: Iterable<number>): AckRange[] {
  const sorted = [...new Set(pns)].sort((a, b) => b - a);
  const ranges: AckRange[] = [];
  for (const pn of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last.first === pn + 1) last.first = pn;
    else ranges.push({ first: pn, last: pn });
  }
  return ranges;
}

/**
 * A tracker whose RTT is sampled twice at 20 ms (packets 0 and 1): smoothed 20, variation 7.5,
 * PTO 60. Tests go on from packet number 10.
 */
function sampled(cc = new NewReno(1200)): LossRecovery<number> {
  const recovery = new LossRecovery<number>(cc, 100, 10);
  recovery.onSent(packet(0, 0));
  recovery.onAck([{ first: 0, last: 0 }], 0, 20);
  recovery.onSent(packet(1, 20));
  recovery.onAck([{ first: 1, last: 1 }], 0, 40);
  assert.equal(recovery.rtt.pto(10), 60);
  return recovery;
}

describe("LossRecovery tail-loss probe (RFC 8985 §7)", () => {
  it("fires two smoothed RTTs after the last packet, before the PTO, and only once per ACK", () => {
    const recovery = sampled();
    recovery.onSent(packet(10, 100));
    recovery.onSent(packet(11, 100));
    assert.equal(recovery.timerAt(), 100 + 2 * 20);
    const probe = recovery.onTimeout(140);
    assert.deepEqual([probe.probe, probe.tail], [true, true]);
    assert.equal(recovery.tailProbeCount, 1);
    assert.equal(recovery.ptoCount, 0);
    // The tail-loss probe was spent: the PTO comes next, then backs off.
    assert.equal(recovery.timerAt(), 100 + 60);
    const pto = recovery.onTimeout(160);
    assert.deepEqual([pto.probe, pto.tail], [true, false]);
    assert.equal(recovery.timerAt(), 100 + 120);
    // An ACK of new data arms a tail-loss probe again.
    recovery.onAck([{ first: 10, last: 11 }], 0, 170);
    recovery.onSent(packet(12, 180));
    recovery.onSent(packet(13, 180));
    assert.equal(recovery.timerAt(), 180 + 2 * recovery.rtt.smoothed);
  });

  it("waits the peer's ACK delay more when only one packet is in flight", () => {
    const recovery = sampled();
    recovery.onSent(packet(10, 100));
    assert.equal(recovery.timerAt(), 100 + 2 * 20 + 10);
  });

  it("is not used before an RTT sample: the first timer is the PTO", () => {
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    recovery.onSent(packet(0, 0));
    assert.equal(recovery.timerAt(), 100 + 4 * 50 + 10);
    assert.equal(recovery.onTimeout(310).tail, false);
  });
});

describe("LossRecovery persistent congestion (RFC 9002 §7.6)", () => {
  /** Packets 11..16 sent 100 ms apart from t = 100, 17 at 610; the ACK at 650 names `acked`. */
  function spread(acked: number[], cc = new NewReno(1200)) {
    const recovery = sampled(cc);
    for (let pn = 11; pn <= 16; pn++) recovery.onSent(packet(pn, (pn - 10) * 100));
    recovery.onSent(packet(17, 610));
    const update = recovery.onAck(rangesOf(acked), 0, 650);
    return { recovery, update, cc };
  }

  it("drops NewReno to the minimum window when a run of losses spans 3 PTOs", () => {
    const { recovery, update, cc } = spread([17]);
    assert.deepEqual(update.lost.map((p) => p.pn), [11, 12, 13, 14, 15, 16]);
    assert.equal(recovery.persistentCongestionCount, 1);
    assert.equal(cc.window, 2 * 1200);
  });

  it("is not declared when an acknowledged packet splits the run", () => {
    const { recovery, cc } = spread([13, 17]);
    assert.equal(recovery.persistentCongestionCount, 0);
    assert.ok(cc.window > 2 * 1200);
  });

  it("counts only packets sent after the first RTT sample", () => {
    const cc = new NewReno(1200);
    const recovery = new LossRecovery<number>(cc, 100, 10);
    for (let pn = 1; pn <= 6; pn++) recovery.onSent(packet(pn, pn * 100));
    recovery.onSent(packet(7, 610));
    assert.equal(recovery.onAck([{ first: 7, last: 7 }], 0, 650).lost.length, 6);
    assert.equal(recovery.persistentCongestionCount, 0);
  });

  it("collapses LossTolerantReno too, whatever the RTT says", () => {
    const { recovery, cc } = spread([17], new LossTolerantReno(1200));
    assert.equal(recovery.persistentCongestionCount, 1);
    assert.equal(cc.window, 2 * 1200);
  });
});

describe("LossRecovery spurious-loss undo", () => {
  it("restores NewReno's window and slow start when the loss that cut it was spurious", () => {
    const cc = new NewReno(1200);
    const recovery = new LossRecovery<number>(cc, 100, 10);
    for (let pn = 0; pn < 5; pn++) recovery.onSent(packet(pn, 0));
    const initial = cc.window;
    assert.deepEqual(recovery.onAck([{ first: 1, last: 4 }], 0, 10).lost.map((p) => p.pn), [0]);
    const before = initial + 4 * 1200;
    assert.equal(cc.window, before / 2);
    recovery.onAck([{ first: 0, last: 4 }], 0, 12);
    assert.equal(recovery.spuriousCount, 1);
    assert.equal(cc.window, before);
    // Back in slow start: an acknowledged packet adds its whole size.
    recovery.onSent(packet(5, 13));
    recovery.onAck([{ first: 0, last: 5 }], 0, 20);
    assert.equal(cc.window, before + 1200);
  });

  it("keeps the cut while any loss of the recovery period was real", () => {
    const cc = new NewReno(1200);
    const recovery = new LossRecovery<number>(cc, 100, 10);
    for (let pn = 0; pn < 6; pn++) recovery.onSent(packet(pn, 0));
    const lost = recovery.onAck([{ first: 2, last: 5 }], 0, 10).lost;
    assert.deepEqual(lost.map((p) => p.pn), [0, 1]);
    const cut = cc.window;
    recovery.onAck([{ first: 2, last: 5 }, { first: 0, last: 0 }], 0, 12);
    assert.equal(recovery.spuriousCount, 1);
    assert.equal(cc.window, cut);
  });

  it("does not undo an older period's cut for a loss of a newer one", () => {
    const cc = new NewReno(1200);
    cc.onLost(10, 1200, 5);
    const firstCut = cc.window;
    cc.onLost(50, 1200, 40);
    cc.onSpuriousLoss(60, 1200, 10);
    assert.equal(cc.window, Math.max(Math.floor(firstCut / 2), 2400));
  });
});

describe("LossRecovery reordering thresholds", () => {
  it("return to 3 packets and 9/8 RTT after 16 loss episodes without a spurious one", () => {
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    for (let pn = 0; pn < 8; pn++) recovery.onSent(packet(pn, 0));
    recovery.onAck([{ first: 1, last: 5 }], 0, 1);
    recovery.onAck([{ first: 0, last: 7 }], 0, 2);
    assert.equal(recovery.packetThreshold, 6);
    assert.ok(recovery.timeThreshold > 9 / 8);
    // Each round: two packets 400 ms apart, the later one acknowledged 1 ms after it was sent: the
    // earlier one is lost by time.
    let pn = 8;
    for (let episode = 1; episode <= 16; episode++) {
      const at = 1_000 * episode;
      recovery.onSent(packet(pn, at));
      recovery.onSent(packet(pn + 1, at + 400));
      assert.equal(recovery.onAck([{ first: pn + 1, last: pn + 1 }], 0, at + 401).lost.length, 1);
      pn += 2;
      assert.equal(recovery.packetThreshold, episode < 16 ? 6 : 3, `episode ${episode}`);
    }
    assert.equal(recovery.timeThreshold, 9 / 8);
  });
});

describe("LossTolerantReno", () => {
  it("keeps its window for a loss without a queue and halves it for one with a queue", () => {
    const cc = new LossTolerantReno(1200);
    const rtt = new RttEstimator(100);
    rtt.update(20);
    cc.onAcked(20, 1200, 0, rtt);
    const window = cc.window;
    cc.onLost(21, 1200, 5);
    assert.equal(cc.window, window);
    assert.equal(cc.randomLosses, 1);
    assert.equal(cc.queueing(), false);
    // 60 ms against a 20 ms minimum: 40 ms of queue, more than max(2.5, 2, 2 × variation 17.5),
    // but one such sample among the last 8 is not yet a queue.
    rtt.update(60);
    cc.onAcked(60, 1200, 0, rtt);
    assert.equal(cc.queueing(), false);
    for (let i = 1; i < 8; i++) cc.onAcked(60, 1200, 0, rtt);
    assert.equal(cc.queueing(), true);
    const grown = cc.window;
    cc.onLost(61, 1200, 50);
    assert.equal(cc.window, Math.floor(grown / 2));
  });

  it("takes jitter and a lone late sample for noise, not for a queue", () => {
    const cc = new LossTolerantReno(1200);
    const rtt = new RttEstimator(100);
    for (const sample of [20, 35, 22, 38, 21, 36, 24, 37]) {
      rtt.update(sample);
      cc.onAcked(100, 1200, 0, rtt);
    }
    assert.equal(cc.queueing(), false);
    // A stall of 200 ms (a garbage collection, a busy machine) delays one ACK.
    rtt.update(200);
    cc.onAcked(300, 1200, 0, rtt);
    assert.equal(cc.queueing(), false);
  });

  it("counts every loss once more than 15 % of the recent bytes were lost, queue or not", () => {
    const cc = new LossTolerantReno(1200);
    const rtt = new RttEstimator(100);
    rtt.update(20);
    // 1 loss in 20 packets, for a while: about 5 %, let pass.
    for (let i = 0; i < 400; i++) {
      if (i % 20 === 19) cc.onLost(i, 1200, i);
      else cc.onAcked(i, 1200, i, rtt);
    }
    assert.ok(cc.lossRate < 0.15, `${cc.lossRate}`);
    const window = cc.window;
    cc.onLost(400, 1200, 400);
    assert.equal(cc.window, window);
    // Then 1 in 3: an overflowing queue the RTT does not show.
    for (let i = 401; cc.lossRate <= 0.15; i++) {
      if (i % 3 === 0) cc.onLost(i, 1200, i);
      else cc.onAcked(i, 1200, i, rtt);
    }
    assert.ok(cc.window < window, "the window was cut");
    assert.equal(cc.queueing(), false);
  });

  it("starts from the initial window again on reset", () => {
    const cc = new LossTolerantReno(1200);
    const initial = cc.window;
    cc.onAcked(1, 50_000, 0, new RttEstimator(10));
    cc.onLost(2, 1200, 1);
    cc.reset();
    assert.equal(cc.window, initial);
    assert.equal(cc.queueing(), false);
    assert.equal(cc.lossRate, 0);
  });
});

describe("LossRecovery accounting (property)", () => {
  it("reports every packet once, as acknowledged or lost, and bytes in flight add up", () => {
    const step = fc.oneof(
      fc.record({ send: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ ack: fc.array(fc.nat(40), { minLength: 1, maxLength: 12 }) }),
      fc.record({ wait: fc.integer({ min: 1, max: 400 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.boolean(), (steps, tolerant) => {
        const cc = tolerant ? new LossTolerantReno(1200) : new NewReno(1200);
        const recovery = new LossRecovery<number>(cc, 100, 10);
        const reported = new Set<number>();
        let now = 0;
        let next = 0;
        let sentBytes = 0;
        let reportedBytes = 0;
        const take = (update: { acked: SentPacket<number>[]; lost: SentPacket<number>[] }) => {
          for (const p of [...update.acked, ...update.lost]) {
            assert.ok(!reported.has(p.frames), `packet ${p.frames} reported twice`);
            reported.add(p.frames);
            reportedBytes += 1200;
          }
        };
        const ackAll = (pns: number[]) => {
          const ranges = rangesOf(pns);
          const update = recovery.onAck(ranges, 0, now);
          for (const p of update.acked) assert.ok(pns.includes(p.pn), `${p.pn} was not acked`);
          take(update);
        };
        for (const s of steps) {
          now += 1;
          if ("send" in s) {
            for (let i = 0; i < s.send; i++, next++) recovery.onSent(packet(next, now));
            sentBytes += 1200 * s.send;
          } else if ("ack" in s) {
            const pns = s.ack.filter((pn) => pn < next);
            if (pns.length > 0) ackAll(pns);
          } else {
            now += s.wait;
            const at = recovery.timerAt();
            if (at !== undefined && at <= now) take(recovery.onTimeout(now));
          }
          assert.equal(recovery.bytesInFlight, sentBytes - reportedBytes);
        }
        // Acknowledging everything settles every packet exactly once.
        now += 1;
        if (next > 0) ackAll(Array.from({ length: next }, (_, i) => i));
        assert.equal(reported.size, next);
        assert.equal(recovery.bytesInFlight, 0);
        assert.equal(recovery.timerAt(), undefined);
      }),
      { numRuns: 300 },
    );
  });
});
