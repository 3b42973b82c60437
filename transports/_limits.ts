/**
 * Packet size limits every transport enforces, and the send-time checks built on them.
 *
 * @module
 */

import { TransportError } from "../core/errors.ts";
import { HEADER_SIZE, MAX_PACKET_SIZE, MAX_PAYLOAD_SIZE, Offset } from "../core/packet.ts";
import { addressKey, type PeerAddress } from "../core/transport.ts";

export { HEADER_SIZE, MAX_PACKET_SIZE, MAX_PAYLOAD_SIZE };

/** Offset of the big-endian u16 payload length inside the header. */
export const LENGTH_OFFSET: number = Offset.length;

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

/**
 * Throws the `TransportError` a stream `send` owes its caller when `size` more bytes would take the
 * peer's write buffer past `max`: the caller should await `link.ready(peer)` instead.
 */
export function checkBuffered(
  peer: PeerAddress,
  buffered: number,
  size: number,
  max: number,
): void {
  if (buffered + size > max) {
    throw new TransportError(
      "THING_ERR_BACKPRESSURE",
      `Cannot queue '${size}' more bytes for '${
        addressKey(peer)
      }': '${buffered}' are buffered already; await link.ready(peer) before sending`,
    );
  }
}
