/**
 * The endpoint's packet paths through the middleware pipeline: a received datagram from decoding
 * to its packet type's handler, a sent packet from its init to the transmit queue, and the
 * asynchronous runs of either, tracked until they settle. `core/endpoint.ts` calls these with its
 * own parts and the pipelines it composed from the plugins' middleware.
 *
 * @module
 */
import { encodePacket } from "./codec.ts";
import type { Terminal } from "./compose.ts";
import { type ContextHost, PacketContext } from "./context.ts";
import type { Emitter } from "./emitter.ts";
import { toError } from "./endpoint_lifecycle.ts";
import { dropMalformed, type MalformedParts, sameAddress } from "./endpoint_malformed.ts";
import type { EndpointStats } from "./endpoint_options.ts";
import type { ThingEvents } from "./events.ts";
import { decodeInbound } from "./inbound.ts";
import { MAX_PAYLOAD_SIZE, type Packet, type PacketInit } from "./packet.ts";
import type { PluginHooks } from "./plugin_hooks.ts";
import type { PacketRegistry } from "./registry.ts";
import { sameBytes } from "./same_bytes.ts";
import type { Session } from "./session.ts";
import type { SessionMap } from "./session_table.ts";
import type { Sha256 } from "./sha256.ts";
import type { TransmitQueue } from "./transmit_queue.ts";
import type { PeerAddress } from "./transport.ts";

const EMPTY = new Uint8Array(0);

/** The endpoint parts the packet paths use, and the state they keep between packets. */
export interface PipelineParts {
  /** The endpoint, as the host of every packet's context. */
  readonly host: ContextHost;
  /** The checksum's SHA-256 provider. */
  readonly hash: Sha256;
  /** The packet type registry. */
  readonly registry: PacketRegistry;
  /** The session table, to find a received packet's session. */
  readonly sessions: SessionMap;
  /** What plugins registered: the handlers, and whether one authenticates. */
  readonly hooks: PluginHooks;
  /** The parts the path of a datagram that does not decode uses. */
  readonly malformed: MalformedParts;
  /** The endpoint's events, where middleware errors go. */
  readonly emitter: Emitter<ThingEvents>;
  /** The endpoint's counters. */
  readonly stats: EndpointStats;
  /** Encoded packets waiting for the driver. */
  readonly queue: TransmitQueue;
  /** Asynchronous pipeline runs not settled yet. */
  readonly pending: Set<Promise<void>>;
  /** The `onEncoded` hooks of packets on their way out. */
  readonly encodedHooks: WeakMap<PacketContext, (bytes: Uint8Array) => void>;
  /** Whether a `handle*()` call runs (its caller drains the queue, so no wake is needed). */
  handling: boolean;
  /** Called when a packet is queued outside `handle*()` calls. */
  waker: (() => void) | undefined;
  /** The session the last lookup found: consecutive packets mostly belong to one session. */
  lastFound: Session | undefined;
}

/**
 * Decodes `bytes` from `peer` and runs the packet through `inbound` with its session; a datagram
 * that does not decode takes the malformed path instead. Never throws.
 */
export function receiveDatagram(
  parts: PipelineParts,
  inbound: Terminal<PacketContext>,
  bytes: Uint8Array,
  peer: PeerAddress,
): void {
  const decoded = decodeInbound(bytes, parts.hash, parts.registry, parts.hooks.authenticated);
  if (decoded.error) return dropMalformed(parts.malformed, decoded.error, peer, decoded.reason);
  const packet = decoded.packet;
  const found = lookup(parts, packet.clientId);
  const atPeer = found && sameAddress(found.peer, peer) ? found : undefined;
  const ctx = new PacketContext(
    parts.host,
    "in",
    packet,
    peer,
    atPeer,
    found && !atPeer ? found : undefined,
  );
  run(parts, inbound, ctx);
}

