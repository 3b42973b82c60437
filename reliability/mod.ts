/**
 * Reliability building blocks shared by the built-in dialects and open to any plugin: the RFC 6479
 * anti-replay window, the RTT estimator (RFC 9002 §5) and the RFC 6298 retransmission timeout over
 * it, RFC 9002 loss recovery over acknowledgement ranges (`LossRecovery`), congestion control
 * behind one interface (NewReno, and `LossTolerantReno`, which does not read random loss as
 * congestion) with a pacer, and range sets.
 * Sans-IO: every time is a number of milliseconds passed in.
 *
 * @example
 * ```ts
 * import { RetransmitTimeout } from "@thing/net/reliability";
 *
 * const timeout = new RetransmitTimeout(1_000, 200, 60_000);
 * timeout.sample(100); // a round trip of 100 ms
 * console.log(timeout.rto, timeout.backoff(1)); // 300 600
 * ```
 *
 * @module
 */
export { ReplayWindow } from "./replay_window.ts";
export { GRANULARITY, RttEstimator } from "./rtt.ts";
export { RetransmitTimeout } from "./retransmit_timeout.ts";
export {
  type CongestionController,
  type CongestionFactory,
  NewReno,
  newReno,
  Pacer,
} from "./congestion.ts";
export { LossTolerantReno, lossTolerantReno } from "./loss_tolerant.ts";
export { RangeSet } from "./range_set.ts";
export {
  type AckRange,
  LossRecovery,
  MAX_PACKET_THRESHOLD,
  PACKET_THRESHOLD,
  type RecoveryUpdate,
  type SentPacket,
  type TimeoutUpdate,
} from "./loss_recovery.ts";
