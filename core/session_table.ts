/**
 * The endpoint's sessions, keyed by client ID.
 *
 * @module
 */
import { CLIENT_ID_SIZE } from "./packet.ts";
import type { SessionTable } from "./plugin.ts";
import { Session, type SessionHost } from "./session.ts";
import { toHex } from "./hex.ts";
import type { PeerAddress } from "./transport.ts";

/** A `SessionTable` backed by a map from hex client ID to session. */
export class SessionMap implements SessionTable {
  readonly #map = new Map<string, Session>();
  readonly #host: SessionHost;

  /** @param host the endpoint new sessions report to */
  constructor(host: SessionHost) {
    this.#host = host;
  }

  /** The session with this client ID, if any. */
  get(clientId: Uint8Array): Session | undefined {
    return this.#map.get(toHex(clientId));
  }

  /** Creates a session bound to `peer`. */
  create(clientId: Uint8Array, peer: PeerAddress): Session {
    const id = checkedId(clientId);
    if (this.#map.has(id)) throw new RangeError(`Cannot create session ${id}: it exists already`);
    const session = new Session(this.#host, clientId.slice(), id, peer);
    this.#map.set(id, session);
    return session;
  }

  /** Moves `session` to a new client ID. */
  rename(session: Session, clientId: Uint8Array): void {
    const id = checkedId(clientId);
    if (this.#map.has(id)) {
      throw new RangeError(`Cannot rename a session to ${id}: it exists already`);
    }
    this.#map.delete(session.id);
    session.clientId = clientId.slice();
    session.id = id;
    this.#map.set(id, session);
  }

  /** Forgets `session` (it has closed). */
  delete(session: Session): void {
    if (this.#map.get(session.id) === session) this.#map.delete(session.id);
  }

  /** How many sessions exist. */
  get size(): number {
    return this.#map.size;
  }

  /** Every session. */
  values(): IterableIterator<Session> {
    return this.#map.values();
  }
}

function checkedId(clientId: Uint8Array): string {
  if (clientId.length !== CLIENT_ID_SIZE) {
    throw new RangeError(`Cannot use a client ID of ${clientId.length} bytes: it must be 16`);
  }
  return toHex(clientId);
}
