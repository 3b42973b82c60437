import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LossRecovery, NewReno, RttEstimator, type SentPacket } from "../../reliability/mod.ts";

/** A 1,200-byte ack-eliciting packet numbered `pn`, sent at `time`, carrying its own number. */
function packet(pn: number, time: number): Omit<SentPacket<number>, "seq"> {
  return { pn, time, size: 1200, ackEliciting: true, frames: pn };
}

describe("LossRecovery", () => {
  it("RttEstimator follows RFC 9002 §5.3", () => {
    const rtt = new RttEstimator(333);
    rtt.update(100, 0, 25);
    assert.equal(rtt.smoothed, 100);
    assert.equal(rtt.variation, 50);
    rtt.update(120, 10, 25);
    // adjusted = 110 (120 - 10 stays above min 100)
    assert.equal(rtt.smoothed, 0.875 * 100 + 0.125 * 110);
    assert.equal(rtt.variation, 0.75 * 50 + 0.25 * 10);
    assert.equal(rtt.min, 100);
  });

  it("declares a packet lost three packets later and halves NewReno's window once per period", () => {
    const cc = new NewReno(1200);
    const recovery = new LossRecovery<number>(cc, 100, 10);
    for (let pn = 0; pn < 6; pn++) recovery.onSent(packet(pn * 2, pn));
    const before = cc.window;
    // Packet numbers 0 and 2 missing; 4..10 acknowledged.
    const update = recovery.onAck([{ first: 4, last: 10 }], 0, 20);
    assert.deepEqual(update.acked.map((p) => p.pn), [4, 6, 8, 10]);
    assert.deepEqual(update.lost.map((p) => p.pn), [0, 2]);
    assert.equal(cc.window, Math.floor((before + 4 * 1200) / 2));
    assert.equal(recovery.bytesInFlight, 0);
    assert.equal(recovery.timerAt(), undefined);
  });

  it("lists the packets in flight, oldest first, without those acknowledged or lost", () => {
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    for (let pn = 0; pn < 8; pn++) recovery.onSent(packet(pn, 0));
    recovery.onSent({ pn: 8, time: 0, size: 50, ackEliciting: false, frames: 8 });
    assert.deepEqual(recovery.inFlight().map((p) => p.frames), [0, 1, 2, 3, 4, 5, 6, 7]);
    // 4 and 5 acknowledged: 0 to 2 are three or more packets behind 5, lost; 3, 6 and 7 still fly.
    const update = recovery.onAck([{ first: 4, last: 5 }], 0, 1);
    assert.deepEqual(update.lost.map((p) => p.pn), [0, 1, 2]);
    assert.deepEqual(recovery.inFlight().map((p) => p.pn), [3, 6, 7]);
  });

  it("onSentUnelicited() counts a packet that asks no ACK towards the packet threshold", () => {
    // Packets 0 and 1 fly, two ACK-only packets leave, then 4: acknowledging 4 puts 0 and 1 three
    // or more packets behind (as onSent of packets with ackEliciting false would), so both are lost.
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    recovery.onSent(packet(0, 0));
    recovery.onSent(packet(1, 0));
    recovery.onSentUnelicited();
    recovery.onSentUnelicited();
    recovery.onSent(packet(4, 0));
    assert.deepEqual(recovery.inFlight().map((p) => p.pn), [0, 1, 4]);
    const update = recovery.onAck([{ first: 4, last: 4 }], 0, 1);
    assert.deepEqual(update.lost.map((p) => p.pn), [0, 1]);
    assert.equal(recovery.bytesInFlight, 0);
  });

  it("widens the packet threshold after a loss turns out to be reordering", () => {
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    const sent = (pn: number, time: number) => recovery.onSent(packet(pn, time));
    for (let pn = 0; pn < 8; pn++) sent(pn, 0);
    assert.deepEqual(recovery.onAck([{ first: 1, last: 5 }], 0, 1).lost.map((p) => p.pn), [0]);
    // Packet 0 arrives late after all: a spurious loss, 5 packets of reordering.
    recovery.onAck([{ first: 0, last: 5 }], 0, 2);
    assert.equal(recovery.spuriousCount, 1);
    assert.equal(recovery.packetThreshold, 6);
    for (let pn = 8; pn < 16; pn++) sent(pn, 3);
    // 8 missing, 9..13 acknowledged: 5 later packets, under the new threshold of 6.
    assert.deepEqual(
      recovery.onAck([{ first: 9, last: 13 }, { first: 0, last: 7 }], 0, 3).lost,
      [],
    );
  });

  it("finds late ACKs of lost packets in any of an ACK's ranges, not in its gaps", () => {
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    for (let pn = 0; pn < 12; pn++) recovery.onSent(packet(pn, 0));
    const lost = recovery.onAck([{ first: 8, last: 11 }], 0, 1).lost.map((p) => p.pn);
    assert.deepEqual(lost, [0, 1, 2, 3, 4, 5, 6, 7]);
    const ranges = [
      { first: 8, last: 11 },
      { first: 6, last: 6 },
      { first: 4, last: 4 },
      { first: 1, last: 2 },
    ];
    recovery.onAck(ranges, 0, 2);
    assert.equal(recovery.spuriousCount, 4); // 1, 2, 4 and 6; 0, 3, 5 and 7 fell in no range
  });

  it("arms a probe timeout while packets are in flight, backing off", () => {
    const recovery = new LossRecovery<number>(new NewReno(1200), 100, 10);
    recovery.onSent(packet(0, 0));
    const first = recovery.timerAt()!;
    assert.equal(first, 100 + 4 * 50 + 10);
    assert.equal(recovery.onTimeout(first).probe, true);
    assert.equal(recovery.timerAt(), 2 * first);
  });
});
