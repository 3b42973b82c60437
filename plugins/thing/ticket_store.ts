/**
 * The client's side of resumption: the ticket a server gave (with the secret only the two of them
 * know), and where a client keeps tickets between sessions. Give `thing({ tickets })` a store and
 * the client resumes on its own: each `connect()` takes the store's ticket for that server, if
 * any, and each handshake puts the next one back.
 *
 * @module
 */

/**
 * A resumption ticket as the client holds it. `secret` is a session secret: keep it as carefully
 * as a private key (whoever holds ticket and secret can resume as this client, §3.15).
 */
export interface ResumptionTicket {
  /** The identity public key of the server that issued it (32 bytes). */
  serverKey: Uint8Array;
  /** The resumption secret (32 bytes). */
  secret: Uint8Array;
  /** The ticket itself, opaque to the client. */
  ticket: Uint8Array;
  /**
   * When it expires, in wall-clock ms (the server's lifetime counted from receipt, on the
   * endpoint's clock); the client does not offer it after that.
   */
  expiresAt: number;
}

/**
 * Where a client keeps its tickets, by server: the key is the pinned server key's fingerprint
 * when the client pins one (so every node of a cluster shares one entry), else the server's
 * address as `host:port`.
 */
export interface TicketStore {
  /** Removes and returns the ticket for `server`, if one is kept (each is used once). */
  take(server: string): ResumptionTicket | undefined;
  /** Keeps `ticket` for `server`, replacing the one kept. */
  put(server: string, ticket: ResumptionTicket): void;
}

/** A `TicketStore` in memory, one ticket per server (the client discards expired ones itself). */
export class MemoryTicketStore implements TicketStore {
  readonly #tickets = new Map<string, ResumptionTicket>();

  /** How many tickets are kept. */
  get size(): number {
    return this.#tickets.size;
  }

  /** Removes and returns the ticket for `server`. */
  take(server: string): ResumptionTicket | undefined {
    const ticket = this.#tickets.get(server);
    this.#tickets.delete(server);
    return ticket;
  }

  /** Keeps `ticket` for `server`. */
  put(server: string, ticket: ResumptionTicket): void {
    this.#tickets.set(server, ticket);
  }
}
