/**
 * One bidirectional stream as the connection sees it: its two halves, how each ended, and the
 * callbacks through which the Web Streams layer learns there is something to read or room to write.
 *
 * @module
 */
import { RecvStream } from "./recv_stream.ts";
import { SendStream } from "./send_stream.ts";

/** Stream IDs opened by the client are even, by the server odd (bit 0 names the initiator). */
export function isClientStream(id: number): boolean {
  return (id & 1) === 0;
}

/** State of one stream. Created by `StreamConnection`; use its methods to act on it. */
export class StreamState {
  /** The stream ID (the packets' custom ID). */
  readonly id: number;
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

  /** @param sendLimit the peer's initial stream limit; @param window our receive window */
  constructor(id: number, sendLimit: number, window: number, initialLimit: number) {
    this.id = id;
    this.send = new SendStream(sendLimit);
    this.recv = new RecvStream(window, initialLimit);
  }

  /** Whether the sending half is over: all acknowledged, or reset and the reset acknowledged. */
  get sendDone(): boolean {
    return this.send.done || this.resetAcked;
  }

  /**
   * Whether the receiving half is over: all read, or reset by the peer, or abandoned by us and its
   * final size known (until then its frames still count against the session's flow credit).
   */
  get recvDone(): boolean {
    return this.recv.finished || this.resetByPeer !== undefined ||
      (this.stopSent !== undefined && this.recv.finalSize !== undefined);
  }
}

function noop(): void {}
