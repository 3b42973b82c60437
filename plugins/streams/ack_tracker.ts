/**
 * The receiver's side of acknowledgement: which packet numbers arrived, and when an ACK is owed
 * (every `ackEvery` ack-eliciting packets, at once for a packet that arrives out of order or
 * asks for it, or after `maxAckDelay` at most).
 *
 * @module
 */
import { encodeAck } from "./frames.ts";
import { RangeSet } from "../../reliability/mod.ts";

/** Received packet numbers and the ACK schedule of one session. */
export class AckTracker {
  /** When a delayed ACK falls due, or `undefined` when none is owed. */
  deadline: number | undefined;
  readonly #received = new RangeSet();
  readonly #ackEvery: number;
  readonly #maxAckDelay: number;
  readonly #maxRanges: number;
  #largest = -1;
  #largestAt = 0;
  #unacked = 0;
  #immediate = false;

  /** @param ackEvery packets per ACK; @param maxAckDelay ms; @param maxRanges ranges per ACK */
  constructor(ackEvery: number, maxAckDelay: number, maxRanges: number) {
    this.#ackEvery = ackEvery;
    this.#maxAckDelay = maxAckDelay;
    this.#maxRanges = maxRanges;
  }

  /** An ack-eliciting packet `pn` arrived at `now`; `immediate` when its sender asked for an ACK. */
  onPacket(pn: number, now: number, immediate = false): void {
    if (immediate || this.#received.has(pn) || pn < this.#largest) this.#immediate = true;
    this.#received.add(pn, pn + 1);
    if (pn > this.#largest) {
      this.#largest = pn;
      this.#largestAt = now;
    }
    if (++this.#unacked >= this.#ackEvery) this.#immediate = true;
    this.deadline ??= now + this.#maxAckDelay;
  }

  /**
   * A packet that needs no ACK (an ACK) arrived: listed in later ACKs all the same, so that the
   * ranges stay whole instead of gaining a gap per ACK the peer sends.
   */
  onOther(pn: number): void {
    if (pn > this.#largest - 1_000) this.#received.add(pn, pn + 1);
  }

  /** Whether an ACK should be sent at `now`. */
  due(now: number): boolean {
    return this.#unacked > 0 &&
      (this.#immediate || (this.deadline !== undefined && now >= this.deadline));
  }

  /** Builds the ACK payload (highest ranges first) and resets the schedule. */
  build(now: number): Uint8Array {
    const received = this.#received;
    received.keepHighest(this.#maxRanges);
    const ranges = [];
    for (let i = received.size - 1; i >= 0; i--) {
      ranges.push({ first: received.starts[i]!, last: received.ends[i]! - 1 });
    }
    this.#unacked = 0;
    this.#immediate = false;
    this.deadline = undefined;
    return encodeAck({ delayMicros: (now - this.#largestAt) * 1000, ranges });
  }
}
