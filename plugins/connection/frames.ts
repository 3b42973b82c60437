/**
 * The inner framing of a FRAMED packet (docs/PROTOCOL.md §2.7): message frames (one per
 * application message, with its channel, sequence number, custom ID and bytes) and at most one ACK
 * frame (ranges of packet numbers and the ACK delay), packed back to back in the payload. Decoding
 * checks the whole payload before anything is used, so a broken packet is dropped whole.
 *
 * @module
 */
import { plainView } from "../../core/byte_view.ts";
import type { AckRange } from "../../reliability/mod.ts";
import { truncate } from "../../reliability/truncate.ts";

/** Inner frame types. */
export const FrameType = {
  /** A message of a `reliable-ordered` channel. */
  ORDERED: 0x01,
  /** A message of a `reliable-unordered` channel. */
  UNORDERED: 0x02,
  /** A message of an `unreliable-sequenced` channel. */
  SEQUENCED: 0x03,
  /** An unreliable message (any channel). */
  UNRELIABLE: 0x04,
  /** Acknowledgement ranges of packet numbers. */
  ACK: 0x10,
  /** Asks for an acknowledgement and carries nothing (a probe). */
  PING: 0x11,
} as const;

/** Bytes before the data of a message frame with a sequence number (type 1..3). */
export const SEQUENCED_HEADER = 10;
/** Bytes before the data of an unreliable message frame (type 4). */
export const UNRELIABLE_HEADER = 6;
/** The most ranges one ACK frame carries. */
export const MAX_ACK_RANGES = 32;
/** The most frames one packet may hold; a packet with more is dropped (`frame-count`). */
export const MAX_FRAMES = 1024;

const TWO_32 = 4294967296;

/** A message frame as decoded: `data` is a view into the packet. */
export interface MessageFrame {
  /** `FrameType.ORDERED`, `UNORDERED`, `SEQUENCED` or `UNRELIABLE`. */
  type: number;
  /** Channel number, 0..255. */
  channel: number;
  /** The application's custom ID, 0..65,535. */
  customId: number;
  /** The low 32 bits of the channel's sequence number (0 for unreliable frames). */
  seq: number;
  /** The message bytes. */
  data: Uint8Array;
}

/** An ACK frame: ranges highest first, disjoint and not adjacent; delay in ms. */
export interface AckFrame {
  /** How long the receiver held the newest packet before acknowledging it (ms). */
  delay: number;
  /** Acknowledged packet numbers. */
  ranges: AckRange[];
}

/** What one FRAMED payload holds. */
export interface FramedPayload {
  /** Message frames in packet order (one shared empty list for a packet without any). */
  messages: readonly MessageFrame[];
  /** The ACK frame, if any. */
  ack: AckFrame | undefined;
  /** Whether the packet asks for an ACK (it holds a reliable message or a PING). */
  ackEliciting: boolean;
}

/** Bytes a message frame takes: its header and data. */
export function messageFrameSize(type: number, length: number): number {
  return (type === FrameType.UNRELIABLE ? UNRELIABLE_HEADER : SEQUENCED_HEADER) + length;
}

/** Bytes an ACK frame of `ranges` takes. */
export function ackFrameSize(ranges: readonly AckRange[]): number {
  return 16 + 8 * (ranges.length - 1);
}

// Big-endian fields written and read byte by byte: a DataView per packet (and the `.buffer` it
// needs) cost more than the frames' own work, on Bun most of all.
function put16(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 8;
  out[at + 1] = value;
}

function put32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

