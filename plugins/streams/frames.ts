/**
 * The streams plugin's frames: one frame per packet, the frame type in the packet type field
 * (0x30–0x3b); a frame that names a stream starts with its u64 stream ID (the custom ID field is
 * 0). Codecs are positional and total: a short or inconsistent payload throws one `DecodeError`.
 *
 * @module
 */
import { DecodeError } from "../../core/errors.ts";

/** Packet type codes the streams plugin claims. */
export const FrameType = {
  STREAM: 0x30,
  ACK: 0x31,
  RESET_STREAM: 0x32,
  STOP_SENDING: 0x33,
  MAX_DATA: 0x34,
  MAX_STREAM_DATA: 0x35,
  DATAGRAM: 0x36,
  PATH_CHALLENGE: 0x37,
  PATH_RESPONSE: 0x38,
  PING: 0x39,
  MAX_STREAMS: 0x3a,
  STREAMS_BLOCKED: 0x3b,
} as const;

/** Bytes of a STREAM frame before its data: stream ID (8), flags (1) and offset (8). */
export const STREAM_HEADER_SIZE = 17;
/** Flag bit of a STREAM frame: the last byte of the stream is the last byte of this frame. */
export const FIN = 0x01;
/** Flag bit of a STREAM frame: the sender can send no more for now, so acknowledge at once. */
export const ACK_NOW = 0x02;
/** Bytes of PATH_CHALLENGE / PATH_RESPONSE data. */
export const PATH_DATA_SIZE = 8;

const TWO_32 = 4294967296;

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / TWO_32));
  view.setUint32(at + 4, value >>> 0);
}

function getU64(view: DataView, at: number): number {
  const high = view.getUint32(at);
  if (high > 0x1fffff) {
    throw new DecodeError("THING_ERR_BAD_FIELD", "Cannot decode a u64 above 2^53 - 1", at);
  }
  return high * TWO_32 + view.getUint32(at + 4);
}

function exactView(payload: Uint8Array, size: number, what: string): DataView {
  if (payload.length !== size) {
    throw new DecodeError(
      "THING_ERR_LENGTH_MISMATCH",
      `Cannot decode a ${what} frame of ${payload.length} bytes: it must be ${size}`,
      0,
    );
  }
  return viewOf(payload, size, what);
}

function viewOf(payload: Uint8Array, need: number, what: string): DataView {
  if (payload.length < need) {
    throw new DecodeError(
      "THING_ERR_TRUNCATED",
      `Cannot decode a ${what} frame of ${payload.length} bytes: it needs at least ${need}`,
      payload.length,
    );
  }
  return new DataView(payload.buffer, payload.byteOffset, payload.length);
}

/** A decoded STREAM frame. */
export interface StreamFrame {
  /** The stream ID. */
  id: number;
  /** Byte offset of `data` in the stream. */
  offset: number;
  /** Whether the stream ends after `data`. */
  fin: boolean;
  /** Whether the sender asks for an immediate ACK. */
  ackNow: boolean;
  /** The bytes (a view into the payload). */
  data: Uint8Array;
}

/** Writes a STREAM frame header into `out` (data goes at `STREAM_HEADER_SIZE`). */
export function writeStreamHeader(
  out: Uint8Array,
  id: number,
  offset: number,
  fin: boolean,
  ackNow = false,
): void {
  const view = new DataView(out.buffer, out.byteOffset, STREAM_HEADER_SIZE);
  setU64(view, 0, id);
  view.setUint8(8, (fin ? FIN : 0) | (ackNow ? ACK_NOW : 0));
  setU64(view, 9, offset);
}

/** Decodes a STREAM frame payload. */
export function decodeStream(payload: Uint8Array): StreamFrame {
  const view = viewOf(payload, STREAM_HEADER_SIZE, "STREAM");
  const id = getU64(view, 0);
  const flags = view.getUint8(8);
  if ((flags & ~(FIN | ACK_NOW)) !== 0) {
    throw new DecodeError("THING_ERR_BAD_FIELD", `Cannot decode STREAM flags ${flags}`, 8);
  }
  const offset = getU64(view, 9);
  const data = payload.subarray(STREAM_HEADER_SIZE);
  if (offset + data.length > Number.MAX_SAFE_INTEGER) {
    throw new DecodeError("THING_ERR_BAD_FIELD", "Cannot decode a STREAM frame past 2^53", 9);
  }
  return { id, offset, fin: (flags & FIN) !== 0, ackNow: (flags & ACK_NOW) !== 0, data };
}

/** An inclusive range of packet numbers. */
export interface AckRange {
  /** Lowest packet number in the range. */
  first: number;
  /** Highest packet number in the range. */
  last: number;
}

/** A decoded ACK frame. */
export interface AckFrame {
  /** How long the receiver held the ACK back, in microseconds. */
  delayMicros: number;
  /** Ranges, highest first, disjoint and not adjacent. */
  ranges: AckRange[];
}

/** Encodes an ACK frame: u32 delay (µs), u16 count, then count × (u64 first, u64 last), highest first. */
export function encodeAck(frame: AckFrame): Uint8Array {
  const out = new Uint8Array(6 + 16 * frame.ranges.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.min(0xffffffff, Math.max(0, Math.round(frame.delayMicros))));
  view.setUint16(4, frame.ranges.length);
  let at = 6;
  for (const range of frame.ranges) {
    setU64(view, at, range.first);
    setU64(view, at + 8, range.last);
    at += 16;
  }
  return out;
}

