/**
 * Stateless reset (docs/PROTOCOL.md §3.16, RFC 9000 §10.3 in spirit). The reset key is derived
 * from the server's identity seed, so every server holding the same identity (every node of a
 * cluster, and the same server after a restart) derives the same key with nothing shared or
 * stored; the token of a session is an HMAC of its client ID under that key, given to the client
 * sealed in SCC. A server that gets a sealed packet for a client ID it has no session for answers
 * with the token, shaped like an SUU, smaller than the packet it answers, and at a bounded rate.
 *
 * @module
 */
import type { Clock, Random } from "../../core/clock.ts";
import { AUTHENTICATED_BIT, HEADER_SIZE, type Packet, type PacketInit } from "../../core/packet.ts";
import {
  constantTimeEqual,
  hkdfSha256,
  hmacSha256,
  type ImplementationOptions,
} from "./crypto/mod.ts";
import { concat, ThingPacket } from "./packets.ts";
import { RESET_TOKEN_SIZE } from "./resumption_packets.ts";

const KEY_INFO = new TextEncoder().encode("thing v1 stateless reset key");
const TOKEN_LABEL = new TextEncoder().encode("thing v1 reset token");

/** Size of a stateless reset on the wire: a header and the 16-byte token (an SUU's size). */
export const STATELESS_RESET_SIZE = HEADER_SIZE + RESET_TOKEN_SIZE;

/** The reset key of a server: HKDF-SHA256(ikm = identity seed, salt = empty, info = label). */
export function resetKeyOf(seed: Uint8Array, options: ImplementationOptions = {}): Uint8Array {
  return hkdfSha256(seed, new Uint8Array(0), KEY_INFO, 32, options);
}

/** The reset token of `clientId`: HMAC-SHA256(reset key, label || client ID), first 16 bytes. */
export function resetTokenOf(
  key: Uint8Array,
  clientId: Uint8Array,
  options: ImplementationOptions = {},
): Uint8Array {
  return hmacSha256(key, concat(TOKEN_LABEL, clientId), options).slice(0, RESET_TOKEN_SIZE);
}

/**
 * Whether `packet` (one that did not open) is the stateless reset carrying `token`: an
 * authenticated-bit packet whose whole payload is the token.
 */
export function isStatelessReset(packet: Packet, token: Uint8Array): boolean {
  return (packet.reserved & AUTHENTICATED_BIT) !== 0 && packet.payload.length === token.length &&
    constantTimeEqual(packet.payload, token);
}

/** Answers sealed packets of unknown sessions with resets, at most `rate` per second. */
export class ResetResponder {
  readonly #key: Uint8Array;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #rate: number;
  readonly #options: ImplementationOptions;
  #allowance: number;
  #refilledAt: number;

  /**
   * @param key the server's reset key
   * @param rate resets per second at most (a burst of `rate` too); 0 sends none
   */
  constructor(
    key: Uint8Array,
    clock: Clock,
    random: Random,
    rate: number,
    options: ImplementationOptions,
  ) {
    this.#key = key;
    this.#clock = clock;
    this.#random = random;
    this.#rate = rate;
    this.#options = options;
    this.#allowance = rate;
    this.#refilledAt = clock.now();
  }

  /** The token the client with `clientId` is given. */
  tokenOf(clientId: Uint8Array): Uint8Array {
    return resetTokenOf(this.#key, clientId, this.#options);
  }

  /**
   * The reset answering `packet` (a sealed packet of no session), or `undefined` when none may be
   * sent: the packet is not larger than a reset, or the rate limit is reached.
   */
  answer(packet: Packet): PacketInit | undefined {
    if (HEADER_SIZE + packet.payload.length <= STATELESS_RESET_SIZE) return undefined;
    const now = this.#clock.now();
    this.#allowance = Math.min(
      this.#rate,
      this.#allowance + ((now - this.#refilledAt) * this.#rate) / 1000,
    );
    this.#refilledAt = now;
    if (this.#allowance < 1) return undefined;
    this.#allowance--;
    // Shaped like an SUU (an empty sealed packet): an order count like a live session's, below
    // 2^32, and the token where an SUU has its tag.
    const order = new DataView(this.#random.fill(new Uint8Array(4)).buffer).getUint32(0);
    return {
      type: ThingPacket.SUU,
      reserved: AUTHENTICATED_BIT,
      order,
      payload: this.tokenOf(packet.clientId),
    };
  }
}
