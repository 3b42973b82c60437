/**
 * Payload layouts of the Thing handshake packets (CHI, SHI, SDH, CDH; CRH and SRH are in
 * resumption_packets.ts) and the transcript entry of a packet. Decoders are total: malformed input gives `undefined`, never an exception.
 * See docs/PROTOCOL.md §3 for the byte tables.
 *
 * @module
 */
import { writeHeaderFields } from "../../core/codec.ts";
import { HEADER_SIZE, type Packet } from "../../core/packet.ts";
import { decodeExtensions, encodeExtensions, type Extension } from "../../core/extensions.ts";

/** The Thing dialect's packet type codes (docs/PROTOCOL.md §3); DATA_NOACK carries datagrams. */
export const ThingPacket = {
  DATA_NOACK: 0x07,
  CHI: 0x20,
  SHI: 0x21,
  SDH: 0x22,
  CDH: 0x23,
  SCC: 0x24,
  CCC: 0x25,
  SHF: 0x26,
  CHB: 0x27,
  SUU: 0x28,
  CGB: 0x29,
  SGB: 0x2a,
  CFL: 0x2b,
  SFL: 0x2c,
  CRH: 0x2d,
  SRH: 0x2e,
} as const;

/** The protocol version carried in CHI and SHI. */
export const THING_VERSION = 1;
/** Every CHI payload is padded to at least this size, so the server's first flight fits 3x it. */
export const CHI_PAYLOAD_SIZE = 256;
/** Size of a stateless cookie: 4-byte timestamp and a 16-byte truncated HMAC. */
export const COOKIE_SIZE = 20;
/** Size of the client random in CHI. */
export const RANDOM_SIZE = 32;
/** SHI flag: this SHI is a retry carrying a cookie, not an acceptance. */
export const SHI_FLAG_RETRY = 0x01;
/** Header bit (bit 0 of the reserved field) carrying the key phase of a sealed packet. */
export const KEY_PHASE_BIT = 0x01;

/**
 * Sealed packets sent with the whole-packet checksum instead of `AUTHENTICATED_BIT`: a key
 * confirmation corrupted on the way must fail the checksum (and be sent again), not fail
 * authentication, which would end the handshake as a key mismatch.
 */
export const FULL_CHECKSUM_TYPES: ReadonlySet<number> = new Set([ThingPacket.SCC, ThingPacket.CCC]);

/** The handshake packets sent in the clear (everything else is sealed). */
export const PLAINTEXT_TYPES: ReadonlySet<number> = new Set([
  ThingPacket.CHI,
  ThingPacket.SHI,
  ThingPacket.SDH,
  ThingPacket.CDH,
  ThingPacket.CRH,
  ThingPacket.SRH,
]);

/** CHI: what the client offers. */
export interface ClientHello {
  /** Cipher suite ids, most preferred first. */
  suites: number[];
  /** 32 fresh random bytes. */
  random: Uint8Array;
  /** The cookie echoed from a retry SHI, if any. */
  cookie: Uint8Array | undefined;
  /** Extensions offered (none when absent). */
  extensions?: Extension[];
}

/** SHI: a retry with a cookie, or the server's choice (with the extensions it took). */
export type ServerHello =
  | { retry: true; cookie: Uint8Array }
  | { retry: false; suite: number; ttl: number; extensions?: Extension[] };

/** SDH: the server's ephemeral key, identity key and signature. */
export interface ServerKeys {
  /** X25519 ephemeral public key. */
  ephemeral: Uint8Array;
  /** Ed25519 identity public key. */
  identity: Uint8Array;
  /** Ed25519 signature over the transcript so far. */
  signature: Uint8Array;
}

/** Size of an SDH payload. */
export const SDH_PAYLOAD_SIZE = 128;

/** Encodes a CHI payload, its extensions after the cookie, zero-padded to `CHI_PAYLOAD_SIZE`. */
export function encodeClientHello(hello: ClientHello): Uint8Array {
  const cookie = hello.cookie ?? new Uint8Array(0);
  const extensions = encodeExtensions(hello.extensions);
  const used = 3 + hello.suites.length + RANDOM_SIZE + 1 + cookie.length;
  const out = new Uint8Array(Math.max(CHI_PAYLOAD_SIZE, used + extensions.length));
  out[0] = THING_VERSION;
  out[1] = 0;
  out[2] = hello.suites.length;
  out.set(hello.suites, 3);
  let at = 3 + hello.suites.length;
  out.set(hello.random, at);
  at += RANDOM_SIZE;
  out[at] = cookie.length;
  out.set(cookie, at + 1);
  out.set(extensions, used);
  return out;
}

