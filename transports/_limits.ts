/**
 * Packet size limits every transport enforces, and the send-time checks built on them.
 *
 * @module
 */

import { TransportError } from "../core/errors.ts";

/** Bytes in a Thing packet header. */
export const HEADER_SIZE = 64;
/** Offset of the big-endian u16 payload length inside the header. */
export const LENGTH_OFFSET = 52;
/** The largest payload a Thing packet carries. */
export const MAX_PAYLOAD_SIZE = 65_443;
/** The largest Thing packet: header plus the largest payload (also the largest IPv4 UDP payload). */
export const MAX_PACKET_SIZE = HEADER_SIZE + MAX_PAYLOAD_SIZE;

/** Validates a configured `maxPacketSize`, returning the default when it is absent. */
export function resolveMaxPacketSize(value: number | undefined): number {
  if (value === undefined) return MAX_PACKET_SIZE;
  if (!Number.isInteger(value) || value < HEADER_SIZE || value > MAX_PACKET_SIZE) {
    throw new RangeError(
      `Cannot use maxPacketSize '${value}': pass an integer from ${HEADER_SIZE} to ${MAX_PACKET_SIZE}`,
    );
  }
  return value;
}

/** Throws the `TransportError` a `send` owes its caller when the link is closed or `bytes` too big. */
export function checkSend(name: string, closed: boolean, bytes: Uint8Array, max: number): void {
  if (closed) {
    throw new TransportError(
      "THING_ERR_CLOSED",
      `Cannot send on a closed ${name} link: open a new one`,
    );
  }
  if (bytes.byteLength > max) {
    throw new TransportError(
      "THING_ERR_PACKET_TOO_LARGE",
      `Cannot send a packet of '${bytes.byteLength}' bytes over ${name}: the limit is '${max}'`,
    );
  }
}
