/**
 * The receiving side of each channel mode: which messages of a FRAMED packet are delivered, held
 * back or dropped as repeats. Each receiver first `admits` a frame (false: the packet must be
 * dropped whole, unacknowledged, because its sequence number is outside what the sender may have
 * in flight) and, once every frame of the packet was admitted, `takes` it.
 *
 * @module
 */
import { packetSlab } from "../../core/byte_slab.ts";
import { ReplayWindow } from "../../reliability/mod.ts";
import type { DeliveryMode } from "./channels.ts";
import type { MessageFrame } from "./frames.ts";

const TWO_32 = 4294967296;
const HALF = 2147483648;

/** A message ready for the application: its frame as decoded (`data` a view of the packet). */
export type Delivery = MessageFrame;

/** One channel's receiving state. */
export interface ChannelReceiver {
  /** Whether a frame with these low 32 sequence bits may be taken (false: drop the packet). */
  admits(seq32: number): boolean;
  /** Takes a frame: pushes what is now deliverable, in order, onto `out`. */
  take(seq32: number, message: Delivery, out: Delivery[]): void;
}

/** The full sequence number whose low 32 bits are `seq32`, nearest to `expected`. */
export function unwrap(seq32: number, expected: number): number {
  let seq = expected - (expected % TWO_32) + seq32;
  if (seq < expected - HALF) seq += TWO_32;
  else if (seq > expected + HALF && seq >= TWO_32) seq -= TWO_32;
  return seq;
}

/** Exactly once, in order: holds up to `window` messages after a gap. */
class OrderedReceiver implements ChannelReceiver {
  #next = 0;
  readonly #held = new Map<number, Delivery>();
  readonly #window: number;

  constructor(window: number) {
    this.#window = window;
  }

  admits(seq32: number): boolean {
    return unwrap(seq32, this.#next) < this.#next + this.#window;
  }

  take(seq32: number, message: Delivery, out: Delivery[]): void {
    const seq = unwrap(seq32, this.#next);
    if (seq === this.#next && this.#held.size === 0) {
      // In order with nothing held back: the common case, no map lookups.
      out.push(message);
      this.#next++;
      return;
    }
    if (seq < this.#next || this.#held.has(seq)) return;
    if (seq !== this.#next) {
      // A copy: a view would keep the whole packet it came in alive while it waits.
      message.data = packetSlab.copy(message.data);
      this.#held.set(seq, message);
      return;
    }
    out.push(message);
    this.#next++;
    for (let held = this.#held.get(this.#next); held; held = this.#held.get(this.#next)) {
      this.#held.delete(this.#next++);
      out.push(held);
    }
  }
}

/** Exactly once, in arrival order: a window of sequence numbers already delivered. */
class UnorderedReceiver implements ChannelReceiver {
  readonly #seen: ReplayWindow;
  readonly #window: number;

  constructor(window: number) {
    this.#window = window;
    this.#seen = new ReplayWindow(window);
  }

  admits(seq32: number): boolean {
    const highest = this.#seen.highest;
    return unwrap(seq32, highest + 1) <= highest + this.#window;
  }

  take(seq32: number, message: Delivery, out: Delivery[]): void {
    const seq = unwrap(seq32, this.#seen.highest + 1);
    // Below the window is a repeat: the sender never has a message that far behind in flight.
    if (!this.#seen.check(seq)) return;
    this.#seen.update(seq);
    out.push(message);
  }
}

/** At most once, never older than one delivered. */
class SequencedReceiver implements ChannelReceiver {
  #highest = -1;

  admits(): boolean {
    return true;
  }

  take(seq32: number, message: Delivery, out: Delivery[]): void {
    const seq = unwrap(seq32, this.#highest + 1);
    if (seq <= this.#highest) return;
    this.#highest = seq;
    out.push(message);
  }
}

/** At most once (the packet window removes repeats), as it arrives. */
class UnreliableReceiver implements ChannelReceiver {
  admits(): boolean {
    return true;
  }

  take(_seq32: number, message: Delivery, out: Delivery[]): void {
    out.push(message);
  }
}

const UNRELIABLE = new UnreliableReceiver();

/** The receiver for a channel of `mode`; `window` is the `reorderWindow` option. */
export function channelReceiver(mode: DeliveryMode, window: number): ChannelReceiver {
  switch (mode) {
    case "reliable-ordered":
      return new OrderedReceiver(window);
    case "reliable-unordered":
      return new UnorderedReceiver(window);
    case "unreliable-sequenced":
      return new SequencedReceiver();
    case "unreliable":
      return UNRELIABLE;
  }
}

/** The receiver unreliable frames on a channel of another mode use (they keep no state). */
export const unreliableReceiver: ChannelReceiver = UNRELIABLE;
