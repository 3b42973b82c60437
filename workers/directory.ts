/**
 * The workers' shared directory of client ID → owning worker: an open-addressing hash table in a
 * `SharedArrayBuffer` that every worker thread and the supervisor map, guarded by one spin lock so
 * that claiming a client ID is atomic across threads (two workers never both start a session for
 * it). Only packets without a session on the receiving worker touch it; a session's own packets
 * never do.
 *
 * Layout (Int32 words): `[0]` the lock (0 free, else the holder's index + 1), `[1]` the number of
 * entries, `[2]` the hash seed, then one slot of 5 words per entry: the owner's index + 1 (0 =
 * empty) and the client ID's 16 bytes. Deletion shifts later entries back (no tombstones), so the
 * table never fills with dead slots.
 *
 * @module
 */

const HEADER_WORDS = 3;
const SLOT_WORDS = 5;
const LOCK = 0;
const COUNT = 1;
const SEED = 2;
/** Spins before each short sleep while another thread holds the lock. */
const SPINS = 64;

/** `claim()` found no free slot: the directory holds `capacity` client IDs already. */
export const DIRECTORY_FULL = -1;

/** Client ID → worker index, shared by every worker of one pool. */
export class SharedDirectory {
  /** The shared memory; pass it to each worker and rebuild the view with `new SharedDirectory(buffer)`. */
  readonly buffer: SharedArrayBuffer;
  /** The most client IDs it holds. */
  readonly capacity: number;
  readonly #words: Int32Array;
  readonly #mask: number;
  readonly #seed: number;
  /** Whether `Atomics.wait` may block this thread (not on a main thread in every runtime). */
  readonly #canWait: boolean;

