/**
 * A set of promises waiting for a condition, woken all at once (backpressure `ready()` support).
 *
 * @module
 */

/** Callers park in `wait()` until someone calls `wake()`. */
export class Waiters {
  #resolvers: Array<() => void> = [];

  /** How many callers are parked. */
  get size(): number {
    return this.#resolvers.length;
  }

  /** A promise that resolves at the next `wake()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#resolvers.push(resolve));
  }

  /** Resolves every parked promise. */
  wake(): void {
    if (this.#resolvers.length === 0) return;
    const resolvers = this.#resolvers;
    this.#resolvers = [];
    for (const resolve of resolvers) resolve();
  }
}
