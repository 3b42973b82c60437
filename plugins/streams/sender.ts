/**
 * The sending side of a stream connection: what leaves when (ACK schedule, control frames,
 * datagrams, stream data by priority), under the congestion window and the pacer, how large
 * (path MTU discovery), and what comes back of it (ACKs, losses, probe timeouts), and what becomes
 * of each sent frame once it is acknowledged or lost. The connection owns the streams and the
 * flow credit and lends them through `SenderHost`.
 *
 * @module
 */
import { HEADER_SIZE } from "../../core/packet.ts";
import { AckTracker } from "./ack_tracker.ts";
import { LossRecovery, Pacer, type SentPacket } from "../../reliability/mod.ts";
import { controlPayload, ControlQueue, type ControlSource } from "./control_queue.ts";
import { decodeAck, FrameType, STREAM_HEADER_SIZE, writeStreamHeader } from "./frames.ts";
import type { StreamsConfig } from "./options.ts";
import { PathCongestion } from "./path_congestion.ts";
import { PathMtu } from "./path_mtu.ts";
import { PayloadPool } from "./payload_pool.ts";
import { StreamScheduler } from "./scheduler.ts";
import type { StreamState } from "./stream.ts";
import type { Wire } from "./wire.ts";

/** What one packet of this plugin carried (one frame per packet), to act on its ACK or loss. */
export interface SentFrame {
  /** Frame type. */
  kind: number;
  /** Stream ID, for stream frames. */
  stream: number;
  /** Stream offset, for STREAM frames. */
  offset: number;
  /** Data bytes, for STREAM frames. */
  length: number;
  /** FIN, for STREAM frames. */
  fin: boolean;
  /** The packet's size on the wire (path MTU discovery tells losses of large packets apart). */
  bytes: number;
}

/** Losses of packets above the base size, none of that size acknowledged: a black hole (RFC 8899). */
const BLACK_HOLE_EVENTS = 3;

/** What the sender borrows from its connection. */
export interface SenderHost extends ControlSource {
  /** Session flow credit left for new bytes. */
  credit(): number;
  /** `bytes` new bytes were sent. */
  spent(bytes: number): void;
  /** A frame of `stream` was acknowledged: forget the stream if both halves are done. */
  settled(stream: StreamState): void;
}

/** Packet scheduling and loss recovery of one connection. */
export class Sender {
  /** Loss recovery, RTT and congestion state. */
  readonly recovery: LossRecovery<SentFrame>;
  /** The receive side's ACK schedule. */
  readonly acks: AckTracker;
  /** Packets sent. */
  packetsSent = 0;
  /** Stream bytes sent, retransmissions included. */
  bytesSent = 0;
  /** The path's packet size and the search for a larger one. */
  readonly mtu: PathMtu;
  readonly #wire: Wire;
  readonly #config: StreamsConfig;
  readonly #host: SenderHost;
  readonly #cc: PathCongestion;
  #pacer: Pacer;
  readonly #control = new ControlQueue();
  readonly #active = new StreamScheduler();
  readonly #datagrams: Uint8Array[] = [];
  readonly #overhead: number;
  readonly #payloads: PayloadPool;
  #probes = 0;
  #lossArmed: number | undefined;
  #ackArmed: number | undefined;
  #mtuArmed: number | undefined;
  /** ACKs or timeouts that declared packets above the base size lost, none of them acknowledged. */
  #largeLost = 0;
  #closed = false;

