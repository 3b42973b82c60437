/**
 * Small figures helpers the benches share: the median of runs and how numbers are printed.
 *
 * @module
 */

/** The median of `xs` (the upper one of an even count); `xs` is left as it was. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** `n` rounded to a whole number with thousands separators (`12,345`). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Bytes per second as MB/s with one decimal (`12.3`). */
export function formatMBps(bytesPerSecond: number): string {
  return (bytesPerSecond / 1e6).toFixed(1);
}
