/**
 * A set of integers kept as sorted, disjoint, non-adjacent half-open ranges `[start, end)`: used
 * for received packet numbers, acknowledged stream bytes and stream bytes to retransmit.
 *
 * @module
 */

/** Sorted disjoint ranges with merge-on-insert. */
export class RangeSet {
  /** Range starts, ascending. */
  readonly starts: number[] = [];
  /** Range ends (exclusive), parallel to `starts`. */
  readonly ends: number[] = [];

  /** How many ranges there are. */
  get size(): number {
    return this.starts.length;
  }

  /** Whether the set is empty. */
  get empty(): boolean {
    return this.starts.length === 0;
  }

  /** The lowest member, or `undefined`. */
  get min(): number | undefined {
    return this.starts[0];
  }

  /** Adds `[start, end)`; returns how many integers were not in the set before. */
  add(start: number, end: number): number {
    if (end <= start) return 0;
    const { starts, ends } = this;
    // Fast path: appending at or after the last range.
    const n = starts.length;
    if (n === 0 || start > ends[n - 1]!) {
      starts.push(start);
      ends.push(end);
      return end - start;
    }
    if (start >= starts[n - 1]!) {
      const added = Math.max(0, end - ends[n - 1]!);
      if (end > ends[n - 1]!) ends[n - 1] = end;
      return added;
    }
    // First range whose end >= start (it may merge), last range whose start <= end.
    const lo = lowerBound(ends, start);
    let hi = lo;
    let covered = 0;
    while (hi < n && starts[hi]! <= end) {
      covered += Math.min(ends[hi]!, end) - Math.max(starts[hi]!, start);
      hi++;
    }
    if (hi === lo) {
      starts.splice(lo, 0, start);
      ends.splice(lo, 0, end);
      return end - start;
    }
    const mergedStart = Math.min(start, starts[lo]!);
    const mergedEnd = Math.max(end, ends[hi - 1]!);
    starts.splice(lo, hi - lo, mergedStart);
    ends.splice(lo, hi - lo, mergedEnd);
    return end - start - Math.max(0, covered);
  }

  /** Whether `value` is in the set. */
  has(value: number): boolean {
    const i = upperBound(this.starts, value) - 1;
    return i >= 0 && value < this.ends[i]!;
  }

  /** Removes every member below `value`. */
  removeBelow(value: number): void {
    const { starts, ends } = this;
    let i = 0;
    while (i < starts.length && ends[i]! <= value) i++;
    if (i > 0) {
      starts.splice(0, i);
      ends.splice(0, i);
    }
    if (starts.length > 0 && starts[0]! < value) starts[0] = value;
  }

  /** Removes `[start, end)`. */
  remove(start: number, end: number): void {
    if (end <= start) return;
    const { starts, ends } = this;
    for (let i = lowerBound(ends, start + 1); i < starts.length && starts[i]! < end;) {
      const s = starts[i]!;
      const e = ends[i]!;
      if (s < start && e > end) {
        starts.splice(i + 1, 0, end);
        ends.splice(i + 1, 0, e);
        ends[i] = start;
        return;
      }
      if (s < start) {
        ends[i] = start;
        i++;
      } else if (e > end) {
        starts[i] = end;
        return;
      } else {
        starts.splice(i, 1);
        ends.splice(i, 1);
      }
    }
  }

  /** Drops the lowest ranges until at most `count` remain. */
  keepHighest(count: number): void {
    const excess = this.starts.length - count;
    if (excess > 0) {
      this.starts.splice(0, excess);
      this.ends.splice(0, excess);
    }
  }

  /** Removes everything. */
  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
  }
}

/** First index whose value is >= `x`. */
function lowerBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > `x`. */
function upperBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
