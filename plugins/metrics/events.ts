/**
 * Two endpoint events that dialect and data plugins emit for observers (metrics, logging, the
 * admin API), declared in `core/events.ts` with the other built-in plugin events.
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
export type { RetransmitEvent, RttEvent } from "../../core/events.ts";
