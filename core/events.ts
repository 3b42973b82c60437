/**
 * The typed events an endpoint emits, including those of the built-in plugins (a published JSR
 * package cannot augment another module, so they are declared here). An application's own plugins
 * add theirs by augmenting `ThingEvents`:
 *
 * ```ts
 * import type { PeerAddress } from "@thing/net";
 *
 * declare module "@thing/net" {
 *   interface ThingEvents {
 *     "ratelimit": { peer: PeerAddress };
 *   }
 * }
 * ```
 *
 * @module
 */
import type { PeerAddress } from "./transport.ts";
import type { Session } from "./session.ts";

/** Why a received packet was not delivered. Plugins add their own strings. */
export type DropReason =
  | "malformed"
  | "checksum"
  | "unknown-type"
  | "no-handler"
  | "payload"
  | "middleware"
  | (string & Record<never, never>);

/** Whether this endpoint accepts sessions or starts them. */
export type Role = "client" | "server";

/** A message delivered to the application by a data plugin. */
export interface MessageEvent {
  /** The session it arrived on. */
  session: Session;
  /** The message bytes. */
  data: Uint8Array;
  /** The application channel (the packet's custom ID). */
  customId: number;
  /** Whether it was sent reliably (acknowledged). */
  reliable: boolean;
}

/** A session ended. */
export interface CloseEvent {
  /** The session that ended. */
  session: Session;
  /** A short human-readable reason. */
  reason: string;
  /** The error that ended it, when it was not a normal close. */
  error?: Error;
}

/** A received packet was dropped. */
export interface DropEvent {
  /** Why it was dropped. */
  reason: DropReason;
  /** Who sent it. */
  peer: PeerAddress;
  /** The packet type, when the header could be read. */
  type?: number;
  /** The session it belonged to, if any. */
  session?: Session;
  /** Details, when there are any. */
  error?: Error;
}

/** Something went wrong that did not stop the endpoint (a middleware or listener threw). */
export interface ErrorEvent {
  /** What was thrown. */
  error: Error;
  /** The session concerned, if any. */
  session?: Session;
  /** The peer concerned, if any. */
  peer?: PeerAddress;
}

/** Connection dialect: a HELLO is being sent to re-establish a suspended session. */
export interface ReconnectingEvent {
  /** The session, already renamed to its new client ID. */
  session: Session;
  /** 1 for the first HELLO of this attempt to re-establish, then 2, 3, … */
  attempt: number;
}

/**
 * A packet was sent again because no answer came in time (a DATA_ACK without ACK, a DISCONNECT
 * without REJECT, a CHB without SUU). Emitted by dialect and data plugins for observers.
 */
export interface RetransmitEvent {
  /** The session it belongs to. */
  session: Session;
  /** The packet type code resent. */
  type: number;
  /** How many times it has now been sent (2 for the first resend). */
  attempt: number;
}

/**
 * A round-trip time was measured: a request and its answer, timed with the injected clock, never
 * from a resent request (Karn's rule).
 */
export interface RttEvent {
  /** The session measured. */
  session: Session;
  /** The round-trip time in milliseconds. */
  rtt: number;
  /** What was timed, e.g. `PING/PONG` or `DATA_ACK/ACK`. */
  exchange: string;
}

/** Thing dialect, client side: the server proved it holds the identity key `publicKey`. */
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

/** Every event an endpoint emits, by name. Augment it to add a plugin's events. */
export interface ThingEvents {
  /** A session was established (handshake complete). */
  session: { session: Session };
  /** An established session lost its peer and is being re-established. */
  suspend: { session: Session; reason: string };
  /** A suspended session was established again. */
  resume: { session: Session };
  /** The application received a message. */
  message: MessageEvent;
  /** A session ended. */
  close: CloseEvent;
  /** A received packet was dropped. */
  dropped: DropEvent;
  /** A non-fatal error. */
  error: ErrorEvent;
  /** Connection dialect: a client sends a HELLO to re-establish a suspended session. */
  reconnecting: ReconnectingEvent;
  /** A packet was sent again because no answer came in time. */
  retransmit: RetransmitEvent;
  /** A round-trip time was measured. */
  rtt: RttEvent;
  /** Thing dialect, client: the server's identity key, verified by its signature. */
  "thing:server-key": ServerKeyEvent;
}
