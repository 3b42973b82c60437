/**
 * Recycled buffers for large outgoing packets. A sealed 64 KiB packet used to get a fresh
 * `ArrayBuffer` each time, dropped as soon as the socket had sent it: allocation, page faults and
 * collector work per packet. Here a packet's buffer is leased; when nothing but the link saw the
 * encoded bytes, the endpoint hands the link a release that returns the buffer once the link has
 * sent it, and the next packet of that size is built in it (still warm in the cache).
 *
 * At most `MAX_SPARE_BYTES` stay allocated as spares after a burst (32 per size, 4 sizes).
 *
 * A buffer goes back only through its lease's release, once: a lease never released (a link that
 * keeps the bytes, a packet dropped by middleware, an `onEncoded` hook that keeps them) leaves its
 * buffer to the garbage collector, as before.
 *
 * @module
 */
import { uninitializedBytes } from "./byte_slab.ts";

/** Spare buffers kept per size at most (a window's worth of 64 KiB packets in flight). */
const SPARES_PER_SIZE = 32;
/** Bytes of spare buffers kept at most, all sizes together: what stays allocated after a burst. */
export const MAX_SPARE_BYTES = 4 * 1024 * 1024;
/**
 * Sizes with spares at most; a new size beyond this replaces the one given back least recently (a
 * stream's full-size packets keep theirs while odd-sized ones, at a window's edge, come and go).
 */
const MAX_SIZES = 4;

/** A buffer handed out and not given back yet. */
interface Lease {
  buffer: ArrayBuffer;
  returned: boolean;
}

/** Free lists of whole, equally sized buffers, by size. */
export class FramePool {
  readonly #spares = new Map<number, ArrayBuffer[]>();
  #spareBytes = 0;
  /** Leases nobody has claimed a release for yet, by buffer. */
  readonly #leases = new WeakMap<ArrayBuffer, Lease>();

  /**
   * `size` bytes in an `ArrayBuffer` of exactly that size, NOT zeroed (a reused one holds an older
   * packet): write every byte.
   */
  take(size: number): Uint8Array {
    const spare = this.#spares.get(size)?.pop();
    if (spare) this.#spareBytes -= size;
    const bytes = spare ? new Uint8Array(spare) : uninitializedBytes(size);
    const buffer = bytes.buffer as ArrayBuffer;
    this.#leases.set(buffer, { buffer, returned: false });
    return bytes;
  }

  /**
   * A function that gives the buffer of `bytes` back, if `bytes` cover a buffer this pool leased
   * whose release nobody has claimed yet; else undefined. Calling it more than once does nothing
   * more: call it once nothing reads `bytes` any more.
   */
  releaser(bytes: Uint8Array): (() => void) | undefined {
    const buffer = bytes.buffer as ArrayBuffer;
    const lease = this.#leases.get(buffer);
    if (!lease || bytes.byteOffset !== 0 || bytes.length !== buffer.byteLength) return undefined;
    this.#leases.delete(buffer);
    return () => this.#giveBack(lease);
  }

  /** Spare buffers of `size` bytes now (for tests). */
  spares(size: number): number {
    return this.#spares.get(size)?.length ?? 0;
  }

  #giveBack(lease: Lease): void {
    if (lease.returned) return;
    lease.returned = true;
    const size = lease.buffer.byteLength;
    const all = this.#spares;
    let spares = all.get(size);
    if (spares) all.delete(size); // re-inserted last: the Map's order is recency
    else if (all.size >= MAX_SIZES) this.#evict(all.keys().next().value!);
    all.set(size, spares ??= []);
    if (spares.length >= SPARES_PER_SIZE || this.#spareBytes + size > MAX_SPARE_BYTES) return;
    spares.push(lease.buffer);
    this.#spareBytes += size;
  }

  #evict(size: number): void {
    this.#spareBytes -= size * this.#spares.get(size)!.length;
    this.#spares.delete(size);
  }
}

/** The pool `framedPayload` takes large packets from. */
export const framePool: FramePool = new FramePool();