  /** Builds the sender of one connection. */
  constructor(wire: Wire, config: StreamsConfig, host: SenderHost) {
    this.#wire = wire;
    this.#config = config;
    this.#host = host;
    this.#overhead = HEADER_SIZE + config.overhead;
    this.acks = new AckTracker(config.ackEvery, config.maxAckDelay, 32);
    this.mtu = new PathMtu(config.packetSize, config.maxPacketSize);
    this.#cc = new PathCongestion(config.congestion, config.packetSize);
    this.recovery = new LossRecovery<SentFrame>(this.#cc, config.initialRtt, config.maxAckDelay);
    this.#pacer = new Pacer(10 * config.packetSize);
    this.#payloads = new PayloadPool(config.maxFrame);
  }

  /** `stream` may have something to send. */
  schedule(stream: StreamState): void {
    this.#active.add(stream);
  }

  /** `stream` has nothing more to send. */
  unschedule(stream: StreamState): void {
    this.#active.delete(stream);
  }

  /** `stream`'s priority changed. */
  reprioritize(stream: StreamState): void {
    this.#active.refile(stream);
  }

  /** The largest frame payload on the path now. */
  get maxFrame(): number {
    return this.mtu.size - this.#overhead;
  }

  /** Queues a control frame, built from current state when it leaves. */
  control(kind: number, stream: number): void {
    this.#control.add(kind, stream);
  }

  /** Queues a datagram; false when it is too large or the queue is full. */
  datagram(data: Uint8Array): boolean {
    if (
      data.length > this.maxFrame || this.#datagrams.length >= this.#config.datagramQueue
    ) {
      return false;
    }
    this.#datagrams.push(data);
    return true;
  }

  /** A new path: packet size from the base again, and two probes on the next flush. */
  newPath(): void {
    this.mtu.restart();
    this.#resized();
    this.#probes = 2;
  }

  /** Drops everything queued and sends nothing more (the session closed). */
  clear(): void {
    this.#closed = true;
    this.#active.clear();
    this.#datagrams.length = 0;
  }

  /** Processes an ACK frame received at `now`. */
  onAck(payload: Uint8Array, now: number): void {
    const frame = decodeAck(payload);
    const update = this.recovery.onAck(frame.ranges, frame.delayMicros / 1000, now);
    for (const packet of update.acked) this.#delivered(packet);
    for (const packet of update.lost) this.#lost(packet);
    if (this.mtu.onAck(frame.ranges, now)) this.#resized();
    this.#watchBlackHole(update.acked, update.lost);
  }

  /**
   * A black hole (RFC 8899 §4.3): packets above the base size are lost while smaller ones still
   * get through. Each ACK or loss timeout that declares such packets lost and acknowledges none of
   * them counts once (a burst lost to congestion counts once, and the next ACK of a large packet
   * clears the count); `BLACK_HOLE_EVENTS` in a row send the size back to the base.
   */
  #watchBlackHole(acked: SentPacket<SentFrame>[], lost: SentPacket<SentFrame>[]): void {
    const base = this.#config.packetSize;
    if (this.mtu.size <= base) return;
    if (acked.some((packet) => packet.frames.bytes > base)) this.#largeLost = 0;
    else if (lost.some((packet) => packet.frames.bytes > base)) this.#largeLost++;
    if (this.#largeLost >= BLACK_HOLE_EVENTS) this.#fellIntoBlackHole();
  }

  #fellIntoBlackHole(): void {
    this.#largeLost = 0;
    if (this.mtu.blackHole()) this.#resized();
  }

