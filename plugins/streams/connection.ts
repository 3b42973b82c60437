/**
 * The sans-IO stream machinery of one session: bidirectional and unidirectional streams with flow
 * control per stream and per session and stream limits per direction (`StreamCredit`), over the
 * `Sender` (ACKs, loss recovery, congestion control, pacing, priorities, path MTU) and the
 * `Receiver` (stream data and session flow control on receipt). Frames come in through `handle()`; packets go
 * out through the `Wire` during `flush()`; time is `wire.now()` and deadlines are
 * `wire.setTimer()`.
 *
 * Call order: `handle()` for each received frame, then `flush()`; `flush()` again after each
 * application call (`write`, `finish`, `reset`, `read`, …). Timers call `flush()` themselves.
 *
 * @module
 */
import { type ConnectionStats, connectionStats } from "./connection_stats.ts";
import {
  decodeLimit,
  decodeReset,
  decodeStop,
  decodeStream,
  decodeStreamCount,
  decodeStreamLimit,
  FrameType,
} from "./frames.ts";
import { INITIAL_MAX_DATA, INITIAL_MAX_STREAM_DATA, type StreamsConfig } from "./options.ts";
import type { LossRecovery } from "../../reliability/mod.ts";
import { Receiver } from "./receiver.ts";
import { Sender, type SentFrame } from "./sender.ts";
import {
  checkPriority,
  isClientStream,
  isUniStream,
  streamId,
  streamIndex,
  type StreamPriority,
  StreamState,
} from "./stream.ts";
import { StreamCredit } from "./stream_credit.ts";
import type { Wire } from "./wire.ts";

/** Streams, flow control and recovery for one session. */
export class StreamConnection {
  /** Called for each stream the peer opens. */
  onStream: (stream: StreamState) => void = () => {};
  /** Called for each datagram received. */
  onDatagram: (data: Uint8Array) => void = () => {};
  /** Called when the peer's MAX_STREAMS lets this side open more streams of a direction. */
  onCredit: (uni: boolean) => void = () => {};
  /** Called once the connection is aborted (the session closed or was replaced). */
  onAbort: () => void = () => {};
  readonly #wire: Wire;
  readonly #config: StreamsConfig;
  readonly #client: boolean;
  readonly #sender: Sender;
  readonly #receiver: Receiver;
  readonly #streams = new Map<number, StreamState>();
  readonly #bidi: StreamCredit;
  readonly #uni: StreamCredit;
  #sendMax = INITIAL_MAX_DATA;
  #sentSum = 0;
  #closed = false;
  /** Whether the frames taken came authenticated; `undefined` before the first. */
  #framesAuthenticated: boolean | undefined;

  /** @param client whether this side is the client (its stream IDs have bit 0 clear) */
  constructor(wire: Wire, config: StreamsConfig, client: boolean) {
    this.#wire = wire;
    this.#config = config;
    this.#client = client;
    this.#bidi = new StreamCredit(config.maxIncomingBidi);
    this.#uni = new StreamCredit(config.maxIncomingUni);
    const settled = (stream: StreamState) => this.#maybeForget(stream);
    this.#sender = new Sender(wire, config, {
      stream: (id) => this.#streams.get(id),
      credit: () => this.#sendMax - this.#sentSum,
      spent: (bytes) => void (this.#sentSum += bytes),
      recvLimit: () => this.#receiver.limit,
      streamCredit: (uni) => this.#credit(uni).announce(),
      blockedAt: (uni) => this.#credit(uni).blockedAt,
      settled,
    });
    this.#receiver = new Receiver(wire, this.#sender, config.sessionWindow, settled);
    for (const uni of [false, true]) {
      if (this.#credit(uni).announceDue) this.#sender.control(FrameType.MAX_STREAMS, uni ? 1 : 0);
    }
  }

  /** Loss recovery, RTT and congestion state. */
  get recovery(): LossRecovery<SentFrame> {
    return this.#sender.recovery;
  }