/**
 * The open session with this client ID. A session leaves the table only once closed, and
 * renames change its `clientId` too, so a non-closed cached session with equal bytes is the one
 * the table holds (and the table lookup hex-encodes the ID).
 */
function lookup(parts: PipelineParts, clientId: Uint8Array): Session | undefined {
  const last = parts.lastFound;
  if (last !== undefined && last.state !== "closed" && sameBytes(last.clientId, clientId)) {
    return last;
  }
  return (parts.lastFound = parts.sessions.get(clientId));
}

/** The inbound pipeline's last step: decodes the body and calls the packet type's handler. */
export function dispatchInbound(parts: PipelineParts, ctx: PacketContext): void | Promise<void> {
  if (ctx.dropped) return;
  const registry = parts.registry;
  const type = registry.get(ctx.packet.type)!;
  const handler = parts.hooks.handlers.get(type.code);
  if (!handler) return ctx.drop("no-handler");
  if (type.codec || type.schema) {
    try {
      ctx.body = registry.decodeBody(type, ctx.packet.payload);
    } catch (error) {
      return ctx.drop("payload", toError(error));
    }
  }
  return handler(ctx);
}

/**
 * Builds the packet `init` describes (its order taken from `session` when it has none) and runs
 * it through `outbound` towards `peer`.
 *
 * @throws {RangeError} if the payload is larger than `MAX_PAYLOAD_SIZE`
 */
export function sendPacket(
  parts: PipelineParts,
  outbound: Terminal<PacketContext>,
  peer: PeerAddress,
  clientId: Uint8Array,
  init: PacketInit,
  session: Session | undefined,
): void {
  const payload = init.payload ?? EMPTY;
  if (payload.length > MAX_PAYLOAD_SIZE) {
    throw new RangeError(
      `Cannot send a payload of ${payload.length} bytes: the limit is ${MAX_PAYLOAD_SIZE}`,
    );
  }
  const packet: Packet = {
    type: init.type,
    clientId,
    reserved: init.reserved ?? 0,
    customId: init.customId ?? 0,
    order: init.order ?? (session ? session.takeOrder() : 0),
    payload,
    checksum: EMPTY,
  };
  const ctx = new PacketContext(parts.host, "out", packet, peer, session);
  if (init.onEncoded) parts.encodedHooks.set(ctx, init.onEncoded);
  run(parts, outbound, ctx);
}

/**
 * The outbound pipeline's last step: encodes the packet onto the transmit queue, calls its
 * `onEncoded` hook, and wakes the driver when no `handle*()` call will drain the queue.
 */
export function encodeOutbound(parts: PipelineParts, ctx: PacketContext): void {
  if (ctx.dropped) return;
  const bytes = encodePacket(ctx.packet, parts.hash);
  const stats = parts.stats;
  stats.packetsOut++;
  stats.bytesOut += bytes.length;
  parts.queue.push({ bytes, peer: ctx.peer });
  parts.encodedHooks.get(ctx)?.(bytes);
  if (!parts.handling) parts.waker?.();
}

/** Runs `ctx` through `step`, tracking the run while it is asynchronous; reports a failure. */
function run(parts: PipelineParts, step: Terminal<PacketContext>, ctx: PacketContext): void {
  try {
    const result = step(ctx);
    if (result instanceof Promise) {
      const pending = parts.pending;
      const tracked: Promise<void> = result.then(
        () => void pending.delete(tracked),
        (error) => {
          pending.delete(tracked);
          middlewareFailed(parts, ctx, error);
        },
      );
      pending.add(tracked);
    }
  } catch (error) {
    middlewareFailed(parts, ctx, error);
  }
}

/** Reports a pipeline step's failure as an `error` event; an inbound packet is then dropped. */
function middlewareFailed(parts: PipelineParts, ctx: PacketContext, error: unknown): void {
  const err = toError(error);
  parts.emitter.emit("error", { error: err, session: ctx.session, peer: ctx.peer });
  if (ctx.direction === "in") ctx.drop("middleware", err);
}
