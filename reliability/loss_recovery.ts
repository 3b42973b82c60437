/**
 * Loss recovery in the manner of RFC 9002, for any protocol that numbers its packets and
 * acknowledges them in ranges: the packets in flight, what an ACK acknowledges, which packets count
 * as lost (packet and time thresholds as in RACK, RFC 8985, widened by reordering seen on the path
 * and narrowed again after 16 loss episodes without any), when a tail-loss probe or the probe
 * timeout fires, when losses amount to persistent congestion (RFC 9002 §7.6), and which losses
 * were spurious (so the controller may undo its cut). It owns the RTT estimator and the congestion
 * controller; it never sends anything itself. What a packet carried is the caller's type `F`, handed back when the packet is
 * acknowledged or lost.
 *
 * @module
 */
import type { CongestionController } from "./congestion.ts";
import { GRANULARITY, RttEstimator } from "./rtt.ts";
import { truncate } from "./truncate.ts";

/** Packets sent after a packet that must be acknowledged before it counts as lost (kPacketThreshold). */
export const PACKET_THRESHOLD = 3;
/** The most the packet threshold grows to after spurious losses. */
export const MAX_PACKET_THRESHOLD = 32;
/** Lost packets remembered to recognise a late ACK of one (a spurious loss). */
const REMEMBERED_LOSSES = 64;
/** Loss episodes without a spurious loss after which widened thresholds return to their defaults. */
const REORDERING_MEMORY = 16;
/** Persistent congestion: lost packets spanning this many PTOs (kPersistentCongestionThreshold). */
const PERSISTENT_CONGESTION_THRESHOLD = 3;

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

/** What a timeout asks of the sender besides handling `lost`. */
export interface TimeoutUpdate<F> extends RecoveryUpdate<F> {
  /** Send ack-eliciting probes now: new data, or `oldest()`'s contents again. */
  probe: boolean;
  /** The probe is a tail-loss probe: one packet is enough (a PTO sends two). */
  tail: boolean;
}

/** A packet declared lost, remembered to recognise a late ACK of it. */
interface LostPacket<F> {
  packet: SentPacket<F>;
  /** Its size on the wire (`packet.size` is -1 by now). */
  size: number;
  /** When it was declared lost. */
  lostAt: number;
  /** The largest acknowledged `seq` when it was declared lost (how far it was overtaken). */
  largestSeq: number;
}

