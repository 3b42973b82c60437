/**
 * A pure, seeded model of what a network does to a packet: loss, duplication, reordering,
 * corruption, delay, jitter, a bandwidth bottleneck and an MTU. No timers and no I/O: the caller
 * asks for a plan and carries it out (with real timers, or a manual clock in a simulation).
 *
 * @module
 */
import type { Delivery, PacketFate } from "./sim_network.ts";

/** How bad the network is. Probabilities are 0..1; times are milliseconds. */
export interface ImpairmentOptions {
  /** Chance a packet is lost. */
  loss?: number;
  /** Chance a packet arrives twice. */
  duplicate?: number;
  /** Chance a packet is held back by an extra `max(1, delay + jitter)` ms, so later ones pass it. */
  reorder?: number;
  /** Chance one random bit of the delivered copy is flipped. */
  corrupt?: number;
  /** Fixed one-way delay. */
  delay?: number;
  /** Extra delay, uniform in [0, jitter). */
  jitter?: number;
  /** Bottleneck rate in bytes per second: packets leave one after another at this rate. */
  bandwidth?: number;
  /** Packets longer than this many bytes are dropped. */
  mtu?: number;
}

export type { Delivery };

/** A source of uniform floats in [0, 1), e.g. `SeededRandom` from core/clock.ts. */
export interface UniformRandom {
  /** The next float in [0, 1). */
  next(): number;
}

function probability(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`Cannot use ${name} '${value}': pass a probability from 0 to 1`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(value >= 0) || value === Infinity) {
    throw new RangeError(`Cannot use ${name} '${value}': pass a finite number >= 0`);
  }
  return value;
}

/**
 * Decides each packet's fate. The same options, random seed and sequence of `plan()` calls give
 * the same deliveries.
 *
 * @example
 * ```ts
 * import { Impairment, ManualClock, SeededRandom } from "@thing/net/testing";
 *
 * const clock = new ManualClock();
 * const net = new Impairment({ loss: 0.1, delay: 20 }, new SeededRandom(7));
 * const packet = new Uint8Array(64);
 * for (const { bytes, at } of net.plan(packet, clock.now())) console.log(at, bytes.length);
 * ```
 */
export class Impairment implements PacketFate {
  readonly #loss: number;
  readonly #duplicate: number;
  readonly #reorder: number;
  readonly #corrupt: number;
  readonly #delay: number;
  readonly #jitter: number;
  readonly #bandwidth: number | undefined;
  readonly #mtu: number | undefined;
  readonly #random: UniformRandom;
  #busyUntil = -Infinity;

  /** Validates `options` (RangeError on a bad value) and keeps `random` for every decision. */
  constructor(options: ImpairmentOptions, random: UniformRandom) {
    this.#loss = probability("loss", options.loss);
    this.#duplicate = probability("duplicate", options.duplicate);
    this.#reorder = probability("reorder", options.reorder);
    this.#corrupt = probability("corrupt", options.corrupt);
    this.#delay = nonNegative("delay", options.delay);
    this.#jitter = nonNegative("jitter", options.jitter);
    const { bandwidth, mtu } = options;
    if (bandwidth !== undefined && !(bandwidth > 0 && bandwidth < Infinity)) {
      throw new RangeError(`Cannot use bandwidth '${bandwidth}': pass bytes per second above 0`);
    }
    if (mtu !== undefined && !(Number.isInteger(mtu) && mtu > 0)) {
      throw new RangeError(`Cannot use mtu '${mtu}': pass a positive integer`);
    }
    this.#bandwidth = bandwidth;
    this.#mtu = mtu;
    this.#random = random;
  }

  /**
   * The deliveries for one packet sent at `now`: none (lost or too big), one, or two (duplicated).
   * `bytes` itself is never modified.
   */
  plan(bytes: Uint8Array, now: number): Delivery[] {
    if (this.#mtu !== undefined && bytes.length > this.#mtu) return [];
    let leaves = now;
    if (this.#bandwidth !== undefined) {
      leaves = Math.max(now, this.#busyUntil) + (bytes.length * 1000) / this.#bandwidth;
      this.#busyUntil = leaves;
    }
    if (this.#chance(this.#loss)) return [];
    const first = this.#arrival(bytes, leaves);
    if (!this.#chance(this.#duplicate)) return [first];
    return [first, this.#arrival(bytes.slice(), leaves)];
  }

  #arrival(bytes: Uint8Array, leaves: number): Delivery {
    let at = leaves + this.#delay;
    if (this.#jitter > 0) at += this.#jitter * this.#random.next();
    if (this.#chance(this.#reorder)) at += Math.max(1, this.#delay + this.#jitter);
    return { bytes: this.#chance(this.#corrupt) ? this.#flipBit(bytes) : bytes, at };
  }

  #flipBit(bytes: Uint8Array): Uint8Array {
    const copy = bytes.slice();
    if (copy.length === 0) return copy;
    const bit = Math.floor(this.#random.next() * copy.length * 8);
    copy[bit >> 3]! ^= 1 << (bit & 7);
    return copy;
  }

  /** Draws only when `p > 0`, so an unimpaired network consumes no randomness. */
  #chance(p: number): boolean {
    return p > 0 && this.#random.next() < p;
  }
}
