/**
 * The decisions of `thing relay` for one direction, without sockets or timers: the seeded
 * `Impairment` (loss, duplication, reordering, corruption, delay, jitter) plus loss in bursts and
 * a periodic blackhole. Counts what it did for the summary.
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
  /** Seed of every random decision. */
  seed: number;
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
  readonly #start: number;
  #burstLeft = 0;
  /** What has happened so far. */
  readonly counts: RelayCounts = {
    received: 0,
    forwarded: 0,
    lost: 0,
    burstLost: 0,
    blackholed: 0,
    duplicated: 0,
    corrupted: 0,
  };

  /**
   * Creates the model; `start` is the time (ms) the blackhole cycle starts from.
   *
   * @throws {RangeError} for an option out of range
   */
  constructor(options: RelayImpairmentOptions, start: number) {
    const { burst = 1, blackhole, seed, ...rest } = options;
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`Cannot use burst '${burst}': pass an integer of at least 1`);
    }
    this.#impairment = new Impairment(rest, new SeededRandom(seed));
    this.#burst = burst;
    this.#blackhole = blackhole;
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
    const deliveries = this.#impairment.plan(bytes, now);
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
