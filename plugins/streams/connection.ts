/**
 * The sans-IO stream machinery of one session: streams with flow control, ACKs, loss recovery,
 * congestion control and pacing. Frames come in through `handle()`; packets go out through the
 * `Wire` during `flush()`; time is `wire.now()` and deadlines are `wire.setTimer()`.
 *
 * Call order: `handle()` for each received frame, then `flush()`; `flush()` again after each
 * application call (`write`, `finish`, `reset`, `read`, …). Timers call `flush()` themselves.
 *
 * @module
 */
import { AckTracker } from "./ack_tracker.ts";
import {
  decodeAck,
  decodeCode,
  decodeLimit,
  decodeReset,
  decodeStream,
  encodeCode,
  encodeLimit,
  encodeReset,
  FrameType,
  STREAM_HEADER_SIZE,
  writeStreamHeader,
} from "./frames.ts";
import { HEADER_SIZE } from "../../core/packet.ts";
import { INITIAL_MAX_DATA, INITIAL_MAX_STREAM_DATA, type StreamsConfig } from "./options.ts";
import { Pacer } from "./congestion.ts";
import { RangeSet } from "./range_set.ts";
import { Recovery, type SentPacket } from "./recovery.ts";
import { isClientStream, StreamState } from "./stream.ts";
import { ControlQueue } from "./control_queue.ts";

/** What a connection needs from its session. */
export interface Wire {
  /** The current time in ms. */
  now(): number;
  /** Sends one frame as a packet; returns the packet's order count (its packet number). */
  send(type: number, customId: number, payload: Uint8Array): number;
  /** Sets (or replaces) the timer called `name`. */
  setTimer(name: string, at: number, fire: () => void): void;
  /** The peer broke the protocol: end the session with this reason. */
  fail(reason: string): void;
}

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

const EMPTY = new Uint8Array(0);

/** Streams, flow control and recovery for one session. */
export class StreamConnection {
  /** Called for each stream the peer opens. */
  onStream: (stream: StreamState) => void = () => {};
  /** Called for each datagram received. */
  onDatagram: (data: Uint8Array) => void = () => {};
  readonly recovery: Recovery;
  readonly #wire: Wire;
  readonly #config: StreamsConfig;
  readonly #acks: AckTracker;
  readonly #pacer: Pacer;
  readonly #control = new ControlQueue();
  readonly #streams = new Map<number, StreamState>();
  readonly #active = new Set<StreamState>();
  readonly #peerSeen = new RangeSet();
  readonly #datagrams: Uint8Array[] = [];
  readonly #overhead: number;
  #nextId: number;
  #sendMax = INITIAL_MAX_DATA;
  #sentSum = 0;
  #recvMax = INITIAL_MAX_DATA;
  #recvSum = 0;
  #consumed = 0;
  #probes = 0;
  #lossArmed: number | undefined;
  #closed = false;
  #packetsSent = 0;
  #bytesSent = 0;

  /** @param client whether this side is the client (it opens even stream IDs) */
  constructor(wire: Wire, config: StreamsConfig, client: boolean) {
    this.#wire = wire;
    this.#config = config;
    this.#nextId = client ? 0 : 1;
    this.#overhead = HEADER_SIZE + config.overhead;
    this.#acks = new AckTracker(config.ackEvery, config.maxAckDelay, 32);
    this.recovery = new Recovery(
      config.congestion(config.packetSize),
      config.initialRtt,
      config.maxAckDelay,
    );
    this.#pacer = new Pacer(10 * config.packetSize);
  }

  /** Counters. */
  get stats(): ConnectionStats {
    let bufferedOut = 0;
    let bufferedIn = 0;
    for (const stream of this.#streams.values()) {
      bufferedOut += stream.send.buffered;
      bufferedIn += stream.recv.buffered;
    }
    return {
      bufferedOut,
      bufferedIn,
      packetsSent: this.#packetsSent,
      packetsLost: this.recovery.lostCount,
      bytesSent: this.#bytesSent,
      rtt: this.recovery.rtt.smoothed,
      window: this.recovery.cc.window,
    };
  }

