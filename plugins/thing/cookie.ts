/**
 * Stateless address-validation cookies and the anti-amplification budget of the Thing server.
 *
 * A cookie is `t || HMAC-SHA256(secret, "thing v1 cookie" || t || client ID || address)[0..16]`
 * with `t` the server's clock in whole seconds (u32, big-endian). The secret is 32 random bytes
 * replaced every `lifetime` ms; a cookie verifies under the current or the previous secret and
 * for at most `lifetime` ms, so the server keeps no per-client state to check one. When another
 * plugin provides shared `cookieSecrets` (a cluster), those are used instead and `t` is wall-clock
 * time, so a cookie minted by one server of the cluster verifies on any other.
 *
 * @module
 */
import type { Clock, Random } from "../../core/clock.ts";
import type { CookieSecrets } from "../../core/plugin.ts";
import type { PeerAddress } from "../../core/transport.ts";
import { constantTimeEqual, hmacSha256 } from "./crypto/mod.ts";
import { concat, COOKIE_SIZE } from "./packets.ts";

const LABEL = new TextEncoder().encode("thing v1 cookie");
const encoder = new TextEncoder();

/** Mints and checks cookies under a rotating secret. */
export class CookieJar {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #lifetime: number;
  #current: Uint8Array | undefined;
  #previous: Uint8Array | undefined;
  #rotateAt = 0;
  readonly #shared: () => CookieSecrets | undefined;

  /**
   * Creates a jar; its first secret is drawn on first use.
   *
   * @param clock the endpoint's clock
   * @param random where secrets come from
   * @param lifetime how long a cookie and a secret live, in ms
   * @param shared the shared secrets, when some plugin provides them (asked on each use)
   */
  constructor(
    clock: Clock,
    random: Random,
    lifetime: number,
    shared: () => CookieSecrets | undefined = () => undefined,
  ) {
    this.#clock = clock;
    this.#random = random;
    this.#lifetime = lifetime;
    this.#shared = shared;
  }

  /** A cookie for `clientId` at `peer`, valid now. */
  mint(clientId: Uint8Array, peer: PeerAddress): Uint8Array {
    const shared = this.#shared()?.secrets() ?? [];
    const secret = shared[0] ?? this.#secret();
    const time = new Uint8Array(4);
    new DataView(time.buffer).setUint32(0, this.#seconds(shared.length > 0));
    return concat(time, this.#tag(secret, time, clientId, peer));
  }

  /** Whether `cookie` was minted by this jar for `clientId` at `peer` and has not expired. */
  verify(cookie: Uint8Array, clientId: Uint8Array, peer: PeerAddress): boolean {
    if (cookie.length !== COOKIE_SIZE) return false;
    const shared = this.#shared()?.secrets() ?? [];
    if (shared.length === 0) this.#secret();
    const time = cookie.subarray(0, 4);
    const age = this.#seconds(shared.length > 0) -
      new DataView(time.buffer, time.byteOffset).getUint32(0);
    if (age < 0 || age * 1000 > this.#lifetime) return false;
    const tag = cookie.subarray(4);
    const secrets = shared.length > 0 ? shared : [this.#current, this.#previous];
    for (const secret of secrets) {
      if (secret && constantTimeEqual(tag, this.#tag(secret, time, clientId, peer))) return true;
    }
    return false;
  }

  #secret(): Uint8Array {
    const now = this.#clock.now();
    if (!this.#current || now >= this.#rotateAt) {
      this.#previous = this.#current;
      this.#current = this.#random.fill(new Uint8Array(32));
      this.#rotateAt = now + this.#lifetime;
    }
    return this.#current;
  }

  #seconds(wall: boolean): number {
    return Math.floor((wall ? this.#clock.wallNow() : this.#clock.now()) / 1000) >>> 0;
  }

  #tag(secret: Uint8Array, time: Uint8Array, clientId: Uint8Array, peer: PeerAddress): Uint8Array {
    const address = encoder.encode(`${peer.hostname}|${peer.port}`);
    return hmacSha256(secret, concat(LABEL, time, clientId, address)).subarray(0, 16);
  }
}

/** The three-times limit on bytes sent to an address that has not proved it receives them. */
export class AmplificationBudget {
  /** Bytes received from the address. */
  received = 0;
  /** Bytes sent to the address. */
  sent = 0;
  /** Set once the address is validated; the limit no longer applies. */
  validated = false;

  /** Counts `bytes` received. */
  receive(bytes: number): void {
    this.received += bytes;
  }

  /** Whether `bytes` more may be sent; counts them when so. */
  trySend(bytes: number): boolean {
    if (!this.validated && this.sent + bytes > 3 * this.received) return false;
    this.sent += bytes;
    return true;
  }
}
