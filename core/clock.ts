/**
 * Time and randomness are injected, never read from the system inside protocol code, so a test can
 * drive every state machine with a manual clock and a seeded random source.
 *
 * @module
 */

/** A source of the current time in milliseconds (monotonic within a run). */
export interface Clock {
  /** Milliseconds; only differences between two readings are meaningful. */
  now(): number;
  /** Milliseconds since the Unix epoch, for timestamps on the wire. */
  wallNow(): number;
}

/** A source of random bytes. */
export interface Random {
  /** Fills `bytes` with random values and returns it. */
  fill(bytes: Uint8Array): Uint8Array;
}

/** The system clock: `performance.now()` for deadlines, `Date.now()` for timestamps. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
};

/** Cryptographically secure randomness from `crypto.getRandomValues`. */
export const systemRandom: Random = {
  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
    }
    return bytes;
  },
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  #now: number;
  #epoch: number;

  /**
   * @param start the first reading of `now()`
   * @param epoch the wall-clock time (ms since the Unix epoch) that `start` corresponds to
   */
  constructor(start = 0, epoch = 1_700_000_000_000) {
    this.#now = start;
    this.#epoch = epoch - start;
  }

  /** The current manual time. */
  now(): number {
    return this.#now;
  }

  /** The manual time as wall-clock milliseconds. */
  wallNow(): number {
    return this.#epoch + this.#now;
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`Cannot move a clock backwards: ms is ${ms}`);
    this.#now += ms;
  }

  /** Moves the clock to `at` if that is later than now. */
  set(at: number): void {
    if (at > this.#now) this.#now = at;
  }
}

/** A deterministic, seedable random source (xoshiro128**), for tests and simulations only. */
export class SeededRandom implements Random {
  #s: Uint32Array;

  /** Creates a generator whose whole output is fixed by `seed`. */
  constructor(seed = 1) {
    this.#s = new Uint32Array(4);
    let x = seed >>> 0 || 0x9e3779b9;
    for (let i = 0; i < 4; i++) {
      // splitmix32 to spread the seed over the state
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** The next 32 random bits. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Fills `bytes` with deterministic values and returns it. */
  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i += 4) {
      let v = this.nextU32();
      for (let j = i; j < Math.min(i + 4, bytes.length); j++) {
        bytes[j] = v & 0xff;
        v >>>= 8;
      }
    }
    return bytes;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
