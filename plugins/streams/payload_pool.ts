/**
 * Reusable buffers for the STREAM frames the sender builds. A frame's payload is dead once the
 * core has encoded its packet (the Thing layer seals it into a new buffer, the codec copies it
 * into the packet), so its buffer goes back to the pool from the packet's `onEncoded` hook and the
 * next frame is built in it: no fresh, zero-filled 64 KiB buffer per packet. A packet that
 * middleware drops, or holds across an `await`, keeps its buffer until then; the pool makes a new
 * one meanwhile, and keeps at most `keep` spare.
 *
 * @module
 */

/** One pooled buffer and the function that gives it back (pass it as the packet's `onEncoded`). */
export interface PayloadSlot {
  /** The whole buffer (`size` bytes); a frame uses a view of its first bytes. */
  readonly bytes: Uint8Array;
  /**
   * Returns the buffer to the pool; call it after the last use of the bytes. Given the encoded
   * packet, it keeps the buffer out of the pool when the packet was built in it.
   */
  readonly release: (encoded?: Uint8Array) => void;
}

/** A free list of equally sized payload buffers. */
export class PayloadPool {
  readonly #size: number;
  readonly #keep: number;
  readonly #free: Slot[] = [];

  /** @param size bytes per buffer (the largest frame); @param keep spare buffers kept at most */
  constructor(size: number, keep = 8) {
    this.#size = size;
    this.#keep = keep;
  }

  /** A buffer no packet in the pipeline uses; release it once its packet is encoded. */
  take(): PayloadSlot {
    const slot = this.#free.pop() ?? new Slot(new Uint8Array(this.#size), this.#free, this.#keep);
    slot.out = true;
    return slot;
  }
}

class Slot implements PayloadSlot {
  out = false;
  readonly release = (encoded?: Uint8Array): void => {
    // An encoder that built the packet in this very buffer still needs it: let it go to the GC.
    if (!this.out || encoded?.buffer === this.bytes.buffer) return;
    this.out = false;
    if (this.free.length < this.keep) this.free.push(this);
  };

  constructor(readonly bytes: Uint8Array, readonly free: Slot[], readonly keep: number) {}
}
