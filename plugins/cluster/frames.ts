/**
 * The messages members exchange over pub/sub, in a compact binary form: a kind byte, the request
 * ID (u32 big-endian), the sender member (u16 length and UTF-8), then the kind's fixed fields and
 * the raw message bytes. Several frames for one member travel in one PUBLISH as a batch: a 0x00
 * byte, then each frame as a u32 big-endian length and its bytes. Successful answers to sends
 * travel together as one `oks` frame listing their request IDs. Decoding is total: anything that
 * is not a well-formed frame is counted and skipped, never thrown, since another application may
 * publish on the same Redis.
 *
 * Layouts after kind, request ID and member (`oks` has no request ID of its own):
 * - send: session ID (16 bytes), custom ID (u16), reliable (u8 0/1), message;
 * - close: session ID (16 bytes), reason (UTF-8, to the end);
 * - bcast: custom ID (u16), reliable (u8), room (u16 length, 0xffff for none, UTF-8), message;
 * - reply: ok (u8), closed (u8: 0 absent, 1 false, 2 true), delivered and failed (u32 each,
 *   0xffffffff absent), code (u8 length, ASCII), message (UTF-8, to the end);
 * - oks: request IDs (u32 each, to the end).
 *
 * @module
 */
import { toHex } from "../../core/hex.ts";
import { sessionIdBytes } from "./session_ids.ts";

/** A frame's header: what it is and who sent it. */
export type FrameHeader =
  /** Deliver the body to session `s`. */
  | { t: "send"; r: number; f: string; s: string; c: number; u: boolean }
  /** Close session `s`. */
  | { t: "close"; r: number; f: string; s: string; why: string }
  /** Deliver the body to every local member of room `room` (every session when absent). */
  | { t: "bcast"; r: number; f: string; room?: string; c: number; u: boolean }
  /** The answer to request `r`. */
  | {
    t: "reply";
    r: number;
    f: string;
    ok: boolean;
    code?: string;
    message?: string;
    closed?: boolean;
    delivered?: number;
    failed?: number;
  }
  /** Requests `rs` of member `f`'s sends, all delivered. */
  | { t: "oks"; f: string; rs: number[] };

/** A decoded frame. */
export interface Frame {
  /** What it is and who sent it. */
  header: FrameHeader;
  /** The message bytes (empty for frames without a message). */
  body: Uint8Array;
}

const KIND = { send: 1, close: 2, bcast: 3, reply: 4, oks: 5 } as const;
const NONE_U16 = 0xffff;
const NONE_U32 = 0xffffffff;
/** A member name is at most 200 characters, so at most 800 UTF-8 bytes. */
const MAX_MEMBER_BYTES = 800;
const MAX_CODE_BYTES = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const EMPTY = new Uint8Array(0);

// Members name themselves on every frame: the last few encodings are kept.
const memberCache = new Map<string, Uint8Array>();

function memberBytes(member: string): Uint8Array {
  let bytes = memberCache.get(member);
  if (!bytes) {
    if (memberCache.size >= 64) memberCache.clear();
    memberCache.set(member, bytes = encoder.encode(member));
  }
  return bytes;
}

/** Writes into one buffer of known size. */
class Writer {
  readonly out: Uint8Array;
  readonly #view: DataView;
  at = 0;

  constructor(size: number) {
    this.out = new Uint8Array(size);
    this.#view = new DataView(this.out.buffer);
  }

  u8(n: number): void {
    this.out[this.at++] = n;
  }

  u16(n: number): void {
    this.#view.setUint16(this.at, n);
    this.at += 2;
  }

  u32(n: number): void {
    this.#view.setUint32(this.at, n);
    this.at += 4;
  }

  bytes(b: Uint8Array): void {
    this.out.set(b, this.at);
    this.at += b.length;
  }
}

/**
 * Encodes a frame; `body` is the message of a send or broadcast (other kinds carry none).
 *
 * @throws {RangeError} for a member name over 800 bytes, or a request ID or count outside u32
 */
export function encodeFrame(header: FrameHeader, body: Uint8Array = EMPTY): Uint8Array {
  const f = memberBytes(header.f);
  if (f.length > MAX_MEMBER_BYTES) throw new RangeError(`Member name "${header.f}" is too long`);
  if (header.t === "oks") {
    const w = new Writer(3 + f.length + 4 * header.rs.length);
    w.u8(KIND.oks);
    w.u16(f.length);
    w.bytes(f);
    for (const r of header.rs) w.u32(checkU32(r));
    return w.out;
  }
  const head = 7 + f.length;
  let w: Writer;
  switch (header.t) {
    case "send":
      w = new Writer(head + 19 + body.length);
      start(w, KIND.send, header.r, f);
      w.bytes(sessionIdBytes(header.s));
      w.u16(header.c);
      w.u8(header.u ? 1 : 0);
      break;
    case "close": {
      const why = encoder.encode(header.why);
      w = new Writer(head + 16 + why.length);
      start(w, KIND.close, header.r, f);
      w.bytes(sessionIdBytes(header.s));
      w.bytes(why);
      return w.out;
    }
    case "bcast": {
      const room = header.room === undefined ? undefined : encoder.encode(header.room);
      if (room && room.length >= NONE_U16) throw new RangeError("Room name is too long");
      w = new Writer(head + 5 + (room?.length ?? 0) + body.length);
      start(w, KIND.bcast, header.r, f);
      w.u16(header.c);
      w.u8(header.u ? 1 : 0);
      w.u16(room ? room.length : NONE_U16);
      if (room) w.bytes(room);
      break;
    }
    case "reply": {
      const code = encoder.encode((header.code ?? "").slice(0, MAX_CODE_BYTES));
      const message = header.message === undefined ? EMPTY : encoder.encode(header.message);
      w = new Writer(head + 11 + code.length + message.length);
      start(w, KIND.reply, header.r, f);
      w.u8(header.ok ? 1 : 0);
      w.u8(header.closed === undefined ? 0 : header.closed ? 2 : 1);
      w.u32(header.delivered === undefined ? NONE_U32 : checkU32(header.delivered));
      w.u32(header.failed === undefined ? NONE_U32 : checkU32(header.failed));
      w.u8(code.length);
      w.bytes(code);
      w.bytes(message);
      return w.out;
    }
  }
  w.bytes(body);
  return w.out;
}

