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
import type { Session, SessionControl } from "../../core/session.ts";
import { FrameType, PATH_DATA_SIZE } from "./frames.ts";

/** Sends a session packet to `peer` instead of the session's own address. */
export function sendOnPath(control: SessionControl, peer: PeerAddress, init: PacketInit): void {
  const home = control.peer;
  control.migrate(peer);
  try {
    control.sendPacket(init);
  } finally {
    control.migrate(home);
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
  readonly #pending = new WeakMap<SessionControl, Challenge>();

  /** @param host the plugin's services */
  constructor(host: PathHost) {
    this.#host = host;
  }

  /**
   * A packet of `control`'s session (`bytes` long on the wire) arrived from `peer`, not the session's
   * address: validate `peer`.
   */
  claimed(control: SessionControl, peer: PeerAddress, bytes: number): void {
    let challenge = this.#pending.get(control);
    if (!challenge || !same(challenge.peer, peer)) {
      challenge = {
        peer,
        data: this.#host.random.fill(new Uint8Array(PATH_DATA_SIZE)),
        attempts: 0,
        received: 0,
        sent: 0,
        blocked: true,
      };
      this.#pending.set(control, challenge);
    }
    challenge.received += bytes;
    if (challenge.blocked) this.#challenge(control, challenge);
  }

  #challenge(control: SessionControl, challenge: Challenge): void {
    if (control.state === "closed" || this.#pending.get(control) !== challenge) return;
    if (challenge.attempts >= this.#host.attempts) {
      this.#pending.delete(control);
      return;
    }
    const size = this.#host.challengeBytes;
    challenge.blocked = challenge.sent + size > AMPLIFICATION_LIMIT * challenge.received;
    if (challenge.blocked) return;
    challenge.attempts++;
    challenge.sent += size;
    sendOnPath(control, challenge.peer, {
      type: FrameType.PATH_CHALLENGE,
      payload: challenge.data,
    });
    const at = this.#host.now() + this.#host.retryAfter(control.session);
    control.setTimer("streams:path", at, () => this.#challenge(control, challenge));
  }

  /** A PATH_CHALLENGE arrived from `peer`: echo it on the path it came from. */
  challenged(control: SessionControl, peer: PeerAddress, data: Uint8Array): void {
    const init = { type: FrameType.PATH_RESPONSE, payload: data.slice() };
    if (same(control.peer, peer)) control.sendPacket(init);
    else sendOnPath(control, peer, init);
  }

  /** A PATH_RESPONSE arrived from `peer`: migrate when it answers the pending challenge. */
  responded(control: SessionControl, peer: PeerAddress, data: Uint8Array): void {
    const pending = this.#pending.get(control);
    if (!pending || !same(pending.peer, peer)) return;
    for (let i = 0; i < PATH_DATA_SIZE; i++) if (pending.data[i] !== data[i]) return;
    this.#pending.delete(control);
    control.clearTimer("streams:path");
    const from = control.peer;
    control.migrate(peer);
    this.#host.migrated(control.session, from, peer);
  }
}
