/**
 * Loss recovery in the manner of RFC 9002: the packets in flight, what an ACK acknowledges, which
 * packets count as lost (packet and time thresholds), and when the probe timeout fires. It owns the
 * RTT estimator and the congestion controller; it never sends anything itself.
 *
 * @module
 */
import type { CongestionController } from "./congestion.ts";
import type { AckRange } from "./frames.ts";
import { RttEstimator } from "./rtt.ts";

/** Packets sent after a packet that must be acknowledged before it counts as lost (kPacketThreshold). */
export const PACKET_THRESHOLD = 3;

/** One packet in flight and the frame it carried (one frame per packet). */
export interface SentPacket {
  /** The packet number: the order count the session gave the packet. */
  pn: number;
  /** This side's own count of packets it tracked (packet numbers have gaps from other plugins). */
  seq: number;
  /** When it was sent. */
  time: number;
  /** Its size on the wire in bytes. */
  size: number;
  /** Whether the peer must acknowledge it. */
  ackEliciting: boolean;
  /** Frame type. */
  kind: number;
  /** Stream ID, for stream frames. */
  stream: number;
  /** Stream offset, for STREAM frames. */
  offset: number;
  /** Data bytes, for STREAM frames. */
  length: number;
  /** FIN, for STREAM frames. */
  fin: boolean;
}

/** What an ACK or a timeout changed. */
export interface RecoveryUpdate {
  /** Packets newly acknowledged. */
  acked: SentPacket[];
  /** Packets now declared lost. */
  lost: SentPacket[];
}

/** Sent-packet tracking, loss detection and the PTO of one session. */
export class Recovery {
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
  /** The peer's maximum ACK delay in ms. */
  readonly maxAckDelay: number;
  #outstanding: SentPacket[] = [];
  #seq = 0;
  #largestAcked = -1;
  #largestAckedSeq = -1;
  #lossTime = Infinity;
  #lastAckElicitingTime = -Infinity;

  /** Builds the tracker with its estimator and controller. */
  constructor(cc: CongestionController, initialRtt: number, maxAckDelay: number) {
    this.cc = cc;
    this.rtt = new RttEstimator(initialRtt);
    this.maxAckDelay = maxAckDelay;
  }

  /** Whether any ack-eliciting packet is in flight. */
  get inFlight(): boolean {
    return this.#outstanding.length > 0;
  }

  /** Records a sent packet; `seq`, filled in here, orders it among this side's packets. */
  onSent(packet: Omit<SentPacket, "seq">): void {
    const sent = packet as SentPacket;
    sent.seq = this.#seq++;
    if (!sent.ackEliciting) return;
    this.#outstanding.push(sent);
    this.bytesInFlight += sent.size;
    this.#lastAckElicitingTime = sent.time;
    this.cc.onSent(sent.time, sent.size);
  }

  /** Processes an ACK frame's ranges (highest first) received at `now`. */
  onAck(ranges: AckRange[], ackDelay: number, now: number): RecoveryUpdate {
    const acked: SentPacket[] = [];
    const outstanding = this.#outstanding;
    for (let r = ranges.length - 1; r >= 0; r--) {
      const { first, last } = ranges[r]!;
      for (let i = lowerBound(outstanding, first); i < outstanding.length; i++) {
        const packet = outstanding[i]!;
        if (packet.pn > last) break;
        if (packet.size >= 0) acked.push(packet);
      }
    }
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

  #detectLost(now: number): SentPacket[] {
    this.#lossTime = Infinity;
    const lost: SentPacket[] = [];
    if (this.#largestAckedSeq < 0) return lost;
    const delay = this.rtt.lossDelay();
    for (const packet of this.#outstanding) {
      if (packet.seq >= this.#largestAckedSeq) break;
      if (packet.size < 0) continue;
      if (packet.time + delay <= now || this.#largestAckedSeq - packet.seq >= PACKET_THRESHOLD) {
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
    this.cc.onLost(now, bytes, lost[lost.length - 1]!.time);
    return lost;
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
  onTimeout(now: number): RecoveryUpdate & { probe: boolean } {
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

  /** The oldest packet in flight, to repeat its frame as a probe. */
  oldest(): SentPacket | undefined {
    return this.#outstanding[0];
  }

  /** The path changed: forget RTT samples and restart congestion control (RFC 9000 §9.4). */
  resetPath(): void {
    this.rtt.reset();
    this.cc.reset();
  }
}

function lowerBound(packets: SentPacket[], pn: number): number {
  let lo = 0;
  let hi = packets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (packets[mid]!.pn < pn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
