/**
 * The receiving side of a stream connection: STREAM and RESET_STREAM frames into the streams'
 * receive halves, and the session's flow control on receipt (bytes received against the limit we
 * advertised; MAX_DATA once the application has read half the window). Bytes for a stream we
 * stopped reading count as received and read at once.
 *
 * @module
 */
import { FrameType, type ResetFrame, type StreamFrame } from "./frames.ts";
import { INITIAL_MAX_DATA } from "./options.ts";
import type { Sender } from "./sender.ts";
import type { StreamState } from "./stream.ts";
import type { Wire } from "./wire.ts";

/** Stream data and session flow control on receipt, for one connection. */
export class Receiver {
  readonly #wire: Wire;
  readonly #sender: Sender;
  readonly #window: number;
  readonly #settled: (stream: StreamState) => void;
  #limit = INITIAL_MAX_DATA;
  #received = 0;
  #consumed = 0;

  /**
   * @param window the session's receive window (`sessionWindow`)
   * @param settled forgets `stream` if both its halves are done
   */
  constructor(
    wire: Wire,
    sender: Sender,
    window: number,
    settled: (stream: StreamState) => void,
  ) {
    this.#wire = wire;
    this.#sender = sender;
    this.#window = window;
    this.#settled = settled;
  }

  /** The session limit we advertise (MAX_DATA). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Takes a STREAM frame for `stream` (`undefined` when it is over or not the peer's to open);
   * returns whether it asks for an immediate ACK.
   */
  data(stream: StreamState | undefined, frame: StreamFrame): boolean {
    if (!stream || stream.resetByPeer !== undefined) return frame.ackNow;
    if (stream.stopSent !== undefined) {
      this.#abandoned(stream, frame.offset + frame.data.length, frame.fin);
      return frame.ackNow;
    }
    const result = stream.recv.receive(frame.offset, frame.data, frame.fin);
    if (!result.ok) {
      this.#wire.fail(`Stream ${stream.id}: ${result.error}`);
      return false;
    }
    this.#received += result.grew;
    if (this.#received > this.#limit) {
      this.#wire.fail(
        `Session flow control: ${this.#received} bytes past the limit ${this.#limit}`,
      );
      return false;
    }
    if (result.readable) stream.onReadable();
    this.#settled(stream);
    return frame.ackNow;
  }

  /** Takes a RESET_STREAM frame for `stream` (`undefined` as for `data`). */
  reset(stream: StreamState | undefined, frame: ResetFrame): void {
    if (!stream || stream.resetByPeer !== undefined) return;
    const recv = stream.recv;
    if (
      frame.finalSize < recv.highest ||
      (recv.finalSize !== undefined && recv.finalSize !== frame.finalSize)
    ) {
      return this.#wire.fail(
        `Stream ${stream.id}: reset with a final size below the data received`,
      );
    }
    if (frame.finalSize > recv.maxData) {
      return this.#wire.fail(
        `Stream ${stream.id}: reset with a final size past the stream limit ${recv.maxData}`,
      );
    }
    this.#received += frame.finalSize - recv.highest;
    if (this.#received > this.#limit) {
      return this.#wire.fail(
        `Session flow control: ${this.#received} bytes past the limit ${this.#limit}`,
      );
    }
    recv.highest = frame.finalSize;
    recv.finalSize = frame.finalSize;
    this.consume(recv.discard());
    stream.resetByPeer = frame.code;
    stream.onReadable();
    this.#settled(stream);
  }

  /** `bytes` were read or dropped: raise the session limit (MAX_DATA) when half the window is used. */
  consume(bytes: number): void {
    this.#consumed += bytes;
    if (this.#limit - this.#consumed < this.#window / 2) {
      this.#limit = this.#consumed + this.#window;
      this.#sender.control(FrameType.MAX_DATA, 0);
    }
  }

  /** Data for a stream we stopped reading: its bytes count as received and consumed at once. */
  #abandoned(stream: StreamState, end: number, fin: boolean): void {
    const recv = stream.recv;
    if (end > recv.highest) {
      this.#received += end - recv.highest;
      recv.highest = end;
      this.consume(recv.discard());
    }
    if (fin) recv.finalSize = end;
    this.#settled(stream);
  }
}
