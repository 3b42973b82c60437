/**
 * The sans-IO endpoint: bytes and time in, bytes, deadlines and events out. It owns the sessions,
 * the timers and the middleware pipeline; plugins give it a dialect. It never touches a socket or
 * the system clock — `core/driver.ts` or a test does.
 *
 * Call order: feed `handleDatagram()` for each packet received and `handleTimeout()` when the
 * `pollTimeout()` deadline passes; after either, drain `pollTransmit()` and send what it returns.
 * Sends made outside those calls (by the application, or after asynchronous middleware) call the
 * waker set with `setWaker()`.
 *
 * @module
 */
import { type Clock, type Random, systemClock, systemRandom } from "./clock.ts";
import { encodePacket } from "./codec.ts";
import { compose, type Terminal } from "./compose.ts";
import { PacketContext } from "./context.ts";
import { Emitter, type Unsubscribe } from "./emitter.ts";
import { PluginError } from "./errors.ts";
import {
  closeSessions,
  connectSession,
  reportSessionChange,
  toError,
} from "./endpoint_lifecycle.ts";
import { dropMalformed, type MalformedParts, sameAddress } from "./endpoint_malformed.ts";
import type { DropReason, Role, ThingEvents } from "./events.ts";
import { decodeInbound } from "./inbound.ts";
import { MAX_PAYLOAD_SIZE, type Packet, type PacketInit } from "./packet.ts";
import { resolvePlugins } from "./plugin.ts";
import { PluginHooks, type PluginHost } from "./plugin_hooks.ts";
import { PacketRegistry } from "./registry.ts";
import type { Session } from "./session.ts";
import { SessionMap } from "./session_table.ts";
import { sameBytes } from "./same_bytes.ts";
import { defaultSha256, type Sha256 } from "./sha256.ts";
import { TimerTable } from "./timers.ts";
import type { EndpointOptions, EndpointStats } from "./endpoint_options.ts";
import { type Transmit, TransmitQueue } from "./transmit_queue.ts";
import type { PeerAddress } from "./transport.ts";

export type { EndpointOptions, EndpointStats, Transmit };

const EMPTY = new Uint8Array(0);

/** The protocol engine of one client or server. */
export class Endpoint {
  /** Client or server. */
  readonly role: Role;
  /** The injected clock. */
  readonly clock: Clock;
  /** Counters. */
  readonly stats: EndpointStats = {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    dropped: {},
  };
  /** Registered packet types. */
  readonly registry: PacketRegistry = new PacketRegistry();
  readonly #random: Random;
  readonly #hash: Sha256;
  readonly #connectTimeout: number;
  readonly #closeTimeout: number;
  readonly #emitter: Emitter<ThingEvents>;
  readonly #timers = new TimerTable();
  readonly #sessions: SessionMap;
  readonly #hooks = new PluginHooks();
  readonly #pending = new Set<Promise<void>>();
  readonly #encodedHooks = new WeakMap<PacketContext, (bytes: Uint8Array) => void>();
  readonly #queue = new TransmitQueue();
  readonly #malformed: MalformedParts;
  #inbound: Terminal<PacketContext>;
  #outbound: Terminal<PacketContext>;
  #waker: (() => void) | undefined;
  #handling = false;
  #closing: Promise<void> | undefined;
  #reporting = false;
  /** The session the last lookup found: consecutive packets mostly belong to one session. */
  #lastFound: Session | undefined;

