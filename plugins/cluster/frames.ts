/**
 * The messages members exchange over pub/sub: a JSON header, a newline, then the raw message bytes
 * (if any). Several frames for one member travel in one PUBLISH as a batch: a 0x00 byte, then each
 * frame as a u32 big-endian length and its bytes. Decoding is total: anything that is not a
 * well-formed frame is counted and skipped, never thrown, since another application may publish
 * on the same Redis.
 *
 * @module
 */
import * as v from "valibot";

const ReqId = v.pipe(v.number(), v.integer(), v.minValue(0));
const Member = v.pipe(v.string(), v.maxLength(200));
const SessionId = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/));

const FrameSchema = v.variant("t", [
  /** Deliver the body to session `s`. */
  v.object({
    t: v.literal("send"),
    r: ReqId,
    f: Member,
    s: SessionId,
    c: v.pipe(v.number(), v.integer(), v.minValue(0)),
    u: v.boolean(),
  }),
  /** Close session `s`. */
  v.object({ t: v.literal("close"), r: ReqId, f: Member, s: SessionId, why: v.string() }),
  /** Deliver the body to every local member of room `room` (every session when absent). */
  v.object({
    t: v.literal("bcast"),
    r: ReqId,
    f: Member,
    room: v.optional(v.string()),
    c: v.pipe(v.number(), v.integer(), v.minValue(0)),
    u: v.boolean(),
  }),
  /** The answer to request `r`. */
  v.object({
    t: v.literal("reply"),
    r: ReqId,
    f: Member,
    ok: v.boolean(),
    code: v.optional(v.string()),
    message: v.optional(v.string()),
    closed: v.optional(v.boolean()),
    delivered: v.optional(v.number()),
    failed: v.optional(v.number()),
  }),
]);

/** A frame's header. */
export type FrameHeader = v.InferOutput<typeof FrameSchema>;

/** A decoded frame. */
export interface Frame {
  /** What it is and who sent it. */
  header: FrameHeader;
  /** The message bytes (empty for frames without a message). */
  body: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const NEWLINE = 0x0a;

/** Encodes a frame. */
export function encodeFrame(header: FrameHeader, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const head = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(head.length + 1 + body.length);
  out.set(head);
  out[head.length] = NEWLINE;
  out.set(body, head.length + 1);
  return out;
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
  const out = new Uint8Array(1 + frames.reduce((n, frame) => n + 4 + frame.length, 0));
  const view = new DataView(out.buffer);
  let at = 1;
  for (const frame of frames) {
    view.setUint32(at, frame.length);
    out.set(frame, at + 4);
    at += 4 + frame.length;
  }
  return out;
}

/** Decodes a frame, or gives `undefined` for anything malformed. */
export function decodeFrame(bytes: Uint8Array): Frame | undefined {
  const end = bytes.indexOf(NEWLINE);
  if (end < 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes.subarray(0, end)));
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(FrameSchema, json);
  if (!parsed.success) return undefined;
  return { header: parsed.output, body: bytes.slice(end + 1) };
}
