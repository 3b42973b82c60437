/**
 * What the handshake and life-cycle machines of one endpoint share: the plugin API, the options,
 * and the callbacks that install keys, start the session and fail the handshake.
 *
 * @module
 */
import { HandshakeError } from "../../core/errors.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { Session, SessionControl } from "../../core/session.ts";
import { type CipherSuite, type SessionKeys, x25519Shared } from "./crypto/mod.ts";
import type { ThingDialectErrorCode } from "./errors.ts";
import type { ThingConfig } from "./options.ts";
import type { SessionTokens } from "./resumption_packets.ts";

/** Which of the session-token extensions a handshake took. */
export interface TakenExtensions {
  /** Stateless reset (extension 2). */
  reset: boolean;
  /** Resumption (extension 3). */
  resumption: boolean;
}

/** The services a handshake needs from the plugin that runs it. */
export interface ThingHost {
  /** The endpoint's plugin API. */
  readonly api: PluginApi;
  /** Validated options. */
  readonly config: ThingConfig;
  /** Installs the session keys: from now on the session's packets are sealed. */
  install(session: Session, keys: SessionKeys, suite: CipherSuite): void;
  /** The handshake finished: open the session, start heartbeats and the TTL. */
  established(control: SessionControl, ttl: number): void;
  /** Ends a handshake with an error. */
  fail(control: SessionControl, error: HandshakeError): void;
  /**
   * Server: the tokens SCC carries for the extensions taken (a reset token for `clientId`, a
   * ticket carrying `secret`).
   */
  issueTokens(clientId: Uint8Array, taken: TakenExtensions, secret?: Uint8Array): SessionTokens;
  /** Client: the server gave `session` its stateless reset token. */
  armReset(session: Session, token: Uint8Array): void;
}

/** Ends `control`'s session handshake with a `HandshakeError` of `code`. */
export function failHandshake(
  host: ThingHost,
  control: SessionControl,
  code: ThingDialectErrorCode,
  message: string,
): void {
  host.fail(control, new HandshakeError(code, message));
}

/**
 * The X25519 secret shared with the peer's ephemeral key; `undefined` after failing the handshake
 * when the peer sent a low-order key.
 */
export function agreeKey(
  host: ThingHost,
  control: SessionControl,
  privateKey: Uint8Array,
  peerKey: Uint8Array,
): Uint8Array | undefined {
  try {
    return x25519Shared(privateKey, peerKey, host.config);
  } catch (error) {
    host.fail(control, error as HandshakeError);
    return undefined;
  }
}

/** Why a key confirmation did not authenticate: the peer's keys are not ours. */
export function confirmationFailure(peer: "server" | "client", packet: "SCC" | "CCC"): string {
  return `Cannot authenticate the ${peer}'s confirmation (${packet}): its keys differ from ours, so someone is in the middle or the handshake was tampered with`;
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
