/**
 * Shared fixtures of the Thing dialect tests: a fixed server identity, plugin lists, and packet
 * fates that watch or rewrite packets of one type.
 *
 * @module
 */
import { decodeUnverified, encodePacket } from "../../../core/codec.ts";
import type { Packet } from "../../../core/packet.ts";
import type { Delivery, PacketFate } from "../../../core/testing/mod.ts";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import { thing, type ThingOptions } from "../../../plugins/thing/mod.ts";

/** The server identity every test uses (seed 0x01, 0x02, … 0x20). */
export const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));

/** Another identity, for impostors. */
export const OTHER_IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i));

/** Client and server plugin lists for `pair()`, sharing `options`. */
export function thingPair(
  client: ThingOptions = {},
  server: ThingOptions = {},
): { clientPlugins: ReturnType<typeof thing>; serverPlugins: ReturnType<typeof thing> } {
  return {
    clientPlugins: thing({ serverKey: IDENTITY.publicKey, ...client }),
    serverPlugins: thing({ identity: IDENTITY, ...server }),
  };
}

/** A 1 ms link that records every packet (decoded) and can rewrite or drop it. */
export class Tap implements PacketFate {
  /** Every packet planned, in order, as sent. */
  readonly sent: Uint8Array[] = [];
  /** Returns replacement bytes, `null` to drop, or `undefined` to pass unchanged. */
  rewrite: ((packet: Packet, bytes: Uint8Array) => Uint8Array | null | undefined) | undefined;

  /** Delivers `bytes` 1 ms later, after `rewrite`. */
  plan(bytes: Uint8Array, now: number): Delivery[] {
    this.sent.push(bytes.slice());
    const out = this.rewrite?.(decodeUnverified(bytes), bytes);
    if (out === null) return [];
    return [{ bytes: out ?? bytes, at: now + 1 }];
  }

  /** Types of the packets seen so far. */
  types(): number[] {
    return this.sent.map((bytes) => bytes[48]!);
  }
}

/** Re-encodes `packet` with a new payload (a valid checksum, as any attacker can compute). */
export function withPayload(packet: Packet, payload: Uint8Array): Uint8Array {
  return encodePacket({ ...packet, payload });
}
