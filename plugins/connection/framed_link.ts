/**
 * One framed session's sending side (docs/PROTOCOL.md §2.7): messages wait in their channel's
 * queue, and a flush packs them, with the ACK frame owed and the messages to resend, into FRAMED
 * packets of up to `packetSize` bytes. Each packet's number is its order count. Loss recovery
 * (`LossRecovery`: ACK ranges, packet and time thresholds, tail-loss and probe timeouts, the
 * congestion window of the `congestion` option) says which packets were acknowledged or lost; a
 * lost packet's reliable messages go out again in new packets. A flush runs at the end of the tick (`flush: "tick"`), at once (`"immediate"`), or
 * when the session is uncorked.
 *
 * @module
 */
import { packetSlab, uninitializedBytes } from "../../core/byte_slab.ts";
import { SessionError, TimeoutError } from "../../core/errors.ts";
import { HEADER_SIZE } from "../../core/packet.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { SessionControl } from "../../core/session.ts";
import type { Timer } from "../../core/timers.ts";
import { MAX_HELD_BYTES } from "../../core/transport.ts";
import { LossRecovery, type SentPacket } from "../../reliability/mod.ts";
import { truncate } from "../../reliability/truncate.ts";
import { isReliableFrame } from "./channels.ts";
import { FramedReceive } from "./framed_receive.ts";
import {
  type AckFrame,
  ackFrameSize,
  FrameType,
  MAX_FRAMES,
  messageFrameSize,
  writeAck,
  writeMessage,
} from "./frames.ts";
import type { ResolvedDataOptions } from "./options.ts";
import { ConnectionPacket } from "./packets.ts";

/** The ACK delay this side promises its peer (ms): ACK frames leave at the end of the tick. */
const MAX_ACK_DELAY = 5;

/** Payloads up to this size come from the packet slab (its largest take). */
const SLAB_LIMIT = 4096;

// What `#fit` answers: the message goes in, the packet is full, or the congestion window is.
const FITS = 0;
const FULL = 1;
const WINDOW = 2;

/** One message from `send()` until it is delivered or fails. */
export interface FramedMessage {
  /** Its bytes (a copy when reliable). */
  data: Uint8Array;
  /** Its channel. */
  channel: number;
  /** Its custom ID. */
  customId: number;
  /** The frame type it travels as. */
  type: number;
  /** Its sequence number in the channel (0 for unreliable frames). */
  seq: number;
  /** Transmissions so far. */
  tries: number;
  /** The packet number of its latest transmission. */
  latestPn: number;
  /** Acknowledged, failed, or (unreliable) sent: settled. */
  settled: boolean;
  /** Waiting in the resend queue. */
  resending: boolean;
  /** Settles `send()`: delivered. */
  resolve: () => void;
  /** Settles `send()`: failed. */
  reject: (error: Error) => void;
}

/**
 * A buffer FRAMED payloads above 4 KiB are built in. Once its packet is encoded the payload is dead
 * (the Thing layer sealed it into a new buffer, or the codec copied it into the packet), so the
 * packet's `onEncoded` hook makes it the spare again (unless the packet was encoded in it).
 */
interface PayloadBuffer {
  /** `packetSize` bytes; a payload is a view of the first ones. */
  readonly bytes: Uint8Array;
  /** The packet's `onEncoded` hook. */
  readonly release: (encoded: Uint8Array) => void;
}

interface ChannelSend {
  /** Next sequence number to give. */
  next: number;
  /** Messages waiting for their first transmission, from `head` on (emptied in place). */
  queue: FramedMessage[];
  head: number;
  /** Listed in the link's active channels (its queue holds messages). */
  active: boolean;
  /** The lowest sequence number given and not yet settled (reliable channels), or `next`. */
  low: number;
  /**
   * Which of the `reorderWindow` sequence numbers from `low` on settled, indexed by sequence number
   * modulo the window (only sent messages settle one by one, and those lie in that span).
   */
  settled: Uint8Array | undefined;
}