  /** Counters. */
  get stats(): ConnectionStats {
    return connectionStats(this.#streams.values(), this.#sender);
  }

  /** Streams open now. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Whether the session is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The largest datagram `sendDatagram` accepts now (it grows with the path's packet size). */
  get maxDatagramSize(): number {
    return this.#sender.maxFrame;
  }

  /**
   * Opens a stream of our own, or returns `undefined` when the peer's stream limit for that
   * direction is reached (a STREAMS_BLOCKED is then queued; `onCredit` says when to try again).
   */
  openStream(uni = false): StreamState | undefined {
    const credit = this.#credit(uni);
    const index = credit.open();
    if (index === undefined) {
      this.#sender.control(FrameType.STREAMS_BLOCKED, uni ? 1 : 0);
      return undefined;
    }
    return this.#create(streamId(index, uni, !this.#client));
  }

  /** Sets the RFC 9218 priority of a stream's sending half. Throws `RangeError` / `TypeError`. */
  setPriority(stream: StreamState, priority: Partial<StreamPriority>): void {
    const checked = checkPriority(priority);
    stream.urgency = checked.urgency;
    stream.incremental = checked.incremental;
    this.#sender.reprioritize(stream);
  }

  #credit(uni: boolean): StreamCredit {
    return uni ? this.#uni : this.#bidi;
  }