  /** Builds the endpoint and runs every plugin's setup. */
  constructor(options: EndpointOptions) {
    this.role = options.role;
    this.clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#hash = options.hash ?? defaultSha256();
    this.#connectTimeout = options.connectTimeout ?? 10_000;
    this.#closeTimeout = options.closeTimeout ?? 3_000;
    this.#emitter = new Emitter((error) => this.#reportError(error));
    this.#sessions = new SessionMap({
      transmit: (session, init) => this.#send(session.peer, session.clientId, init, session),
      setTimer: (at, fire) => this.#timers.set(at, fire),
      sendMessage: (session, data, opts) => this.#hooks.sendMessage(session, data, opts),
      beginClose: (session, reason) => this.#hooks.closing.some((hook) => hook(session, reason)),
      sessionChanged: (session, change, detail) =>
        reportSessionChange(this.#emitter, this.#sessions, session, change, detail),
    });
    const host: PluginHost = {
      role: this.role,
      clock: this.clock,
      random: this.#random,
      hash: this.#hash,
      sessions: this.#sessions,
      registry: this.registry,
      timers: this.#timers,
      emitter: this.#emitter,
      sendTo: (peer, clientId, init) => this.#send(peer, clientId, init, undefined),
    };
    for (const plugin of resolvePlugins(options.plugins)) {
      plugin.setup(this.#hooks.api(plugin.name, host));
    }
    this.#malformed = {
      sessions: this.#sessions,
      hooks: this.#hooks.malformed,
      send: (peer, clientId, init, session) => this.#send(peer, clientId, init, session),
      reportError: (error) => this.#reportError(error),
      countDrop: (...args) => this.#countDrop(...args),
    };
    const middleware = this.#hooks.middleware;
    const terminal: Terminal<PacketContext> = (ctx) => this.#dispatch(ctx);
    this.#inbound = middleware.length === 0 ? terminal : compose(middleware, terminal);
    const encode: Terminal<PacketContext> = (ctx) => this.#encode(ctx);
    this.#outbound = middleware.length === 0 ? encode : compose([...middleware].reverse(), encode);
  }

  /** Feeds one received packet. Never throws: bad input is dropped and reported. */
  handleDatagram(bytes: Uint8Array, peer: PeerAddress): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += bytes.length;
    this.#handling = true;
    try {
      const decoded = decodeInbound(
        bytes,
        this.#hash,
        this.registry,
        this.#hooks.authenticated,
      );
      if (decoded.error) return dropMalformed(this.#malformed, decoded.error, peer, decoded.reason);
      const packet = decoded.packet;
      const found = this.#lookup(packet.clientId);
      const atPeer = found && sameAddress(found.peer, peer) ? found : undefined;
      const ctx = new PacketContext(
        this,
        "in",
        packet,
        peer,
        atPeer,
        found && !atPeer ? found : undefined,
      );
      this.#run(this.#inbound, ctx);
    } finally {
      this.#handling = false;
    }
  }

  /**
   * The open session with this client ID. A session leaves the table only once closed, and
   * renames change its `clientId` too, so a non-closed cached session with equal bytes is the one
   * the table holds (and the table lookup hex-encodes the ID).
   */
  #lookup(clientId: Uint8Array): Session | undefined {
    const last = this.#lastFound;
    if (last !== undefined && last.state !== "closed" && sameBytes(last.clientId, clientId)) {
      return last;
    }
    return (this.#lastFound = this.#sessions.get(clientId));
  }

  /** Fires every timer due now. */
  handleTimeout(): void {
    this.#handling = true;
    try {
      this.#timers.fireExpired(this.clock.now());
    } finally {
      this.#handling = false;
    }
  }

  /** Ends every session bound to `peer` (a stream transport lost it). */
  handlePeerClosed(peer: PeerAddress): void {
    for (const session of [...this.#sessions.values()]) {
      if (sameAddress(session.peer, peer)) session.terminate("transport closed");
    }
  }

  /** The next packet to send, or `undefined`. */
  pollTransmit(): Transmit | undefined {
    return this.#queue.shift();
  }

  /** When `handleTimeout()` should next be called, or `undefined`. */
  pollTimeout(): number | undefined {
    return this.#timers.next();
  }

  /** Sets the callback run when packets are queued outside `handle*()` calls. */
  setWaker(waker: (() => void) | undefined): void {
    this.#waker = waker;
  }

  /** Resolves when no asynchronous middleware is still running. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Listens to an event. */
  on<K extends keyof ThingEvents>(name: K, listener: (event: ThingEvents[K]) => void): Unsubscribe {
    return this.#emitter.on(name, listener);
  }

  /** The sessions of this endpoint. */
  get sessions(): Iterable<Session> & { readonly size: number } {
    const table = this.#sessions;
    return {
      [Symbol.iterator]: () => table.values(),
      get size() {
        return table.size;
      },
    };
  }

  /** Client side: starts a session with `peer`; resolves when its handshake completes. */
  connect(peer: PeerAddress): Promise<Session> {
    if (this.role !== "client") {
      return Promise.reject(
        new TypeError('Cannot connect from a server endpoint: use role "client"'),
      );
    }
    if (this.#hooks.connect.length === 0) {
      return Promise.reject(
        new PluginError(
          "THING_ERR_PLUGIN_SERVICE",
          "Cannot connect without a dialect: add a dialect plugin",
        ),
      );
    }
    const parts = {
      clock: this.clock,
      sessions: this.#sessions,
      connectTimeout: this.#connectTimeout,
      hooks: this.#hooks.connect,
    };
    return connectSession(parts, this.#random.fill(new Uint8Array(16)), peer);
  }

  /** Closes every session gracefully (bounded by `closeTimeout`), then stops all timers. */
  close(): Promise<void> {
    this.#closing ??= closeSessions({
      clock: this.clock,
      timers: this.#timers,
      sessions: this.#sessions,
      closeTimeout: this.#closeTimeout,
      hooks: this.#hooks.close,
      wake: () => this.#waker?.(),
      reportError: (error) => this.#reportError(error),
    });
    return this.#closing;
  }

  /** Reports a non-fatal error (e.g. from a transport) through the `error` event. */
  reportError(error: unknown): void {
    this.#reportError(error);
  }

  /** Context host: sends a packet. */
  sendTo(peer: PeerAddress, clientId: Uint8Array, init: PacketInit, session?: Session): void {
    this.#send(peer, clientId, init, session);
  }

  /** Context host: counts and reports a drop. */
  drop(ctx: PacketContext, reason: DropReason, error?: Error): void {
    this.#countDrop(reason, ctx.peer, ctx.packet.type, ctx.session, error);
  }

  #send(
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
    const ctx = new PacketContext(this, "out", packet, peer, session);
    if (init.onEncoded) this.#encodedHooks.set(ctx, init.onEncoded);
    this.#run(this.#outbound, ctx);
  }

  #encode(ctx: PacketContext): void {
    if (ctx.dropped) return;
    const bytes = encodePacket(ctx.packet, this.#hash);
    this.stats.packetsOut++;
    this.stats.bytesOut += bytes.length;
    this.#queue.push({ bytes, peer: ctx.peer });
    this.#encodedHooks.get(ctx)?.(bytes);
    if (!this.#handling) this.#waker?.();
  }

  #dispatch(ctx: PacketContext): void | Promise<void> {
    if (ctx.dropped) return;
    const type = this.registry.get(ctx.packet.type)!;
    const handler = this.#hooks.handlers.get(type.code);
    if (!handler) return ctx.drop("no-handler");
    if (type.codec || type.schema) {
      try {
        ctx.body = this.registry.decodeBody(type, ctx.packet.payload);
      } catch (error) {
        return ctx.drop("payload", toError(error));
      }
    }
    return handler(ctx);
  }

  #run(step: Terminal<PacketContext>, ctx: PacketContext): void {
    try {
      const result = step(ctx);
      if (result instanceof Promise) {
        const tracked: Promise<void> = result.then(
          () => void this.#pending.delete(tracked),
          (error) => {
            this.#pending.delete(tracked);
            this.#middlewareFailed(ctx, error);
          },
        );
        this.#pending.add(tracked);
      }
    } catch (error) {
      this.#middlewareFailed(ctx, error);
    }
  }

  #middlewareFailed(ctx: PacketContext, error: unknown): void {
    const err = toError(error);
    this.#emitter.emit("error", { error: err, session: ctx.session, peer: ctx.peer });
    if (ctx.direction === "in") ctx.drop("middleware", err);
  }

  #countDrop(
    reason: DropReason,
    peer: PeerAddress,
    type?: number,
    session?: Session,
    error?: Error,
  ): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    if (this.#emitter.has("dropped")) {
      this.#emitter.emit("dropped", { reason, peer, type, session, error });
    }
  }

  #reportError(error: unknown): void {
    // An error listener that throws has nowhere left to report to: stop there.
    if (this.#reporting) return;
    this.#reporting = true;
    try {
      this.#emitter.emit("error", { error: toError(error) });
    } finally {
      this.#reporting = false;
    }
  }
}
