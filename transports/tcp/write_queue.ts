/**
 * A sans-IO FIFO of bytes waiting for a socket, with joins that turn many small packets into one
 * write. Bounds are the caller's job: it checks `size` before `push()`.
 *
 * @module
 */

/** Bytes queued for one connection, in order. */
export class WriteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #size = 0;

  /** Bytes queued. */
  get size(): number {
    return this.#size;
  }

  /** Appends `bytes` (kept by reference: the caller must not modify them afterwards). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#size += bytes.length;
  }

  /** Puts back the unwritten tail of a chunk `take()` returned, at the front. */
  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#head > 0) this.#chunks[--this.#head] = bytes;
    else this.#chunks.unshift(bytes);
    this.#size += bytes.length;
  }

  /**
   * Removes whole chunks from the front, up to `max` bytes (at least one chunk), joined into one
   * array; a lone chunk is returned as is. `undefined` when empty.
   */
  take(max: number): Uint8Array | undefined {
    const first = this.#chunks[this.#head];
    if (first === undefined) return undefined;
    let count = 1;
    let bytes = first.length;
    for (let i = this.#head + 1; i < this.#chunks.length; i++) {
      const next = this.#chunks[i]!.length;
      if (bytes + next > max) break;
      bytes += next;
      count++;
    }
    let out = first;
    if (count > 1) {
      out = new Uint8Array(bytes);
      let at = 0;
      for (let i = this.#head; i < this.#head + count; i++) {
        out.set(this.#chunks[i]!, at);
        at += this.#chunks[i]!.length;
      }
    }
    this.#head += count;
    this.#size -= bytes;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Drops everything queued. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#size = 0;
  }
}
