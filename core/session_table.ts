/**
 * The endpoint's sessions, keyed by client ID, with each session's control handle.
 *
 * @module
 */
import { PluginError } from "./errors.ts";
import { CLIENT_ID_SIZE } from "./packet.ts";
import type { SessionTable } from "./plugin.ts";
import { type Session, SessionControl, type SessionHost } from "./session.ts";
import { toHex } from "./hex.ts";
import type { PeerAddress } from "./transport.ts";

/** A `SessionTable` backed by a map from hex client ID to session control. */
export class SessionMap implements SessionTable {
  readonly #map = new Map<string, SessionControl>();
  /** Every session this endpoint made, closed ones included, to its control. */
  readonly #controls = new WeakMap<Session, SessionControl>();
  readonly #host: SessionHost;

  /** @param host the endpoint new sessions report to */
  constructor(host: SessionHost) {
    this.#host = host;
  }

  /** The session with this client ID, if any. */
  get(clientId: Uint8Array): Session | undefined {
    return this.#map.get(toHex(clientId))?.session;
  }

  /** The control of the session with this client ID, if any. */
  find(clientId: Uint8Array): SessionControl | undefined {
    return this.#map.get(toHex(clientId));
  }

  /** Creates a session bound to `peer` and returns its control. */
  create(clientId: Uint8Array, peer: PeerAddress): SessionControl {
    const id = checkedId(clientId);
    if (this.#map.has(id)) throw new RangeError(`Cannot create session ${id}: it exists already`);
    const control = new SessionControl(this.#host, clientId.slice(), id, peer);
    this.#map.set(id, control);
    this.#controls.set(control.session, control);
    return control;
  }

  /**
   * The control of a session of this endpoint.
   *
   * @throws {PluginError} `THING_ERR_FOREIGN_SESSION` for a session of another endpoint
   */
  control(session: Session): SessionControl {
    const control = this.#controls.get(session);
    if (control) return control;
    throw new PluginError(
      "THING_ERR_FOREIGN_SESSION",
      `Cannot control session ${session?.id}: it belongs to another endpoint`,
    );
  }

  /** Moves `control`'s session to a new client ID (the control then takes it). */
  rename(control: SessionControl, clientId: Uint8Array): void {
    const id = checkedId(clientId);
    if (this.#map.has(id)) {
      throw new RangeError(`Cannot rename a session to ${id}: it exists already`);
    }
    this.#map.delete(control.id);
    this.#map.set(id, control);
  }

  /** Forgets `control`'s session (it has closed). */
  delete(control: SessionControl): void {
    if (this.#map.get(control.id) === control) this.#map.delete(control.id);
  }

  /** How many sessions exist. */
  get size(): number {
    return this.#map.size;
  }

  /** Every session. */
  *values(): IterableIterator<Session> {
    for (const control of this.#map.values()) yield control.session;
  }

  /** Every session's control. */
  controls(): IterableIterator<SessionControl> {
    return this.#map.values();
  }
}

function checkedId(clientId: Uint8Array): string {
  if (clientId.length !== CLIENT_ID_SIZE) {
    throw new RangeError(`Cannot use a client ID of ${clientId.length} bytes: it must be 16`);
  }
  return toHex(clientId);
}
