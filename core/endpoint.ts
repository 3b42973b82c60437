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
 * One class, one idea: the packet paths (a received datagram from decoding to its type's handler,
 * a malformed one to the `onMalformed` hooks, a sent packet from its init to the transmit queue),
 * the session life cycle (connect with its deadline, changes reported as events, the graceful
 * close) are its private methods.
 *
 * @module
 */
import { type Clock, type Random, systemClock, systemRandom } from "./clock.ts";
import { ChecksumError, encodePacket } from "./codec.ts";
import { compose, type Terminal } from "./compose.ts";
import { type ContextHost, PacketContext } from "./context.ts";
import { Emitter, type Unsubscribe } from "./emitter.ts";
import { PluginError, TimeoutError } from "./errors.ts";
import {
  type DropReason,
  eventKey,
  type EventName,
  type EventPayload,
  type Role,
  type ThingEvents,
} from "./events.ts";
import { framePool } from "./frame_pool.ts";
import { decodeInbound } from "./inbound.ts";
import { MAX_PAYLOAD_SIZE, type Packet, type PacketInit } from "./packet.ts";
import { type PluginList, resolvePlugins } from "./plugin.ts";
import { PluginHooks, type PluginHost } from "./plugin_hooks.ts";
import { PacketRegistry } from "./registry.ts";
import { sameBytes } from "./same_bytes.ts";
import type { Session, SessionControl } from "./session.ts";
import { SessionMap } from "./session_table.ts";
import { defaultSha256, type Sha256 } from "./sha256.ts";
import { TimerTable } from "./timers.ts";
import { type Transmit, TransmitQueue } from "./transmit_queue.ts";
import type { PeerAddress } from "./transport.ts";

export type { Transmit };

const EMPTY = new Uint8Array(0);

/** How to build an endpoint. */
export interface EndpointOptions {
  /** `server` accepts sessions, `client` starts them. */
  role: Role;
  /** The plugins that make up the protocol, nearest the wire first. */
  plugins: PluginList;
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Randomness (default: `crypto.getRandomValues`). */
  random?: Random;
  /** SHA-256 provider for checksums (default: the fastest on this runtime). */
  hash?: Sha256;
  /** Milliseconds `connect()` waits for the handshake before failing (default 10,000). */
  connectTimeout?: number;
  /** Milliseconds `close()` lets sessions say goodbye before ending them (default 3,000). */
  closeTimeout?: number;
}

