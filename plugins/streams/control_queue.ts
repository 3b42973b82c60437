/**
 * Control frames waiting to be sent (MAX_DATA, MAX_STREAM_DATA, RESET_STREAM, STOP_SENDING,
 * PING), at most one per kind and stream: a frame is built from current state when it leaves
 * (`controlPayload`), so queueing it twice would only send the same value twice.
 *
 * @module
 */
import { encodeCode, encodeLimit, encodeReset, FrameType } from "./frames.ts";
import type { StreamState } from "./stream.ts";

const EMPTY = new Uint8Array(0);

/** One queued control frame. */
export interface ControlItem {
  /** Frame type. */
  kind: number;
  /** Stream ID (0 for session frames). */
  stream: number;
}

/** A first-in first-out queue of distinct control frames. */
export class ControlQueue {
  readonly #items: ControlItem[] = [];
  readonly #keys = new Set<number>();
  #head = 0;

  /** Queues a frame unless the same kind for the same stream is already waiting. */
  add(kind: number, stream: number): void {
    const key = kind * 65_536 + stream;
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#items.push({ kind, stream });
  }

  /** Takes the oldest frame, or `undefined`. */
  next(): ControlItem | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++]!;
    this.#keys.delete(item.kind * 65_536 + item.stream);
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }
}

/**
 * The payload of a control frame from current state, or `undefined` when it is moot.
 *
 * @param stream the stream it names, if still open
 * @param sessionLimit the session limit to advertise in MAX_DATA
 */
export function controlPayload(
  kind: number,
  stream: StreamState | undefined,
  sessionLimit: number,
): Uint8Array | undefined {
  switch (kind) {
    case FrameType.MAX_DATA:
      return encodeLimit(sessionLimit);
    case FrameType.MAX_STREAM_DATA:
      return stream && !stream.recvDone ? encodeLimit(stream.recv.maxData) : undefined;
    case FrameType.RESET_STREAM:
      if (!stream || stream.resetSent === undefined || stream.resetAcked) return undefined;
      return encodeReset({ code: stream.resetSent, finalSize: stream.send.next });
    case FrameType.STOP_SENDING:
      return stream?.stopSent === undefined ? undefined : encodeCode(stream.stopSent);
    default:
      return EMPTY;
  }
}
