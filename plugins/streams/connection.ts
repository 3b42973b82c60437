/**
 * The sans-IO stream machinery of one session: streams with flow control per stream and per
 * session, over the `Sender` (ACKs, loss recovery, congestion control, pacing) and the `Receiver`
 * (stream data and session flow control on receipt). Frames come in through `handle()`; packets go
 * out through the `Wire` during `flush()`; time is `wire.now()` and deadlines are
 * `wire.setTimer()`.
 *
 * Call order: `handle()` for each received frame, then `flush()`; `flush()` again after each
 * application call (`write`, `finish`, `reset`, `read`, …). Timers call `flush()` themselves.
 *
 * @module
 */
import { type ConnectionStats, connectionStats } from "./connection_stats.ts";
import { decodeCode, decodeLimit, decodeReset, decodeStream, FrameType } from "./frames.ts";
import { INITIAL_MAX_DATA, INITIAL_MAX_STREAM_DATA, type StreamsConfig } from "./options.ts";
import { type LossRecovery, RangeSet } from "../../reliability/mod.ts";
import { Receiver } from "./receiver.ts";
import { Sender, type SentFrame } from "./sender.ts";
import { isClientStream, StreamState } from "./stream.ts";
import type { Wire } from "./wire.ts";

/** Streams, flow control and recovery for one session. */
export class StreamConnection {
  /** Called for each stream the peer opens. */
  onStream: (stream: StreamState) => void = () => {};
  /** Called for each datagram received. */
  onDatagram: (data: Uint8Array) => void = () => {};
  readonly #wire: Wire;
  readonly #config: StreamsConfig;
  readonly #sender: Sender;
  readonly #receiver: Receiver;
  readonly #streams = new Map<number, StreamState>();
  readonly #peerSeen = new RangeSet();
  #nextId: number;
  #sendMax = INITIAL_MAX_DATA;
  #sentSum = 0;
  #closed = false;

  /** @param client whether this side is the client (it opens even stream IDs) */
  constructor(wire: Wire, config: StreamsConfig, client: boolean) {
    this.#wire = wire;
    this.#config = config;
    this.#nextId = client ? 0 : 1;
    const settled = (stream: StreamState) => this.#maybeForget(stream);
    this.#sender = new Sender(wire, config, {
      stream: (id) => this.#streams.get(id),
      credit: () => this.#sendMax - this.#sentSum,
      spent: (bytes) => void (this.#sentSum += bytes),
      recvLimit: () => this.#receiver.limit,
      settled,
    });
    this.#receiver = new Receiver(wire, this.#sender, config.sessionWindow, settled);
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

  /** The largest datagram `sendDatagram` accepts. */
  get maxDatagramSize(): number {
    return this.#config.maxFrame;
  }

  /** Opens a stream of our own. Throws `RangeError` when the 16-bit ID space is used up. */
  openStream(): StreamState {
    if (this.#nextId > 0xffff) {
      throw new RangeError(
        "Cannot open another stream: this session used all 32,768 IDs; open a new session",
      );
    }
    const stream = this.#create(this.#nextId);
    this.#nextId += 2;
    return stream;
  }

  #create(id: number): StreamState {
    const { streamWindow } = this.#config;
    const stream = new StreamState(
      id,
      INITIAL_MAX_STREAM_DATA,
      streamWindow,
      INITIAL_MAX_STREAM_DATA,
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
  }

  /** The session moved to a new path: restart RTT and congestion state, resend what is in flight. */
  pathChanged(): void {
    this.#sender.recovery.resetPath();
    this.#sender.probe();
  }

  /** Sends what the ACK schedule, flow control, congestion window and pacer allow. */
  flush(): void {
    if (!this.#closed) this.#sender.flush();
  }

  /**
   * Takes one received frame; `pn` is the packet's order count. Throws `DecodeError` for a
   * malformed frame, which is then not acknowledged.
   */
  handle(type: number, id: number, pn: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const now = this.#wire.now();
    if (type === FrameType.ACK) {
      this.#sender.onAck(payload, now);
      return this.#sender.acks.onOther(pn);
    }
    const ackNow = this.#apply(type, id, payload);
    this.#sender.acks.onPacket(pn, now, ackNow === true || type === FrameType.PING);
  }

  /** Applies a frame; returns true when it asks for an immediate ACK. */
  #apply(type: number, id: number, payload: Uint8Array): boolean | void {
    switch (type) {
      case FrameType.STREAM: {
        const frame = decodeStream(payload);
        return this.#receiver.data(this.#peerStream(id), frame);
      }
      case FrameType.RESET_STREAM: {
        const frame = decodeReset(payload);
        return this.#receiver.reset(this.#peerStream(id), frame);
      }
      case FrameType.STOP_SENDING: {
        const code = decodeCode(payload);
        const stream = this.#peerStream(id);
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
        const limit = decodeLimit(payload);
        const stream = this.#peerStream(id);
        if (!stream || limit <= stream.send.maxData) return;
        stream.send.maxData = limit;
        return this.#sender.schedule(stream);
      }
      case FrameType.DATAGRAM:
        return this.onDatagram(payload.slice());
    }
  }

  /** The stream `id` names, opening it when the peer starts a new one; `undefined` if it is over. */
  #peerStream(id: number): StreamState | undefined {
    const known = this.#streams.get(id);
    if (known) return known;
    const ours = isClientStream(id) === isClientStream(this.#nextId);
    if (ours || this.#peerSeen.has(id)) return undefined;
    this.#peerSeen.add(id, id + 1);
    const stream = this.#create(id);
    this.onStream(stream);
    return stream;
  }

  #maybeForget(stream: StreamState): void {
    if (stream.sendDone && stream.recvDone && this.#streams.get(stream.id) === stream) {
      this.#streams.delete(stream.id);
      this.#sender.unschedule(stream);
    }
  }
}