  #create(id: number): StreamState {
    const { streamWindow } = this.#config;
    const stream = new StreamState(
      id,
      INITIAL_MAX_STREAM_DATA,
      streamWindow,
      INITIAL_MAX_STREAM_DATA,
      this.#client,
    );
    this.#streams.set(id, stream);
    return stream;
  }
  /** Queues bytes on a stream. */
  write(stream: StreamState, data: Uint8Array): void {
    if (stream.send.finished || stream.resetSent !== undefined) return;
    stream.send.write(data);
    this.#sender.schedule(stream);
  }

  /** Ends a stream's sending half after what was written (FIN). */
  finish(stream: StreamState): void {
    if (stream.send.finished || stream.resetSent !== undefined) return;
    stream.send.finished = true;
    this.#sender.schedule(stream);
  }

  /** Abandons a stream's sending half (RESET_STREAM with `code`). */
  reset(stream: StreamState, code: number): void {
    if (stream.resetSent !== undefined || stream.send.done) return;
    stream.resetSent = code;
    stream.send.discard();
    this.#sender.unschedule(stream);
    this.#sender.control(FrameType.RESET_STREAM, stream.id);
  }

  /** Reads the next bytes of a stream, or `undefined` when none are ready. */
  read(stream: StreamState): Uint8Array | undefined {
    const chunk = stream.recv.read();
    if (chunk === undefined) return undefined;
    this.#receiver.consume(chunk.length);
    if (stream.recv.windowUpdate() !== undefined) {
      this.#sender.control(FrameType.MAX_STREAM_DATA, stream.id);
    }
    this.#maybeForget(stream);
    return chunk;
  }

  /** Stops reading a stream (STOP_SENDING with `code`); unread bytes are dropped. */
  stopSending(stream: StreamState, code: number): void {
    if (stream.stopSent !== undefined || stream.recvDone) return;
    stream.stopSent = code;
    this.#receiver.consume(stream.recv.discard());
    this.#sender.control(FrameType.STOP_SENDING, stream.id);
    this.#maybeForget(stream);
  }

  /** Queues an unreliable datagram; false when it is too large or the queue is full. */
  sendDatagram(data: Uint8Array): boolean {
    return this.#sender.datagram(data);
  }

  /** Ends every stream (the session closed): their readers and writers fail. */
  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sender.clear();
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) {
      stream.onReadable();
      stream.onWritable();
    }
    this.onAbort();
  }

  /**
   * The session moved to a new path: restart RTT, congestion state and the path's packet size,
   * resend what is in flight.
   */
  pathChanged(): void {
    this.#sender.recovery.resetPath();
    this.#sender.newPath();
  }

  /** Sends what the ACK schedule, flow control, congestion window and pacer allow. */
  flush(): void {
    if (!this.#closed) this.#sender.flush();
  }

  /**
   * Takes one received frame; `pn` is the packet's order count, `authenticated` whether a plugin
   * authenticated the packet (`PacketContext.authenticated`). Throws `DecodeError` for a malformed
   * frame, which is then not acknowledged.
   */
  handle(type: number, pn: number, payload: Uint8Array, authenticated = false): void {
    if (this.#closed) return;
    if (authenticated) this.#framesAuthenticated = true;
    else this.#framesAuthenticated ??= false;
    const now = this.#wire.now();
    if (type === FrameType.ACK) {
      this.#sender.onAck(payload, now);
      return this.#sender.acks.onOther(pn);
    }
    const ackNow = this.#apply(type, payload);
    this.#sender.acks.onPacket(pn, now, ackNow === true || type === FrameType.PING);
  }

  /**
   * A packet of the session that is not a frame of this plugin was taken (a heartbeat, a path
   * probe): ACKs list its number too, so that it leaves no gap (docs/PROTOCOL.md §5.1). Only once a
   * frame arrived, and once frames arrive authenticated only an `authenticated` packet: a forged
   * one must never make an ACK claim a number this side did not get.
   */
  noteOther(pn: number, authenticated: boolean): void {
    const sealed = this.#framesAuthenticated;
    if (this.#closed || sealed === undefined || (sealed && !authenticated)) return;
    this.#sender.acks.onOther(pn);
  }

  /** Applies a frame; returns true when it asks for an immediate ACK. */
  #apply(type: number, payload: Uint8Array): boolean | void {
    switch (type) {
      case FrameType.STREAM: {
        const frame = decodeStream(payload);
        return this.#receiver.data(this.#streamFor(frame.id, "receive"), frame);
      }
      case FrameType.RESET_STREAM: {
        const frame = decodeReset(payload);
        return this.#receiver.reset(this.#streamFor(frame.id, "receive"), frame);
      }
      case FrameType.STOP_SENDING: {
        const { id, code } = decodeStop(payload);
        const stream = this.#streamFor(id, "send");
        if (!stream || stream.stopByPeer !== undefined) return;
        stream.stopByPeer = code;
        this.reset(stream, code);
        return stream.onWritable();
      }
      case FrameType.MAX_DATA: {
        const limit = decodeLimit(payload);
        if (limit <= this.#sendMax) return;
        this.#sendMax = limit;
        for (const stream of this.#streams.values()) {
          if (stream.send.next < stream.send.written) this.#sender.schedule(stream);
        }
        return;
      }
      case FrameType.MAX_STREAM_DATA: {
        const { id, limit } = decodeStreamLimit(payload);
        const stream = this.#streamFor(id, "send");
        if (!stream || limit <= stream.send.maxData) return;
        stream.send.maxData = limit;
        return this.#sender.schedule(stream);
      }
      case FrameType.MAX_STREAMS: {
        const { uni, count } = decodeStreamCount(payload);
        if (this.#credit(uni).raise(count)) this.onCredit(uni);
        return;
      }
      case FrameType.STREAMS_BLOCKED: {
        const { uni } = decodeStreamCount(payload);
        const credit = this.#credit(uni);
        if (credit.peerAllowed > credit.announced) {
          this.#sender.control(FrameType.MAX_STREAMS, uni ? 1 : 0);
        }
        return;
      }
      case FrameType.DATAGRAM:
        return this.onDatagram(payload.slice());
    }
  }

  /**
   * The stream `id` names for a frame that acts on the half we `receive` on or `send` on; opens
   * it (and every lower one of its kind not yet open, RFC 9000 §3.2) when the peer starts a new
   * one. `undefined` when the stream is over (the frame is ignored) or the frame breaks the
   * protocol (the session then ends): a half the stream does not have, a stream of ours never
   * opened, or one of the peer's past the stream limit.
   */
  #streamFor(id: number, half: "receive" | "send"): StreamState | undefined {
    const ours = isClientStream(id) === this.#client;
    const uni = isUniStream(id);
    if (uni && ours === (half === "receive")) {
      this.#wire.fail(`Stream ${id}: a frame for the half a unidirectional stream does not have`);
      return undefined;
    }
    const known = this.#streams.get(id);
    if (known) return known;
    const credit = this.#credit(uni);
    const index = streamIndex(id);
    if (ours) {
      if (index >= credit.opened) this.#wire.fail(`Stream ${id}: this side never opened it`);
      return undefined;
    }
    if (index < credit.peerOpened) return undefined;
    if (index >= credit.peerAllowed) {
      this.#wire.fail(
        `Stream ${id}: past the limit of ${credit.peerAllowed} ${
          uni ? "unidirectional" : "bidirectional"
        } streams`,
      );
      return undefined;
    }
    for (let i = credit.peerOpened; i <= index; i++) {
      this.onStream(this.#create(streamId(i, uni, this.#client)));
    }
    credit.peerOpened = index + 1;
    return this.#streams.get(id);
  }

  #maybeForget(stream: StreamState): void {
    if (!stream.sendDone || !stream.recvDone || this.#streams.get(stream.id) !== stream) return;
    this.#streams.delete(stream.id);
    this.#sender.unschedule(stream);
    if (isClientStream(stream.id) === this.#client) return;
    const uni = isUniStream(stream.id);
    const credit = this.#credit(uni);
    credit.peerClosed++;
    if (credit.announceDue) this.#sender.control(FrameType.MAX_STREAMS, uni ? 1 : 0);
  }
}
