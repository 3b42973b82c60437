/**
 * Which stream sends next (RFC 9218 §10 in spirit): the lowest urgency first; within an urgency,
 * non-incremental streams one at a time in stream ID order, then incremental streams in turns
 * (round robin: a stream that sent goes to the back).
 *
 * @module
 */
import type { StreamState } from "./stream.ts";

const URGENCIES = 8;

/** Streams with something to send, by priority. */
export class StreamScheduler {
  readonly #turns: Set<StreamState>[] = [];
  readonly #sequential: StreamState[][] = [];
  /** Where each scheduled stream is filed: urgency, and whether in the sequential list. */
  readonly #filed = new Map<StreamState, { urgency: number; incremental: boolean }>();

  /** An empty scheduler. */
  constructor() {
    for (let u = 0; u < URGENCIES; u++) {
      this.#turns.push(new Set());
      this.#sequential.push([]);
    }
  }

  /** Streams scheduled. */
  get size(): number {
    return this.#filed.size;
  }

  /** Schedules `stream` (no-op when it already is). */
  add(stream: StreamState): void {
    if (this.#filed.has(stream)) return;
    const { urgency, incremental } = stream;
    this.#filed.set(stream, { urgency, incremental });
    if (incremental) return void this.#turns[urgency]!.add(stream);
    const list = this.#sequential[urgency]!;
    list.splice(insertionPoint(list, stream.id), 0, stream);
  }

  /** Unschedules `stream`. */
  delete(stream: StreamState): void {
    const filed = this.#filed.get(stream);
    if (!filed) return;
    this.#filed.delete(stream);
    if (filed.incremental) return void this.#turns[filed.urgency]!.delete(stream);
    const list = this.#sequential[filed.urgency]!;
    const at = insertionPoint(list, stream.id) - 1;
    if (list[at] === stream) list.splice(at, 1);
  }

  /** `stream` changed its priority: file it again where it now belongs. */
  refile(stream: StreamState): void {
    if (!this.#filed.has(stream)) return;
    this.delete(stream);
    this.add(stream);
  }

  /** The stream to send next, or `undefined` when none is scheduled. */
  next(): StreamState | undefined {
    for (let u = 0; u < URGENCIES; u++) {
      const first = this.#sequential[u]![0];
      if (first) return first;
      const turn = this.#turns[u]!.values().next().value;
      if (turn) return turn;
    }
    return undefined;
  }

  /** `stream` sent a frame and still has more: an incremental one goes to the back of its turn. */
  sent(stream: StreamState): void {
    const filed = this.#filed.get(stream);
    if (!filed?.incremental) return;
    const turns = this.#turns[filed.urgency]!;
    turns.delete(stream);
    turns.add(stream);
  }

  /** Unschedules everything. */
  clear(): void {
    this.#filed.clear();
    for (let u = 0; u < URGENCIES; u++) {
      this.#turns[u]!.clear();
      this.#sequential[u]!.length = 0;
    }
  }
}

/** The index after the last stream in `list` (sorted by ID) whose ID is at most `id`. */
function insertionPoint(list: StreamState[], id: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
