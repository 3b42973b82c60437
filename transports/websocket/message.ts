/**
 * What travels over a Thing WebSocket besides packets: the checks on an inbound message and the
 * one text message a server sends first, telling the client the address the server sees it as
 * (a browser cannot learn its own port). Sans-IO, no runtime APIs.
 *
 * @module
 */

import type { PeerAddress } from "../../core/transport.ts";
import { HEADER_SIZE, LENGTH_OFFSET } from "../_limits.ts";

/**
 * Close code for a text or otherwise unsupported message (4000 + RFC 6455's 1003; browsers and
 * Deno let an application close only with 1000 or 3000..4999).
 */
const CLOSE_UNSUPPORTED = 4003;
/** Close code for a message whose size does not match its header (4000 + RFC 6455's 1007). */
const CLOSE_INVALID = 4007;
/** Close code for a message larger than the link's limit (4000 + RFC 6455's 1009). */
const CLOSE_TOO_BIG = 4009;
/** Close code for every ordinary close: disconnect, link closed (RFC 6455 1000). */
export const CLOSE_NORMAL = 1000;

/** Whether a close code says the far end dropped this side for sending a bad message. */
export function isFaultCode(code: number): boolean {
  return code === CLOSE_UNSUPPORTED || code === CLOSE_INVALID || code === CLOSE_TOO_BIG;
}

/** Why an inbound message is not one Thing packet, with the close code to answer it with. */
export interface MessageFault {
  /** RFC 6455 close code. */
  code: number;
  /** What was wrong, for the error reported to the link's handlers. */
  reason: string;
}

/**
 * Checks that `data` is one binary message holding exactly one Thing packet.
 *
 * @param data a message event's `data` (`binaryType` "arraybuffer")
 * @param maxPacketSize the link's limit
 * @returns the packet bytes, or the fault that disconnects the peer
 */
export function readPacketMessage(data: unknown, maxPacketSize: number): Uint8Array | MessageFault {
  if (!(data instanceof ArrayBuffer)) {
    return { code: CLOSE_UNSUPPORTED, reason: "it sent a non-binary message" };
  }
  const size = data.byteLength;
  if (size > maxPacketSize) {
    return {
      code: CLOSE_TOO_BIG,
      reason: `it sent a '${size}'-byte message; the limit is '${maxPacketSize}'`,
    };
  }
  if (size < HEADER_SIZE) {
    return {
      code: CLOSE_INVALID,
      reason: `it sent a '${size}'-byte message, shorter than a header`,
    };
  }
  const bytes = new Uint8Array(data);
  const expected = HEADER_SIZE + ((bytes[LENGTH_OFFSET]! << 8) | bytes[LENGTH_OFFSET + 1]!);
  if (expected !== size) {
    return {
      code: CLOSE_INVALID,
      reason: `it sent a '${size}'-byte message whose header claims '${expected}' bytes`,
    };
  }
  return bytes;
}

const WELCOME_TAG = "thing-ws/1";

/** The server's first message: `{"thing":"thing-ws/1","hostname":…,"port":…}`. */
export function encodeWelcome(peer: PeerAddress): string {
  return JSON.stringify({ thing: WELCOME_TAG, hostname: peer.hostname, port: peer.port });
}

/**
 * Reads the server's first message.
 *
 * @returns the client's address as the server sees it, or undefined if `data` is not a welcome
 */
export function decodeWelcome(data: unknown): PeerAddress | undefined {
  if (typeof data !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  const { thing, hostname, port } = (parsed ?? {}) as Record<string, unknown>;
  if (thing !== WELCOME_TAG || typeof hostname !== "string") return undefined;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65_535) {
    return undefined;
  }
  return { hostname, port: port as number };
}

/** The `ws:`/`wss:` URL of a Thing WebSocket endpoint (IPv6 hosts get brackets). */
export function webSocketUrl(remote: PeerAddress, path: string, secure: boolean): string {
  const host = remote.hostname.includes(":") ? `[${remote.hostname}]` : remote.hostname;
  return `${secure ? "wss" : "ws"}://${host}:${remote.port}${path}`;
}