/**
 * Decodes a CHI payload; `undefined` when short, of another version, or malformed (no suite, a
 * cookie that is not 0 or 20 bytes, or a broken extension list).
 */
export function decodeClientHello(payload: Uint8Array): Required<ClientHello> | undefined {
  if (payload.length < CHI_PAYLOAD_SIZE || payload[0] !== THING_VERSION) return undefined;
  const count = payload[2]!;
  if (count === 0) return undefined;
  let at = 3 + count;
  const suites = [...payload.subarray(3, at)];
  const random = payload.slice(at, at + RANDOM_SIZE);
  at += RANDOM_SIZE;
  const cookieLength = payload[at]!;
  if (cookieLength !== 0 && cookieLength !== COOKIE_SIZE) return undefined;
  if (at + 1 + cookieLength > payload.length) return undefined;
  const cookie = cookieLength === 0 ? undefined : payload.slice(at + 1, at + 1 + cookieLength);
  const extensions = decodeExtensions(payload.subarray(at + 1 + cookieLength));
  return extensions && { suites, random, cookie, extensions };
}

/** Encodes an SHI payload. */
export function encodeServerHello(hello: ServerHello): Uint8Array {
  if (hello.retry) {
    const out = new Uint8Array(3 + hello.cookie.length);
    out[0] = THING_VERSION;
    out[1] = SHI_FLAG_RETRY;
    out[2] = hello.cookie.length;
    out.set(hello.cookie, 3);
    return out;
  }
  const extensions = encodeExtensions(hello.extensions);
  const out = new Uint8Array(7 + extensions.length);
  out[0] = THING_VERSION;
  out[2] = hello.suite;
  new DataView(out.buffer).setUint32(3, hello.ttl);
  out.set(extensions, 7);
  return out;
}

/** Decodes an SHI payload; `undefined` when malformed. */
export function decodeServerHello(payload: Uint8Array): ServerHello | undefined {
  if (payload.length < 3 || payload[0] !== THING_VERSION) return undefined;
  if (payload[1] === SHI_FLAG_RETRY) {
    if (payload[2] !== COOKIE_SIZE || payload.length !== 3 + COOKIE_SIZE) return undefined;
    return { retry: true, cookie: payload.slice(3) };
  }
  if (payload[1] !== 0 || payload.length < 7) return undefined;
  const ttl = new DataView(payload.buffer, payload.byteOffset).getUint32(3);
  const extensions = decodeExtensions(payload.subarray(7));
  return extensions && { retry: false, suite: payload[2]!, ttl, extensions };
}

/** Encodes an SDH payload. */
export function encodeServerKeys(keys: ServerKeys): Uint8Array {
  const out = new Uint8Array(SDH_PAYLOAD_SIZE);
  out.set(keys.ephemeral, 0);
  out.set(keys.identity, 32);
  out.set(keys.signature, 64);
  return out;
}

/** Decodes an SDH payload; `undefined` when it is not 128 bytes. */
export function decodeServerKeys(payload: Uint8Array): ServerKeys | undefined {
  if (payload.length !== SDH_PAYLOAD_SIZE) return undefined;
  return {
    ephemeral: payload.slice(0, 32),
    identity: payload.slice(32, 64),
    signature: payload.slice(64, 128),
  };
}

/**
 * A packet's transcript entry: bytes 32..end of the packet as on the wire (header fields after
 * the checksum, then the payload).
 */
export function transcriptEntry(
  packet: Pick<Packet, "type" | "clientId" | "reserved" | "customId" | "order" | "payload">,
): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE - 32 + packet.payload.length);
  writeHeaderFields(packet, packet.payload.length, out, 0);
  out.set(packet.payload, HEADER_SIZE - 32);
  return out;
}

/** The transcript entry of a handshake packet sent outside a session (order count 0). */
export function handshakeEntry(
  clientId: Uint8Array,
  type: number,
  payload: Uint8Array,
): Uint8Array {
  return transcriptEntry({ type, clientId, reserved: 0, customId: 0, order: 0, payload });
}

/** Concatenates byte strings. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