/** Decodes an ACK frame, checking the ranges are ordered highest first and disjoint. */
export function decodeAck(payload: Uint8Array): AckFrame {
  const view = viewOf(payload, 6, "ACK");
  const count = view.getUint16(4);
  if (payload.length !== 6 + 16 * count || count === 0) {
    throw new DecodeError(
      "THING_ERR_LENGTH_MISMATCH",
      `Cannot decode an ACK frame of ${payload.length} bytes with ${count} ranges`,
      4,
    );
  }
  const ranges: AckRange[] = [];
  let below = Infinity;
  for (let i = 0, at = 6; i < count; i++, at += 16) {
    const first = getU64(view, at);
    const last = getU64(view, at + 8);
    if (first > last || last + 1 >= below) {
      throw new DecodeError("THING_ERR_BAD_FIELD", "Cannot decode ACK ranges out of order", at);
    }
    ranges.push({ first, last });
    below = first;
  }
  return { delayMicros: view.getUint32(0), ranges };
}

/** A decoded RESET_STREAM frame. */
export interface ResetFrame {
  /** The stream ID. */
  id: number;
  /** The application's error code. */
  code: number;
  /** The stream's final size: bytes the sender had sent before resetting. */
  finalSize: number;
}

/** Encodes RESET_STREAM: u64 stream ID, u32 code, u64 final size. */
export function encodeReset(frame: ResetFrame): Uint8Array {
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  setU64(view, 0, frame.id);
  view.setUint32(8, frame.code >>> 0);
  setU64(view, 12, frame.finalSize);
  return out;
}

/** Decodes RESET_STREAM. */
export function decodeReset(payload: Uint8Array): ResetFrame {
  const view = exactView(payload, 20, "RESET_STREAM");
  return { id: getU64(view, 0), code: view.getUint32(8), finalSize: getU64(view, 12) };
}

/** A decoded STOP_SENDING frame. */
export interface StopFrame {
  /** The stream ID. */
  id: number;
  /** The application's error code. */
  code: number;
}

/** Encodes STOP_SENDING: u64 stream ID, u32 code. */
export function encodeStop(frame: StopFrame): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  setU64(view, 0, frame.id);
  view.setUint32(8, frame.code >>> 0);
  return out;
}

/** Decodes STOP_SENDING. */
export function decodeStop(payload: Uint8Array): StopFrame {
  const view = exactView(payload, 12, "STOP_SENDING");
  return { id: getU64(view, 0), code: view.getUint32(8) };
}

/** Encodes a u64 limit (MAX_DATA). */
export function encodeLimit(limit: number): Uint8Array {
  const out = new Uint8Array(8);
  setU64(new DataView(out.buffer), 0, limit);
  return out;
}

/** Decodes a u64 limit (MAX_DATA). */
export function decodeLimit(payload: Uint8Array): number {
  return getU64(exactView(payload, 8, "MAX_DATA"), 0);
}

/** A decoded MAX_STREAM_DATA frame. */
export interface StreamLimitFrame {
  /** The stream ID. */
  id: number;
  /** Highest offset + 1 the peer may send on the stream. */
  limit: number;
}

/** Encodes MAX_STREAM_DATA: u64 stream ID, u64 limit. */
export function encodeStreamLimit(frame: StreamLimitFrame): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  setU64(view, 0, frame.id);
  setU64(view, 8, frame.limit);
  return out;
}

/** Decodes MAX_STREAM_DATA. */
export function decodeStreamLimit(payload: Uint8Array): StreamLimitFrame {
  const view = exactView(payload, 16, "MAX_STREAM_DATA");
  return { id: getU64(view, 0), limit: getU64(view, 8) };
}

/** A decoded MAX_STREAMS or STREAMS_BLOCKED frame. */
export interface StreamCountFrame {
  /** Whether it counts unidirectional streams (else bidirectional). */
  uni: boolean;
  /** MAX_STREAMS: streams of that direction the receiver may open in all (cumulative); STREAMS_BLOCKED: the count the sender ran into. */
  count: number;
}

/** Encodes MAX_STREAMS / STREAMS_BLOCKED: u8 direction (0 bidirectional, 1 unidirectional), u64 count. */
export function encodeStreamCount(frame: StreamCountFrame): Uint8Array {
  const out = new Uint8Array(9);
  const view = new DataView(out.buffer);
  view.setUint8(0, frame.uni ? 1 : 0);
  setU64(view, 1, frame.count);
  return out;
}

/** Decodes MAX_STREAMS / STREAMS_BLOCKED. */
export function decodeStreamCount(payload: Uint8Array): StreamCountFrame {
  const view = exactView(payload, 9, "MAX_STREAMS");
  const direction = view.getUint8(0);
  if (direction > 1) {
    throw new DecodeError("THING_ERR_BAD_FIELD", `Cannot decode stream direction ${direction}`, 0);
  }
  return { uni: direction === 1, count: getU64(view, 1) };
}

/** Checks PATH_CHALLENGE / PATH_RESPONSE data is exactly 8 bytes. */
export function decodePathData(payload: Uint8Array): Uint8Array {
  if (payload.length !== PATH_DATA_SIZE) {
    throw new DecodeError(
      "THING_ERR_LENGTH_MISMATCH",
      `Cannot decode path data of ${payload.length} bytes: it must be ${PATH_DATA_SIZE}`,
      0,
    );
  }
  return payload;
}
