/**
 * One stream as the connection sees it: its two halves (a unidirectional stream uses one), how
 * each ended, its priority, and the callbacks through which the Web Streams layer learns there is
 * something to read or room to write.
 *
 * @module
 */
import { RecvStream } from "./recv_stream.ts";
import { SendStream } from "./send_stream.ts";

/**
 * Stream IDs are `4 × index + bits`: bit 0 names the initiator (0 client, 1 server), bit 1 the
 * direction (0 bidirectional, 1 unidirectional), as in RFC 9000 §2.1.
 */
export function streamId(index: number, uni: boolean, server: boolean): number {
  return index * 4 + (uni ? 2 : 0) + (server ? 1 : 0);
}

/** Whether the client opened stream `id`. */
export function isClientStream(id: number): boolean {
  return id % 2 === 0;
}

/** Whether stream `id` is unidirectional. */
export function isUniStream(id: number): boolean {
  return id % 4 >= 2;
}

/** The index of stream `id` among the streams of its initiator and direction. */
export function streamIndex(id: number): number {
  return Math.floor(id / 4);
}

/** RFC 9218 priority of a stream's sending half. */
export interface StreamPriority {
  /** 0 (most urgent) to 7; default 3. */
  urgency: number;
  /** Whether the stream shares its urgency's turns with other incremental streams (default true). */
  incremental: boolean;
}

/** The priority a stream has until the application sets one. */
export const DEFAULT_PRIORITY: Readonly<StreamPriority> = { urgency: 3, incremental: true };

/** Checks a priority the application passed; throws `RangeError` / `TypeError`. */
export function checkPriority(priority: Partial<StreamPriority>): StreamPriority {
  const { urgency = DEFAULT_PRIORITY.urgency, incremental = DEFAULT_PRIORITY.incremental } =
    priority;
  if (!Number.isInteger(urgency) || urgency < 0 || urgency > 7) {
    throw new RangeError(`Cannot use urgency '${urgency}': pass an integer from 0 to 7`);
  }
  if (typeof incremental !== "boolean") {
    throw new TypeError(`Cannot use incremental '${incremental}': pass true or false`);
  }
  return { urgency, incremental };
}

/** State of one stream. Created by `StreamConnection`; use its methods to act on it. */
export class StreamState {
  /** The stream ID. */
  readonly id: number;
  /** Whether this side may send on it (false for the peer's unidirectional streams). */
  readonly sends: boolean;
  /** Whether this side receives on it (false for its own unidirectional streams). */
  readonly receives: boolean;
  /** RFC 9218 urgency of the sending half, 0..7. */
  urgency = DEFAULT_PRIORITY.urgency;
  /** Whether the sending half is incremental (round robin within its urgency). */
  incremental = DEFAULT_PRIORITY.incremental;
  /** The sending half. */
  readonly send: SendStream;
  /** The receiving half. */
  readonly recv: RecvStream;
  /** Error code of the peer's RESET_STREAM, once received. */
  resetByPeer: number | undefined;
  /** Error code of the peer's STOP_SENDING, once received. */
  stopByPeer: number | undefined;
  /** Error code of our RESET_STREAM, once sent. */
  resetSent: number | undefined;
  /** Our RESET_STREAM was acknowledged. */
  resetAcked = false;
  /** Error code of our STOP_SENDING, once sent. */
  stopSent: number | undefined;
  /** Called when bytes, the end, or a reset can be read. */
  onReadable: () => void = noop;
  /** Called when buffered bytes were acknowledged, the stream finished, or the peer stopped it. */
  onWritable: () => void = noop;

  /**
   * @param sendLimit the peer's initial stream limit; @param window our receive window
   * @param client whether this side is the client (it then opens the even IDs)
   */
  constructor(
    id: number,
    sendLimit: number,
    window: number,
    initialLimit: number,
    client: boolean,
  ) {
    this.id = id;
    const ours = isClientStream(id) === client;
    this.sends = ours || !isUniStream(id);
    this.receives = !ours || !isUniStream(id);
    this.send = new SendStream(sendLimit);
    this.recv = new RecvStream(window, initialLimit);
  }

  /** Whether the sending half is over: all acknowledged, or reset and the reset acknowledged. */
  get sendDone(): boolean {
    return !this.sends || this.send.done || this.resetAcked;
  }

  /**
   * Whether the receiving half is over: all read, or reset by the peer, or abandoned by us and its
   * final size known (until then its frames still count against the session's flow credit).
   */
  get recvDone(): boolean {
    return !this.receives || this.recv.finished || this.resetByPeer !== undefined ||
      (this.stopSent !== undefined && this.recv.finalSize !== undefined);
  }
}

function noop(): void {}
