/**
 * The onion-style middleware pipeline (as in Koa and Hono), able to stay synchronous: when no
 * middleware returns a promise, a packet passes through without touching the microtask queue.
 *
 * @module
 */
import { ThingError } from "./errors.ts";

/** Calls the rest of the pipeline. Return or await it. */
export type Next = () => void | Promise<void>;

/** A step of the pipeline. Not calling `next()` stops the packet there. */
export type Middleware<C> = (ctx: C, next: Next) => void | Promise<void>;

/** The step that runs after every middleware has called `next()`. */
export type Terminal<C> = (ctx: C) => void | Promise<void>;

/**
 * Composes middleware into one function.
 *
 * @returns a function that runs `middleware` in order, then `terminal`; it returns a promise only
 *   when some step was asynchronous
 * @example
 * ```ts
 * const seen: string[] = [];
 * const run = compose<string[]>([(c, next) => { c.push("a"); return next(); }], (c) => { c.push("end"); });
 * run(seen); // seen is ["a", "end"]
 * ```
 */
export function compose<C>(
  middleware: readonly Middleware<C>[],
  terminal: Terminal<C>,
): Terminal<C> {
  const steps = [...middleware];
  return (ctx: C) => {
    let index = -1;
    const dispatch = (i: number): void | Promise<void> => {
      if (i <= index) {
        throw new ThingError(
          "THING_ERR_MIDDLEWARE",
          "Cannot call next() more than once in one middleware: call it once and return or await it",
        );
      }
      index = i;
      const step = steps[i];
      return step === undefined ? terminal(ctx) : step(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}
