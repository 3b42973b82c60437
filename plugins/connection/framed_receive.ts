/**
 * The receiving half of a framed session: the packet-number window (each FRAMED packet is taken
 * once), the ranges owed in the next ACK frame (the session's other packets included, so that they
 * leave no gaps), and the channels' receivers. `receive()` checks a whole packet before it changes
 * anything, so a packet is either taken whole or dropped whole.
 *
 * @module
 */
import { RangeSet, ReplayWindow } from "../../reliability/mod.ts";
import { truncate } from "../../reliability/truncate.ts";
import {
  type ChannelReceiver,
  channelReceiver,
  type Delivery,
  unreliableReceiver,
} from "./channel_receivers.ts";
import { channelTakes } from "./channels.ts";
import {
  type AckFrame,
  decodeFrames,
  type FramedPayload,
  FrameType,
  MAX_ACK_RANGES,
} from "./frames.ts";
import type { ResolvedDataOptions } from "./options.ts";

const NO_DELIVERIES: readonly Delivery[] = Object.freeze([]);
/** Other packets' numbers kept above the newest FRAMED one, waiting for the next (a PING, a PONG…). */
const MAX_OTHERS = 8;

/** One session's receiving state. */
export class FramedReceive {
  /** Whether an ACK frame is owed (an ack-eliciting packet arrived since the last one). */
  ackOwed = false;
  /**
   * The peer's ACK frame in the packet `receive()` took last, if it had one: this receiver's one
   * decoded ACK frame, rewritten by the next packet (a dropped one included).
   */
  ack: AckFrame | undefined;
  /**
   * What the packet `receive()` took last made deliverable, in order: a list of its own (a later
   * packet gets another), read it before the next packet is taken.
   */
  deliveries: readonly Delivery[] = NO_DELIVERIES;
  readonly #opts: ResolvedDataOptions;
  readonly #packets: ReplayWindow;
  readonly #ranges = new RangeSet();
  readonly #channels: (ChannelReceiver | undefined)[] = [];
  #newestAt = 0;
  /** The ACK frame received ones are decoded into (three objects or more per packet otherwise). */
  readonly #peerAck: AckFrame = { delay: 0, ranges: [] };
  /** The ACK frame `takeAck` fills in (one per packet sent otherwise). */
  readonly #ack: AckFrame = { delay: 0, ranges: [] };
  /** Numbers of the peer's other packets above the newest FRAMED one taken, at most MAX_OTHERS. */
  readonly #others: number[] = [];
  /** Whether a FRAMED packet taken was authenticated (sealed): then only such others are noted. */
  #sealed = false;

  /** @param opts the plugin's options (channels, windows) */
  constructor(opts: ResolvedDataOptions) {
    this.#opts = opts;
    this.#packets = new ReplayWindow(opts.window);
  }

