/**
 * The congestion controller of a path whose packet size changes (path MTU discovery): it wraps
 * the configured controller and builds a new one for the new size, as a controller's minimum and
 * initial windows and its growth step are counted in packets of that size.
 *
 * @module
 */
import type {
  CongestionController,
  CongestionFactory,
  RttEstimator,
} from "../../reliability/mod.ts";

/** A controller that starts over, at its initial window, whenever the packet size changes. */
export class PathCongestion implements CongestionController {
  readonly #factory: CongestionFactory;
  #inner: CongestionController;
  #size: number;

  /** @param factory builds the controller; @param size the path's packet size now */
  constructor(factory: CongestionFactory, size: number) {
    this.#factory = factory;
    this.#size = size;
    this.#inner = factory(size);
  }

  /** The path now carries packets of `size` bytes. */
  resize(size: number): void {
    if (size === this.#size) return;
    this.#size = size;
    this.#inner = this.#factory(size);
  }

  get window(): number {
    return this.#inner.window;
  }

  onSent(now: number, bytes: number): void {
    this.#inner.onSent(now, bytes);
  }

  onAcked(now: number, bytes: number, sentAt: number, rtt: RttEstimator): void {
    this.#inner.onAcked(now, bytes, sentAt, rtt);
  }

  onLost(now: number, bytes: number, latestSentAt: number): void {
    this.#inner.onLost(now, bytes, latestSentAt);
  }

  reset(): void {
    this.#inner.reset();
  }

  onPersistentCongestion(now: number): void {
    this.#inner.onPersistentCongestion?.(now);
  }

  onSpuriousLoss(now: number, bytes: number, lostAt: number): void {
    this.#inner.onSpuriousLoss?.(now, bytes, lostAt);
  }
}
