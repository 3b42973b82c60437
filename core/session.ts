/**
 * A session: one client ID talking to one peer address. Applications hold the `Session`, to send
 * on and close; its life cycle (`open`, `suspend`, `terminate`, …), raw packets and timers are
 * driven through its `SessionControl`, which only plugins get (`api.control(session)`,
 * `api.sessions.create()`): a `Session` keeps its control in a private field.
 *
 * @module
 */
import { SessionError, ThingError } from "./errors.ts";
import { toHex } from "./hex.ts";
import type { Extension } from "./extensions.ts";
import type { PacketInit } from "./packet.ts";
import type { Timer } from "./timers.ts";
import type { PeerAddress } from "./transport.ts";

/** Marks a promise's rejection as handled without handling it for anyone who awaits it. */
const ignore = () => {};

/** Where a session is in its life. */
export type SessionState = "connecting" | "open" | "closing" | "closed";

/** How an application message is sent. */
export interface SendOptions {
  /**
   * Acknowledged and retransmitted until delivered (default true). With channels, `false` sends
   * the message unreliably on its channel whatever the channel's mode (see `channel`).
   */
  reliable?: boolean;
  /** Application tag carried with the message, unchanged, to the receiver (default 0). */
  customId?: number;
  /**
   * The data plugin's channel (default 0), whose delivery mode (ordered, unordered, sequenced,
   * unreliable) both ends configured; a data plugin without channels ignores it. See
   * docs/PLUGINS.md for the Connection data plugin's channels.
   */
  channel?: number;
}

/** One session. Obtain it from `connect()`, a `session` event, or `api.sessions` in a plugin. */
export class Session {
  readonly #control: SessionControl;

  /** Created by its `SessionControl` (plugins use `api.sessions.create`). */
  constructor(control: SessionControl) {
    this.#control = control;
  }

  /** The 16-byte client ID. */
  get clientId(): Uint8Array {
    return this.#control.clientId;
  }

  /** The client ID as lowercase hex. */
  get id(): string {
    return this.#control.id;
  }

  /** The address this session is bound to. */
  get peer(): PeerAddress {
    return this.#control.peer;
  }

  /** Current state. */
  get state(): SessionState {
    return this.#control.state;
  }

  /** Why it closed, once closed. */
  get closeReason(): string | undefined {
    return this.#control.closeReason;
  }

  /** What ended it, if it ended with an error. */
  get closeError(): Error | undefined {
    return this.#control.closeError;
  }

  /** Resolves when the session is open; rejects if it closes first. */
  get opened(): Promise<void> {
    return this.#control.opened;
  }

  /** Resolves when the session has closed, however that happened. */
  get closed(): Promise<void> {
    return this.#control.closed;
  }

  /**
   * Sends an application message through the data plugin (e.g. DATA_ACK / DATA_NOACK). The
   * promise resolves once delivered (reliable: acknowledged) and rejects with a typed error when
   * the message cannot be delivered, for example because the peer left first. Awaiting it is
   * optional: a failure nobody awaits is never an unhandled rejection (see docs/PLUGINS.md §1,
   * "Sending").
   */
  send(data: Uint8Array, options: SendOptions = {}): Promise<void> {
    return this.#control.send(data, options);
  }

  /**
   * Holds messages back so that the data plugin packs them together (into one packet where they
   * fit) until `uncork()`; a data plugin that does not batch ignores it.
   */
  cork(): void {
    this.#control.cork(true);
  }

  /** Sends what `cork()` held back, and stops holding. */
  uncork(): void {
    this.#control.cork(false);
  }

  /** Closes gracefully: the dialect says goodbye (and retries) before the session ends. */
  close(reason = "closed by application"): Promise<void> {
    return this.#control.close(reason);
  }
}

/** The part of the endpoint a session talks to. Implemented by `Endpoint`. */
export interface SessionHost {
  /** Runs a packet of this session through the outbound pipeline. */
  transmit(control: SessionControl, init: PacketInit): void;
  /** Schedules a callback. */
  setTimer(at: number, fire: () => void): Timer;
  /** Sends an application message with the data plugin. */
  sendMessage(session: Session, data: Uint8Array, options: SendOptions): Promise<void>;
  /** Corks (true) or uncorks the session's messages in the data plugin. */
  corkMessages(session: Session, corked: boolean): void;
  /** Asks plugins to say goodbye; returns true when one will call `terminate` later. */
  beginClose(control: SessionControl, reason: string): boolean;
  /** Called on a state change the endpoint must know of. */
  sessionChanged(
    control: SessionControl,
    change: "open" | "suspend" | "resume" | "rename" | "closed",
    detail?: unknown,
  ): void;
}

/** One session's controls, for the plugin that drives it. `session` is what applications get. */
export class SessionControl {
  /** The session applications see. */
  readonly session: Session;
  #clientId: Uint8Array;
  #id: string;
  #peer: PeerAddress;
  #state: SessionState = "connecting";
  #closeReason: string | undefined;
  #closeError: Error | undefined;
  #nextOrder = 0;
  #timers: Map<string, Timer> | undefined;
  #closed: { promise: Promise<void>; resolve: () => void } | undefined;
  #opened:
    | { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void }
    | undefined;
  #wasOpen = false;
  #extensions: readonly Extension[] = [];
  readonly #host: SessionHost;

  /** Created by the endpoint; plugins use `api.sessions.create`. */
  constructor(host: SessionHost, clientId: Uint8Array, id: string, peer: PeerAddress) {
    this.#host = host;
    this.#clientId = clientId;
    this.#id = id;
    this.#peer = peer;
    this.session = new Session(this);
  }

  /** The 16-byte client ID. */
  get clientId(): Uint8Array {
    return this.#clientId;
  }

