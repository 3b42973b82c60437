/**
 * Anti-replay for packet order counts: the RFC 6479 bitmap window, in blocks of 32 bits, over
 * counts from 0 to 2^53 - 1 (u64 on the wire, kept as exact JS numbers).
 *
 * A count is accepted once, and only if it is ahead of the highest count seen or fewer than
 * `size` below it. Call `check()` before decrypting and `update()` after authentication succeeds,
 * so forged packets cannot move the window.
 *
 * @module
 */

const BLOCK_BITS = 32;

/** A sliding window of recently seen order counts. */
export class ReplayWindow {
  /** How many counts, ending at the highest seen, the window remembers. */
  readonly size: number;
  readonly #blocks: Uint32Array;
  #highest = -1;

  /**
   * @param size counts tracked below and including the highest seen (default 1024)
   * @throws {RangeError} if `size` is not an integer from 1 to 2^20
   */
  constructor(size = 1024) {
    if (!Number.isInteger(size) || size < 1 || size > 1 << 20) {
      throw new RangeError(`Cannot make a replay window of size ${size}: use 1 to 1048576`);
    }
    this.size = size;
    // One spare block, rounded up to a power of two (RFC 6479 §3): the block being refilled at
    // the top never aliases a block that still holds counts inside the window.
    let blocks = 1;
    while (blocks < Math.ceil(size / BLOCK_BITS) + 1) blocks *= 2;
    this.#blocks = new Uint32Array(blocks);
  }

  /** The highest count accepted so far, or -1 before the first. */
  get highest(): number {
    return this.#highest;
  }

  /**
   * Whether `count` would be accepted: new, and not too old. Never throws.
   *
   * @returns false for a duplicate, a count at or below `highest - size`, or a non-count
   */
  check(count: number): boolean {
    if (!Number.isSafeInteger(count) || count < 0) return false;
    if (count > this.#highest) return true;
    if (this.#highest - count >= this.size) return false;
    return (this.#blocks[this.#index(count)]! & bit(count)) === 0;
  }

  /**
   * Records `count` as seen, sliding the window forward if it is the new highest.
   *
   * @throws {RangeError} if `check(count)` is false: call it first and drop such packets
   */
  update(count: number): void {
    if (!this.check(count)) {
      throw new RangeError(
        `Cannot record order count ${count}: it is replayed, too old or invalid; drop packets that check() rejects`,
      );
    }
    if (count > this.#highest) {
      const top = Math.floor(count / BLOCK_BITS);
      const current = Math.floor(this.#highest / BLOCK_BITS);
      const clear = Math.min(top - current, this.#blocks.length);
      for (let i = 1; i <= clear; i++) this.#blocks[(current + i) % this.#blocks.length] = 0;
      this.#highest = count;
    }
    this.#blocks[this.#index(count)]! |= bit(count);
  }

  #index(count: number): number {
    return Math.floor(count / BLOCK_BITS) % this.#blocks.length;
  }
}

function bit(count: number): number {
  return 1 << (count % BLOCK_BITS);
}
