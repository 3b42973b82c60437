/**
 * The server's resumption tickets (docs/PROTOCOL.md §3.15): minted after a handshake, sealed with
 * ChaCha20-Poly1305 under a ticket key, and opened again when a client resumes. The ticket key is
 * HKDF-SHA256(ikm = ticket secret, salt = the server's identity public key, info = "thing v1
 * ticket key"), so a ticket opens only on a server with the same secret *and* identity. The
 * secrets come from the `ticketSecrets` service when a plugin provides one (the cluster, which
 * shares and rotates them through Redis), else from a local secret replaced every ticket lifetime
 * with the previous one kept: either way a ticket stays valid for its whole lifetime.
 *
 * Each server remembers the ids of the tickets it accepted until they expire, so a ticket (or a
 * CRH replayed by someone on the path) resumes at most once per server.
 *
 * @module
 */
import type { Clock, Random } from "../../core/clock.ts";
import { toHex } from "../../core/hex.ts";
import type { CookieSecrets } from "../../core/plugin.ts";
import {
  type Aead,
  constantTimeEqual,
  createAead,
  hkdfSha256,
  type ImplementationOptions,
} from "./crypto/mod.ts";
import { type RefusalCode, RefusalReason } from "./resumption_packets.ts";

const KEY_INFO = new TextEncoder().encode("thing v1 ticket key");
const AD = new TextEncoder().encode("thing v1 ticket");
const TICKET_VERSION = 1;
const NONCE_SIZE = 12;
const PLAIN_SIZE = 1 + 4 + 4 + 32 + 32 + 16;
/** Size of a ticket on the wire: nonce, sealed plaintext, tag. */
export const TICKET_SIZE = NONCE_SIZE + PLAIN_SIZE + 16;
/** Clock difference between the nodes of a cluster that a ticket's issue time may show. */
const SKEW_SECONDS = 60;
/** Accepted ticket ids remembered at most; past it, resumption is refused until some expire. */
const MAX_REMEMBERED = 100_000;

/** What an accepted ticket holds. */
export interface OpenedTicket {
  /** The resumption secret of the session that earned the ticket. */
  secret: Uint8Array;
  /** The ticket's id (16 bytes). */
  id: Uint8Array;
  /** When it expires, in wall-clock seconds. */
  expiresAt: number;
}

/** Mints and opens one server's tickets. */
export class Tickets {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #lifetime: number;
  readonly #identity: Uint8Array;
  readonly #shared: () => CookieSecrets | undefined;
  readonly #options: ImplementationOptions;
  readonly #aeads = new Map<string, Aead>();
  readonly #used = new Map<string, number>();
  #current: Uint8Array | undefined;
  #previous: Uint8Array | undefined;
  #rotateAt = 0;

  /**
   * @param lifetime how long a ticket is valid, in ms (also the local secret's rotation)
   * @param identity the server's identity public key, bound into the ticket key
   * @param shared the shared ticket secrets, when some plugin provides them (asked on each use)
   */
  constructor(
    clock: Clock,
    random: Random,
    lifetime: number,
    identity: Uint8Array,
    shared: () => CookieSecrets | undefined,
    options: ImplementationOptions,
  ) {
    this.#clock = clock;
    this.#random = random;
    this.#lifetime = lifetime;
    this.#identity = identity;
    this.#shared = shared;
    this.#options = options;
  }

  /** The lifetime a minted ticket is valid for, in whole seconds. */
  get lifetimeSeconds(): number {
    return Math.max(1, Math.floor(this.#lifetime / 1000));
  }

  /** A ticket carrying `secret`, valid for the lifetime from now. */
  mint(secret: Uint8Array): Uint8Array {
    const plain = new Uint8Array(PLAIN_SIZE);
    const view = new DataView(plain.buffer);
    plain[0] = TICKET_VERSION;
    view.setUint32(1, this.#seconds());
    view.setUint32(5, this.lifetimeSeconds);
    plain.set(this.#identity, 9);
    plain.set(secret, 41);
    plain.set(this.#random.fill(new Uint8Array(16)), 73);
    const nonce = this.#random.fill(new Uint8Array(NONCE_SIZE));
    const sealed = this.#aeadOf(this.#secrets()[0]!).seal(nonce, plain, AD);
    plain.fill(0);
    const out = new Uint8Array(TICKET_SIZE);
    out.set(nonce, 0);
    out.set(sealed, NONCE_SIZE);
    return out;
  }

  /** Opens `ticket`: what it holds, or why it is refused (it does not open, or it expired). */
  open(ticket: Uint8Array): OpenedTicket | RefusalCode {
    if (ticket.length !== TICKET_SIZE) return RefusalReason.invalid;
    const nonce = ticket.subarray(0, NONCE_SIZE);
    const sealed = ticket.subarray(NONCE_SIZE);
    let plain: Uint8Array | null = null;
    for (const secret of this.#secrets()) {
      plain = this.#aeadOf(secret).open(nonce, sealed, AD);
      if (plain) break;
    }
    if (!plain || plain[0] !== TICKET_VERSION) return RefusalReason.invalid;
    if (!constantTimeEqual(plain.subarray(9, 41), this.#identity)) return RefusalReason.invalid;
    const view = new DataView(plain.buffer, plain.byteOffset);
    const issued = view.getUint32(1);
    const age = this.#seconds() - issued;
    if (age < -SKEW_SECONDS || age > view.getUint32(5)) return RefusalReason.expired;
    return {
      secret: plain.slice(41, 73),
      id: plain.slice(73, 89),
      expiresAt: issued + view.getUint32(5),
    };
  }

  /**
   * Records that `ticket` resumed a session here.
   *
   * @returns false when it already did (a replay), or too many are remembered to tell
   */
  markUsed(ticket: OpenedTicket): boolean {
    const id = toHex(ticket.id);
    if (this.#used.has(id)) return false;
    if (this.#used.size >= MAX_REMEMBERED) {
      const now = this.#seconds();
      for (const [key, expiresAt] of this.#used) if (expiresAt < now) this.#used.delete(key);
      if (this.#used.size >= MAX_REMEMBERED) return false;
    }
    this.#used.set(id, ticket.expiresAt);
    return true;
  }

  #secrets(): readonly Uint8Array[] {
    const shared = this.#shared()?.secrets() ?? [];
    if (shared.length > 0) return shared;
    const now = this.#clock.now();
    if (!this.#current || now >= this.#rotateAt) {
      this.#previous = this.#current;
      this.#current = this.#random.fill(new Uint8Array(32));
      this.#rotateAt = now + this.#lifetime;
    }
    return this.#previous ? [this.#current, this.#previous] : [this.#current];
  }

  #aeadOf(secret: Uint8Array): Aead {
    const name = toHex(secret);
    let aead = this.#aeads.get(name);
    if (!aead) {
      if (this.#aeads.size >= 8) this.#aeads.clear();
      const key = hkdfSha256(secret, this.#identity, KEY_INFO, 32, this.#options);
      aead = createAead("chacha20-poly1305", key, this.#options);
      key.fill(0);
      this.#aeads.set(name, aead);
    }
    return aead;
  }

  #seconds(): number {
    return Math.floor(this.#clock.wallNow() / 1000) >>> 0;
  }
}