  /** The client ID as lowercase hex. */
  get id(): string {
    return this.#id;
  }

  /** The address this session is bound to. */
  get peer(): PeerAddress {
    return this.#peer;
  }

  /** Current state. */
  get state(): SessionState {
    return this.#state;
  }

  /** Why it closed, once closed. */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  /** What ended it, if it ended with an error. */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** The order count the next packet will carry. */
  get nextOrder(): number {
    return this.#nextOrder;
  }

  /** Takes the next order count (used by the endpoint when it sends). */
  takeOrder(): number {
    return this.#nextOrder++;
  }

  /** `session.send()`: an application message through the data plugin. */
  send(data: Uint8Array, options: SendOptions = {}): Promise<void> {
    const state = this.#state;
    const sent = state === "closed" || state === "closing"
      ? Promise.reject(
        new SessionError(
          "THING_ERR_SESSION_CLOSED",
          `Cannot send on session ${this.#id}: it is ${state}`,
        ),
      )
      : this.#host.sendMessage(this.session, data, options);
    sent.catch(ignore);
    return sent;
  }

  /** `session.cork()` (true) and `uncork()` (false). */
  cork(corked: boolean): void {
    if (this.#state !== "closed") this.#host.corkMessages(this.session, corked);
  }

  /**
   * The handshake extensions this session negotiated (docs/PROTOCOL.md §3.13): the entries the
   * server took, with their data, as its session plugin recorded them. Empty until then.
   */
  get extensions(): readonly Extension[] {
    return this.#extensions;
  }

  /** The session plugin records what its handshake negotiated (before `open()`). */
  setExtensions(extensions: readonly Extension[]): void {
    this.#extensions = extensions;
  }

  /** Sends one raw packet of this session through the outbound middleware. */
  sendPacket(init: PacketInit): void {
    if (this.#state === "closed") {
      throw new SessionError(
        "THING_ERR_SESSION_CLOSED",
        `Cannot send on session ${this.#id}: it is closed`,
      );
    }
    this.#host.transmit(this, init);
  }

  /** Runs `fire` at `at` under `name`, replacing a timer of the same name. Cleared on close. */
  setTimer(name: string, at: number, fire: () => void): void {
    if (this.#state === "closed") return;
    this.#timers ??= new Map();
    this.#timers.get(name)?.cancel();
    this.#timers.set(
      name,
      this.#host.setTimer(at, () => {
        this.#timers?.delete(name);
        fire();
      }),
    );
  }

  /** Cancels the timer called `name`, if set. */
  clearTimer(name: string): void {
    const timer = this.#timers?.get(name);
    if (!timer) return;
    timer.cancel();
    this.#timers!.delete(name);
  }

  /** Whether a timer called `name` is pending. */
  hasTimer(name: string): boolean {
    return this.#timers?.has(name) ?? false;
  }

  /** Marks the session established (dialects call this when their handshake completes). */
  open(): void {
    if (this.#state !== "connecting") return;
    this.#state = "open";
    this.#host.sessionChanged(this, this.#wasOpen ? "resume" : "open");
    this.#wasOpen = true;
    // Settled: a later suspend waits on a new one, and terminate has nothing left to reject.
    this.#opened?.resolve();
    this.#opened = undefined;
  }

  /** Marks an open session as re-establishing (its peer went quiet). */
  suspend(reason: string): void {
    if (this.#state !== "open") return;
    this.#state = "connecting";
    this.#host.sessionChanged(this, "suspend", reason);
  }

  /** `session.opened`: resolves when the session is open; rejects if it closes first. */
  get opened(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.#state === "closed") return Promise.reject(this.#closedError());
    if (!this.#opened) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      promise.catch(ignore);
      this.#opened = { promise, resolve, reject };
    }
    return this.#opened.promise;
  }

  /** `session.closed`: resolves when the session has closed, however that happened. */
  get closed(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    if (!this.#closed) {
      let resolve!: () => void;
      const promise = new Promise<void>((ok) => (resolve = ok));
      this.#closed = { promise, resolve };
    }
    return this.#closed.promise;
  }

  /** `session.close()`: the dialect says goodbye (and retries) before the session ends. */
  close(reason = "closed by application"): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    const done = this.closed;
    if (this.#state !== "closing") {
      this.#state = "closing";
      if (!this.#host.beginClose(this, reason)) this.terminate(reason);
    }
    return done;
  }

  /** Ends the session at once: timers cleared, removed from the endpoint, `close` emitted. */
  terminate(reason: string, error?: Error): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#closeReason = reason;
    this.#closeError = error;
    if (this.#timers) { for (const timer of this.#timers.values()) timer.cancel(); }
    this.#timers = undefined;
    this.#host.sessionChanged(this, "closed");
    this.#opened?.reject(this.#closedError());
    this.#closed?.resolve();
  }

  /** Moves the session to a new address (after a plugin has validated the new path). */
  migrate(peer: PeerAddress): void {
    this.#peer = peer;
  }

  /**
   * Gives the session a new client ID (a client re-establishing after the server forgot it).
   *
   * @throws {RangeError} if the ID is not 16 bytes or another session of the endpoint has it
   */
  rename(clientId: Uint8Array): void {
    const previous = this.#id;
    this.#host.sessionChanged(this, "rename", { clientId, previous });
    this.#clientId = clientId.slice();
    this.#id = toHex(clientId);
    this.#nextOrder = 0;
  }

  #closedError(): Error {
    return this.#closeError ??
      new ThingError(
        "THING_ERR_SESSION_CLOSED",
        `Session ${this.#id} closed: ${this.#closeReason ?? "unknown"}`,
      );
  }
}
