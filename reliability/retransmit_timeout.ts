/**
 * The retransmission timeout of RFC 6298 over the shared RTT estimator: RTO = SRTT +
 * max(G, 4 * RTTVAR), clamped, with exponential backoff per retransmission. For a protocol whose
 * answers carry no ACK delay (the Connection dialect's DATA_ACK/ACK).
 *
 * @module
 */
import { RttEstimator } from "./rtt.ts";

/** The RTO of one session. All times are milliseconds. */
export class RetransmitTimeout {
  /** The samples behind it. */
  readonly rtt: RttEstimator = new RttEstimator();
  readonly #initial: number;
  readonly #min: number;
  readonly #max: number;

  /**
   * @param initial RTO before the first sample
   * @param min smallest RTO
   * @param max largest RTO, backoff included
   */
  constructor(initial: number, min: number, max: number) {
    this.#min = min;
    this.#max = max;
    this.#initial = this.#clamp(initial);
  }

  #clamp(rto: number): number {
    return Math.min(this.#max, Math.max(this.#min, rto));
  }

  /** The current RTO. */
  get rto(): number {
    return this.rtt.sampled ? this.#clamp(this.rtt.pto(0)) : this.#initial;
  }

  /** Feeds one RTT sample, taken only from a packet that was not retransmitted (Karn). */
  sample(rtt: number): void {
    this.rtt.update(rtt);
  }

  /** The timeout before retransmission number `attempt` + 1: RTO * 2^attempt, clamped. */
  backoff(attempt: number): number {
    return Math.min(this.#max, this.rto * 2 ** attempt);
  }
}
