/**
 * Views of received bytes, made the way that costs least on this runtime.
 *
 * @module
 */

/**
 * A plain `Uint8Array` over `bytes` from `start` to `end`, never the input's subclass (such as a
 * socket's `Buffer`). V8 looks up a species constructor per `subarray()`, so Deno and Node take the
 * view constructor over `.buffer` (a 64-byte view of a slab-backed payload: ~26 against ~68 ns on
 * Deno). JSC makes a JS wrapper for an array's `ArrayBuffer` the first time `.buffer` is read, so
 * Bun takes `subarray()` of a plain `Uint8Array`, and the constructor for a subclass.
 */
export const plainView: (bytes: Uint8Array, start: number, end: number) => Uint8Array =
  "Bun" in globalThis
    ? (bytes, start, end) =>
      bytes.constructor === Uint8Array ? bytes.subarray(start, end) : overBuffer(bytes, start, end)
    : overBuffer;

function overBuffer(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}
