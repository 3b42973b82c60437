/**
 * The endpoint's path for a datagram that does not decode: a packet whose checksum fails goes to
 * the plugins' `onMalformed` hooks (which may answer its sender) before it is counted as dropped;
 * anything less than a packet is only counted.
 *
 * @module
 */
import { ChecksumError } from "./codec.ts";
import type { DropReason } from "./events.ts";
import type { PacketInit } from "./packet.ts";
import type { MalformedPacket } from "./plugin.ts";
import type { Session } from "./session.ts";
import type { SessionMap } from "./session_table.ts";
import type { PeerAddress } from "./transport.ts";

/** The endpoint parts the malformed-packet path uses. */
export interface MalformedParts {
  /** The session table, to find the sender's session. */
  sessions: SessionMap;
  /** The plugins' hooks for packets whose checksum failed. */
  hooks: ReadonlyArray<(packet: MalformedPacket) => void>;
  /** Sends a packet through the outbound pipeline. */
  send(peer: PeerAddress, clientId: Uint8Array, init: PacketInit, session?: Session): void;
  /** Reports an error a hook threw. */
  reportError(error: unknown): void;
  /** Counts and reports a drop. */
  countDrop(
    reason: DropReason,
    peer: PeerAddress,
    type?: number,
    session?: Session,
    error?: Error,
  ): void;
}

/** Handles a datagram from `peer` that failed to decode with `error`, dropped for `reason`. */
export function dropMalformed(
  parts: MalformedParts,
  error: Error,
  peer: PeerAddress,
  reason: DropReason,
): void {
  if (!(error instanceof ChecksumError)) {
    return parts.countDrop(reason, peer, undefined, undefined, error);
  }
  const found = parts.sessions.get(error.packet.clientId);
  const session = found && sameAddress(found.peer, peer) ? found : undefined;
  const clientId = error.packet.clientId.slice();
  for (const hook of parts.hooks) {
    try {
      hook({
        error,
        peer,
        session,
        reply: (init) => parts.send(peer, clientId, init, session),
      });
    } catch (hookError) {
      parts.reportError(hookError);
    }
  }
  parts.countDrop(reason, peer, error.packet.type, session, error);
}

/** Whether two addresses are the same host and port. */
export function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a === b || (a.port === b.port && a.hostname === b.hostname);
}