  /**
   * Takes the FRAMED packet `pn` with `payload`, received at `now`: sets `ack` and `deliveries`.
   * `authenticated`: whether a plugin authenticated it (`PacketContext.authenticated`: the hybrid's).
   *
   * @returns the drop reason for a packet not taken (`ack` and `deliveries` are then not to be
   *   read), or `undefined`
   */
  receive(
    pn: number,
    payload: Uint8Array,
    now: number,
    authenticated: boolean,
  ): string | undefined {
    const decoded = decodeFrames(payload, this.#peerAck);
    if (typeof decoded === "string") return decoded;
    if (!this.#packets.check(pn)) {
      const repeat = this.#packets.highest - pn < this.#packets.size;
      // A repeat is acknowledged again (the first ACK may have been lost); a stale one is not.
      if (repeat && decoded.ackEliciting) this.ackOwed = true;
      return repeat ? "duplicate" : "stale-order";
    }
    const refusal = this.#refusal(decoded);
    if (refusal) return refusal;
    this.#packets.update(pn);
    if (authenticated) this.#sealed = true;
    this.#ranges.add(pn, pn + 1);
    if (this.#others.length > 0) this.#addOthersBelow(pn);
    this.#ranges.keepHighest(MAX_ACK_RANGES);
    if (decoded.ackEliciting) {
      if (!this.ackOwed) this.#newestAt = now;
      this.ackOwed = true;
    }
    this.ack = decoded.ack;
    if (decoded.messages.length === 0) {
      this.deliveries = NO_DELIVERIES;
      return undefined;
    }
    const deliveries: Delivery[] = [];
    // The packet's bytes are this side's own and never rewritten: a message is a view of them.
    for (const frame of decoded.messages) {
      this.#receiverOf(frame.channel, frame.type).take(frame.seq, frame, deliveries);
    }
    this.deliveries = deliveries;
    return undefined;
  }

  /**
   * Notes `pn`, the packet number (order count) of a packet of this session that is not FRAMED and
   * that was taken (a PING, a PONG, a heartbeat): ACKs list it, so that the session's other packets
   * leave no gaps in the ranges (docs/PROTOCOL.md §2.7). Only once a FRAMED packet was taken, and
   * in a session whose FRAMED packets are authenticated only an `authenticated` packet: a forged
   * one must never make an ACK claim a number the receiver did not get. One above the newest FRAMED
   * packet waits for the next FRAMED one, so that an ACK's largest number is always a FRAMED
   * packet's (the one that gives the peer an RTT sample); one `window` or more below it is not
   * listed.
   */
  noteOther(pn: number, authenticated: boolean): void {
    const highest = this.#packets.highest;
    if (highest < 0 || (this.#sealed && !authenticated)) return;
    if (pn > highest) {
      if (this.#others.length < MAX_OTHERS) this.#others.push(pn);
    } else if (highest - pn < this.#packets.size) {
      this.#ranges.add(pn, pn + 1);
      this.#ranges.keepHighest(MAX_ACK_RANGES);
    }
  }

  /**
   * The ACK frame to send at `now`, and that none is owed any more. It is this receiver's one ACK
   * frame, rewritten by the next call: write it out before asking for another.
   */
  takeAck(now: number): AckFrame | undefined {
    this.ackOwed = false;
    const { starts, ends } = this.#ranges;
    if (starts.length === 0) return undefined;
    const ack = this.#ack;
    const ranges = ack.ranges;
    for (let i = starts.length - 1, r = 0; i >= 0; i--, r++) {
      const range = ranges[r] ??= { first: 0, last: 0 };
      range.first = starts[i]!;
      range.last = ends[i]! - 1;
    }
    truncate(ranges, starts.length);
    ack.delay = Math.max(0, now - this.#newestAt);
    return ack;
  }

  // The noted numbers below `pn` (the FRAMED packet just taken) join the ranges; any above wait on.
  #addOthersBelow(pn: number): void {
    const others = this.#others;
    let kept = 0;
    for (let i = 0; i < others.length; i++) {
      const other = others[i]!;
      if (other < pn) this.#ranges.add(other, other + 1);
      else others[kept++] = other;
    }
    truncate(others, kept);
  }

  // Why the packet cannot be taken, checked for every frame before any is delivered.
  #refusal(decoded: FramedPayload): string | undefined {
    const modes = this.#opts.channels;
    for (const frame of decoded.messages) {
      const mode = modes[frame.channel];
      if (!mode) return "unknown-channel";
      if (!channelTakes(mode, frame.type)) return "channel-mode";
      if (!this.#receiverOf(frame.channel, frame.type).admits(frame.seq)) return "reorder-window";
    }
    return undefined;
  }

  #receiverOf(channel: number, type: number): ChannelReceiver {
    if (type === FrameType.UNRELIABLE) return unreliableReceiver;
    return this.#channels[channel] ??= channelReceiver(
      this.#opts.channels[channel]!,
      this.#opts.reorderWindow,
    );
  }
}
