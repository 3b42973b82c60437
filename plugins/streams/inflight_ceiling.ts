/**
 * A cap on bytes in flight for a path whose receiver drops whatever arrives past a shallow buffer:
 * a UDP socket whose kernel buffer cannot be raised (Deno's `Deno.listenDatagram` keeps Linux's
 * 212,992 bytes, about three 64 KiB packets) behind a sender whose window is far larger. Such a
 * path loses a packet or two of every burst, without a queue that the RTT would show: a
 * loss-tolerant controller reads that as random loss, and a loss-based one keeps climbing back
 * into it. The ceiling arms when the share of packets lost, a moving average over about
 * `LOSS_MEMORY` packets, exceeds `ARM_RATE` (a window overshooting such a buffer in slow start
 * loses most of a burst; random loss of a few percent stays far below): it is then set one packet
 * below the bytes in flight the lost packet was sent with (at least `MIN_PACKETS`). Armed, each
 * loss while the rate exceeds `LOWER_RATE` lowers it the same way and doubles the wait between
 * probes (up to `MAX_PROBE_AFTER` acknowledged packets); each such wait without one raises it by a
 * packet. It is per path and packet size: a new path or size starts unarmed.
 *
 * @module
 */

/** The loss rate is a moving average over about this many packets (acknowledged or lost). */
const LOSS_MEMORY = 32;
/** A loss while the rate is above this arms the ceiling. */
const ARM_RATE = 0.25;
/** Once armed, a loss while the rate is above this lowers it further. */
const LOWER_RATE = 0.05;
/** The ceiling never goes below this many packets. */
const MIN_PACKETS = 2;
/** Acknowledged packets before the first probe above the ceiling. */
const FIRST_PROBE_AFTER = 16;
/** The longest wait between probes, in acknowledged packets. */
const MAX_PROBE_AFTER = 1024;

/** The cap on bytes in flight of one path (`Infinity` until losses show a shallow buffer). */
export class InflightCeiling {
  /** Bytes in flight allowed now; `Infinity` while unarmed. */
  limit = Infinity;
  readonly #packetSize: number;
  #lossRate = 0;
  #probeAfter = FIRST_PROBE_AFTER;
  #sinceProbe = 0;

  /** @param packetSize the path's packet size in bytes (the step of the ceiling) */
  constructor(packetSize: number) {
    this.#packetSize = packetSize;
  }

  /** The share of packets lost, a moving average over about `LOSS_MEMORY` packets. */
  get lossRate(): number {
    return this.#lossRate;
  }

  /** A packet was acknowledged. */
  onAcked(): void {
    this.#lossRate -= this.#lossRate / LOSS_MEMORY;
    if (this.limit === Infinity || ++this.#sinceProbe < this.#probeAfter) return;
    this.limit += this.#packetSize;
    this.#sinceProbe = 0;
  }

  /** A packet sent with `inflight` bytes in flight (itself included) was declared lost. */
  onLost(inflight: number): void {
    this.#lossRate += (1 - this.#lossRate) / LOSS_MEMORY;
    if (this.#lossRate <= (this.limit === Infinity ? ARM_RATE : LOWER_RATE)) return;
    const below = Math.max(MIN_PACKETS * this.#packetSize, inflight - this.#packetSize);
    if (below >= this.limit) return;
    if (this.limit !== Infinity) {
      this.#probeAfter = Math.min(MAX_PROBE_AFTER, 2 * this.#probeAfter);
    }
    this.limit = below;
    this.#sinceProbe = 0;
  }
}
