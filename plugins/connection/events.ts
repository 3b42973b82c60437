/**
 * The event the Connection dialect emits besides the core's: `reconnectingEvent`, when a client
 * tries to re-establish a session whose server went silent (`suspend` comes before it, `resume` or
 * `close` after).
 *
 * @module
 */
import { defineEvent, type EventKey } from "../../core/events.ts";
import type { Session } from "../../core/session.ts";

/** A HELLO is being sent to re-establish a suspended session. */
export interface ReconnectingEvent {
  /** The session, already renamed to its new client ID. */
  session: Session;
  /** 1 for the first HELLO of this attempt to re-establish, then 2, 3, … */
  attempt: number;
}

/** The key of the `connection:reconnecting` event: `client.on(reconnectingEvent, …)`. */
export const reconnectingEvent: EventKey<ReconnectingEvent> = defineEvent(
  "connection:reconnecting",
);