function get16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function get32(bytes: Uint8Array, at: number): number {
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** Writes a message frame at `at` of `out`; returns the offset after it. */
export function writeMessage(
  out: Uint8Array,
  at: number,
  frame: Omit<MessageFrame, "data">,
  data: Uint8Array,
): number {
  out[at] = frame.type;
  out[at + 1] = frame.channel;
  put16(out, at + 2, frame.customId);
  let p = at + 4;
  if (frame.type !== FrameType.UNRELIABLE) {
    put32(out, p, frame.seq % TWO_32);
    p += 4;
  }
  put16(out, p, data.length);
  out.set(data, p + 2);
  return p + 2 + data.length;
}

/**
 * Writes an ACK frame: type, delay (u16, units of 10 µs, capped), range count (u8), largest (u64),
 * the top range's length, then a gap and a length per further range (u32 each).
 */
export function writeAck(out: Uint8Array, at: number, ack: AckFrame): number {
  const { ranges } = ack;
  out[at] = FrameType.ACK;
  put16(out, at + 1, Math.min(0xffff, Math.max(0, Math.round(ack.delay * 100))));
  out[at + 3] = ranges.length;
  const top = ranges[0]!;
  put32(out, at + 4, Math.floor(top.last / TWO_32));
  put32(out, at + 8, top.last % TWO_32);
  put32(out, at + 12, top.last - top.first);
  let p = at + 16;
  for (let i = 1; i < ranges.length; i++) {
    put32(out, p, ranges[i - 1]!.first - ranges[i]!.last - 1);
    put32(out, p + 4, ranges[i]!.last - ranges[i]!.first);
    p += 8;
  }
  return p;
}

/**
 * Decodes a FRAMED payload. Never throws.
 *
 * @param into an ACK frame to decode the packet's ACK frame into, reusing its range objects (a
 *   receiver's one, instead of three objects or more per packet); its contents are undefined after
 *   a payload that does not decode. Without it, the ACK frame is a new one.
 * @returns the frames, or the drop reason (`frame-empty`, `frame-type`, `frame-truncated`,
 *   `frame-overrun`, `frame-count`, `frame-ack`) when any part of it is broken
 */
export function decodeFrames(payload: Uint8Array, into?: AckFrame): FramedPayload | string {
  if (payload.length === 0) return "frame-empty";
  // Made at the first message frame: many packets carry only an ACK.
  let messages: MessageFrame[] | undefined;
  let ack: AckFrame | undefined;
  let ackEliciting = false;
  let frames = 0;
  let at = 0;
  while (at < payload.length) {
    if (++frames > MAX_FRAMES) return "frame-count";
    const type = payload[at]!;
    if (type === FrameType.PING) {
      ackEliciting = true;
      at += 1;
      continue;
    }
    if (type === FrameType.ACK) {
      if (ack) return "frame-ack";
      const decoded = readAck(payload, at, into ?? { delay: 0, ranges: [] });
      if (typeof decoded === "string") return decoded;
      ack = decoded;
      at += ackFrameSize(decoded.ranges);
      continue;
    }
    if (type < FrameType.ORDERED || type > FrameType.UNRELIABLE) return "frame-type";
    const header = type === FrameType.UNRELIABLE ? UNRELIABLE_HEADER : SEQUENCED_HEADER;
    if (payload.length - at < header) return "frame-truncated";
    const end = at + header + get16(payload, at + header - 2);
    if (end > payload.length) return "frame-overrun";
    (messages ??= []).push({
      type,
      channel: payload[at + 1]!,
      customId: get16(payload, at + 2),
      seq: type === FrameType.UNRELIABLE ? 0 : get32(payload, at + 4),
      data: plainView(payload, at + header, end),
    });
    if (type === FrameType.ORDERED || type === FrameType.UNORDERED) ackEliciting = true;
    at = end;
  }
  return { messages: messages ?? NO_MESSAGES, ack, ackEliciting };
}

const NO_MESSAGES: readonly MessageFrame[] = Object.freeze([]);

function readAck(bytes: Uint8Array, at: number, out: AckFrame): AckFrame | string {
  if (bytes.length - at < 16) return "frame-truncated";
  const count = bytes[at + 3]!;
  if (count === 0 || count > MAX_ACK_RANGES) return "frame-ack";
  const end = at + 16 + 8 * (count - 1);
  if (end > bytes.length) return "frame-overrun";
  const high = get32(bytes, at + 4);
  if (high > 0x1fffff) return "frame-ack";
  const last = high * TWO_32 + get32(bytes, at + 8);
  let first = last - get32(bytes, at + 12);
  if (first < 0) return "frame-ack";
  const ranges = out.ranges;
  setRange(ranges, 0, first, last);
  let filled = 1;
  for (let p = at + 16; p < end; p += 8) {
    const next = first - get32(bytes, p) - 1;
    const start = next - get32(bytes, p + 4);
    // A gap of 0 would make two ranges adjacent: the sender merges those.
    if (next >= first - 1 || start < 0) return "frame-ack";
    setRange(ranges, filled++, start, next);
    first = start;
  }
  truncate(ranges, filled);
  out.delay = get16(bytes, at + 1) / 100;
  return out;
}

// Sets range `i` of `ranges` (one of its objects, or a new one at its end).
function setRange(ranges: AckRange[], i: number, first: number, last: number): void {
  const range = ranges[i];
  if (range === undefined) {
    ranges.push({ first, last });
    return;
  }
  range.first = first;
  range.last = last;
}
