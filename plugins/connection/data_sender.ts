/**
 * The sending side of the data plugin, and its `messenger` service. DATA_NOACK leaves at once; a
 * DATA_ACK stays in flight until its ACK, is resent at once on BAD_ACK, or once an ACK arrives for
 * a transmission that left `LOSS_THRESHOLD` or more after its first one (RFC 9002's packet
 * threshold; once per message, like TCP's fast retransmit), on an RFC 6298 timeout otherwise, and
 * fails after `maxRetransmits` or once it would leave the receiver's window. DATA_ACKs in flight
 * are bounded by `maxInFlight`, by 4 MiB and by a NewReno congestion window in bytes (RFC 9002
 * §7) that either kind of loss halves, so that a burst of large messages cannot flood the path or
 * the peer's socket buffer and collapse into timeouts. Messages wait in a queue while the session
 * is not open or the window is full. A re-established session (a new client ID) is another
 * incarnation: what was in flight fails, and the receive window starts again.
 *
 * @module
 */
import { packetSlab } from "../../core/byte_slab.ts";
import { SessionError, TimeoutError } from "../../core/errors.ts";
import type { Messenger, PluginApi } from "../../core/plugin.ts";
import type { SendOptions, Session } from "../../core/session.ts";
import { MAX_HELD_BYTES } from "../../core/transport.ts";
import { checkMessage } from "./_message.ts";
import {
  type DataState,
  fail,
  forget,
  lookup,
  newDataState,
  type Outgoing,
  packetBytes,
  remember,
} from "./data_state.ts";
import type { ResolvedDataOptions } from "./options.ts";
import { ConnectionPacket } from "./packets.ts";

/**
 * How many later transmissions must be acknowledged before an unacknowledged DATA_ACK counts as
 * lost (RFC 9002 §6.1.1's kPacketThreshold: tolerates reordering by up to two packets).
 */
export const LOSS_THRESHOLD = 3;

/**
 * The most DATA_ACK bytes in flight per session, whatever the congestion window: a stream link
 * loses nothing, so its window would grow without bound; this much always fits what the driver
 * holds for a peer that reads slowly (`MAX_HELD_BYTES`).
 */
const MAX_BYTES_IN_FLIGHT = MAX_HELD_BYTES;

/** Queues, sends and resends the messages of every session; it is the `messenger` service. */
export class DataSender implements Messenger {
  readonly #api: PluginApi;
  readonly #opts: ResolvedDataOptions;
  readonly #states = new WeakMap<Session, DataState>();
  readonly #halfWindow: number;
  readonly #randomBytes = new Uint8Array(64);
  #randomAt = 64;

  /** @param opts the plugin's resolved options */
  constructor(api: PluginApi, opts: ResolvedDataOptions) {
    this.#api = api;
    this.#opts = opts;
    this.#halfWindow = opts.window / 2;
  }

  /** The state of `session`, created on first use; a new incarnation fails what was in flight. */
  stateOf(session: Session): DataState {
    let st = this.#states.get(session);
    if (!st) {
      st = newDataState(this.#api.control(session), this.#opts);
      this.#states.set(session, st);
    } else if (st.incarnation !== session.id) {
      st.incarnation = session.id;
      st.received = undefined;
      st.congestion.reset();
      const error = new SessionError(
        "THING_ERR_NOT_CONNECTED",
        `Cannot confirm delivery on session ${session.id}: it was re-established before the ACK came; send again if needed`,
      );
      for (const entry of [...st.inFlight.values()]) fail(st, entry, error);
    }
    return st;
  }

  /** Sends `data` now if the session and window allow, else queues it. */
  send(session: Session, data: Uint8Array, options: SendOptions): Promise<void> {
    const { reliable = true, customId = 0 } = options;
    const invalid = checkMessage(data, customId);
    if (invalid) return Promise.reject(invalid);
    const st = this.stateOf(session);
    if (!reliable && st.queueHead === st.queue.length && this.#canSend(session, st, 0)) {
      st.control.sendPacket({
        type: ConnectionPacket.DATA_NOACK,
        payload: data,
        customId,
      });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Outgoing = {
        data: reliable ? packetSlab.copy(data) : data,
        customId,
        reliable,
        order: -1,
        incarnation: session.id,
        tries: 0,
        sentAt: 0,
        sentSeq: 0,
        keys: [],
        timer: undefined,
        resolve,
        reject,
      };
      if (st.queueHead === st.queue.length && this.#canSend(session, st, heldBytes(entry))) {
        this.#sendNow(session, st, entry);
      } else st.queue.push(entry);
    });
  }

