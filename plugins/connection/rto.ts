/**
 * The retransmission timeout of RFC 6298: smoothed RTT and RTT variance from samples, RTO =
 * SRTT + max(G, 4 * RTTVAR), clamped, with exponential backoff per retransmission.
 *
 * @module
 */

/** Clock granularity G in ms (the injected clocks are sub-millisecond). */
const GRANULARITY = 1;

/** An RTO estimator for one session. */
export class RtoEstimator {
  /** Smoothed round-trip time (ms), or undefined before the first sample. */
  srtt: number | undefined;
  /** Round-trip time variation (ms). */
  rttvar = 0;
  #rto: number;
  readonly #min: number;
  readonly #max: number;

  /**
   * @param initial RTO before the first sample (ms)
   * @param min smallest RTO (ms)
   * @param max largest RTO, backoff included (ms)
   */
  constructor(initial: number, min: number, max: number) {
    this.#min = min;
    this.#max = max;
    this.#rto = Math.min(max, Math.max(min, initial));
  }

  /** The current RTO (ms). */
  get rto(): number {
    return this.#rto;
  }

  /** Feeds one RTT sample (ms), taken only from a packet that was not retransmitted (Karn). */
  sample(rtt: number): void {
    if (this.srtt === undefined) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    const rto = this.srtt + Math.max(GRANULARITY, 4 * this.rttvar);
    this.#rto = Math.min(this.#max, Math.max(this.#min, rto));
  }

  /** The timeout before retransmission number `attempt` + 1: RTO * 2^attempt, clamped. */
  backoff(attempt: number): number {
    return Math.min(this.#max, this.#rto * 2 ** attempt);
  }
}
