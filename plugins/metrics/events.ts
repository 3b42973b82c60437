/**
 * Two endpoint events that dialect and data plugins emit for observers (metrics, logging, the
 * admin API). They augment the core's `ThingEvents`, so `api.emit("rtt", …)` and
 * `api.on("retransmit", …)` are typed once this module is part of the program (a plugin that emits
 * them adds `import type {} from "../metrics/events.ts";`).
 *
 * - `retransmit`: emit each time a packet is sent again because its answer did not come (a
 *   DATA_ACK without ACK, a DISCONNECT without REJECT, a CHB without SUU). `attempt` counts the
 *   sends so far, the first resend being 2.
 * - `rtt`: emit when a round trip was measured: a request and its answer, timed with the injected
 *   clock (`api.clock.now()`), never from a resent request (Karn's rule). `metrics()` emits it
 *   itself for the request/answer pairs it can see on the wire (PING/PONG, CHB/SUU by default);
 *   a dialect emits it for exchanges only it can match (an ACK naming the packet it answers).
 *
 * @module
 */
import type { Session } from "../../core/session.ts";

/** A packet was sent again because no answer came in time. */
export interface RetransmitEvent {
  /** The session it belongs to. */
  session: Session;
  /** The packet type code resent. */
  type: number;
  /** How many times it has now been sent (2 for the first resend). */
  attempt: number;
}

/** A round-trip time was measured on a session. */
export interface RttEvent {
  /** The session measured. */
  session: Session;
  /** The round-trip time in milliseconds. */
  rtt: number;
  /** What was timed, e.g. `PING/PONG` or `DATA_ACK/ACK`. */
  exchange: string;
}

declare module "../../core/events.ts" {
  interface ThingEvents {
    /** A packet was sent again because no answer came in time. */
    retransmit: RetransmitEvent;
    /** A round-trip time was measured. */
    rtt: RttEvent;
  }
}
