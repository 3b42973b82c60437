/**
 * The event the Connection dialect adds to the endpoint's `ThingEvents`: a client is trying to
 * re-establish a session whose server went silent (`suspend` came before it, `resume` or `close`
 * comes after).
 *
 * @module
 */
import type { Session } from "../../core/session.ts";

/** A HELLO is being sent to re-establish a suspended session. */
export interface ReconnectingEvent {
  /** The session, already renamed to its new client ID. */
  session: Session;
  /** 1 for the first HELLO of this attempt to re-establish, then 2, 3, … */
  attempt: number;
}

declare module "../../core/events.ts" {
  interface ThingEvents {
    /** A client sends a HELLO to re-establish a suspended session. */
    reconnecting: ReconnectingEvent;
  }
}