  /**
   * Maps an existing directory's `buffer`, or makes a new one for `capacity` client IDs.
   *
   * @throws {RangeError} when `capacity` is not an integer from 1 to 2^24
   */
  constructor(source: SharedArrayBuffer | number, canWait = false) {
    if (typeof source === "number") {
      if (!Number.isInteger(source) || source < 1 || source > 1 << 24) {
        throw new RangeError(
          `Cannot make a directory for ${source} client IDs: pass an integer from 1 to 16777216`,
        );
      }
      // At most half full, so probes stay short.
      const slots = 2 ** Math.ceil(Math.log2(source * 2));
      source = new SharedArrayBuffer((HEADER_WORDS + slots * SLOT_WORDS) * 4);
      new Int32Array(source)[SEED] = (Math.random() * 0x7fff_ffff) | 1;
    }
    this.buffer = source;
    this.#words = new Int32Array(source);
    const slots = (this.#words.length - HEADER_WORDS) / SLOT_WORDS;
    this.#mask = slots - 1;
    this.capacity = slots / 2;
    this.#seed = this.#words[SEED]!;
    this.#canWait = canWait;
  }

  /** How many client IDs have an owner. */
  get size(): number {
    return Atomics.load(this.#words, COUNT);
  }

  /**
   * The owner of `clientId`, claiming it for `worker` when it has none.
   *
   * @returns the owner's index (`worker` when it was free), or `DIRECTORY_FULL`
   */
  claim(clientId: Uint8Array, worker: number): number {
    return this.#locked(worker, () => {
      const found = this.#find(clientId);
      if (found.owner >= 0) return found.owner;
      if (this.#words[COUNT]! >= this.capacity) return DIRECTORY_FULL;
      const base = HEADER_WORDS + found.slot * SLOT_WORDS;
      this.#writeId(base, clientId);
      this.#words[base] = worker + 1;
      this.#words[COUNT]!++;
      return worker;
    });
  }

  /** The owner of `clientId`, or -1 when it has none. */
  owner(clientId: Uint8Array, worker: number): number {
    return this.#locked(worker, () => this.#find(clientId).owner);
  }

  /** Forgets `clientId` if `worker` owns it. */
  release(clientId: Uint8Array, worker: number): void {
    this.#locked(worker, () => {
      const found = this.#find(clientId);
      if (found.owner === worker) this.#remove(found.slot);
    });
  }

  /**
   * Forgets every client ID `worker` owned (it died; its sessions are gone), taking the lock
   * from it if it died holding it. Called by the supervisor.
   *
   * @returns how many client IDs it owned
   */
  releaseWorker(worker: number, by: number): number {
    const words = this.#words;
    Atomics.compareExchange(words, LOCK, worker + 1, 0);
    return this.#locked(by, () => {
      let released = 0;
      for (let slot = 0; slot <= this.#mask;) {
        if (words[HEADER_WORDS + slot * SLOT_WORDS] === worker + 1) {
          this.#remove(slot); // shifts a later entry into `slot`: look at it again
          released++;
        } else {
          slot++;
        }
      }
      return released;
    });
  }

  #locked<T>(worker: number, body: () => T): T {
    const words = this.#words;
    const me = worker + 1;
    for (let spins = 0; Atomics.compareExchange(words, LOCK, 0, me) !== 0; spins++) {
      if (spins % SPINS === SPINS - 1) {
        const holder = Atomics.load(words, LOCK);
        if (this.#canWait && holder !== 0) Atomics.wait(words, LOCK, holder, 1);
      }
    }
    try {
      return body();
    } finally {
      Atomics.store(words, LOCK, 0);
      Atomics.notify(words, LOCK, 1);
    }
  }

  /** The slot holding `clientId` and its owner, or the empty slot where it would go (owner -1). */
  #find(clientId: Uint8Array): { slot: number; owner: number } {
    const words = this.#words;
    const [a, b, c, d] = idWords(clientId);
    for (let slot = this.#hash(a, b, c, d);; slot = (slot + 1) & this.#mask) {
      const base = HEADER_WORDS + slot * SLOT_WORDS;
      const owner = words[base]!;
      if (owner === 0) return { slot, owner: -1 };
      if (
        words[base + 1] === a && words[base + 2] === b && words[base + 3] === c &&
        words[base + 4] === d
      ) {
        return { slot, owner: owner - 1 };
      }
    }
  }

  /** Empties `slot` and moves back the later entries of its probe run (linear probing). */
  #remove(slot: number): void {
    const words = this.#words;
    const mask = this.#mask;
    let hole = slot;
    for (let next = (slot + 1) & mask;; next = (next + 1) & mask) {
      const base = HEADER_WORDS + next * SLOT_WORDS;
      if (words[base] === 0) break;
      const home = this.#hash(
        words[base + 1]!,
        words[base + 2]!,
        words[base + 3]!,
        words[base + 4]!,
      );
      // The entry may fill the hole if its home is not cyclically within (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        words.copyWithin(HEADER_WORDS + hole * SLOT_WORDS, base, base + SLOT_WORDS);
        hole = next;
      }
    }
    words.fill(0, HEADER_WORDS + hole * SLOT_WORDS, HEADER_WORDS + (hole + 1) * SLOT_WORDS);
    words[COUNT]!--;
  }

  #writeId(base: number, clientId: Uint8Array): void {
    const [a, b, c, d] = idWords(clientId);
    const words = this.#words;
    words[base + 1] = a;
    words[base + 2] = b;
    words[base + 3] = c;
    words[base + 4] = d;
  }

  /** A seeded mix of the ID's words, so chosen client IDs cannot pile into one probe run. */
  #hash(a: number, b: number, c: number, d: number): number {
    let h = Math.imul(a ^ this.#seed, 0x9e37_79b1);
    h = Math.imul(h ^ b ^ (h >>> 15), 0x85eb_ca77);
    h = Math.imul(h ^ c ^ (h >>> 13), 0xc2b2_ae3d);
    h ^= d;
    h = Math.imul(h ^ (h >>> 16), 0x27d4_eb2f);
    return (h ^ (h >>> 15)) & this.#mask;
  }
}

/** The 16 bytes of a client ID as four 32-bit words. */
function idWords(id: Uint8Array): [number, number, number, number] {
  const word = (
    at: number,
  ) => (id[at]! | (id[at + 1]! << 8) | (id[at + 2]! << 16) | (id[at + 3]! << 24));
  return [word(0), word(4), word(8), word(12)];
}