  /** Streams open now. */
  get streamCount(): number {
    return this.#streams.size;
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
    const stream = new StreamState(
      id,
      INITIAL_MAX_STREAM_DATA,
      this.#config.streamWindow,
      INITIAL_MAX_STREAM_DATA,
    );
    this.#streams.set(id, stream);
    return stream;
  }

  /** Queues bytes on a stream. */
  write(stream: StreamState, data: Uint8Array): void {
    if (stream.send.finished || stream.resetSent !== undefined) return;
    stream.send.write(data);
    this.#active.add(stream);
  }

  /** Ends a stream's sending half after what was written (FIN). */
  finish(stream: StreamState): void {
    if (stream.send.finished || stream.resetSent !== undefined) return;
    stream.send.finished = true;
    this.#active.add(stream);
  }

  /** Abandons a stream's sending half (RESET_STREAM with `code`). */
  reset(stream: StreamState, code: number): void {
    if (stream.resetSent !== undefined || stream.send.done) return;
    stream.resetSent = code;
    stream.send.discard();
    this.#active.delete(stream);
    this.#control.add(FrameType.RESET_STREAM, stream.id);
  }

  /** Reads the next bytes of a stream, or `undefined` when none are ready. */
  read(stream: StreamState): Uint8Array | undefined {
    const chunk = stream.recv.read();
    if (chunk === undefined) return undefined;
    this.#consumed += chunk.length;
    if (stream.recv.windowUpdate() !== undefined) {
      this.#control.add(FrameType.MAX_STREAM_DATA, stream.id);
    }
    if (this.#recvMax - this.#consumed < this.#config.sessionWindow / 2) {
      this.#recvMax = this.#consumed + this.#config.sessionWindow;
      this.#control.add(FrameType.MAX_DATA, 0);
    }
    this.#maybeForget(stream);
    return chunk;
  }

  /** Stops reading a stream (STOP_SENDING with `code`); unread bytes are dropped. */
  stopSending(stream: StreamState, code: number): void {
    if (stream.stopSent !== undefined || stream.recvDone) return;
    stream.stopSent = code;
    this.#consumed += stream.recv.discard();
    this.#control.add(FrameType.STOP_SENDING, stream.id);
    this.#maybeForget(stream);
  }

  /** Queues an unreliable datagram; false when it is too large or the queue is full. */
  sendDatagram(data: Uint8Array): boolean {
    if (
      data.length > this.#config.maxFrame || this.#datagrams.length >= this.#config.datagramQueue
    ) {
      return false;
    }
    this.#datagrams.push(data);
    return true;
  }

  /** The largest datagram `sendDatagram` accepts. */
  get maxDatagramSize(): number {
    return this.#config.maxFrame;
  }

