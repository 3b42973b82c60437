/**
 * The sans-IO endpoint: bytes and time in, bytes, deadlines and events out. It owns the sessions,
 * the timers and the middleware pipeline; plugins give it a dialect. It never touches a socket or
 * the system clock — `core/driver.ts` or a test does.
 *
 * Call order: feed `handleDatagram()` for each packet received and `handleTimeout()` when the
 * `pollTimeout()` deadline passes; after either, drain `pollTransmit()` and send what it returns.
 * Sends made outside those calls (by the application, or after asynchronous middleware) call the
 * waker set with `setWaker()`. The packets' paths through the pipeline are in
 * `core/endpoint_pipeline.ts`.
 *
 * @module
 */
import { type Clock, type Random, systemClock, systemRandom } from "./clock.ts";
import { compose, type Terminal } from "./compose.ts";
import type { PacketContext } from "./context.ts";
import { Emitter, type Unsubscribe } from "./emitter.ts";
import { PluginError } from "./errors.ts";
import {
  closeSessions,
  connectSession,
  reportSessionChange,
  toError,
} from "./endpoint_lifecycle.ts";
import { sameAddress } from "./endpoint_malformed.ts";
import type { EndpointOptions, EndpointStats } from "./endpoint_options.ts";
import {
  dispatchInbound,
  encodeOutbound,
  type PipelineParts,
  receiveDatagram,
  sendPacket,
} from "./endpoint_pipeline.ts";
import {
  type DropReason,
  eventKey,
  type EventName,
  type EventPayload,
  type Role,
  type ThingEvents,
} from "./events.ts";
import type { PacketInit } from "./packet.ts";
import { resolvePlugins } from "./plugin.ts";
import { PluginHooks, type PluginHost } from "./plugin_hooks.ts";
import { PacketRegistry } from "./registry.ts";
import type { Session } from "./session.ts";
import { SessionMap } from "./session_table.ts";
import { defaultSha256 } from "./sha256.ts";
import { TimerTable } from "./timers.ts";
import { type Transmit, TransmitQueue } from "./transmit_queue.ts";
import type { PeerAddress } from "./transport.ts";

export type { EndpointOptions, EndpointStats, Transmit };

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
  readonly #connectTimeout: number;
  readonly #closeTimeout: number;
  readonly #emitter: Emitter<ThingEvents>;
  readonly #timers = new TimerTable();
  readonly #sessions: SessionMap;
  readonly #hooks = new PluginHooks();
  readonly #pending = new Set<Promise<void>>();
  readonly #queue = new TransmitQueue();
  readonly #pipeline: PipelineParts;
  #inbound: Terminal<PacketContext>;
  #outbound: Terminal<PacketContext>;
  #closing: Promise<void> | undefined;
  #reporting = false;

  /** Builds the endpoint and runs every plugin's setup. */
  constructor(options: EndpointOptions) {
    this.role = options.role;
    this.clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    const hash = options.hash ?? defaultSha256();
    this.#connectTimeout = options.connectTimeout ?? 10_000;
    this.#closeTimeout = options.closeTimeout ?? 3_000;
    this.#emitter = new Emitter((error) => this.#reportError(error));
    this.#sessions = new SessionMap({
      transmit: (session, init) =>
        sendPacket(this.#pipeline, this.#outbound, session.peer, session.clientId, init, session),
      setTimer: (at, fire) => this.#timers.set(at, fire),
      sendMessage: (session, data, opts) => this.#hooks.sendMessage(session, data, opts),
      beginClose: (session, reason) => this.#hooks.closing.some((hook) => hook(session, reason)),
      sessionChanged: (session, change, detail) =>
        reportSessionChange(this.#emitter, this.#sessions, session, change, detail),
    });
    const pipeline: PipelineParts = {
      host: this,
      hash,
      registry: this.registry,
      sessions: this.#sessions,
      hooks: this.#hooks,
      malformed: {
        sessions: this.#sessions,
        hooks: this.#hooks.malformed,
        send: (peer, clientId, init, session) =>
          sendPacket(this.#pipeline, this.#outbound, peer, clientId, init, session),
        reportError: (error) => this.#reportError(error),
        countDrop: (...args) => this.#countDrop(...args),
      },
      emitter: this.#emitter,
      stats: this.stats,
      queue: this.#queue,
      pending: this.#pending,
      encodedHooks: new WeakMap(),
      handling: false,
      waker: undefined,
      lastFound: undefined,
    };
    this.#pipeline = pipeline;
    const host: PluginHost = {
      role: this.role,
      clock: this.clock,
      random: this.#random,
      hash,
      sessions: this.#sessions,
      registry: this.registry,
      timers: this.#timers,
      emitter: this.#emitter,
      sendTo: (peer, clientId, init) =>
        sendPacket(this.#pipeline, this.#outbound, peer, clientId, init, undefined),
    };
    for (const plugin of resolvePlugins(options.plugins)) {
      plugin.setup(this.#hooks.api(plugin.name, host));
    }
    const { inbound, outbound } = this.#hooks;
    const dispatch: Terminal<PacketContext> = (ctx) => dispatchInbound(pipeline, ctx);
    this.#inbound = inbound.length === 0 ? dispatch : compose(inbound, dispatch);
    const encode: Terminal<PacketContext> = (ctx) => encodeOutbound(pipeline, ctx);
    this.#outbound = outbound.length === 0 ? encode : compose([...outbound].reverse(), encode);
  }

  /** Feeds one received packet. Never throws: bad input is dropped and reported. */
  handleDatagram(bytes: Uint8Array, peer: PeerAddress): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += bytes.length;
    const pipeline = this.#pipeline;
    pipeline.handling = true;
    try {
      receiveDatagram(pipeline, this.#inbound, bytes, peer);
    } finally {
      pipeline.handling = false;
    }
  }

  /** Fires every timer due now. */
  handleTimeout(): void {
    const pipeline = this.#pipeline;
    pipeline.handling = true;
    try {
      this.#timers.fireExpired(this.clock.now());
    } finally {
      pipeline.handling = false;
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
    this.#pipeline.waker = waker;
  }

  /** Resolves when no asynchronous middleware is still running. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Listens to a core event (by name) or a plugin's (by its key). */
  on<N extends EventName>(name: N, listener: (event: EventPayload<N>) => void): Unsubscribe {
    return this.#emitter.on(eventKey(name), listener as never);
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
      wake: () => this.#pipeline.waker?.(),
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
    sendPacket(this.#pipeline, this.#outbound, peer, clientId, init, session);
  }

  /** Context host: counts and reports a drop. */
  drop(ctx: PacketContext, reason: DropReason, error?: Error): void {
    this.#countDrop(reason, ctx.peer, ctx.packet.type, ctx.session, error);
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
