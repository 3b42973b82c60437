/**
 * Shared fixtures of the Connection dialect tests: a pair running `connection()`, taps that
 * record what crosses a link, and hand-made packets from an address of our choosing.
 *
 * @module
 */
import { decodePacket, encodePacket } from "../../../core/codec.ts";
import type { Endpoint } from "../../../core/endpoint.ts";
import type { Packet, PacketInit } from "../../../core/packet.ts";
import { type PacketFate, type Pair, pair } from "../../../core/testing/mod.ts";
import type { PeerAddress } from "../../../core/transport.ts";
import { connection, type ConnectionOptions } from "../../../plugins/connection/mod.ts";

/** A fate that records every packet (decoded, when it decodes) and passes it on, or not. */
export interface Tap extends PacketFate {
  /** Packets seen, in order. */
  seen: Packet[];
  /** Set to false to lose every packet from now on. */
  open: boolean;
  /** Types seen, in order. */
  types(): number[];
}

/** Records packets crossing a link, then applies `inner` (default: 1 ms latency) while open. */
export function tap(inner?: PacketFate): Tap {
  const t: Tap = {
    seen: [],
    open: true,
    types: () => t.seen.map((p) => p.type),
    plan(bytes, now) {
      try {
        t.seen.push(decodePacket(bytes.slice()));
      } catch {
        // corrupted copies are not recorded
      }
      if (!t.open) return [];
      return inner ? inner.plan(bytes, now) : [{ bytes, at: now + 1 }];
    },
  };
  return t;
}

/** A connection() pair whose two links are tapped. */
export interface TappedPair extends Pair {
  /** Client to server. */
  up: Tap;
  /** Server to client. */
  down: Tap;
}

/** Builds a pair running `connection(options)` with taps on both links. */
export function connectionPair(
  options: ConnectionOptions = {},
  fates: { up?: PacketFate; down?: PacketFate; seed?: number } = {},
): TappedPair {
  const up = tap(fates.up);
  const down = tap(fates.down);
  const p = pair({
    plugins: connection(options),
    toServer: up,
    toClient: down,
    seed: fates.seed ?? 1,
  });
  return { ...p, up, down };
}

/** An attacker at `address`: sends hand-made packets to `target` and records the answers. */
export function intruder(p: Pair, address: PeerAddress, target: Endpoint = p.server) {
  const answers = tap();
  p.net.setFate(p.serverAddress, address, answers);
  return {
    answers,
    send(clientId: Uint8Array, init: PacketInit & { order?: number }): void {
      target.handleDatagram(build(clientId, init), address);
    },
  };
}

/** Encodes a packet from its parts. */
export function build(clientId: Uint8Array, init: PacketInit & { order?: number }): Uint8Array {
  return encodePacket({
    type: init.type,
    clientId,
    reserved: 0,
    customId: init.customId ?? 0,
    order: init.order ?? 0,
    payload: init.payload ?? new Uint8Array(0),
    checksum: new Uint8Array(0),
  });
}

/** A HELLO payload for wall-clock time `ms`. */
export function stamp(ms: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(ms));
  return out;
}

/** UTF-8 bytes of `text`. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Text of UTF-8 `bytes`. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Runs the pair's network until `promise` settles (at most `maxTime` ms), then returns it. */
export async function settle<T>(p: Pair, promise: Promise<T>, maxTime = 120_000): Promise<T> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  await p.net.runUntil(() => done, maxTime);
  return promise;
}
