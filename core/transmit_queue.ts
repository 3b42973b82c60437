/**
 * The endpoint's queue of encoded packets waiting for the driver: a FIFO that does not shift.
 *
 * @module
 */
import type { PeerAddress } from "./transport.ts";

/** A packet ready for the wire. */
export interface Transmit {
  /** The encoded packet. */
  bytes: Uint8Array;
  /** Where it goes. */
  peer: PeerAddress;
  /**
   * When set, call it once nothing reads `bytes` any more (the link has sent them): their buffer
   * then serves a later packet. Never calling it is safe (the buffer is collected instead).
   */
  release?: () => void;
}

/** First in, first out, O(1) at both ends. */
export class TransmitQueue {
  #items: Array<Transmit | undefined> = [];
  #head = 0;

  /** Adds a packet at the back. */
  push(item: Transmit): void {
    this.#items.push(item);
  }

  /** Takes the packet at the front, or `undefined` when empty. */
  shift(): Transmit | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    return item;
  }

  /** How many packets wait. */
  get size(): number {
    return this.#items.length - this.#head;
  }
}
