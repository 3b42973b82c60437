/**
 * Loss recovery in the manner of RFC 9002, for any protocol that numbers its packets and
 * acknowledges them in ranges: the packets in flight, what an ACK acknowledges, which packets count
 * as lost (packet and time thresholds, widened by reordering seen on the path), and when the probe
 * timeout fires. It owns the RTT estimator and the congestion controller; it never sends anything
 * itself. What a packet carried is the caller's type `F`, handed back when the packet is
 * acknowledged or lost.
 *
 * @module
 */
import type { CongestionController } from "./congestion.ts";
import { RttEstimator } from "./rtt.ts";

/** Packets sent after a packet that must be acknowledged before it counts as lost (kPacketThreshold). */
export const PACKET_THRESHOLD = 3;
/** The most the packet threshold grows to after spurious losses. */
export const MAX_PACKET_THRESHOLD = 32;
/** Lost packets remembered to recognise a late ACK of one (a spurious loss). */
const REMEMBERED_LOSSES = 64;

/** One acknowledged range of packet numbers, inclusive; an ACK's ranges are highest first, disjoint. */
export interface AckRange {
  /** Lowest packet number in the range. */
  first: number;
  /** Highest packet number in the range. */
  last: number;
}

/** One packet in flight; `frames` is whatever the sender needs to resend its contents. */
export interface SentPacket<F> {
  /** The packet number: any increasing number the sender assigns, gaps allowed. */
  pn: number;
  /** Filled in by `onSent`: this tracker's own count of the packets it was given. */
  seq: number;
  /** When it was sent, in ms. */
  time: number;
  /** Its size on the wire in bytes; set to -1 once it is acknowledged or declared lost. */
  size: number;
  /** Whether the peer must acknowledge it (only those count in flight). */
  ackEliciting: boolean;
  /** What the packet carried, as the sender describes it. */
  frames: F;
}

/** What an ACK or a timeout changed. */
export interface RecoveryUpdate<F> {
  /** Packets newly acknowledged, lowest packet number first. */
  acked: SentPacket<F>[];
  /** Packets now declared lost, oldest first. */
  lost: SentPacket<F>[];
}

/**
 * Sent-packet tracking, loss detection and the PTO of one path.
 *
 * Call order: `onSent` for each packet as it leaves; `onAck` for each ACK received; `timerAt` after
 * either to (re)arm one timer, and `onTimeout` when it fires. On `probe: true` the caller sends one
 * or two ack-eliciting packets (new data, or `oldest()`'s contents again).
 *
 * @example
 * ```ts
 * import { LossRecovery, NewReno } from "@thing/net/reliability";
 *
 * const recovery = new LossRecovery<string>(new NewReno(1200), 100, 10);
 * for (let pn = 0; pn < 5; pn++) {
 *   recovery.onSent({ pn, time: 0, size: 1200, ackEliciting: true, frames: `packet ${pn}` });
 * }
 * const { acked, lost } = recovery.onAck([{ first: 1, last: 4 }], 0, 50);
 * console.log(acked.length, lost.map((p) => p.frames)); // 4 [ "packet 0" ]
 * ```
 */
export class LossRecovery<F> {
  /** RTT estimates. */
  readonly rtt: RttEstimator;
  /** Congestion control. */
  readonly cc: CongestionController;
  /** Bytes of ack-eliciting packets in flight. */
  bytesInFlight = 0;
  /** Consecutive probe timeouts without an ACK. */
  ptoCount = 0;
  /** Packets declared lost so far (for statistics). */
  lostCount = 0;
  /** Losses found spurious: the packet was acknowledged after all (for statistics). */
  spuriousCount = 0;
  /** The packet threshold in use: 3, raised by reordering seen on this path. */
  packetThreshold = PACKET_THRESHOLD;
  /** The time threshold in use, in RTTs: 9/8, raised by reordering seen on this path (up to 2). */
  timeThreshold = 9 / 8;
  /** The peer's maximum ACK delay in ms. */
  readonly maxAckDelay: number;
  #outstanding: SentPacket<F>[] = [];
  #seq = 0;
  #largestAcked = -1;
  #largestAckedSeq = -1;
  #lossTime = Infinity;
  #lastAckElicitingTime = -Infinity;
  #recentLosses: Array<{ packet: SentPacket<F>; largestSeq: number }> = [];

  /** Builds the tracker with its estimator and controller. */
  constructor(cc: CongestionController, initialRtt: number, maxAckDelay: number) {
    this.cc = cc;
    this.rtt = new RttEstimator(initialRtt);
    this.maxAckDelay = maxAckDelay;
  }

  /** Records a sent packet; `seq`, filled in here, orders it among this side's packets. */
  onSent(packet: Omit<SentPacket<F>, "seq">): void {
    const sent = packet as SentPacket<F>;
    sent.seq = this.#seq++;
    if (!sent.ackEliciting) return;
    this.#outstanding.push(sent);
    this.bytesInFlight += sent.size;
    this.#lastAckElicitingTime = sent.time;
    this.cc.onSent(sent.time, sent.size);
  }

