/**
 * Summaries of latency samples, as `ping` and `bench` print them.
 *
 * @module
 */

/** Min, mean, max and percentiles of a set of samples (all 0 when there are none). */
export interface Summary {
  /** How many samples. */
  count: number;
  /** The smallest. */
  min: number;
  /** The mean. */
  avg: number;
  /** The largest. */
  max: number;
  /** The median. */
  p50: number;
  /** The 99th percentile (nearest rank). */
  p99: number;
}

/** Summarises `samples` (nearest-rank percentiles; the input is not modified). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, min: 0, avg: 0, max: 0, p50: 0, p99: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    min: sorted[0]!,
    avg: sum / sorted.length,
    max: sorted[sorted.length - 1]!,
    p50: rank(0.5),
    p99: rank(0.99),
  };
}
