/**
 * Round-trip time estimation as in RFC 9002 §5 (the same smoothing as RFC 6298): latest, minimum,
 * smoothed RTT and its variation, with the peer's reported ACK delay subtracted when that does not
 * go below the minimum. The streams plugin's loss recovery and `RetransmitTimeout` both use it.
 *
 * @module
 */

/** Timer granularity assumed by loss detection and the PTO (RFC 9002 kGranularity), in ms. */
export const GRANULARITY = 1;

/** The RTT estimator of one path. All times are milliseconds. */
export class RttEstimator {
  /** The most recent sample. */
  latest: number;
  /** The smallest sample seen (without ACK delay adjustment). */
  min: number;
  /** The exponentially weighted mean (RFC 9002 §5.3). */
  smoothed: number;
  /** The mean deviation. */
  variation: number;
  /** Whether any sample has been taken. */
  sampled = false;
  readonly #initial: number;

  /** @param initial the RTT assumed before the first sample (RFC 9002 suggests 333 ms) */
  constructor(initial = 333) {
    this.#initial = initial;
    this.latest = initial;
    this.min = initial;
    this.smoothed = initial;
    this.variation = initial / 2;
  }

  /**
   * Takes a sample: `rtt` measured for the largest newly acknowledged packet, `ackDelay` as the
   * peer reported it (0 for a protocol that reports none), capped by `maxAckDelay`.
   */
  update(rtt: number, ackDelay = 0, maxAckDelay = 0): void {
    const sample = Math.max(rtt, 0);
    this.latest = sample;
    if (!this.sampled) {
      this.sampled = true;
      this.min = sample;
      this.smoothed = sample;
      this.variation = sample / 2;
      return;
    }
    this.min = Math.min(this.min, sample);
    const delay = Math.min(ackDelay, maxAckDelay);
    const adjusted = sample >= this.min + delay ? sample - delay : sample;
    this.variation = 0.75 * this.variation + 0.25 * Math.abs(this.smoothed - adjusted);
    this.smoothed = 0.875 * this.smoothed + 0.125 * adjusted;
  }

  /** The probe timeout before backoff (RFC 9002 §6.2.1), including the peer's `maxAckDelay`. */
  pto(maxAckDelay: number): number {
    return this.smoothed + Math.max(4 * this.variation, GRANULARITY) + maxAckDelay;
  }

  /** How long after a packet was sent it counts as lost by time (RFC 9002 §6.1.2: 9/8 RTT). */
  lossDelay(threshold = 9 / 8): number {
    return Math.max(threshold * Math.max(this.latest, this.smoothed), GRANULARITY);
  }

  /** Forgets every sample (a new path). */
  reset(): void {
    this.sampled = false;
    this.latest = this.min = this.smoothed = this.#initial;
    this.variation = this.#initial / 2;
  }
}
