/**
 * The packet model and the fixed wire layout: a 64-byte header followed by the payload.
 *
 * | offset | size | field                                   |
 * |-------:|-----:|-----------------------------------------|
 * |      0 |   32 | SHA-256 of bytes 32..end (see below)    |
 * |     32 |   16 | client ID                               |
 * |     48 |    1 | packet type                             |
 * |     49 |    3 | reserved (zero unless a plugin claims)  |
 * |     52 |    2 | payload length (big-endian)             |
 * |     54 |    2 | custom ID (big-endian)                  |
 * |     56 |    8 | packet order count (big-endian u64)     |
 *
 * A packet with {@link AUTHENTICATED_BIT} set ends with a 16-byte authentication tag that covers
 * its payload (e.g. a sealed packet of an encrypting dialect); its checksum is the SHA-256 of bytes 32..63 and that tag
 * only, so the payload is not hashed a second time.
 *
 * @module
 */

/** Size of the fixed header in bytes. */
export const HEADER_SIZE = 64;
/** Size of the checksum field. */
export const CHECKSUM_SIZE = 32;
/** Size of the client ID field. */
export const CLIENT_ID_SIZE = 16;
/** The largest payload: one IPv4 UDP datagram (65,535 − 20 − 8) less the header. */
export const MAX_PAYLOAD_SIZE = 65_443;
/** The largest whole packet. */
export const MAX_PACKET_SIZE: number = HEADER_SIZE + MAX_PAYLOAD_SIZE;
/** Order counts are JavaScript numbers, so at most 2^53 − 1 (a u64 on the wire). */
export const MAX_ORDER: number = Number.MAX_SAFE_INTEGER;

/**
 * Bit 23 of the reserved field: the payload ends with a {@link TAG_SIZE}-byte authentication tag
 * covering it, and the checksum covers the header and that tag instead of the whole packet. An
 * endpoint accepts such packets only when a plugin has claimed them
 * (`PluginApi.claimAuthenticated()`) and so promises to authenticate every one.
 */
export const AUTHENTICATED_BIT = 0x80_0000;
/** Size of the authentication tag at the end of a packet with {@link AUTHENTICATED_BIT}. */
export const TAG_SIZE = 16;

/** Byte offsets of each header field. */
export const Offset = {
  checksum: 0,
  clientId: 32,
  type: 48,
  reserved: 49,
  length: 52,
  customId: 54,
  order: 56,
} as const;

/** One packet, decoded. Byte fields may be views into the received buffer. */
export interface Packet {
  /** Packet type code (0..255). */
  type: number;
  /** The 16-byte client ID naming the session. */
  clientId: Uint8Array;
  /** The 24-bit reserved field (0 unless a plugin claims bits). */
  reserved: number;
  /** Application channel number (0..65535). */
  customId: number;
  /** Per-sender, per-session packet order count. */
  order: number;
  /** The payload (at most 65,443 bytes). */
  payload: Uint8Array;
  /** The 32-byte checksum field as received; empty on a packet not yet encoded. */
  checksum: Uint8Array;
}

/** The fields a sender chooses; the rest are filled in by the session. */
export interface PacketInit {
  /** Packet type code. */
  type: number;
  /** Payload bytes (default empty). */
  payload?: Uint8Array;
  /** Custom ID (default 0). */
  customId?: number;
  /** Reserved bits (default 0). */
  reserved?: number;
  /**
   * Order count to send with, instead of taking the session's next one: a retransmission reuses
   * the order count of the packet it repeats, so the receiver can recognise it.
   */
  order?: number;
  /**
   * Called with the encoded bytes once the packet has passed the outbound pipeline, e.g. to learn
   * its checksum (bytes 0..31) for matching an ACK. Not called if middleware drops the packet.
   */
  onEncoded?: (bytes: Uint8Array) => void;
  /**
   * Whether `onEncoded` only reads the bytes during the call and keeps no reference to them (default
   * false: it may keep them). Then the core may reuse their buffer for a later packet once the link
   * has sent them, as it does for packets without an `onEncoded` hook.
   */
  borrowsEncoded?: boolean;
}

/**
 * A type code as `0xNN`: how a packet type is named where no registry knows it. Dialects own their
 * codes and names (`api.registerPacketType()`); 0x80–0xFF are left to applications by the
 * built-in ones.
 */
export function packetTypeName(code: number): string {
  return `0x${code.toString(16).padStart(2, "0")}`;
}
