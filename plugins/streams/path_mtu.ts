/**
 * Datagram packetization-layer path MTU discovery in the manner of RFC 8899: the session starts
 * at the base packet size (1,200 unless configured), probes upward with padded PING packets (the
 * ceiling first, then a binary search), takes a size once a probe of it is acknowledged, gives a
 * size up after `MAX_PROBES` unacknowledged probes, and falls back to the base size on a black
 * hole. Sans-IO: the sender asks `due()` what to probe, reports sends, ACKs and timeouts.
 *
 * @module
 */
import type { AckRange } from "../../reliability/mod.ts";

/** Probes of one size before it counts as too large (RFC 8899 MAX_PROBES). */
export const MAX_PROBES = 3;
/** The search ends when the largest good and the smallest bad size are this close, in bytes. */
export const SEARCH_GRANULARITY = 32;
/** After a search ends, the next one starts this much later, in ms (RFC 8899 PMTU_RAISE_TIMER). */
export const RAISE_AFTER = 600_000;

interface Probe {
  pn: number;
  size: number;
  deadline: number;
}

/** The packet size of one path and the search for a larger one. */
export class PathMtu {
  /** The confirmed packet size: packets are at most this large on the wire. */
  size: number;
  /** Probe packets sent (statistics). */
  probesSent = 0;
  /** Times a black hole sent the size back to the base (statistics). */
  blackHoles = 0;
  readonly #base: number;
  readonly #ceiling: number;
  #low: number;
  #high: number;
  #attempts = 0;
  #probe: Probe | undefined;
  #searchAt = 0;

  /** @param base the size every path carries; @param ceiling the largest size to probe */
  constructor(base: number, ceiling: number) {
    this.#base = base;
    this.#ceiling = ceiling;
    this.size = this.#low = base;
    this.#high = ceiling + 1;
  }

  /** When the next call to `onTimeout` is due: the probe's deadline or the next search. */
  get deadline(): number | undefined {
    if (this.#probe) return this.#probe.deadline;
    return this.#searching || this.#low >= this.#ceiling ? undefined : this.#searchAt;
  }

  get #searching(): boolean {
    return this.#high - this.#low > SEARCH_GRANULARITY;
  }

  /** The size of the probe to send at `now`, or `undefined` when none is due. */
  due(now: number): number | undefined {
    if (this.#ceiling <= this.#base || this.#probe || now < this.#searchAt) return undefined;
    if (!this.#searching) {
      // The search ended; after the raise timer, look again for a larger size.
      if (this.#low >= this.#ceiling) return undefined;
      this.#high = this.#ceiling + 1;
    }
    if (this.#high === this.#ceiling + 1 && this.#attempts < MAX_PROBES) return this.#ceiling;
    return this.#low + Math.ceil((this.#high - this.#low) / 2);
  }

  /** A probe of `size` went out as packet `pn`; it is lost unless acknowledged by `deadline`. */
  sent(pn: number, size: number, deadline: number): void {
    this.#probe = { pn, size, deadline };
    this.#attempts++;
    this.probesSent++;
  }

  /** An ACK arrived at `now`; returns true when it confirmed a larger size (`size` then changed). */
  onAck(ranges: AckRange[], now: number): boolean {
    const probe = this.#probe;
    if (!probe || !ranges.some((r) => r.first <= probe.pn && probe.pn <= r.last)) return false;
    this.#probe = undefined;
    this.#attempts = 0;
    this.#low = probe.size;
    if (this.#high <= this.#low) this.#high = this.#ceiling + 1;
    this.#ended(now);
    if (probe.size <= this.size) return false;
    this.size = probe.size;
    return true;
  }

  /** Time passed: a probe not acknowledged by its deadline is lost. */
  onTimeout(now: number): void {
    const probe = this.#probe;
    if (!probe || now < probe.deadline) return;
    this.#probe = undefined;
    if (this.#attempts < MAX_PROBES) return;
    this.#attempts = 0;
    this.#high = probe.size;
    this.#ended(now);
  }

  #ended(now: number): void {
    if (!this.#searching) this.#searchAt = now + RAISE_AFTER;
  }

  /**
   * Packets of the current size stopped getting through: back to the base size, and search again
   * below the size that failed. Returns false (and changes nothing) when already at the base.
   */
  blackHole(): boolean {
    if (this.size <= this.#base) return false;
    this.#high = this.size;
    this.size = this.#low = this.#base;
    this.#probe = undefined;
    this.#attempts = 0;
    this.#searchAt = 0;
    this.blackHoles++;
    return true;
  }

  /** A new path: forget what was learnt and start again from the base size. */
  restart(): void {
    this.size = this.#low = this.#base;
    this.#high = this.#ceiling + 1;
    this.#probe = undefined;
    this.#attempts = 0;
    this.#searchAt = 0;
  }
}
