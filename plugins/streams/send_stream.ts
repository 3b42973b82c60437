/**
 * The sending half of a stream: the bytes the application wrote, which are new, in flight, lost
 * or acknowledged, and the FIN. Bytes are freed as soon as everything before them is acknowledged.
 *
 * @module
 */
import { RangeSet } from "../../reliability/mod.ts";

/** The next frame a send stream wants to send. */
export interface SendPlan {
  /** Offset of the first byte. */
  offset: number;
  /** Bytes to send (may be 0 for a bare FIN). */
  length: number;
  /** Whether the frame carries the FIN. */
  fin: boolean;
  /** Whether these are new bytes (they then count against the connection's flow credit). */
  fresh: boolean;
}

/** Bytes written by the application and their delivery state. */
export class SendStream {
  /** Offset of the first byte still held (all before it are acknowledged and freed). */
  base = 0;
  /** Bytes written so far (the offset of the next byte to be written). */
  written = 0;
  /** The next new byte to send. */
  next = 0;
  /** The peer's MAX_STREAM_DATA limit. */
  maxData: number;
  /** The application finished writing. */
  finished = false;
  /** The FIN is in a frame in flight or acknowledged. */
  finSent = false;
  /** The FIN was acknowledged. */
  finAcked = false;
  readonly #chunks: Uint8Array[] = [];
  readonly #offsets: number[] = [];
  #head = 0;
  readonly #acked = new RangeSet();
  readonly #lost = new RangeSet();

  /** @param maxData the peer's initial per-stream limit */
  constructor(maxData: number) {
    this.maxData = maxData;
  }

  /** Bytes held: written but not yet acknowledged in order. */
  get buffered(): number {
    return this.written - this.base;
  }

  /** Whether every byte and the FIN have been acknowledged. */
  get done(): boolean {
    return this.finAcked && this.base === this.written;
  }

  /** Appends bytes (kept by reference: do not modify them after writing). */
  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#offsets.push(this.written);
    this.written += data.length;
  }

  /** Whether a frame could be sent with `credit` bytes of connection flow credit. */
  wants(credit: number): boolean {
    if (!this.#lost.empty) return true;
    if (this.next < this.written && this.next < this.maxData && credit > 0) return true;
    return this.finished && !this.finSent && this.next === this.written;
  }

  /** Plans the next frame of at most `max` data bytes (retransmissions first), or `undefined`. */
  plan(max: number, credit: number): SendPlan | undefined {
    if (!this.#lost.empty) {
      const offset = this.#lost.starts[0]!;
      const length = Math.min(this.#lost.ends[0]! - offset, max);
      const fin = this.finished && offset + length === this.written;
      return { offset, length, fin, fresh: false };
    }
    const room = Math.min(this.written - this.next, this.maxData - this.next, credit, max);
    if (room > 0) {
      const fin = this.finished && this.next + room === this.written;
      return { offset: this.next, length: room, fin, fresh: true };
    }
    if (this.finished && !this.finSent && this.next === this.written) {
      return { offset: this.next, length: 0, fin: true, fresh: false };
    }
    return undefined;
  }

  /** Records that `plan` was sent. */
  sent(plan: SendPlan): void {
    if (plan.fresh) this.next = plan.offset + plan.length;
    else this.#lost.remove(plan.offset, plan.offset + plan.length);
    if (plan.fin) this.finSent = true;
  }

  /** Copies bytes `[offset, offset + length)` into `out` at `at`. */
  copy(offset: number, length: number, out: Uint8Array, at: number): void {
    let i = this.#find(offset);
    let from = offset;
    const end = offset + length;
    while (from < end) {
      const chunk = this.#chunks[i]!;
      const start = from - this.#offsets[i]!;
      const take = Math.min(chunk.length - start, end - from);
      out.set(chunk.subarray(start, start + take), at);
      at += take;
      from += take;
      i++;
    }
  }

  /** A frame's bytes were acknowledged; returns true when `base` moved (room to write). */
  acked(offset: number, length: number, fin: boolean): boolean {
    if (fin) this.finAcked = true;
    const start = Math.max(offset, this.base);
    const end = offset + length;
    if (end <= start) return false;
    this.#lost.remove(start, end);
    this.#acked.add(start, end);
    if (this.#acked.min !== this.base) return false;
    this.base = this.#acked.ends[0]!;
    this.#acked.removeBelow(this.base);
    this.#free();
    return true;
  }

  /** A frame was lost: queue whatever of it is not yet acknowledged. */
  lost(offset: number, length: number, fin: boolean): void {
    if (fin && !this.finAcked) this.finSent = false;
    const start = Math.max(offset, this.base);
    const end = offset + length;
    if (end <= start) return;
    this.#lost.add(start, end);
    const acked = this.#acked;
    for (let i = 0; i < acked.size; i++) {
      if (acked.starts[i]! >= end) break;
      this.#lost.remove(acked.starts[i]!, acked.ends[i]!);
    }
  }

  /**
   * Drops every byte (the stream was reset). Bytes never sent are forgotten as never written: the
   * reset's final size is `next`, the flow credit the stream used (RFC 9000 §4.5).
   */
  discard(): void {
    this.#chunks.length = 0;
    this.#offsets.length = 0;
    this.#head = 0;
    this.#lost.clear();
    this.#acked.clear();
    this.base = this.written = this.next;
  }

  #find(offset: number): number {
    let lo = this.#head;
    let hi = this.#offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #free(): void {
    const chunks = this.#chunks;
    while (
      this.#head < chunks.length &&
      this.#offsets[this.#head]! + chunks[this.#head]!.length <= this.base
    ) {
      chunks[this.#head] = EMPTY;
      this.#head++;
    }
    if (this.#head > 64 && this.#head * 2 > chunks.length) {
      chunks.splice(0, this.#head);
      this.#offsets.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
