/**
 * Connection migration: a packet whose client ID belongs to a session at another address starts
 * path validation (RFC 9000 §8.2). The new address gets a PATH_CHALLENGE with 8 random bytes; only
 * a PATH_RESPONSE echoing them from that address moves the session there. Until then the new
 * address is sent at most 3x the bytes received from it (anti-amplification, RFC 9000 §8): a
 * challenge that would exceed that waits for more packets from the address.
 *
 * @module
 */
import type { PeerAddress } from "../../core/transport.ts";
import type { PacketInit } from "../../core/packet.ts";
import type { Random } from "../../core/clock.ts";
import type { Session } from "../../core/session.ts";
import { FrameType, PATH_DATA_SIZE } from "./frames.ts";

/** Sends a session packet to `peer` instead of the session's own address. */
export function sendOnPath(session: Session, peer: PeerAddress, init: PacketInit): void {
  const home = session.peer;
  session.migrate(peer);
  try {
    session.sendPacket(init);
  } finally {
    session.migrate(home);
  }
}

/** At most this many times the bytes received from an unvalidated address are sent to it. */
export const AMPLIFICATION_LIMIT = 3;

interface Challenge {
  peer: PeerAddress;
  data: Uint8Array;
  attempts: number;
  /** Bytes received from `peer` since the challenge began. */
  received: number;
  /** Bytes sent to `peer`. */
  sent: number;
  /** Whether a challenge is due but waits for the amplification budget. */
  blocked: boolean;
}

/** What the validator needs from its plugin. */
export interface PathHost {
  /** Randomness for challenge data. */
  random: Random;
  /** The current time. */
  now(): number;
  /** Milliseconds between challenge attempts for `session`. */
  retryAfter(session: Session): number;
  /** Attempts before giving up. */
  attempts: number;
  /** Bytes a PATH_CHALLENGE takes on the wire (header, frame and dialect overhead). */
  challengeBytes: number;
  /** Called once the session has moved. */
  migrated(session: Session, from: PeerAddress, to: PeerAddress): void;
}

function same(a: PeerAddress, b: PeerAddress): boolean {
  return a.port === b.port && a.hostname === b.hostname;
}

/** Path validation for every session of one endpoint. */
export class PathValidator {
  readonly #host: PathHost;
  readonly #pending = new WeakMap<Session, Challenge>();

  /** @param host the plugin's services */
  constructor(host: PathHost) {
    this.#host = host;
  }

  /**
   * A packet of `session` (`bytes` long on the wire) arrived from `peer`, not the session's
   * address: validate `peer`.
   */
  claimed(session: Session, peer: PeerAddress, bytes: number): void {
    let challenge = this.#pending.get(session);
    if (!challenge || !same(challenge.peer, peer)) {
      challenge = {
        peer,
        data: this.#host.random.fill(new Uint8Array(PATH_DATA_SIZE)),
        attempts: 0,
        received: 0,
        sent: 0,
        blocked: true,
      };
      this.#pending.set(session, challenge);
    }
    challenge.received += bytes;
    if (challenge.blocked) this.#challenge(session, challenge);
  }

  #challenge(session: Session, challenge: Challenge): void {
    if (session.state === "closed" || this.#pending.get(session) !== challenge) return;
    if (challenge.attempts >= this.#host.attempts) {
      this.#pending.delete(session);
      return;
    }
    const size = this.#host.challengeBytes;
    challenge.blocked = challenge.sent + size > AMPLIFICATION_LIMIT * challenge.received;
    if (challenge.blocked) return;
    challenge.attempts++;
    challenge.sent += size;
    sendOnPath(session, challenge.peer, {
      type: FrameType.PATH_CHALLENGE,
      payload: challenge.data,
    });
    const at = this.#host.now() + this.#host.retryAfter(session);
    session.setTimer("streams:path", at, () => this.#challenge(session, challenge));
  }

  /** A PATH_CHALLENGE arrived from `peer`: echo it on the path it came from. */
  challenged(session: Session, peer: PeerAddress, data: Uint8Array): void {
    const init = { type: FrameType.PATH_RESPONSE, payload: data.slice() };
    if (same(session.peer, peer)) session.sendPacket(init);
    else sendOnPath(session, peer, init);
  }

  /** A PATH_RESPONSE arrived from `peer`: migrate when it answers the pending challenge. */
  responded(session: Session, peer: PeerAddress, data: Uint8Array): void {
    const pending = this.#pending.get(session);
    if (!pending || !same(pending.peer, peer)) return;
    for (let i = 0; i < PATH_DATA_SIZE; i++) if (pending.data[i] !== data[i]) return;
    this.#pending.delete(session);
    session.clearTimer("streams:path");
    const from = session.peer;
    session.migrate(peer);
    this.#host.migrated(session, from, peer);
  }
}
