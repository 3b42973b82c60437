/**
 * The event the Connection dialect emits besides the core's: `reconnecting`, when a client tries
 * to re-establish a session whose server went silent (`suspend` comes before it, `resume` or
 * `close` after). Declared in `core/events.ts` with the other built-in plugin events.
 *
 * @module
 */
export type { ReconnectingEvent } from "../../core/events.ts";
