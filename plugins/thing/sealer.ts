/**
 * Sealing of session packets after the key exchange: AEAD over the payload with the header
 * (bytes 32..63, length = sealed length) as associated data, a nonce from the order count, a
 * replay window, and key updates every `rekeyAfter` packets signalled by the key phase bit.
 * Sealed packets carry the core's `AUTHENTICATED_BIT` (their checksum covers header and tag only)
 * except the key confirmations in `FULL_CHECKSUM_TYPES`; a packet whose bit is wrong for its type
 * fails authentication, however well it is sealed.
 *
 * @module
 */
import { framedPayload, writeHeaderFields } from "../../core/codec.ts";
import { AUTHENTICATED_BIT, type Packet } from "../../core/packet.ts";
import {
  type Aead,
  AEAD_TAG_LENGTH,
  buildNonce,
  type CipherSuite,
  createAead,
  hkdfSha256,
  type ImplementationChoice,
  type ImplementationOptions,
} from "./crypto/mod.ts";
import { ReplayWindow } from "../../reliability/mod.ts";
import { FULL_CHECKSUM_TYPES, KEY_PHASE_BIT } from "./packets.ts";

/** The reserved bits the sealer sets and the opener clears. */
const SEALING_BITS = KEY_PHASE_BIT | AUTHENTICATED_BIT;

const UPDATE_INFO = new TextEncoder().encode("thing v1 key update");
const EMPTY = new Uint8Array(0);

/** The next key of a direction: HKDF-SHA256(ikm = key, salt = empty, info = "thing v1 key update"). */
export function nextKey(key: Uint8Array, options: ImplementationOptions = {}): Uint8Array {
  return hkdfSha256(key, EMPTY, UPDATE_INFO, 32, options);
}

/** The authenticated bit a sealed packet of `type` carries: set, except on SCC and CCC. */
export function authenticatedBitOf(type: number): number {
  return FULL_CHECKSUM_TYPES.has(type) ? 0 : AUTHENTICATED_BIT;
}

/** How a direction's cipher is built. */
export interface DirectionOptions {
  /** The negotiated suite. */
  suite: CipherSuite;
  /** The 32-byte key of this direction. */
  key: Uint8Array;
  /** The 12-byte IV (nonce mask) of this direction. */
  iv: Uint8Array;
  /** Packets sealed under one key before the sender moves to the next. */
  rekeyAfter: number;
  /** Native or noble AEAD. */
  implementation: ImplementationChoice;
}

/** Seals the packets one side sends. */
export class Sealer {
  readonly #options: DirectionOptions;
  readonly #nonce = new Uint8Array(12);
  readonly #ad = new Uint8Array(32);
  #key: Uint8Array;
  #aead: Aead;
  #phase = 0;
  #used = 0;

  /** Builds the sender for one direction. */
  constructor(options: DirectionOptions) {
    this.#options = options;
    this.#key = options.key;
    this.#aead = createAead(options.suite, options.key, options);
  }

  /**
   * Encrypts `packet.payload` and sets its key phase and authenticated bits. The ciphertext is
   * written straight into the buffer the packet will be encoded in (a `framedPayload`), so
   * encoding copies nothing; `packet.payload` becomes that ciphertext.
   */
  seal(packet: Packet): void {
    if (this.#used >= this.#options.rekeyAfter) {
      this.#key = nextKey(this.#key, this.#options);
      this.#aead = createAead(this.#options.suite, this.#key, this.#options);
      this.#phase ^= 1;
      this.#used = 0;
    }
    this.#used++;
    const authenticated = authenticatedBitOf(packet.type);
    packet.reserved = (packet.reserved & ~SEALING_BITS) | this.#phase | authenticated;
    writeHeaderFields(packet, packet.payload.length + AEAD_TAG_LENGTH, this.#ad, 0);
    buildNonce(this.#options.iv, packet.order, this.#nonce);
    const sealed = framedPayload(packet.payload.length + AEAD_TAG_LENGTH);
    this.#aead.sealInto(this.#nonce, packet.payload, this.#ad, sealed);
    packet.payload = sealed;
  }
}

/** Opens the packets the other side sends. */
export class Opener {
  readonly #options: DirectionOptions;
  readonly #window: ReplayWindow;
  readonly #nonce = new Uint8Array(12);
  readonly #ad = new Uint8Array(32);
  #key: Uint8Array;
  #aead: Aead;
  #previous: Aead | undefined;
  #phase = 0;
  #phaseStart = 0;

  /** Builds the receiver for one direction. */
  constructor(options: DirectionOptions, windowSize: number) {
    this.#options = options;
    this.#key = options.key;
    this.#aead = createAead(options.suite, options.key, options);
    this.#window = new ReplayWindow(windowSize);
  }

  /**
   * Checks `packet` against the replay window, then authenticates and decrypts it. On success
   * the payload is the plaintext and the key phase and authenticated bits are cleared.
   *
   * @param duplicates whether a repeat of an order count still inside the window is let through
   *   (for packet types whose plugin retransmits under the same order count and deduplicates)
   * @returns `"ok"`, `"replay"` (duplicate or too old) or `"auth"` (failed authentication, or
   *   an authenticated bit that is wrong for the packet's type)
   */
  open(packet: Packet, duplicates = false): "ok" | "replay" | "auth" {
    if ((packet.reserved & AUTHENTICATED_BIT) !== authenticatedBitOf(packet.type)) return "auth";
    const fresh = this.#window.check(packet.order);
    const inWindow = packet.order > this.#window.highest - this.#window.size;
    if (!fresh && !(duplicates && inWindow)) return "replay";
    writeHeaderFields(packet, packet.payload.length, this.#ad, 0);
    buildNonce(this.#options.iv, packet.order, this.#nonce);
    const phase = packet.reserved & KEY_PHASE_BIT;
    let plaintext: Uint8Array | null;
    if (phase === this.#phase) {
      plaintext = this.#aead.open(this.#nonce, packet.payload, this.#ad);
    } else if (packet.order < this.#phaseStart) {
      plaintext = this.#previous?.open(this.#nonce, packet.payload, this.#ad) ?? null;
    } else {
      const key = nextKey(this.#key, this.#options);
      const aead = createAead(this.#options.suite, key, this.#options);
      plaintext = aead.open(this.#nonce, packet.payload, this.#ad);
      if (plaintext) {
        this.#previous = this.#aead;
        this.#aead = aead;
        this.#key = key;
        this.#phase = phase;
        this.#phaseStart = packet.order;
      }
    }
    if (!plaintext) return "auth";
    if (fresh) this.#window.update(packet.order);
    packet.payload = plaintext;
    packet.reserved &= ~SEALING_BITS;
    return "ok";
  }
}