  /** An ACK naming `checksum` arrived; false when it names nothing in flight. */
  acked(session: Session | undefined, checksum: Uint8Array): boolean {
    const st = session && this.#states.get(session);
    const entry = st && lookup(st, checksum);
    if (!session || !st || !entry) return false;
    const now = this.#api.clock.now();
    if (entry.tries === 1) {
      const rtt = now - entry.sentAt;
      st.rto.sample(rtt);
      this.#api.emit("rtt", { session, rtt, exchange: "DATA_ACK/ACK" });
    }
    // In order, the ACKed message is the oldest in flight and nothing before it can be missing.
    const overtook = st.inFlight.values().next().value !== entry;
    st.congestion.onAcked(now, packetBytes(entry), entry.sentAt);
    forget(st, entry);
    entry.resolve();
    if (overtook && session.state === "open") this.#resendOvertaken(session, st, entry.sentSeq);
    this.#pump(session, st);
    return true;
  }

  /** A BAD_ACK naming `checksum` arrived: resend; false when it names nothing in flight. */
  badAck(session: Session | undefined, checksum: Uint8Array): boolean {
    const st = session && this.#states.get(session);
    const entry = st && lookup(st, checksum);
    if (!session || !st || !entry || session.state !== "open") return false;
    this.#retransmit(session, st, entry, "BAD_ACK");
    return true;
  }

  /** The session is open (again): send what waits in its queue. */
  wake(session: Session): void {
    if (this.#states.has(session)) this.#pump(session, this.stateOf(session));
  }

  /** The session closed: every message in flight or queued fails. */
  close(session: Session, reason: string, error: Error | undefined): void {
    const st = this.#states.get(session);
    if (!st) return;
    this.#states.delete(session);
    const closed = new SessionError(
      "THING_ERR_SESSION_CLOSED",
      `Cannot deliver a message on session ${session.id}: it closed (${reason})`,
      { cause: error },
    );
    for (const entry of [...st.inFlight.values()]) fail(st, entry, closed);
    for (let i = st.queueHead; i < st.queue.length; i++) st.queue[i]!.reject(closed);
    st.queue = [];
  }

  // `bytes`: what the message would hold in flight (`heldBytes`: 0 for DATA_NOACK).
  #canSend(session: Session, st: DataState, bytes: number): boolean {
    if (session.state !== "open") return false;
    if (st.inFlight.size === 0) return true;
    if (bytes > 0 && st.inFlight.size >= this.#opts.maxInFlight) return false;
    if (st.bytesInFlight + bytes > Math.min(st.congestion.window, MAX_BYTES_IN_FLIGHT)) {
      return false;
    }
    const oldest = st.inFlight.values().next().value;
    return oldest === undefined ||
      st.control.nextOrder - oldest.order < this.#halfWindow;
  }

  // Resends every message sent once, LOSS_THRESHOLD or more transmissions before the one just
  // acknowledged. A lost resend is left to the timer: under heavy reordering, resending resends
  // again and again would spend `maxRetransmits` in one round trip.
  #resendOvertaken(session: Session, st: DataState, ackedSeq: number): void {
    for (const entry of st.inFlight.values()) {
      if (entry.tries === 1 && ackedSeq - entry.sentSeq >= LOSS_THRESHOLD) {
        this.#retransmit(session, st, entry, "later ACKs");
      }
    }
  }

