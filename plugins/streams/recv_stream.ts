/**
 * The receiving half of a stream: reassembles frames that arrive out of order, duplicated or
 * overlapping into the ordered byte stream, bounded by the flow-control limit it advertises.
 *
 * @module
 */
import { RangeSet } from "../../reliability/mod.ts";

/** What receiving a frame did. */
export type RecvResult =
  /** Accepted; `grew` is how far the highest received offset moved (connection accounting). */
  | { ok: true; grew: number; readable: boolean }
  /** The frame broke a rule of the protocol: the session must end. */
  | { ok: false; error: string };

/** Bytes received on one stream, in order, for the application to read. */
export class RecvStream {
  /** Bytes the application has read. */
  consumed = 0;
  /** The limit advertised to the peer (MAX_STREAM_DATA). */
  maxData: number;
  /** The stream's final size, once a FIN or RESET_STREAM told it. */
  finalSize: number | undefined;
  /** The highest offset received so far. */
  highest = 0;
  readonly #window: number;
  #contiguous = 0;
  readonly #ready: Uint8Array[] = [];
  #readyHead = 0;
  readonly #pending: Array<{ offset: number; data: Uint8Array }> = [];
  readonly #received = new RangeSet();

  /**
   * @param window the per-stream receive window in bytes
   * @param initialLimit the limit the peer assumes before our first MAX_STREAM_DATA
   */
  constructor(window: number, initialLimit: number) {
    this.#window = window;
    this.maxData = initialLimit;
  }

  /** Bytes held: received in order but unread, plus out-of-order pieces. */
  get buffered(): number {
    let bytes = this.#contiguous - this.consumed;
    for (const piece of this.#pending) bytes += piece.data.length;
    return bytes;
  }

  /** Whether everything up to the final size has been read. */
  get finished(): boolean {
    return this.finalSize !== undefined && this.consumed === this.finalSize;
  }

  /**
   * Takes one STREAM frame. `data` is handed over (a received packet's bytes belong to the
   * receiver, see `core/transport.ts`): the caller must not modify it afterwards. What is kept is
   * a view of it when its buffer holds little else (see `keep`), else a copy.
   */
  receive(offset: number, data: Uint8Array, fin: boolean): RecvResult {
    const end = offset + data.length;
    if (fin) {
      if (this.finalSize !== undefined && this.finalSize !== end) {
        return { ok: false, error: `final size changed from ${this.finalSize} to ${end}` };
      }
      if (end < this.highest) return { ok: false, error: `final size ${end} below data received` };
      this.finalSize = end;
    }
    if (this.finalSize !== undefined && end > this.finalSize) {
      return { ok: false, error: `data past the final size ${this.finalSize}` };
    }
    if (end > this.maxData) {
      return { ok: false, error: `data to offset ${end} past the stream limit ${this.maxData}` };
    }
    const grew = Math.max(0, end - this.highest);
    this.highest = Math.max(this.highest, end);
    const before = this.#contiguous;
    if (end > before) this.#place(offset, data, end);
    return { ok: true, grew, readable: this.#contiguous > before || this.finished || fin };
  }

  #place(offset: number, data: Uint8Array, end: number): void {
    if (offset <= this.#contiguous) {
      this.#ready.push(keep(data, this.#contiguous - offset, data.length));
      this.#contiguous = end;
      this.#drainPending();
      return;
    }
    // Keep only bytes not held yet, so duplicates and overlaps cost no memory.
    const received = this.#received;
    let from = offset;
    for (let i = 0; i < received.size && from < end; i++) {
      const s = received.starts[i]!;
      const e = received.ends[i]!;
      if (e <= from) continue;
      if (s >= end) break;
      if (s > from) this.#insert(from, keep(data, from - offset, s - offset));
      from = Math.max(from, e);
    }
    if (from < end) this.#insert(from, keep(data, from - offset, data.length));
    received.add(offset, end);
  }

  #insert(offset: number, data: Uint8Array): void {
    const pending = this.#pending;
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.offset > offset) i--;
    pending.splice(i, 0, { offset, data });
  }

  #drainPending(): void {
    const pending = this.#pending;
    let taken = 0;
    while (taken < pending.length && pending[taken]!.offset <= this.#contiguous) {
      const { offset, data } = pending[taken++]!;
      const end = offset + data.length;
      if (end > this.#contiguous) {
        this.#ready.push(data.subarray(this.#contiguous - offset));
        this.#contiguous = end;
      }
    }
    if (taken > 0) pending.splice(0, taken);
    this.#received.removeBelow(this.#contiguous);
  }

  /**
   * The next in-order bytes, or `undefined` when none are ready: one received piece, or several
   * small ones joined (up to `JOIN_LIMIT` bytes) so that a reader is not woken once per packet.
   * Moves `consumed` on, which may open the window: see `windowUpdate()`.
   */
  read(): Uint8Array | undefined {
    const ready = this.#ready;
    const head = this.#readyHead;
    if (head >= ready.length) return undefined;
    let end = head + 1;
    let length = ready[head]!.length;
    while (end < ready.length && length + ready[end]!.length <= JOIN_LIMIT) {
      length += ready[end++]!.length;
    }
    let chunk = ready[head]!;
    if (end > head + 1) {
      chunk = new Uint8Array(length);
      for (let i = head, at = 0; i < end; at += ready[i++]!.length) chunk.set(ready[i]!, at);
    }
    for (let i = head; i < end; i++) ready[i] = EMPTY;
    this.#readyHead = end;
    if (end === ready.length) {
      ready.length = 0;
      this.#readyHead = 0;
    }
    this.consumed += chunk.length;
    return chunk;
  }

  /** A new limit to advertise when half the window has been read, else `undefined`. */
  windowUpdate(): number | undefined {
    if (this.finalSize !== undefined) return undefined;
    if (this.maxData - this.consumed >= this.#window / 2) return undefined;
    this.maxData = this.consumed + this.#window;
    return this.maxData;
  }

  /**
   * Drops every byte held (the stream was reset or the reader went away) and counts everything
   * received so far as consumed; returns by how much `consumed` moved (session flow credit).
   */
  discard(): number {
    const released = this.highest - this.consumed;
    this.#ready.length = 0;
    this.#readyHead = 0;
    this.#pending.length = 0;
    this.#received.clear();
    this.#contiguous = this.highest;
    this.consumed = this.highest;
    return released;
  }
}

/**
 * Bytes of a buffer, beyond the piece kept, that may come along with a view: a packet's own
 * headers (64-byte packet header, frame header, AEAD tag), never another packet's data.
 */
const KEEP_SLACK = 256;

/**
 * Bytes `from..to` of `data` to hold until read: a view when `data`'s buffer is little more than
 * this piece (a decrypted payload, or a datagram in a buffer of its own), which saves a copy of
 * every large packet; a copy when the buffer is shared (a slab of small packets), so that a reader
 * may transfer a chunk's buffer without detaching other data.
 */
function keep(data: Uint8Array, from: number, to: number): Uint8Array {
  return data.buffer.byteLength - (to - from) <= KEEP_SLACK
    ? data.subarray(from, to)
    : data.slice(from, to);
}

const EMPTY = new Uint8Array(0);
/** Small pieces are joined into reads of at most this many bytes. */
const JOIN_LIMIT = 65_536;