  /** The packet size changed: congestion control and pacing start over in packets of that size. */
  #resized(): void {
    this.#cc.resize(this.mtu.size);
    this.#pacer = new Pacer(10 * this.mtu.size);
    this.#largeLost = 0;
  }

  /** Sends everything the ACK schedule, flow control, congestion window and pacer allow. */
  flush(): void {
    if (this.#closed) return;
    const now = this.#wire.now();
    if (this.acks.due(now)) this.#wire.send(FrameType.ACK, 0, this.acks.build(now));
    this.#sendControl(now);
    this.#sendQueued(now);
    this.#sendMtuProbe(now);
    if (this.#probes > 0) {
      // A probe timeout with nothing new to send: repeat the oldest frame in flight, or PING.
      const oldest = this.recovery.oldest();
      if (oldest) this.#lost(oldest);
      this.#sendControl(now);
      this.#sendQueued(now);
      // Nothing left (the oldest was a datagram, a PING, or a control frame that is moot now, such
      // as MAX_STREAM_DATA for a stream that has ended): a PING, or no ACK would ever come back.
      if (this.#probes > 0) {
        this.#control.add(FrameType.PING, 0);
        this.#sendControl(now);
      }
      this.#probes = 0;
    }
    const ackAt = this.acks.deadline;
    if (ackAt !== undefined && ackAt !== this.#ackArmed) {
      this.#ackArmed = ackAt;
      this.#wire.setTimer("streams:ack", ackAt, () => {
        this.#ackArmed = undefined;
        this.flush();
      });
    }
    this.#armLoss();
    this.#armMtu();
  }

  #sendControl(now: number): void {
    for (let item = this.#control.next(); item; item = this.#control.next()) {
      const payload = controlPayload(item.kind, item.stream, this.#host);
      if (payload) this.#transmit(now, item.kind, item.stream, payload, 0, 0, false);
    }
  }

  /**
   * A path MTU probe: a PING padded to the size being tried. It is not tracked as in flight (its
   * loss says nothing of congestion, RFC 8899 §3) and may exceed the window; one at a time.
   */
  #sendMtuProbe(now: number): void {
    const size = this.mtu.due(now);
    if (size === undefined) return;
    const pn = this.#wire.send(FrameType.PING, 0, new Uint8Array(size - this.#overhead));
    this.packetsSent++;
    this.mtu.sent(pn, size, now + this.recovery.rtt.pto(this.#config.maxAckDelay));
  }

  #armMtu(): void {
    const at = this.mtu.deadline;
    if (at === undefined || at === this.#mtuArmed) return;
    this.#mtuArmed = at;
    this.#wire.setTimer("streams:pmtu", at, () => {
      this.#mtuArmed = undefined;
      this.mtu.onTimeout(this.#wire.now());
      this.flush();
    });
  }

  #sendQueued(now: number): void {
    while (this.#datagrams.length > 0) {
      const data = this.#datagrams[0]!;
      if (!this.#allowed(now, this.#overhead + data.length)) return;
      this.#datagrams.shift();
      this.#transmit(now, FrameType.DATAGRAM, 0, data, 0, 0, false);
    }
    for (;;) {
      const stream = this.#active.next();
      if (stream === undefined) return;
      const send = stream.send;
      const plan = send.plan(this.maxFrame - STREAM_HEADER_SIZE, this.#host.credit());
      if (!plan) {
        this.#active.delete(stream);
        continue;
      }
      const size = this.#overhead + STREAM_HEADER_SIZE + plan.length;
      if (!this.#allowed(now, size)) return;
      send.sent(plan);
      if (plan.fresh) this.#host.spent(plan.length);
      // By priority; an incremental stream goes to the back of its urgency's turn.
      if (send.wants(this.#host.credit())) this.#active.sent(stream);
      else this.#active.delete(stream);
      // Ask for an ACK at once when nothing else is queued (the application paused, or the
      // stream ended) or this is a probe: the receiver's delayed-ACK timer would only add latency.
      // (Asking whenever the window is full measured 2-3x slower on loopback: an ACK per packet.)
      const ackNow = this.#probes > 0 || this.#active.size === 0;
      const slot = this.#payloads.take();
      const payload = new Uint8Array(slot.bytes.buffer, 0, STREAM_HEADER_SIZE + plan.length);
      writeStreamHeader(payload, stream.id, plan.offset, plan.fin, ackNow);
      send.copy(plan.offset, plan.length, payload, STREAM_HEADER_SIZE);
      this.bytesSent += plan.length;
      this.#transmit(
        now,
        FrameType.STREAM,
        stream.id,
        payload,
        plan.offset,
        plan.length,
        plan.fin,
        slot.release,
      );
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
    encoded?: (bytes: Uint8Array) => void,
  ): void {
    const pn = this.#wire.send(kind, 0, payload, encoded);
    this.packetsSent++;
    if (this.#probes > 0) this.#probes--;
    const bytes = this.#overhead + payload.length;
    this.recovery.onSent({
      pn,
      time: now,
      size: bytes,
      ackEliciting: true,
      frames: { kind, stream, offset, length, fin, bytes },
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
    const update = this.recovery.onTimeout(this.#wire.now());
    for (const packet of update.lost) this.#lost(packet);
    this.#watchBlackHole([], update.lost);
    if (update.probe) this.#probes = update.tail ? 1 : 2;
    // Three probe timeouts in a row: a black hole too, if the packets are above the base size
    // (nothing at all comes back, so no ACK declares them lost).
    if (update.probe && this.recovery.ptoCount >= BLACK_HOLE_EVENTS) this.#fellIntoBlackHole();
    this.flush();
  }

  /**
   * The peer acknowledged `packet`: an acknowledged STREAM frame frees send buffer, an
   * acknowledged RESET_STREAM ends the sending half.
   */
  #delivered({ frames: frame }: SentPacket<SentFrame>): void {
    const stream = this.#host.stream(frame.stream);
    if (!stream) return;
    if (frame.kind === FrameType.STREAM) {
      const moved = stream.send.acked(frame.offset, frame.length, frame.fin);
      if (moved || stream.send.done) stream.onWritable();
    } else if (frame.kind === FrameType.RESET_STREAM) {
      stream.resetAcked = true;
    } else return;
    this.#host.settled(stream);
  }

  /**
   * `packet` was declared lost (or is repeated as a probe): a STREAM frame's bytes go back to their
   * stream to be sent again, a control frame is queued again (it is rebuilt from current state),
   * and a DATAGRAM or ACK is gone.
   */
  #lost({ frames: frame }: SentPacket<SentFrame>): void {
    const stream = this.#host.stream(frame.stream);
    switch (frame.kind) {
      case FrameType.STREAM:
        if (!stream || stream.resetSent !== undefined) return;
        stream.send.lost(frame.offset, frame.length, frame.fin);
        this.#active.add(stream);
        return;
      case FrameType.MAX_DATA:
      case FrameType.PING:
        return this.#control.add(frame.kind, 0);
      case FrameType.MAX_STREAMS:
      case FrameType.STREAMS_BLOCKED:
        return this.#control.add(frame.kind, frame.stream);
      case FrameType.MAX_STREAM_DATA:
      case FrameType.RESET_STREAM:
      case FrameType.STOP_SENDING:
        if (stream) this.#control.add(frame.kind, frame.stream);
    }
  }
}
