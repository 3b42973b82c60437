/**
 * Encodes and decodes packets. Decoding is total: any input either yields a packet or throws one
 * `DecodeError` with a stable code, never a stray `RangeError`.
 *
 * @module
 */
import { DecodeError } from "./errors.ts";
import {
  AUTHENTICATED_BIT,
  CHECKSUM_SIZE,
  CLIENT_ID_SIZE,
  HEADER_SIZE,
  MAX_ORDER,
  MAX_PAYLOAD_SIZE,
  Offset,
  type Packet,
  TAG_SIZE,
} from "./packet.ts";
import { packetSlab } from "./byte_slab.ts";
import { plainView } from "./byte_view.ts";
import { framePool } from "./frame_pool.ts";
import { defaultSha256, type Sha256 } from "./sha256.ts";

const TWO_32 = 4294967296;
/** Reused by `checksumValid` (digests are synchronous, so one buffer serves every call). */
const scratchDigest = new Uint8Array(CHECKSUM_SIZE);
/** Reused for the checksum input of an authenticated packet: header bytes 32..63, then the tag. */
const scratchTagged = new Uint8Array(HEADER_SIZE - CHECKSUM_SIZE + TAG_SIZE);
/** The authenticated bit as it appears in the first byte of the reserved field. */
const AUTHENTICATED_BYTE = AUTHENTICATED_BIT >>> 16;

/** Payloads made by {@link framedPayload} whose header room is still unused. */
const framed = new WeakSet<Uint8Array>();

/**
 * A new payload of `length` bytes with room for the 64-byte header in front of it, in the same
 * buffer: fill it (a sealer encrypts straight into it) and `encodePacket` writes the header into
 * that room and returns the whole packet, without copying the payload. Only the first encode of
 * it does so; any later one copies, so bytes already handed out never change.
 *
 * Write every byte of it: packets above 4 KiB (header included) are not zero-filled first (that cost a sealed 16 KiB packet more than its encoding), so an unwritten byte holds
 * whatever the memory held.
 *
 * @throws {RangeError} when `length` is above the largest payload
 * @example
 * ```ts
 * const payload = framedPayload(3);
 * payload.set([1, 2, 3]);
 * const bytes = encodePacket({ type: 0x07, clientId: new Uint8Array(16), reserved: 0,
 *   customId: 1, order: 0, payload, checksum: new Uint8Array() });
 * console.assert(bytes.buffer === payload.buffer);
 * ```
 */
export function framedPayload(length: number): Uint8Array {
  if (!isUint(length, MAX_PAYLOAD_SIZE)) {
    throw new RangeError(
      `Cannot make a payload of ${length} bytes: it must be 0..${MAX_PAYLOAD_SIZE}`,
    );
  }
  const frame = takeFrame(HEADER_SIZE + length);
  const payload = new Uint8Array(frame.buffer, frame.byteOffset + HEADER_SIZE, length);
  framed.add(payload);
  return payload;
}

/** Packets up to this many bytes come from the shared slab, larger ones get a buffer of their own. */
const FRAME_SLAB_LIMIT = 4096;

/**
 * Bytes for one packet that the caller overwrites whole: a slab view, or a whole buffer leased from
 * `framePool` (unzeroed; reused once a link has sent an earlier packet of the size in it).
 */
function takeFrame(size: number): Uint8Array {
  return size > FRAME_SLAB_LIMIT ? framePool.take(size) : packetSlab.take(size);
}

/** Fields written into a header; `length` is taken from the payload unless given. */
export interface HeaderFields {
  /** Packet type code. */
  type: number;
  /** The 16-byte client ID. */
  clientId: Uint8Array;
  /** 24-bit reserved field. */
  reserved: number;
  /** Custom ID. */
  customId: number;
  /** Order count. */
  order: number;
}

/**
 * Writes bytes 32..63 of a header (everything but the checksum) into `out` at `offset`.
 * Used by the encoder and by plugins that authenticate the header as associated data.
 *
 * @throws {RangeError} when a field is out of range
 */
export function writeHeaderFields(
  fields: HeaderFields,
  payloadLength: number,
  out: Uint8Array,
  offset: number,
): void {
  checkFields(fields, payloadLength);
  if (out.length < offset + HEADER_SIZE - CHECKSUM_SIZE) {
    throw new RangeError(
      `Cannot write header fields at offset ${offset} of ${out.length} bytes: they need 32`,
    );
  }
  writeCheckedFields(fields, payloadLength, out, offset);
}

