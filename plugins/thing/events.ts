/**
 * The events the Thing dialect emits besides the core's: `serverKeyEvent`, the server's identity,
 * reported when a client has verified the server's signature (for trust-on-first-use without a
 * pin); `ticketEvent` and `resumptionEvent` on a client, `ticketRefusedEvent` on a server
 * (resumption, docs/PROTOCOL.md §3.15).
 *
 * @module
 */
import type { HandshakeError } from "../../core/errors.ts";
import { defineEvent, type EventKey } from "../../core/events.ts";
import type { Session } from "../../core/session.ts";
import type { PeerAddress } from "../../core/transport.ts";
import type { ResumptionTicket } from "./ticket_store.ts";

/** Client side: the server proved it holds the identity key `publicKey`. */
export interface ServerKeyEvent {
  /** The session being established. */
  session: Session;
  /** The server's Ed25519 public key (32 bytes). */
  publicKey: Uint8Array;
  /** Its fingerprint, `SHA256:…`, for people to compare. */
  fingerprint: string;
  /** Whether the key was checked against a pin (false: trust on first use). */
  pinned: boolean;
}

/** The key of the `thing:server-key` event: `client.on(serverKeyEvent, …)`. */
export const serverKeyEvent: EventKey<ServerKeyEvent> = defineEvent("thing:server-key");

/** Client side: a server gave a resumption ticket (already put in the `tickets` store, if any). */
export interface TicketEvent {
  /** The session the ticket was earned in. */
  session: Session;
  /** The ticket, with its secret: keep it safe. */
  ticket: ResumptionTicket;
}

/** The key of the `thing:ticket` event: `client.on(ticketEvent, …)`. */
export const ticketEvent: EventKey<TicketEvent> = defineEvent("thing:ticket");

/** Client side: how a handshake that offered a ticket went. */
export interface ResumptionEvent {
  /** The session being established. */
  session: Session;
  /** True when the server took the ticket (one round trip); false: a full handshake follows. */
  resumed: boolean;
  /** Why the server refused it (`THING_ERR_TICKET_*`), when it did. */
  error?: HandshakeError;
}

/** The key of the `thing:resumption` event. */
export const resumptionEvent: EventKey<ResumptionEvent> = defineEvent("thing:resumption");

/** Server side: a CRH's ticket was refused (the client was told, and falls back). */
export interface TicketRefusedEvent {
  /** Who sent it. */
  peer: PeerAddress;
  /** The CRH's client ID, in hex. */
  clientId: string;
  /** Why (`THING_ERR_TICKET_*`). */
  error: HandshakeError;
}

/** The key of the `thing:ticket-refused` event: `server.on(ticketRefusedEvent, …)`. */
export const ticketRefusedEvent: EventKey<TicketRefusedEvent> = defineEvent(
  "thing:ticket-refused",
);
