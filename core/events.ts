/**
 * The typed events an endpoint emits. `ThingEvents` holds the core's own, which every dialect
 * shares; a plugin owns its events as keys made with `defineEvent()` and exports them, so a
 * listener is typed without any edit of the core (or module augmentation, which a package
 * published on JSR may not use).
 *
 * @example
 * ```ts
 * import { defineEvent, type PeerAddress } from "@thing/net";
 *
 * const rateLimited = defineEvent<{ peer: PeerAddress }>("ratelimit:limited");
 * // In the plugin: api.emit(rateLimited, { peer }); in the app: node.on(rateLimited, …).
 * console.log(rateLimited.name); // ratelimit:limited
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
  /**
   * The channel it arrived on, when the data plugin has channels (the Connection data plugin: 0
   * for a seed DATA_ACK/DATA_NOACK, which carry none).
   */
  channel?: number;
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

/**
 * A packet was sent again because no answer came in time (a request without its answer). Emitted
 * by dialect and data plugins for observers such as metrics.
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
  /** What was timed: the request's and the answer's type names, e.g. `PING/PONG`. */
  exchange: string;
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
  /** A packet was sent again because no answer came in time. */
  retransmit: RetransmitEvent;
  /** A round-trip time was measured. */
  rtt: RttEvent;
}

/**
 * A plugin's own event: its name and, as the type parameter, its payload. Made by `defineEvent()`;
 * pass it to `on()` and `api.emit()` where a core event takes its name.
 */
export interface EventKey<Payload> {
  /** The event name, prefixed with the plugin's (`thing:server-key`). */
  readonly name: string;
  /** Never set: it carries the payload type. */
  readonly payload?: Payload;
}

/**
 * Makes a plugin's event key.
 *
 * @param name the event name, prefixed with the plugin's, e.g. `ratelimit:limited`
 */
export function defineEvent<Payload>(name: string): EventKey<Payload> {
  return Object.freeze({ name });
}

/** A core event's name or a plugin's event key. */
export type EventName = keyof ThingEvents | EventKey<unknown>;

/** The payload of the event `N` names. */
export type EventPayload<N extends EventName> = N extends keyof ThingEvents ? ThingEvents[N]
  : N extends EventKey<infer Payload> ? Payload
  : never;

/** The emitter key of an event name or key. */
export function eventKey(name: EventName): keyof ThingEvents {
  return (typeof name === "string" ? name : name.name) as keyof ThingEvents;
}