  /** Ends every stream with `error` (the session closed). */
  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.values()) {
      stream.onReadable();
      stream.onWritable();
    }
    this.#streams.clear();
    this.#active.clear();
  }

  /** Whether the session is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The session moved to a new path: restart RTT and congestion state, resend what is in flight. */
  pathChanged(): void {
    this.recovery.resetPath();
    this.#probes = 2;
  }

  /** Takes one received frame; `pn` is the packet's order count. */
  handle(type: number, id: number, pn: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const now = this.#wire.now();
    if (type === FrameType.ACK) return this.#onAck(payload, now);
    this.#acks.onPacket(pn, now);
    switch (type) {
      case FrameType.STREAM:
        return this.#onStream(id, payload);
      case FrameType.RESET_STREAM:
        return this.#onReset(id, payload);
      case FrameType.STOP_SENDING: {
        const stream = this.#peerStream(id);
        if (!stream || stream.stopByPeer !== undefined) return;
        stream.stopByPeer = decodeCode(payload);
        this.reset(stream, stream.stopByPeer);
        return stream.onWritable();
      }
      case FrameType.MAX_DATA: {
        const limit = decodeLimit(payload);
        if (limit <= this.#sendMax) return;
        this.#sendMax = limit;
        for (const stream of this.#streams.values()) {
          if (stream.send.next < stream.send.written) this.#active.add(stream);
        }
        return;
      }
      case FrameType.MAX_STREAM_DATA: {
        const stream = this.#peerStream(id);
        const limit = decodeLimit(payload);
        if (!stream || limit <= stream.send.maxData) return;
        stream.send.maxData = limit;
        this.#active.add(stream);
        return;
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

  #onStream(id: number, payload: Uint8Array): void {
    const frame = decodeStream(payload);
    const stream = this.#peerStream(id);
    if (!stream) return;
    if (stream.stopSent !== undefined || stream.resetByPeer !== undefined) return;
    const result = stream.recv.receive(frame.offset, frame.data, frame.fin);
    if (!result.ok) return this.#wire.fail(`Stream ${id}: ${result.error}`);
    this.#recvSum += result.grew;
    if (this.#recvSum > this.#recvMax) {
      return this.#wire.fail(
        `Session flow control: ${this.#recvSum} bytes past the limit ${this.#recvMax}`,
      );
    }
    if (result.readable) stream.onReadable();
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
    const grew = frame.finalSize - recv.highest;
    this.#recvSum += grew;
    recv.highest = frame.finalSize;
    recv.finalSize = frame.finalSize;
    this.#consumed += recv.discard() + grew;
    stream.resetByPeer = frame.code;
    stream.onReadable();
    this.#maybeForget(stream);
  }

  #onAck(payload: Uint8Array, now: number): void {
    const frame = decodeAck(payload);
    const update = this.recovery.onAck(frame.ranges, frame.delayMicros / 1000, now);
    for (const packet of update.acked) this.#delivered(packet);
    for (const packet of update.lost) this.#lost(packet);
  }

  #delivered(packet: SentPacket): void {
    const stream = this.#streams.get(packet.stream);
    if (!stream) return;
    if (packet.kind === FrameType.STREAM) {
      const moved = stream.send.acked(packet.offset, packet.length, packet.fin);
      if (moved || stream.send.done) stream.onWritable();
    } else if (packet.kind === FrameType.RESET_STREAM) {
      stream.resetAcked = true;
    } else return;
    this.#maybeForget(stream);
  }

  #lost(packet: SentPacket): void {
    const stream = this.#streams.get(packet.stream);
    switch (packet.kind) {
      case FrameType.STREAM:
        if (!stream || stream.resetSent !== undefined) return;
        stream.send.lost(packet.offset, packet.length, packet.fin);
        this.#active.add(stream);
        return;
      case FrameType.MAX_DATA:
      case FrameType.PING:
        return this.#control.add(packet.kind, 0);
      case FrameType.MAX_STREAM_DATA:
      case FrameType.RESET_STREAM:
      case FrameType.STOP_SENDING:
        if (stream) this.#control.add(packet.kind, packet.stream);
    }
  }

  #maybeForget(stream: StreamState): void {
    if (stream.sendDone && stream.recvDone && this.#streams.get(stream.id) === stream) {
      this.#streams.delete(stream.id);
      this.#active.delete(stream);
    }
  }

  /** Sends everything the ACK schedule, flow control, congestion window and pacer allow. */
  flush(): void {
    if (this.#closed) return;
    const now = this.#wire.now();
    if (this.#acks.due(now)) this.#wire.send(FrameType.ACK, 0, this.#acks.build(now));
    this.#sendControl(now);
    this.#sendData(now);
    if (this.#acks.deadline !== undefined) {
      this.#wire.setTimer("streams:ack", this.#acks.deadline, () => this.flush());
    }
    this.#armLoss();
  }

  #sendControl(now: number): void {
    for (let item = this.#control.next(); item; item = this.#control.next()) {
      const stream = this.#streams.get(item.stream);
      let payload: Uint8Array;
      switch (item.kind) {
        case FrameType.MAX_DATA:
          payload = encodeLimit(this.#recvMax);
          break;
        case FrameType.MAX_STREAM_DATA:
          if (!stream || stream.recvDone) continue;
          payload = encodeLimit(stream.recv.maxData);
          break;
        case FrameType.RESET_STREAM:
          if (!stream || stream.resetSent === undefined || stream.resetAcked) continue;
          payload = encodeReset({ code: stream.resetSent, finalSize: stream.send.next });
          break;
        case FrameType.STOP_SENDING:
          if (!stream || stream.stopSent === undefined) continue;
          payload = encodeCode(stream.stopSent);
          break;
        default:
          payload = EMPTY;
      }
      this.#transmit(now, item.kind, item.stream, payload, 0, 0, false);
    }
  }

  #sendData(now: number): void {
    this.#sendQueued(now);
    if (this.#probes === 0) return;
    // A probe timeout with nothing new to send: repeat the oldest frame in flight, or PING.
    const oldest = this.recovery.oldest();
    if (oldest) this.#lost(oldest);
    if (!oldest || oldest.kind === FrameType.DATAGRAM || oldest.kind === FrameType.PING) {
      this.#control.add(FrameType.PING, 0);
    }
    this.#sendControl(now);
    this.#sendQueued(now);
    this.#probes = 0;
  }

  #sendQueued(now: number): void {
    while (this.#datagrams.length > 0) {
      const data = this.#datagrams[0]!;
      if (!this.#allowed(now, this.#overhead + data.length)) return;
      this.#datagrams.shift();
      this.#transmit(now, FrameType.DATAGRAM, 0, data, 0, 0, false);
    }
    for (;;) {
      const stream: StreamState | undefined = this.#active.values().next().value;
      if (stream === undefined) return;
      const send = stream.send;
      const plan = send.plan(this.#config.maxStreamData, this.#sendMax - this.#sentSum);
      if (!plan) {
        this.#active.delete(stream);
        continue;
      }
      if (!this.#allowed(now, this.#overhead + STREAM_HEADER_SIZE + plan.length)) return;
      const payload = new Uint8Array(STREAM_HEADER_SIZE + plan.length);
      writeStreamHeader(payload, plan.offset, plan.fin);
      send.copy(plan.offset, plan.length, payload, STREAM_HEADER_SIZE);
      send.sent(plan);
      if (plan.fresh) this.#sentSum += plan.length;
      this.#bytesSent += plan.length;
      this.#transmit(now, FrameType.STREAM, stream.id, payload, plan.offset, plan.length, plan.fin);
      // Round robin: the stream goes to the back of the queue if it has more to send.
      this.#active.delete(stream);
      if (send.wants(this.#sendMax - this.#sentSum)) this.#active.add(stream);
    }
  }

  /** Whether a packet of `size` may leave now; arms the pacing timer when it must wait. */
  #allowed(now: number, size: number): boolean {
    if (this.#probes > 0) return true;
    const { cc, rtt } = this.recovery;
    if (this.recovery.bytesInFlight + size > cc.window) return false;
    const at = this.#pacer.schedule(now, size, cc.window, rtt.smoothed);
    if (at <= now) return true;
    this.#wire.setTimer("streams:pace", at, () => this.flush());
    return false;
  }

  #transmit(
    now: number,
    kind: number,
    stream: number,
    payload: Uint8Array,
    offset: number,
    length: number,
    fin: boolean,
  ): void {
    const pn = this.#wire.send(kind, stream, payload);
    this.#packetsSent++;
    if (this.#probes > 0) this.#probes--;
    this.recovery.onSent({
      pn,
      time: now,
      size: this.#overhead + payload.length,
      ackEliciting: true,
      kind,
      stream,
      offset,
      length,
      fin,
    });
  }

  #armLoss(): void {
    const at = this.recovery.timerAt();
    if (at === undefined || (this.#lossArmed !== undefined && this.#lossArmed <= at)) return;
    this.#lossArmed = at;
    this.#wire.setTimer("streams:loss", at, () => this.#onLossTimer());
  }

  #onLossTimer(): void {
    this.#lossArmed = undefined;
    if (this.#closed) return;
    const now = this.#wire.now();
    const update = this.recovery.onTimeout(now);
    for (const packet of update.lost) this.#lost(packet);
    if (update.probe) this.#probes = 2;
    this.flush();
  }
}
