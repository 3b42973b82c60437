/**
 * A NewReno that does not read random loss as congestion: it cuts its window for a loss only when
 * the RTT shows a queue, that is when even the smallest of the last 8 samples exceeds the minimum
 * by more than max(min / 8, 2 ms, 2 × the RTT variation). (The smallest of several, so that one late
 * sample, a garbage collection or a busy CPU, is not taken for a queue: a queue that overflows
 * has delayed every packet for a while.) A loss on a path without a queue (a lossy radio link,
 * a relay dropping at random) leaves the window, and slow start, as they were; a queue that
 * overflows has filled first, so the flows sharing it all see the longer RTT, halve, and share
 * the link as NewReno flows do. A queue too shallow to show in the RTT shows in the loss rate: when
 * more than 15 % of about the last 64 packets' bytes were lost, every loss counts, whatever the
 * RTT says. Persistent congestion and spurious-loss undo are NewReno's.
 *
 * @module
 */
import { type CongestionFactory, NewReno } from "./congestion.ts";
import { GRANULARITY, type RttEstimator } from "./rtt.ts";

/** Queueing delay below this many ms never counts as a queue (timer and scheduling noise). */
const QUEUE_FLOOR = 2 * GRANULARITY;
/** RTT samples (one per acknowledged packet) whose smallest must show the queue. */
const RECENT_SAMPLES = 8;
/** Above this share of bytes lost, losses count as congestion whatever the RTT says. */
const LOSS_CEILING = 0.15;
/** The loss rate is a moving average over about this many packets. */
const LOSS_MEMORY = 64;

/** NewReno whose window halves only for losses that come with a queue or a high loss rate. */
export class LossTolerantReno extends NewReno {
  /** Losses let pass as random: neither a queue nor a high loss rate was seen (for statistics). */
  randomLosses = 0;
  #rtt: RttEstimator | undefined;
  #recent: number[] = [];
  #next = 0;
  #lossRate = 0;
  readonly #memoryBytes: number;

  /** @param maxDatagram the largest packet on the path, in bytes */
  constructor(maxDatagram: number) {
    super(maxDatagram);
    this.#memoryBytes = LOSS_MEMORY * maxDatagram;
  }

  /** The share of bytes lost, a moving average over about the last 64 packets. */
  get lossRate(): number {
    return this.#lossRate;
  }

  override onAcked(now: number, bytes: number, sentAt: number, rtt: RttEstimator): void {
    this.#rtt = rtt;
    if (rtt.sampled) {
      this.#recent[this.#next] = rtt.latest;
      this.#next = (this.#next + 1) % RECENT_SAMPLES;
    }
    this.#lossRate *= 1 - Math.min(1, bytes / this.#memoryBytes);
    super.onAcked(now, bytes, sentAt);
  }

  override onLost(now: number, bytes: number, latestSentAt: number): void {
    const weight = Math.min(1, bytes / this.#memoryBytes);
    this.#lossRate = this.#lossRate * (1 - weight) + weight;
    if (this.queueing() || this.#lossRate > LOSS_CEILING) super.onLost(now, bytes, latestSentAt);
    else this.randomLosses++;
  }

  /** Whether the recent RTT samples show a queue on the path (false before any sample). */
  queueing(): boolean {
    const rtt = this.#rtt;
    if (rtt === undefined || !rtt.sampled || this.#recent.length === 0) return false;
    const margin = Math.max(rtt.min / 8, QUEUE_FLOOR, 2 * rtt.variation);
    return Math.min(...this.#recent) > rtt.min + margin;
  }

  override reset(): void {
    super.reset();
    this.#rtt = undefined;
    this.#recent = [];
    this.#next = 0;
    this.#lossRate = 0;
  }
}

/** The factory of `LossTolerantReno` controllers, for `streams({ congestion: lossTolerantReno })`. */
export const lossTolerantReno: CongestionFactory = (maxDatagram) =>
  new LossTolerantReno(maxDatagram);
