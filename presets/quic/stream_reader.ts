/**
 * Reads a byte stream in the pieces a protocol needs: exactly n bytes, then whatever comes next.
 *
 * @module
 */

/** A reader of exact byte counts over a `ReadableStream<Uint8Array>`. */
export class StreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #rest: Uint8Array | undefined;

  /** Locks `readable` to this reader. */
  constructor(readable: ReadableStream<Uint8Array>) {
    this.#reader = readable.getReader();
  }

  /** The next bytes, however many arrived, or `undefined` at the end. */
  async next(): Promise<Uint8Array | undefined> {
    if (this.#rest) {
      const rest = this.#rest;
      this.#rest = undefined;
      return rest;
    }
    const { value, done } = await this.#reader.read();
    return done ? undefined : value;
  }

  /** Exactly `length` bytes. Throws `RangeError` when the stream ends first. */
  async exactly(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunk = await this.next();
      if (!chunk) {
        throw new RangeError(`Cannot read ${length} bytes: the stream ended after ${filled}`);
      }
      const take = Math.min(chunk.length, length - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.#rest = chunk.subarray(take);
    }
    return out;
  }
}
