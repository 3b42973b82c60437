/**
 * The data plugin's state of one session: the queue, the reliable messages in flight (by order
 * count, and by the checksum of each transmission so that an ACK or BAD_ACK finds its message
 * without allocating), the RTO estimator, the congestion window and the receive window.
 *
 * @module
 */
import { HEADER_SIZE, MAX_PACKET_SIZE } from "../../core/packet.ts";
import type { SessionControl } from "../../core/session.ts";
import type { Timer } from "../../core/timers.ts";
import { NewReno, type ReplayWindow, RetransmitTimeout } from "../../reliability/mod.ts";
import { sameBytes } from "../../core/same_bytes.ts";
import { key48 } from "./_message.ts";
import type { ResolvedDataOptions } from "./options.ts";

/** One message from `send()` until it is delivered or fails. */
export interface Outgoing {
  /** The payload (a copy when reliable: it may be resent). */
  data: Uint8Array;
  /** The packets' custom ID. */
  customId: number;
  /** DATA_ACK (true) or DATA_NOACK. */
  reliable: boolean;
  /** Order count of every transmission (reliable only, -1 until first sent). */
  order: number;
  /** The session's client ID when first sent: a re-established session is another incarnation. */
  incarnation: string;
  /** Transmissions so far. */
  tries: number;
  /** When it was last sent (ms). */
  sentAt: number;
  /** The session's transmission count when it was last sent (see `DataState.transmissions`). */
  sentSeq: number;
  /** The `byChecksum` keys of its transmissions. */
  keys: number[];
  /** The retransmission timer, while armed. */
  timer: Timer | undefined;
  /** Settles `send()`: delivered. */
  resolve: () => void;
  /** Settles `send()`: failed. */
  reject: (error: Error) => void;
}

interface Sent {
  entry: Outgoing;
  checksum: Uint8Array;
}

/** The data plugin's state of one session. */
export interface DataState {
  /** The session's control handle (it sends the DATA packets). */
  control: SessionControl;
  /** The session's client ID this state belongs to. */
  incarnation: string;
  /** The receiving side's window of order counts, created on the first DATA. */
  received: ReplayWindow | undefined;
  /** Reliable messages awaiting ACK, oldest (lowest order) first. */
  inFlight: Map<number, Outgoing>;
  /** The same, by the first 48 bits of each transmission's checksum. */
  byChecksum: Map<number, Sent>;
  /** Messages waiting to be sent, from `queueHead` on. */
  queue: Outgoing[];
  /** Index of the first message in `queue` still waiting. */
  queueHead: number;
  /** The retransmission timeout. */
  rto: RetransmitTimeout;
  /** DATA_ACK transmissions so far, first sends and resends: the order in which they left. */
  transmissions: number;
  /** Bytes of the DATA_ACKs in flight (see `packetBytes`). */
  bytesInFlight: number;
  /** The congestion window over `bytesInFlight`. */
  congestion: NewReno;
}

/** A fresh state for the session `control` drives, in its current incarnation. */
export function newDataState(control: SessionControl, opts: ResolvedDataOptions): DataState {
  return {
    control,
    incarnation: control.id,
    received: undefined,
    inFlight: new Map(),
    byChecksum: new Map(),
    queue: [],
    queueHead: 0,
    rto: new RetransmitTimeout(opts.initialRto, opts.minRto, opts.maxRto),
    transmissions: 0,
    bytesInFlight: 0,
    // Sized for the largest packet: the initial and smallest window is two of them (131 KB).
    congestion: new NewReno(MAX_PACKET_SIZE),
  };
}

/** The bytes a message's DATA_ACK puts in flight (header and payload). */
export function packetBytes(entry: Outgoing): number {
  return HEADER_SIZE + entry.data.length;
}

/** Records the checksum of a transmission of `entry` (`bytes`: the encoded packet). */
export function remember(st: DataState, entry: Outgoing, bytes: Uint8Array): void {
  const key = key48(bytes);
  if (st.byChecksum.get(key)?.entry === entry) return;
  // A view, not a copy: encoded packets are never written to again.
  st.byChecksum.set(key, { entry, checksum: bytes.subarray(0, 32) });
  entry.keys.push(key);
}

/** The message in flight whose transmission had this checksum, if any. */
export function lookup(st: DataState, checksum: Uint8Array): Outgoing | undefined {
  const sent = st.byChecksum.get(key48(checksum));
  return sent && sameBytes(sent.checksum, checksum) ? sent.entry : undefined;
}

/** Stops tracking `entry`: its timer, its order count and its checksums. */
export function forget(st: DataState, entry: Outgoing): void {
  entry.timer?.cancel();
  entry.timer = undefined;
  if (st.inFlight.get(entry.order) === entry) {
    st.inFlight.delete(entry.order);
    st.bytesInFlight -= packetBytes(entry);
  }
  for (const key of entry.keys) {
    if (st.byChecksum.get(key)?.entry === entry) st.byChecksum.delete(key);
  }
}

/** Forgets `entry` and fails its `send()` with `error`. */
export function fail(st: DataState, entry: Outgoing, error: Error): void {
  forget(st, entry);
  entry.reject(error);
}
