/**
 * The sans-IO stream machinery of one session: streams with flow control per stream and per
 * session, over the `Sender` (ACKs, loss recovery, congestion control, pacing). Frames come in
 * through `handle()`; packets go out through the `Wire` during `flush()`; time is `wire.now()` and
 * deadlines are `wire.setTimer()`.
 *
 * Call order: `handle()` for each received frame, then `flush()`; `flush()` again after each
 * application call (`write`, `finish`, `reset`, `read`, …). Timers call `flush()` themselves.
 *
 * @module
 */
import { decodeCode, decodeLimit, decodeReset, decodeStream, FrameType } from "./frames.ts";
import { INITIAL_MAX_DATA, INITIAL_MAX_STREAM_DATA, type StreamsConfig } from "./options.ts";
import { RangeSet } from "./range_set.ts";
import type { Recovery } from "./recovery.ts";
import { Sender, type Wire } from "./sender.ts";
import { isClientStream, StreamState } from "./stream.ts";

export type { Wire } from "./sender.ts";

/** Counters of one connection. */
export interface ConnectionStats {
  /** Packets this connection sent. */
  packetsSent: number;
  /** Packets declared lost. */
  packetsLost: number;
  /** Stream data bytes sent, retransmissions included. */
  bytesSent: number;
  /** Smoothed RTT in ms. */
  rtt: number;
  /** Congestion window in bytes. */
  window: number;
  /** Bytes held for sending: written by the application and not yet acknowledged. */
  bufferedOut: number;
  /** Bytes held on receipt: not yet read by the application. */
  bufferedIn: number;
}

/** Streams, flow control and recovery for one session. */
export class StreamConnection {
  /** Called for each stream the peer opens. */
  onStream: (stream: StreamState) => void = () => {};
  /** Called for each datagram received. */
  onDatagram: (data: Uint8Array) => void = () => {};
  readonly #wire: Wire;
  readonly #config: StreamsConfig;
  readonly #sender: Sender;
  readonly #streams = new Map<number, StreamState>();
  readonly #peerSeen = new RangeSet();
  #nextId: number;
  #sendMax = INITIAL_MAX_DATA;
  #sentSum = 0;
  #recvMax = INITIAL_MAX_DATA;
  #recvSum = 0;
  #consumed = 0;
  #closed = false;

  /** @param client whether this side is the client (it opens even stream IDs) */
  constructor(wire: Wire, config: StreamsConfig, client: boolean) {
    this.#wire = wire;
    this.#config = config;
    this.#nextId = client ? 0 : 1;
    this.#sender = new Sender(wire, config, {
      stream: (id) => this.#streams.get(id),
      credit: () => this.#sendMax - this.#sentSum,
      spent: (bytes) => void (this.#sentSum += bytes),
      recvLimit: () => this.#recvMax,
      settled: (stream) => this.#maybeForget(stream),
    });
  }

  /** Loss recovery, RTT and congestion state. */
  get recovery(): Recovery {
    return this.#sender.recovery;
  }

  /** Counters. */
  get stats(): ConnectionStats {
    let bufferedOut = 0;
    let bufferedIn = 0;
    for (const stream of this.#streams.values()) {
      bufferedOut += stream.send.buffered;
      bufferedIn += stream.recv.buffered;
    }
    const { recovery, packetsSent, bytesSent } = this.#sender;
    return {
      bufferedOut,
      bufferedIn,
      packetsSent,
      packetsLost: recovery.lostCount,
      bytesSent,
      rtt: recovery.rtt.smoothed,
      window: recovery.cc.window,
    };
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
    this.#consume(chunk.length);
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
    this.#consume(stream.recv.discard());
    this.#sender.control(FrameType.STOP_SENDING, stream.id);
    this.#maybeForget(stream);
  }

  #consume(bytes: number): void {
    this.#consumed += bytes;
    if (this.#recvMax - this.#consumed < this.#config.sessionWindow / 2) {
      this.#recvMax = this.#consumed + this.#config.sessionWindow;
      this.#sender.control(FrameType.MAX_DATA, 0);
    }
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
      case FrameType.STREAM:
        return this.#onStream(id, payload);
      case FrameType.RESET_STREAM:
        return this.#onReset(id, payload);
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

  #onStream(id: number, payload: Uint8Array): boolean {
    const frame = decodeStream(payload);
    const stream = this.#peerStream(id);
    if (!stream || stream.resetByPeer !== undefined) return frame.ackNow;
    if (stream.stopSent !== undefined) {
      this.#abandoned(stream, frame.offset + frame.data.length, frame.fin);
      return frame.ackNow;
    }
    const result = stream.recv.receive(frame.offset, frame.data, frame.fin);
    if (!result.ok) {
      this.#wire.fail(`Stream ${id}: ${result.error}`);
      return false;
    }
    this.#recvSum += result.grew;
    if (this.#recvSum > this.#recvMax) {
      this.#wire.fail(
        `Session flow control: ${this.#recvSum} bytes past the limit ${this.#recvMax}`,
      );
      return false;
    }
    if (result.readable) stream.onReadable();
    this.#maybeForget(stream);
    return frame.ackNow;
  }

  #onReset(id: number, payload: Uint8Array): void {
    const frame = decodeReset(payload);
    const stream = this.#peerStream(id);
    if (!stream || stream.resetByPeer !== undefined) return;
    const recv = stream.recv;
    if (
      frame.finalSize < recv.highest ||
      (recv.finalSize !== undefined && recv.finalSize !== frame.finalSize)
    ) {
      return this.#wire.fail(`Stream ${id}: reset with a final size below the data received`);
    }
    this.#recvSum += frame.finalSize - recv.highest;
    recv.highest = frame.finalSize;
    recv.finalSize = frame.finalSize;
    this.#consume(recv.discard());
    stream.resetByPeer = frame.code;
    stream.onReadable();
    this.#maybeForget(stream);
  }

  /** Data for a stream we stopped reading: its bytes count as received and consumed at once. */
  #abandoned(stream: StreamState, end: number, fin: boolean): void {
    const recv = stream.recv;
    if (end > recv.highest) {
      this.#recvSum += end - recv.highest;
      recv.highest = end;
      this.#consume(recv.discard());
    }
    if (fin) recv.finalSize = end;
    this.#maybeForget(stream);
  }

  #maybeForget(stream: StreamState): void {
    if (stream.sendDone && stream.recvDone && this.#streams.get(stream.id) === stream) {
      this.#streams.delete(stream.id);
      this.#sender.unschedule(stream);
    }
  }
}
