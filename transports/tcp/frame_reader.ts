/**
 * Sans-IO framing for stream transports: bytes in, whole Thing packets out. A packet is its
 * 64-byte header plus the payload length read from header bytes 52..53; no extra prefix.
 *
 * @module
 */

import { DecodeError } from "../../core/errors.ts";
import { HEADER_SIZE, LENGTH_OFFSET, MAX_PACKET_SIZE, MAX_PAYLOAD_SIZE } from "../_limits.ts";

/**
 * Splits a byte stream into packets. Memory is bounded by one packet: bytes of an unfinished
 * packet are copied aside, so the caller may reuse a chunk once `push()` returns.
 *
 * @example
 * ```ts
 * import type { Socket } from "node:net";
 * import { FrameReader } from "./frame_reader.ts";
 *
 * export function readPackets(socket: Socket, handle: (packet: Uint8Array) => void) {
 *   const reader = new FrameReader();
 *   socket.on("data", (chunk: Uint8Array) => reader.push(chunk, handle));
 * }
 * ```
 */
export class FrameReader {
  readonly #maxPacketSize: number;
  #partial: Uint8Array | undefined;
  #partialLength = 0;
  #consumed = 0;
  #failure: DecodeError | undefined;

  /** @param maxPacketSize the largest packet accepted (at most 65,507) */
  constructor(maxPacketSize = MAX_PACKET_SIZE) {
    this.#maxPacketSize = Math.min(maxPacketSize, MAX_PACKET_SIZE);
  }

  /** Bytes of an unfinished packet held back, waiting for the rest. */
  get pending(): number {
    return this.#partialLength;
  }

  /**
   * Feeds `chunk` and calls `emit` for each packet it completes, in order. An emitted packet is a
   * view into `chunk` (or a fresh copy when it spanned chunks): the caller must not reuse `chunk`.
   *
   * @throws {DecodeError} `THING_ERR_PAYLOAD_TOO_LARGE` when a header claims an impossible length;
   *   packets before it are emitted first, and every later `push()` throws the same error
   */
  push(chunk: Uint8Array, emit: (packet: Uint8Array) => void): void {
    if (this.#failure) throw this.#failure;
    let offset = 0;
    if (this.#partialLength > 0) {
      offset = this.#fill(chunk, 0, HEADER_SIZE);
      if (this.#partialLength < HEADER_SIZE) return;
      const partial = this.#partial!;
      const total = this.#packetSize(partial, 0, this.#consumed);
      offset = this.#fill(chunk, offset, total);
      if (this.#partialLength < total) return;
      this.#partialLength = 0;
      this.#consumed += total;
      emit(partial.slice(0, total)); // the partial buffer is reused
    }
    while (chunk.length - offset >= HEADER_SIZE) {
      const total = this.#packetSize(chunk, offset, this.#consumed);
      if (chunk.length - offset < total) break;
      this.#consumed += total;
      offset += total;
      emit(chunk.subarray(offset - total, offset));
    }
    if (offset < chunk.length) {
      this.#partial ??= new Uint8Array(this.#maxPacketSize);
      this.#partial.set(chunk.subarray(offset), 0);
      this.#partialLength = chunk.length - offset;
    }
  }

  /** Copies bytes from `chunk` into the partial packet until it holds `upTo` bytes. */
  #fill(chunk: Uint8Array, offset: number, upTo: number): number {
    const take = Math.min(upTo - this.#partialLength, chunk.length - offset);
    if (take <= 0) return offset;
    this.#partial!.set(chunk.subarray(offset, offset + take), this.#partialLength);
    this.#partialLength += take;
    return offset + take;
  }

  /** The whole packet size from the header at `offset`; fails on an impossible length. */
  #packetSize(bytes: Uint8Array, offset: number, streamOffset: number): number {
    const payload = (bytes[offset + LENGTH_OFFSET]! << 8) | bytes[offset + LENGTH_OFFSET + 1]!;
    const total = HEADER_SIZE + payload;
    if (payload > MAX_PAYLOAD_SIZE || total > this.#maxPacketSize) {
      this.#failure = new DecodeError(
        "THING_ERR_PAYLOAD_TOO_LARGE",
        `Cannot frame a packet: the header at stream byte '${streamOffset}' claims payload length '${payload}', above the limit '${
          this.#maxPacketSize - HEADER_SIZE
        }'; the peer is not speaking Thing`,
        streamOffset + LENGTH_OFFSET,
      );
      throw this.#failure;
    }
    return total;
  }
}
