/**
 * Deadlines kept in a binary min-heap, so the next one is found in O(1) and set/cancel cost
 * O(log n) even with tens of thousands of sessions. Time is whatever the caller passes.
 *
 * @module
 */

/** A scheduled callback; `cancel()` it to stop it from firing. */
export interface Timer {
  /** When it fires. */
  readonly at: number;
  /** Stops it from firing. Safe to call more than once. */
  cancel(): void;
}

class Entry implements Timer {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fire: () => void,
    readonly table: TimerTable,
  ) {}
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.table.noteCancelled();
  }
}

/** A table of deadlines driven by `fireExpired(now)`. */
export class TimerTable {
  #heap: Entry[] = [];
  #seq = 0;
  #cancelled = 0;

  /** Schedules `fire` at time `at`. */
  set(at: number, fire: () => void): Timer {
    if (!Number.isFinite(at)) throw new RangeError(`Cannot schedule a timer at ${at}`);
    const entry = new Entry(at, this.#seq++, fire, this);
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
    return entry;
  }

  /** The earliest live deadline, or `undefined` when none is pending. */
  next(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /** How many live timers are pending. */
  get size(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** Called by a timer when it is cancelled; compacts the heap when half of it is dead. */
  noteCancelled(): void {
    this.#cancelled++;
    if (this.#heap.length > 64 && this.#cancelled * 2 > this.#heap.length) {
      this.#heap = this.#heap.filter((entry) => !entry.cancelled);
      this.#cancelled = 0;
      for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
    }
  }

  /** Fires every timer due at or before `now`, earliest first. Returns how many fired. */
  fireExpired(now: number): number {
    let fired = 0;
    for (;;) {
      this.#dropCancelled();
      const top = this.#heap[0];
      if (!top || top.at > now) return fired;
      this.#pop();
      top.cancelled = true;
      fired++;
      top.fire();
    }
  }

  /** Cancels every timer. */
  clear(): void {
    for (const entry of this.#heap) entry.cancelled = true;
    this.#heap = [];
    this.#cancelled = 0;
  }

  #dropCancelled(): void {
    while (this.#heap[0]?.cancelled) {
      this.#pop();
      this.#cancelled--;
    }
  }

  #pop(): void {
    const last = this.#heap.pop()!;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#down(0);
    }
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.#less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.#less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
