/**
 * A NewReno that does not read random loss as congestion: it cuts its window for a loss only when
 * the RTT shows a queue, that is when the latest sample exceeds the minimum by more than
 * max(min/4, 2 ms, 2 × the RTT variation). A loss on a path without a queue (a lossy radio link,
 * a relay dropping at random) leaves the window, and slow start, as they were; a queue that
 * overflows has filled first, so the flows sharing it all see the longer RTT, halve, and share
 * the link as NewReno flows do. Persistent congestion and spurious-loss undo are NewReno's.
 *
 * @module
 */
import { NewReno } from "./congestion.ts";
import type { CongestionFactory } from "./congestion.ts";
import { GRANULARITY, type RttEstimator } from "./rtt.ts";

/** Queueing delay below this many ms never counts as a queue (timer and scheduling noise). */
const QUEUE_FLOOR = 2 * GRANULARITY;

/** NewReno whose window halves only for losses that come with a queue. */
export class LossTolerantReno extends NewReno {
  /** Losses let pass as random: no queue was seen when they were declared (for statistics). */
  randomLosses = 0;
  #rtt: RttEstimator | undefined;

  override onAcked(now: number, bytes: number, sentAt: number, rtt: RttEstimator): void {
    this.#rtt = rtt;
    super.onAcked(now, bytes, sentAt);
  }

  override onLost(now: number, bytes: number, latestSentAt: number): void {
    if (this.queueing()) super.onLost(now, bytes, latestSentAt);
    else this.randomLosses++;
  }

  /** Whether the latest RTT sample shows a queue on the path (false before any sample). */
  queueing(): boolean {
    const rtt = this.#rtt;
    if (rtt === undefined || !rtt.sampled) return false;
    const margin = Math.max(rtt.min / 4, QUEUE_FLOOR, 2 * rtt.variation);
    return rtt.latest > rtt.min + margin;
  }

  override reset(): void {
    super.reset();
    this.#rtt = undefined;
  }
}

/** The factory of `LossTolerantReno` controllers, for `streams({ congestion: lossTolerantReno })`. */
export const lossTolerantReno: CongestionFactory = (maxDatagram) =>
  new LossTolerantReno(maxDatagram);