/** Counters an endpoint keeps. */
export interface EndpointStats {
  /** Packets received (well-formed or not). */
  packetsIn: number;
  /** Bytes received. */
  bytesIn: number;
  /** Packets encoded for sending. */
  packetsOut: number;
  /** Bytes encoded for sending. */
  bytesOut: number;
  /** Dropped inbound packets by reason. */
  dropped: Record<string, number>;
}

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
  /** Asynchronous pipeline runs not settled yet. */
  readonly #pending = new Set<Promise<void>>();
  /** Encoded packets waiting for the driver. */
  readonly #queue = new TransmitQueue();
  /** The `onEncoded` hooks of packets on their way out. */
  readonly #encodedHooks = new WeakMap<PacketContext, (bytes: Uint8Array) => void>();
  /** Packets whose `onEncoded` hook may keep the encoded bytes (so their buffer is never reused). */
  readonly #keptEncoded = new WeakSet<PacketContext>();
  /** What every packet's context answers and drops through. */
  readonly #contextHost: ContextHost;
  #inbound: Terminal<PacketContext>;
  #outbound: Terminal<PacketContext>;
  /** Whether a `handle*()` call runs (its caller drains the queue, so no wake is needed). */
  #handling = false;
  /** Called when a packet is queued outside `handle*()` calls. */
  #waker: (() => void) | undefined;
  /** The session the last lookup found: consecutive packets mostly belong to one session. */
  #lastFound: SessionControl | undefined;
  #closing: Promise<void> | undefined;
  #reporting = false;

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
      transmit: (control, init) => this.#send(control.peer, control.clientId, init, control),
      setTimer: (at, fire) => this.#timers.set(at, fire),
      sendMessage: (session, data, opts) => this.#hooks.sendMessage(session, data, opts),
      corkMessages: (session, corked) => this.#hooks.corkMessages(session, corked),
      beginClose: (control, reason) => this.#hooks.closing.some((hook) => hook(control, reason)),
      sessionChanged: (control, change, detail) => this.#sessionChanged(control, change, detail),
    });
    this.#contextHost = {
      sendTo: (peer, clientId, init, session) =>
        this.#send(peer, clientId, init, session && this.#sessions.control(session)),
      drop: (ctx, reason, error) =>
        this.#countDrop(reason, ctx.peer, ctx.packet.type, ctx.session, error),
    };
    const host: PluginHost = {
      role: this.role,
      clock: this.clock,
      random: this.#random,
      sessions: this.#sessions,
      registry: this.registry,
      timers: this.#timers,
      emitter: this.#emitter,
      sendTo: (peer, clientId, init) => this.#send(peer, clientId, init, undefined),
    };
    for (const plugin of resolvePlugins(options.plugins)) {
      plugin.setup(this.#hooks.api(plugin.name, host));
    }
    const { inbound, outbound } = this.#hooks;
    const dispatch: Terminal<PacketContext> = (ctx) => this.#dispatch(ctx);
    this.#inbound = inbound.length === 0 ? dispatch : compose(inbound, dispatch);
    const encode: Terminal<PacketContext> = (ctx) => this.#encode(ctx);
    this.#outbound = outbound.length === 0 ? encode : compose([...outbound].reverse(), encode);
  }

  /** Feeds one received packet. Never throws: bad input is dropped and reported. */
  handleDatagram(bytes: Uint8Array, peer: PeerAddress): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += bytes.length;
    this.#handling = true;
    try {
      this.#receive(bytes, peer);
    } finally {
      this.#handling = false;
    }
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
    for (const control of [...this.#sessions.controls()]) {
      if (sameAddress(control.peer, peer)) control.terminate("transport closed");
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

  /**
   * Client side: starts a session with `peer` and resolves when its handshake completes; it ends
   * with a `TimeoutError` if it is still connecting after `connectTimeout`.
   */
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
    const timeout = this.#connectTimeout;
    const control = this.#sessions.create(this.#random.fill(new Uint8Array(16)), peer);
    control.setTimer("connect-timeout", this.clock.now() + timeout, () => {
      if (control.state === "connecting") {
        control.terminate(
          "connect timed out",
          new TimeoutError(`No handshake within ${timeout} ms`),
        );
      }
    });
    try {
      for (const hook of this.#hooks.connect) hook(control);
    } catch (error) {
      control.terminate("connect failed", toError(error));
    }
    return control.opened.then(() => {
      control.clearTimer("connect-timeout");
      return control.session;
    });
  }

  /** Closes every session gracefully (bounded by `closeTimeout`), then stops all timers. */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  /** Reports a non-fatal error (e.g. from a transport) through the `error` event. */
  reportError(error: unknown): void {
    this.#reportError(error);
  }

  // --- The inbound path. ---------------------------------------------------------------------

  /**
   * Decodes `bytes` from `peer` and runs the packet through the inbound pipeline with its session;
   * a datagram that does not decode takes the malformed path instead. Never throws.
   */
  #receive(bytes: Uint8Array, peer: PeerAddress): void {
    const decoded = decodeInbound(bytes, this.#hash, this.registry, this.#hooks.authenticated);
    if (decoded.error) return this.#malformed(decoded.error, peer, decoded.reason);
    const packet = decoded.packet;
    const found = this.#lookup(packet.clientId);
    const atPeer = found && sameAddress(found.peer, peer) ? found.session : undefined;
    const claimed = found && !atPeer ? found.session : undefined;
    const ctx = new PacketContext(this.#contextHost, "in", packet, peer, atPeer, claimed);
    this.#run(this.#inbound, ctx);
  }

  /**
   * The open session with this client ID. A session leaves the table only once closed, and
   * renames change its `clientId` too, so a non-closed cached session with equal bytes is the one
   * the table holds (and the table lookup hex-encodes the ID).
   */
  #lookup(clientId: Uint8Array): SessionControl | undefined {
    const last = this.#lastFound;
    if (last !== undefined && last.state !== "closed" && sameBytes(last.clientId, clientId)) {
      return last;
    }
    return (this.#lastFound = this.#sessions.find(clientId));
  }

  /** The inbound pipeline's last step: decodes the body and calls the packet type's handler. */
  #dispatch(ctx: PacketContext): void | Promise<void> {
    if (ctx.dropped) return;
    const registry = this.registry;
    const type = registry.get(ctx.packet.type)!;
    const handler = this.#hooks.handlers.get(type.code);
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
   * A datagram from `peer` that failed to decode with `error`: a packet whose checksum fails goes
   * to the `onMalformed` hooks (which may answer its sender) before it is counted as dropped;
   * anything less than a packet is only counted.
   */
  #malformed(error: Error, peer: PeerAddress, reason: DropReason): void {
    if (!(error instanceof ChecksumError)) {
      return this.#countDrop(reason, peer, undefined, undefined, error);
    }
    const found = this.#sessions.find(error.packet.clientId);
    const control = found && sameAddress(found.peer, peer) ? found : undefined;
    const session = control?.session;
    const clientId = error.packet.clientId.slice();
    for (const hook of this.#hooks.malformed) {
      try {
        hook({
          error,
          peer,
          session,
          reply: (init) => this.#send(peer, clientId, init, control),
        });
      } catch (hookError) {
        this.#reportError(hookError);
      }
    }
    this.#countDrop(reason, peer, error.packet.type, session, error);
  }

  // --- The outbound path. --------------------------------------------------------------------

  /**
   * Builds the packet `init` describes (its order taken from `control` when it has none) and runs
   * it through the outbound pipeline towards `peer`.
   *
   * @throws {RangeError} if the payload is larger than `MAX_PAYLOAD_SIZE`
   */
  #send(
    peer: PeerAddress,
    clientId: Uint8Array,
    init: PacketInit,
    control: SessionControl | undefined,
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
      order: init.order ?? (control ? control.takeOrder() : 0),
      payload,
      checksum: EMPTY,
    };
    const ctx = new PacketContext(this.#contextHost, "out", packet, peer, control?.session);
    if (init.onEncoded) {
      this.#encodedHooks.set(ctx, init.onEncoded);
      if (!init.borrowsEncoded) this.#keptEncoded.add(ctx);
    }
    this.#run(this.#outbound, ctx);
  }

  /**
   * The outbound pipeline's last step: encodes the packet onto the transmit queue, calls its
   * `onEncoded` hook, and wakes the driver when no `handle*()` call will drain the queue. A large
   * packet's buffer comes back for the next once sent, unless the hook may keep the bytes.
   */
  #encode(ctx: PacketContext): void {
    if (ctx.dropped) return;
    const bytes = encodePacket(ctx.packet, this.#hash);
    const stats = this.stats;
    stats.packetsOut++;
    stats.bytesOut += bytes.length;
    const release = this.#keptEncoded.has(ctx) ? undefined : framePool.releaser(bytes);
    this.#queue.push({ bytes, peer: ctx.peer, release });
    this.#encodedHooks.get(ctx)?.(bytes);
    if (!this.#handling) this.#waker?.();
  }

  /** Runs `ctx` through `step`, tracking the run while it is asynchronous; reports a failure. */
  #run(step: Terminal<PacketContext>, ctx: PacketContext): void {
    try {
      const result = step(ctx);
      if (result instanceof Promise) {
        const pending = this.#pending;
        const tracked: Promise<void> = result.then(
          () => void pending.delete(tracked),
          (error) => {
            pending.delete(tracked);
            this.#stepFailed(ctx, error);
          },
        );
        pending.add(tracked);
      }
    } catch (error) {
      this.#stepFailed(ctx, error);
    }
  }

  /** Reports a pipeline step's failure as an `error` event; an inbound packet is then dropped. */
  #stepFailed(ctx: PacketContext, error: unknown): void {
    const err = toError(error);
    this.#emitter.emit("error", { error: err, session: ctx.session, peer: ctx.peer });
    if (ctx.direction === "in") ctx.drop("middleware", err);
  }

  // --- Sessions and the endpoint's life. -----------------------------------------------------

  /**
   * Turns a session's change into the endpoint's event (`session`, `resume`, `suspend`, `close`),
   * and keeps the table in step: a renamed session moves, a closed one leaves.
   */
  #sessionChanged(control: SessionControl, change: string, detail: unknown): void {
    const emitter = this.#emitter;
    const session = control.session;
    switch (change) {
      case "open":
        return emitter.emit("session", { session });
      case "resume":
        return emitter.emit("resume", { session });
      case "suspend":
        return emitter.emit("suspend", { session, reason: String(detail) });
      case "rename":
        return this.#sessions.rename(control, (detail as { clientId: Uint8Array }).clientId);
      case "closed":
        this.#sessions.delete(control);
        return emitter.emit("close", {
          session,
          reason: session.closeReason ?? "closed",
          error: session.closeError,
        });
    }
  }

  /**
   * Runs the close hooks, closes every session gracefully, both bounded by `closeTimeout`, then
   * ends the sessions still there and stops every timer.
   */
  async #closeAll(): Promise<void> {
    const timers = this.#timers;
    let expire!: () => void;
    const expired = new Promise<void>((resolve) => (expire = resolve));
    const deadline = timers.set(this.clock.now() + this.#closeTimeout, () => expire());
    this.#waker?.();
    for (const hook of this.#hooks.close) {
      // Await only hooks that are asynchronous, so goodbyes start in this same turn otherwise.
      try {
        const result = hook();
        if (result instanceof Promise) await Promise.race([result, expired]);
      } catch (error) {
        this.#reportError(error);
      }
    }
    const open = [...this.#sessions.values()];
    await Promise.race([
      Promise.all(open.map((session) => session.close("endpoint closing"))),
      expired,
    ]);
    deadline.cancel();
    for (const control of [...this.#sessions.controls()]) control.terminate("endpoint closed");
    timers.clear();
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

/** Whether two addresses are the same host and port. */
function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a === b || (a.port === b.port && a.hostname === b.hostname);
}

/** `error` as an Error (a thrown non-Error is wrapped). */
function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
