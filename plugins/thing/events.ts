/**
 * The event the Thing dialect emits besides the core's: `thing:server-key`, the server's identity,
 * reported when a client has verified the server's signature (for trust-on-first-use without a
 * pin). Declared in `core/events.ts` with the other built-in plugin events.
 *
 * @module
 */
export type { ServerKeyEvent } from "../../core/events.ts";
