/**
 * Small helpers of the data plugin: checking a message before it is queued, and matching the
 * checksum an ACK names without allocating.
 *
 * @module
 */
import { MAX_PAYLOAD_SIZE } from "../../core/packet.ts";

/** The error `send()` should fail with for this message, or `undefined` when it is sendable. */
export function checkMessage(data: Uint8Array, customId: number): Error | undefined {
  if (!(data instanceof Uint8Array)) {
    return new TypeError(`Cannot send ${typeof data} as a message: pass a Uint8Array`);
  }
  if (data.length > MAX_PAYLOAD_SIZE) {
    return new RangeError(
      `Cannot send a message of ${data.length} bytes: the limit is ${MAX_PAYLOAD_SIZE}; split it`,
    );
  }
  if (!Number.isInteger(customId) || customId < 0 || customId > 0xffff) {
    return new RangeError(`Cannot send on custom ID ${customId}: use an integer from 0 to 65535`);
  }
  return undefined;
}

/** The first 48 bits of a checksum as a number: a map key that needs no allocation. */
export function key48(bytes: Uint8Array): number {
  return (
    (bytes[0]! * 0x10000000000) + (bytes[1]! * 0x100000000) +
    (((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0)
  );
}
