/**
 * Congestion control behind one interface (NewReno here, `LossTolerantReno` in loss_tolerant.ts),
 * and the pacer that spreads a window over a round trip (RFC 9002 §7).
 *
 * @module
 */
import type { RttEstimator } from "./rtt.ts";

/** What a congestion controller is told, and what it answers. All times are milliseconds. */
export interface CongestionController {
  /** Bytes that may be in flight now. */
  readonly window: number;
  /** A packet of `bytes` was sent at `now` (only packets that count as in flight). */
  onSent(now: number, bytes: number): void;
  /** A packet of `bytes` sent at `sentAt` was acknowledged at `now`. */
  onAcked(now: number, bytes: number, sentAt: number, rtt: RttEstimator): void;
  /** Packets were declared lost at `now`; `latestSentAt` is when the newest of them was sent. */
  onLost(now: number, bytes: number, latestSentAt: number): void;
  /** The path changed: start again from the initial window. */
  reset(): void;
  /** Losses spanned more than the persistent congestion duration (RFC 9002 §7.6) at `now`. */
  onPersistentCongestion?(now: number): void;
  /**
   * A packet of `bytes` declared lost at `lostAt` was acknowledged at `now` after all: a
   * controller that cut its window for that loss may restore it.
   */
  onSpuriousLoss?(now: number, bytes: number, lostAt: number): void;
}

/** Builds a controller for a path whose packets are at most `maxDatagram` bytes. */
export type CongestionFactory = (maxDatagram: number) => CongestionController;

/** What NewReno had before a recovery period cut its window, to restore if the loss was spurious. */
interface BeforeRecovery {
  window: number;
  ssthresh: number;
  recoveryStart: number;
}

/**
 * NewReno (RFC 9002 §7.3 and Appendix B): slow start, congestion avoidance, one recovery period,
 * the minimum window on persistent congestion, and the window restored when every loss that
 * started the last recovery period turns out spurious.
 */
export class NewReno implements CongestionController {
  window: number;
  #ssthresh = Infinity;
  #recoveryStart = -Infinity;
  #avoidanceCredit = 0;
  #before: BeforeRecovery | undefined;
  /** Bytes declared lost in the current recovery period and not yet found spurious. */
  #periodLost = 0;
  readonly #maxDatagram: number;

  /** @param maxDatagram the largest packet on the path, in bytes */
  constructor(maxDatagram: number) {
    this.#maxDatagram = maxDatagram;
    this.window = this.#initial();
  }

  #initial(): number {
    return Math.min(10 * this.#maxDatagram, Math.max(14_720, 2 * this.#maxDatagram));
  }

  onSent(): void {}

  onAcked(_now: number, bytes: number, sentAt: number, _rtt?: RttEstimator): void {
    if (sentAt <= this.#recoveryStart) return;
    if (this.window < this.#ssthresh) {
      this.window += bytes;
      return;
    }
    this.#avoidanceCredit += bytes;
    if (this.#avoidanceCredit >= this.window) {
      this.#avoidanceCredit -= this.window;
      this.window += this.#maxDatagram;
    }
  }

  onLost(now: number, bytes: number, latestSentAt: number): void {
    if (latestSentAt <= this.#recoveryStart) {
      this.#periodLost += bytes;
      return;
    }
    this.#before = {
      window: this.window,
      ssthresh: this.#ssthresh,
      recoveryStart: this.#recoveryStart,
    };
    this.#periodLost = bytes;
    this.#recoveryStart = now;
    this.window = Math.max(Math.floor(this.window / 2), 2 * this.#maxDatagram);
    this.#ssthresh = this.window;
    this.#avoidanceCredit = 0;
  }

  onPersistentCongestion(): void {
    this.window = 2 * this.#maxDatagram;
    this.#recoveryStart = -Infinity;
    this.#before = undefined;
    this.#avoidanceCredit = 0;
  }

  onSpuriousLoss(_now: number, bytes: number, lostAt: number): void {
    const before = this.#before;
    if (before === undefined || lostAt < this.#recoveryStart) return;
    this.#periodLost -= bytes;
    if (this.#periodLost > 0) return;
    this.window = Math.max(this.window, before.window);
    this.#ssthresh = before.ssthresh;
    this.#recoveryStart = before.recoveryStart;
    this.#before = undefined;
  }

  reset(): void {
    this.window = this.#initial();
    this.#ssthresh = Infinity;
    this.#recoveryStart = -Infinity;
    this.#avoidanceCredit = 0;
    this.#before = undefined;
    this.#periodLost = 0;
  }
}

/** The default factory: NewReno. */
export const newReno: CongestionFactory = (maxDatagram) => new NewReno(maxDatagram);

/**
 * A token-bucket pacer: sends at 1.25 × window / smoothed RTT (RFC 9002 §7.7), allowing bursts
 * of `burst` bytes so that coarse timers do not throttle a fast path.
 */
export class Pacer {
  #tokens: number;
  #last = 0;
  readonly #minBurst: number;

  /** @param minBurst the smallest burst allowed, in bytes (e.g. ten packets) */
  constructor(minBurst: number) {
    this.#minBurst = minBurst;
    this.#tokens = minBurst;
  }

  /** Bytes per millisecond allowed by `window` and `rtt`. */
  static rate(window: number, smoothedRtt: number): number {
    return (1.25 * window) / Math.max(smoothedRtt, 0.05);
  }

  #refill(now: number, rate: number, burst: number): void {
    if (now > this.#last) {
      this.#tokens = Math.min(burst, this.#tokens + (now - this.#last) * rate);
      this.#last = now;
    }
  }

  /**
   * When a packet of `bytes` may leave: `now` when it may go at once (its tokens are then taken),
   * or the later time at which enough tokens will have accrued.
   */
  schedule(now: number, bytes: number, window: number, smoothedRtt: number): number {
    const rate = Pacer.rate(window, smoothedRtt);
    // Two milliseconds of sending (what a JavaScript timer can resolve), at least `minBurst`.
    const burst = Math.max(this.#minBurst, 2 * rate, bytes);
    this.#refill(now, rate, burst);
    if (this.#tokens >= bytes) {
      this.#tokens -= bytes;
      return now;
    }
    return now + (bytes - this.#tokens) / rate;
  }
}
