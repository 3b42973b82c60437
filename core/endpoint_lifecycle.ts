/**
 * The endpoint's life cycle around its sessions: a client's connect (with its handshake deadline),
 * session changes reported as endpoint events, and the endpoint's graceful close (goodbyes
 * bounded by one deadline, then every session ended).
 * `core/endpoint.ts` calls these with its own parts.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import { TimeoutError } from "./errors.ts";
import type { ThingEvents } from "./events.ts";
import type { Session } from "./session.ts";
import type { SessionMap } from "./session_table.ts";
import type { TimerTable } from "./timers.ts";
import type { PeerAddress } from "./transport.ts";

/** The endpoint parts a connect uses. */
export interface ConnectParts {
  /** The injected clock. */
  clock: Clock;
  /** The session table the new session goes in. */
  sessions: SessionMap;
  /** How long the handshake may take, in ms. */
  connectTimeout: number;
  /** The dialects' hooks that start a handshake. */
  hooks: ReadonlyArray<(session: Session) => void>;
}

/**
 * Starts a session with `clientId` at `peer`, runs the handshake hooks on it, and resolves with it
 * once it opens; it ends with a `TimeoutError` if it is still connecting after `connectTimeout`.
 */
export function connectSession(
  parts: ConnectParts,
  clientId: Uint8Array,
  peer: PeerAddress,
): Promise<Session> {
  const { clock, connectTimeout } = parts;
  const session = parts.sessions.create(clientId, peer);
  session.setTimer("connect-timeout", clock.now() + connectTimeout, () => {
    if (session.state === "connecting") {
      session.terminate(
        "connect timed out",
        new TimeoutError(`No handshake within ${connectTimeout} ms`),
      );
    }
  });
  try {
    for (const hook of parts.hooks) hook(session);
  } catch (error) {
    session.terminate("connect failed", toError(error));
  }
  return session.opened.then(() => {
    session.clearTimer("connect-timeout");
    return session;
  });
}

/** The endpoint parts a close uses. */
export interface CloseParts {
  /** The injected clock. */
  clock: Clock;
  /** The endpoint's timers; cleared at the end. */
  timers: TimerTable;
  /** The sessions to close. */
  sessions: SessionMap;
  /** How long goodbyes may take in all, in ms. */
  closeTimeout: number;
  /** The plugins' close hooks. */
  hooks: ReadonlyArray<() => void | Promise<void>>;
  /** Asks the driver to run the endpoint (the deadline is a new timer). */
  wake(): void;
  /** Reports an error a close hook threw. */
  reportError(error: unknown): void;
}

/**
 * Runs the close hooks, closes every session gracefully, both bounded by `closeTimeout`, then
 * ends the sessions still there and stops every timer.
 */
export async function closeSessions(parts: CloseParts): Promise<void> {
  const { timers, sessions } = parts;
  let expire!: () => void;
  const expired = new Promise<void>((resolve) => (expire = resolve));
  const deadline = timers.set(parts.clock.now() + parts.closeTimeout, () => expire());
  parts.wake();
  for (const hook of parts.hooks) {
    // Await only hooks that are asynchronous, so goodbyes start in this same turn otherwise.
    try {
      const result = hook();
      if (result instanceof Promise) await Promise.race([result, expired]);
    } catch (error) {
      parts.reportError(error);
    }
  }
  const open = [...sessions.values()];
  await Promise.race([
    Promise.all(open.map((session) => session.close("endpoint closing"))),
    expired,
  ]);
  deadline.cancel();
  for (const session of [...sessions.values()]) session.terminate("endpoint closed");
  timers.clear();
}

/**
 * Turns a session's change into the endpoint's event (`session`, `resume`, `suspend`, `close`),
 * and keeps the table in step: a renamed session moves, a closed one leaves.
 */
export function reportSessionChange(
  emitter: Emitter<ThingEvents>,
  sessions: SessionMap,
  session: Session,
  change: string,
  detail: unknown,
): void {
  switch (change) {
    case "open":
      return emitter.emit("session", { session });
    case "resume":
      return emitter.emit("resume", { session });
    case "suspend":
      return emitter.emit("suspend", { session, reason: String(detail) });
    case "rename":
      return sessions.rename(session, (detail as { clientId: Uint8Array }).clientId);
    case "closed":
      sessions.delete(session);
      return emitter.emit("close", {
        session,
        reason: session.closeReason ?? "closed",
        error: session.closeError,
      });
  }
}

/** `error` as an Error (a thrown non-Error is wrapped). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