  /** Processes an ACK frame's ranges (highest first) received at `now`. */
  onAck(ranges: AckRange[], ackDelay: number, now: number): RecoveryUpdate<F> {
    const acked: SentPacket<F>[] = [];
    const outstanding = this.#outstanding;
    for (let r = ranges.length - 1; r >= 0; r--) {
      const { first, last } = ranges[r]!;
      for (let i = lowerBound(outstanding, first); i < outstanding.length; i++) {
        const packet = outstanding[i]!;
        if (packet.pn > last) break;
        if (packet.size >= 0) acked.push(packet);
      }
    }
    this.#checkSpurious(ranges, now);
    if (acked.length === 0) return { acked, lost: [] };
    const newest = acked[acked.length - 1]!;
    if (newest.pn === ranges[0]!.last) {
      this.rtt.update(now - newest.time, ackDelay, this.maxAckDelay);
    }
    if (newest.pn > this.#largestAcked) {
      this.#largestAcked = newest.pn;
      this.#largestAckedSeq = newest.seq;
    }
    for (const packet of acked) {
      this.bytesInFlight -= packet.size;
      this.cc.onAcked(now, packet.size, packet.time, this.rtt);
      packet.size = -1;
    }
    this.ptoCount = 0;
    const lost = this.#detectLost(now);
    this.#compact();
    return { acked, lost };
  }

  #detectLost(now: number): SentPacket<F>[] {
    this.#lossTime = Infinity;
    const lost: SentPacket<F>[] = [];
    if (this.#largestAckedSeq < 0) return lost;
    const delay = this.rtt.lossDelay(this.timeThreshold);
    for (const packet of this.#outstanding) {
      if (packet.seq >= this.#largestAckedSeq) break;
      if (packet.size < 0) continue;
      if (
        packet.time + delay <= now || this.#largestAckedSeq - packet.seq >= this.packetThreshold
      ) {
        lost.push(packet);
      } else {
        this.#lossTime = Math.min(this.#lossTime, packet.time + delay);
      }
    }
    if (lost.length === 0) return lost;
    let bytes = 0;
    for (const packet of lost) {
      bytes += packet.size;
      this.bytesInFlight -= packet.size;
      packet.size = -1;
    }
    this.lostCount += lost.length;
    for (const packet of lost) {
      this.#recentLosses.push({ packet, largestSeq: this.#largestAckedSeq });
    }
    if (this.#recentLosses.length > REMEMBERED_LOSSES) {
      this.#recentLosses.splice(0, this.#recentLosses.length - REMEMBERED_LOSSES);
    }
    this.cc.onLost(now, bytes, lost[lost.length - 1]!.time);
    return lost;
  }

  /**
   * An ACK of a packet already declared lost means the path reorders: widen the thresholds so the
   * same reordering is not taken for loss again (RFC 9002 §6.1 allows adaptive thresholds).
   */
  #checkSpurious(ranges: AckRange[], now: number): void {
    const recent = this.#recentLosses;
    if (recent.length === 0) return;
    const lowest = ranges[ranges.length - 1]!.first;
    const highest = ranges[0]!.last;
    for (let i = 0; i < recent.length; i++) {
      const { packet, largestSeq } = recent[i]!;
      if (packet.pn < lowest || packet.pn > highest || !covers(ranges, packet.pn)) continue;
      recent.splice(i--, 1);
      this.spuriousCount++;
      this.packetThreshold = Math.min(
        MAX_PACKET_THRESHOLD,
        Math.max(this.packetThreshold, largestSeq - packet.seq + 1),
      );
      const late = (now - packet.time) / Math.max(this.rtt.smoothed, 0.001);
      this.timeThreshold = Math.min(2, Math.max(this.timeThreshold, late + 1 / 8));
    }
  }

  #compact(): void {
    const outstanding = this.#outstanding;
    let kept = 0;
    for (const packet of outstanding) if (packet.size >= 0) outstanding[kept++] = packet;
    outstanding.length = kept;
  }

  /** When `onTimeout` should run: the loss time, else the PTO, else `undefined`. */
  timerAt(): number | undefined {
    if (this.#lossTime !== Infinity) return this.#lossTime;
    if (this.#outstanding.length === 0) return undefined;
    const backoff = 2 ** Math.min(this.ptoCount, 8);
    return this.#lastAckElicitingTime + this.rtt.pto(this.maxAckDelay) * backoff;
  }

  /** The timer fired: declares packets lost by time, or returns `probe: true` for a PTO. */
  onTimeout(now: number): RecoveryUpdate<F> & { probe: boolean } {
    const at = this.timerAt();
    if (at === undefined || at > now) return { acked: [], lost: [], probe: false };
    if (this.#lossTime !== Infinity) {
      const lost = this.#detectLost(now);
      this.#compact();
      return { acked: [], lost, probe: false };
    }
    this.ptoCount++;
    return { acked: [], lost: [], probe: true };
  }

  /** The oldest packet in flight, to repeat its contents as a probe. */
  oldest(): SentPacket<F> | undefined {
    return this.#outstanding[0];
  }

  /** The path changed: forget RTT samples and restart congestion control (RFC 9000 §9.4). */
  resetPath(): void {
    this.rtt.reset();
    this.cc.reset();
    this.packetThreshold = PACKET_THRESHOLD;
    this.timeThreshold = 9 / 8;
  }
}

/** Whether `ranges` (highest first, disjoint) hold `pn`: a binary search, as an ACK has up to 32. */
function covers(ranges: AckRange[], pn: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.first <= pn) hi = mid;
    else lo = mid + 1;
  }
  const range = ranges[lo];
  return range !== undefined && range.first <= pn && pn <= range.last;
}

function lowerBound<F>(packets: SentPacket<F>[], pn: number): number {
  let lo = 0;
  let hi = packets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (packets[mid]!.pn < pn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
