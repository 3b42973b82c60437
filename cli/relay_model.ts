/**
 * The decisions of `thing relay` for one direction, without sockets or timers: an optional rate
 * limit (a bottleneck with a bounded queue that drops at the tail, shared by every client), the
 * seeded `Impairment` (loss, duplication, reordering, corruption, delay, jitter) plus loss in
 * bursts and a periodic blackhole. Counts what it did for the summary.
 *
 * @module
 */
import { SeededRandom } from "../core/clock.ts";
import {
  type Delivery,
  Impairment,
  type ImpairmentOptions,
} from "../transports/memory/impairment.ts";
import { sameBytes } from "../core/same_bytes.ts";

/** How bad one direction of the relay is. */
export interface RelayImpairmentOptions extends ImpairmentOptions {
  /** A loss drops this many packets in a row (default 1). */
  burst?: number;
  /** `[on, off]` ms: drop everything for `on` ms after every `off` ms of passing (passing first). */
  blackhole?: readonly [on: number, off: number];
  /** Bottleneck rate in bytes per second: packets leave one after another at this rate. */
  rate?: number;
  /** Bytes the bottleneck queues at most; a packet that does not fit is dropped (default 64 KiB). */
  queue?: number;
  /** Seed of every random decision. */
  seed: number;
}

/** The queue of a rate limit when none is given: 64 KiB, at least one largest UDP payload. */
export const DEFAULT_QUEUE = 65_536;

/**
 * A bottleneck link: packets leave one after another at `rate` bytes per second, and a packet
 * that would make more than `queue` bytes wait (itself included) is dropped (tail drop), as at a
 * router.
 *
 * @example
 * ```ts
 * import { RateLimit } from "./relay_model.ts";
 *
 * const link = new RateLimit(1_000_000, 3_000); // 1 MB/s, 3 kB of queue
 * console.log(link.admit(1_000, 0), link.admit(1_000, 0), link.admit(2_000, 0)); // 1 2 undefined
 * ```
 */
export class RateLimit {
  /** Bytes per millisecond. */
  readonly #rate: number;
  readonly #queue: number;
  #busyUntil = -Infinity;

  /**
   * @param rate bytes per second, above 0
   * @param queue bytes that may wait, at least 1
   * @throws {RangeError} for a rate or queue out of range
   */
  constructor(rate: number, queue: number = DEFAULT_QUEUE) {
    if (!(rate > 0 && rate < Infinity)) {
      throw new RangeError(`Cannot use rate '${rate}': pass bytes per second above 0`);
    }
    if (!Number.isInteger(queue) || queue < 1) {
      throw new RangeError(`Cannot use queue '${queue}': pass a number of bytes of at least 1`);
    }
    this.#rate = rate / 1000;
    this.#queue = queue;
  }

  /** Bytes waiting at `now`. */
  queued(now: number): number {
    return Math.max(0, (this.#busyUntil - now) * this.#rate);
  }

  /**
   * A packet of `size` bytes arrives at `now`: the time it has left the bottleneck, or `undefined`
   * when the queue is full and it is dropped.
   */
  admit(size: number, now: number): number | undefined {
    if (this.queued(now) + size > this.#queue) return undefined;
    this.#busyUntil = Math.max(now, this.#busyUntil) + size / this.#rate;
    return this.#busyUntil;
  }
}

/** What the relay did to the packets of one direction. */
export interface RelayCounts {
  /** Packets received. */
  received: number;
  /** Packets sent on (duplicates counted). */
  forwarded: number;
  /** Lost at random (first of a burst). */
  lost: number;
  /** Lost as the rest of a burst. */
  burstLost: number;
  /** Dropped while the blackhole was on. */
  blackholed: number;
  /** Dropped because the rate limit's queue was full. */
  overflowed: number;
  /** Extra copies sent. */
  duplicated: number;
  /** Copies with a flipped bit. */
  corrupted: number;
}

/** One direction's impairment. The same options, seed and calls give the same deliveries. */
export class RelayImpairment {
  readonly #impairment: Impairment;
  readonly #burst: number;
  readonly #blackhole: readonly [number, number] | undefined;
  readonly #limit: RateLimit | undefined;
  readonly #start: number;
  #burstLeft = 0;
  /** What has happened so far. */
  readonly counts: RelayCounts = {
    received: 0,
    forwarded: 0,
    lost: 0,
    burstLost: 0,
    blackholed: 0,
    overflowed: 0,
    duplicated: 0,
    corrupted: 0,
  };

  /**
   * Creates the model; `start` is the time (ms) the blackhole cycle starts from.
   *
   * @throws {RangeError} for an option out of range
   */
  constructor(options: RelayImpairmentOptions, start: number) {
    const { burst = 1, blackhole, seed, rate, queue, ...rest } = options;
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`Cannot use burst '${burst}': pass an integer of at least 1`);
    }
    this.#impairment = new Impairment(rest, new SeededRandom(seed));
    this.#burst = burst;
    this.#blackhole = blackhole;
    this.#limit = rate === undefined ? undefined : new RateLimit(rate, queue);
    this.#start = start;
  }

  /** Whether the blackhole is swallowing packets at `now`. */
  blackholed(now: number): boolean {
    if (this.#blackhole === undefined) return false;
    const [on, off] = this.#blackhole;
    return (now - this.#start) % (on + off) >= off;
  }

  /** The deliveries for one packet received at `now` (none when dropped). */
  plan(bytes: Uint8Array, now: number): Delivery[] {
    const counts = this.counts;
    counts.received++;
    if (this.blackholed(now)) {
      counts.blackholed++;
      return [];
    }
    if (this.#burstLeft > 0) {
      this.#burstLeft--;
      counts.burstLost++;
      return [];
    }
    const leaves = this.#limit ? this.#limit.admit(bytes.length, now) : now;
    if (leaves === undefined) {
      counts.overflowed++;
      return [];
    }
    const deliveries = this.#impairment.plan(bytes, leaves);
    if (deliveries.length === 0) {
      counts.lost++;
      this.#burstLeft = this.#burst - 1;
      return [];
    }
    counts.forwarded += deliveries.length;
    counts.duplicated += deliveries.length - 1;
    for (const delivery of deliveries) if (!sameBytes(delivery.bytes, bytes)) counts.corrupted++;
    return deliveries;
  }
}
