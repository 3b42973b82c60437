/**
 * The event the Thing dialect emits besides the core's: `serverKeyEvent`, the server's identity,
 * reported when a client has verified the server's signature (for trust-on-first-use without a
 * pin).
 *
 * @module
 */
import { defineEvent, type EventKey } from "../../core/events.ts";
import type { Session } from "../../core/session.ts";

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