/** `writeHeaderFields` for fields already checked, into room already known to be there. */
function writeCheckedFields(
  fields: HeaderFields,
  payloadLength: number,
  out: Uint8Array,
  offset: number,
): void {
  // Byte stores instead of `set()` and a DataView: no call or allocation per field (this runs on
  // every send).
  const clientId = fields.clientId;
  let at = offset;
  for (let i = 0; i < CLIENT_ID_SIZE; i++) out[at++] = clientId[i]!;
  const { reserved, customId, order } = fields;
  out[at++] = fields.type;
  out[at++] = reserved >>> 16;
  out[at++] = reserved >>> 8;
  out[at++] = reserved;
  out[at++] = payloadLength >>> 8;
  out[at++] = payloadLength;
  out[at++] = customId >>> 8;
  out[at++] = customId;
  writeU32(out, at, Math.floor(order / TWO_32));
  writeU32(out, at + 4, order >>> 0);
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! * 0x1000000) +
    ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** Whether the encoded packet `bytes` has {@link AUTHENTICATED_BIT} set. */
function isAuthenticated(bytes: Uint8Array): boolean {
  return (bytes[Offset.reserved]! & AUTHENTICATED_BYTE) !== 0;
}

/**
 * Writes the checksum of the encoded packet `bytes` into `out` at `offset`: the SHA-256 of bytes
 * 32..end, or, with {@link AUTHENTICATED_BIT} set, of bytes 32..63 followed by the last
 * {@link TAG_SIZE} bytes (the tag that already covers the payload).
 */
function checksumInto(bytes: Uint8Array, hash: Sha256, out: Uint8Array, offset: number): void {
  if (!isAuthenticated(bytes)) return hash.digestInto(bytes.subarray(CHECKSUM_SIZE), out, offset);
  const input = scratchTagged;
  const headerFields = HEADER_SIZE - CHECKSUM_SIZE;
  for (let i = 0; i < headerFields; i++) input[i] = bytes[CHECKSUM_SIZE + i]!;
  const tag = bytes.length - TAG_SIZE;
  for (let i = 0; i < TAG_SIZE; i++) input[headerFields + i] = bytes[tag + i]!;
  hash.digestInto(input, out, offset);
}

/**
 * Encodes a packet: header, payload, then its checksum into bytes 0..31 — the SHA-256 of bytes
 * 32..end, or of the header and the final tag when `reserved` has {@link AUTHENTICATED_BIT}.
 *
 * @param packet the fields to send (the `checksum` field is ignored)
 * @param hash the SHA-256 provider (default: fastest on this runtime)
 * @returns new bytes, exactly 64 + payload length of them; packets up to 4 KiB are views of a
 *   shared slab (see `core/byte_slab.ts`): `slice()` them before transferring their `.buffer`;
 *   larger ones fill a buffer leased from `framePool` (`core/frame_pool.ts`), which goes back to it
 *   only through `framePool.releaser()`. A payload from {@link framedPayload} is not copied: the
 *   result shares its buffer.
 * @throws {RangeError} when a field is out of range, the payload is too large, or an authenticated
 *   payload is shorter than its tag
 * @example
 * ```ts
 * const bytes = encodePacket({ type: 0x07, clientId: new Uint8Array(16), reserved: 0,
 *   customId: 1, order: 0, payload: new Uint8Array([1, 2, 3]), checksum: new Uint8Array() });
 * console.assert(bytes.length === 67);
 * ```
 */
export function encodePacket(packet: Packet, hash: Sha256 = defaultSha256()): Uint8Array {
  const length = packet.payload.length;
  if ((packet.reserved & AUTHENTICATED_BIT) !== 0 && length < TAG_SIZE) {
    throw new RangeError(
      `Cannot encode an authenticated payload of ${length} bytes: it must end with a ${TAG_SIZE}-byte tag`,
    );
  }
  const payload = packet.payload;
  checkFields(packet, length);
  let out: Uint8Array;
  if (framed.delete(payload)) {
    out = new Uint8Array(payload.buffer, payload.byteOffset - HEADER_SIZE, HEADER_SIZE + length);
  } else {
    out = takeFrame(HEADER_SIZE + length);
    out.set(payload, HEADER_SIZE);
  }
  writeCheckedFields(packet, length, out, CHECKSUM_SIZE);
  checksumInto(out, hash, out, 0);
  return out;
}

/**
 * Decodes the header and payload of `bytes` without checking the checksum. The result's byte
 * fields are views into `bytes`.
 *
 * @throws {DecodeError} `THING_ERR_TRUNCATED` (also for an authenticated payload shorter than its
 *   tag), `THING_ERR_LENGTH_MISMATCH`, `THING_ERR_PAYLOAD_TOO_LARGE` or `THING_ERR_ORDER_RANGE`
 */