function start(w: Writer, kind: number, r: number, f: Uint8Array): void {
  w.u8(kind);
  w.u32(checkU32(r));
  w.u16(f.length);
  w.bytes(f);
}

function checkU32(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n >= NONE_U32) {
    throw new RangeError(`Cannot encode ${n} in a cluster frame: use an integer below 2^32 - 1`);
  }
  return n;
}

/** The frames of one PUBLISH (a batch or a single frame), and how many were malformed. */
export function decodeFrames(bytes: Uint8Array): { frames: Frame[]; malformed: number } {
  if (bytes[0] !== 0) {
    const frame = decodeFrame(bytes);
    return frame ? { frames: [frame], malformed: 0 } : { frames: [], malformed: 1 };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let malformed = 0;
  let at = 1;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) return { frames, malformed: malformed + 1 };
    const length = view.getUint32(at);
    at += 4;
    if (at + length > bytes.length) return { frames, malformed: malformed + 1 };
    const frame = decodeFrame(bytes.subarray(at, at + length));
    if (frame) frames.push(frame);
    else malformed++;
    at += length;
  }
  return { frames, malformed };
}

/** Encodes frames as one batch. */
export function encodeBatch(frames: readonly Uint8Array[]): Uint8Array {
  let size = 1;
  for (const frame of frames) size += 4 + frame.length;
  const w = new Writer(size);
  w.u8(0);
  for (const frame of frames) {
    w.u32(frame.length);
    w.bytes(frame);
  }
  return w.out;
}

/** Reads a frame; every read past the end throws, and `decodeFrame` turns that into `undefined`. */
class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get left(): number {
    return this.#bytes.length - this.at;
  }

  u8(): number {
    return this.#view.getUint8(this.at++);
  }

  u16(): number {
    const n = this.#view.getUint16(this.at);
    this.at += 2;
    return n;
  }

  u32(): number {
    const n = this.#view.getUint32(this.at);
    this.at += 4;
    return n;
  }

  take(n: number): Uint8Array {
    if (n > this.left) throw new RangeError("short frame");
    const out = this.#bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  text(n: number): string {
    return decoder.decode(this.take(n));
  }

  rest(): Uint8Array {
    return this.take(this.left);
  }
}

/** Decodes a frame, or gives `undefined` for anything malformed. */
export function decodeFrame(bytes: Uint8Array): Frame | undefined {
  try {
    return readFrame(new Reader(bytes));
  } catch {
    return undefined;
  }
}

function readFrame(rd: Reader): Frame | undefined {
  const kind = rd.u8();
  if (kind === KIND.oks) {
    const f = member(rd);
    if (f === undefined || rd.left % 4 !== 0) return undefined;
    const rs: number[] = [];
    while (rd.left > 0) rs.push(rd.u32());
    return { header: { t: "oks", f, rs }, body: EMPTY };
  }
  const r = rd.u32();
  const f = member(rd);
  if (f === undefined) return undefined;
  switch (kind) {
    case KIND.send: {
      const s = toHex(rd.take(16));
      const c = rd.u16();
      const u = flag(rd.u8());
      if (u === undefined) return undefined;
      return { header: { t: "send", r, f, s, c, u }, body: rd.rest().slice() };
    }
    case KIND.close: {
      const s = toHex(rd.take(16));
      return { header: { t: "close", r, f, s, why: rd.text(rd.left) }, body: EMPTY };
    }
    case KIND.bcast: {
      const c = rd.u16();
      const u = flag(rd.u8());
      const roomLength = rd.u16();
      if (u === undefined) return undefined;
      const room = roomLength === NONE_U16 ? undefined : rd.text(roomLength);
      const header: FrameHeader = { t: "bcast", r, f, c, u };
      if (room !== undefined) header.room = room;
      return { header, body: rd.rest().slice() };
    }
    case KIND.reply: {
      const ok = flag(rd.u8());
      const closed = rd.u8();
      const delivered = rd.u32();
      const failed = rd.u32();
      const code = rd.text(rd.u8());
      const message = rd.text(rd.left);
      if (ok === undefined || closed > 2) return undefined;
      const header: FrameHeader = { t: "reply", r, f, ok };
      if (closed !== 0) header.closed = closed === 2;
      if (delivered !== NONE_U32) header.delivered = delivered;
      if (failed !== NONE_U32) header.failed = failed;
      if (code !== "") header.code = code;
      if (message !== "") header.message = message;
      return { header, body: EMPTY };
    }
  }
  return undefined;
}

function member(rd: Reader): string | undefined {
  const length = rd.u16();
  return length === 0 || length > MAX_MEMBER_BYTES ? undefined : rd.text(length);
}

function flag(n: number): boolean | undefined {
  return n === 0 ? false : n === 1 ? true : undefined;
}
