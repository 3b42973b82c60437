/**
 * Control frames waiting to be sent (MAX_DATA, MAX_STREAM_DATA, RESET_STREAM, STOP_SENDING,
 * MAX_STREAMS, STREAMS_BLOCKED, PING), at most one per kind and stream: a frame is built from
 * current state when it leaves (`controlPayload`), so queueing it twice would only send the same
 * value twice.
 *
 * @module
 */
import {
  encodeLimit,
  encodeReset,
  encodeStop,
  encodeStreamCount,
  encodeStreamLimit,
  FrameType,
} from "./frames.ts";
import type { StreamState } from "./stream.ts";

const EMPTY = new Uint8Array(0);

/** One queued control frame. */
export interface ControlItem {
  /** Frame type. */
  kind: number;
  /** Stream ID; for MAX_STREAMS and STREAMS_BLOCKED 1 for unidirectional, 0 bidirectional; else 0. */
  stream: number;
}

/** A first-in first-out queue of distinct control frames. */
export class ControlQueue {
  readonly #items: ControlItem[] = [];
  readonly #keys = new Set<number>();
  #head = 0;

  /** Queues a frame unless the same kind for the same stream is already waiting. */
  add(kind: number, stream: number): void {
    const key = stream * 256 + kind;
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#items.push({ kind, stream });
  }

  /** Takes the oldest frame, or `undefined`. */
  next(): ControlItem | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++]!;
    this.#keys.delete(item.stream * 256 + item.kind);
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }
}

/** The state control frames are built from. */
export interface ControlSource {
  /** The open stream with this ID, if any. */
  stream(id: number): StreamState | undefined;
  /** The session limit to advertise in MAX_DATA. */
  recvLimit(): number;
  /** The MAX_STREAMS count to advertise for a direction (the call records it as advertised). */
  streamCredit(uni: boolean): number;
  /** The count a STREAMS_BLOCKED reports, or `undefined` when no longer blocked. */
  blockedAt(uni: boolean): number | undefined;
}

/** The payload of a control frame from current state, or `undefined` when it is moot. */
export function controlPayload(
  kind: number,
  id: number,
  source: ControlSource,
): Uint8Array | undefined {
  switch (kind) {
    case FrameType.MAX_DATA:
      return encodeLimit(source.recvLimit());
    case FrameType.MAX_STREAMS:
      return encodeStreamCount({ uni: id === 1, count: source.streamCredit(id === 1) });
    case FrameType.STREAMS_BLOCKED: {
      const count = source.blockedAt(id === 1);
      return count === undefined ? undefined : encodeStreamCount({ uni: id === 1, count });
    }
  }
  const stream = source.stream(id);
  switch (kind) {
    case FrameType.MAX_STREAM_DATA:
      return stream && !stream.recvDone
        ? encodeStreamLimit({ id, limit: stream.recv.maxData })
        : undefined;
    case FrameType.RESET_STREAM:
      if (!stream || stream.resetSent === undefined || stream.resetAcked) return undefined;
      return encodeReset({ id, code: stream.resetSent, finalSize: stream.send.next });
    case FrameType.STOP_SENDING:
      return stream?.stopSent === undefined ? undefined : encodeStop({ id, code: stream.stopSent });
    default:
      return EMPTY;
  }
}
