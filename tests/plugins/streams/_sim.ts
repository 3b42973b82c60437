/**
 * Fixtures for the streams plugin's tests: a simulated client/server pair with the toy dialect
 * and `streams()`, a drive loop that lets Web Streams promises settle between simulated steps,
 * and helpers to write and read whole streams.
 *
 * @module
 */
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { SeededRandom } from "../../../core/clock.ts";
import type { Plugin } from "../../../core/plugin.ts";
import type { Session } from "../../../core/session.ts";
import { type Pair, pair } from "../../../core/testing/pair.ts";
import type { SimNetwork } from "../../../core/testing/sim_network.ts";
import { Impairment, type ImpairmentOptions } from "../../../transports/memory/impairment.ts";
import { streams, streamSession, type StreamsOptions } from "../../../plugins/streams/mod.ts";
import { toy } from "../../core/_toy_dialect.ts";

/** A connected pair with both sessions. */
export interface StreamPair extends Pair {
  /** The client's session. */
  clientSession: Session;
  /** The server's session. */
  serverSession: Session;
}

/**
 * Builds and connects a pair; `impairment` applies to both directions with their own seeds;
 * `between` are plugins placed between the dialect and `streams()`.
 */
export async function streamPair(
  options: StreamsOptions = {},
  impairment?: ImpairmentOptions,
  seed = 1,
  between: Plugin[] = [],
): Promise<StreamPair> {
  const plugins = [toy(), ...between, streams({ packetSize: 16_448, ...options })];
  const p = pair({ plugins });
  let serverSession: Session | undefined;
  p.server.on("session", ({ session }) => (serverSession = session));
  const clientSession = await p.connect();
  await drive(p.net, () => serverSession !== undefined);
  // The toy handshake does not retransmit: impair the links only once the session is open.
  if (impairment) {
    const toServer = new Impairment(impairment, new SeededRandom(seed * 2 + 1));
    const toClient = new Impairment(impairment, new SeededRandom(seed * 2 + 2));
    p.net.setFate(p.clientAddress, p.serverAddress, toServer);
    p.net.setFate(p.serverAddress, p.clientAddress, toClient);
  }
  return { ...p, clientSession, serverSession: serverSession! };
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs the network (and the application's promises) until `done()`; throws when it stalls. */
export async function drive(
  net: SimNetwork,
  done: () => boolean,
  maxSimMs = 600_000,
): Promise<void> {
  const end = net.clock.now() + maxSimMs;
  let idle = 0;
  while (!done()) {
    const before = net.clock.now();
    await net.runUntil(done, 20);
    await macrotask();
    if (net.clock.now() === before && net.inFlight === 0) {
      if (++idle > 50) throw new Error(`Simulation stalled at ${before} ms`);
    } else idle = 0;
    if (net.clock.now() > end) throw new Error(`Simulation ran past ${maxSimMs} ms`);
  }
}

/** Deterministic bytes: `length` of them from `seed`. */
export function bytesOf(length: number, seed = 7): Uint8Array {
  return new SeededRandom(seed).fill(new Uint8Array(length));
}

/** Writes `data` in `chunk`-byte pieces and closes; resolves when the peer acknowledged it all. */
export async function writeAll(
  writable: WritableStream<Uint8Array>,
  data: Uint8Array,
  chunk = 65_536,
): Promise<void> {
  const writer = writable.getWriter();
  for (let at = 0; at < data.length; at += chunk) {
    await writer.write(data.subarray(at, Math.min(data.length, at + chunk)));
  }
  await writer.close();
}

/** Reads a readable to its end and returns the bytes. */
export async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of readable) {
    parts.push(part);
    length += part.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Whether two byte arrays are equal (faster than deepStrictEqual on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Tracks a promise's outcome for `drive()` conditions. */
export function track<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error) => Object.assign(state, { done: true, error }),
  );
  return state;
}

/**
 * Sends `data` over one new bidirectional stream from the client to the server of `p`, driving the
 * network until both ends are done, and asserts that neither end failed and the bytes arrived intact.
 */
export async function transferOnce(p: StreamPair, data: Uint8Array): Promise<void> {
  const incoming = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
  const stream = await streamSession(p.clientSession).createBidirectionalStream();
  const sent = track(writeAll(stream.writable, data));
  const received = track(incoming.read().then(({ value }) => readAll(value!.readable)));
  await drive(p.net, () => sent.done && received.done);
  assert.equal(sent.error, undefined);
  assert.equal(received.error, undefined);
  assert.ok(sameBytes(received.value!, data), "the bytes received differ from those sent");
}
