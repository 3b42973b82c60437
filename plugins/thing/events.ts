/**
 * The event the Thing dialect adds to every endpoint: the server's identity, reported when a
 * client has verified the server's signature (for trust-on-first-use without a pin).
 *
 * @module
 */
import type { Session } from "../../core/session.ts";

/** The server proved it holds the identity key `publicKey`. */
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

declare module "../../core/events.ts" {
  interface ThingEvents {
    /** Client: the server's identity key, verified by its signature over the handshake. */
    "thing:server-key": ServerKeyEvent;
  }
}
