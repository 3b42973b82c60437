/**
 * The error codes the Thing dialect owns, carried by the `HandshakeError` a failed handshake ends
 * with: `THING_ERR_HANDSHAKE` (no common cipher suite, a bad or missing step) and `THING_ERR_AUTH`
 * (a signature, key confirmation or pinned key that does not verify); by the `HandshakeError` of a
 * refused resumption (`THING_ERR_TICKET_*`, reported in events: the client falls back to a full
 * handshake); and by the `SessionError` a stateless reset closes a session with
 * (`THING_ERR_RESET`).
 *
 * @module
 */
import { HandshakeError } from "../../core/errors.ts";
import { RefusalReason } from "./resumption_packets.ts";

/** An error code of the Thing dialect. */
export type ThingDialectErrorCode =
  | "THING_ERR_HANDSHAKE"
  | "THING_ERR_AUTH"
  | "THING_ERR_RESET"
  | TicketErrorCode;

/** Why a ticket was refused. */
export type TicketErrorCode =
  | "THING_ERR_TICKET_INVALID"
  | "THING_ERR_TICKET_EXPIRED"
  | "THING_ERR_TICKET_REPLAYED"
  | "THING_ERR_TICKET_BINDER";

/** The `HandshakeError` of a ticket refused for SRH reason byte `reason`. */
export function ticketError(reason: number): HandshakeError {
  switch (reason) {
    case RefusalReason.expired:
      return new HandshakeError(
        "THING_ERR_TICKET_EXPIRED",
        "Cannot resume with an expired ticket: a full handshake follows",
      );
    case RefusalReason.replayed:
      return new HandshakeError(
        "THING_ERR_TICKET_REPLAYED",
        "Cannot resume with a ticket already used on this server: a full handshake follows",
      );
    case RefusalReason.binder:
      return new HandshakeError(
        "THING_ERR_TICKET_BINDER",
        "Cannot resume: the binder does not prove the ticket's secret (a stolen or damaged ticket); a full handshake follows",
      );
    default:
      return new HandshakeError(
        "THING_ERR_TICKET_INVALID",
        "Cannot resume with a ticket this server cannot open (forged, tampered with, another server's, or its key rotated out): a full handshake follows",
      );
  }
}
