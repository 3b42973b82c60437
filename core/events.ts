/**
 * The typed events an endpoint emits. Plugins add their own by augmenting `ThingEvents`:
 *
 * ```ts
 * declare module "@thing/net" {
 *   interface ThingEvents { "ratelimit": { peer: PeerAddress } }
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
}
