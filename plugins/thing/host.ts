/**
 * What the handshake and life-cycle machines of one endpoint share: the plugin API, the options,
 * and the callbacks that install keys, start the session and fail the handshake.
 *
 * @module
 */
import type { HandshakeError } from "../../core/errors.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import type { CipherSuite, SessionKeys } from "./crypto/mod.ts";
import type { ThingConfig } from "./options.ts";

/** The services a handshake needs from the plugin that runs it. */
export interface ThingHost {
  /** The endpoint's plugin API. */
  readonly api: PluginApi;
  /** Validated options. */
  readonly config: ThingConfig;
  /** Installs the session keys: from now on the session's packets are sealed. */
  install(session: Session, keys: SessionKeys, suite: CipherSuite): void;
  /** The handshake finished: open the session, start heartbeats and the TTL. */
  established(session: Session, ttl: number): void;
  /** Ends a handshake with an error. */
  fail(session: Session, error: HandshakeError): void;
}

/** Label prefixed to the transcript hash the server signs in SDH. */
export const SIGNATURE_LABEL: Uint8Array = new TextEncoder().encode("thing v1 server signature");

/** The delay before retransmission number `attempt` (0-based): doubling, capped at 8x. */
export function backoff(config: ThingConfig, attempt: number): number {
  return config.retransmitTimeout * 2 ** Math.min(attempt, 3);
}

/** Timer names the Thing plugin sets on sessions. */
export const Timers = {
  handshake: "thing:handshake",
  retransmit: "thing:retransmit",
  heartbeat: "thing:heartbeat",
  ttl: "thing:ttl",
  goodbye: "thing:goodbye",
} as const;