/** Sending and receiving state of one framed session. */
export class FramedLink {
  /** Receiving state. */
  readonly receiver: FramedReceive;
  /** The session's control handle. */
  readonly control: SessionControl;
  /** The incarnation (client ID) this state belongs to. */
  incarnation: string;
  readonly #api: PluginApi;
  readonly #opts: ResolvedDataOptions;
  #recovery: LossRecovery<FramedMessage[]>;
  readonly #channels: (ChannelSend | undefined)[] = [];
  /** Channels whose queue holds messages, in the order they got their first one. */
  readonly #active: ChannelSend[] = [];
  #resend: FramedMessage[] = [];
  /** A payload buffer no packet in the pipeline uses any more. */
  #spare: PayloadBuffer | undefined;
  #inFlight = 0;
  #pingOwed = false;
  #probing = false;
  #corked = false;
  #scheduled = false;
  #timer: Timer | undefined;
  #timerAt: number | undefined;
  // The packet being packed: its bytes so far, its size limit, the window's room left, and
  // whether a reliable message may still go in whatever the window says.
  #packed = 0;
  #budget = 0;
  #room = 0;
  #reliableFree = false;
  readonly #flushLater = () => {
    this.#scheduled = false;
    this.flush();
  };
  readonly #onTimerFired = () => this.#onTimer();

  /** @param opts the plugin's resolved options */
  constructor(api: PluginApi, control: SessionControl, opts: ResolvedDataOptions) {
    this.#api = api;
    this.control = control;
    this.#opts = opts;
    this.incarnation = control.id;
    this.receiver = new FramedReceive(opts);
    this.#recovery = this.#newRecovery();
  }

  /** Queues a message of `type` on `channel`; `send()` settles through the callbacks. */
  enqueue(
    data: Uint8Array,
    channel: number,
    customId: number,
    type: number,
    resolve: () => void,
    reject: (error: Error) => void,
  ): void {
    const ch = this.#channelOf(channel);
    const message: FramedMessage = {
      data,
      channel,
      customId,
      type,
      seq: type === FrameType.UNRELIABLE ? 0 : ch.next++,
      tries: 0,
      latestPn: -1,
      settled: false,
      resending: false,
      resolve,
      reject,
    };
    if (!ch.active) {
      ch.active = true;
      this.#active.push(ch);
    }
    ch.queue.push(message);
    this.schedule();
  }

  /** Asks for a flush: at once (`flush: "immediate"`) or at the end of the tick. */
  schedule(): void {
    if (this.#corked) return;
    if (this.#opts.flush === "immediate") return this.flush();
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#flushLater);
  }

  /** `session.cork()` / `uncork()`: uncorking flushes. */
  cork(corked: boolean): void {
    this.#corked = corked;
    if (!corked) this.flush();
  }

  /** Every message queued for its first transmission, taken out (the seed path sends them). */
  drain(): FramedMessage[] {
    const out: FramedMessage[] = [];
    for (const ch of this.#active) {
      for (let i = ch.head; i < ch.queue.length; i++) out.push(ch.queue[i]!);
      emptyQueue(ch);
    }
    truncate(this.#active, 0);
    return out;
  }

  /** Sends what fits: the ACK owed, resends, then queued messages, packed into packets. */
  flush(): void {
    if (this.control.state !== "open") return;
    const now = this.#api.clock.now();
    for (;;) {
      if (!this.receiver.ackOwed && !this.#pingOwed && this.#nothingQueued()) break;
      const ack = this.receiver.ackOwed ? this.receiver.takeAck(now) : undefined;
      const frames = this.#pack(ack);
      if (frames.length === 0 && !ack && !this.#pingOwed) break;
      this.#transmit(now, ack, frames);
    }
    this.#armTimer();
  }

  /** The peer's ACK frame arrived at `now`. */
  onAck(ack: AckFrame, now: number): void {
    const update = this.#recovery.onAck(ack.ranges, ack.delay, now);
    const newest = update.acked[update.acked.length - 1];
    if (newest?.pn === ack.ranges[0]!.last) {
      // The sample LossRecovery took (the newest packet it names), for observers such as metrics.
      const rtt = now - newest.time;
      this.#api.emit("rtt", { session: this.control.session, rtt, exchange: "FRAMED/ACK" });
    }
    for (const packet of update.acked) {
      for (const message of packet.frames) this.#acknowledged(message);
    }
    this.#lost(update.lost);
    if (!this.#nothingQueued() || this.receiver.ackOwed) this.schedule();
    else this.#armTimer();
  }

  /** Fails every message in flight or queued, and starts the sending state afresh. */
  failAll(error: Error): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = undefined;
    // A reliable message sent and not settled is in a packet in flight or waits to be resent.
    for (const message of this.#resend) this.#fail(message, error);
    this.#resend = [];
    for (const packet of this.#recovery.inFlight()) {
      for (const message of packet.frames) this.#fail(message, error);
    }
    for (const ch of this.#channels) {
      if (!ch) continue;
      for (let i = ch.head; i < ch.queue.length; i++) this.#fail(ch.queue[i]!, error);
      emptyQueue(ch);
      ch.settled?.fill(0);
      ch.low = ch.next;
    }
    truncate(this.#active, 0);
    this.#inFlight = 0;
    this.#recovery = this.#newRecovery();
  }

  #nothingQueued(): boolean {
    return this.#resend.length === 0 && this.#active.length === 0;
  }

  #newRecovery(): LossRecovery<FramedMessage[]> {
    const cc = this.#opts.congestion(HEADER_SIZE + this.#opts.packetSize);
    return new LossRecovery(cc, this.#opts.initialRto / 3, MAX_ACK_DELAY);
  }

  #channelOf(channel: number): ChannelSend {
    return this.#channels[channel] ??= {
      next: 0,
      queue: [],
      head: 0,
      active: false,
      low: 0,
      settled: undefined,
    };
  }

  // The frames of the next packet, after `ack`'s: resends first, then each channel's queue.
  #pack(ack: AckFrame | undefined): FramedMessage[] {
    const opts = this.#opts;
    const recovery = this.#recovery;
    const frames: FramedMessage[] = [];
    this.#packed = (ack ? ackFrameSize(ack.ranges) : 0) + (this.#pingOwed ? 1 : 0);
    this.#budget = opts.packetSize;
    this.#room = Math.min(recovery.cc.window, MAX_HELD_BYTES) - recovery.bytesInFlight -
      HEADER_SIZE;
    // One packet may always carry reliable messages: with nothing in flight, or as a probe.
    this.#reliableFree = recovery.bytesInFlight === 0 || this.#probing;
    this.#probing = false;
    while (this.#resend.length > 0) {
      const message = this.#resend[0]!;
      if (message.settled) {
        this.#resend.shift();
        continue;
      }
      const fitted = this.#fit(message, frames.length);
      if (fitted === FULL) return frames;
      if (fitted === WINDOW) break;
      this.#resend.shift();
      message.resending = false;
      frames.push(message);
    }
    // By index: a channel that empties leaves the list, and one whose window is full stays.
    const active = this.#active;
    let kept = 0;
    for (let c = 0; c < active.length; c++) {
      const ch = active[c]!;
      active[kept++] = ch;
      while (ch.head < ch.queue.length) {
        const message = ch.queue[ch.head]!;
        if (isReliableFrame(message.type)) {
          if (message.seq - ch.low >= opts.reorderWindow) break;
          if (this.#inFlight >= opts.maxInFlight) break;
        }
        const fitted = this.#fit(message, frames.length);
        if (fitted === FULL) {
          // The rest of the list stays as it is, behind the channels kept so far.
          for (let rest = c + 1; rest < active.length; rest++) active[kept++] = active[rest]!;
          truncate(active, kept);
          return frames;
        }
        if (fitted === WINDOW) break;
        ch.queue[ch.head++] = undefined as unknown as FramedMessage;
        if (isReliableFrame(message.type)) this.#inFlight++;
        frames.push(message);
      }
      if (ch.head === ch.queue.length) {
        emptyQueue(ch);
        kept--;
      }
    }
    truncate(active, kept);
    return frames;
  }

  // The spare payload buffer, or a new one. A packet that middleware drops or holds across an
  // `await` keeps its buffer until then; meanwhile later packets get new ones.
  #payloadBuffer(): PayloadBuffer {
    const spare = this.#spare;
    if (spare) {
      this.#spare = undefined;
      return spare;
    }
    const buffer: PayloadBuffer = {
      bytes: uninitializedBytes(this.#opts.packetSize),
      release: (encoded) => {
        if (encoded.buffer !== buffer.bytes.buffer) this.#spare ??= buffer;
      },
    };
    return buffer;
  }

  // Whether `message` joins the packet being packed, which holds `count` frames so far.
  #fit(message: FramedMessage, count: number): number {
    const bytes = messageFrameSize(message.type, message.data.length);
    if (count >= MAX_FRAMES - 2) return FULL;
    if (this.#packed + bytes > this.#budget) {
      if (count > 0 || this.#packed > 0) return FULL;
      this.#budget = bytes;
    }
    if (isReliableFrame(message.type)) {
      if (!this.#reliableFree && bytes > this.#room) return WINDOW;
      this.#reliableFree = false;
    }
    this.#packed += bytes;
    this.#room -= bytes;
    return FITS;
  }

  #transmit(now: number, ack: AckFrame | undefined, frames: FramedMessage[]): void {
    const size = this.#packed;
    let ackEliciting = this.#pingOwed;
    for (const message of frames) if (isReliableFrame(message.type)) ackEliciting = true;
    // Every byte is written below. Small: a slab view (never written again once sent). Up to
    // packetSize: the spare buffer, free again once the packet is encoded. Above: unzeroed.
    const buffer = size > SLAB_LIMIT && size <= this.#opts.packetSize
      ? this.#payloadBuffer()
      : undefined;
    const payload = buffer
      ? new Uint8Array(buffer.bytes.buffer, buffer.bytes.byteOffset, size)
      : size > SLAB_LIMIT
      ? uninitializedBytes(size)
      : packetSlab.take(size);
    let at = ack ? writeAck(payload, 0, ack) : 0;
    if (this.#pingOwed) payload[at++] = FrameType.PING;
    this.#pingOwed = false;
    const pn = this.control.takeOrder();
    let unreliable = 0;
    for (const message of frames) {
      at = writeMessage(payload, at, message, message.data);
      if (isReliableFrame(message.type)) {
        message.tries++;
        message.latestPn = pn;
      } else unreliable++;
    }
    this.control.sendPacket({
      type: ConnectionPacket.FRAMED,
      payload,
      order: pn,
      onEncoded: buffer?.release,
    });
    if (!ackEliciting) this.#recovery.onSentUnelicited();
    else {
      // The packet's own frame list when every frame is reliable (one array less per packet).
      const reliable = unreliable === 0 ? frames : reliableOnly(frames);
      const wire = HEADER_SIZE + size;
      this.#recovery.onSent({ pn, seq: 0, time: now, size: wire, ackEliciting, frames: reliable });
    }
    if (unreliable === 0) return;
    for (const message of frames) {
      if (isReliableFrame(message.type)) continue;
      message.settled = true;
      message.resolve();
    }
  }

  #acknowledged(message: FramedMessage): void {
    if (message.settled) return;
    message.settled = true;
    this.#leaveFlight(message);
    message.resolve();
  }

  // A reliable message that was sent settled: it no longer counts in flight nor holds `low` back.
  #leaveFlight(message: FramedMessage): void {
    this.#inFlight--;
    const ch = this.#channels[message.channel]!;
    const window = this.#opts.reorderWindow;
    const settled = ch.settled ??= new Uint8Array(window);
    settled[message.seq % window] = 1;
    while (ch.low < ch.next && settled[ch.low % window] === 1) settled[ch.low++ % window] = 0;
  }

  #lost(packets: SentPacket<FramedMessage[]>[]): void {
    for (const packet of packets) {
      for (const message of packet.frames) {
        if (message.settled || message.resending || message.latestPn !== packet.pn) continue;
        if (message.tries > this.#opts.maxRetransmits) {
          this.#fail(
            message,
            new TimeoutError(
              `No ACK for a message on channel ${message.channel} of session ${this.control.id} after ${message.tries} sends; check the peer is up or raise maxRetransmits`,
            ),
          );
          continue;
        }
        message.resending = true;
        this.#resend.push(message);
        this.#retransmitted(message);
      }
    }
  }

  #retransmitted(message: FramedMessage): void {
    this.#api.emit("retransmit", {
      session: this.control.session,
      type: ConnectionPacket.FRAMED,
      attempt: message.tries + 1,
    });
  }

  #fail(message: FramedMessage, error: Error): void {
    if (message.settled) return;
    message.settled = true;
    // Only reliable messages count their sends.
    if (message.tries > 0) this.#leaveFlight(message);
    message.reject(error);
  }

  // A timer armed earlier than needed stays: it fires, finds nothing due and re-arms. Re-arming on
  // every packet and ACK (one message at a time moves the deadline each time) costs more.
  #armTimer(): void {
    const at = this.#recovery.timerAt();
    if (at === undefined || (this.#timerAt !== undefined && this.#timerAt <= at)) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.#api.setTimer(at, this.#onTimerFired);
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = undefined;
    if (this.control.state === "closed") return;
    if (this.control.state !== "open") return this.#armLater();
    const now = this.#api.clock.now();
    const due = this.#recovery.timerAt();
    if (due === undefined || due > now) return this.#armTimer();
    const update = this.#recovery.onTimeout(now);
    this.#lost(update.lost);
    if (update.probe) {
      if (this.#recovery.ptoCount > this.#opts.maxRetransmits) {
        return this.failAll(
          new TimeoutError(
            `No ACK on session ${this.control.id} after ${this.#recovery.ptoCount} probes; check the peer is up or raise maxRetransmits`,
          ),
        );
      }
      this.#probe();
    }
    this.flush();
  }

  // A probe timeout: resend the oldest packet's unacknowledged messages, or a PING.
  #probe(): void {
    const oldest = this.#recovery.oldest();
    let resent = false;
    for (const message of oldest?.frames ?? []) {
      if (message.settled || message.resending) continue;
      message.resending = true;
      this.#resend.unshift(message);
      resent = true;
      this.#retransmitted(message);
    }
    if (!resent) this.#pingOwed = true;
    this.#probing = true;
  }

  // Paused while the session re-establishes: look again later.
  #armLater(): void {
    const at = this.#api.clock.now() + this.#opts.initialRto;
    this.#timerAt = at;
    this.#timer = this.#api.setTimer(at, this.#onTimerFired);
  }
}

function reliableOnly(frames: FramedMessage[]): FramedMessage[] {
  const reliable: FramedMessage[] = [];
  for (const message of frames) if (isReliableFrame(message.type)) reliable.push(message);
  return reliable;
}

// Empties a channel's queue in place: a new array per message sent one at a time costs more.
function emptyQueue(ch: ChannelSend): void {
  truncate(ch.queue, 0);
  ch.head = 0;
  ch.active = false;
}

/** The error queued and in-flight messages of a session fail with when it closes. */
export function closedError(id: string, reason: string, cause: Error | undefined): SessionError {
  return new SessionError(
    "THING_ERR_SESSION_CLOSED",
    `Cannot deliver a message on session ${id}: it closed (${reason})`,
    { cause },
  );
}
