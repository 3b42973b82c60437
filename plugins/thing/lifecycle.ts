/**
 * An established Thing session's life: the heartbeat (CHB every TTL/3, answered by SUU), the TTL
 * (a session silent for TTL ends; the server says so with SFL), the client's goodbye (CGB → SGB →
 * CFL, CGB retried with backoff) and the server's (SFL, no answer). Every one of these packets is
 * sealed, so only the peer holding the session keys can renew or end a session.
 *
 * @module
 */
import { TimeoutError } from "../../core/errors.ts";
import type { Session, SessionControl } from "../../core/session.ts";
import { backoff, type ThingHost, Timers } from "./host.ts";
import { MIN_TTL } from "./options.ts";
import { ThingPacket } from "./packets.ts";

/** SFL reason byte: the client sent no heartbeat within the TTL. */
export const SFL_TTL_EXPIRED = 1;
/** SFL reason byte: the server closed the session (application or shutdown). */
export const SFL_CLOSED = 2;

interface LifeState {
  ttl: number;
  lastSeen: number;
  goodbye: { reason: string; attempt: number } | undefined;
  byClient: boolean;
}

/** Heartbeats, TTLs and goodbyes of one endpoint's sessions. */
export class Lifecycle {
  readonly #host: ThingHost;
  readonly #states = new WeakMap<Session, LifeState>();
  readonly #padded = new WeakSet<Session>();

  /** Creates the life-cycle keeper of one endpoint (`host`: the plugin's shared services). */
  constructor(host: ThingHost) {
    this.#host = host;
  }

  /** Whether `session` finished its handshake. */
  established(session: Session): boolean {
    return this.#states.has(session);
  }

  /** Starts the heartbeat (client) and the TTL (both sides) of a session whose handshake ended. */
  start(session: Session, serverTtl: number): void {
    const { api, config } = this.#host;
    // The server's TTL comes off the wire: never below MIN_TTL, or heartbeats would spin.
    const ttl = api.role === "client"
      ? Math.max(MIN_TTL, Math.min(config.ttl, serverTtl))
      : config.ttl;
    const state: LifeState = {
      ttl,
      lastSeen: api.clock.now(),
      goodbye: undefined,
      byClient: false,
    };
    this.#states.set(session, state);
    const control = api.control(session);
    this.#armTtl(control, state);
    if (api.role === "client") this.#scheduleHeartbeat(control, ttl);
  }

  /**
   * Client: `session` holds a stateless reset token, so its CHB and CGB carry one zero byte:
   * larger than a reset (§3.16), each can draw one from a server that lost the session.
   */
  padHeartbeats(session: Session): void {
    this.#padded.add(session);
  }

  /** An authenticated packet arrived from the peer: the session is alive for another TTL. */
  touch(session: Session): void {
    const state = this.#states.get(session);
    if (state) state.lastSeen = this.#host.api.clock.now();
  }

  /** Server: CHB arrived; answer SUU. */
  onHeartbeat(session: Session): void {
    if (this.established(session)) this.#control(session).sendPacket({ type: ThingPacket.SUU });
  }

  /**
   * The application or the endpoint closes `session`. The client starts CGB and returns true
   * (it terminates later); the server sends SFL and returns false (terminate now).
   */
  onClosing(session: Session, reason: string): boolean {
    const state = this.#states.get(session);
    if (!state || session.state === "closed") return false;
    const control = this.#control(session);
    if (this.#host.api.role === "server") {
      if (!state.byClient) {
        control.sendPacket({ type: ThingPacket.SFL, payload: reasonByte(SFL_CLOSED) });
      }
      return false;
    }
    control.clearTimer(Timers.heartbeat);
    state.goodbye = { reason, attempt: 0 };
    this.#sendGoodbye(control, state);
    return true;
  }

  /** Server: CGB arrived; answer SGB and wait briefly for CFL. */
  onGoodbye(session: Session): void {
    const state = this.#states.get(session);
    if (!state) return;
    state.byClient = true;
    const control = this.#control(session);
    control.clearTimer(Timers.ttl);
    control.sendPacket({ type: ThingPacket.SGB });
    const { api, config } = this.#host;
    const linger = backoff(config, config.goodbyeAttempts);
    control.setTimer(Timers.goodbye, api.clock.now() + linger, () => {
      control.terminate("closed by client (no CFL)");
    });
  }

  /** Client: SGB arrived for our CGB; send CFL and end. */
  onGoodbyeAnswer(session: Session): void {
    const goodbye = this.#states.get(session)?.goodbye;
    if (!goodbye) return;
    const control = this.#control(session);
    control.sendPacket({ type: ThingPacket.CFL });
    control.terminate(goodbye.reason);
  }

  /** Server: CFL arrived; end the session. */
  onFlatline(session: Session): void {
    if (this.#states.get(session)?.byClient) this.#control(session).terminate("closed by client");
  }

  /** Client: SFL arrived; the server ended the session. */
  onServerFlatline(session: Session, payload: Uint8Array): void {
    if (!this.established(session)) return;
    this.#control(session).terminate(
      payload[0] === SFL_TTL_EXPIRED
        ? "closed by server: no heartbeat within the TTL"
        : "closed by server",
    );
  }

  #padding(session: Session): Uint8Array | undefined {
    return this.#padded.has(session) ? new Uint8Array(1) : undefined;
  }

  #control(session: Session): SessionControl {
    return this.#host.api.control(session);
  }

  #scheduleHeartbeat(control: SessionControl, ttl: number): void {
    const { api } = this.#host;
    control.setTimer(Timers.heartbeat, api.clock.now() + Math.floor(ttl / 3), () => {
      if (control.state !== "open") return;
      control.sendPacket({ type: ThingPacket.CHB, payload: this.#padding(control.session) });
      this.#scheduleHeartbeat(control, ttl);
    });
  }

  #sendGoodbye(control: SessionControl, state: LifeState): void {
    const goodbye = state.goodbye!;
    const { api, config } = this.#host;
    if (goodbye.attempt >= config.goodbyeAttempts) {
      return control.terminate(`${goodbye.reason} (no SGB)`);
    }
    control.sendPacket({ type: ThingPacket.CGB, payload: this.#padding(control.session) });
    const delay = backoff(config, goodbye.attempt++);
    control.setTimer(
      Timers.goodbye,
      api.clock.now() + delay,
      () => this.#sendGoodbye(control, state),
    );
  }

  // One timer per session, re-armed lazily: touching a session on every packet costs no timer.
  #armTtl(control: SessionControl, state: LifeState): void {
    control.setTimer(Timers.ttl, state.lastSeen + state.ttl, () => {
      if (state.byClient) return;
      if (this.#host.api.clock.now() < state.lastSeen + state.ttl) {
        return this.#armTtl(control, state);
      }
      this.#expire(control, state.ttl);
    });
  }

  #expire(control: SessionControl, ttl: number): void {
    if (this.#host.api.role === "server") {
      control.sendPacket({ type: ThingPacket.SFL, payload: reasonByte(SFL_TTL_EXPIRED) });
      control.terminate(
        "heartbeat timeout",
        new TimeoutError(`No heartbeat from session ${control.id} within ${ttl} ms`),
      );
      return;
    }
    control.terminate(
      "server silent",
      new TimeoutError(`No packet from the server within ${ttl} ms: it is gone or unreachable`),
    );
  }
}

function reasonByte(reason: number): Uint8Array {
  return new Uint8Array([reason]);
}