export function decodeUnverified(bytes: Uint8Array): Packet {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot decode a packet from ${typeof bytes}: pass a Uint8Array`);
  }
  if (bytes.length < HEADER_SIZE) {
    throw new DecodeError(
      "THING_ERR_TRUNCATED",
      `Cannot decode a packet of ${bytes.length} bytes: the header alone is ${HEADER_SIZE}`,
      bytes.length,
    );
  }
  const length = (bytes[Offset.length]! << 8) | bytes[Offset.length + 1]!;
  if (length > MAX_PAYLOAD_SIZE) {
    throw new DecodeError(
      "THING_ERR_PAYLOAD_TOO_LARGE",
      `Cannot decode a payload length of ${length}: the limit is ${MAX_PAYLOAD_SIZE}`,
      Offset.length,
    );
  }
  if (bytes.length !== HEADER_SIZE + length) {
    throw new DecodeError(
      "THING_ERR_LENGTH_MISMATCH",
      `Cannot decode a packet of ${bytes.length} bytes whose length field says ${
        HEADER_SIZE + length
      }`,
      Offset.length,
    );
  }
  if (length < TAG_SIZE && isAuthenticated(bytes)) {
    throw new DecodeError(
      "THING_ERR_TRUNCATED",
      `Cannot decode an authenticated payload of ${length} bytes: it must end with a ${TAG_SIZE}-byte tag`,
      Offset.length,
    );
  }
  const high = readU32(bytes, Offset.order);
  if (high > 0x1fffff) {
    throw new DecodeError(
      "THING_ERR_ORDER_RANGE",
      `Cannot decode an order count above ${MAX_ORDER}`,
      Offset.order,
    );
  }
  return {
    type: bytes[Offset.type]!,
    reserved: (bytes[Offset.reserved]! << 16) | (bytes[Offset.reserved + 1]! << 8) |
      bytes[Offset.reserved + 2]!,
    clientId: plainView(bytes, Offset.clientId, Offset.clientId + CLIENT_ID_SIZE),
    customId: (bytes[Offset.customId]! << 8) | bytes[Offset.customId + 1]!,
    order: high * TWO_32 + readU32(bytes, Offset.order + 4),
    payload: plainView(bytes, HEADER_SIZE, HEADER_SIZE + length),
    checksum: plainView(bytes, 0, CHECKSUM_SIZE),
  };
}

/**
 * Whether the checksum field of a well-framed packet is right: the SHA-256 of bytes 32..end, or of
 * the header and tag for a packet with {@link AUTHENTICATED_BIT} (whose payload only its tag
 * protects: accept one only where a plugin authenticates it).
 */
export function checksumValid(bytes: Uint8Array, hash: Sha256 = defaultSha256()): boolean {
  const digest = scratchDigest;
  checksumInto(bytes, hash, digest, 0);
  for (let i = 0; i < CHECKSUM_SIZE; i++) if (digest[i] !== bytes[i]) return false;
  return true;
}

/** A packet whose framing is sound but whose checksum does not verify. */
export class ChecksumError extends DecodeError {
  /** The packet as received, for an answer such as BAD_ACK. */
  readonly packet: Packet;

  /** Creates the error for `packet`. */
  constructor(packet: Packet) {
    super("THING_ERR_CHECKSUM", "Cannot accept a packet whose checksum does not verify", 0);
    this.name = "ChecksumError";
    this.packet = packet;
  }
}

/**
 * Decodes and verifies a packet. Byte fields of the result are views into `bytes`.
 *
 * @throws {DecodeError} for malformed framing, or {@link ChecksumError} (code
 *   `THING_ERR_CHECKSUM`) carrying the unverified packet when only the checksum is wrong
 */
export function decodePacket(bytes: Uint8Array, hash: Sha256 = defaultSha256()): Packet {
  const packet = decodeUnverified(bytes);
  if (!checksumValid(bytes, hash)) throw new ChecksumError(packet);
  return packet;
}

function checkFields(fields: HeaderFields, payloadLength: number): void {
  if (fields.clientId.length !== CLIENT_ID_SIZE) {
    throw new RangeError(
      `Cannot encode a client ID of ${fields.clientId.length} bytes: it must be 16`,
    );
  }
  if (!isUint(fields.type, 0xff)) {
    throw new RangeError(`Cannot encode packet type ${fields.type}: it must be 0..255`);
  }
  if (!isUint(fields.reserved, 0xffffff)) {
    throw new RangeError(`Cannot encode reserved bits ${fields.reserved}: they must fit 24 bits`);
  }
  if (!isUint(fields.customId, 0xffff)) {
    throw new RangeError(`Cannot encode custom ID ${fields.customId}: it must be 0..65535`);
  }
  if (!isUint(fields.order, MAX_ORDER)) {
    throw new RangeError(`Cannot encode order count ${fields.order}: it must be 0..${MAX_ORDER}`);
  }
  if (!isUint(payloadLength, MAX_PAYLOAD_SIZE)) {
    throw new RangeError(
      `Cannot encode a payload length of ${payloadLength}: it must be 0..${MAX_PAYLOAD_SIZE}`,
    );
  }
}

function isUint(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}
