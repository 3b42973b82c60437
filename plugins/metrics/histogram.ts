/**
 * A cumulative histogram with fixed bucket bounds, as Prometheus expects.
 *
 * @module
 */

/** RTT bucket bounds in seconds: 1 ms to 10 s. */
export const RTT_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Counts observations into buckets by upper bound. */
export class Histogram {
  /** The upper bounds, ascending; an implicit `+Inf` bucket follows. */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last entry is the `+Inf` bucket. */
  readonly #counts: number[];
  /** The sum of every observation. */
  sum = 0;
  /** How many observations. */
  count = 0;

  /**
   * @param bounds ascending, finite upper bounds
   * @throws {RangeError} when the bounds are empty, unsorted or not finite
   */
  constructor(bounds: readonly number[] = RTT_BUCKETS) {
    if (
      bounds.length === 0 ||
      bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))
    ) {
      throw new RangeError(
        `Cannot build a histogram on bounds [${bounds.join(", ")}]: use ascending finite numbers`,
      );
    }
    this.bounds = [...bounds];
    this.#counts = new Array(bounds.length + 1).fill(0);
  }

  /** Records one value. */
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.#counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts per bound, `+Inf` last (the `_bucket{le=…}` series). */
  cumulative(): Array<{ le: string; count: number }> {
    let total = 0;
    return this.#counts.map((n, i) => {
      total += n;
      const bound = this.bounds[i];
      return { le: bound === undefined ? "+Inf" : String(bound), count: total };
    });
  }
}