/**
 * Sent-packet tracking, loss detection and the probe timers of one path.
 *
 * Call order: `onSent` for each packet as it leaves; `onAck` for each ACK received; `timerAt` after
 * either to (re)arm one timer, and `onTimeout` when it fires. On `probe: true` the caller sends one
 * (`tail: true`) or two ack-eliciting packets: new data, or `oldest()`'s contents again.
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
  /** Consecutive probe timeouts without an ACK (a tail-loss probe does not count). */
  ptoCount = 0;
  /** Packets declared lost so far (for statistics). */
  lostCount = 0;
  /** Losses found spurious: the packet was acknowledged after all (for statistics). */
  spuriousCount = 0;
  /** Tail-loss probes sent for (for statistics). */
  tailProbeCount = 0;
  /** Times persistent congestion was declared (for statistics). */
  persistentCongestionCount = 0;
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
  #firstSampleAt = Infinity;
  #tailProbed = false;
  #quietEpisodes = 0;
  #recentLosses: LostPacket<F>[] = [];

  /** Builds the tracker with its estimator and controller. */
  constructor(cc: CongestionController, initialRtt: number, maxAckDelay: number) {
    this.cc = cc;
    this.rtt = new RttEstimator(initialRtt);
    this.maxAckDelay = maxAckDelay;
  }

  /**
   * Records a sent packet; `seq`, filled in here, orders it among this side's packets (a packet
   * built with a `seq` of its own, whatever its value, keeps one shape when it is filled in).
   */
  onSent(packet: Omit<SentPacket<F>, "seq"> & { seq?: number }): void {
    const sent = packet as SentPacket<F>;
    sent.seq = this.#seq++;
    if (!sent.ackEliciting) return;
    this.#outstanding.push(sent);
    this.bytesInFlight += sent.size;
    this.#lastAckElicitingTime = sent.time;
    this.cc.onSent(sent.time, sent.size);
  }

  /** Records a sent packet that asks for no ACK: what `onSent` does with one, without the record. */
  onSentUnelicited(): void {
    this.#seq++;
  }

  /** Processes an ACK frame's ranges (highest first) received at `now`. */
  onAck(ranges: AckRange[], ackDelay: number, now: number): RecoveryUpdate<F> {
    const acked: SentPacket<F>[] = [];
    const outstanding = this.#outstanding;
    // Ranges wholly below the oldest packet in flight name nothing (an ACK lists up to 32, most of
    // them long settled): skip them without a search each.
    let r = ranges.length - 1;
    const oldest = outstanding[0]?.pn ?? Infinity;
    while (r >= 0 && ranges[r]!.last < oldest) r--;
    for (; r >= 0; r--) {
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
      if (!this.rtt.sampled) this.#firstSampleAt = now;
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
    this.#tailProbed = false;
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
    if (lost.length > 0) this.#declareLost(lost, now);
    return lost;
  }

  #declareLost(lost: SentPacket<F>[], now: number): void {
    let bytes = 0;
    const recent = this.#recentLosses;
    for (const packet of lost) {
      bytes += packet.size;
      this.bytesInFlight -= packet.size;
      recent.push({ packet, size: packet.size, lostAt: now, largestSeq: this.#largestAckedSeq });
      packet.size = -1;
    }
    if (recent.length > REMEMBERED_LOSSES) recent.splice(0, recent.length - REMEMBERED_LOSSES);
    this.lostCount += lost.length;
    if (++this.#quietEpisodes >= REORDERING_MEMORY) {
      this.#quietEpisodes = 0;
      this.packetThreshold = PACKET_THRESHOLD;
      this.timeThreshold = 9 / 8;
    }
    this.cc.onLost(now, bytes, lost[lost.length - 1]!.time);
    if (this.#persistentCongestion(lost)) {
      this.persistentCongestionCount++;
      this.cc.onPersistentCongestion?.(now);
    }
  }

  /**
   * Whether `lost` (oldest first) holds two packets sent after the first RTT sample, more than the
   * persistent congestion duration apart, with every packet sent between them lost too (RFC 9002
   * §7.6.2; consecutive `seq` stands for "none acknowledged", which errs towards not declaring it).
   */
  #persistentCongestion(lost: SentPacket<F>[]): boolean {
    if (!this.rtt.sampled) return false;
    const duration = this.rtt.pto(this.maxAckDelay) * PERSISTENT_CONGESTION_THRESHOLD;
    let start: SentPacket<F> | undefined;
    let previous: SentPacket<F> | undefined;
    for (const packet of lost) {
      if (packet.time < this.#firstSampleAt) continue;
      if (start === undefined || previous === undefined || packet.seq !== previous.seq + 1) {
        start = packet;
      }
      previous = packet;
      if (packet.time - start.time > duration) return true;
    }
    return false;
  }

  /**
   * An ACK of a packet already declared lost means the path reorders: widen the thresholds so the
   * same reordering is not taken for loss again (RFC 9002 §6.1 allows adaptive thresholds), and
   * tell the controller, which may undo the cut that loss caused.
   */
  #checkSpurious(ranges: AckRange[], now: number): void {
    const recent = this.#recentLosses;
    if (recent.length === 0) return;
    const lowest = ranges[ranges.length - 1]!.first;
    const highest = ranges[0]!.last;
    for (let i = 0; i < recent.length; i++) {
      const { packet, size, lostAt, largestSeq } = recent[i]!;
      if (packet.pn < lowest || packet.pn > highest || !covers(ranges, packet.pn)) continue;
      recent.splice(i--, 1);
      this.spuriousCount++;
      this.#quietEpisodes = 0;
      this.packetThreshold = Math.min(
        MAX_PACKET_THRESHOLD,
        Math.max(this.packetThreshold, largestSeq - packet.seq + 1),
      );
      const late = (now - packet.time) / Math.max(this.rtt.smoothed, 0.001);
      this.timeThreshold = Math.min(2, Math.max(this.timeThreshold, late + 1 / 8));
      this.cc.onSpuriousLoss?.(now, size, lostAt);
    }
  }

  #compact(): void {
    const outstanding = this.#outstanding;
    let kept = 0;
    for (const packet of outstanding) if (packet.size >= 0) outstanding[kept++] = packet;
    truncate(outstanding, kept);
  }

  /**
   * When `onTimeout` should run: the loss time, else a tail-loss probe (RFC 8985 §7: two smoothed
   * RTTs after the last packet, plus the peer's ACK delay when only one is in flight, never later
   * than the PTO) once an RTT was sampled, else the PTO with backoff, else `undefined`.
   */
  timerAt(): number | undefined {
    if (this.#lossTime !== Infinity) return this.#lossTime;
    if (this.#outstanding.length === 0) return undefined;
    const pto = this.rtt.pto(this.maxAckDelay);
    if (this.#tailProbeDue()) {
      const single = this.#outstanding.length === 1 ? this.maxAckDelay : 0;
      const tail = Math.max(2 * this.rtt.smoothed, 2 * GRANULARITY) + single;
      return this.#lastAckElicitingTime + Math.min(tail, pto);
    }
    return this.#lastAckElicitingTime + pto * 2 ** Math.min(this.ptoCount, 8);
  }

  #tailProbeDue(): boolean {
    return this.rtt.sampled && !this.#tailProbed && this.ptoCount === 0;
  }

  /** The timer fired: declares packets lost by time, or asks for a probe. */
  onTimeout(now: number): TimeoutUpdate<F> {
    const at = this.timerAt();
    if (at === undefined || at > now) return { acked: [], lost: [], probe: false, tail: false };
    if (this.#lossTime !== Infinity) {
      const lost = this.#detectLost(now);
      this.#compact();
      return { acked: [], lost, probe: false, tail: false };
    }
    if (this.#tailProbeDue()) {
      this.#tailProbed = true;
      this.tailProbeCount++;
      return { acked: [], lost: [], probe: true, tail: true };
    }
    this.ptoCount++;
    return { acked: [], lost: [], probe: true, tail: false };
  }

  /** The packets in flight, oldest first (for a sender that gives up on all of them). */
  inFlight(): readonly SentPacket<F>[] {
    return this.#outstanding;
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
    this.#firstSampleAt = Infinity;
    this.#tailProbed = false;
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