  // A factor in [1, 1.5) for each retransmission timer (RFC 7252 §4.8's ACK_RANDOM_FACTOR): many
  // sessions that lost their packets at once to one full buffer do not all resend at once again.
  #spread(): number {
    if (this.#randomAt === this.#randomBytes.length) {
      this.#api.random.fill(this.#randomBytes);
      this.#randomAt = 0;
    }
    return 1 + this.#randomBytes[this.#randomAt++]! / 512;
  }

  #transmit(session: Session, st: DataState, entry: Outgoing): void {
    const now = this.#api.clock.now();
    entry.sentAt = now;
    entry.sentSeq = st.transmissions++;
    entry.tries++;
    st.control.sendPacket({
      type: ConnectionPacket.DATA_ACK,
      payload: entry.data,
      customId: entry.customId,
      order: entry.order,
      onEncoded: (bytes) => remember(st, entry, bytes),
    });
    entry.timer = this.#api.setTimer(
      now + st.rto.backoff(entry.tries - 1) * this.#spread(),
      () => this.#onTimeout(session, entry),
    );
  }

  #sendNow(session: Session, st: DataState, entry: Outgoing): void {
    if (!entry.reliable) {
      st.control.sendPacket({
        type: ConnectionPacket.DATA_NOACK,
        payload: entry.data,
        customId: entry.customId,
      });
      return entry.resolve();
    }
    entry.order = st.control.takeOrder();
    entry.incarnation = session.id;
    st.inFlight.set(entry.order, entry);
    st.bytesInFlight += packetBytes(entry);
    this.#transmit(session, st, entry);
  }

  #pump(session: Session, st: DataState): void {
    while (st.queueHead < st.queue.length) {
      const entry = st.queue[st.queueHead]!;
      if (!this.#canSend(session, st, heldBytes(entry))) return;
      st.queue[st.queueHead++] = undefined as unknown as Outgoing;
      this.#sendNow(session, st, entry);
    }
    st.queue = [];
    st.queueHead = 0;
  }

  #onTimeout(session: Session, entry: Outgoing): void {
    entry.timer = undefined;
    if (session.state === "closed") return;
    const st = this.stateOf(session);
    if (st.inFlight.get(entry.order) !== entry) return;
    if (session.state !== "open") {
      // Paused while the session re-establishes; the tries are kept for when it is back.
      entry.timer = this.#api.setTimer(
        this.#api.clock.now() + st.rto.backoff(entry.tries - 1) * this.#spread(),
        () => this.#onTimeout(session, entry),
      );
      return;
    }
    this.#retransmit(session, st, entry, "timeout");
  }

  #retransmit(session: Session, st: DataState, entry: Outgoing, why: string): void {
    entry.timer?.cancel();
    const opts = this.#opts;
    if (entry.tries > opts.maxRetransmits) {
      return fail(
        st,
        entry,
        new TimeoutError(
          `No ACK for a DATA_ACK on session ${session.id} after ${entry.tries} sends (last: ${why}); check the peer is up or raise maxRetransmits`,
        ),
      );
    }
    if (st.control.nextOrder - entry.order >= opts.window) {
      return fail(
        st,
        entry,
        new TimeoutError(
          `No ACK for a DATA_ACK on session ${session.id} before it left the receiver's window of ${opts.window} order counts; send it again`,
        ),
      );
    }
    // A corrupted packet (BAD_ACK) says nothing about congestion; a lost one does.
    if (why !== "BAD_ACK") {
      st.congestion.onLost(this.#api.clock.now(), packetBytes(entry), entry.sentAt);
    }
    this.#transmit(session, st, entry);
    this.#api.emit("retransmit", {
      session,
      type: ConnectionPacket.DATA_ACK,
      attempt: entry.tries,
    });
  }
}

/** The bytes a message holds in flight until its ACK: its DATA_ACK's, or none for DATA_NOACK. */
function heldBytes(entry: Outgoing): number {
  return entry.reliable ? packetBytes(entry) : 0;
}
